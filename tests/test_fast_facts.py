"""Range facts in the fast tier (translate.py): a mask is left off an add
or sub only where a dominating compare proves the result in range. Each
case is a place where the fact must NOT hold (a merge, an assignment, the
other arm, a loop's back edge); both tiers must wrap there. Expected
values are computed here in Python."""

import pytest
import wasmtime

import wasmbed
from wasmbed.core import translate

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF

WAT = r"""
(module
  ;; the fact x >= 2 holds in the else arm only, not after the merge
  (func (export "after_merge") (param $x i32) (result i32)
    local.get $x i32.const 2 i32.lt_u
    if else local.get $x i32.const 1 i32.sub drop end
    local.get $x i32.const 1 i32.sub)
  ;; x != 0 below the br_if, until x is assigned
  (func (export "after_set") (param $x i32) (result i32)
    block
      local.get $x i32.eqz br_if 0
      local.get $x i32.const 1 i32.sub local.set $x
      local.get $x i32.const 1 i32.sub local.set $x
    end
    local.get $x)
  ;; then arm: x == 0, so x - 1 wraps; else arm: x != 0
  (func (export "arms") (param $x i32) (result i32)
    local.get $x i32.eqz
    if (result i32)
      local.get $x i32.const 1 i32.sub
    else
      local.get $x i32.const 1 i32.sub
    end)
  ;; i < n on entry to the loop body, but the body changes i
  (func (export "loop_body") (param $i i32) (param $n i32) (result i32)
    block
      loop
        local.get $i local.get $n i32.ge_u br_if 1
        local.get $i i32.const 5 i32.sub local.set $i
        local.get $i i32.const 1 i32.add local.set $i
        local.get $n i32.const 1 i32.sub local.set $n
        br 0
      end
    end
    local.get $i)
  ;; a fact from before the loop is void inside it (the back edge)
  (func (export "back_edge") (param $x i32) (result i32) (local $k i32)
    local.get $x i32.const 3 i32.ge_u
    if
      loop
        local.get $x i32.const 3 i32.sub local.set $x
        local.get $k i32.const 1 i32.add local.tee $k
        i32.const 2 i32.lt_u br_if 0
      end
    end
    local.get $x)
  ;; x < 10: x + 1 is in range; x <= 0xFFFFFFFF is not a fact for + 1
  (func (export "upper") (param $x i32) (result i32)
    local.get $x i32.const 10 i32.lt_u
    if (result i32) local.get $x i32.const 1 i32.add
    else local.get $x i32.const 1 i32.add end)
  (func (export "sub64") (param $x i64) (result i64)
    local.get $x i64.const 7 i64.gt_u
    if (result i64) local.get $x i64.const 8 i64.sub
    else local.get $x i64.const 8 i64.sub end)
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else
      local.get 0 i32.const 1 i32.sub call $fib
      local.get 0 i32.const 2 i32.sub call $fib
      i32.add
    end))
"""


def _after_set(x):
    return x if x == 0 else (x - 2) & M32


def _loop_body(i, n):
    while i < n:
        i = (i - 4) & M32
        n = (n - 1) & M32
    return i


def _back_edge(x):
    if x >= 3:
        k = 0
        while True:
            x = (x - 3) & M32
            k += 1
            if not k < 2:
                break
    return x


CASES = [
    ("after_merge", (0,), M32), ("after_merge", (1,), 0), ("after_merge", (5,), 4),
    ("after_set", (0,), 0), ("after_set", (1,), M32), ("after_set", (9,), 7),
    ("arms", (0,), M32), ("arms", (3,), 2),
    ("loop_body", (2, 3), _loop_body(2, 3)), ("loop_body", (0, 1), _loop_body(0, 1)),
    ("back_edge", (3,), _back_edge(3)), ("back_edge", (4,), _back_edge(4)),
    ("back_edge", (2,), 2),
    ("upper", (9,), 10), ("upper", (M32,), 0),
    ("sub64", (8,), 0), ("sub64", (7,), M64), ("sub64", (0,), M64 - 7),
    ("fib", (10,), 55),
]


@pytest.fixture(scope="module", params=["fast", "interp"])
def inst(request):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=request.param))
    return rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)), stack_size=1 << 20)


@pytest.mark.parametrize("name,args,want", CASES)
def test_wraps_where_no_fact_holds(inst, name, args, want):
    mask = M64 if name.endswith("64") else M32
    assert inst.call(name, *args) & mask == want


def test_facts_drop_the_masks_they_prove():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    mod = rt.load(wasmtime.wat2wasm(WAT)).module
    names = {e.name: e.index for e in mod.exports}
    fib = translate.function_source(mod, names["fib"])[0]
    assert "f%d(env, sb, (l0 - 1))" % names["fib"] in fib
    assert "(l0 - 2) & 0xFFFFFFFF" not in fib
    # the merge: after the if, x - 1 is masked again
    merge = translate.function_source(mod, names["after_merge"])[0]
    assert "return ((l0 - 1) & 0xFFFFFFFF)" in merge
