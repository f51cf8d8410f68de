"""Small leaves inlined at their direct calls (fast tier, JIT:
translate._inline_leaves) and the value bounds that drop masks: the
results are wasmtime's, a leaf's locals start at zero on every call, a
trap for the call stack comes at the same call as in the interpreter,
terminate reaches a leaf's loop.
"""

import re
import threading

import pytest
import wasmtime

import wasmbed
from wasmbed import Trap
from wasmbed.core import fast_rt, translate

WAT = r"""
(module
  (memory 1 3)
  (global $n (mut i32) (i32.const 0))
  ;; its local must be 0 on every call: returns its param
  (func $acc (export "acc") (param i32) (result i32) (local i32)
    local.get 1 local.get 0 i32.add local.tee 1)
  ;; a loop inside: 0 + 1 + ... + (n - 1)
  (func $sum (param i32) (result i32) (local i32 i32)
    block
      loop
        local.get 1 local.get 0 i32.ge_u br_if 1
        local.get 2 local.get 1 i32.add local.set 2
        local.get 1 i32.const 1 i32.add local.set 1
        br 0
      end
    end
    local.get 2)
  (func $grow (result i32) i32.const 1 memory.grow)
  ;; an address that wraps at 2**32 (bit 31 shifted out) and one that cannot
  (func $wrap (param i32) (result i32)
    local.get 0 i32.const 0x7FFFFFFF i32.and i32.const 2 i32.shl)
  (func $nowrap (param i32) (result i32)
    local.get 0 i32.const 0x3FFF i32.and i32.const 2 i32.shl)
  (func $bump (param $p i32) (param $v i32) (result i32)
    local.get $p
    local.get $p i32.load local.get $v i32.add
    i32.store
    local.get $p i32.load
    return)
  ;; a return leaves a value below its result (not inlined)
  (func $extra (param i32) (result i32)
    local.get 0 i32.const 3 local.get 0 i32.add return)
  (func $pick (param i32 i32) (result i32)
    block (result i32)
      local.get 0
      local.get 1 i32.eqz br_if 0
      drop local.get 1
    end)
  (func (export "run") (param i32) (result i32) (local i32 i32)
    loop $l
      local.get 2
      local.get 0 call $acc i32.add
      local.get 0 i32.const 20 i32.rem_u call $sum i32.add
      local.get 0 call $wrap i32.add
      local.get 0 call $nowrap i32.load i32.add
      local.get 0 i32.const 63 i32.and i32.const 2 i32.shl local.get 0 call $bump i32.add
      local.get 0 local.get 0 i32.const 3 i32.and call $pick i32.add
      local.get 0 call $extra i32.add
      local.set 2
      local.get 1 i32.const 1 i32.add local.tee 1 i32.const 5 i32.lt_u br_if $l
    end
    local.get 2)
  (func (export "grow_then_store") (param i32) (result i32)
    call $grow drop
    i32.const 70000 local.get 0 i32.store
    i32.const 70000 i32.load)
  ;; a leaf with a loop that never ends
  (func $spin (local i32)
    loop local.get 0 i32.const 1 i32.add local.set 0 br 0 end)
  (func (export "spin") call $spin)
  ;; call-stack depth: $fat's frame is larger than its caller's
  (func $fat (param i32) (result i32) (local i64 i64 i64 i64 i64 i64 i64 i64)
    global.get $n i32.const 1000 i32.add global.set $n
    local.get 0)
  (func $deep (export "deep") (param i32) (result i32)
    global.get $n i32.const 1 i32.add global.set $n
    local.get 0 call $fat drop
    local.get 0 i32.const 1 i32.sub call $deep)
  (func (export "count") (result i32) global.get $n)
)
"""


def _wasmtime(name, *args):
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, wasmtime.wat2wasm(WAT)), [])
    return inst.exports(store)[name](store, *args)


@pytest.fixture
def inst(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    return rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)))


@pytest.mark.parametrize("x", [0, 1, 7, 100, 0x40000001, 0xC0000003, 0xFFFFFFFF])
def test_inlined_leaves_compute_what_wasmtime_computes(inst, x):
    # (five rounds, each calling every leaf with x)
    want = _wasmtime("run", x - (1 << 32) if x >= 1 << 31 else x) & 0xFFFFFFFF
    assert inst.call("run", x) & 0xFFFFFFFF == want
    # the exported leaf through its own entry
    assert inst.call("acc", 5) == 5 and inst.call("acc", 6) == 6


def test_memory_grown_by_an_inlined_leaf_is_seen_after_it(inst):
    assert inst.call("grow_then_store", 1234) == 1234


def test_terminate_reaches_an_inlined_leafs_loop(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)))
    threading.Timer(0.2, rt.terminate).start()
    with pytest.raises(wasmbed.Terminated):
        inst.call("spin")


@pytest.mark.parametrize("stack_size", [700, 3000, 20000])
def test_a_call_stack_trap_comes_at_the_same_call_as_in_the_interpreter(stack_size):
    got = []
    for mode in ("interp", "fast"):
        rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
        inst = rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)), stack_size=stack_size)
        with pytest.raises(Trap, match="call stack exhausted"):
            inst.call("deep", 10 ** 6)
        got.append(inst.call("count"))
    # the counts tell whether the last frame trapped at $fat's call
    # (count % 1000 == count // 1000 + 1) or at its own entry
    assert got[0] == got[1]


def _source(name):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    mod = rt.load(wasmtime.wat2wasm(WAT)).module
    names = {e.name: e.index for e in mod.exports}
    return mod, translate.function_source(mod, names[name])[0]


def test_leaves_are_inlined_in_the_jit_only():
    if not fast_rt.HAS_VIEWS:
        pytest.skip("inlining is for hosts with typed views (CPython)")
    mod, src = _source("run")
    assert "F0(" not in src and "F7(" not in src    # $acc, $pick
    assert "trap_stack()" in src.split("while True:", 1)[1]
    # $nowrap's address is bounded: a typed view, its index unmasked
    assert re.search(r"V32\[\(l\d+ & 16383\)\]", src)
    # the AOT text (boards) calls them
    assert "FN[0](" in translate.module_source(mod)
