"""wasmtime-py's exception types: WasmtimeError, ExitTrap, Trap, TrapCode.

As in wasmtime-py, ``Trap`` is not a ``WasmtimeError`` (catch both, or
``Exception``); ``ExitTrap`` is a ``WasmtimeError`` raised when a WASI
guest calls ``proc_exit`` (any code, 0 included).

``translate(exc)`` turns a wasmbed error into the one wasmtime-py raises
in the same situation; every entry point of this package uses it.
"""

import enum

import wasmbed
from wasmbed.core import errors as E


class WasmtimeError(Exception):
    """Compile, link, instantiation and API misuse errors."""

    def __init__(self, message):
        Exception.__init__(self, message)
        self._message = message

    def __str__(self):
        return self._message


class ExitTrap(WasmtimeError):
    """A WASI guest called ``proc_exit``; ``code`` is its exit status."""

    def __init__(self, code, message=None):
        if message is None:
            message = _trap_text("Exited with i32 exit status %d" % code)
        WasmtimeError.__init__(self, message)
        self.code = code


class TrapCode(enum.Enum):
    """Why a trap happened (the members wasmtime-py 50 numbers 0-13)."""
    STACK_OVERFLOW = 0
    MEMORY_OUT_OF_BOUNDS = 1
    HEAP_MISALIGNED = 2
    TABLE_OUT_OF_BOUNDS = 3
    INDIRECT_CALL_TO_NULL = 4
    BAD_SIGNATURE = 5
    INTEGER_OVERFLOW = 6
    INTEGER_DIVISION_BY_ZERO = 7
    BAD_CONVERSION_TO_INTEGER = 8
    UNREACHABLE = 9
    INTERRUPT = 10
    OUT_OF_FUEL = 11
    ATOMIC_WAIT_NON_SHARED_MEMORY = 12
    NULL_REFERENCE = 13


# wasmbed's (spec-worded) trap message -> (TrapCode, wasmtime's wording)
_TRAPS = {
    E.TRAP_UNREACHABLE: (TrapCode.UNREACHABLE,
                         "wasm `unreachable` instruction executed"),
    E.TRAP_DIV_ZERO: (TrapCode.INTEGER_DIVISION_BY_ZERO, "integer divide by zero"),
    E.TRAP_INT_OVERFLOW: (TrapCode.INTEGER_OVERFLOW, "integer overflow"),
    E.TRAP_INVALID_CONVERSION: (TrapCode.BAD_CONVERSION_TO_INTEGER,
                                "invalid conversion to integer"),
    E.TRAP_MEMORY_OOB: (TrapCode.MEMORY_OUT_OF_BOUNDS, "out of bounds memory access"),
    E.TRAP_TABLE_OOB: (TrapCode.TABLE_OUT_OF_BOUNDS,
                       "undefined element: out of bounds table access"),
    E.TRAP_UNDEFINED_ELEMENT: (TrapCode.TABLE_OUT_OF_BOUNDS,
                               "undefined element: out of bounds table access"),
    E.TRAP_UNINITIALIZED_ELEMENT: (TrapCode.INDIRECT_CALL_TO_NULL,
                                   "uninitialized element"),
    E.TRAP_INDIRECT_TYPE: (TrapCode.BAD_SIGNATURE, "indirect call type mismatch"),
    E.TRAP_STACK_EXHAUSTED: (TrapCode.STACK_OVERFLOW, "call stack exhausted"),
    E.TRAP_UNALIGNED_ATOMIC: (TrapCode.HEAP_MISALIGNED, "misaligned memory access"),
    E.TRAP_EXPECTED_SHARED: (TrapCode.ATOMIC_WAIT_NON_SHARED_MEMORY,
                             "atomic wait on non-shared memory"),
    E.TRAP_NULL_REFERENCE: (TrapCode.NULL_REFERENCE, "null reference"),
    "terminated": (TrapCode.INTERRUPT, "interrupt"),
    "out of fuel": (TrapCode.OUT_OF_FUEL, "all fuel consumed by WebAssembly"),
}


def _trap_text(cause):
    # wasmtime's layout without the backtrace lines (wasmbed keeps no
    # frame list): code that tests ``"... divide by zero" in str(trap)``
    # or looks at the last line sees the same text.
    return ("error while executing at wasm backtrace:\n\nCaused by:\n"
            "    %s\n" % cause)


class Trap(Exception):
    """A trap: ``message`` (wasmtime's text), ``trap_code`` (a TrapCode, or
    None for a trap made by ``Trap(message)``), ``frames`` (always [] in
    wasmbed)."""

    def __init__(self, message):
        Exception.__init__(self, message)
        self._message = message
        self._code = None

    @classmethod
    def _from_core(cls, exc):
        msg = exc.message
        code, text = _TRAPS.get(msg, (None, msg))
        if code is None and ("fuel" in msg.lower()
                             or "fuel" in type(exc).__name__.lower()):
            code, text = _TRAPS["out of fuel"]
        t = cls(_trap_text("wasm trap: " + text))
        t._code = code
        t.__cause__ = exc
        return t

    @property
    def message(self):
        return self._message

    @property
    def trap_code(self):
        return self._code

    @property
    def frames(self):
        return []

    def __str__(self):
        return self._message


def translate(exc):
    """The wasmtime-py exception for a wasmbed error ``exc`` (others are
    returned unchanged)."""
    if isinstance(exc, wasmbed.ProcExit):
        e = ExitTrap(exc.code)
    elif isinstance(exc, wasmbed.Trap):
        return Trap._from_core(exc)
    elif isinstance(exc, wasmbed.MalformedModule):
        e = WasmtimeError("failed to parse WebAssembly module\n\nCaused by:\n"
                          "    %s\n" % exc)
    elif isinstance(exc, wasmbed.InvalidModule):
        e = WasmtimeError("WebAssembly translation error\n\nCaused by:\n"
                          "    Invalid input WebAssembly code: %s\n" % exc)
    elif isinstance(exc, wasmbed.WasmError):
        e = WasmtimeError(str(exc))
    else:
        return exc
    e.__cause__ = exc
    return e
