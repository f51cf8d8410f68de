"""Host functions for guests: Python callables with API values
(host_function) and WAMR-style NativeSymbols with signature strings such as
"(ii*~)i" (native_function). Pointers are bounds-checked against the
caller's memory and arrive as memoryviews."""

from wasmbed.core import errors as E
from wasmbed.core.errors import Trap
from wasmbed.core.instance import HostFunction
from wasmbed.core.module import (FuncType, I32, I64, F32, F64, EXTERNREF,
                                 VALTYPE_LETTER)
from wasmbed.values import to_internal, from_internal

if False:   # type checkers only (MicroPython has no typing module)
    from typing import Any, Callable


def host_function(params: "str", results: "str", fn: "Callable[..., Any]",
                  name: "str" = "") -> "HostFunction":
    """Wrap a Python callable taking and returning API values:
    fn(env, *args) with params/results as strings of letters (i I f F)."""
    ft = FuncType(tuple(VALTYPE_LETTER[c] for c in params),
                  tuple(VALTYPE_LETTER[c] for c in results))

    def host(env, *args):
        vals = [from_internal(t, a) for t, a in zip(ft.params, args)]
        r = fn(env, *vals)
        if not ft.results:
            return None
        if len(ft.results) == 1:
            return to_internal(ft.results[0], r)
        return tuple(to_internal(t, v) for t, v in zip(ft.results, r))
    return HostFunction(ft, host, name)


def native_function(sym):
    """A HostFunction for a NativeSymbol with a WAMR signature string."""
    sig = sym.signature
    if not sig.startswith("("):
        raise ValueError("bad native signature %r" % sig)
    close = sig.index(")")
    pcodes = sig[1:close]
    rcodes = sig[close + 1:]
    params = []
    for c in pcodes:
        params.append({"i": I32, "I": I64, "f": F32, "F": F64, "r": EXTERNREF,
                       "*": I32, "~": I32, "$": I32}[c])
    results = [{"i": I32, "I": I64, "f": F32, "F": F64, "r": EXTERNREF}[c]
               for c in rcodes]
    ft = FuncType(tuple(params), tuple(results))
    fn = sym.fn

    def host(env, *args):
        vals = []
        mem = env.memory
        i = 0
        n = len(pcodes)
        while i < n:
            c = pcodes[i]
            a = args[i]
            if c == "*":
                if mem is None:
                    raise Trap(E.TRAP_MEMORY_OOB)
                data = mem.data
                if i + 1 < n and pcodes[i + 1] == "~":
                    ln = args[i + 1]
                    if a + ln > len(data):
                        raise Trap(E.TRAP_MEMORY_OOB)
                    vals.append(memoryview(data)[a:a + ln])
                    vals.append(ln)
                    i += 2
                    continue
                if a > len(data):
                    raise Trap(E.TRAP_MEMORY_OOB)
                vals.append(memoryview(data)[a:])
            elif c == "$":
                if mem is None:
                    raise Trap(E.TRAP_MEMORY_OOB)
                data = mem.data
                end = bytes(data[a:]).find(b"\0") if a < len(data) else -1
                if end < 0:
                    raise Trap(E.TRAP_MEMORY_OOB)
                vals.append(bytes(data[a:a + end]).decode("utf-8", "replace"))
            else:
                vals.append(from_internal(params[i], a))
            i += 1
        r = fn(env, *vals)
        if not results:
            return None
        if len(results) == 1:
            return to_internal(results[0], r)
        return tuple(to_internal(t, v) for t, v in zip(results, r))
    return HostFunction(ft, host, sym.name)
