"""Calls on the fast tier: across instances, through tables, into host
functions that grow memory or raise, and memory in pool mode.
"""

import pytest
import wasmtime

import wasmbed
from wasmbed import Trap
from wasmbed.core import fast

PROVIDER = r"""
(module
  (memory (export "mem") 1 4)
  (table (export "tab") 4 funcref)
  (global (export "g") (mut i32) (i32.const 10))
  (elem (i32.const 0) $inc $get)
  (func $inc (export "inc") (param i32) (result i32)
    global.get 0 local.get 0 i32.add global.set 0 global.get 0)
  (func $get (param i32) (result i32) local.get 0 i32.load)
  (func (export "grow") (result i32) i32.const 1 memory.grow))
"""

USER = r"""
(module
  (type $t (func (param i32) (result i32)))
  (import "p" "inc" (func $inc (param i32) (result i32)))
  (import "p" "mem" (memory 1 4))
  (import "p" "tab" (table 4 funcref))
  (import "p" "g" (global $g (mut i32)))
  (import "p" "grow" (func $grow (result i32)))
  (import "env" "grow_host" (func $grow_host (result i32)))
  (import "env" "boom" (func $boom))
  (elem (i32.const 2) $local)
  (func $local (param i32) (result i32) local.get 0 i32.const 100 i32.mul)
  (func (export "direct") (param i32) (result i32) local.get 0 call $inc)
  (func (export "indirect") (param i32 i32) (result i32)
    local.get 0 local.get 1 call_indirect (type $t))
  (func (export "global") (result i32) global.get $g)
  ;; the callee grows the shared memory; the store after the call must
  ;; reach the new page
  (func (export "grow_then_store") (param i32) (result i32)
    call $grow drop
    i32.const 70000 local.get 0 i32.store
    i32.const 70000 i32.load)
  (func (export "host_grow_then_store") (param i32) (result i32)
    call $grow_host drop
    i32.const 140000 local.get 0 i32.store
    i32.const 140000 i32.load)
  (func (export "boom") call $boom)
  (func (export "store_at") (param i32 i32) local.get 0 local.get 1 i32.store))
"""


class Boom(Exception):
    pass


def setup(mode, pool=False):
    def grow_host(env):
        mem = env.inst.runtime.registered["p"].core.exports["mem"]
        return mem.grow(1)

    def boom(env):
        raise IndexError("host bug")

    kw = {"mem_alloc_type": "pool", "heap_size": 4 << 20} if pool else {}
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode, natives={"env": [
        wasmbed.NativeSymbol("grow_host", grow_host, "()i"),
        wasmbed.NativeSymbol("boom", boom, "()")]}, **kw))
    p = rt.instantiate(rt.load(wasmtime.wat2wasm(PROVIDER)), stack_size=1 << 16)
    rt.register("p", p)
    u = rt.instantiate(rt.load(wasmtime.wat2wasm(USER)), stack_size=1 << 16)
    return rt, p, u


@pytest.fixture(params=[False, True], ids=["system", "pool"])
def pool(request):
    return request.param


def test_cross_instance_direct_and_indirect_calls(pool):
    for mode in ("fast", "interp"):
        _, p, u = setup(mode, pool)
        assert u.call("direct", 5) == 15
        assert p.call("inc", 1) == 16
        assert u.call("global") == 16
        # table slots 0/1 hold the provider's functions, 2 the user's own
        assert u.call("indirect", 4, 0) == 20
        u.call("store_at", 64, 1234)
        assert u.call("indirect", 64, 1) == 1234
        assert u.call("indirect", 3, 2) == 300
        with pytest.raises(Trap, match="uninitialized element"):
            u.call("indirect", 1, 3)
        with pytest.raises(Trap, match="undefined element"):
            u.call("indirect", 1, 4)


def test_memory_grown_by_a_callee_is_seen_after_the_call(pool):
    _, p, u = setup("fast", pool)
    with pytest.raises(Trap, match="out of bounds memory access"):
        u.call("store_at", 70000, 1)
    assert u.call("grow_then_store", 77) == 77
    assert u.call("host_grow_then_store", 88) == 88
    assert p.call("grow") == 3


def test_host_errors_in_natives_trap_with_their_message():
    # issue 14: a native that raises gives the guest a trap carrying its
    # message; the fast tier must not mistake the host's IndexError for an
    # out-of-bounds memory access
    _, _, u = setup("fast")
    with pytest.raises(Trap, match="IndexError: host bug") as e:
        u.call("boom")
    assert "out of bounds" not in str(e.value)
    assert isinstance(e.value.cause, IndexError)


def test_bindings_are_per_instance_and_translation_per_module():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    mod = rt.load(wasmtime.wat2wasm(PROVIDER))
    a = rt.instantiate(mod, stack_size=1 << 16)
    b = rt.instantiate(mod, stack_size=1 << 16)
    assert a.call("inc", 1) == 11
    assert a.call("inc", 1) == 12
    assert b.call("inc", 5) == 15        # b has its own global
    # one translation for the module, one binding per instance
    assert list(mod.module._fast_binders) == [0]
    fa = fast.ctx_of(a.core).fns[0]
    fb = fast.ctx_of(b.core).fns[0]
    assert fa is not fb and fa.__code__ is fb.__code__


REENTER = r"""
(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (func (export "f") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 i32.const 1 i32.sub call $h i32.const 1 i32.add end))
"""


def test_recursion_through_host_functions_is_charged_per_host_frame():
    box = []

    def h(env, n):
        return env.call(box[0].lookup_function("f"), n)
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast", natives={
        "env": [wasmbed.NativeSymbol("h", h, "(i)i")]}))
    stack = 64 * 1024
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(REENTER)), stack_size=stack)
    box.append(inst)
    levels = stack // fast.HOST_FRAME_COST
    assert inst.call("f", levels // 2) == levels // 2
    with pytest.raises(Trap, match="call stack exhausted"):
        inst.call("f", levels + 1)
    assert inst.call("f", 3) == 3


# A call graph whose functions are bound in different orders: $even and $odd
# call each other (each holds the other's first-call stub until it is bound),
# $leaf is called only by them (no loop, no call: it does not poll), and
# "spin" loops calling $leaf.
BIND_ORDER = r"""
(module
  (func $leaf (param i32) (result i32) local.get 0 i32.const 1 i32.sub)
  (func $even (export "even") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 1
    else local.get 0 call $leaf call $odd end)
  (func $odd (export "odd") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 call $leaf call $even end)
  (func (export "spin") (param i32) (result i32)
    (loop (local.set 0 (call $leaf (local.get 0))) (br 0))
    local.get 0))
"""


@pytest.mark.parametrize("first", ["even", "odd"])
def test_direct_calls_reach_functions_bound_after_their_callers(mode, first):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(BIND_ORDER)), stack_size=1 << 20)
    other = "odd" if first == "even" else "even"
    assert inst.call(first, 7) == (first == "odd")
    assert inst.call(other, 7) == (other == "odd")
    assert inst.call(first, 100) == (first == "even")
    # a second instance binds its own callables from the same translation
    inst2 = rt.instantiate(rt.load(wasmtime.wat2wasm(BIND_ORDER)), stack_size=1 << 20)
    assert inst2.call(other, 10) == (other == "even")


def test_a_loop_calling_a_function_without_a_poll_still_stops_on_terminate(mode):
    import threading
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(BIND_ORDER)))
    threading.Timer(0.2, rt.terminate).start()
    with pytest.raises(wasmbed.Terminated):
        inst.call("spin", 5)


# $r makes its calls inside a loop that is branched to (never taken: the
# header polls once per call), so it does not poll on entry; 2**60 calls
FAN = r"""
(module
  (func $r (param i32)
    (loop $l
      (if (local.get 0) (then
        (call $r (i32.sub (local.get 0) (i32.const 1)))
        (call $r (i32.sub (local.get 0) (i32.const 1)))))
      (br_if $l (i32.const 0))))
  (func (export "fan") (param i32) (call $r (local.get 0))))
"""


def test_recursion_whose_calls_are_inside_loops_stops_on_terminate(mode):
    import threading
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(FAN)))
    inst.call("fan", 4)
    threading.Timer(0.2, rt.terminate).start()
    with pytest.raises(wasmbed.Terminated):
        inst.call("fan", 60)
