"""Interleaved timing of the same exported functions on wasmbed's two tiers.

Usage: python benchmarks/fast_vs_interp.py [ROUNDS]
Prints, per case, the median time of the interpreter and of the fast tier
and the speed-up (interp / fast); then the one-time cost of the fast tier
(translation and compile() of every function of a large module, when the
WASI test suite is present). Benchmarks are measured here, never asserted
in tests.
"""
import os
import sys
import time

import wasmbed
from wasmbed.core import translate
from wasmbed.core.decode import decode_module
from wasmbed.core.validate import validate_module
from timing import interleaved

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [  # (module, function, args)
    ("loops.wasm", "fib", [20]),
    ("loops.wasm", "sum_loop", [100000]),
    ("loops.wasm", "sieve", [20000]),
]
LARGE = os.path.join(
    os.environ.get("WASMBED_SUITES", os.path.join(os.path.dirname(HERE), "..", "shared", "suites")),
    "wasi-testsuite", "tests", "rust", "testsuite", "wasm32-wasip1", "fd_readdir.wasm")


def runner(path, name, mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    with open(path, "rb") as f:
        inst = rt.instantiate(rt.load(f.read()), stack_size=1 << 22)
    fn = inst.lookup_function(name)
    env = inst.create_exec_env()
    return lambda args: env.call(fn, *args)


def translation_cost(path):
    with open(path, "rb") as f:
        data = f.read()
    module = decode_module(data)
    validate_module(module)
    base = module.num_imported_funcs
    t = time.perf_counter()
    sources = [translate.function_source(module, base + i)[0]
               for i in range(len(module.funcs))]
    t_translate = time.perf_counter() - t
    t = time.perf_counter()
    for src in sources:
        compile(src, "<wasm>", "exec")
    t_compile = time.perf_counter() - t
    size = sum(len(s) for s in sources)
    print("%s: %d bytes, %d functions, %d instructions -> %d bytes of Python;"
          " translate %.3fs, compile %.3fs" % (
              os.path.basename(path), len(data), len(module.funcs),
              sum(len(f.body) for f in module.funcs), size, t_translate, t_compile))


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    for file, name, args in CASES:
        path = os.path.join(HERE, file)
        slow = runner(path, name, "interp")
        quick = runner(path, name, "fast")
        r1 = slow(args)
        r2 = quick(args)     # also translates the function (not timed)
        a, b = interleaved(slow, quick, args, rounds)
        print("%-10s %-18s interp %.4fs  fast %.4fs  speed-up %.1fx  (results %r / %r)" % (
            file, "%s%r" % (name, tuple(args)), a, b, a / b, r1, r2))
    if os.path.exists(LARGE):
        translation_cost(LARGE)


if __name__ == "__main__":
    main()
