"""What fuel metering costs, on both tiers.

Usage: python benchmarks/fuel_overhead.py [--rounds N] [--baseline DIR]

Times are CPU time of the calling thread (time.thread_time), medians.
"on": the same calls on a metered exec env (set_fuel) against an unmetered
one, in one process, interleaved; ratio = metered / unmetered median.
"off": with --baseline DIR (a checkout of wasmbed without fuel support),
two persistent worker processes (this tree, DIR) time one unmetered call
each in turn; ratio = this tree / baseline median. Benchmarks are measured here, never asserted in tests.
"""
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
CASES = [("fib", [20]), ("sum_loop", [100000]), ("sieve", [20000])]
MODES = ("interp", "fast")


def _instance(mode):
    import wasmbed
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    with open(os.path.join(HERE, "loops.wasm"), "rb") as f:
        return rt.instantiate(rt.load(f.read()))


def _timer(env, f, args):
    def run(_):
        env.call(f, *args)
    return run


# CPU time of this thread: on a machine shared with other jobs the time a
# process waits for a core is not counted (wall-clock medians swing 2x).
_clock = getattr(time, "thread_time", time.perf_counter)


def interleaved(a, b, rounds):
    """-> (median CPU seconds of a(), of b()), alternating calls."""
    ta, tb = [], []
    for _ in range(rounds):
        t = _clock()
        a(None)
        ta.append(_clock() - t)
        t = _clock()
        b(None)
        tb.append(_clock() - t)
    return statistics.median(ta), statistics.median(tb)


def on_ratios(rounds):
    out = {}
    for mode in MODES:
        inst = _instance(mode)
        for name, args in CASES:
            f = inst.lookup_function(name)
            off = inst.create_exec_env()
            on = inst.create_exec_env()
            on.set_fuel(10 ** 15)
            a, b = _timer(off, f, args), _timer(on, f, args)
            a(None)
            b(None)
            t_off, t_on = interleaved(a, b, rounds)
            out[(mode, name)] = (t_off, t_on)
    return out


def worker():
    """Serve timing requests: read "mode case" lines, answer the seconds
    of one unmetered call (after a warm-up call per case)."""
    insts = {}
    for line in sys.stdin:
        mode, name = line.split()
        if mode not in insts:
            inst = _instance(mode)
            insts[mode] = (inst, inst.create_exec_env())
        inst, env = insts[mode]
        args = dict(CASES)[name]
        f = inst.lookup_function(name)
        t = _clock()
        env.call(f, *args)
        print(_clock() - t, flush=True)


def off_ratios(baseline, rounds):
    """Two persistent workers (this tree, the baseline) asked in turn, one
    call each, so both see the same machine load."""
    here = os.path.dirname(HERE)
    procs = []
    for tree in (baseline, here):
        env = dict(os.environ, PYTHONPATH=tree)
        procs.append(subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"],
                                      env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True))

    def ask(p, req):
        p.stdin.write(req + "\n")
        p.stdin.flush()
        return float(p.stdout.readline())
    res = {}
    try:
        for mode in MODES:
            for name, _ in CASES:
                req = "%s %s" % (mode, name)
                for p in procs:
                    ask(p, req)     # warm-up
                ts = ([], [])
                for _ in range(rounds):
                    for k, p in enumerate(procs):
                        ts[k].append(ask(p, req))
                res[req] = (statistics.median(ts[0]), statistics.median(ts[1]))
    finally:
        for p in procs:
            p.stdin.close()
            p.wait()
    return res


def main(argv):
    rounds = 15
    baseline = None
    if argv and argv[0] == "--worker":
        worker()
        return
    while argv:
        if argv[0] == "--rounds":
            rounds = int(argv[1])
            argv = argv[2:]
        elif argv[0] == "--baseline":
            baseline = os.path.abspath(argv[1])
            argv = argv[2:]
        else:
            raise SystemExit(__doc__)
    print("fuel on (metered / unmetered, %d interleaved rounds)" % rounds)
    for (mode, name), (t_off, t_on) in sorted(on_ratios(rounds).items()):
        print("  %-6s %-9s off %8.2f ms  on %8.2f ms  ratio %.2f" % (
            mode, name, t_off * 1e3, t_on * 1e3, t_on / t_off))
    if baseline:
        print("fuel off (this tree / baseline without fuel, unmetered)")
        for key, (base, mine) in sorted(off_ratios(baseline, rounds).items()):
            print("  %-16s base %8.2f ms  this %8.2f ms  ratio %.2f" % (
                key, base * 1e3, mine * 1e3, mine / base))


if __name__ == "__main__":
    main(sys.argv[1:])
