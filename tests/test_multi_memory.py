"""Multiple memories (WebAssembly 3.0) where the spec scripts do not look:
pool mode, store limits, the embedding APIs and AOT, on both tiers.

Expected values come from the spec's rules (a store to memory 1 leaves
memory 0 as it was, a grow past a limit gives -1) or from wasmtime, which
runs the same modules."""

import pytest
import wasmtime

import wasmbed
from aot_load import load_untranslated
import wasmbed.wasmtime as wt

PAGE = 65536

TWO_MEMORIES = """
(module
  (memory $a (export "memory") 1)
  (memory $b (export "mem2") 1 4)
  (func (export "store8") (param $m i32) (param $addr i32) (param $v i32)
    (if (local.get $m)
      (then (i32.store8 $b (local.get $addr) (local.get $v)))
      (else (i32.store8 $a (local.get $addr) (local.get $v)))))
  (func (export "load8") (param $m i32) (param $addr i32) (result i32)
    (if (result i32) (local.get $m)
      (then (i32.load8_u $b (local.get $addr)))
      (else (i32.load8_u $a (local.get $addr)))))
  (func (export "load32_b") (param i32) (result i32)
    (i32.load $b offset=1 (local.get 0)))
  (func (export "grow_b") (param i32) (result i32)
    (memory.grow $b (local.get 0)))
  (func (export "size_b") (result i32) (memory.size $b))
  (func (export "size_a") (result i32) (memory.size $a))
  (func (export "copy_a_to_b") (param $d i32) (param $s i32) (param $n i32)
    (memory.copy $b $a (local.get $d) (local.get $s) (local.get $n)))
  (func (export "fill_b") (param $d i32) (param $v i32) (param $n i32)
    (memory.fill $b (local.get $d) (local.get $v) (local.get $n)))
  (data (memory $b) (i32.const 8) "\\01\\02\\03\\04\\05")
  (data (memory $a) (i32.const 0) "hello")
)
"""


def wasm():
    return wasmtime.wat2wasm(TWO_MEMORIES)


def oracle():
    """The module on wasmtime: (store, instance)."""
    cfg = wasmtime.Config()
    cfg.wasm_multi_memory = True
    store = wasmtime.Store(wasmtime.Engine(cfg))
    return store, wasmtime.Instance(store, wasmtime.Module(store.engine, wasm()), [])


def pool_runtime(size, mode, **limits):
    return wasmbed.Runtime(wasmbed.RuntimeConfig(
        mem_alloc_type="pool", mode=mode, heap_buf=bytearray(size), **limits))


def test_stores_and_copies_go_to_the_memory_named(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasm()), stack_size=64 * 1024)
    store, ref = oracle()
    calls = [("store8", 1, 100, 0xAB), ("copy_a_to_b", 20, 0, 5),
             ("fill_b", 30, 7, 3), ("store8", 0, 100, 0x11)]
    for name, *args in calls:
        inst.call(name, *args)
        ref.exports(store)[name](store, *args)
    for m in (0, 1):
        for addr in (0, 4, 8, 12, 20, 24, 30, 33, 100):
            assert inst.call("load8", m, addr) == ref.exports(store)["load8"](store, m, addr)
    assert inst.call("load32_b", 8) == ref.exports(store)["load32_b"](store, 8)
    with pytest.raises(wasmbed.Trap, match="out of bounds memory access"):
        inst.call("load32_b", PAGE - 4)


def test_pool_mode_allocates_both_memories_from_the_pool(mode):
    rt = pool_runtime(1 << 20, mode)
    free = rt.mem_alloc_info()["total_free_size"]
    mod = rt.load(wasm())
    inst = rt.instantiate(mod, stack_size=16 * 1024)
    used = free - rt.mem_alloc_info()["total_free_size"]
    assert used >= 2 * PAGE + 16 * 1024
    before = rt.mem_alloc_info()["total_free_size"]
    assert inst.call("grow_b", 2) == 1
    assert before - rt.mem_alloc_info()["total_free_size"] >= 2 * PAGE
    assert inst.call("size_b") == 3 and inst.call("size_a") == 1
    inst.deinstantiate()
    mod.unload()
    assert rt.mem_alloc_info()["total_free_size"] == free


def test_second_memory_grow_gives_minus_one_when_the_pool_is_full(mode):
    rt = pool_runtime(3 * PAGE + 96 * 1024, mode)
    inst = rt.instantiate(rt.load(wasm()), stack_size=8 * 1024)
    assert inst.call("grow_b", 3) == -1
    assert inst.call("size_b") == 1
    inst.call("store8", 1, 5, 9)       # the runtime goes on
    assert inst.call("load8", 1, 5) == 9


def test_store_limit_applies_to_the_second_memory(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode, max_memory_size=2 * PAGE))
    inst = rt.instantiate(rt.load(wasm()), stack_size=64 * 1024)
    assert inst.call("grow_b", 2) == -1     # 3 pages > max_memory_size
    assert inst.call("grow_b", 1) == 1
    assert inst.call("size_b") == 2
    assert inst.call("grow_b", 1) == -1


def test_max_memories_counts_every_memory_of_an_instance(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode, max_memories=1))
    mod = rt.load(wasm())
    with pytest.raises(wasmbed.InstantiationError, match="memor"):
        rt.instantiate(mod, stack_size=64 * 1024)
    rt.set_limits(max_memories=2)
    inst = rt.instantiate(mod, stack_size=64 * 1024)   # the failed one gave its count back
    assert inst.call("size_b") == 1


def test_embedding_api_exports_the_second_memory(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasm()), stack_size=64 * 1024)
    m2 = inst.lookup_memory("mem2")
    assert m2 is not None and m2 is not inst.lookup_memory("memory")
    assert bytes(m2.data[8:13]) == b"\x01\x02\x03\x04\x05"
    m2.data[40] = 77
    assert inst.call("load8", 1, 40) == 77 and inst.call("load8", 0, 40) == 0
    assert inst.memory() is inst.lookup_memory("memory")   # "memory" stays memory 0
    assert inst.lookup_memory("store8") is None
    types = dict((t.name, t) for t in inst.module.export_types() if t.kind == "memory")
    assert (types["mem2"].min, types["mem2"].max, types["mem2"].is64) == (1, 4, False)


def test_wasmtime_layer_exports_the_second_memory(mode):
    cfg = wt.Config()
    cfg.wasmbed_mode = mode
    engine = wt.Engine(cfg)
    assert engine.mode == mode
    store = wt.Store(engine)
    inst = wt.Instance(store, wt.Module(engine, wasm()), [])
    mem2 = inst.exports(store)["mem2"]
    assert isinstance(mem2, wt.Memory)
    assert mem2.size(store) == 1
    assert mem2.read(store, 8, 13) == bytearray(b"\x01\x02\x03\x04\x05")
    mem2.write(store, b"\x2a", 50)
    assert inst.exports(store)["load8"](store, 1, 50) == 42
    assert mem2.grow(store, 1) == 1
    assert inst.exports(store)["size_b"](store) == 2


def test_memory64_import_made_by_the_host(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    m64 = rt.create_memory(1, 2, is64=True)
    src = wasmtime.wat2wasm("""
      (module (import "env" "m" (memory i64 1))
        (func (export "size") (result i64) (memory.size))
        (func (export "store") (param i64 i32) (i32.store8 (local.get 0) (local.get 1))))""")
    mod = rt.load(src)
    assert [t.is64 for t in mod.import_types()] == [True]
    inst = rt.instantiate(mod, stack_size=64 * 1024, imports={"env": {"m": m64}})
    assert inst.call("size") == 1
    inst.call("store", 7, 5)
    assert m64.data[7] == 5
    with pytest.raises(wasmbed.Trap, match="out of bounds memory access"):
        inst.call("store", -1, 5)       # 2^64-1: far past the end, no wrap
    with pytest.raises(wasmbed.LinkError, match="incompatible import type"):
        rt.instantiate(rt.load(src), stack_size=64 * 1024,
                       imports={"env": {"m": rt.create_memory(1, 2)}})


def test_aot_module_with_two_memories_runs_without_translating(tmp_path, monkeypatch):
    rt, mod = load_untranslated(wasm(), tmp_path, monkeypatch, "two_mem_aot")
    inst = rt.instantiate(mod, stack_size=64 * 1024)
    inst.call("copy_a_to_b", 0, 0, 5)
    assert [inst.call("load8", 1, i) for i in range(5)] == list(b"hello")
    assert inst.call("grow_b", 1) == 1 and inst.call("size_b") == 2
