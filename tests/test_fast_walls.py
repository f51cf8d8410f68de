"""The fast tier against CPython's walls: deep nesting, many loops, long
functions, huge br_tables, deep recursion, and a busy loop stopped from
another thread.

Expected values come from small Python models of the generated programs,
never from either engine. Every program also runs on the interpreter, and
under every translation level (structured, reduced, fully flattened).
"""

import sys
import threading
import time

import pytest
import wasmtime

import wasmbed
from wasmbed import Trap
from wasmbed.core import fast, translate
from wasmbed.core.errors import Terminated

M32 = 0xFFFFFFFF
LEVELS = (0, 1, 2)


def instance(wat, mode="fast", stack_size=1 << 20):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(wat)), stack_size=stack_size)
    return inst


@pytest.fixture(params=LEVELS, ids=["structured", "reduced", "flat"])
def level(request, monkeypatch):
    monkeypatch.setattr(fast, "MIN_LEVEL", request.param)
    return request.param


def both(wat, name, *args):
    """Results of `name` on the fast tier and on the interpreter."""
    return (instance(wat).call(name, *args),
            instance(wat, "interp").call(name, *args))


def s32(v):
    v &= M32
    return v - (1 << 32) if v & 0x80000000 else v


# -- deep block nesting with a br_table into every level ----------------------

def deep_blocks_wat(n):
    lines = ["(module (func (export \"f\") (param $i i32) (result i32) (local $acc i32)"]
    lines += ["block"] * n
    lines.append("local.get $i")
    lines.append("br_table %s %d" % (" ".join(str(k) for k in range(n)), n - 1))
    for j in range(n - 1, -1, -1):
        lines.append("end")
        lines.append("local.get $acc i32.const 3 i32.mul i32.const %d i32.add local.set $acc" % j)
    lines.append("local.get $acc))")
    return "\n".join(lines)


def deep_blocks_model(n, i):
    k = i if i < n else n - 1
    acc = 0
    for j in range(n - 1 - k, -1, -1):
        acc = (acc * 3 + j) & M32
    return s32(acc)


@pytest.mark.parametrize("n", [30, 250])
def test_deep_block_nest_with_br_table_to_every_level(n, level):
    wat = deep_blocks_wat(n)
    inst = instance(wat)
    ref = instance(wat, "interp")
    for i in (0, 1, n // 2, n - 2, n - 1, n + 5, 0xFFFFFFFF):
        want = deep_blocks_model(n, i & M32)
        assert inst.call("f", s32(i)) == want
        assert ref.call("f", s32(i)) == want


# -- deep loop nesting: back edges into every loop ------------------------------

def deep_loops_wat(n):
    lines = ["(module (func (export \"f\") (param $fuel i32) (result i32) (local $acc i32)",
             "block $out"]
    for k in range(n):
        lines.append("loop")
        lines.append("local.get $acc i32.const %d i32.add local.set $acc" % k)
    lines.append("local.get $fuel i32.eqz br_if %d" % n)
    lines.append("local.get $fuel i32.const 1 i32.sub local.set $fuel")
    lines.append("local.get $acc i32.const 7 i32.mul local.get $fuel i32.const %d i32.rem_u "
                 "i32.add local.set $acc" % n)
    # target loop depth d (0 = innermost) <- fuel % n
    lines.append("local.get $fuel i32.const %d i32.rem_u" % n)
    lines.append("br_table %s 0" % " ".join(str(d) for d in range(n)))
    lines += ["end"] * n
    lines.append("end local.get $acc))")
    return "\n".join(lines)


def deep_loops_model(n, fuel):
    acc = 0
    start = 0
    while True:
        for k in range(start, n):
            acc = (acc + k) & M32
        if fuel == 0:
            return s32(acc)
        fuel -= 1
        acc = (acc * 7 + fuel % n) & M32
        d = fuel % n
        start = n - 1 - d


@pytest.mark.parametrize("n", [3, 25, 210])
def test_deep_loop_nest_back_edges_into_every_loop(n, level):
    wat = deep_loops_wat(n)
    for fuel in (0, 1, 2 * n + 3):
        fast_r, interp_r = both(wat, "f", fuel)
        want = deep_loops_model(n, fuel)
        assert fast_r == want
        assert interp_r == want


# -- deep if/else nesting with results ------------------------------------------

def deep_ifs_wat(n):
    lines = ["(module (func (export \"f\") (param $x i32) (result i32)"]
    for k in range(n):
        lines.append("local.get $x i32.const %d i32.shr_u i32.const 1 i32.and" % (k % 31))
        lines.append("if (result i32)")
    lines.append("i32.const 1")
    for k in range(n - 1, -1, -1):
        lines.append("i32.const %d i32.add" % (k + 1))
        lines.append("else i32.const %d end" % (1000 + k))
    lines.append("))")
    return "\n".join(lines)


def deep_ifs_model(n, x):
    # the innermost reached level decides the base, then each enclosing
    # then-arm adds its k + 1
    depth = 0
    while depth < n and (x >> (depth % 31)) & 1:
        depth += 1
    if depth == n:
        v = 1
    else:
        v = 1000 + depth
    for k in range(depth - 1, -1, -1):
        v += k + 1
    return s32(v)


@pytest.mark.parametrize("n", [40, 220])
def test_deep_if_nest_with_results(n, level):
    wat = deep_ifs_wat(n)
    for x in (0, 1, 0x7FFFFFFF, 0x5555, -1):
        fast_r, interp_r = both(wat, "f", x)
        want = deep_ifs_model(n, x & M32)
        assert fast_r == want
        assert interp_r == want


# -- long straight-line code and a huge br_table ---------------------------------

def test_long_straight_line_function(level):
    n = 20000
    body = ["(module (func (export \"f\") (param $x i32) (result i32) (local $a i32)"]
    for k in range(n):
        body.append("local.get $a local.get $x i32.xor i32.const %d i32.add local.set $a" % k)
    body.append("local.get $a))")
    wat = "\n".join(body)
    acc = 0
    x = 12345
    for k in range(n):
        acc = ((acc ^ x) + k) & M32
    fast_r, interp_r = both(wat, "f", x)
    assert fast_r == s32(acc) == interp_r


def test_many_sequential_loops_and_many_locals(level):
    nloops = 400
    nlocals = 3000
    body = ["(module (func (export \"f\") (param $x i32) (result i32) (local %s)"
            % " ".join(["i32"] * nlocals)]
    for k in range(nloops):
        # loop k runs (x + k) % 3 + 1 times, adding k each time into local k
        body.append("(local.set 1 (i32.add (i32.rem_u (i32.add (local.get $x) (i32.const %d)) "
                    "(i32.const 3)) (i32.const 1)))" % k)
        body.append("(loop (local.set %d (i32.add (local.get %d) (i32.const %d)))"
                    " (local.set 1 (i32.sub (local.get 1) (i32.const 1)))"
                    " (br_if 0 (local.get 1)))" % (2 + k % (nlocals - 2), 2 + k % (nlocals - 2), k))
    body.append("(local.set 0 (i32.const 0))")
    for j in range(2, nlocals):
        body.append("(local.set 0 (i32.add (i32.mul (local.get 0) (i32.const 3)) (local.get %d)))" % j)
    body.append("local.get 0))")
    wat = "\n".join(body)
    x = 5
    locs = [0] * nlocals
    for k in range(nloops):
        locs[2 + k % (nlocals - 2)] += k * ((x + k) % 3 + 1)
    acc = 0
    for j in range(2, nlocals):
        acc = (acc * 3 + locs[j]) & M32
    fast_r, interp_r = both(wat, "f", x)
    assert fast_r == s32(acc) == interp_r


def test_deep_value_stack_folds_with_bounded_depth(level):
    # 3000 values pushed, then folded by 2999 adds: one expression per value
    # would nest 3000 deep in Python
    n = 3000
    wat = "(module (func (export \"f\") (param $x i32) (result i32) %s %s))" % (
        " ".join("local.get $x i32.const %d i32.mul" % k for k in range(n)),
        " ".join(["i32.add"] * (n - 1)))
    x = 7
    want = s32(sum(x * k for k in range(n)))
    fast_r, interp_r = both(wat, "f", x)
    assert fast_r == want == interp_r


def test_huge_br_table(level):
    n = 5000
    lines = ["(module (func (export \"f\") (param $i i32) (result i32)",
             "block block block block"]
    lines.append("local.get $i")
    lines.append("br_table %s 3" % " ".join(str((k * 7) % 4) for k in range(n)))
    lines.append("end i32.const 10 return")
    lines.append("end i32.const 11 return")
    lines.append("end i32.const 12 return")
    lines.append("end i32.const 13))")
    wat = "\n".join(lines)
    inst = instance(wat)
    for i in (0, 1, 2, 3, 4, 999, n - 1, n, n + 1, 0x7FFFFFFF):
        want = 10 + ((i * 7) % 4 if i < n else 3)
        assert inst.call("f", i) == want


# -- recursion -------------------------------------------------------------------

REC = """(module
  (func $rec (export "rec") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 i32.const 1 i32.sub call $rec i32.const 1 i32.add end)
  (func $inf (export "inf") (param i32) (result i32)
    local.get 0 call $inf))"""


def rec_frame_cost():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    mod = rt.load(wasmtime.wat2wasm(REC))
    return translate.function_source(mod.module, 0)[1]


def test_depth_is_bounded_by_the_stack_budget():
    cost = rec_frame_cost()
    frames = 200
    inst = instance(REC, stack_size=frames * cost)
    # rec(n) uses n + 1 frames
    assert inst.call("rec", frames - 1) == frames - 1
    with pytest.raises(Trap) as e:
        inst.call("rec", frames)
    assert e.value.message == "call stack exhausted"
    # the env is usable again afterwards
    assert inst.call("rec", 10) == 10


# a self-recursive function (translated as copies that check the budget of
# several frames at once) that writes memory and calls a helper with a
# bigger frame at every level: the trap comes at the same call
REC2 = """(module
  (memory (export "mem") 1)
  (func $leaf (param i32) (result i32) (local i64 i64 i64 i64 i64 i64)
    local.get 0 i32.const 1 i32.add)
  (func $down (export "down") (param i32) (result i32)
    local.get 0 i32.const 4 i32.mul local.get 0 i32.store
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 call $leaf drop
      local.get 0 i32.const 1 i32.sub call $down i32.const 1 i32.add end))"""


def test_self_recursion_traps_at_the_frame_the_budget_runs_out():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    mod = rt.load(wasmtime.wat2wasm(REC2)).module
    leaf = translate.function_source(mod, 0)[1]
    down = translate.function_source(mod, 1)[1]
    assert leaf > down
    n = 40
    for stack in range(20 * down, 20 * down + leaf + 5 * down, 8):
        # down(n) runs frames n, n-1, ...: each stores its n, then calls
        # the leaf (the leaf's bytes past its own frame), then recurses;
        # the frame after k frames that passed their leaf call stores
        stores = 1 + (stack - leaf) // down
        inst = instance(REC2, stack_size=stack)
        with pytest.raises(Trap) as e:
            inst.call("down", n)
        assert e.value.message == "call stack exhausted"
        mem = bytes(inst.memory_view(0, 4 * (n + 1)))
        stored = [k for k in range(n + 1) if mem[4 * k:4 * k + 4] != bytes(4)]
        assert stored == list(range(n - stores + 1, n + 1)), stack


def test_runaway_recursion_traps_before_or_at_python_limit():
    # a budget far beyond what Python's recursion limit allows
    inst = instance(REC, stack_size=1 << 30)
    with pytest.raises(Trap) as e:
        inst.call("inf", 1)
    assert e.value.message == "call stack exhausted"
    assert inst.call("rec", 50) == 50


def test_deep_recursion_with_a_raised_recursion_limit():
    # what the runtime does for the fast tier on CPython: a recursion limit
    # that covers stack_size / smallest frame cost
    depth = 20000
    cost = rec_frame_cost()
    stack_size = (depth + 1) * cost
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, fast.recursion_limit_for(stack_size)))
    try:
        inst = instance(REC, stack_size=stack_size)
        assert inst.call("rec", depth) == depth
        with pytest.raises(Trap):
            inst.call("rec", depth + 1)
    finally:
        sys.setrecursionlimit(old)


# -- terminate a busy guest from another thread ----------------------------------

SPIN = """(module
  (func (export "spin") (loop br 0))
  (func $r (export "spin_calls") (param i32) (result i32)
    (loop (local.set 0 (call $leaf (local.get 0))) (br 0)) (local.get 0))
  (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))"""


@pytest.mark.parametrize("name,args", [("spin", ()), ("spin_calls", (0,))])
def test_terminate_stops_a_busy_loop(name, args, level):
    inst = instance(SPIN)
    env = inst.create_exec_env()
    f = inst.lookup_function(name)
    caught = []

    def run():
        try:
            env.call(f, *args)
        except Terminated as e:
            caught.append(e)

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.2)
    assert t.is_alive()
    inst.terminate()
    t.join(5)
    assert not t.is_alive()
    assert len(caught) == 1


# -- calls and loads folded into one expression keep wasm's order -----------------

ORDER = """(module
  (memory 1)
  (global $g (mut i32) (i32.const 1))
  (func $a (result i32)
    global.get $g i32.const 10 i32.mul i32.const 1 i32.add global.set $g global.get $g)
  (func $b (result i32)
    global.get $g i32.const 10 i32.mul i32.const 2 i32.add global.set $g global.get $g)
  (func (export "calls") (result i32)
    call $a call $b i32.sub)
  (func (export "calls_if") (param i32) (result i32)
    local.get 0 if (result i32) call $b call $a i32.sub else call $a call $b i32.sub end)
  (func (export "load_call") (param i32) (result i32) (local i32)
    local.get 0 i32.load call $a i32.add local.set 1 local.get 1)
  (func $w (result i32)
    i32.const 0 i32.const 5 i32.store i32.const 0 i32.load i32.const 2 i32.add)
  (func (export "store_call") (param i32) (result i32)
    local.get 0 call $w i32.store local.get 0 i32.load
    local.get 0 local.get 0 i32.load i32.const 1 i32.add i32.store
    local.get 0 i32.load i32.add))"""


def s32(v):
    v &= M32
    return v - (1 << 32) if v >> 31 else v


def test_folded_calls_run_in_wasm_order(level):
    # a: g = 10 g + 1, b: g = 10 g + 2, each returning g (a Python model)
    def run(seq):
        g, out = 1, []
        for c in seq:
            g = 10 * g + (1 if c == "a" else 2)
            out.append(g)
        return out
    x, y = run("ab")
    assert instance(ORDER).call("calls") == s32(x - y)
    x, y = run("ba")
    assert instance(ORDER).call("calls_if", 1) == s32(x - y)
    x, y = run("ab")
    assert instance(ORDER).call("calls_if", 0) == s32(x - y)
    # memory is zero: the load reads 0, then a runs (g = 11)
    assert instance(ORDER).call("load_call", 8) == 11
    with pytest.raises(Trap):
        instance(ORDER).call("load_call", 65535)    # the load traps first
    # w stores 5 at 0 and returns 5 + 2, which the caller stores at 0 after
    # it (7), reads, then stores what it loads + 1 (8): 7 + 8
    assert instance(ORDER).call("store_call", 0) == 15


# -- a translator error is not the guest's trap --------------------------------

def test_translator_error_on_first_call_is_not_a_trap(monkeypatch):
    """A translator failure while binding a function on its first call is
    NotSupported naming the function and the error, never a trap such as
    "out of bounds memory access" (which an IndexError inside the
    translator used to become); the interp tier still runs the module."""
    wat = '(module (func (export "f") (result i32) i32.const 7))'
    inst = instance(wat)

    def broken(*args, **kw):
        raise IndexError("list index out of range")

    monkeypatch.setattr(translate, "function_source", broken)
    with pytest.raises(wasmbed.WasmError) as e:
        inst.call("f")
    assert not isinstance(e.value, Trap)
    assert "cannot translate function 0" in str(e.value)
    assert "IndexError" in str(e.value)
    monkeypatch.undo()
    assert instance(wat, "interp").call("f") == 7
