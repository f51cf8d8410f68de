"""Interleaved timing of the same exported function in wasmbed and pywasm.

Usage: python benchmarks/vs_pywasm.py [ROUNDS]
Prints the median time of each engine and the ratio (pywasm / wasmbed).
Benchmarks are measured here, never asserted in tests.
"""
import os
import sys

import pywasm
import wasmbed
from timing import interleaved

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [  # (module, function, args)
    ("loops.wasm", "fib", [20]),
    ("loops.wasm", "sum_loop", [100000]),
    ("loops.wasm", "sieve", [20000]),
]


def wasmbed_runner(path, name, mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    with open(path, "rb") as f:
        inst = rt.instantiate(rt.load(f.read()), stack_size=1 << 22)
    fn = inst.lookup_function(name)
    env = inst.create_exec_env()
    return lambda args: env.call(fn, *args)


def pywasm_runner(path, name):
    runtime = pywasm.core.Runtime()
    inst = runtime.instance_from_file(path)
    return lambda args: runtime.invocate(inst, name, list(args))


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for file, name, args in CASES:
        path = os.path.join(HERE, file)
        ours = wasmbed_runner(path, name, "interp")
        theirs = pywasm_runner(path, name)
        r1 = ours(args)
        r2 = theirs(args)
        a, b = interleaved(ours, theirs, args, rounds)
        print("%-10s %-28s wasmbed %.4fs  pywasm %.4fs  ratio %.1fx  (results %r / %r)" % (
            file, "%s%r" % (name, tuple(args)), a, b, b / a, r1, r2))


if __name__ == "__main__":
    main()
