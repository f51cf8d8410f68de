"""The fast tier against plain Python: recursive calls, an integer loop, an
aligned-memory kernel and a loop of small calls (benchmarks/kernels.wat),
each with a plain-Python twin below that computes the same result.

Usage:
  python benchmarks/fast_calls.py [--rounds R] [--reps K]
      this tree's wasmbed (PYTHONPATH): per kernel, the median CPU time of
      K interleaved runs of the twin and of the fast tier, and the ratio
  python benchmarks/fast_calls.py [--rounds R] [--reps K] [--python EXE] TREE...
      before/after in one run: R rounds, each running one child process per
      tree in turn (PYTHONPATH=TREE, interpreter EXE), each child measuring
      K interleaved runs per kernel; prints the median over rounds of each
      tree's fast/plain ratio, the geomean, and each tree against the first.

CPU time (time.process_time); benchmarks are measured here, never asserted
in tests.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WASM = os.path.join(HERE, "kernels.wasm")
M = 0xFFFFFFFF


# -- plain-Python twins --------------------------------------------------------

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def sum_loop(n):
    acc = 0
    k = 0
    while n:
        acc = ((acc + n) ^ k) & M
        k += 7
        n -= 1
    return acc


def mem_i32(n):
    a = [0] * n
    for i in range(n):
        a[i] = (i * 0x9E3779B1) & M
    acc = 0
    for i in range(n):
        acc = ((acc + a[i]) & M) ^ (acc >> 3)
    return acc


def _bump(a, p, v):
    a[p] = (a[p] + v) & M
    return a[p]


def calls(n):
    a = [0] * 64
    acc = 0
    while n:
        acc ^= (_bump(a, n & 63, n) + a[n & 63]) & M
        n -= 1
    return acc


KERNELS = [  # (name, twin, argument)
    ("fib", fib, 25),
    ("sum_loop", sum_loop, 200000),
    ("mem_i32", mem_i32, 100000),
    ("calls", calls, 200000),
]


# -- measuring ---------------------------------------------------------------------

def _fast_runner(name):
    import wasmbed
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    with open(WASM, "rb") as f:
        inst = rt.instantiate(rt.load(f.read()), stack_size=1 << 22)
    fn = inst.lookup_function(name)
    env = inst.create_exec_env()
    return lambda n: env.call(fn, n)


def _cpu(f, n):
    t = time.process_time()
    r = f(n)
    return time.process_time() - t, r


def measure(reps):
    """-> {kernel: (plain seconds, fast seconds)}, medians of reps
    interleaved runs; raises AssertionError when results differ."""
    out = {}
    for name, twin, n in KERNELS:
        fast = _fast_runner(name)
        want = twin(n)
        got = fast(n)      # also translates (not timed)
        if isinstance(got, (list, tuple)):
            got = got[0]
        if got & M != want:
            raise AssertionError("%s(%d): fast tier %r, plain Python %r" % (name, n, got, want))
        tp, tf = [], []
        for _ in range(reps):
            tp.append(_cpu(twin, n)[0])
            tf.append(_cpu(fast, n)[0])
        out[name] = (statistics.median(tp), statistics.median(tf))
    return out


def _geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5,
                    help="rounds (child processes per tree) (default: 5)")
    ap.add_argument("--reps", type=int, default=5,
                    help="interleaved runs per kernel in each round (default: 5)")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter for the per-tree children (default: this one)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("trees", nargs="*", metavar="TREE",
                    help="wasmbed source trees to compare (default: this one, in-process)")
    args = ap.parse_args(argv)
    rounds, reps, exe = args.rounds, args.reps, args.python
    for t in args.trees:
        if not os.path.isdir(os.path.join(t, "wasmbed")):
            ap.error("%s: not a wasmbed tree (no wasmbed/ in it)" % t)
    if args.child:
        r = measure(reps)
        print(json.dumps({k: v[1] / v[0] for k, v in r.items()}))
        return
    argv = args.trees
    if not argv:
        r = measure(reps * rounds)
        for name, twin, n in KERNELS:
            tp, tf = r[name]
            print("%-9s n=%-7d plain %.4fs  fast %.4fs  fast/plain %.2fx" % (
                name, n, tp, tf, tf / tp))
        print("geomean fast/plain %.2fx" % _geomean([r[k][1] / r[k][0] for k in r]))
        return
    trees = [os.path.abspath(t) for t in argv]
    ratios = {t: {name: [] for name, _, _ in KERNELS} for t in trees}
    for _ in range(rounds):
        for t in trees:
            env = dict(os.environ, PYTHONPATH=t)
            out = subprocess.run([exe, os.path.abspath(__file__), "--child", "--reps", str(reps)],
                                 env=env, capture_output=True, text=True)
            if out.returncode:
                sys.exit("%s: %s" % (t, out.stderr.strip()))
            for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items():
                ratios[t][k].append(v)
    names = [name for name, _, _ in KERNELS]
    print("fast/plain (median of %d rounds x %d reps, %s)" % (rounds, reps, exe))
    print("%-40s %s  geomean" % ("tree", "  ".join("%9s" % n for n in names)))
    med = {}
    for t in trees:
        med[t] = [statistics.median(ratios[t][n]) for n in names]
        print("%-40s %s  %6.2fx" % (t[-40:], "  ".join("%8.2fx" % x for x in med[t]),
                                    _geomean(med[t])))
    base = med[trees[0]]
    for t in trees[1:]:
        rel = [a / b for a, b in zip(med[t], base)]
        print("%-40s %s  %6.2fx  (against the first)" % (
            t[-40:], "  ".join("%8.2fx" % x for x in rel), _geomean(rel)))


if __name__ == "__main__":
    main(sys.argv[1:])
