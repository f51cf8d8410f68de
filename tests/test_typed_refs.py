"""Typed function references (WebAssembly 3.0) on both tiers (the `mode`
fixture).

The spec scripts (tests/test_spec_wasm3.py TYPED_REFS) check decoding,
validation, linking and the instructions one by one; here: the subtyping
rules of the spec's "Matching" section on the value type encoding
(module.py), the instructions together in one module against wasmtime as
the oracle, structured and flattened in the fast tier, metered, AOT, and
the names embedders see.
"""

import pytest
import wasmtime

import wasmbed
from aot_load import load_untranslated
from call_oracle import wasmtime_results, wasmbed_results
from wasmbed.core import module as M
from wasmbed.core.module import (FUNCREF, EXTERNREF, EXNREF, NOFUNC, NOEXTERN,
                                 NOEXN, HEAP_INDEX, I32, ref_type, subtype,
                                 valtype_name)



def ref(heap, null=False):
    return ref_type(null, heap)


def idx(x):
    return HEAP_INDEX + x


# -- matching (spec 3.0, "Matching": value types and heap types) -------------

def _module(wat):
    from wasmbed.core.decode import decode_module
    return decode_module(wasmtime.wat2wasm(wat))


TYPES = _module("""(module
  (type $a (func (param i32)))
  (type $b (func (param i32)))
  (type $c (func (result i32)))
  (type $d (func (param (ref $a))))
  (type $e (func (param (ref $b)))))""")


def test_funcref_keeps_its_byte_and_the_others_get_new_ints():
    assert ref(FUNCREF, null=True) == FUNCREF
    assert ref(EXTERNREF, null=True) == EXTERNREF
    assert ref(EXNREF, null=True) == EXNREF
    assert ref(FUNCREF) >= M.TYPED and ref(idx(0), null=True) >= M.TYPED
    assert len({ref(FUNCREF), ref(idx(0)), ref(idx(0), True), ref(idx(1))}) == 4


@pytest.mark.parametrize("a, b", [
    (ref(FUNCREF), FUNCREF),                    # non-null <: nullable
    (ref(idx(0)), ref(idx(0), True)),
    (ref(idx(0), True), FUNCREF),               # a type index <: func
    (ref(idx(0)), ref(FUNCREF)),
    (NOFUNC, FUNCREF), (NOFUNC, ref(idx(2), True)),   # bottom types
    (ref(NOFUNC), ref(idx(2))),
    (NOEXTERN, EXTERNREF), (NOEXN, EXNREF),
    (ref(idx(0)), ref(idx(1))),                 # equivalent types
    (ref(idx(3)), ref(idx(4))),                 # ... through other indices
])
def test_subtypes(a, b):
    assert subtype(a, b, TYPES)


@pytest.mark.parametrize("a, b", [
    (FUNCREF, ref(FUNCREF)),                    # nullable </: non-null
    (ref(idx(0), True), ref(idx(0))),
    (FUNCREF, ref(idx(0), True)),               # func </: a type index
    (ref(idx(0)), ref(idx(2))),                 # different types
    (EXTERNREF, FUNCREF), (NOFUNC, EXTERNREF), (NOEXTERN, FUNCREF),
    (NOEXN, FUNCREF), (ref(idx(0)), EXTERNREF), (I32, FUNCREF), (FUNCREF, I32),
])
def test_not_subtypes(a, b):
    assert not subtype(a, b, TYPES)


def test_equivalent_types_of_two_modules_match():
    other = _module("""(module (type $z (func (result i32)))
                       (type $a (func (param i32))))""")
    assert subtype(ref(idx(1)), ref(idx(0)), other, TYPES)
    assert not subtype(ref(idx(0)), ref(idx(0)), other, TYPES)


def test_names_are_the_text_formats():
    assert valtype_name(FUNCREF) == "funcref"
    assert valtype_name(NOFUNC) == "nullfuncref"
    assert valtype_name(ref(FUNCREF)) == "(ref func)"
    assert valtype_name(ref(idx(3), True)) == "(ref null 3)"
    assert valtype_name(ref(NOEXTERN)) == "(ref noextern)"


# -- the instructions together, against wasmtime ---------------------------------

WAT = """(module
  (type $ii (func (param i32) (result i32)))
  (type $v (func (result i32)))
  (tag $e)
  (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
  (func $dbl (type $ii) local.get 0 local.get 0 i32.add)
  (table $t 2 (ref $ii) (ref.func $inc))
  (global $g (mut (ref null $ii)) (ref.null $ii))
  (global $k (ref $ii) (ref.func $dbl))
  (elem declare func $inc $dbl)
  (func $pick (param i32) (result (ref null $ii))
    (select (result (ref null $ii)) (ref.func $dbl) (global.get $g)
            (local.get 0)))
  (func (export "call_ref") (param i32 i32) (result i32)
    (call_ref $ii (local.get 1) (ref.as_non_null (call $pick (local.get 0)))))
  (func (export "table") (param i32 i32) (result i32)
    (call_ref $ii (local.get 1) (table.get $t (local.get 0))))
  (func (export "set_g") (param i32)
    (global.set $g (if (result (ref null $ii)) (local.get 0)
                     (then (global.get $k)) (else (ref.null $ii)))))
  (func (export "on_null") (param i32) (result i32)
    (local $f (ref $ii))
    (block $n
      (local.set $f (br_on_null $n (call $pick (local.get 0))))
      (return (call_ref $ii (i32.const 20) (local.get $f))))
    (i32.const -1))
  (func (export "on_non_null") (param i32) (result i32)
    (local $f (ref $ii))
    (block $y (result (ref $ii))
      (br_on_non_null $y (call $pick (local.get 0)))
      (return (i32.const -2)))
    (local.set $f)
    (call_ref $ii (i32.const 30) (local.get $f)))
  (func $tail (param i32) (result i32)
    (return_call_ref $ii (local.get 0) (global.get $k)))
  (func (export "tail") (param i32) (result i32) (call $tail (local.get 0)))
  (func (export "in_try") (param i32) (result i32)
    (local $f (ref null $ii)) (local $g (ref $ii))
    (block $h
      (try_table (catch_all $h)
        (local.set $f (call $pick (local.get 0)))
        (block $n
          (br_on_null $n (local.get $f))
          (local.set $g)
          (return (call_ref $ii (i32.const 5) (local.get $g))))
        (throw $e)))
    (i32.const 99)))
"""

CALLS = [("call_ref", (1, 4)), ("call_ref", (0, 4)), ("table", (0, 9)),
         ("table", (1, 9)), ("table", (2, 9)), ("on_null", (1,)),
         ("on_null", (0,)), ("on_non_null", (1,)), ("on_non_null", (0,)),
         ("set_g", (1,)), ("call_ref", (0, 4)), ("on_null", (0,)),
         ("on_non_null", (0,)), ("set_g", (0,)), ("on_null", (0,)),
         ("tail", (21,)), ("in_try", (1,)), ("in_try", (0,))]


def _oracle(wasm):
    return wasmtime_results(wasm, CALLS, wasm_function_references=True,
                            wasm_tail_call=True, wasm_exceptions=True)


def _ours(inst, env=None):
    return wasmbed_results(inst, CALLS, env)


@pytest.fixture(scope="module")
def wasm():
    return wasmtime.wat2wasm(WAT)


@pytest.fixture(scope="module")
def expected(wasm):
    return _oracle(wasm)


def _runtime(mode):
    return wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode=mode))


def test_the_instructions_give_what_wasmtime_gives(mode, wasm, expected):
    assert "trap" in expected and -1 in expected       # the script is not trivial
    rt = _runtime(mode)
    assert _ours(rt.instantiate(rt.load(wasm))) == expected


def test_flattened_fast_tier_gives_the_same(monkeypatch, wasm, expected):
    from wasmbed.core import fast
    monkeypatch.setattr(fast, "MIN_LEVEL", 2)      # every construct flattened
    rt = _runtime("fast")
    assert _ours(rt.instantiate(rt.load(wasm))) == expected


def test_metered_tiers_spend_the_same_fuel(wasm, expected):
    left = []
    for mode in ("interp", "fast"):
        rt = _runtime(mode)
        inst = rt.instantiate(rt.load(wasm))
        env = inst.default_exec_env()
        env.set_fuel(10 ** 6)
        assert _ours(inst) == expected
        left.append(env.get_fuel())
    assert left[0] == left[1] < 10 ** 6


def test_an_aot_module_with_typed_references_loads_and_runs(tmp_path, monkeypatch,
                                                            wasm, expected):
    rt, mod = load_untranslated(wasm, tmp_path, monkeypatch, "typed_aot")
    assert _ours(rt.instantiate(mod)) == expected


def test_import_and_export_types_are_named(wasm):
    rt = _runtime("interp")
    mod = rt.load(wasmtime.wat2wasm("""(module
      (type $ii (func (param i32) (result i32)))
      (import "m" "g" (global (ref null $ii)))
      (import "m" "f" (func (param (ref $ii)) (result (ref func))))
      (table (export "t") 1 (ref null func)))"""))
    by_name = {t.name: t for t in mod.import_types() + mod.export_types()}
    assert by_name["g"].value_type == "(ref null 0)"
    assert by_name["f"].param_types == ("(ref 0)",)
    assert by_name["f"].result_types == ("(ref func)",)
    assert by_name["f"].signature == "(R)R"
    assert by_name["t"].elem_type == "funcref"


@pytest.mark.parametrize("how", [{"lazy": True}, {"trusted": True}])
def test_lazy_bodies_skip_typed_locals(wasm, how):
    # a local (ref $t) takes more than one byte in the locals declaration
    from wasmbed.core.decode import decode_module
    eager = decode_module(wasm)
    lazy = decode_module(wasm, **how)
    assert any(t >= M.TYPED for f in eager.funcs for t in f.locals)
    assert [f.body for f in lazy.funcs] == [f.body for f in eager.funcs]
