"""The errors of the host's resources, which know nothing of WebAssembly:
the base class of every wasmbed error, the pool allocator's and the file
system's. The pool allocator (wasmbed.pool_alloc) and the platform ports
take their error classes from here; wasmbed.core.errors, the one place of
every wasm error and message, re-exports them, so embedders catch them as
wasmbed.PoolExhausted & co. Imports nothing; runs on MicroPython.
"""

# Pool allocator (wasmbed.pool_alloc): no free block is large enough, and
# its corruption reports.
POOL_EXHAUSTED = "allocate memory failed"
POOL_BAD_HEADER = "pool corrupted: damaged chunk header"
POOL_DOUBLE_FREE = "pool corrupted: double free"
POOL_NOT_A_BLOCK = "pool corrupted: not the start of a block"
POOL_BAD_FREE_LIST = "pool corrupted: damaged free list"


class WasmError(Exception):
    """Base class of every error wasmbed raises on purpose."""

    def __init__(self, message: "str" = "") -> "None":
        super().__init__(message)
        self.message = message

    def __str__(self) -> "str":
        return self.message


class PoolExhausted(WasmError):
    """The fixed heap buffer has no block large enough for a request."""

    def __init__(self, message: "str" = POOL_EXHAUSTED) -> "None":
        WasmError.__init__(self, message)


class PoolCorrupted(WasmError):
    """The pool allocator found a damaged chunk header or a double free."""


class FsError(WasmError):
    """A file-system or WASI operation failed.

    ``errno`` is a WASI errno number (``wasmbed.platform_fs.ENOENT`` ...);
    platform ports translate their host error codes into these numbers.
    """

    def __init__(self, errno: "int", message: "str" = "") -> "None":
        WasmError.__init__(self, message or ("wasi errno %d" % errno))
        self.errno = errno
