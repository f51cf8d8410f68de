"""The import rule: the engine side never touches the host.

Every .py file under wasmbed/core, wasmbed/pool_alloc, wasmbed/wasi, and
wasmbed/platform_api.py, wasmbed/platform_fs.py and wasmbed/filesystem.py,
may import only ``struct``, ``math``, ``array`` and wasmbed modules that are
themselves on the engine side (never ``wasmbed.platform.*``, ``wasmbed.runtime``, ...).
Everything else reaches them through a Platform object at run time.

Dynamic imports count too: any use of ``__import__``, ``import_module`` or
``__builtins__``, and exec/eval/compile of a literal string, which is parsed
and held to the same rule. (Source that the fast tier generates at run time
is not visible here.)
"""

import ast
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENGINE_DIRS = ("wasmbed/core", "wasmbed/pool_alloc", "wasmbed/wasi")
ENGINE_FILES = ("wasmbed/platform_api.py", "wasmbed/platform_fs.py",
                "wasmbed/filesystem.py", "wasmbed/host_errors.py")
ALLOWED_STDLIB = ("struct", "math", "array")
ENGINE_PACKAGES = ("wasmbed.core", "wasmbed.pool_alloc", "wasmbed.wasi",
                   "wasmbed.platform_api", "wasmbed.platform_fs",
                   "wasmbed.filesystem", "wasmbed.host_errors")
DYNAMIC_NAMES = ("__import__", "import_module", "__builtins__")


def engine_sources():
    """Repository-relative paths of every engine-side .py file."""
    paths = []
    for top in ENGINE_DIRS:
        for root, _dirs, files in os.walk(os.path.join(REPO, top)):
            for name in files:
                if name.endswith(".py"):
                    paths.append(os.path.relpath(os.path.join(root, name), REPO))
    for rel in ENGINE_FILES:
        if os.path.exists(os.path.join(REPO, rel)):
            paths.append(rel)
    return sorted(paths)


def module_of(relpath):
    """'wasmbed/core/decode.py' -> ('wasmbed.core.decode', is_package)."""
    parts = relpath[:-3].split(os.sep)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def allowed_module(name):
    if name in ALLOWED_STDLIB:
        return True
    for pkg in ENGINE_PACKAGES:
        if name == pkg or name.startswith(pkg + "."):
            return True
    return False


def resolve_relative(module, is_package, level, target):
    """The absolute name of ``from <level dots><target> import ...``."""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[:len(base) - (level - 1)]
    if target:
        base = base + target.split(".")
    return ".".join(base)


def violations(source, module="wasmbed.core.example", is_package=False,
               allowed=allowed_module):
    """Every breach of the rule in ``source``: a list of 'line: what'.
    ``allowed(name)`` says whether a module may be imported (default: the
    engine rule)."""
    tree = ast.parse(source)
    found = []

    def bad(node, what):
        found.append("%d: %s" % (getattr(node, "lineno", 0), what))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not allowed(alias.name):
                    bad(node, "import %s" % alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                target = resolve_relative(module, is_package, node.level,
                                          node.module or "")
            else:
                target = node.module or ""
            if target == "wasmbed":
                for alias in node.names:
                    if not allowed("wasmbed." + alias.name):
                        bad(node, "from wasmbed import %s" % alias.name)
            elif not allowed(target):
                bad(node, "from %s import ..." % target)
            elif target in ENGINE_PACKAGES:
                # from wasmbed.core import <submodule or name>: fine either way
                pass
        elif isinstance(node, ast.Name) and node.id in DYNAMIC_NAMES:
            bad(node, "dynamic import via %s" % node.id)
        elif isinstance(node, ast.Attribute) and node.attr in DYNAMIC_NAMES:
            bad(node, "dynamic import via .%s" % node.attr)
        elif isinstance(node, ast.Constant) and node.value in DYNAMIC_NAMES:
            bad(node, "dynamic import via the string %r" % node.value)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("exec", "eval", "compile") and node.args
              and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            try:
                inner = violations(node.args[0].value, module, is_package,
                                   allowed)
            except SyntaxError:
                inner = []
            for item in inner:
                bad(node, "in %s() of a literal: %s" % (node.func.id, item))
    return found


def test_engine_side_is_found():
    paths = engine_sources()
    for must in ("wasmbed/core/errors.py", "wasmbed/platform_api.py",
                 "wasmbed/pool_alloc/__init__.py"):
        assert must in paths
    assert len(paths) > 5


@pytest.mark.parametrize("relpath", engine_sources())
def test_engine_file_imports_no_host_module(relpath):
    with open(os.path.join(REPO, relpath), encoding="utf-8") as f:
        source = f.read()
    module, is_package = module_of(relpath)
    assert violations(source, module, is_package) == []


def sources_under(top):
    """Repository-relative paths of the .py files under directory top."""
    paths = []
    for root, _dirs, files in os.walk(os.path.join(REPO, top)):
        for name in files:
            if name.endswith(".py"):
                paths.append(os.path.relpath(os.path.join(root, name), REPO))
    return sorted(paths)


def within(name, packages):
    return any(name == p or name.startswith(p + ".") for p in packages)


# The pool allocator knows nothing of wasm: its errors come from
# wasmbed.host_errors, never from wasmbed.core.
POOL_PACKAGES = ("wasmbed.pool_alloc", "wasmbed.host_errors")


def pool_allowed(name):
    return name in ALLOWED_STDLIB or within(name, POOL_PACKAGES)


@pytest.mark.parametrize("relpath", sources_under("wasmbed/pool_alloc"))
def test_pool_allocator_imports_nothing_of_the_engine(relpath):
    with open(os.path.join(REPO, relpath), encoding="utf-8") as f:
        source = f.read()
    module, is_package = module_of(relpath)
    assert violations(source, module, is_package, pool_allowed) == []


# A port implements the platform interface and nothing else: of wasmbed it
# may import only the interface modules and its own package (host modules
# are its business). The board side of `wasmbed device` lives among the
# baremetal port's files but is an embedder: it uses the public API.
PORT_PACKAGES = ("wasmbed.platform", "wasmbed.platform_api",
                 "wasmbed.platform_fs", "wasmbed.host_errors")
PORT_EMBEDDERS = ("wasmbed/platform/baremetal/deploy.py",)


def port_allowed(name):
    return not within(name, ("wasmbed",)) or within(name, PORT_PACKAGES)


@pytest.mark.parametrize("relpath", [p for p in sources_under("wasmbed/platform")
                                     if p not in PORT_EMBEDDERS])
def test_port_imports_only_the_platform_interface(relpath):
    with open(os.path.join(REPO, relpath), encoding="utf-8") as f:
        source = f.read()
    module, is_package = module_of(relpath)
    assert violations(source, module, is_package, port_allowed) == []


@pytest.mark.parametrize("source", [
    "from wasmbed.core.errors import PoolExhausted",
    "import wasmbed.core",
    "from wasmbed import runtime",
])
def test_port_and_pool_rules_flag_the_engine(source):
    assert violations(source, "wasmbed.platform.linux.vm", False,
                      port_allowed) != []
    assert violations(source, "wasmbed.pool_alloc.pool", False,
                      pool_allowed) != []


def test_relative_imports_of_the_core_are_flagged_too():
    assert violations("from ...core import errors", "wasmbed.platform.linux.vm",
                      False, port_allowed) != []
    assert violations("from ..core import errors", "wasmbed.pool_alloc.pool",
                      False, pool_allowed) != []


def test_port_rule_accepts_host_modules_and_the_interface():
    src = ("import os, threading\nfrom wasmbed.platform_api import PROT_RW\n"
           "from wasmbed.host_errors import PoolExhausted\n"
           "from . import vm\n")
    assert violations(src, "wasmbed.platform.linux", True, port_allowed) == []


# The front (the command line) uses only the public API: the names the
# wasmbed package defines, and the modules made for embedders and tools.
FRONT_FILES = ("wasmbed/cli.py", "wasmbed/__main__.py")
FRONT_MODULES = ("wasmbed.cli", "wasmbed.wast",
                 "wasmbed.module_info", "wasmbed.wasi", "wasmbed.wasmtime",
                 "wasmbed.device")


def public_names():
    """The top-level names of wasmbed/__init__.py (defined, assigned or
    re-exported), plus the lazy WasiConfig."""
    with open(os.path.join(REPO, "wasmbed", "__init__.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    names = {"WasiConfig"}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return {n for n in names if not n.startswith("_") or n == "__version__"}


def front_allowed(name):
    if not within(name, ("wasmbed",)) or name == "wasmbed":
        return True
    if within(name, FRONT_MODULES):
        return True
    return name.count(".") == 1 and name.split(".")[1] in public_names()


@pytest.mark.parametrize("relpath", FRONT_FILES)
def test_front_uses_only_the_public_api(relpath):
    with open(os.path.join(REPO, relpath), encoding="utf-8") as f:
        source = f.read()
    module, is_package = module_of(relpath)
    assert violations(source, module, is_package, front_allowed) == []


@pytest.mark.parametrize("source", [
    "from wasmbed.core.decode import decode_module",
    "from wasmbed.values import to_internal",
    "from wasmbed import runtime",
    "from wasmbed import _float_mode_from_env",
    "import wasmbed.core.module",
])
def test_front_rule_flags_the_internals(source):
    assert violations(source, "wasmbed.cli", False, front_allowed) != []


def test_front_rule_accepts_the_public_api():
    src = ("import argparse\nimport wasmbed\nfrom wasmbed import Runtime, "
           "WasmError, __version__\nfrom wasmbed.wasi import WasiConfig\n"
           "from wasmbed.device import commands\n")
    assert violations(src, "wasmbed.cli", False, front_allowed) == []


# A board's firmware (manifest.py) leaves the host-only modules out, so a
# module it freezes (the engine, the embedding API and what the facade
# loads on first use: linking, wasi_bind, pool_policy) imports none of them,
# except lazily where a board never goes (below). The board's spec runner
# (wasmbed/spec_board.py, frozen into the test firmware with the spectest
# module) imports only frozen modules and that one.
def manifest_files(manifest="manifest.py", package_dir="wasmbed"):
    """The wasmbed files (relative to the package) manifest.py freezes,
    and its _HOST_ONLY list, from running it with MicroPython's manifest
    functions stubbed."""
    ns = {"metadata": lambda **kw: None, "include": lambda *a, **kw: None,
          "module": lambda *a, **kw: None}
    frozen = []
    ns["package"] = lambda name, files=(), **kw: frozen.extend(files)
    here = os.getcwd()
    os.chdir(REPO)
    try:
        with open(os.path.join(REPO, manifest), encoding="utf-8") as f:
            exec(compile(f.read(), manifest, "exec"), ns)
    finally:
        os.chdir(here)
    return frozen, ns["_HOST_ONLY"]


FROZEN, HOST_ONLY = manifest_files()
# lazy imports of host-only modules that a board never reaches
BOARD_NEVER = {
    "wasmbed/__init__.py": ("wasmbed.core.translate",),    # aot_source: a host tool
    # translation: compile(); tiering: a Runtime with tier_up (CPython)
    "wasmbed/core/fast.py": ("wasmbed.core.translate", "wasmbed.core.tiering"),
    "wasmbed/platform/__init__.py": ("wasmbed.platform.linux",),  # CPython's port
    # names(): the translator's table (JIT on CPython; a board loads AOT text)
    "wasmbed/core/fast_rt.py": ("wasmbed.core.translate_mem",),
}


def host_only(name):
    rel = name.replace(".", "/")
    for h in HOST_ONLY:
        h = "wasmbed/" + (h[:-3] if h.endswith(".py") else h.rstrip("/"))
        if rel == h or rel.startswith(h + "/"):
            return True
    return False


def static_violations(relpath, allowed):
    with open(os.path.join(REPO, relpath), encoding="utf-8") as f:
        source = f.read()
    module, is_package = module_of(relpath)
    return [v for v in violations(source, module, is_package, allowed)
            if "dynamic import" not in v]


def test_the_facade_modules_are_frozen():
    for rel in ("runtime.py", "linking.py", "wasi_bind.py", "pool_policy.py",
                "values.py", "core/interp.py"):
        assert rel in FROZEN
    for rel in ("cli.py", "wast/__init__.py", "wast/exec.py",
                "wast/spectest.py", "spec_board.py", "core/translate.py"):
        assert rel not in FROZEN


@pytest.mark.parametrize("relpath", ["wasmbed/" + r for r in FROZEN])
def test_frozen_modules_import_no_host_only_module(relpath):
    never = BOARD_NEVER.get(relpath, ())
    assert static_violations(
        relpath, lambda n: not host_only(n) or n in never) == []


def test_the_board_spec_runner_imports_frozen_modules_only():
    frozen = {module_of("wasmbed/" + r)[0] for r in FROZEN}

    def allowed(name):
        return (not within(name, ("wasmbed",)) or name in frozen
                or name == "wasmbed.wast.spectest")
    assert static_violations("wasmbed/spec_board.py", allowed) == []
    # and the rule sees an import of the runner itself
    assert violations("from wasmbed.wast import ExecRunner",
                      "wasmbed.spec_board", False, allowed) != []


# --- the checker itself must catch what it is there to catch -------------

FORBIDDEN = [
    "import os",
    "import sys, struct",
    "import time as t",
    "from threading import Lock",
    "from os.path import join",
    "import typing",
    "import struct\nif True:\n    import mmap",
    "def f():\n    import socket\n    return socket",
    "try:\n    import micropython\nexcept ImportError:\n    pass",
    "from wasmbed.platform.linux import LinuxPlatform",
    "import wasmbed.platform",
    "from wasmbed import platform",
    "from wasmbed import runtime",
    "import wasmbed",
    "from ..platform import default_platform",
    "from ...platform.linux import vm",
    "m = __import__('os')",
    "import struct\nm = __builtins__['__import__']('os')",
    "m = getattr(__builtins__, 'x')",
    "m = getattr(struct, '__import__')('os')",
    "from importlib import import_module",
    "import importlib\nimportlib.import_module('os')",
    "exec('import os')",
    "compile('from time import sleep', 'x', 'exec')",
]

ALLOWED = [
    "import struct",
    "import math, array",
    "from struct import pack_into, unpack_from",
    "from wasmbed.core.errors import Trap",
    "from wasmbed.core import errors",
    "import wasmbed.core.errors",
    "from wasmbed.pool_alloc import Pool",
    "from wasmbed.wasi.abi import EBADF",
    "from wasmbed import platform_fs as pfs",
    "from wasmbed.platform_api import CLOCK_MONOTONIC",
    "from .errors import Trap",
    "from . import errors",
    "from ..wasi import abi",
    "exec(source)",              # generated code: not visible statically
    "x = 'imports are fine in strings'",
]


@pytest.mark.parametrize("source", FORBIDDEN)
def test_checker_flags_forbidden_imports(source):
    assert violations(source, "wasmbed.core.example") != [], source


@pytest.mark.parametrize("source", ALLOWED)
def test_checker_accepts_engine_imports(source):
    assert violations(source, "wasmbed.core.example") == [], source


def test_relative_imports_resolve_from_the_file():
    # In a package __init__, '.' is the package itself.
    assert resolve_relative("wasmbed.core", True, 1, "errors") == \
        "wasmbed.core.errors"
    assert resolve_relative("wasmbed.core.decode", False, 1, "errors") == \
        "wasmbed.core.errors"
    assert resolve_relative("wasmbed.core.decode", False, 2, "platform") == \
        "wasmbed.platform"
    assert violations("from .linux import vm", "wasmbed.platform", True) != []
