"""The runtime in pool mode: every guest-controlled allocation comes from
the one fixed heap buffer, exhaustion is a clean error, and instances
sharing a pool never see each other's bytes."""

import gc
import tracemalloc

import pytest
import wasmtime

import wasmbed
from wasmbed import PoolExhausted, Trap

MEMORY_WAT = """
(module
  (memory (export "memory") %s)
  (table (export "table") 1 funcref)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size)
  (func (export "tgrow") (param i32) (result i32) ref.null func local.get 0 table.grow 0)
  (func (export "load8") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "store8") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "fill") (param i32)
    i32.const 0 local.get 0 memory.size i32.const 16 i32.shl memory.fill)
)
"""


def wasm(limits="1"):
    return wasmtime.wat2wasm(MEMORY_WAT % limits)


def pool_runtime(size, mode):
    return wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="pool", mode=mode,
                                                 heap_buf=bytearray(size)))


def test_nothing_loaded_means_everything_free(mode):
    rt = pool_runtime(1 << 20, mode)
    info = rt.mem_alloc_info()
    assert info["total_size"] == 1 << 20
    start_free = info["total_free_size"]
    mod = rt.load(wasm())
    inst = rt.instantiate(mod, stack_size=16 * 1024)
    used = start_free - rt.mem_alloc_info()["total_free_size"]
    assert used >= 65536 + 16 * 1024  # one page of memory and the stack
    inst.call("grow", 2)
    inst.deinstantiate()
    mod.unload()
    assert rt.mem_alloc_info()["total_free_size"] == start_free
    assert rt.mem_alloc_info()["highmark_size"] >= used


def test_memory_grow_returns_minus_one_when_pool_is_full_and_runtime_survives(mode):
    rt = pool_runtime(400 * 1024, mode)
    inst = rt.instantiate(rt.load(wasm()), stack_size=8 * 1024)
    results = [inst.call("grow", 1) for _ in range(10)]
    assert -1 in results
    grown = results.index(-1)
    assert results[:grown] == list(range(1, grown + 1))
    assert inst.call("size") == grown + 1
    # the memory is intact and still usable after the failed grow
    inst.call("store8", (grown + 1) * 65536 - 1, 7)
    assert inst.call("load8", (grown + 1) * 65536 - 1) == 7
    with pytest.raises(Trap, match="out of bounds memory access"):
        inst.call("load8", (grown + 1) * 65536)


def test_table_grow_is_charged_to_the_pool(mode):
    rt = pool_runtime(256 * 1024, mode)
    inst = rt.instantiate(rt.load(wasm()), stack_size=8 * 1024)
    assert inst.call("tgrow", 1000000) == -1
    assert inst.call("tgrow", 10) == 1


def test_instantiate_exhaustion_is_clean_and_returns_every_byte(mode):
    rt = pool_runtime(200 * 1024, mode)
    free0 = rt.mem_alloc_info()["total_free_size"]
    mod = rt.load(wasm("4"))  # 4 pages do not fit
    with pytest.raises(PoolExhausted, match="allocate memory failed"):
        rt.instantiate(mod, stack_size=8 * 1024)
    mod.unload()
    assert rt.mem_alloc_info()["total_free_size"] == free0
    # still usable
    mod = rt.load(wasm("1"))
    inst = rt.instantiate(mod, stack_size=8 * 1024)
    assert inst.call("size") == 1


def test_load_exhaustion(mode):
    # the decoded form is charged too (core/host_charge.py): a 64 KiB pool
    # holds a small module, not one of 400 functions
    rt = pool_runtime(64 * 1024, mode)
    free0 = rt.mem_alloc_info()["total_free_size"]
    data = _big_module()
    assert len(data) > 4096
    with pytest.raises(PoolExhausted):
        rt.load(data)
    assert rt.mem_alloc_info()["total_free_size"] == free0
    small = rt.load(wasm())                 # a small module still loads
    assert "size" in [e.name for e in small.export_types()]


def _big_module():
    body = "".join("(func (export \"f%d\") (result i32) i32.const %d)" % (i, i)
                   for i in range(400))
    return wasmtime.wat2wasm("(module %s)" % body)


def test_instances_sharing_a_pool_are_isolated_at_the_exact_boundary(mode):
    rt = pool_runtime(1 << 20, mode)
    a = rt.instantiate(rt.load(wasm()), stack_size=8 * 1024)
    b = rt.instantiate(rt.load(wasm()), stack_size=8 * 1024)
    a.call("store8", 0, 0xAA)
    b.call("fill", 0x55)
    # the last byte is reachable, the next one traps: neither instance can
    # step into a neighbouring block of the pool
    for inst in (a, b):
        inst.call("store8", 65535, 1)
        assert inst.call("load8", 65535) == 1
        for addr in (65536, 65537, 0xFFFFFFFF, -1):
            with pytest.raises(Trap, match="out of bounds memory access"):
                inst.call("load8", addr)
            with pytest.raises(Trap, match="out of bounds memory access"):
                inst.call("store8", addr, 9)
    assert a.call("load8", 0) == 0xAA
    assert b.call("load8", 0) == 0x55
    assert a.call("load8", 1) == 0


def test_growing_guest_memory_does_not_grow_the_python_heap(mode):
    rt = pool_runtime(40 << 20, mode)
    inst = rt.instantiate(rt.load(wasm()), stack_size=8 * 1024)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(300):
        assert inst.call("grow", 1) != -1
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert inst.call("size") == 301
    # 300 pages are 19 MiB; the Python heap may only see bookkeeping
    assert after - before < 256 * 1024


def test_system_mode_needs_no_pool(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode=mode))
    inst = rt.instantiate(rt.load(wasm()))
    assert inst.call("grow", 3) == 1
    assert rt.mem_alloc_info()["total_size"] == 0
