"""Values at the embedding API follow wasmtime-py (50): i32/i64 take ints
(bool included) from -2**(n-1) to 2**n - 1 as their bits (wasmtime-py wraps
ints beyond that; wasmbed raises ValueError instead of silently masking), f32/f64 take floats (and, in
wasmbed, ints), an f32 out of range rounds to inf, and anything else is a
TypeError, on both tiers and through env.call, instance.call and the CLI's
--invoke. Expected values come from wasmtime-py itself."""
import math

import pytest
import wasmtime

import wasmbed
from wasmbed.cli import main as cli_main

MODES = ("interp", "fast")

ECHO = """(module
  (func (export "i32") (param i32) (result i32) local.get 0)
  (func (export "i64") (param i64) (result i64) local.get 0)
  (func (export "f32") (param f32) (result f32) local.get 0)
  (func (export "f64") (param f64) (result f64) local.get 0)
  (func (export "ref") (param externref) (result externref) local.get 0))"""

INTS = {
    "i32": [0, 1, -1, 2**31 - 1, 2**31, 2**32 - 1, -2**31, True, False],
    "i64": [0, -1, 2**63 - 1, 2**63, 2**64 - 1, -2**63, True],
}
OUT_OF_RANGE = {
    "i32": [2**32, -2**31 - 1, 2**70 + 5, -2**70],
    "i64": [2**64, -2**63 - 1, 2**100 + 3],
}
FLOATS = {
    "f32": [1.5, -0.0, 1e40, -1e40, 3.4028235677973366e38, 3.4028236e38,
            1e-50, float("inf"), float("-inf"), 1e308],
    "f64": [1.5, -0.0, 1e308, 5e-324, float("inf"), float("-inf")],
}
NOT_NUMBERS = {
    "i32": ["3", None, b"1", 1.0, 1.5, [1]],
    "i64": ["3", None, 2.5],
    "f32": ["1.0", None, True, 1 + 2j, b"\x00"],
    "f64": ["1.0", None, False, object()],
}


@pytest.fixture(scope="module")
def reference():
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, ECHO), [])

    def call(name, v):
        return inst.exports(store)[name](store, v)
    return call


@pytest.fixture(scope="module", params=MODES)
def echo(request):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system",
                                               mode=request.param))
    return rt.instantiate(rt.load(wasmtime.wat2wasm(ECHO)))


def same(a, b):
    """Equal values; for floats also the same sign of zero, and NaN == NaN."""
    if not isinstance(a, float):
        return a == b
    if math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


@pytest.mark.parametrize("ty", sorted(INTS))
def test_ints_in_range_as_in_wasmtime(echo, reference, ty):
    for v in INTS[ty]:
        assert echo.call(ty, v) == reference(ty, v), v


@pytest.mark.parametrize("ty", sorted(OUT_OF_RANGE))
def test_ints_out_of_range_are_value_errors(echo, ty):
    f = echo.lookup_function(ty)
    for v in OUT_OF_RANGE[ty]:
        with pytest.raises(ValueError, match="out of range"):
            echo.call(ty, v)
        with pytest.raises(ValueError, match="out of range"):
            echo.create_exec_env().call(f, v)


@pytest.mark.parametrize("ty", sorted(FLOATS))
def test_floats_round_as_in_wasmtime(echo, reference, ty):
    for v in FLOATS[ty]:
        got = echo.call(ty, v)
        assert same(got, reference(ty, v)), v


def test_an_f32_of_1e40_is_inf_on_every_path(echo):
    f = echo.lookup_function("f32")
    assert echo.call("f32", 1e40) == math.inf
    assert echo.create_exec_env().call(f, -1e40) == -math.inf


def test_ints_for_floats_are_their_nearest_float(echo, reference):
    # wasmtime-py refuses ints here; wasmbed takes them rounded once
    for v in (3, -7, 2**60 + 1, 2**200):
        for ty in ("f32", "f64"):
            assert same(echo.call(ty, v), reference(ty, float(v))), (ty, v)
    assert echo.call("f32", 10**400) == math.inf
    assert echo.call("f64", -10**400) == -math.inf


# f32.demote_f64, f32.convert_i64_s and f64.convert_i64_s in wasmtime: the
# oracle for what an API float or int becomes
CONVERT = """(module
  (func (export "demote") (param f64) (result f32) local.get 0 f32.demote_f64)
  (func (export "f32_of_i64") (param i64) (result f32) local.get 0 f32.convert_i64_s)
  (func (export "f64_of_i64") (param i64) (result f64) local.get 0 f64.convert_i64_s))"""
HUGE_FLOATS = [1e300, -1e300, 1e39, -3.4028235677973366e38, 3.4028234663852886e38,
               1.1754943508222875e-38, 1e-46, 2.0**-150, float("nan")]
# ints where rounding through an f64 first (double rounding) would be off
ROUNDED_ONCE = [2**60 + 2**36 + 1, -(2**60 + 2**36 + 1), 2**54 + 2**30 + 1,
                2**63 - 1, -2**63, 2**53 + 1, -(2**53 + 1), 16777217]


@pytest.fixture(scope="module")
def convert():
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, CONVERT), [])

    def call(name, v):
        return inst.exports(store)[name](store, v)
    return call


def test_an_f32_beyond_its_range_is_what_f32_demote_f64_gives(echo, convert):
    # 1e300 as an f32 is inf, as the instruction gives, on every path in
    f = echo.lookup_function("f32")
    for v in HUGE_FLOATS:
        want = convert("demote", v)
        assert same(echo.call("f32", v), want), v
        assert same(echo.create_exec_env().call(f, v), want), v


def test_a_host_functions_f32_result_is_demoted_too(mode, convert):
    wat = """(module (import "h" "f" (func $f (result f32)))
      (func (export "g") (result f32) call $f))"""
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    for v in HUGE_FLOATS:
        inst = rt.instantiate(rt.load(wasmtime.wat2wasm(wat)), imports={
            "h": {"f": wasmbed.host_function("", "f", lambda env, v=v: v)}})
        assert same(inst.call("g"), convert("demote", v)), v


def test_an_int_for_a_float_is_rounded_once(echo, convert):
    for v in ROUNDED_ONCE:
        assert same(echo.call("f32", v), convert("f32_of_i64", v)), v
        assert same(echo.call("f64", v), convert("f64_of_i64", v)), v


def test_an_int_past_64_bits_is_rounded_once(echo, convert):
    # v * 2**k rounds as v does, scaled: k is exact while in range
    for v in ROUNDED_ONCE:
        for k in (1, 40, 64):
            assert same(echo.call("f32", v << k),
                        convert("f32_of_i64", v) * 2.0**k), (v, k)
            assert same(echo.call("f64", v << k),
                        convert("f64_of_i64", v) * 2.0**k), (v, k)
    assert echo.call("f32", 2**128) == math.inf
    assert echo.call("f32", -(2**128 - 2**103)) == -math.inf   # the halfway point
    assert echo.call("f32", 2**128 - 2**103 - 1) == 3.4028234663852886e38
    assert echo.call("f64", 2**1024) == math.inf


def test_the_wasmtime_layer_converts_the_same(convert):
    from wasmbed import wasmtime as wt
    for v in HUGE_FLOATS:
        assert same(wt.Val.f32(v).value, convert("demote", v)), v
    store = wt.Store()
    inst = wt.Instance(store, wt.Module(store.engine, wasmtime.wat2wasm(ECHO)), [])
    for v in HUGE_FLOATS:
        assert same(inst.exports(store)["f32"](store, v), convert("demote", v)), v


@pytest.mark.parametrize("ty", sorted(NOT_NUMBERS))
def test_wrong_kinds_are_type_errors_as_in_wasmtime(echo, reference, ty):
    for v in NOT_NUMBERS[ty]:
        with pytest.raises(TypeError):
            reference(ty, v)
        with pytest.raises(TypeError, match=ty):
            echo.call(ty, v)


def test_externref_takes_any_object(echo):
    token = object()
    assert echo.call("ref", token) is token
    assert echo.call("ref", None) is None


def test_the_instance_still_runs_after_rejected_arguments(echo):
    with pytest.raises(TypeError):
        echo.call("i32", "x")
    assert echo.call("i32", 5) == 5


# -- the CLI's --invoke ------------------------------------------------------

@pytest.fixture
def echo_file(tmp_path):
    path = tmp_path / "echo.wasm"
    path.write_bytes(wasmtime.wat2wasm(ECHO))
    return str(path)


def invoke(echo_file, capsys, func, arg):
    rc = cli_main(["run", "--invoke", func, echo_file, arg])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("func, arg, shown", [
    ("f32", "1e40", "inf"),
    ("f32", "-1e40", "-inf"),
    ("f64", "1e400", "inf"),
    ("i32", "4294967295", "-1"),
    ("i32", "-2147483648", "-2147483648"),
    ("i64", "0xffffffffffffffff", "-1"),
])
def test_invoke_prints_what_wasmtime_computes(echo_file, capsys, reference,
                                              func, arg, shown):
    rc, out, err = invoke(echo_file, capsys, func, arg)
    assert (rc, err) == (0, "")
    assert out.strip() == shown
    v = float(arg) if func[0] == "f" else int(arg, 0)
    assert same(float(shown) if func[0] == "f" else int(shown), reference(func, v))


@pytest.mark.parametrize("func, arg", [
    ("i32", "4294967296"), ("i32", "-2147483649"), ("i32", "1.5"),
    ("i32", "abc"), ("i64", "18446744073709551616"), ("f32", "x1"),
    ("f64", ""), ("ref", "1"),
])
def test_a_bad_invoke_argument_is_one_line_and_exit_2(echo_file, capsys, func, arg):
    rc, out, err = invoke(echo_file, capsys, func, arg)
    assert rc == 2
    assert "Traceback" not in err
    assert err.count("\n") == 1 and "bad argument" in err
