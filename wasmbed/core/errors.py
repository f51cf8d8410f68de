"""Every error wasmbed raises, and the one place their message texts live.

All classes derive from WasmError. Messages that the WebAssembly spec test
suite checks (traps, malformed and invalid modules) use the spec's wording.
This module imports nothing from the host, so it runs on MicroPython.
The errors of host resources (the base class WasmError, the pool's and the
file system's, and the pool's messages) live in wasmbed/host_errors.py,
which the pool allocator and the ports import; they are re-exported here.
"""

from wasmbed.host_errors import (  # noqa: F401  (re-exported)
    WasmError, PoolExhausted, PoolCorrupted, FsError, POOL_EXHAUSTED,
    POOL_BAD_HEADER, POOL_DOUBLE_FREE, POOL_NOT_A_BLOCK, POOL_BAD_FREE_LIST)


class MalformedModule(WasmError):
    """The bytes are not a well-formed binary module.

    ``message`` is the spec's text (e.g. "unexpected end"); ``offset`` is the
    byte offset where decoding failed (or -1 when unknown).
    """

    def __init__(self, message: "str", offset: "int" = -1) -> "None":
        WasmError.__init__(self, message)
        self.offset = offset

    def __str__(self) -> "str":
        if self.offset >= 0:
            return "%s (at offset 0x%x)" % (self.message, self.offset)
        return self.message


class InvalidModule(WasmError):
    """The module is well formed but fails validation ("type mismatch", ...)."""

    def __init__(self, message: "str", offset: "int" = -1) -> "None":
        WasmError.__init__(self, message)
        self.offset = offset


class LinkError(WasmError):
    """An import could not be resolved or has an incompatible type."""


class InstantiationError(WasmError):
    """Instantiation failed after linking (segment out of bounds, start trap)."""


class Trap(WasmError):
    """The guest trapped; ``message`` is the spec's text."""


class HostOutOfMemory(WasmError):
    """The host itself ran out of RAM (a MemoryError on a board's heap or
    a CPython process) while wasmbed worked for the embedder: not a fault
    of the module. ``during`` says where: "runtime" (creating the Runtime
    and its pool), "load", "instantiate" or "call"."""

    def __init__(self, during: "str", detail: "str" = "") -> "None":
        WasmError.__init__(self, HOST_OUT_OF_MEMORY % (
            during, "; " + detail if detail else ""))
        self.during = during


class ThreadLimit(WasmError):
    """No thread could be spawned: max_thread_num reached, or the platform
    has no (more) threads."""

    def __init__(self, message: "str" = "thread limit reached") -> "None":
        WasmError.__init__(self, message)


class ProcExit(WasmError):
    """The guest called WASI ``proc_exit(code)``."""

    def __init__(self, code: "int") -> "None":
        WasmError.__init__(self, "proc_exit(%d)" % code)
        self.code = code


class Terminated(Trap):
    """The guest was stopped by ``terminate()``, a timeout or another thread."""

    def __init__(self, message: "str" = "terminated") -> "None":
        Trap.__init__(self, message)


class UncaughtException(Trap):
    """A wasm exception (WebAssembly 3.0 exception handling) that no
    try_table caught: it left the outermost wasm frame of a call.

    Inside the engine the same object is what a throw raises and what a
    try_table (interp: the executor's handler table; fast: a Python
    ``except``) catches, so it crosses host functions and instances as a
    Python exception. ``exn`` the exception instance (core.exception.Exn),
    ``tag`` its Tag (compare with ``is``: tags are identified by
    identity), ``payload`` its argument values in the internal
    representation (i32/i64 unsigned ints, f32 bits, f64 float, v128 int,
    references as themselves); ``ExecEnv.call`` adds ``values``, the
    payload as API values.
    """

    def __init__(self, exn):
        Trap.__init__(self, TRAP_UNCAUGHT_EXCEPTION)
        self.exn = exn
        self.values = None   # API values, set by ExecEnv.call

    @property
    def tag(self):
        return self.exn.tag

    @property
    def payload(self):
        return self.exn.payload


# MalformedModule messages raised by more than one module (core/leb128.py,
# decode.py, validate_code.py, validate_gc.py), the reference interpreter's
# wording; the decoder's own ones are in core/decode.py (a board heap: each
# name here is a dict slot, and this module's dict is near a size step).
MSG_TOO_LONG = "integer representation too long"
MSG_TOO_LARGE = "integer too large"
MSG_DATA_COUNT_REQUIRED = "data count section required"

# InvalidModule messages (core/validate.py, validate_code.py, validate_gc.py).
TYPE_MISMATCH = "type mismatch"


def unknown(what, idx):
    """InvalidModule("unknown <what> <idx>"): an index past its space
    ("unknown function 3", "unknown label 1", ...)."""
    return InvalidModule("unknown %s %d" % (what, idx))


# LinkError: an import whose external value does not match (instance.py).
LINK_INCOMPATIBLE = "incompatible import type"

# Trap messages, worded as the spec test suite expects them.
TRAP_UNREACHABLE = "unreachable"
TRAP_DIV_ZERO = "integer divide by zero"
TRAP_INT_OVERFLOW = "integer overflow"
TRAP_INVALID_CONVERSION = "invalid conversion to integer"
TRAP_MEMORY_OOB = "out of bounds memory access"
TRAP_TABLE_OOB = "out of bounds table access"
TRAP_UNDEFINED_ELEMENT = "undefined element"
TRAP_UNINITIALIZED_ELEMENT = "uninitialized element"
TRAP_INDIRECT_TYPE = "indirect call type mismatch"
TRAP_STACK_EXHAUSTED = "call stack exhausted"
TRAP_UNALIGNED_ATOMIC = "unaligned atomic"
TRAP_EXPECTED_SHARED = "expected shared memory"
TRAP_NULL_REFERENCE = "null reference"
TRAP_NULL_FUNC_REF = "null function reference"     # call_ref of null
# an exception no try_table caught (the reference interpreter's wording)
TRAP_UNCAUGHT_EXCEPTION = "uncaught exception"
# fuel (wasmbed.core.fuel): the exec env's fuel ran out (wasmtime's text)
TRAP_OUT_OF_FUEL = "all fuel consumed"

# A host-memory charge (core/host_charge.py) that did not fit in the pool.
HOST_CHARGE = "allocate memory failed: %s needs %d bytes of host memory"

# An AOT file was generated for the other float mode (core/float_host.py).
MSG_AOT_FLOAT_MODE = ("AOT module was compiled for %s floats but this host runs "
                      "%s floats: recompile it with WASMBED_FLOAT=%s wasmbed compile")

# Store limits (wasmbed.core.limits), raised as InstantiationError.
LIMIT_MEMORY_MIN = "memory minimum exceeds limit max_memory_size (%d > %d bytes)"
LIMIT_MEMORIES = "memory count exceeds limit max_memories (%d)"
LIMIT_TABLE_MIN = "table minimum exceeds limit max_table_elements (%d > %d elements)"
LIMIT_TABLE_TOTAL = ("table elements exceed limit max_total_table_elements "
                     "(%d > %d elements in the runtime)")
LIMIT_TABLES = "table count exceeds limit max_tables (%d)"
LIMIT_INSTANCES = "instance count exceeds limit max_instances (%d)"
# The host ran out of RAM (HostOutOfMemory): where, and what was being made.
HOST_OUT_OF_MEMORY = ("the device ran out of RAM during %s (host MemoryError%s); "
                      "free heap on the host or use a smaller module, pool or stack")


# WASI: the module calls a function that needs linear memory but exports none.
WASI_NO_MEMORY = "missing required memory export"

# Natives (wasmbed/natives.py): a bad WAMR signature string, and the trap a
# guest gets when a native it called raised (function, exception type, text).
NATIVE_SIGNATURE = "bad native signature %r: %s"
NATIVE_RAISED = "native %s raised %s%s"


# -- suspension (core/suspend.py) ------------

class Suspend:
    """What a host function returns to suspend the guest that called it:
    ``ExecEnv.call`` then raises Suspended with this ``value``.
    ``reason`` is "host" (a plain Suspend) or "await" (an ``async def``
    host function's coroutine, which ``ExecEnv.call_async`` awaits)."""

    __slots__ = ("value", "reason")

    def __init__(self, value: "object" = None, reason: "str" = "host") -> "None":
        self.value = value
        self.reason = reason


class NotSupported(WasmError):
    """What was asked cannot be done here: suspending a call on the fast
    tier, in a wasi-threads thread or in a start function, resuming a
    call twice."""


class Suspended(WasmError):
    """A call stopped, its guest stack frozen: a host function returned
    ``Suspend(value)`` (``reason`` "host", or "await" for an ``async
    def`` host function), or its exec env ran out of fuel with
    ``on_exhausted="suspend"`` (``reason`` "fuel", ``value`` None).

    ``resume(result=None)`` continues exactly where the guest stopped:
    ``result`` (an API value, or a tuple for several results) becomes the
    host function's return value (ignored for fuel). It returns what the
    original call would have returned, or raises Suspended again (a new
    one), or whatever the call raises. A Suspended resumes once; again:
    NotSupported. ``results``: the value types the host function returns
    (what ``result`` must fit); ``frozen``: the engine's state (None where
    the tier cannot freeze a call). ``Instance.snapshot()`` captures a
    suspended call, ``Runtime.restore`` gives it back (docs/SUSPEND.md)."""

    def __init__(self, value: "object" = None, reason: "str" = "host",
                 results: "tuple[int, ...]" = ()) -> "None":
        WasmError.__init__(self, SUSPENDED % reason)
        self.value = value
        self.reason = reason
        self.results = results
        self.frozen = None    # type: object
        self._resume = None   # type: object
        self._resumed = False

    def resume(self, result: "object" = None) -> "object":
        r = self._resume
        if r is None:
            raise NotSupported(RESUME_AGAIN if self._resumed else RESUME_UNATTACHED)
        self._resume = None
        self._resumed = True
        return r(self, result)   # type: ignore[operator]


SUSPENDED = "the call is suspended (%s)"
RESUME_AGAIN = "this suspended call was already resumed"
RESUME_UNATTACHED = ("this suspended call has no exec env to resume on "
                     "(suspensions resume through ExecEnv.call, Instance.call or call_async)")
SUSPEND_FAST = ("a call suspends only on the interp tier: use RuntimeConfig(mode='interp'), "
                "ExecEnv.call_async or set_fuel(n, on_exhausted='suspend')")
SUSPEND_NESTED = ("a call suspended inside a host function and was not resumed there: "
                  "the host function's own Python frame cannot be frozen")
SUSPEND_THREAD = "a wasi-threads thread cannot suspend"
SUSPEND_START = "the start function cannot suspend"


# -- snapshots (core/snapshot.py) ------------

class SnapshotError(WasmError):
    """A snapshot cannot be taken (state it cannot hold: an externref, a
    frame of another instance, a host function's pending Python frame) or
    restored (not a snapshot, another format version, a bad checksum, cut
    short, of another module or float mode, or not matching this build's
    code)."""


# The snapshot format's messages (SNAP_*) are with the format, in
# core/snapshot.py, imported only when a snapshot is taken or restored:
# each name here costs a board heap at import.
