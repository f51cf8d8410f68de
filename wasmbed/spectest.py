"""The `spectest` host module that the WebAssembly spec scripts import.

Exports the print functions (which print nothing unless asked), the
globals global_i32/i64/f32/f64 = 666 / 666.6, a funcref table of 10..20
elements and a memory of 1..2 pages, as the reference interpreter does.
"""

from wasmbed.core import numeric as N
from wasmbed.core.instance import HostFunction
from wasmbed.core.memory import Memory
from wasmbed.core.table import Table, Global
from wasmbed.core.module import (FuncType, Limits, TableType, MemoryType,
                                 GlobalType, I32, I64, F32, F64, FUNCREF)


def _print(env, *args):
    return None


def spectest_exports(store):
    """-> {name: extern} for a fresh spectest instance on `store`."""
    ex = {}
    for name, params in (("print", ()), ("print_i32", (I32,)),
                         ("print_i64", (I64,)), ("print_f32", (F32,)),
                         ("print_f64", (F64,)), ("print_i32_f32", (I32, F32)),
                         ("print_f64_f64", (F64, F64))):
        ex[name] = HostFunction(FuncType(params, ()), _print, name)
    f32_bits = 0x4426A666               # 666.6 rounded to f32 / f64, as bits
    ex["global_i32"] = Global(GlobalType(I32, False), 666)
    ex["global_i64"] = Global(GlobalType(I64, False), 666)
    ex["global_f32"] = Global(GlobalType(F32, False), f32_bits)
    ex["global_f64"] = Global(GlobalType(F64, False), N.bits_to_f64(0x4084D4CCCCCCCCCD))
    ex["table"] = Table(TableType(FUNCREF, Limits(10, 20)), store.table_backing)
    ex["memory"] = Memory(MemoryType(Limits(1, 2)), store.mem_backing)
    ex["shared_memory"] = Memory(MemoryType(Limits(1, 2, True)), store.mem_backing)
    return ex
