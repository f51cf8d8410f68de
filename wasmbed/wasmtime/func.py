"""Func (wasm and host functions) and Caller.

``Func(store, ty, fn, access_caller=False)`` makes a host function: ``fn``
gets Python values (see value.py) and returns None, one value, or a
sequence for several results; with ``access_caller=True`` its first
argument is a Caller, whose ``caller["memory"]`` / ``caller.get(name)``
look up exports of the calling instance (None / KeyError outside a call
from wasm, or once the call has returned). An exception raised by ``fn``
reaches whoever called into wasm, unchanged, as in wasmtime-py.

Calling: ``func(store, *args)`` returns None, one value, or a list.
Raises WasmtimeError for a wrong argument count, TypeError for a value
that does not convert, Trap, ExitTrap.
"""

from wasmbed.core.instance import HostFunction
from wasmbed.wasmtime.errors import WasmtimeError
from wasmbed.wasmtime.types import FuncType
from wasmbed.wasmtime.extern import Extern
from wasmbed.wasmtime.value import to_core, from_core
from wasmbed.wasmtime.store import Store, store_of


class Func(Extern):
    TYPE = FuncType

    def __init__(self, store, ty, func, access_caller=False):
        if not isinstance(store, Store):
            raise TypeError("expected a Store")
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
        self._extern = host_function(store, ty._core(), func, access_caller)

    def __call__(self, store, *params):
        st = store_of(store)
        ft = self._extern.type
        n = len(ft.params)
        if len(params) > n:
            raise WasmtimeError("too many parameters provided: given %s, expected %s"
                                % (len(params), n))
        if len(params) < n:
            raise WasmtimeError("too few parameters provided: given %s, expected %s"
                                % (len(params), n))
        vals = [to_core(t, v) for t, v in zip(ft.params, params)]
        res = st._call(self._extern, vals)
        out = [from_core(t, v) for t, v in zip(ft.results, res)]
        if not out:
            return None
        if len(out) == 1:
            return out[0]
        return out


class Caller:
    """What a host function made with ``access_caller=True`` gets first.
    It can stand in for the Store in calls made during the host call."""

    def __init__(self, store, instance):
        self._store = store
        self._instance = instance

    def __getitem__(self, name):
        ret = self.get(name)
        if ret is None:
            raise KeyError("failed to find export {}".format(name))
        return ret

    def get(self, name):
        if not isinstance(name, str):
            raise TypeError("expected a str")
        if self._instance is None:
            return None
        x = self._instance.exports.get(name)
        if x is None:
            return None
        from wasmbed.wasmtime.extern import wrap
        return wrap(x)

    def _invalidate(self):
        self._instance = None


def host_function(store, ft, fn, access_caller):
    """A core HostFunction of core type ``ft`` calling ``fn`` the way
    wasmtime-py calls host functions."""
    params = ft.params
    results = ft.results
    nres = len(results)

    def host(env, *args):
        pyargs = [from_core(t, a) for t, a in zip(params, args)]
        caller = None
        if access_caller:
            inst = getattr(env, "instance", None) if env is not None else None
            caller = Caller(store, inst)
            pyargs.insert(0, caller)
        try:
            r = fn(*pyargs)
        finally:
            if caller is not None:
                caller._invalidate()
        if nres == 0:
            if r is not None:
                raise WasmtimeError("callback produced results when it shouldn't")
            return None
        if nres == 1:
            return to_core(results[0], r)
        r = list(r)
        if len(r) != nres:
            raise WasmtimeError("callback produced wrong number of results")
        return tuple(to_core(t, v) for t, v in zip(results, r))
    host._compat = True
    return HostFunction(ft, host, getattr(fn, "__name__", ""))
