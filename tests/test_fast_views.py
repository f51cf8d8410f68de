"""Aligned memory accesses through typed views in the fast tier
(translate.view_of, fast_rt.mem_views): addresses provably aligned
(constants, x << k, products and sums of aligned values) index a
memoryview cast; the results, the bounds (trap exactly past the end, also
with an offset) and growth (a view of the grown buffer) must be those of
the struct accessors and of the interpreter. Expected values are computed
here."""

import struct

import pytest
import wasmtime

import wasmbed
from wasmbed import Trap
from wasmbed.core import fast_rt, translate

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF

WAT = r"""
(module
  (memory 1 3)
  (func (export "st32") (param $i i32) (param $v i32)
    local.get $i i32.const 2 i32.shl local.get $v i32.store)
  (func (export "ld32") (param $i i32) (result i32)
    local.get $i i32.const 2 i32.shl i32.load)
  (func (export "ld32_off") (param $i i32) (result i32)
    local.get $i i32.const 2 i32.shl i32.load offset=8)
  (func (export "ld32_k") (result i32) i32.const 64 i32.load)
  (func (export "ld32_end") (result i32) i32.const 65532 i32.load)
  (func (export "ld32_past") (result i32) i32.const 65536 i32.load)
  ;; i << 4 is 16-aligned; * 8 is 8-aligned; the sum keeps the lesser
  (func (export "st64") (param $i i32) (param $v i64)
    local.get $i i32.const 3 i32.shl local.get $v i64.store)
  (func (export "ld64") (param $i i32) (result i64)
    local.get $i i32.const 8 i32.mul i64.load)
  (func (export "ld64_sum") (param $i i32) (param $j i32) (result i64)
    local.get $i i32.const 4 i32.shl local.get $j i32.const 3 i32.shl i32.add i64.load)
  (func (export "stf64") (param $i i32) (param $v f64)
    local.get $i i32.const 3 i32.shl local.get $v f64.store)
  (func (export "ldf64") (param $i i32) (result f64)
    local.get $i i32.const 3 i32.shl f64.load)
  (func (export "ld8") (param $a i32) (result i32) local.get $a i32.load8_u)
  ;; wraps: (i << 2) is taken mod 2**32
  (func (export "ld32_wrap") (param $i i32) (result i32)
    local.get $i i32.const 2 i32.shl i32.load)
  ;; grow, then store and load past the old end in the same function
  (func (export "grow_store") (param $v i32) (result i32)
    i32.const 1 memory.grow drop
    i32.const 70000 local.get $v i32.store
    i32.const 70000 i32.load))
"""


@pytest.fixture(params=["fast", "interp"])
def inst(request):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=request.param))
    return rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)), stack_size=1 << 20)


def test_aligned_loads_and_stores(inst):
    inst.call("st32", 3, 0x89ABCDEF)
    assert inst.call("ld32", 3) & M32 == 0x89ABCDEF
    assert inst.call("ld32_off", 1) & M32 == 0x89ABCDEF      # 4 + 8 = 12
    # byte order: the wasm (little-endian) layout
    assert [inst.call("ld8", 12 + k) for k in range(4)] == [0xEF, 0xCD, 0xAB, 0x89]
    inst.call("st32", 16, 7)
    assert inst.call("ld32_k") == 7
    inst.call("st64", 5, 0x0123456789ABCDEF)
    assert inst.call("ld64", 5) & M64 == 0x0123456789ABCDEF
    assert inst.call("ld64_sum", 2, 1) & M64 == 0x0123456789ABCDEF   # 32 + 8
    assert inst.call("ld8", 40) == 0xEF
    inst.call("stf64", 9, -2.5)
    assert inst.call("ldf64", 9) == -2.5
    assert [inst.call("ld8", 72 + k) for k in range(8)] == list(struct.pack("<d", -2.5))


def test_bounds_are_exact(inst):
    assert inst.call("ld32_end") == 0
    with pytest.raises(Trap, match="out of bounds memory access"):
        inst.call("ld32_past")
    assert inst.call("ld32", 16383) == 0
    with pytest.raises(Trap, match="out of bounds memory access"):
        inst.call("ld32", 16384)
    with pytest.raises(Trap, match="out of bounds memory access"):
        inst.call("ld32_off", 16382)        # 65528 + 8 = 65536
    with pytest.raises(Trap, match="out of bounds memory access"):
        inst.call("st64", 8192, 1)
    # 0x40000001 << 2 wraps to 4
    inst.call("st32", 1, 99)
    assert inst.call("ld32_wrap", 0x40000001) == 99


def test_a_view_of_the_grown_memory(inst):
    with pytest.raises(Trap, match="out of bounds memory access"):
        inst.call("ld32", 70000 // 4)
    assert inst.call("grow_store", 1234) == 1234
    assert inst.call("ld32", 70000 // 4) == 1234
    assert inst.call("grow_store", 5) == 5          # grows again, 3 pages


def test_only_provably_aligned_accesses_use_views():
    if not fast_rt.HAS_VIEWS:
        pytest.skip("no memoryview casts on this host")
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    mod = rt.load(wasmtime.wat2wasm(WAT + "")).module
    names = {e.name: e.index for e in mod.exports}
    src = translate.function_source(mod, names["ld32"])[0]
    assert "V32[(l0 & 0x3FFFFFFF)]" in src
    src = translate.function_source(mod, names["ld32_off"])[0]
    assert "V32[(l0 & 0x3FFFFFFF) + 2]" in src
    assert "V32" not in translate.function_source(mod, names["ld8"])[0]
    # AOT text runs on MicroPython, which has no casts
    assert "V32" not in translate.module_source(mod)
