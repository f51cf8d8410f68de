"""Where linear memory bytes live: system mode on a port with virtual
memory reserves address space up to the maximum, so memory.grow does not
copy; without a maximum a fixed reservation is taken."""
import wasmtime

import wasmbed
from wasmbed.core.memory import VMBacking, UNBOUNDED_RESERVATION

WAT = """(module (memory (export "memory") 1 %s)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u))"""


def instance(max_pages=""):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system"))
    return rt, rt.instantiate(rt.load(wasmtime.wat2wasm(WAT % max_pages)))


def test_system_mode_uses_platform_virtual_memory():
    rt, inst = instance("64")
    assert isinstance(rt.store.mem_backing, VMBacking)
    mem = inst.memory()
    assert mem.handle.reserved >= 64 * 65536


def test_grow_within_the_reservation_keeps_the_mapping_and_the_bytes():
    _, inst = instance("64")
    mem = inst.memory()
    mapping = mem.handle.handle
    inst.call("poke", 65535, 77)
    assert inst.call("grow", 40) == 1
    assert mem.handle.handle is mapping          # same mapping: no copy
    assert len(mem.data) == 41 * 65536
    assert inst.call("peek", 65535) == 77
    assert inst.call("peek", 41 * 65536 - 1) == 0


def test_unbounded_memory_reserves_a_fixed_window_and_can_grow_past_it():
    _, inst = instance()
    mem = inst.memory()
    assert mem.handle.reserved >= UNBOUNDED_RESERVATION
    inst.call("poke", 3, 5)
    pages = UNBOUNDED_RESERVATION // 65536
    assert inst.call("grow", pages) == 1         # beyond the window: moves
    assert inst.call("peek", 3) == 5
