"""Builds the benchmark programs to wasm32-wasi into benchmarks/wasm/ (the
built .wasm files are committed; their third-party sources are not).

Usage:
  python benchmarks/build_programs.py [--lua-src DIR] [--sqlite-src DIR] [NAME...]
      builds NAME... (default: every program whose sources are on disk) and
      rewrites benchmarks/wasm/NAME.wasm, benchmarks/wasm/mvp/NAME.wasm
      (the -mcpu=mvp variant for the peers that cannot run the default
      build) and benchmarks/wasm/manifest.json

Compiler: the PyPI package ``ziglang`` (pinned in pyproject's ``bench``
extra), ``python -m ziglang cc --target=wasm32-wasi -O2 -s`` plus the
program's own flags. Third-party sources are read from disk only, never
downloaded here:
- Lua 5.4: the ``third-party/lua54`` folder of the ``lupa==2.8`` sdist
  (``pip download --no-deps --no-binary :all: lupa==2.8``); --lua-src DIR
  or $WASMBED_LUA_SRC.
- SQLite 3.50.4: the ``sqlite`` folder of the ``sqlean.py==3.50.4.5``
  sdist, which ships the amalgamation ``sqlite3.c``; --sqlite-src DIR or
  $WASMBED_SQLITE_SRC.
A program whose sources are missing is skipped with a message (its
committed .wasm stays). Raises SystemExit when ziglang is missing or a
compile fails.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "c")
WASM_DIR = os.path.join(HERE, "wasm")
CFLAGS = ["--target=wasm32-wasi", "-O2", "-s"]

LUA_CORE = ("lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes"
            " lparser lstate lstring ltable ltm lundump lvm lzio lauxlib lbaselib"
            " lcorolib ldblib liolib lmathlib loadlib loslib lstrlib ltablib lutf8lib"
            " linit lua").split()
# no setjmp without the exception-handling proposal: a Lua error aborts
# (lua_wasi/setjmp.h); no signals or clocks beyond what WASI has
LUA_FLAGS = ["-DLUAI_THROW(L,c)=abort()", "-DLUAI_TRY(L,c,a)=a", "-Dluai_jmpbuf=int",
             "-DLUA_TMPNAMBUFSIZE=32", "-Dlua_tmpnam(b,e)=(e=-1)",
             "-DLUA_USE_C89", "-D_WASI_EMULATED_SIGNAL", "-lwasi-emulated-signal",
             "-D_WASI_EMULATED_PROCESS_CLOCKS", "-lwasi-emulated-process-clocks",
             "-Wno-everything"]
# no files, no threads, no loadable extensions: the driver's VFS (sqlite_bench.c)
SQLITE_FLAGS = ["-DSQLITE_OS_OTHER=1", "-DSQLITE_THREADSAFE=0", "-DSQLITE_OMIT_LOAD_EXTENSION",
                "-DSQLITE_TEMP_STORE=3", "-DSQLITE_DEFAULT_MEMSTATUS=0",
                "-DSQLITE_OMIT_DEPRECATED", "-DSQLITE_OMIT_SHARED_CACHE"]


def _own(*names):
    return lambda src: [os.path.join(SRC, n) for n in names]


def _lua(src):
    return ([os.path.join(src, n + ".c") for n in LUA_CORE]
            + [os.path.join(SRC, "lua_wasi", "stubs.c")])


def _sqlite(src):
    return [os.path.join(SRC, "sqlite_bench.c"), os.path.join(src, "sqlite3.c")]


def lua_argv():
    with open(os.path.join(SRC, "bench.lua")) as f:
        return ["-e", "N=2000", "-e", f.read()]


# name -> (sources(src dir), flags, include dirs(src dir), third-party source
# key or None, the file that marks a source dir, guest argv() after argv[0]).
# Argument sizes: the fast tier runs each for a tenth of a second or more
# and pywasm for under about a minute.
PROGRAMS = {
    "fib": (_own("fib.c"), [], lambda s: [], None, None, lambda: ["27"]),
    "intmix": (_own("intmix.c"), [], lambda s: [], None, None, lambda: ["160000"]),
    "sorthash": (_own("sorthash.c"), [], lambda s: [], None, None, lambda: ["20000"]),
    "bytehash": (_own("bytehash.c"), [], lambda s: [], None, None, lambda: ["240000"]),
    "numeric": (_own("numeric.c"), [], lambda s: [], None, None, lambda: ["200"]),
    "lua": (_lua, LUA_FLAGS, lambda s: [os.path.join(SRC, "lua_wasi")], "lua", "lvm.c",
            lua_argv),
    "sqlite": (_sqlite, SQLITE_FLAGS, lambda s: [s], "sqlite", "sqlite3.c", lambda: ["1000"]),
}
SOURCES = {  # third-party source key -> (env var, where it comes from)
    "lua": ("WASMBED_LUA_SRC", "third-party/lua54 of the lupa==2.8 sdist"),
    "sqlite": ("WASMBED_SQLITE_SRC", "sqlite/ of the sqlean.py==3.50.4.5 sdist"),
}


MVP = ["-mcpu=mvp"]   # the variant for peers without the 2.0 features zig emits


def wasm_path(name, mvp=False):
    """-> benchmarks/wasm/NAME.wasm, or with mvp benchmarks/wasm/mvp/NAME.wasm
    (built with -mcpu=mvp: no bulk memory, sign extension, saturating
    truncation, reference types), both committed."""
    return os.path.join(WASM_DIR, "mvp" if mvp else "", name + ".wasm")


def zig_version():
    out = subprocess.run([sys.executable, "-m", "ziglang", "version"],
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit("ziglang is not installed: pip install -e '.[bench]' "
                         "(or pip install ziglang==0.17.0)")
    return out.stdout.strip()


def build(name, src_dirs, mvp=False):
    """Compiles program `name` into benchmarks/wasm/NAME.wasm; -> its
    manifest entry, or None (with a message) when its third-party sources
    are not on disk. src_dirs: {source key: directory}."""
    sources, flags, include, key, marker, _ = PROGRAMS[name]
    src = src_dirs.get(key) if key else None
    if key and not (src and os.path.exists(os.path.join(src, marker))):
        print("%s: not built (no %s on disk: pass --%s-src DIR or set %s; nothing is "
              "downloaded)" % (name, SOURCES[key][1], key, SOURCES[key][0]), file=sys.stderr)
        return None
    own = flags + (MVP if mvp else [])
    flags = CFLAGS + own + ["-I" + d for d in include(src)]
    out = wasm_path(name, mvp)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cmd = [sys.executable, "-m", "ziglang", "cc"] + flags + sources(src) + ["-o", out + ".tmp"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit("building %s failed:\n%s" % (name, r.stderr))
    os.replace(out + ".tmp", out)
    with open(out, "rb") as f:
        data = f.read()
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "flags": CFLAGS + own, "zig": zig_version(),
            "sources": SOURCES[key][1] if key else "benchmarks/c"}


def build_all(names, src_dirs):
    """Builds `names` and merges their entries into manifest.json."""
    zig_version()
    path = os.path.join(WASM_DIR, "manifest.json")
    manifest = {}
    if os.path.exists(path):
        with open(path) as f:
            manifest = json.load(f)
    for name in names:
        for mvp in (False, True):
            entry = build(name, src_dirs, mvp)
            if entry is not None:
                manifest[("mvp/" if mvp else "") + name] = entry
                print("%-9s %8d bytes  %s" % (name, entry["size"], wasm_path(name, mvp)))
    with open(path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


def add_source_args(ap):
    ap.add_argument("--lua-src", default=os.environ.get("WASMBED_LUA_SRC", ""),
                    help="Lua 5.4 C sources (default: $WASMBED_LUA_SRC)")
    ap.add_argument("--sqlite-src", default=os.environ.get("WASMBED_SQLITE_SRC", ""),
                    help="directory holding SQLite's sqlite3.c (default: $WASMBED_SQLITE_SRC)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(ap)
    ap.add_argument("names", nargs="*", help="programs to build (default: all)")
    args = ap.parse_args(argv)
    for n in args.names:
        if n not in PROGRAMS:
            ap.error("unknown program %r (known: %s)" % (n, ", ".join(PROGRAMS)))
    build_all(args.names or list(PROGRAMS), {"lua": args.lua_src, "sqlite": args.sqlite_src})


if __name__ == "__main__":
    main()
