"""Table: a table of references (made by the host, or an export).

``get`` returns None for an index out of bounds, the Func or object for
a non-null element, and (as wasmtime-py 50 does) a Val holding None for a
null one; ``set`` out of bounds and a failing ``grow`` raise
WasmtimeError.
"""

import wasmbed
from wasmbed.wasmtime.errors import WasmtimeError, translate
from wasmbed.wasmtime.types import TableType
from wasmbed.wasmtime.extern import Extern
from wasmbed.wasmtime.value import Val, to_core, from_core
from wasmbed.wasmtime.store import store_of


class Table(Extern):
    TYPE = TableType

    def __init__(self, store, ty, init):
        if not isinstance(ty, TableType):
            raise TypeError("expected a TableType")
        tt = ty._core()
        init_v = to_core(tt.elem, init)
        try:
            self._extern = store_of(store)._rt.create_table(
                tt.elem, tt.limits.min, tt.limits.max, init_v)
        except wasmbed.WasmError as e:
            raise translate(e)

    def size(self, store):
        return len(self._extern.elems)

    def grow(self, store, amt, init):
        init_v = to_core(self._extern.elem_type, init)
        old = self._extern.grow(amt, init_v)
        if old < 0:
            raise WasmtimeError("failed to grow table by `%d`" % amt)
        return old

    def get(self, store, idx):
        elems = self._extern.elems
        if not 0 <= idx < len(elems):
            return None
        kind = self._extern.elem_type
        v = from_core(kind, elems[idx])
        if v:
            return v
        return Val(kind, v)

    def set(self, store, idx, val):
        v = to_core(self._extern.elem_type, val)
        elems = self._extern.elems
        if not 0 <= idx < len(elems):
            raise WasmtimeError("wasm trap: undefined element: out of bounds table access")
        elems[idx] = v
