"""The call stack budget (core/call_stack.py): every wasm frame charges
frame_cost(params + locals + the operand stack's greatest height) bytes of
the exec env's stack_size, in both tiers, so a recursion traps "call stack
exhausted" at the same depth in the interpreter and the fast tier.

The expected depths are counted from the functions' text: their slots
are written out by hand beside each function.
"""

import pytest
import wasmtime

import wasmbed
from wasmbed import Trap
from wasmbed.core.call_stack import frame_cost

# $r: 1 param, no local; the operand stack's highest point is the else
# arm's (i32.const 1) (local.get 0) (i32.const 1): 3 -> 4 slots.
# $deep: 2 params, 3 locals; its highest point is seven values (five
# constants, then the call's local.get 0 and i32.const 1): 12 slots.
# $even/$odd: 1 param each, highest point 2 (local.get 0, i32.const 1) -> 3.
WAT = """
(module
  (global $d (mut i32) (i32.const 0))
  (func (export "depth") (result i32) (global.get $d))
  (func $count (global.set $d (i32.add (global.get $d) (i32.const 1))))
  (func $r (export "r") (param i32) (result i32)
    (call $count)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $r (i32.sub (local.get 0) (i32.const 1)))))))
  (func $deep (export "deep") (param i32 i64) (result i32)
    (local i32 f64 i64)
    (call $count)
    (i32.add (i32.const 1) (i32.add (i32.const 2) (i32.add (i32.const 3)
      (i32.add (i32.const 4) (i32.add (i32.const 5)
        (call $deep (i32.sub (local.get 0) (i32.const 1)) (local.get 1))))))))
  (func $even (export "even") (param i32) (result i32)
    (call $count)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1))
      (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $odd (param i32) (result i32)
    (call $count)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (call $even (i32.sub (local.get 0) (i32.const 1))))))
)
"""

SLOTS = {"r": 4, "deep": 12, "even": 3}


def depth_at_trap(mode, func, stack_size):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)), stack_size=stack_size)
    with pytest.raises(Trap, match="call stack exhausted"):
        inst.call(func, *([10 ** 6] if func != "deep" else [10 ** 6, 0]))
    return inst.call("depth")


@pytest.mark.parametrize("func", sorted(SLOTS))
@pytest.mark.parametrize("stack_size", [1000, 4096, 50000])
def test_a_recursion_traps_after_stack_size_over_its_frame_cost(mode, func,
                                                                 stack_size):
    # level n counts itself in $count (a frame of no slot) on top of n
    # frames: it counts while n * cost + frame_cost(0) stays below
    # stack_size
    want = (stack_size - frame_cost(0) - 1) // frame_cost(SLOTS[func])
    assert depth_at_trap(mode, func, stack_size) == want


@pytest.mark.parametrize("func", sorted(SLOTS))
def test_both_tiers_trap_at_the_same_depth(func):
    for stack_size in (700, 3000, 20000):
        assert (depth_at_trap("interp", func, stack_size)
                == depth_at_trap("fast", func, stack_size))
