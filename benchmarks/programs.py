"""Real C programs (benchmarks/c/*.c) built to wasm32-wasi and run as WASI
commands in wasmtime-py, wasmbed's fast tier, wasmbed's interpreter and
pywasm, with the same stdout checked on every engine.

Usage:
  python benchmarks/programs.py [--rounds R] [--engines E,...] [--programs P,...]
                                [--cache DIR] [--lua-src DIR]
      the table (markdown) of every engine on every program
  python benchmarks/programs.py --trees TREE... [--rounds R] [--engine fast|interp] ...
      before/after: R rounds, each running one child process per wasmbed
      tree in turn (PYTHONPATH=TREE) that times one run per program; the
      median per tree and program, and each tree against the first

Building: each program is compiled once with the PyPI package ``ziglang``
(``python -m ziglang cc --target=wasm32-wasi -O2 -s``, pinned in
pyproject's ``bench`` extra) into the cache directory (default
$WASMBED_BENCH_CACHE or ~/.cache/wasmbed-bench), keyed by the sha256 of
the sources, flags and zig version; nothing built is committed. The
optional Lua interpreter (runs benchmarks/c/bench.lua) is built only from
Lua 5.4 sources already on disk (--lua-src DIR, or $WASMBED_LUA_SRC: a
directory holding lua.c, lapi.c, ...; e.g. the third-party/lua54 folder of
the ``lupa`` sdist); without them it is skipped with a message, never
downloaded.

Timing: one run is instantiate + ``_start`` (the module is decoded,
validated or compiled once before, untimed); R interleaved rounds, each
running every engine once in turn, and the median per engine. The fast
tier translates a function on its first call and caches it on the module,
so its first (untimed) run pays the translation; the "cold" columns are
load (wasmtime: compile) + the first run, what a one-shot command costs;
"fast cached cold" the same with RuntimeConfig(cache_dir=...) holding the
translations of an earlier run (``wasmbed run --cache DIR``).
CPU time (time.process_time). Benchmarks are measured here, never asserted
in tests.
"""
import argparse
import hashlib
import io
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "c")
CFLAGS = ["--target=wasm32-wasi", "-O2", "-s"]

# (name, C sources, guest argv after the program name); argument sizes are
# chosen so the fast tier runs each for a tenth of a second or more (and
# pywasm for under half a minute)
PROGRAMS = [
    ("fib", ["fib.c"], ["27"]),
    ("intmix", ["intmix.c"], ["160000"]),
    ("sorthash", ["sorthash.c"], ["20000"]),
    ("bytehash", ["bytehash.c"], ["240000"]),
    ("numeric", ["numeric.c"], ["200"]),
]
LUA_CORE = ("lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes"
            " lparser lstate lstring ltable ltm lundump lvm lzio lauxlib lbaselib"
            " lcorolib ldblib liolib lmathlib loadlib loslib lstrlib ltablib lutf8lib"
            " linit lua").split()
ENGINES = ["wasmtime", "fast", "interp", "pywasm"]


# -- building --------------------------------------------------------------------

def zig_version():
    out = subprocess.run([sys.executable, "-m", "ziglang", "version"],
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit("ziglang is not installed: pip install -e '.[bench]' "
                         "(or pip install ziglang==0.17.0)")
    return out.stdout.strip()


def build(name, sources, cache, extra=(), include=()):
    """-> path of the cached .wasm for `sources` (built when missing)."""
    flags = CFLAGS + list(extra) + ["-I" + d for d in include]
    h = hashlib.sha256(" ".join(flags + [zig_version()]).encode())
    for s in sources:
        with open(s, "rb") as f:
            h.update(f.read())
    for d in include:
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".h"):
                with open(os.path.join(d, fn), "rb") as f:
                    h.update(fn.encode() + f.read())
    out = os.path.join(cache, "%s-%s.wasm" % (name, h.hexdigest()[:16]))
    if not os.path.exists(out):
        os.makedirs(cache, exist_ok=True)
        tmp = out + ".tmp"
        cmd = [sys.executable, "-m", "ziglang", "cc"] + flags + list(sources) + ["-o", tmp]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            raise SystemExit("building %s failed:\n%s" % (name, r.stderr))
        os.replace(tmp, out)
    return out


def lua_program(src_dir, cache):
    """(name, wasm path, argv) for the Lua interpreter running bench.lua,
    or None (with a message) when no Lua sources are on disk."""
    if not src_dir or not os.path.exists(os.path.join(src_dir, "lvm.c")):
        print("lua: skipped (no Lua 5.4 sources on disk: pass --lua-src DIR or set "
              "WASMBED_LUA_SRC; they are not downloaded)", file=sys.stderr)
        return None
    sources = [os.path.join(src_dir, n + ".c") for n in LUA_CORE]
    sources.append(os.path.join(SRC, "lua_wasi", "stubs.c"))
    # no setjmp without the exception-handling proposal: a Lua error aborts
    # (lua_wasi/setjmp.h); no signals or clocks beyond what WASI has
    extra = ["-DLUAI_THROW(L,c)=abort()", "-DLUAI_TRY(L,c,a)=a", "-Dluai_jmpbuf=int",
             "-DLUA_TMPNAMBUFSIZE=32", "-Dlua_tmpnam(b,e)=(e=-1)",
             "-DLUA_USE_C89", "-D_WASI_EMULATED_SIGNAL", "-lwasi-emulated-signal",
             "-D_WASI_EMULATED_PROCESS_CLOCKS", "-lwasi-emulated-process-clocks",
             "-Wno-everything"]
    wasm = build("lua", sources, cache, extra, [os.path.join(SRC, "lua_wasi")])
    with open(os.path.join(SRC, "bench.lua")) as f:
        script = f.read()
    return ("lua", wasm, ["-e", "N=2000", "-e", script])


# -- engines: make(wasm bytes, argv) -> run() returning stdout bytes -------------

def make_wasmtime(data, argv):
    import wasmtime
    engine = wasmtime.Engine()
    module = wasmtime.Module(engine, data)
    out_path = tempfile.mktemp(suffix=".out")

    def run():
        store = wasmtime.Store(engine)
        cfg = wasmtime.WasiConfig()
        cfg.argv = argv
        cfg.stdout_file = out_path
        store.set_wasi(cfg)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        inst = linker.instantiate(store, module)
        try:
            inst.exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            if e.code:
                raise
        with open(out_path, "rb") as f:
            return f.read()
    return run


def _make_wasmbed(mode, cache_dir=None):
    def make(data, argv):
        import wasmbed
        kw = {"cache_dir": cache_dir} if cache_dir else {}
        rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode, **kw))
        mod = rt.load(data)

        def run():
            out = io.BytesIO()
            inst = rt.instantiate(mod, stack_size=1 << 22,
                                  wasi=wasmbed.WasiConfig(args=argv, stdout=out))
            try:
                inst.call("_start")
            except wasmbed.ProcExit as e:
                if e.code:
                    raise
            return out.getvalue()
        return run
    return make


def make_pywasm(data, argv):
    import pywasm
    desc = pywasm.core.ModuleDesc.from_reader(io.BytesIO(data))

    def run():
        runtime = pywasm.core.Runtime()
        wasi = pywasm.wasi.Preview1(list(argv), {}, {})
        wasi.fd[1].pipe = io.BytesIO()
        wasi.bind(runtime)
        inst = runtime.instance(desc)
        code = wasi.main(runtime, inst)
        if code:
            raise RuntimeError("pywasm: exit code %r" % code)
        return wasi.fd[1].pipe.getvalue()
    return run


MAKERS = {"wasmtime": make_wasmtime, "fast": _make_wasmbed("fast"),
          "interp": _make_wasmbed("interp"), "pywasm": make_pywasm}


def available(engine):
    try:
        __import__({"fast": "wasmbed", "interp": "wasmbed"}.get(engine, engine))
    except ImportError:
        return False
    return True


# -- measuring -------------------------------------------------------------------

def _cpu(run):
    t = time.process_time()
    out = run()
    return time.process_time() - t, out


def measure(name, wasm, argv, engines, rounds, pywasm_rounds=1):
    """-> {engine: median seconds of warm runs, "<engine> cold": seconds
    from the bytes to the end of the first run (load/compile + instantiate
    + _start), "output": stdout}; raises AssertionError when an engine's
    stdout differs from the first engine's. pywasm caches nothing between
    runs, so its cold run is also its first timed run."""
    with open(wasm, "rb") as f:
        data = f.read()
    runs, times, res, want, ref = {}, {}, {}, None, None

    def check(e, out):
        if out != want:
            raise AssertionError("%s: %s printed %r, %s %r" % (name, e, out, ref, want))
    for e in engines:
        t = time.process_time()
        runs[e] = MAKERS[e](data, [name] + argv)
        dt, out = _cpu(runs[e])
        res[e + " cold"] = time.process_time() - t
        if want is None:
            want, ref = out, e
        check(e, out)
        times[e] = [dt] if e == "pywasm" else []
    for _ in range(rounds):
        for e in engines:
            if e == "pywasm" and len(times[e]) >= pywasm_rounds:
                continue
            t, out = _cpu(runs[e])
            check(e, out)
            times[e].append(t)
    for e in engines:
        res[e] = statistics.median(times[e])
    if "fast" in engines:
        # a one-shot command whose translations are in the code cache
        # (RuntimeConfig(cache_dir=...)) from an earlier run
        with tempfile.TemporaryDirectory() as d:
            _make_wasmbed("fast", d)(data, [name] + argv)()
            t = time.process_time()
            check("fast (cached)", _make_wasmbed("fast", d)(data, [name] + argv)())
            res["fast cached cold"] = time.process_time() - t
    res["output"] = want.decode(errors="replace").strip()
    return res


def _geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def _fmt(x):
    return "-" if x is None else ("%.3f" % x if x < 10 else "%.1f" % x)


def table(results, engines):
    """Markdown table of results [(name, argv, res)]."""
    cols = [e for e in ENGINES if e in engines]
    ratios = []
    if "fast" in cols and "wasmtime" in cols:
        ratios.append(("fast/wasmtime", "fast", "wasmtime"))
    if "interp" in cols and "fast" in cols:
        ratios.append(("interp/fast", "interp", "fast"))
    if "pywasm" in cols and "interp" in cols:
        ratios.append(("pywasm/interp", "pywasm", "interp"))
    head = ["program", "args"] + ["%s s" % c for c in cols]
    cold = [c for c in ("wasmtime", "fast", "fast cached") if c in cols or (
        c == "fast cached" and "fast" in cols)]
    head += ["%s cold s" % c for c in cold]
    if "wasmtime" in cold and "fast" in cold:
        ratios.append(("fast/wasmtime cold", "fast cold", "wasmtime cold"))
        ratios.append(("fast cached/wasmtime cold", "fast cached cold", "wasmtime cold"))
    head += [r[0] for r in ratios]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    per = {r[0]: [] for r in ratios}
    for name, argv, res in results:
        row = [name, " ".join(a if len(a) < 12 else "..." for a in argv)]
        row += [_fmt(res.get(c)) for c in cols]
        row += [_fmt(res.get(c + " cold")) for c in cold]
        for label, a, b in ratios:
            r = res[a] / res[b]
            per[label].append(r)
            row.append("%.1fx" % r)
        lines.append("| " + " | ".join(row) + " |")
    if ratios:
        row = ["geomean", ""] + [""] * (len(cols) + len(cold))
        row += ["%.1fx" % _geomean(per[r[0]]) for r in ratios]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def machine():
    import wasmbed
    bits = ["%s %s" % (platform.python_implementation(), platform.python_version()),
            platform.machine(), "%d cores" % os.cpu_count(), "wasmbed " + wasmbed.__version__]
    from importlib import metadata
    for dist in ("wasmtime", "pywasm"):
        try:
            bits.append("%s %s" % (dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            pass
    bits.append("zig " + zig_version())
    return ", ".join(bits)


def compare(args):
    """--trees: interleaved child processes, one per tree per round."""
    import json
    trees = [os.path.abspath(t) for t in args.trees]
    for t in trees:
        if not os.path.isdir(os.path.join(t, "wasmbed")):
            raise SystemExit("%s: not a wasmbed tree (no wasmbed/ in it)" % t)
    times = {t: {} for t in trees}
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--engines", args.engine,
           "--cache", args.cache, "--lua-src", args.lua_src]
    if args.programs:
        cmd += ["--programs", args.programs]
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5,
                    help="interleaved rounds per program (default: 5; pywasm runs a third)")
    ap.add_argument("--pywasm-rounds", type=int, default=1,
                    help="timed pywasm runs per program, the first included (default: 1)")
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help="comma-separated subset of %s (default: all installed)" % ",".join(ENGINES))
    ap.add_argument("--programs", default="",
                    help="comma-separated subset of the programs (default: all, and lua when "
                         "its sources are on disk)")
    ap.add_argument("--cache", default=os.environ.get(
        "WASMBED_BENCH_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "wasmbed-bench")),
        help="where built .wasm files are kept (default: $WASMBED_BENCH_CACHE or "
             "~/.cache/wasmbed-bench)")
    ap.add_argument("--lua-src", default=os.environ.get("WASMBED_LUA_SRC", ""),
                    help="directory of Lua 5.4 C sources (default: $WASMBED_LUA_SRC; "
                         "without it lua is skipped)")
    ap.add_argument("--build-only", action="store_true", help="build the programs and stop")
    ap.add_argument("--trees", nargs="+", metavar="TREE",
                    help="compare wasmbed source trees on one engine (--engine) instead")
    ap.add_argument("--engine", default="fast", choices=["fast", "interp"],
                    help="the engine --trees compares (default: fast)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.trees:
        return compare(args)
    engines = []
    for e in args.engines.split(","):
        if e not in MAKERS:
            ap.error("unknown engine %r" % e)
        if available(e):
            engines.append(e)
        else:
            print("%s: skipped (not installed)" % e, file=sys.stderr)
    want = [p for p in args.programs.split(",") if p]
    progs = []
    for name, sources, pargv in PROGRAMS:
        if not want or name in want:
            progs.append((name, build(name, [os.path.join(SRC, s) for s in sources], args.cache),
                          pargv))
    if not want or "lua" in want:
        lua = lua_program(args.lua_src, args.cache)
        if lua is not None:
            progs.append(lua)
    if args.build_only:
        for name, wasm, _ in progs:
            print(name, wasm, os.path.getsize(wasm))
        return
    if args.child:      # one timed run per program, after an untimed one
        import json
        out = {}
        for name, wasm, pargv in progs:
            with open(wasm, "rb") as f:
                run = MAKERS[engines[0]](f.read(), [name] + pargv)
            run()
            out[name] = _cpu(run)[0]
        print(json.dumps(out))
        return
    results = []
    for name, wasm, pargv in progs:
        res = measure(name, wasm, pargv, engines, args.rounds, args.pywasm_rounds)
        print("%-9s %s  -> %s" % (name, "  ".join("%s %s" % (e, _fmt(res[e])) for e in engines),
                                  res["output"][:60]), file=sys.stderr)
        results.append((name, pargv, res))
    print(machine())
    print("median CPU seconds of %d interleaved rounds of instantiate + _start (pywasm: %d);"
          " cold: load or compile + instantiate + _start, once" % (args.rounds, args.pywasm_rounds))
    print()
    print(table(results, engines))


if __name__ == "__main__":
    main()
