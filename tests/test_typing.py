"""Type hints on the public API (PEP 561): the package ships py.typed, the
API files type-check with mypy, a user's typed script checks under
--strict and gets real types, misuse is reported, and the hints stay out
of MicroPython's way (string annotations; typing imported only under
``if False:``)."""

import ast
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

mypy = pytest.importorskip("mypy", reason="mypy is in the test extras")

# The public API of ARCHITECTURE.md section 8: every one of these has
# complete annotations (parameters and return).
PUBLIC = {
    "wasmbed/runtime.py": {
        "Runtime": ["__init__", "create_memory", "create_table", "set_limits",
                    "load", "load_aot", "register", "instantiate", "spawn_thread",
                    "join_thread", "mem_alloc_info", "terminate", "destroy",
                    "platform", "register_natives", "unregister_natives"],
        "LoadedModule": ["unload", "imports", "exports", "import_types",
                         "export_types"],
        "Function": ["__init__", "extern_type"],
        "Instance": ["lookup_function", "create_exec_env", "default_exec_env",
                     "call", "spawn_exec_env", "destroy_spawned_exec_env",
                     "module_malloc", "module_free", "module_dup_data",
                     "get_exception", "memory", "memory_view", "terminate",
                     "clear_terminate", "deinstantiate", "thread_exit",
                     "lookup_tag", "set_exception", "clear_exception",
                     "validate_app_addr", "validate_app_str_addr",
                     "addr_app_to_native"],
        "ExecEnv": ["set_fuel", "get_fuel", "destroy", "memory",
                    "check_terminate", "invoke_raw", "call", "call_wasm",
                    "get_module_inst", "set_user_data", "get_user_data"],
    },
    "wasmbed/config.py": {"RuntimeConfig": ["__init__"], "NativeSymbol": ["__init__"]},
    "wasmbed/natives.py": {None: ["host_function"]},
    "wasmbed/__init__.py": {None: ["aot_source"]},
    "wasmbed/wasi/config.py": {"WasiConfig": ["__init__"]},
    "wasmbed/host_errors.py": {"WasmError": ["__init__", "__str__"],
                               "PoolExhausted": ["__init__"],
                               "FsError": ["__init__"]},
    "wasmbed/core/errors.py": {"MalformedModule": ["__init__"],
                               "ProcExit": ["__init__"]},
}


def run_mypy(*args, cwd=REPO, cache=None):
    """python -m mypy ARGS in cwd -> (status, output); the cache goes to
    `cache` (default: cwd/.mypy_cache)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO
    env["MYPY_CACHE_DIR"] = cache or os.path.join(cwd, ".mypy_cache")
    p = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"] + list(args),
                       capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    return p.returncode, p.stdout + p.stderr


def functions(path):
    """{(class or None, name): FunctionDef} of the file's top level and
    its classes' bodies."""
    with open(os.path.join(REPO, path), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[(None, node.name)] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    found[(node.name, item.name)] = item
    return found


def test_py_typed_ships_as_package_data():
    import tomllib
    assert os.path.exists(os.path.join(REPO, "wasmbed", "py.typed"))
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["wasmbed"]
    pins = project["project"]["optional-dependencies"]["test"]
    assert any(re.fullmatch(r"mypy==[\d.]+", p) for p in pins)


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_public_api_is_annotated(path):
    defs = functions(path)
    missing = []
    for cls, names in PUBLIC[path].items():
        for name in names:
            fn = defs[(cls, name)]
            a = fn.args
            params = a.posonlyargs + a.args + a.kwonlyargs
            if params and params[0].arg == "self":
                params = params[1:]
            params += [p for p in (a.vararg, a.kwarg) if p is not None]
            if fn.returns is None or any(p.annotation is None for p in params):
                missing.append("%s.%s" % (cls, name) if cls else name)
            # strings only: MicroPython never evaluates them, CPython
            # never needs the names at run time
            for ann in [fn.returns] + [p.annotation for p in params]:
                assert isinstance(ann, ast.Constant) and isinstance(ann.value, str), \
                    "%s: %s has a non-string annotation" % (path, name)
    assert missing == []


def test_public_api_files_type_check(tmp_path):
    # [tool.mypy] in pyproject.toml names the files
    code, out = run_mypy(cache=str(tmp_path / "cache"))
    assert code == 0, out


USER_SCRIPT = '''
import wasmbed

def fib_on_wasmbed(wasm: bytes) -> int:
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="pool",
                                               heap_size=1 << 20))
    mod = rt.load(wasm)
    inst = rt.instantiate(mod, stack_size=64 * 1024,
                          wasi=wasmbed.WasiConfig(args=["app"], env={"A": "1"}))
    f = inst.lookup_function("fib")
    if f is None:
        raise LookupError("fib")
    env = inst.create_exec_env()
    env.set_fuel(10000)
    left: int | None = env.get_fuel()
    info: dict[str, int] = rt.mem_alloc_info()
    view: memoryview = inst.memory_view(0, 4)
    native: memoryview | None = inst.addr_app_to_native(0, 4)
    ok: bool = inst.validate_app_addr(0, 4) and inst.validate_app_str_addr(0)
    sig: str | None = f.extern_type().signature
    try:
        result = int(env.call(f, 20))
    except wasmbed.Trap as e:
        message: str = e.message
        raise
    except wasmbed.ProcExit as e:
        status: int = e.code
        raise
    problem: str | None = inst.get_exception()
    inst.deinstantiate()
    mod.unload()
    return result

reveal_type(wasmbed.Runtime.load)
reveal_type(wasmbed.Instance.lookup_function)
reveal_type(wasmbed.WasiConfig)
'''

MISUSE = [
    ("rt.load(42)", 'Argument 1 to "load" of "Runtime" has incompatible type "int"'),
    ("inst.lookup_function(3)", 'Argument 1 to "lookup_function" of "Instance"'),
    ("env.set_fuel('lots')", 'Argument 1 to "set_fuel" of "ExecEnv"'),
    ("wasmbed.RuntimeConfig(max_thread_num='4')", 'Argument "max_thread_num" to "RuntimeConfig"'),
    ("x: str = inst.module_malloc(8)", 'Incompatible types in assignment'),
    ("wasmbed.Runtim()", '"object" not callable'),
]


def test_a_typed_user_script_checks_strictly_and_sees_the_types(tmp_path):
    (tmp_path / "user.py").write_text(USER_SCRIPT)
    code, out = run_mypy("--strict", "user.py", cwd=str(tmp_path))
    notes = [ln for ln in out.splitlines() if "note: Revealed type" in ln]
    errors = [ln for ln in out.splitlines() if ": error:" in ln]
    assert errors == [] and code == 0, out
    assert 'data: bytes | bytearray | memoryview' in notes[0] and "LoadedModule" in notes[0], out
    assert "Function | None" in notes[1], out
    assert "wasmbed.wasi.config.WasiConfig" in notes[2], out


def test_misuse_of_the_api_is_reported(tmp_path):
    lines = ["import wasmbed",
             "rt = wasmbed.Runtime()",
             "inst = rt.instantiate(rt.load(b''))",
             "env = inst.create_exec_env()"]
    first = len(lines) + 1
    lines += [src for src, _ in MISUSE]
    (tmp_path / "misuse.py").write_text("\n".join(lines) + "\n")
    code, out = run_mypy("misuse.py", cwd=str(tmp_path))
    assert code == 1
    for i, (src, expected) in enumerate(MISUSE):
        at = [ln for ln in out.splitlines() if ln.startswith("misuse.py:%d:" % (first + i))]
        assert any(expected in ln for ln in at), (src, out)


def board_files():
    """The package files manifest.py freezes into board firmware."""
    sys.path.insert(0, REPO)
    ns = {"metadata": lambda **kw: None, "package": lambda *a, **kw: None}
    here = os.getcwd()
    try:
        os.chdir(REPO)
        with open(os.path.join(REPO, "manifest.py")) as f:
            exec(compile(f.read(), "manifest.py", "exec"), ns)
        return ns["_board_files"]("wasmbed")
    finally:
        os.chdir(here)
        sys.path.remove(REPO)


def test_frozen_files_import_typing_only_for_type_checkers():
    offenders = []
    files = board_files()
    assert "runtime.py" in files and "config.py" in files
    for rel in files:
        with open(os.path.join(REPO, "wasmbed", rel), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        guarded = set()
        for node in ast.walk(tree):
            if (isinstance(node, ast.If) and isinstance(node.test, ast.Constant)
                    and node.test.value is False):
                for inner in ast.walk(node):
                    guarded.add(id(inner))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.split(".")[0] in ("typing", "typing_extensions") for n in names) \
                    and id(node) not in guarded:
                offenders.append("%s:%d" % (rel, node.lineno))
    assert offenders == []
