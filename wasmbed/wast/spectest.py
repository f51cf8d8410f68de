"""The `spectest` host module that the WebAssembly spec scripts import.

Exports the print functions (which print nothing unless asked), the
globals global_i32/i64/f32/f64 = 666 / 666.6, a funcref table of 10..20
elements (and a table64 one, "table64") and a memory of 1..2 pages, as the reference interpreter does.
``spectest_export(store, name)`` makes one of them (None for an unknown
name), so a runner short of RAM builds the 64 KiB memories only for the
modules that import them; ``spectest_exports(store)`` makes them all.
"""

from wasmbed.core.instance import HostFunction
from wasmbed.core.memory import Memory
from wasmbed.core.table import Table, Global
from wasmbed.core.module import (FuncType, Limits, TableType, MemoryType,
                                 GlobalType, I32, I64, F32, F64, FUNCREF)

_PRINTS = (("print", ()), ("print_i32", (I32,)), ("print_i64", (I64,)),
           ("print_f32", (F32,)), ("print_f64", (F64,)),
           ("print_i32_f32", (I32, F32)), ("print_f64_f64", (F64, F64)))
NAMES = tuple(n for n, _p in _PRINTS) + (
    "global_i32", "global_i64", "global_f32", "global_f64", "table",
    "table64", "memory", "shared_memory")


def _print(env, *args):
    return None


def spectest_export(store, name):
    """-> a fresh spectest extern ``name`` on ``store``, or None."""
    for pname, params in _PRINTS:
        if pname == name:
            return HostFunction(FuncType(params, ()), _print, name)
    if name == "global_i32":
        return Global(GlobalType(I32, False), 666)
    if name == "global_i64":
        return Global(GlobalType(I64, False), 666)
    if name == "global_f32":
        return Global(GlobalType(F32, False), 0x4426A666)   # 666.6
    if name == "global_f64":
        from wasmbed.core.numeric import bits_to_f64
        return Global(GlobalType(F64, False), bits_to_f64(0x4084D4CCCCCCCCCD))  # 666.6
    if name == "table":
        return Table(TableType(FUNCREF, Limits(10, 20)), store.table_backing)
    if name == "table64":
        return Table(TableType(FUNCREF, Limits(10, 20, False, True)),
                     store.table_backing)
    if name == "memory":
        return Memory(MemoryType(Limits(1, 2)), store.mem_backing)
    if name == "shared_memory":
        return Memory(MemoryType(Limits(1, 2, True)), store.mem_backing)
    return None


def spectest_exports(store):
    """-> {name: extern} for a fresh spectest instance on `store`."""
    return dict((name, spectest_export(store, name)) for name in NAMES)
