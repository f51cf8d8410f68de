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

# "X as X": an explicit re-export, for type checkers (PEP 484); no __all__
# list, which would cost a board heap
from wasmbed.core.errors import (  # noqa: F401
    WasmError as WasmError, MalformedModule as MalformedModule,
    InvalidModule as InvalidModule, LinkError as LinkError,
    InstantiationError as InstantiationError, Trap as Trap,
    PoolExhausted as PoolExhausted, ProcExit as ProcExit,
    ThreadLimit as ThreadLimit, HostOutOfMemory as HostOutOfMemory,
)
from wasmbed.config import (  # noqa: F401
    RuntimeConfig as RuntimeConfig, NativeSymbol as NativeSymbol,
)
from wasmbed.core.errors import (  # noqa: F401
    Terminated as Terminated, UncaughtException as UncaughtException,
    Suspend as Suspend, Suspended as Suspended, NotSupported as NotSupported,
    SnapshotError as SnapshotError,
)
from wasmbed.runtime import (  # noqa: F401
    Runtime as Runtime, Instance as Instance, ExecEnv as ExecEnv,
    LoadedModule as LoadedModule, Function as Function,
)
from wasmbed.natives import host_function as host_function  # noqa: F401


def aot_source(module: "Any", wasm: "bytes | None" = None) -> "str":
    """The Python source `wasmbed compile` writes for a decoded module."""
    from wasmbed.core.translate import module_source
    return module_source(module, wasm)


def float_mode() -> "str":
    """"hard" when this host's float is an IEEE double (f32/f64 run on
    it), "soft" when f32/f64 are computed on integers (single-precision
    boards, or WASMBED_FLOAT=soft): core/float_host.py. Fixed when wasmbed
    is imported."""
    from wasmbed.core import float_host
    return "soft" if float_host.soft() else "hard"


if False:   # type checkers only: at run time WasiConfig loads on first use
    from typing import Any
    from wasmbed.wasi import WasiConfig as WasiConfig  # noqa: F401


def __getattr__(name: "str") -> "object":
    """Lazy names: ``WasiConfig`` (imports WASI on first use) and the
    sub-modules. CPython imports a sub-module itself for
    ``from wasmbed import platform_api``; MicroPython asks this function
    and, on AttributeError, gives up, so a name that is not yet an
    attribute is imported here as ``wasmbed.<name>``. Raises
    AttributeError when there is no such sub-module."""
    if name == "WasiConfig":
        from wasmbed.wasi import WasiConfig
        return WasiConfig
    if name.startswith("__"):
        raise AttributeError(name)
    full = "wasmbed." + name
    try:
        __import__(full)
    except ImportError as exc:
        if full not in str(exc):
            raise   # the sub-module exists but fails to import
        raise AttributeError(name)
    import sys
    return sys.modules[full]
