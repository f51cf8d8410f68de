"""Host functions for guests: Python callables with API values
(host_function) and WAMR-style NativeSymbols with signature strings such as
"(ii*~)i" (native_function). Pointers are bounds-checked against the
caller's memory and arrive as memoryviews.

NativeSymbols follow WAMR's rules for a native that fails: an exception it
raises (other than a WasmError such as Trap or ProcExit, MemoryError, or
Python's recursion limit, which keep their meaning) becomes a Trap of the
calling guest whose message names the function and carries the
exception's text; the original is kept as ``trap.cause`` (a
host_function's exceptions reach the caller unchanged). Either kind that
called ``Instance.set_exception(msg)`` (on its exec env's instance) makes
the guest trap with ``msg`` as soon as it returns.
"""

from wasmbed.core import errors as E
from wasmbed.core.errors import Trap, WasmError, Suspend, Suspended
from wasmbed.core.instance import HostFunction
from wasmbed.core.module import (FuncType, I32, EXTERNREF,
                                 VALTYPE_LETTER)
from wasmbed.values import to_internal, from_internal

if False:   # type checkers only (MicroPython has no typing module)
    from typing import Any, Callable
    from wasmbed.config import NativeSymbol

_RECURSION = None  # type: type[BaseException] | None
try:
    _RECURSION = RecursionError
except NameError:   # MicroPython: RuntimeError("maximum recursion depth exceeded")
    pass

# (On boards every function object and dict made at import costs heap: the
# letters are looked up in VALTYPE_LETTER, helpers are inlined.)


def parse_signature(sig: "Any") -> "tuple[str, FuncType]":
    """A WAMR signature string ("(ii*~)i", "($)", "()F") -> (param codes,
    FuncType). ``~`` must follow ``*``; at most one result. Raises
    ValueError naming what is wrong."""
    if not isinstance(sig, str):
        raise ValueError(E.NATIVE_SIGNATURE % (sig, "not a string"))
    if not sig.startswith("(") or sig.count(")") != 1:
        raise ValueError(E.NATIVE_SIGNATURE % (sig, "expected '(params)results'"))
    close = sig.index(")")
    pcodes = sig[1:close]
    rcodes = sig[close + 1:]
    params = []
    for i in range(len(pcodes)):
        c = pcodes[i]
        t = None  # type: int | None
        if c in "*~$":
            if c == "~" and (i == 0 or pcodes[i - 1] != "*"):
                raise ValueError(E.NATIVE_SIGNATURE % (sig, "'~' must follow '*'"))
            t = I32
        elif c == "r":
            t = EXTERNREF
        elif c != "v":
            t = VALTYPE_LETTER.get(c)
        if t is None:
            raise ValueError(E.NATIVE_SIGNATURE % (sig, "unknown parameter type %r" % c))
        params.append(t)
    if len(rcodes) > 1:
        raise ValueError(E.NATIVE_SIGNATURE % (sig, "at most one result"))
    results = []
    for c in rcodes:
        t = None
        if c == "r":
            t = EXTERNREF
        elif c != "v":
            t = VALTYPE_LETTER.get(c)
        if t is None:
            raise ValueError(E.NATIVE_SIGNATURE % (sig, "unknown result type %r" % c))
        results.append(t)
    return pcodes, FuncType(tuple(params), tuple(results))


def host_function(params: "str", results: "str", fn: "Callable[..., Any]",
                  name: "str" = "") -> "HostFunction":
    """Wrap a Python callable taking and returning API values:
    fn(env, *args) with params/results as strings of letters (i I f F)."""
    ft = FuncType(tuple(VALTYPE_LETTER[c] for c in params),
                  tuple(VALTYPE_LETTER[c] for c in results))
    fn = _awaiting(fn)

    def host(env, *args):
        vals = [from_internal(t, a) for t, a in zip(ft.params, args)]
        r = _run(env, fn, vals, None, ft.results)
        if not ft.results:
            return None
        if len(ft.results) == 1:
            return to_internal(ft.results[0], r)
        return tuple(to_internal(t, v) for t, v in zip(ft.results, r))
    return HostFunction(ft, host, name)


def native_function(sym: "NativeSymbol", module: "str" = "") -> "HostFunction":
    """A HostFunction for a NativeSymbol with a WAMR signature string
    (imported from `module`, which names it in trap messages). Raises
    ValueError for a bad signature."""
    from wasmbed.app_addr import app_str_end
    pcodes, ft = parse_signature(sym.signature)
    params = ft.params
    results = ft.results
    fn = _awaiting(sym.fn)
    attachment = sym.attachment
    label = "%s.%s" % (module, sym.name) if module else sym.name
    n = len(pcodes)

    def host(env, *args):
        vals = []
        mem = env.memory
        i = 0
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
                end = app_str_end(mem, a)
                if end < 0:
                    raise Trap(E.TRAP_MEMORY_OOB)
                vals.append(bytes(mem.data[a:end]).decode("utf-8", "replace"))
            else:
                vals.append(from_internal(params[i], a))
            i += 1
        saved = env.attachment
        if attachment is None and saved is None:
            r = _run(env, fn, vals, label, results)
        else:
            env.attachment = attachment
            try:
                r = _run(env, fn, vals, label, results)
            finally:
                env.attachment = saved
        if not results:
            return None
        return to_internal(results[0], r)
    return HostFunction(ft, host, sym.name)


def _run(env, fn, vals, label, results):
    """fn(env, *vals) under WAMR's rules for natives (module docstring);
    a Suspend it returns raises Suspended (the call's `results` types
    convert the value it is resumed with)."""
    inst = getattr(env, "inst", None)
    try:
        r = fn(env, *vals)
    except MemoryError:
        raise
    except Exception as e:
        if inst is not None:
            inst._pending_exception = None
        if isinstance(e, WasmError) or label is None:
            raise
        if _RECURSION is not None:
            if isinstance(e, _RECURSION):
                raise
        elif (isinstance(e, RuntimeError) and e.args
              and str(e.args[0]).startswith("maximum recursion")):
            raise
        text = str(e)
        t = Trap(E.NATIVE_RAISED % (label or "function", type(e).__name__,
                                    ": " + text if text else ""))
        t.cause = e
        raise t
    if inst is not None:
        msg = inst._pending_exception
        if msg is not None:
            inst._pending_exception = None
            raise Trap(msg)
    if isinstance(r, Suspend):
        raise Suspended(r.value, r.reason, results)
    return r


def _awaiting(fn):
    """fn, or for an ``async def`` fn a function returning its coroutine
    as Suspend(coroutine, "await") (ExecEnv.call_async awaits it)."""
    code = getattr(fn, "__code__", None)
    if code is not None:
        is_async = getattr(code, "co_flags", 0) & 0x180   # CO_COROUTINE, CO_ITERABLE_COROUTINE
    else:   # MicroPython: an async def function is a generator function
        is_async = type(fn).__name__ == "generator"
    if not is_async:
        return fn

    def call(env, *args):
        return Suspend(fn(env, *args), "await")
    return call
