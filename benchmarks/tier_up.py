"""Tiering's cold and warm costs (RuntimeConfig(tier_up=N), fast mode).

    python benchmarks/tier_up.py [--rounds R] [--tier-up 0,2,10,50]
        [--programs fib,...] [--python-wasm FILE] [--cache]

Each measurement is a child process (nothing translated or imported by an
earlier one), the thresholds and programs interleaved round by round;
medians of CPU seconds (time.process_time in the child):

- cold: Runtime + load + the first run (instantiate + _start), what a
  one-shot ``wasmbed run`` costs;
- warm: the median of the next three runs (each a new instance) of the
  module loaded in the same process, after the cold one;
- with --cache: the same with RuntimeConfig(cache_dir=...) on a cache the
  same threshold filled once before the rounds ("cached cold").

CPython for WASI runs ``-c "print(1)"`` (cold, and cached cold with
--cache); --python-rounds its rounds (default 1).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def child(prog, n, cache, warm):
    import engines
    if prog == "python":
        path = os.environ["WASMBED_PYTHON_WASM"]
        argv = ["python", "-c", "print(1)"]
    else:
        import programs
        path = os.path.join(HERE, "wasm", prog + ".wasm")
        argv = [prog] + programs.program_argv(prog)
    with open(path, "rb") as f:
        data = f.read()
    t = time.process_time()
    run = engines.wasmbed_command("fast", cache, n)(data, argv)
    out = run()
    res = {"cold": time.process_time() - t, "out": len(out)}
    if warm:
        ws = []
        for _k in range(3):
            t = time.process_time()
            run()
            ws.append(time.process_time() - t)
        res["warm"] = statistics.median(ws)
    print(json.dumps(res))


def measure(prog, n, cache=None, warm=True):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", prog, str(n)]
    if cache:
        cmd += ["--cache-dir", cache]
    if not warm:
        cmd.append("--no-warm")
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit("%s N=%d: %s" % (prog, n, out.stderr.strip()[-2000:]))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--python-rounds", type=int, default=1)
    ap.add_argument("--tier-up", default="0,2,10,50")
    ap.add_argument("--programs", default="fib,intmix,sorthash,bytehash,numeric,lua,sqlite")
    ap.add_argument("--python-wasm", default=None)
    ap.add_argument("--cache", action="store_true", help="also cached cold runs")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--cache-dir", help=argparse.SUPPRESS)
    ap.add_argument("--no-warm", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.cache_dir, not args.no_warm)
        return
    ns = [int(x) for x in args.tier_up.split(",")]
    progs = [p for p in args.programs.split(",") if p]
    if args.python_wasm:
        os.environ["WASMBED_PYTHON_WASM"] = os.path.abspath(args.python_wasm)
    res = {}
    caches = {}
    tmp = tempfile.TemporaryDirectory()
    if args.cache:
        for n in ns:
            caches[n] = os.path.join(tmp.name, "n%d" % n)
            for p in progs + (["python"] if args.python_wasm else []):
                measure(p, n, caches[n], warm=False)     # fill it
    todo = [(p, args.rounds) for p in progs]
    if args.python_wasm:
        todo.append(("python", args.python_rounds))
    for p, rounds in todo:
        for _r in range(rounds):
            for n in ns:
                r = measure(p, n, warm=p != "python")
                for k in ("cold", "warm"):
                    if k in r:
                        res.setdefault((p, n, k), []).append(r[k])
                if args.cache:
                    r = measure(p, n, caches[n], warm=False)
                    res.setdefault((p, n, "cached"), []).append(r["cold"])
                print(p, n, r, file=sys.stderr)
    kinds = ["cold", "warm"] + (["cached"] if args.cache else [])
    head = ["program"] + ["N=%d %s" % (n, k) for k in kinds for n in ns]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    geo = {}
    for p, _r in todo:
        row = [p]
        for k in kinds:
            for n in ns:
                v = res.get((p, n, k))
                if v:
                    m = statistics.median(v)
                    geo.setdefault((n, k), []).append(m)
                    row.append("%.3f" % m)
                else:
                    row.append("-")
        print("| " + " | ".join(row) + " |")
    row = ["geomean vs N=%d" % ns[0]]
    for k in kinds:
        base = geo.get((ns[0], k))
        for n in ns:
            v = geo.get((n, k))
            if not v or not base or len(v) != len(base):
                row.append("-")
                continue
            prod = 1.0
            for a, b in zip(v, base):
                prod *= a / b
            row.append("%.3fx" % prod ** (1.0 / len(v)))
    print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
