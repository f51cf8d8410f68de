"""The wasmtime-py object for a core extern (function, memory, table,
global), and the core extern behind a wasmtime-py object."""

from wasmbed.core.instance import WasmFunction, HostFunction
from wasmbed.core.memory import Memory as CoreMemory
from wasmbed.core.table import Table as CoreTable, Global as CoreGlobal


class Extern:
    """What Func, Memory, Table and Global share: ``_extern``, the core
    extern wrapped (``_core_extern()`` gives it back, ``_from_core(x)``
    wraps one), and ``type(store)``, its type as the class's ``TYPE``
    (for Memory and Table the declared type: its minimum is not the
    current size, as in wasmtime-py)."""

    TYPE = None    # the wasmtime type class (MemoryType, ...)

    @classmethod
    def _from_core(cls, x):
        obj = cls.__new__(cls)
        obj._extern = x
        return obj

    def _core_extern(self):
        return self._extern

    def type(self, store):
        return self.TYPE._from_core(self._extern.type)


def wrap(x):
    """Func / Memory / Table / Global for a core extern ``x``."""
    if isinstance(x, (WasmFunction, HostFunction)):
        from wasmbed.wasmtime.func import Func
        return Func._from_core(x)
    if isinstance(x, CoreMemory):
        from wasmbed.wasmtime.memory import Memory
        return Memory._from_core(x)
    if isinstance(x, CoreTable):
        from wasmbed.wasmtime.table import Table
        return Table._from_core(x)
    if isinstance(x, CoreGlobal):
        from wasmbed.wasmtime.globals import Global
        return Global._from_core(x)
    raise TypeError("not an extern: %r" % (x,))


def unwrap(item):
    """The core extern of a Func/Memory/Table/Global. Raises TypeError."""
    get = getattr(item, "_core_extern", None)
    if get is None:
        raise TypeError("expected a Func, Global, Memory, SharedMemory, Tag, or Table")
    return get()
