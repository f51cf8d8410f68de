"""A hostile guest gets a clean error, never a host exception or an
unbounded host allocation: huge tables and memories, deep nesting, many
locals, runaway recursion, and exhaustion inside a pool."""
import time

import pytest
import wasmtime

import wasmbed
from wasmbed import PoolExhausted, Trap


def system_runtime():
    return wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system"))


def instance(wat, rt=None):
    rt = rt or system_runtime()
    return rt.instantiate(rt.load(wasmtime.wat2wasm(wat)), stack_size=256 * 1024)


def test_a_table_of_four_billion_elements_is_refused_at_instantiation():
    rt = system_runtime()
    mod = rt.load(wasmtime.wat2wasm("(module (table 4294967295 funcref))"))
    t = time.monotonic()
    with pytest.raises(wasmbed.InstantiationError, match="max_table_elements"):
        rt.instantiate(mod)
    assert time.monotonic() - t < 1


def test_table_grow_by_billions_fails_with_minus_one_at_once():
    inst = instance("""(module (table 0 funcref)
      (func (export "g") (param i32) (result i32) ref.null func local.get 0 table.grow 0))""")
    t = time.monotonic()
    assert inst.call("g", -16) == -1
    assert inst.call("g", 3) == 0
    assert time.monotonic() - t < 1


def test_memory_grow_past_the_pool_is_minus_one_not_memory_error():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="pool", heap_size=4 << 20))
    inst = instance("""(module (memory 1)
      (func (export "g") (param i32) (result i32) local.get 0 memory.grow))""", rt)
    assert inst.call("g", 65535) == -1
    assert inst.call("g", 1000) == -1
    assert inst.call("g", 1) == 1


def test_deeply_nested_blocks_validate_and_run_without_host_recursion():
    depth = 5000
    body = "(block " * depth + "i32.const 7 drop" + ")" * depth
    inst = instance('(module (func (export "f") (result i32) %s i32.const 1))' % body)
    assert inst.call("f") == 1


def test_many_locals_and_a_huge_br_table():
    labels = " ".join(["0"] * 100000)
    inst = instance("""(module (func (export "f") (param i32) (result i32)
      (local %s)
      block local.get 0 br_table %s end
      i32.const 5))""" % (" ".join(["i64"] * 20000), labels))
    assert inst.call("f", 123456) == 5


def test_runaway_recursion_is_a_trap():
    inst = instance('(module (func $f (export "f") call $f))')
    with pytest.raises(Trap, match="call stack exhausted"):
        inst.call("f")


def test_mutual_recursion_through_call_indirect_is_a_trap():
    inst = instance("""(module (type $t (func)) (table funcref (elem $a $b))
      (func $a (export "a") i32.const 1 call_indirect (type $t))
      (func $b i32.const 0 call_indirect (type $t)))""")
    with pytest.raises(Trap, match="call stack exhausted"):
        inst.call("a")


def test_exhausting_the_pool_while_instantiating_many_instances_is_clean():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="pool", heap_size=2 << 20))
    free0 = rt.mem_alloc_info()["total_free_size"]
    mod = rt.load(wasmtime.wat2wasm("(module (memory 4) (table 1000 funcref))"))
    made = []
    with pytest.raises(PoolExhausted):
        for _ in range(100):
            made.append(rt.instantiate(mod, stack_size=4096))
    assert made  # some fitted
    for inst in made:
        inst.deinstantiate()
    mod.unload()
    assert rt.mem_alloc_info()["total_free_size"] == free0
    fresh = rt.load(wasmtime.wat2wasm("(module (memory 1))"))
    assert rt.instantiate(fresh, stack_size=4096) is not None
