"""The engines the benchmarks compare, behind two shapes:

- command(engine, data, argv) -> run: loads (decodes, validates, compiles:
  whatever the engine does before instantiating) once; run() instantiates
  and runs ``_start`` as a WASI command, returning its stdout bytes.
- function(engine, data, name) -> f: one instance of a module without
  imports; f(n) calls its export `name` with one i32 and returns an int.

Engines: wasmtime (wasmtime-py), fast and interp (this tree's wasmbed),
pywasm, wasm3 (pywasm3), ppci (ppci's wasm-to-Python compiler,
``target="python"``). wasm3 and ppci run commands through
benchmarks/wasi_shim.py (their bindings have no preview1 WASI).
Raises Unsupported(reason) when an engine cannot run a module; reason()
turns any other exception into a short table entry.
"""
import io
import os
import tempfile

ENGINES = ["wasmtime", "fast", "interp", "pywasm", "wasm3", "ppci"]
MODULES = {"wasmtime": "wasmtime", "fast": "wasmbed", "interp": "wasmbed",
           "pywasm": "pywasm", "wasm3": "wasm3", "ppci": "ppci"}
DISTS = {"wasmtime": "wasmtime", "pywasm": "pywasm", "wasm3": "pywasm3", "ppci": "ppci"}


class Unsupported(Exception):
    """The engine cannot run this module; str() is the table's reason."""


def available(engine):
    """-> None when the engine can be imported, else the reason it cannot."""
    try:
        __import__(MODULES[engine])
    except ImportError:
        return "not installed"
    return None


def reason(exc):
    """A short reason for an engine's failure, for the table."""
    if isinstance(exc, Unsupported):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "Python recursion limit"
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return ("%s: %s" % (type(exc).__name__, msg))[:60].rstrip(": ")


# -- wasmtime --------------------------------------------------------------------

def _wasmtime_command(data, argv):
    import wasmtime
    engine = wasmtime.Engine()
    module = wasmtime.Module(engine, data)
    fd, out_path = tempfile.mkstemp(suffix=".out")
    os.close(fd)

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


def _wasmtime_function(data, name):
    import wasmtime
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, data), [])
    fn = inst.exports(store)[name]
    return lambda n: fn(store, n)


# -- wasmbed ---------------------------------------------------------------------

def wasmbed_command(mode, cache_dir=None, tier_up=0):
    def make(data, argv):
        import wasmbed
        kw = {"cache_dir": cache_dir} if cache_dir else {}
        if tier_up:
            kw["tier_up"] = tier_up
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


def _wasmbed_function(mode):
    def make(data, name):
        import wasmbed
        rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
        inst = rt.instantiate(rt.load(data), stack_size=1 << 22)
        fn = inst.lookup_function(name)
        env = inst.create_exec_env()

        def f(n):
            r = env.call(fn, n)
            return r[0] if isinstance(r, (list, tuple)) else r
        return f
    return make


# -- pywasm ----------------------------------------------------------------------

def _pywasm_command(data, argv):
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


def _pywasm_function(data, name):
    import pywasm
    runtime = pywasm.core.Runtime()
    inst = runtime.instance(pywasm.core.ModuleDesc.from_reader(io.BytesIO(data)))
    return lambda n: runtime.invocate(inst, name, [n])[0]


# -- wasm3 -----------------------------------------------------------------------

def _wasm3_load(data):
    import wasm3
    env = wasm3.Environment()
    env.parse_module(data)      # parse errors surface at load
    return env


def _wasm3_fail(exc):
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return Unsupported(msg)


def _wasm3_command(data, argv):
    from wasi_shim import SIGNATURES, Exit, Shim
    env = _wasm3_load(data)

    def run():
        rt = env.new_runtime(1 << 22)
        mod = env.parse_module(data)
        rt.load(mod)
        shim = Shim(argv)
        for imp in _imports(data):
            if imp not in SIGNATURES:
                raise Unsupported("no WASI %s (shim)" % imp)
            mod.link_function("wasi_snapshot_preview1", imp, SIGNATURES[imp], getattr(shim, imp))

        def write(a, b):
            rt.get_memory(0)[a:a + len(b)] = b
        shim.read = lambda a, n: bytes(rt.get_memory(0)[a:a + n])
        shim.write = write
        try:
            rt.find_function("_start")()
        except Exit as e:
            if e.args[0]:
                raise
        except RuntimeError as e:
            if "Exit" not in str(e) and "proc_exit" not in str(e):
                raise _wasm3_fail(e)
        return shim.stdout()
    return run


def _wasm3_function(data, name):
    env = _wasm3_load(data)
    rt = env.new_runtime(1 << 22)
    rt.load(env.parse_module(data))
    fn = rt.find_function(name)
    return lambda n: fn(n)


def _imports(data):
    """Names of the function imports of `data` (from wasi_snapshot_preview1)."""
    import wasmbed
    mod = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp")).load(data)
    return [i.name for i in mod.imports if i.module == "wasi_snapshot_preview1"]


# -- ppci ------------------------------------------------------------------------

def _ppci_load(data):
    """-> a function making a fresh ppci Python-target instance; the wasm
    to IR to Python translation and compile() happen once, here."""
    from types import ModuleType
    import ppci.wasm as pw
    from ppci.api import ir_to_python
    from ppci.arch.arch_info import TypeInfo
    from ppci.wasm.execution._python_instance import PythonModuleInstance
    from ppci.wasm.execution.runtime import create_runtime
    try:
        module = pw.Module(data)
    except KeyError as e:
        op = e.args[0] if e.args else None
        if op == 0xFC:
            raise Unsupported("unsupported: 0xFC ops (memory.copy/fill, trunc_sat)")
        raise Unsupported("unsupported opcode %r" % (op,))
    ir_mod = pw.wasm_to_ir(module, TypeInfo(4, 4))
    src = io.StringIO()
    ir_to_python([ir_mod], src)
    code = compile(src.getvalue(), "<ppci>", "exec")

    def instantiate(host):
        py = ModuleType("gen")
        exec(code, py.__dict__)
        symbols = {}
        for d in module:
            if isinstance(d, pw.Import):
                if d.name not in host:
                    raise Unsupported("no WASI %s (shim)" % d.name)
                symbols["%s_%s" % (d.modname, d.name)] = host[d.name]
        for k, f in create_runtime().items():
            symbols["wasm_rt_" + k] = f
        inst = PythonModuleInstance(py, symbols)
        inst._wasm_function_names = ir_mod._wasm_function_names
        inst._wasm_global_names = ir_mod._wasm_global_names
        inst.load_memory(module)
        inst.populate_exports(module)
        inst._run_init()
        return inst
    return instantiate


def _ppci_command(data, argv):
    from wasi_shim import SIGNATURES, Exit, Shim
    instantiate = _ppci_load(data)

    def run():
        shim = Shim(argv)
        inst = instantiate({n: getattr(shim, n) for n in SIGNATURES})
        mem = inst.exports["memory"]
        shim.read, shim.write = mem.read, mem.write
        try:
            inst.exports["_start"]()
        except Exit as e:
            if e.args[0]:
                raise
        return shim.stdout()
    return run


def _ppci_function(data, name):
    inst = _ppci_load(data)({})
    fn = inst.exports[name]
    return lambda n: fn(n)


COMMANDS = {"wasmtime": _wasmtime_command, "fast": wasmbed_command("fast"),
            "interp": wasmbed_command("interp"), "pywasm": _pywasm_command,
            "wasm3": _wasm3_command, "ppci": _ppci_command}
FUNCTIONS = {"wasmtime": _wasmtime_function, "fast": _wasmbed_function("fast"),
             "interp": _wasmbed_function("interp"), "pywasm": _pywasm_function,
             "wasm3": _wasm3_function, "ppci": _ppci_function}


def command(engine, data, argv):
    return COMMANDS[engine](data, argv)


def function(engine, data, name):
    return FUNCTIONS[engine](data, name)


def versions():
    """-> "dist version" strings of the installed peers."""
    from importlib import metadata
    out = []
    for dist in ("wasmtime", "pywasm", "pywasm3", "ppci", "ziglang"):
        try:
            out.append("%s %s" % (dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            pass
    return out
