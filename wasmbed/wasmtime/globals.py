"""Global: a global variable (made by the host, or an export).

``value`` returns the Python value (a Val holding None for a null
reference, as wasmtime-py 50 does); ``set_value`` on an immutable global
raises WasmtimeError.
"""

from wasmbed.core.table import Global as CoreGlobal
from wasmbed.wasmtime.errors import WasmtimeError
from wasmbed.wasmtime.types import GlobalType
from wasmbed.wasmtime.extern import Extern
from wasmbed.wasmtime.value import Val, to_core, from_core


class Global(Extern):
    TYPE = GlobalType

    def __init__(self, store, ty, val):
        if not isinstance(ty, GlobalType):
            raise TypeError("expected a GlobalType")
        gt = ty._core()
        self._extern = CoreGlobal(gt, to_core(gt.valtype, val))

    def value(self, store):
        t = self._extern.type.valtype
        v = from_core(t, self._extern.value)
        if v is not None:
            return v
        return Val(t, v)

    def set_value(self, store, val):
        g = self._extern
        if not g.type.mutable:
            raise WasmtimeError("immutable global cannot be set")
        g.value = to_core(g.type.valtype, val)
