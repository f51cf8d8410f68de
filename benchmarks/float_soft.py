"""Soft float mode against hard float mode on CPython.

Usage: python benchmarks/float_soft.py [ROUNDS]
Each mode runs in its own process (the mode is fixed per process,
WASMBED_FLOAT=soft|hard), the two alternating ROUNDS times; prints per case
and tier the median time in each mode and the slowdown (soft / hard).  fib
has no float instruction: it shows what soft mode costs code that does not
use floats (nothing).  ``--child MODE TIER ROUNDS`` is the per-process
worker (prints one line per case: name seconds).  Measured here, never
asserted in tests.
"""
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [  # (module, function, args)
    ("loops.wasm", "fib", [20]),
    ("floats.wasm", "basel64", [20000]),
    ("floats.wasm", "basel32", [20000]),
    ("floats.wasm", "newton64", [20000]),
]


def child(tier, rounds):
    import wasmbed
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=tier))
    for path, name, args in CASES:
        with open(os.path.join(HERE, path), "rb") as f:
            inst = rt.instantiate(rt.load(f.read()), stack_size=1 << 22)
        env = inst.create_exec_env()
        fn = inst.lookup_function(name)
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            env.call(fn, *args)
            times.append(time.perf_counter() - t)
        print(name, min(times))


def run(mode, tier, rounds):
    env = dict(os.environ)
    env["WASMBED_FLOAT"] = mode
    out = subprocess.run([sys.executable, __file__, "--child", tier, str(rounds)],
                         env=env, capture_output=True, text=True, check=True).stdout
    return dict((line.split()[0], float(line.split()[1])) for line in out.splitlines())


def main():
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
        return
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print("%-10s %-7s %10s %10s %8s" % ("case", "tier", "hard ms", "soft ms", "soft/hard"))
    for tier in ("interp", "fast"):
        hard, soft = {}, {}
        for _ in range(rounds):
            for mode, acc in (("hard", hard), ("soft", soft)):
                for k, v in run(mode, tier, 3).items():
                    acc.setdefault(k, []).append(v)
        for _p, name, _a in CASES:
            h = statistics.median(hard[name])
            s = statistics.median(soft[name])
            print("%-10s %-7s %10.1f %10.1f %8.2f" % (name, tier, h * 1e3, s * 1e3, s / h))


if __name__ == "__main__":
    main()
