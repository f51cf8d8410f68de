"""Tail calls (WebAssembly 3.0): return_call and return_call_indirect on
both tiers (the `mode` fixture).

A tail call replaces the caller's frame, so a chain of them of any length
runs in constant space: the exec env's stack budget and the host's stack.
The spec scripts (tests/test_spec_wasm3.py: return_call,
return_call_indirect) check the instructions' results, traps and
validation; here: chains far deeper than any stack, fuel and terminate on
chains that never end, host and cross-instance callees, a try_table left
by a tail call (wasmtime is the oracle), and AOT.
"""
import os
import subprocess
import sys
import threading
import time

import pytest
import wasmtime

import wasmbed
from aot_load import load_untranslated
from wasmbed import Trap
from wasmbed.core import translate
from wasmbed.core.errors import Terminated

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEEP = 10 ** 7

# even/odd by mutual tail recursion, directly and through a table
EVEN_ODD = """(module
 (type $t (func (param i64) (result i32)))
 (table funcref (elem $even_i $odd_i))
 (func $even (export "even") (param i64) (result i32)
   local.get 0 i64.eqz
   if (result i32) i32.const 1
   else local.get 0 i64.const 1 i64.sub return_call $odd end)
 (func $odd (export "odd") (param i64) (result i32)
   local.get 0 i64.eqz
   if (result i32) i32.const 0
   else local.get 0 i64.const 1 i64.sub return_call $even end)
 (func $even_i (export "even_i") (param i64) (result i32)
   local.get 0 i64.eqz
   if (result i32) i32.const 1
   else local.get 0 i64.const 1 i64.sub
        i32.const 1 return_call_indirect (type $t) end)
 (func $odd_i (export "odd_i") (param i64) (result i32)
   local.get 0 i64.eqz
   if (result i32) i32.const 0
   else local.get 0 i64.const 1 i64.sub
        i32.const 0 return_call_indirect (type $t) end)
 (func (export "plus_even") (param i64) (result i32)
   local.get 0 call $even i32.const 10 i32.add))"""


def runtime(mode):
    return wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode=mode))


def instance(mode, wat, rt=None, **kw):
    rt = rt or runtime(mode)
    return rt.instantiate(rt.load(wasmtime.wat2wasm(wat)), **kw)


def is_even(n):
    return 1 if n % 2 == 0 else 0


@pytest.mark.parametrize("name", ["even", "even_i"])
def test_ten_million_deep_mutual_tail_recursion_completes(mode, name):
    # the default stack budget: each frame replaces the one before
    inst = instance(mode, EVEN_ODD)
    assert inst.call(name, DEEP + 1) == is_even(DEEP + 1)


def test_a_call_of_a_tail_calling_function_gets_its_result(mode):
    inst = instance(mode, EVEN_ODD)
    for n in (0, 1, 2, 7, 1000, 100001):
        assert inst.call("plus_even", n) == 10 + is_even(n)


COUNT = """(module
 (func $count (export "count") (param i32) (result i32)
   local.get 0
   i32.eqz
   if
     i32.const 7
     return
   end
   local.get 0
   i32.const 1
   i32.sub
   return_call $count)
 (func $spin (export "spin") return_call $spin)
 (func $ping (export "ping") return_call $pong)
 (func $pong return_call $ping)
 (type $v (func))
 (table funcref (elem $spin_i))
 (func $spin_i (export "spin_i") i32.const 0 return_call_indirect (type $v)))"""


def spent(inst, name, *args, budget=10 ** 6):
    env = inst.create_exec_env()
    env.set_fuel(budget)
    r = env.call(inst.lookup_function(name), *args)
    return r, budget - env.get_fuel()


@pytest.mark.parametrize("local", [False, True])
def test_each_callee_of_a_tail_call_chain_pays_its_own_regions(mode, local, monkeypatch):
    # fast tier: fuel in the cell and in a local (translate.FUEL_LOCAL)
    monkeypatch.setattr(translate, "FUEL_LOCAL", local)
    inst = instance(mode, COUNT)
    # per call with n > 0: entry region local.get, eqz, if (3), after the
    # end local.get, const, sub, return_call (4); the last call: 3 + the
    # then arm const, return (2)
    for n in (0, 1, 5, 1000):
        assert spent(inst, "count", n) == (7, 7 * n + 5)


@pytest.mark.parametrize("name", ["spin", "ping", "spin_i"])
def test_an_endless_tail_call_loop_runs_out_of_fuel(mode, name):
    inst = instance(mode, COUNT)
    env = inst.create_exec_env()
    env.set_fuel(200000)
    t = time.monotonic()
    with pytest.raises(Trap, match="all fuel consumed"):
        env.call(inst.lookup_function(name))
    assert env.get_fuel() == 0
    assert time.monotonic() - t < 60
    env.set_fuel(100)
    assert env.call(inst.lookup_function("count"), 3) == 7


@pytest.mark.parametrize("name", ["spin", "ping", "spin_i"])
def test_an_endless_tail_call_loop_stops_on_terminate(mode, name):
    rt = runtime(mode)
    inst = instance(mode, COUNT, rt)
    timer = threading.Timer(0.2, rt.terminate)
    timer.daemon = True
    timer.start()
    with pytest.raises(Terminated):
        inst.call(name)


HOST = """(module
 (import "env" "add" (func $add (param i32 i32) (result i32)))
 (import "env" "pair" (func $pair (param i32) (result i32 i64)))
 (type $t (func (param i32 i32) (result i32)))
 (table funcref (elem $add))
 (func (export "tail_add") (param i32) (result i32)
   local.get 0 i32.const 100 return_call $add)
 (func (export "tail_add_i") (param i32) (result i32)
   local.get 0 i32.const 200 i32.const 0 return_call_indirect (type $t))
 (func (export "tail_pair") (param i32) (result i32 i64)
   local.get 0 return_call $pair)
 (func (export "sum_pair") (param i32) (result i64)
   (local i64)
   local.get 0 call $tp local.set 1 i64.extend_i32_u local.get 1 i64.add)
 (func $tp (param i32) (result i32 i64) local.get 0 return_call $pair))"""


def test_a_tail_call_into_a_host_function_returns_its_results(mode):
    seen = []

    def add(env, a, b):
        seen.append((a, b))
        return a + b
    imports = {"env": {"add": wasmbed.host_function("ii", "i", add),
                       "pair": wasmbed.host_function("i", "iI", lambda env, a: (a + 1, a * 3))}}
    inst = instance(mode, HOST, imports=imports)
    assert inst.call("tail_add", 5) == 105
    assert inst.call("tail_add_i", 5) == 205
    assert seen == [(5, 100), (5, 200)]
    assert inst.call("tail_pair", 4) == (5, 12)
    assert inst.call("sum_pair", 4) == 17
    # metered: local.get, const, return_call, paid before the host runs
    assert spent(inst, "tail_add", 1, budget=50) == (101, 3)


# A and B tail-call each other through A's table and B's import of A
CROSS_A = """(module
 (type $t (func (param i64) (result i32)))
 (table (export "tab") 2 funcref)
 (func $even (export "even") (param i64) (result i32)
   local.get 0 i64.eqz
   if (result i32) i32.const 1
   else local.get 0 i64.const 1 i64.sub
        i32.const 1 return_call_indirect (type $t) end))"""
CROSS_B = """(module
 (type $t (func (param i64) (result i32)))
 (import "a" "tab" (table 2 funcref))
 (import "a" "even" (func $even (type $t)))
 (elem (i32.const 1) $odd)
 (func $odd (export "odd") (param i64) (result i32)
   local.get 0 i64.eqz
   if (result i32) i32.const 0
   else local.get 0 i64.const 1 i64.sub return_call $even end))"""


def test_tail_calls_between_instances_run_in_constant_stack(mode):
    rt = runtime(mode)
    a = instance(mode, CROSS_A, rt)
    rt.register("a", a)
    b = instance(mode, CROSS_B, rt)
    n = 10 ** 6 + 1
    assert a.call("even", n) == is_even(n)
    assert b.call("odd", n) == 1 - is_even(n)


EH = """(module
 (tag $e (param i32))
 (type $t (func (result i32)))
 (table funcref (elem $thrower))
 (func $thrower (result i32) i32.const 42 throw $e)
 (func $tc (result i32)
   (block $h (result i32)
     (try_table (result i32) (catch $e $h) return_call $thrower) drop i32.const 0)
   i32.const 100 i32.add)
 (func $tci (result i32)
   (block $h (result i32)
     (try_table (result i32) (catch $e $h) i32.const 0 return_call_indirect (type $t))
     drop i32.const 0)
   i32.const 100 i32.add)
 (func (export "outer") (result i32)
   (block $h (result i32)
     (try_table (result i32) (catch $e $h) call $tc) return)
   i32.const 1000 i32.add)
 (func (export "outer_i") (result i32)
   (block $h (result i32)
     (try_table (result i32) (catch $e $h) call $tci) return)
   i32.const 1000 i32.add))"""


def test_a_tail_call_leaves_the_callers_try_table_like_wasmtime(mode):
    wasm = wasmtime.wat2wasm(EH)
    cfg = wasmtime.Config()
    cfg.wasm_exceptions = True
    cfg.wasm_tail_call = True
    engine = wasmtime.Engine(cfg)
    store = wasmtime.Store(engine)
    ref = wasmtime.Instance(store, wasmtime.Module(engine, wasm), [])
    rt = runtime(mode)
    inst = rt.instantiate(rt.load(wasm))
    for name in ("outer", "outer_i"):
        assert inst.call(name) == ref.exports(store)[name](store)


def test_translation_checks_for_tail_calls_only_where_they_can_happen():
    rt = runtime("fast")
    plain = rt.load(wasmtime.wat2wasm("""(module
      (func $f (param i32) (result i32) local.get 0)
      (func (export "g") (param i32) (result i32) local.get 0 call $f))"""))
    src = translate.module_source(plain.module)
    assert "TAIL" not in src and "run_tail" not in src
    # a chain of return_calls that ends is a chain of direct calls
    chain = rt.load(wasmtime.wat2wasm("""(module
      (func $add (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
      (func $inc (param i32) (result i32) local.get 0 i32.const 1 return_call $add)
      (func (export "g") (param i32) (result i32) local.get 0 return_call $inc))"""))
    assert list(translate.tail_callers(chain.module)) == [0, 0, 0]
    src = translate.module_source(chain.module)
    assert "TAIL" not in src and "run_tail" not in src
    mixed = rt.load(wasmtime.wat2wasm(EVEN_ODD))
    callers = translate.tail_callers(mixed.module)
    assert list(callers) == [1, 1, 1, 1, 0]
    # plus_even calls even: that call site runs the trampoline
    src, _ = translate.function_source(mixed.module, 4)
    assert "run_tail" in src


def test_an_aot_module_with_tail_calls_loads_and_runs(tmp_path, monkeypatch):
    rt, mod = load_untranslated(wasmtime.wat2wasm(EVEN_ODD), tmp_path, monkeypatch, "evenodd_aot")
    inst = rt.instantiate(mod)
    n = 10 ** 6 + 1
    assert inst.call("even", n) == is_even(n)
    assert inst.call("odd_i", n) == 1 - is_even(n)
    assert inst.call("plus_even", 8) == 11


def test_the_2_0_format_has_no_tail_calls():
    from wasmbed.core.decode import decode_module
    from wasmbed.core.errors import MalformedModule
    for body in ("return_call $f", "i32.const 0 return_call_indirect (type $v)"):
        wasm = wasmtime.wat2wasm("""(module (type $v (func)) (table 1 funcref)
          (func $f %s))""" % body)
        decode_module(wasm)                       # 3.0: fine
        with pytest.raises(MalformedModule, match="illegal opcode"):
            decode_module(wasm, threads=False, wasm3=False)


RECURSE_THROUGH_TAIL = """(module
 (type $t (func (param i32) (result i32)))
 (table funcref (elem $g))
 (func $f (export "f") (param i32) (result i32)
   local.get 0 i32.eqz if (result i32) i32.const 0
   else local.get 0 i32.const 0 return_call_indirect (type $t) end)
 (func $g (param i32) (result i32)
   local.get 0 i32.const 1 i32.sub call $f i32.const 1 i32.add))"""


def test_deep_ordinary_recursion_through_tail_calls_uses_no_host_c_stack(mode, tmp_path):
    # each level: g calls f (not a tail call), f tail-calls g; 200000
    # levels fit the 64 MiB budget. A fast-tier trampoline calling with
    # *args would take C stack per level (CPython) and crash the process:
    # run it in a child
    wasm = tmp_path / "r.wasm"
    wasm.write_bytes(wasmtime.wat2wasm(RECURSE_THROUGH_TAIL))
    script = ("import wasmbed\n"
              "rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=%r))\n"
              "inst = rt.instantiate(rt.load(open(%r, 'rb').read()), stack_size=64 << 20)\n"
              "print(inst.call('f', 200000))\n" % (mode, str(wasm)))
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "200000\n"


def test_tail_calls_with_many_parameters(mode):
    # seven parameters: a counts n down, a and b each rotate them once per
    # step (a through a table, b directly): 2n rotations
    params = " ".join(["i32"] * 7)
    rot = "local.get 1 local.get 2 local.get 3 local.get 4 local.get 5 local.get 6 local.get 0"
    inst = instance(mode, """(module
     (type $t (func (param i64 %(p)s) (result i32)))
     (table funcref (elem $b))
     (func $a (export "a") (param i64 %(p)s) (result i32)
       local.get 0 i64.eqz
       if (result i32)
         local.get 1 i32.const 10 i32.mul local.get 2 i32.add
       else
         local.get 0 i64.const 1 i64.sub
         %(rot)s
         i32.const 0 return_call_indirect (type $t)
       end)
     (func $b (param i64 %(p)s) (result i32)
       local.get 0
       %(rot)s
       return_call $a))""" % {"p": params, "rot": rot.replace("local.get ", "local.get X")
                              .replace("X0", "1").replace("X1", "2").replace("X2", "3")
                              .replace("X3", "4").replace("X4", "5").replace("X5", "6")
                              .replace("X6", "7")})
    vals = list(range(7))
    for n in (0, 1, 2, 9, 100000):
        k = 2 * n % 7
        rotated = vals[k:] + vals[:k]
        assert inst.call("a", n, *vals) == rotated[0] * 10 + rotated[1]


def test_return_call_indirect_through_a_table64_takes_an_i64_index(mode):
    # memory64's table64: the table index operand of call_indirect and of
    # return_call_indirect is an i64
    inst = instance(mode, """(module
     (type $t (func (param i32) (result i32)))
     (table i64 2 funcref)
     (elem (i64.const 1) $dbl)
     (func $dbl (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
     (func (export "f") (param i32) (result i32)
       local.get 0 i64.const 1 return_call_indirect (type $t)))""")
    assert inst.call("f", 21) == 42
    bad = """(module
     (type $t (func (param i32) (result i32)))
     (table i64 2 funcref)
     (func (export "f") (param i32) (result i32)
       local.get 0 i32.const 1 return_call_indirect (type $t)))"""
    with pytest.raises(wasmbed.InvalidModule, match="type mismatch"):
        instance(mode, bad)
