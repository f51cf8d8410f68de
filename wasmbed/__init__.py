"""wasmbed: a WebAssembly runtime in Python for constrained and sandboxed hosts."""

__version__ = "0.1.0"


def _float_mode_from_env():
    # WASMBED_FLOAT=soft|hard picks the float mode (core/float_host.py)
    try:
        import os
        want = os.getenv("WASMBED_FLOAT")
    except Exception:   # a board's os has no getenv
        return
    if want in ("soft", "hard"):
        from wasmbed.core import float_host
        float_host.force(want == "soft")


_float_mode_from_env()

from wasmbed.core.errors import (  # noqa: F401
    WasmError, MalformedModule, InvalidModule, LinkError, InstantiationError,
    Trap, PoolExhausted, ProcExit, ThreadLimit, HostOutOfMemory,
)
from wasmbed.core.errors import Terminated, UncaughtException  # noqa: F401
from wasmbed.config import RuntimeConfig, NativeSymbol  # noqa: F401
from wasmbed.runtime import (  # noqa: F401
    Runtime, Instance, ExecEnv, LoadedModule, Function,
)
from wasmbed.natives import host_function  # noqa: F401


def aot_source(module, wasm=None):
    """The Python source `wasmbed compile` writes for a decoded module."""
    from wasmbed.core.translate import module_source
    return module_source(module, wasm)


def __getattr__(name):
    if name == "WasiConfig":
        from wasmbed.wasi import WasiConfig
        return WasiConfig
    raise AttributeError(name)
