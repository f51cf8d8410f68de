"""GC (WebAssembly 3.0) on both tiers (the `mode` fixture).

The spec scripts (tests/test_spec_wasm3.py GC) check decoding,
validation, linking and the instructions one by one; here: the
instructions together in one module against wasmtime as the oracle
(structured and flattened fast tier, metered with the same fuel on both
tiers, AOT), GC objects as opaque handles through the embedding API, and
type identity across modules.
"""

import pytest
import wasmtime

import wasmbed
from aot_load import load_untranslated
from call_oracle import wasmtime_results, wasmbed_results
from wasmbed import Trap

WAT = r"""(module
  (rec (type $node (sub (struct (field i32) (field (mut (ref null $node)))))))
  (type $pt (sub (struct (field (mut i32)) (field (mut i32)))))
  (type $pt3 (sub final $pt (struct (field (mut i32)) (field (mut i32)) (field i8))))
  (type $bytes (array (mut i8)))
  (type $words (array (mut i64)))
  (type $refs (array (mut anyref)))
  (data $d "\01\02\ff\80")
  (global $gp (ref $pt) (struct.new $pt (i32.const 3) (i32.const 4)))
  (global $gi (ref i31) (ref.i31 (i32.const -5)))

  (func (export "list_sum") (param $n i32) (result i32)
    (local $l (ref null $node)) (local $s i32)
    (block $done
      (loop $build
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $l (struct.new $node (local.get $n) (local.get $l)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $build)))
    (block $end
      (loop $walk
        (br_if $end (ref.is_null (local.get $l)))
        (local.set $s (i32.add (local.get $s)
                               (struct.get $node 0 (local.get $l))))
        (local.set $l (struct.get $node 1 (local.get $l)))
        (br $walk)))
    (local.get $s))

  (func (export "point") (param i32) (result i32)
    (local $p (ref $pt))
    (local.set $p (struct.new $pt (local.get 0) (i32.const 10)))
    (struct.set $pt 1 (local.get $p) (i32.mul (local.get 0) (i32.const 7)))
    (i32.add (struct.get $pt 0 (local.get $p)) (struct.get $pt 1 (local.get $p))))

  (func (export "global_point") (result i32)
    (i32.add (struct.get $pt 0 (global.get $gp)) (struct.get $pt 1 (global.get $gp))))

  (func (export "packed") (param i32) (result i32)
    (local $p (ref $pt3))
    (local.set $p (struct.new $pt3 (i32.const 1) (i32.const 2) (local.get 0)))
    (i32.add (struct.get_s $pt3 2 (local.get $p))
             (i32.mul (i32.const 1000) (struct.get_u $pt3 2 (local.get $p)))))

  (func (export "bytes") (param $i i32) (result i32)
    (local $a (ref $bytes))
    (local.set $a (array.new_data $bytes $d (i32.const 0) (i32.const 4)))
    (i32.add (array.get_s $bytes (local.get $a) (local.get $i))
             (i32.mul (i32.const 1000) (array.get_u $bytes (local.get $a) (local.get $i)))))

  (func (export "words") (param $n i32) (param $i i32) (result i64)
    (local $a (ref $words)) (local $b (ref $words))
    (local.set $a (array.new $words (i64.const 7) (local.get $n)))
    (local.set $b (array.new_default $words (i32.const 8)))
    (array.fill $words (local.get $b) (i32.const 2) (i64.const -1) (i32.const 3))
    (array.copy $words $words (local.get $b) (i32.const 0) (local.get $a)
                (i32.const 0) (i32.const 2))
    (array.set $words (local.get $b) (i32.const 7) (i64.extend_i32_u (array.len (local.get $a))))
    (array.get $words (local.get $b) (local.get $i)))

  (func (export "fixed") (param $i i32) (result i32)
    (array.get_u $bytes (array.new_fixed $bytes 3 (i32.const 255) (i32.const 256)
                                                 (i32.const 513)) (local.get $i)))

  (func $classify (param $r anyref) (result i32)
    (block $is_i31 (result (ref i31))
      (block $is_pt (result (ref $pt))
        (block $is_arr (result (ref array))
          (br_on_cast $is_i31 anyref (ref i31) (local.get $r))
          (br_on_cast $is_pt anyref (ref $pt))
          (br_on_cast $is_arr anyref (ref array))
          (drop)
          (return (i32.const -1)))
        array.len i32.const 100 i32.add return)
      struct.get $pt 0 i32.const 200 i32.add return)
    i31.get_s i32.const 300 i32.add)

  (func (export "classify") (param $k i32) (result i32)
    (local $x anyref)
    (if (i32.eqz (local.get $k))
      (then (local.set $x (ref.i31 (i32.const 9)))))
    (if (i32.eq (local.get $k) (i32.const 1))
      (then (local.set $x (struct.new $pt3 (i32.const 5) (i32.const 6) (i32.const 7)))))
    (if (i32.eq (local.get $k) (i32.const 2))
      (then (local.set $x (array.new_default $refs (i32.const 4)))))
    (call $classify (local.get $x)))

  (func (export "casts") (param $k i32) (result i32)
    (local $x anyref)
    (local.set $x (if (result anyref) (local.get $k)
      (then (struct.new $pt (i32.const 1) (i32.const 2)))
      (else (struct.new $pt3 (i32.const 1) (i32.const 2) (i32.const 3)))))
    (i32.add (i32.add (ref.test (ref $pt) (local.get $x))
                      (i32.mul (i32.const 10) (ref.test (ref $pt3) (local.get $x))))
             (i32.add (i32.mul (i32.const 100) (ref.test (ref eq) (local.get $x)))
                      (struct.get_u $pt3 2 (ref.cast (ref $pt3) (local.get $x))))))

  (func (export "eq") (param i32 i32) (result i32)
    (local $s (ref $pt))
    (local.set $s (struct.new_default $pt))
    (i32.add
      (ref.eq (ref.i31 (local.get 0)) (ref.i31 (local.get 1)))
      (i32.add (i32.mul (i32.const 10) (ref.eq (local.get $s) (local.get $s)))
               (i32.mul (i32.const 100) (ref.eq (local.get $s) (struct.new_default $pt))))))

  (func (export "i31") (result i32)
    (i31.get_u (global.get $gi)))

  (func (export "extern") (param i32) (result i32)
    (i31.get_s (ref.cast (ref i31)
      (any.convert_extern (extern.convert_any (ref.i31 (local.get 0)))))))

  (func (export "null_struct") (result i32)
    (struct.get $pt 0 (ref.null $pt)))

  (func (export "oob") (param i32) (result i32)
    (array.get_u $bytes (array.new_default $bytes (i32.const 2)) (local.get 0)))

  (func (export "make") (param i32) (result (ref $pt))
    (struct.new $pt (local.get 0) (i32.const 0)))
  (func (export "read") (param (ref null $pt)) (result i32)
    (struct.get $pt 0 (local.get 0)))
)"""

CALLS = [("list_sum", (10,)), ("list_sum", (0,)), ("point", (3,)),
         ("global_point", ()), ("packed", (200,)), ("packed", (-1,)),
         ("bytes", (0,)), ("bytes", (2,)), ("bytes", (3,)), ("bytes", (4,)),
         ("words", (3, 0)), ("words", (3, 2)), ("words", (3, 4)),
         ("words", (3, 5)), ("words", (3, 7)), ("words", (1, 0)),
         ("fixed", (0,)), ("fixed", (1,)), ("fixed", (2,)), ("fixed", (3,)),
         ("classify", (0,)), ("classify", (1,)), ("classify", (2,)),
         ("classify", (3,)), ("casts", (0,)), ("casts", (1,)),
         ("eq", (5, 5)), ("eq", (5, 6)), ("eq", (0x7FFFFFFF, -1)),
         ("i31", ()), ("extern", (-3,)), ("null_struct", ()), ("oob", (1,)),
         ("oob", (2,))]


def _oracle(wasm):
    return wasmtime_results(wasm, CALLS, wasm_function_references=True,
                            wasm_gc=True)


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
    assert "trap" in expected and 55 in expected       # not trivial
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


def test_an_aot_module_with_gc_loads_and_runs(tmp_path, monkeypatch, wasm,
                                              expected):
    rt, mod = load_untranslated(wasm, tmp_path, monkeypatch, "gc_aot")
    assert _ours(rt.instantiate(mod)) == expected


def test_a_struct_crosses_the_api_as_an_opaque_handle(mode, wasm):
    rt = _runtime(mode)
    inst = rt.instantiate(rt.load(wasm))
    h = inst.call("make", 42)
    assert h is not None
    assert inst.call("read", h) == 42
    with pytest.raises(Trap):
        inst.call("read", None)


REC = """(module
  (rec (type $a (struct (field (ref null $b)))) (type $b (struct (field i32))))
  (func (export "mk") (result (ref $a))
    (struct.new $a (struct.new $b (i32.const 7))))
  (func (export "get") (param (ref null $a)) (result i32)
    (struct.get $b 0 (struct.get $a 0 (local.get 0))))
  (func (export "is_a") (param anyref) (result i32)
    (ref.test (ref $a) (local.get 0))))"""


def test_equivalent_rec_groups_of_two_modules_are_one_type(mode):
    rt = _runtime(mode)
    one = rt.instantiate(rt.load(wasmtime.wat2wasm(REC)))
    two = rt.instantiate(rt.load(wasmtime.wat2wasm(REC)))
    other = rt.instantiate(rt.load(wasmtime.wat2wasm(
        REC.replace("(field i32)", "(field i64)").replace("i32.const 7", "i64.const 7")
        .replace("(result i32)\n    (struct.get $b", "(result i64)\n    (struct.get $b"))))
    s = one.call("mk")
    assert two.call("get", s) == 7
    assert two.call("is_a", s) == 1
    assert other.call("is_a", s) == 0
    assert one.call("is_a", other.call("mk")) == 0


def test_sized_allocations_pay_fuel_by_size():
    # fuel.py: array.new_default pays n >> 16 besides its instructions
    wasm = wasmtime.wat2wasm("""(module (type $a (array (mut i8)))
      (func (export "alloc") (param i32) (result i32)
        (array.len (array.new_default $a (local.get 0)))))""")
    for mode in ("interp", "fast"):
        rt = _runtime(mode)
        inst = rt.instantiate(rt.load(wasm))
        env = inst.default_exec_env()
        spent = []
        for n in (0, 1 << 20):
            env.set_fuel(1000)
            assert env.call(inst.lookup_function("alloc"), n) == n
            spent.append(1000 - env.get_fuel())
        assert spent[1] - spent[0] == 16, mode


POOL_WAT = """(module (type $a (array (mut i64)))
  (global $keep (mut (ref null $a)) (ref.null $a))
  (func (export "churn") (param $n i32) (param $len i32) (result i32)
    (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (array.len (array.new_default $a (local.get $len)))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
  (func (export "keep") (param $len i32)
    (global.set $keep (array.new_default $a (local.get $len)))))"""


@pytest.mark.parametrize("mode", ["interp", "fast"])
def test_pool_mode_charges_gc_objects_and_gives_them_back(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(
        mem_alloc_type="pool", heap_size=4 << 20, mode=mode,
        charge_host_memory=True))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(POOL_WAT)))
    acct = inst.core.host_account
    base = acct.charged
    # 200 arrays of ~80 KB each: far more than the pool, each freed in turn
    assert inst.call("churn", 200, 10000) == 2000000
    inst.call("keep", 10000)
    assert acct.charged > base + 80000
    with pytest.raises(Trap, match="host memory"):
        inst.call("keep", 1 << 20)          # 8 MiB of elements: does not fit


def test_api_arguments_of_gc_types_are_checked(wasm):
    rt = _runtime("interp")
    inst = rt.instantiate(rt.load(wasm))
    with pytest.raises(TypeError):
        inst.call("read", 5)                # (ref null $pt) takes a struct
    assert inst.call("read", inst.call("make", 3)) == 3


MP_SCRIPT = r'''
import sys
sys.path.insert(0, %r)
import wasmbed
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
inst = rt.instantiate(rt.load(open(%r, "rb").read()))
out = []
for n, a in %r:
    try:
        out.append(inst.call(n, *a))
    except wasmbed.Trap:
        out.append("trap")
print(repr(out))
'''


def test_micropython_gives_what_wasmtime_gives(tmp_path, wasm, expected):
    import os
    import shutil
    import subprocess
    import sys
    mp = os.path.join(os.path.dirname(sys.executable), "micropython")
    if not os.path.exists(mp):
        mp = shutil.which("micropython")
    if mp is None:
        pytest.skip("no MicroPython unix port")
    path = tmp_path / "gc.wasm"
    path.write_bytes(bytes(wasm))
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = tmp_path / "run.py"
    script.write_text(MP_SCRIPT % (repo, str(path), CALLS))
    r = subprocess.run([mp, str(script)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == repr(expected)


def test_pool_mode_charges_objects_of_constant_expressions():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(
        mem_alloc_type="pool", heap_size=4 << 20, charge_host_memory=True))
    wat = """(module (type $a (array (mut i64)))
      (global (ref $a) (array.new_default $a (i32.const %d))))"""
    rt.instantiate(rt.load(wasmtime.wat2wasm(wat % 1000)))
    with pytest.raises(Trap, match="host memory"):
        rt.instantiate(rt.load(wasmtime.wat2wasm(wat % (1 << 20))))
