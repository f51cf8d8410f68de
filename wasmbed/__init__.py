"""wasmbed: a WebAssembly runtime in Python for constrained and sandboxed hosts."""

__version__ = "0.1.0"

from wasmbed.core.errors import (  # noqa: F401
    WasmError, MalformedModule, InvalidModule, LinkError, InstantiationError,
    Trap, PoolExhausted, ProcExit,
)
