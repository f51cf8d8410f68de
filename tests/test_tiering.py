"""Tiering (RuntimeConfig(tier_up=N), core/tiering.py): in fast mode a
function starts in the interpreter and is translated once hot.

The oracle is the fast tier without tiering (tier_up=0): with any
threshold, results, traps, the depth of "call stack exhausted", fuel,
exceptions, tail calls and call_indirect's checks must be the same. The
thresholds are small so that the switch happens in the middle of a run
(each test checks that both tiers ran). The spec scripts run with
tiering on, and the frame cost the interpreter charges is checked
against the translator's over the spec modules.
"""
import io
import os

import pytest
import wasmtime

import wasmbed
from suites import needs_spec, SPEC_JSON
from wasmbed import Trap
from wasmbed.core import tiering, translate, lower
from wasmbed.core.decode import decode_module
from wasmbed.core.validate import validate_module
from wasmbed.wast import ExecRunner
from wasmbed.wast.exec import SPEC_STACK_SIZE

THRESHOLDS = (1, 2, 5)


def runtime(tier_up, **kw):
    return wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode="fast",
                                                 tier_up=tier_up, **kw))


def instance(wat, tier_up, **kw):
    rt = runtime(tier_up)
    return rt.instantiate(rt.load(wasmtime.wat2wasm(wat)), **kw)


def both_tiers_ran(inst):
    """Some function ran interpreted, some was translated after it."""
    ctx = inst.core._fast
    ts = [t for t in ctx.tiers if t is not None]
    return any(t.interp is not None for t in ts) and any(t.hot for t in ts)


def outcome(inst, name, *args):
    try:
        return ("ok", inst.call(name, *args))
    except Trap as e:
        return ("trap", e.message)


# loop-free functions (a function with a loop is translated on its first
# call), calling each other directly, through a table and by reference
CALLS = """(module
 (type $ii (func (param i32) (result i32)))
 (type $iii (func (param i32 i32) (result i32 i32)))
 (table $t 4 funcref)
 (elem (i32.const 0) $fib $swap_sum $div $fib)
 (memory 1)
 (global $depth (mut i32) (i32.const 0))
 (func $fib (export "fib") (type $ii)
   local.get 0 i32.const 2 i32.lt_u
   if (result i32) local.get 0
   else
     local.get 0 i32.const 1 i32.sub call $fib
     local.get 0 i32.const 2 i32.sub i32.const 0 call_indirect (type $ii)
     i32.add
   end)
 (func $swap_sum (type $iii) local.get 1 local.get 0 local.get 1 i32.add)
 (func $div (type $ii) i32.const 100 local.get 0 i32.div_s)
 (func (export "multi") (param i32) (result i32)
   (local i32)
   local.get 0 i32.const 3 call $swap_sum
   local.set 1 local.get 1 i32.mul)
 (func (export "div_at") (param i32 i32) (result i32)
   local.get 1 local.get 0 call_indirect (type $ii))
 (func (export "ref_fib") (param i32) (result i32)
   local.get 0 ref.func $fib call_ref $ii)
 (func (export "load") (param i32) (result i32) local.get 0 i32.load)
 (func $down (export "down") (param i32) (result i32)
   global.get $depth i32.const 1 i32.add global.set $depth
   local.get 0 i32.eqz
   if (result i32) i32.const 0
   else local.get 0 i32.const 1 i32.sub call $down2 i32.const 1 i32.add end)
 (func $down2 (param i32) (result i32)
   local.get 0 call $down)
 (func (export "depth") (result i32) global.get $depth)
 (func (export "fib_loop") (param i32) (result i32)
   (local i32)
   loop $l
     local.get 0 call $fib local.get 1 i32.add local.set 1
     local.get 0 i32.const 1 i32.sub local.tee 0
     br_if $l
   end
   local.get 1)
 (func (export "forever") (param i32) (result i32)
   local.get 0 i32.const 1000000 i32.add call $down2))
"""


@pytest.mark.parametrize("n", THRESHOLDS)
def test_results_match_the_untiered_fast_tier(n):
    want = instance(CALLS, 0)
    got = instance(CALLS, n)
    cases = [("fib", 15), ("multi", 4), ("div_at", 2, 7), ("ref_fib", 12),
             ("fib_loop", 12), ("down", 50), ("depth",), ("load", 8)]
    for c in cases:
        assert outcome(got, *c) == outcome(want, *c), c
    assert both_tiers_ran(got)


@pytest.mark.parametrize("n", THRESHOLDS)
def test_traps_match_across_the_tier_boundary(n):
    want = instance(CALLS, 0)
    got = instance(CALLS, n)
    got.call("fib", 10)      # some functions hot, others still interpreted
    cases = [("div_at", 2, 0), ("div_at", 9, 1), ("div_at", 1, 1),
             ("load", 65535), ("load", 65532), ("div_at", 3, 0)]
    for c in cases:
        assert outcome(got, *c) == outcome(want, *c), c
    assert outcome(got, "div_at", 9, 1)[1] == "undefined element"
    assert outcome(got, "div_at", 1, 1)[1] == "indirect call type mismatch"
    assert both_tiers_ran(got)


@pytest.mark.parametrize("n", (0, 1, 3, 10, 100))
def test_call_stack_exhausted_comes_at_the_fast_tiers_depth(n):
    # down/down2 recurse until the stack budget runs out; the depth they
    # reached is the same whichever frames ran interpreted
    inst = instance(CALLS, n, stack_size=64 * 1024)
    ref = instance(CALLS, 0, stack_size=64 * 1024)
    for i in (inst, ref):
        with pytest.raises(Trap) as e:
            i.call("down", 10 ** 6)
        assert e.value.message == "call stack exhausted"
    assert inst.call("depth") == ref.call("depth") > 100
    # and again, now that the recursion's functions are translated
    for i in (inst, ref):
        with pytest.raises(Trap):
            i.call("forever", 5)
    assert inst.call("depth") == ref.call("depth")


def test_fuel_is_the_same_with_tiering_on():
    left = []
    for n in (0, 2):
        inst = instance(CALLS, n)
        env = inst.default_exec_env()
        env.set_fuel(10 ** 6)
        assert env.call(inst.lookup_function("fib"), 12) == 144
        left.append(env.get_fuel())
    assert left[0] == left[1] < 10 ** 6


EXCEPTIONS = """(module
 (tag $e (param i32))
 (func $thrower (export "thrower") (param i32) (result i32)
   local.get 0 i32.const 5 i32.gt_u
   if local.get 0 throw $e end
   local.get 0)
 (func $catcher (export "catcher") (param i32) (result i32)
   block $h (result i32)
     try_table (catch $e $h)
       local.get 0 call $thrower
       return
     end
     unreachable
   end
   i32.const 1000 i32.add)
 (func (export "nested") (param i32) (result i32)
   local.get 0 call $catcher local.get 0 call $thrower i32.add))
"""


@pytest.mark.parametrize("n", THRESHOLDS)
def test_exceptions_cross_the_tier_boundary(n):
    want = instance(EXCEPTIONS, 0)
    got = instance(EXCEPTIONS, n)
    for x in (1, 7, 3, 9, 2, 8, 4, 6, 0, 10):
        for name in ("catcher", "nested", "thrower"):
            w = g = None
            try:
                w = ("ok", want.call(name, x))
            except wasmbed.UncaughtException as e:
                w = ("exn", e.values)
            try:
                g = ("ok", got.call(name, x))
            except wasmbed.UncaughtException as e:
                g = ("exn", e.values)
            assert g == w, (name, x)
    assert both_tiers_ran(got)


TAIL = """(module
 (type $t (func (param i64) (result i32)))
 (table funcref (elem $even $odd))
 (func $even (export "even") (param i64) (result i32)
   local.get 0 i64.eqz
   if (result i32) i32.const 1
   else local.get 0 i64.const 1 i64.sub return_call $odd end)
 (func $odd (param i64) (result i32)
   local.get 0 i64.eqz
   if (result i32) i32.const 0
   else local.get 0 i64.const 1 i64.sub
        i32.const 0 return_call_indirect (type $t) end)
 (func (export "plus") (param i64) (result i32)
   local.get 0 call $even i32.const 10 i32.add))
"""


@pytest.mark.parametrize("n", (1, 3, 50))
def test_tail_calls_stay_constant_space_across_tiers(n):
    inst = instance(TAIL, n)
    assert inst.call("plus", 7) == 10
    assert inst.call("even", 100001) == 0
    assert inst.call("even", 10 ** 5) == 1
    assert inst.call("plus", 10 ** 5) == 11


def test_a_host_functions_own_index_error_passes_unchanged():
    wat = """(module (import "h" "f" (func $f (result i32)))
      (func (export "g") (result i32) call $f i32.const 1 i32.add))"""
    rt = runtime(5)

    def f(env):
        raise IndexError("host")
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(wat)),
                          imports={"h": {"f": wasmbed.host_function("", "i", f)}})
    with pytest.raises(IndexError):
        inst.call("g")
    assert inst.core._fast.tiers[1].interp is not None


def test_tier_up_must_be_a_count():
    with pytest.raises(ValueError):
        wasmbed.RuntimeConfig(tier_up=-1)
    with pytest.raises(ValueError):
        wasmbed.RuntimeConfig(tier_up=None)
    assert wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp", tier_up=5)).tier_up == 0


COST_SCRIPTS = ["call", "call_indirect", "fac", "stack", "traps", "left-to-right",
                "block", "br", "br_table", "if", "loop", "unreachable", "return",
                "func", "local_tee", "select"]


@needs_spec
@pytest.mark.parametrize("script", COST_SCRIPTS)
def test_interpreted_frames_charge_the_translators_frame_cost(script):
    d = os.path.join(SPEC_JSON, "core", script)
    checked = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".wasm"):
            continue
        try:
            m = decode_module(open(os.path.join(d, name), "rb").read())
            validate_module(m)
        except Exception:
            continue        # the script's malformed and invalid modules
        base = m.num_imported_funcs
        for i, defn in enumerate(m.funcs):
            cost = tiering.frame_cost_of(m, defn, lower.lower_function(m, defn))
            if cost is not None:
                assert cost == translate.function_source(m, base + i, 0)[1], (name, i)
                checked += 1
    assert checked > 0


SPEC_SCRIPTS = [("core", s) for s in ("call", "call_indirect", "fac", "left-to-right",
                                      "stack", "traps", "func_ptrs", "br_table")] + \
    [("wasm3", s) for s in ("return_call", "return_call_indirect", "return_call_ref",
                            "call_ref", "try_table", "throw", "throw_ref",
                            "legacy-try_catch", "unwind")]


@needs_spec
@pytest.mark.parametrize("suite,script", SPEC_SCRIPTS)
def test_spec_script_passes_with_tiering_on(suite, script):
    path = os.path.join(SPEC_JSON, suite, script)
    out = io.StringIO()
    entered = []
    real = tiering._build

    def build(t):
        entered.append(t)
        return real(t)

    def factory(mode):
        return wasmbed.Runtime(wasmbed.RuntimeConfig(
            mem_alloc_type="system", mode=mode, default_stack_size=SPEC_STACK_SIZE,
            tier_up=2))
    tiering._build = build
    try:
        runner = ExecRunner(factory, out=out, mode="fast")
        runner.run_path(path)
        runner.report()
    finally:
        tiering._build = real
    assert runner.failed == 0, out.getvalue()
    assert runner.passed > 0
    assert all(k.startswith("text-format") for k in runner.skipped), runner.skipped
    assert entered


# -- on-stack replacement (core/osr.py) ---------------------------------------
# a loop whose heat runs out moves its activation to the translation at the
# loop's header: locals, stack values below the loop and loop params go in,
# results, traps, exceptions and terminate come out as without tiering

OSR = """(module
 (type $two (func (param i32 i32) (result i32 i32)))
 (tag $e (param i32))
 (memory 1)
 (global $steps (mut i32) (i32.const 0))
 (func $sum (export "sum") (param i32) (result i32) (local i32 i64)
   i32.const 7                          ;; live below the loop
   block
   loop
     local.get 0 i32.eqz br_if 1
     local.get 1 local.get 0 i32.add local.set 1
     local.get 2 i64.const 3 i64.add local.set 2
     local.get 0 i32.const 1 i32.sub local.set 0
     br 0
   end end
   local.get 1 i32.add local.get 2 i32.wrap_i64 i32.add)
 (func (export "params") (param i32) (result i32 i32) (local i32)
   i32.const 100                         ;; live below the loop
   local.get 0 i32.const 1               ;; the loop's params: counter, product
   loop $l (type $two)
     local.set 1
     i32.const 1 i32.sub local.tee 0
     local.get 1 i32.const 3 i32.mul i32.const 0xFFFF i32.and
     local.get 0 br_if $l
   end
   i32.add)
 (func (export "trap_at") (param i32 i32) (result i32) (local i32)
   loop
     local.get 2 local.get 1 i32.eq
     if i32.const 1 local.get 2 i32.sub i32.const 0 i32.div_u drop end
     local.get 2 i32.const 1 i32.add local.tee 2
     local.get 0 i32.lt_u br_if 0
   end
   local.get 2)
 (func (export "oob_at") (param i32) (result i32) (local i32)
   loop
     local.get 1 i32.const 4096 i32.mul i32.load drop
     local.get 1 i32.const 1 i32.add local.tee 1
     local.get 0 i32.lt_u br_if 0
   end
   local.get 1)
 (func (export "caught") (param i32 i32) (result i32) (local i32)
   block $h (result i32)
     try_table (catch $e $h)
       loop
         local.get 2 local.get 1 i32.eq
         if local.get 2 i32.const 1000 i32.add throw $e end
         local.get 2 i32.const 1 i32.add local.tee 2
         local.get 0 i32.lt_u br_if 0
       end
       local.get 2 return
     end
     unreachable
   end
   i32.const 1 i32.add)
 (func $rec (export "rec") (param i32 i32) (result i32) (local i32 i32)
   ;; rec(d, n): loop n times, then recurse with d - 1 inside the loop
   loop
     local.get 3 i32.const 1 i32.add local.set 3
     local.get 2 local.get 3 i32.add local.set 2
     local.get 3 local.get 1 i32.lt_u br_if 0
   end
   local.get 0 if
     local.get 0 i32.const 1 i32.sub local.get 1 call $rec
     local.get 2 i32.add local.set 2
   end
   local.get 2)
 (func $deep (export "deep") (param i32) (result i32) (local i32)
   ;; loop (heat), then recurse until the stack budget runs out
   loop
     global.get $steps i32.const 1 i32.add global.set $steps
     local.get 1 i32.const 1 i32.add local.tee 1
     i32.const 3 i32.lt_u br_if 0
   end
   local.get 0 i32.const 1 i32.add call $deep)
 (func (export "steps") (result i32) global.get $steps)
 (func (export "spin") (param i32) (result i32)
   loop
     local.get 0 i32.const 1 i32.add local.tee 0
     br_if 0
   end
   local.get 0)
 (func (export "tail") (param i32) (result i32)
   loop
     local.get 0 i32.const 1 i32.sub local.tee 0
     i32.const 50 i32.gt_u br_if 0
   end
   local.get 0 return_call $sum))
"""


def osr_instances(n, **kw):
    return instance(OSR, 0, **kw), instance(OSR, n, **kw)


def osr_entered(inst):
    return [t.index for t in inst.core._fast.tiers
            if t is not None and t.osr and any(v is not False for v in t.osr.values())]


@pytest.mark.parametrize("n", THRESHOLDS)
def test_osr_carries_locals_stack_values_and_loop_params(n):
    want, got = osr_instances(n)
    for c in [("sum", 1000), ("sum", 3), ("params", 40), ("params", 1), ("sum", 77),
              ("tail", 400), ("rec", 3, 30), ("rec", 6, 2)]:
        assert outcome(got, *c) == outcome(want, *c), c
    assert osr_entered(got)


@pytest.mark.parametrize("n", THRESHOLDS)
def test_traps_inside_an_osr_loop_are_the_spec_traps(n):
    want, got = osr_instances(n)
    for c in [("trap_at", 100, 60), ("oob_at", 40), ("trap_at", 100, 200),
              ("oob_at", 10)]:
        assert outcome(got, *c) == outcome(want, *c), c
    assert outcome(got, "trap_at", 100, 60) == ("trap", "integer divide by zero")
    assert outcome(got, "oob_at", 40) == ("trap", "out of bounds memory access")
    assert osr_entered(got)


@pytest.mark.parametrize("n", THRESHOLDS)
def test_a_loop_inside_try_table_catches_after_osr(n):
    want, got = osr_instances(n)
    for c in [("caught", 100, 70), ("caught", 100, 500), ("caught", 50, 0)]:
        assert outcome(got, *c) == outcome(want, *c), c
    assert got.call("caught", 100, 70) == 1071


@pytest.mark.parametrize("n", (1, 2, 5, 40))
def test_call_stack_exhausted_at_the_same_depth_with_osr_frames(n):
    want, got = osr_instances(n, stack_size=64 * 1024)
    for i in (want, got):
        with pytest.raises(Trap) as e:
            i.call("deep", 0)
        assert e.value.message == "call stack exhausted"
    assert got.call("steps") == want.call("steps") > 100


def test_a_recursive_functions_inner_activation_tiers_up():
    # rec's outermost activations run interpreted; an inner one's loop
    # uses up the heat, moves to its OSR entry, and the outer ones move at
    # their next back edge (none is left in the loop after the call:
    # they finish in the interpreter)
    want, got = osr_instances(1)
    assert got.call("rec", 5, 3) == want.call("rec", 5, 3)
    assert got.call("rec", 4, 40) == want.call("rec", 4, 40)
    assert osr_entered(got)


def test_terminate_stops_an_osr_loop():
    import threading
    got = instance(OSR, 2)
    env = got.default_exec_env()
    f = got.lookup_function("spin")
    t = threading.Timer(0.3, got.terminate)
    t.start()
    with pytest.raises(wasmbed.Terminated):
        env.call(f, 0)       # 2**32 iterations: stopped by the poll
    assert osr_entered(got)
