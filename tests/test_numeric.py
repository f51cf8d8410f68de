"""Edge cases of the WebAssembly 2.0 numeric instructions, stated as the spec
states them.  f32 values are written as their bit patterns, f64 values as
Python floats (or bit patterns through F64)."""

import math
import struct

import pytest

from wasmbed.core import numeric as n

# unit tests of the hard float representation (f64 as Python floats);
# soft float mode is covered by test_softfloat.py
pytestmark = pytest.mark.skipif(n.soft, reason="hard float representation")
from wasmbed.core.errors import Trap


def F64(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def B64(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def is_f32_nan(bits):
    return (bits & 0x7FFFFFFF) > 0x7F800000


def traps(message, fn, *args):
    with pytest.raises(Trap) as info:
        fn(*args)
    assert info.value.message == message
    return True


I32_MIN, I32_MAX, I32_NEG1 = 0x80000000, 0x7FFFFFFF, 0xFFFFFFFF
I64_MIN, I64_MAX, I64_NEG1 = 1 << 63, (1 << 63) - 1, (1 << 64) - 1
POS_INF32, NEG_INF32 = 0x7F800000, 0xFF800000
NEG_ZERO32 = 0x80000000
INF = float("inf")
NAN64 = F64(0x7FF8000000000000)


# --- integer division ---------------------------------------------------------

@pytest.mark.parametrize("fn,a,b,message", [
    (n.i32_div_s, 1, 0, "integer divide by zero"),
    (n.i32_div_u, 1, 0, "integer divide by zero"),
    (n.i32_rem_s, 1, 0, "integer divide by zero"),
    (n.i32_rem_u, 1, 0, "integer divide by zero"),
    (n.i32_div_s, I32_MIN, I32_NEG1, "integer overflow"),
    (n.i64_div_s, 1, 0, "integer divide by zero"),
    (n.i64_div_u, 1, 0, "integer divide by zero"),
    (n.i64_rem_s, 1, 0, "integer divide by zero"),
    (n.i64_rem_u, 1, 0, "integer divide by zero"),
    (n.i64_div_s, I64_MIN, I64_NEG1, "integer overflow"),
])
def test_division_traps(fn, a, b, message):
    assert traps(message, fn, a, b)


@pytest.mark.parametrize("fn,a,b,expected", [
    (n.i32_div_s, 7, 2, 3),
    (n.i32_div_s, 0xFFFFFFF9, 2, 0xFFFFFFFD),          # -7 / 2 = -3 (toward zero)
    (n.i32_div_s, 7, 0xFFFFFFFE, 0xFFFFFFFD),          # 7 / -2 = -3
    (n.i32_div_s, 0xFFFFFFF9, 0xFFFFFFFE, 3),          # -7 / -2 = 3
    (n.i32_div_s, I32_MIN, 2, 0xC0000000),
    (n.i32_div_u, I32_MIN, 2, 0x40000000),
    (n.i32_rem_s, 0xFFFFFFF9, 2, I32_NEG1),            # -7 rem 2 = -1
    (n.i32_rem_s, 7, 0xFFFFFFFE, 1),                   # 7 rem -2 = 1
    (n.i32_rem_s, I32_MIN, I32_NEG1, 0),               # no trap
    (n.i32_rem_u, I32_MIN, I32_NEG1, I32_MIN),
    (n.i64_div_s, (1 << 64) - 7, 2, (1 << 64) - 3),
    (n.i64_div_s, I64_MIN, 2, 0xC000000000000000),
    (n.i64_rem_s, I64_MIN, I64_NEG1, 0),
    (n.i64_rem_s, (1 << 64) - 7, (1 << 64) - 2, I64_NEG1),
    (n.i64_div_u, I64_NEG1, 2, I64_MAX),
])
def test_division_results(fn, a, b, expected):
    assert fn(a, b) == expected


# --- bits -----------------------------------------------------------------------

@pytest.mark.parametrize("fn,a,expected", [
    (n.i32_clz, 0, 32), (n.i32_clz, 1, 31), (n.i32_clz, I32_MIN, 0),
    (n.i32_ctz, 0, 32), (n.i32_ctz, I32_MIN, 31), (n.i32_ctz, 1, 0),
    (n.i32_popcnt, I32_NEG1, 32), (n.i32_popcnt, 0, 0),
    (n.i64_clz, 0, 64), (n.i64_clz, 1, 63), (n.i64_clz, I64_MIN, 0),
    (n.i64_ctz, 0, 64), (n.i64_ctz, I64_MIN, 63),
    (n.i64_popcnt, I64_NEG1, 64), (n.i64_popcnt, 0x8000000080000001, 3),
    (n.i32_eqz, 0, 1), (n.i32_eqz, I32_MIN, 0), (n.i64_eqz, 0, 1), (n.i64_eqz, I64_MIN, 0),
    (n.i32_extend8_s, 0x80, 0xFFFFFF80), (n.i32_extend8_s, 0x1234567F, 0x7F),
    (n.i32_extend16_s, 0x8000, 0xFFFF8000), (n.i32_extend16_s, 0xFFFF7FFF, 0x7FFF),
    (n.i64_extend8_s, 0xFF, I64_NEG1), (n.i64_extend16_s, 0x12348000, 0xFFFFFFFFFFFF8000),
    (n.i64_extend32_s, 0x80000000, 0xFFFFFFFF80000000), (n.i64_extend32_s, 0xFFFFFFFF7FFFFFFF, 0x7FFFFFFF),
    (n.i64_extend_i32_s, I32_NEG1, I64_NEG1), (n.i64_extend_i32_u, I32_NEG1, 0xFFFFFFFF),
    (n.i32_wrap_i64, 0x123456789, 0x23456789),
])
def test_unary_integer(fn, a, expected):
    assert fn(a) == expected


@pytest.mark.parametrize("fn,a,b,expected", [
    (n.i32_add, I32_MAX, 1, I32_MIN), (n.i32_sub, 0, 1, I32_NEG1),
    (n.i32_mul, 0x10000, 0x10000, 0), (n.i32_mul, I32_NEG1, I32_NEG1, 1),
    (n.i64_add, I64_NEG1, 1, 0), (n.i64_mul, I64_MIN, 2, 0),
    (n.i32_shl, 1, 33, 2), (n.i32_shl, 1, 31, I32_MIN),            # count mod 32
    (n.i32_shr_s, I32_MIN, 31, I32_NEG1), (n.i32_shr_s, I32_MIN, 32, I32_MIN),
    (n.i32_shr_u, I32_MIN, 31, 1), (n.i32_shr_u, I32_MIN, 63, 1),
    (n.i64_shl, 1, 65, 2), (n.i64_shr_s, I64_MIN, 63, I64_NEG1), (n.i64_shr_u, I64_MIN, 127, 1),
    (n.i32_rotl, 0x80000001, 1, 3), (n.i32_rotr, 3, 1, 0x80000001), (n.i32_rotl, 0xABCD1234, 32, 0xABCD1234),
    (n.i64_rotl, I64_MIN | 1, 1, 3), (n.i64_rotr, 1, 65, I64_MIN),
    (n.i32_lt_s, I32_MIN, 0, 1), (n.i32_lt_u, I32_MIN, 0, 0), (n.i32_gt_s, 0, I32_NEG1, 1),
    (n.i32_ge_u, I32_NEG1, 0, 1), (n.i32_le_s, I32_NEG1, I32_NEG1, 1),
    (n.i64_lt_s, I64_MIN, I64_MAX, 1), (n.i64_lt_u, I64_MIN, I64_MAX, 0),
    (n.i64_gt_s, I64_MAX, I64_MIN, 1), (n.i64_le_u, 0, I64_NEG1, 1), (n.i64_ge_s, 0, I64_NEG1, 1),
])
def test_binary_integer(fn, a, b, expected):
    assert fn(a, b) == expected


# --- f32 sign operations are bit operations: payloads survive -------------------

@pytest.mark.parametrize("payload_nan", [0x7FA00000, 0xFFA00000, 0x7F800001, 0x7FC00001])
def test_f32_sign_ops_keep_nan_payload(payload_nan):
    assert n.f32_neg(payload_nan) == payload_nan ^ 0x80000000
    assert n.f32_abs(payload_nan) == payload_nan & 0x7FFFFFFF
    assert n.f32_copysign(payload_nan, NEG_ZERO32) == payload_nan | 0x80000000
    assert n.f32_copysign(payload_nan, 0) == payload_nan & 0x7FFFFFFF
    assert n.f32_copysign(0x3F800000, payload_nan) == 0x3F800000 | (payload_nan & 0x80000000)
    assert n.f32_reinterpret_i32(payload_nan) == payload_nan
    assert n.i32_reinterpret_f32(payload_nan) == payload_nan


@pytest.mark.parametrize("bits", [0x7FF4000000000001, 0xFFF4000000000001, 0x7FF8000000000abc,
                                  0x7FF0000000000001])
def test_f64_sign_ops_keep_nan_payload(bits):
    x = F64(bits)
    assert B64(n.f64_neg(x)) == bits ^ (1 << 63)
    assert B64(n.f64_abs(x)) == bits & ~(1 << 63)
    assert B64(n.f64_copysign(x, -1.0)) == bits | (1 << 63)
    assert B64(n.f64_copysign(1.0, x)) == B64(1.0) | (bits & (1 << 63))
    assert n.i64_reinterpret_f64(n.f64_reinterpret_i64(bits)) == bits


# --- rounding to integral ---------------------------------------------------------

@pytest.mark.parametrize("fn,a,expected", [
    (n.f32_nearest, 0xBF000000, NEG_ZERO32),      # nearest(-0.5) = -0.0
    (n.f32_nearest, 0x3F000000, 0),               # nearest(0.5) = +0.0
    (n.f32_nearest, 0x3FC00000, 0x40000000),      # 1.5 -> 2
    (n.f32_nearest, 0x40200000, 0x40000000),      # 2.5 -> 2
    (n.f32_nearest, 0xC0200000, 0xC0000000),      # -2.5 -> -2
    (n.f32_nearest, 0x3EFFFFFF, 0),               # 0.49999997 -> 0
    (n.f32_nearest, 0x4AFFFFFF, 0x4B000000),      # 8388607.5 -> 8388608
    (n.f32_nearest, 0x4B000001, 0x4B000001),      # 8388609 stays
    (n.f32_ceil, 0xBF000000, NEG_ZERO32),         # ceil(-0.5) = -0.0
    (n.f32_ceil, 0x3F000000, 0x3F800000),
    (n.f32_ceil, 0x00000001, 0x3F800000),         # smallest subnormal -> 1
    (n.f32_floor, 0x80000001, 0xBF800000),        # -subnormal -> -1
    (n.f32_floor, 0x3F7FFFFF, 0),
    (n.f32_floor, NEG_ZERO32, NEG_ZERO32),
    (n.f32_trunc, 0xBF7FFFFF, NEG_ZERO32),        # trunc(-0.99999994) = -0.0
    (n.f32_trunc, 0xC0200000, 0xC0000000),
    (n.f32_ceil, POS_INF32, POS_INF32),
    (n.f32_floor, NEG_INF32, NEG_INF32),
    (n.f32_nearest, 0x7F7FFFFF, 0x7F7FFFFF),
])
def test_f32_rounding(fn, a, expected):
    assert fn(a) == expected


@pytest.mark.parametrize("fn,x,expected", [
    (n.f64_nearest, -0.5, -0.0), (n.f64_nearest, 0.5, 0.0), (n.f64_nearest, 2.5, 2.0),
    (n.f64_nearest, -3.5, -4.0), (n.f64_nearest, 0.49999999999999994, 0.0),
    (n.f64_nearest, 4503599627370495.5, 4503599627370496.0),
    (n.f64_nearest, -4503599627370495.5, -4503599627370496.0),
    (n.f64_nearest, 4503599627370497.0, 4503599627370497.0),
    (n.f64_nearest, 1e300, 1e300), (n.f64_nearest, -INF, -INF), (n.f64_nearest, -0.0, -0.0),
    (n.f64_ceil, -0.5, -0.0), (n.f64_ceil, -0.0, -0.0), (n.f64_ceil, 5e-324, 1.0), (n.f64_ceil, INF, INF),
    (n.f64_floor, -5e-324, -1.0), (n.f64_floor, -0.0, -0.0), (n.f64_floor, 0.9999999999999999, 0.0),
    (n.f64_floor, -INF, -INF), (n.f64_floor, -1e300, -1e300),
    (n.f64_trunc, -0.9999999999999999, -0.0), (n.f64_trunc, 4503599627370495.5, 4503599627370495.0),
    (n.f64_trunc, INF, INF),
])
def test_f64_rounding(fn, x, expected):
    r = fn(x)
    assert r == expected and math.copysign(1.0, r) == math.copysign(1.0, expected)


@pytest.mark.parametrize("fn", [n.f32_ceil, n.f32_floor, n.f32_trunc, n.f32_nearest, n.f32_sqrt])
def test_f32_rounding_of_nan_is_quiet_nan(fn):
    assert fn(0x7FC00000) & 0x7FFFFFFF == 0x7FC00000      # canonical stays canonical
    r = fn(0x7FA00000)                                    # signalling -> arithmetic
    assert is_f32_nan(r) and r & 0x00400000


@pytest.mark.parametrize("fn", [n.f64_ceil, n.f64_floor, n.f64_trunc, n.f64_nearest, n.f64_sqrt])
def test_f64_rounding_of_nan_is_nan(fn):
    assert math.isnan(fn(NAN64))
    assert B64(fn(F64(0x7FF4000000000000))) & 0x0008000000000000


# --- min / max ---------------------------------------------------------------

@pytest.mark.parametrize("a,b", [(0, NEG_ZERO32), (NEG_ZERO32, 0)])
def test_f32_min_max_signed_zero(a, b):
    assert n.f32_min(a, b) == NEG_ZERO32
    assert n.f32_max(a, b) == 0


@pytest.mark.parametrize("x,y", [(0.0, -0.0), (-0.0, 0.0)])
def test_f64_min_max_signed_zero(x, y):
    assert B64(n.f64_min(x, y)) == B64(-0.0)
    assert B64(n.f64_max(x, y)) == 0


def test_f32_min_max_with_nan_is_nan_either_order():
    for nan in (0x7FC00000, 0xFFC00000, 0x7FA00000):
        for other in (0, 0x3F800000, NEG_INF32, POS_INF32):
            for args in ((nan, other), (other, nan)):
                assert is_f32_nan(n.f32_min(*args)) and is_f32_nan(n.f32_max(*args))
                assert n.f32_min(*args) & 0x00400000          # quiet


def test_f64_min_max_with_nan_is_nan_either_order():
    for other in (0.0, -1.0, INF, -INF):
        for args in ((NAN64, other), (other, NAN64)):
            assert math.isnan(n.f64_min(*args)) and math.isnan(n.f64_max(*args))
    assert n.f64_min(-INF, 1.0) == -INF and n.f64_max(-INF, 1.0) == 1.0


# --- IEEE results where Python would raise ------------------------------------------

def test_f64_division_by_zero_and_sqrt_of_negative():
    assert n.f64_div(1.0, 0.0) == INF
    assert n.f64_div(1.0, -0.0) == -INF
    assert n.f64_div(-1.0, -0.0) == INF
    assert n.f64_div(-INF, 0.0) == -INF
    assert math.isnan(n.f64_div(0.0, 0.0))
    assert math.isnan(n.f64_div(NAN64, 0.0))
    assert math.isnan(n.f64_div(INF, INF))
    assert B64(n.f64_div(-0.0, INF)) == B64(-0.0)
    assert math.isnan(n.f64_sqrt(-1.0))
    assert math.isnan(n.f64_sqrt(-INF))
    assert B64(n.f64_sqrt(-0.0)) == B64(-0.0)
    assert n.f64_mul(1e308, 10.0) == INF


def test_f32_division_by_zero_and_sqrt_of_negative():
    one, neg_one = 0x3F800000, 0xBF800000
    assert n.f32_div(one, 0) == POS_INF32
    assert n.f32_div(one, NEG_ZERO32) == NEG_INF32
    assert n.f32_div(neg_one, NEG_ZERO32) == POS_INF32
    assert n.f32_div(0, 0) & 0x7FFFFFFF == 0x7FC00000
    assert n.f32_sqrt(neg_one) & 0x7FFFFFFF == 0x7FC00000
    assert n.f32_sqrt(NEG_ZERO32) == NEG_ZERO32


def test_f32_arithmetic_overflows_to_infinity_without_exception():
    max32 = 0x7F7FFFFF
    assert n.f32_add(max32, max32) == POS_INF32
    assert n.f32_mul(0xFF7FFFFF, 0x40000000) == NEG_INF32
    assert n.f32_div(max32, 0x00000001) == POS_INF32
    # max + half an ulp rounds to +inf (a tie, and max's significand is odd)
    assert n.f32_add(max32, 0x73000000) == POS_INF32
    # max + just under half an ulp stays max
    assert n.f32_add(max32, 0x72FFFFFF) == max32


def test_f32_arithmetic_rounds_once_to_nearest_even():
    assert n.f32_add(0x3F800000, 0x33800000) == 0x3F800000   # 1 + 2^-24: tie -> even (1)
    assert n.f32_add(0x3F800001, 0x33800000) == 0x3F800002   # tie -> even (up)
    assert n.f32_mul(0x00000001, 0x3F000000) == 0            # 2^-149 / 2 -> +0 (tie to even)
    assert n.f32_mul(0x80000001, 0x3F000000) == NEG_ZERO32
    assert n.f32_sub(0x3F800000, 0x3F800000) == 0            # x - x = +0


# --- conversions ---------------------------------------------------------------------

@pytest.mark.parametrize("fn,a,message", [
    (n.i32_trunc_f32_s, 0x7FC00000, "invalid conversion to integer"),
    (n.i32_trunc_f32_s, 0x4F000000, "integer overflow"),       # 2^31
    (n.i32_trunc_f32_s, 0xCF000001, "integer overflow"),       # just below -2^31
    (n.i32_trunc_f32_u, 0xBF800000, "integer overflow"),       # -1
    (n.i32_trunc_f32_u, 0x4F800000, "integer overflow"),       # 2^32
    (n.i64_trunc_f32_s, 0x5F000000, "integer overflow"),       # 2^63
    (n.i64_trunc_f32_u, 0x5F800000, "integer overflow"),       # 2^64
    (n.i64_trunc_f32_u, NEG_INF32, "integer overflow"),
    (n.i32_trunc_f64_s, 2147483648.0, "integer overflow"),
    (n.i32_trunc_f64_s, -2147483649.0, "integer overflow"),
    (n.i32_trunc_f64_u, 4294967296.0, "integer overflow"),
    (n.i32_trunc_f64_u, -1.0, "integer overflow"),
    (n.i64_trunc_f64_s, 9223372036854775808.0, "integer overflow"),
    (n.i64_trunc_f64_s, -9223372036854777856.0, "integer overflow"),
    (n.i64_trunc_f64_u, 18446744073709551616.0, "integer overflow"),
    (n.i64_trunc_f64_u, INF, "integer overflow"),
    (n.i64_trunc_f64_s, -NAN64, "invalid conversion to integer"),
    (n.i32_trunc_f64_u, NAN64, "invalid conversion to integer"),
])
def test_trunc_traps(fn, a, message):
    assert traps(message, fn, a)


@pytest.mark.parametrize("fn,a,expected", [
    (n.i32_trunc_f32_s, 0xCF000000, I32_MIN),                  # -2^31 fits
    (n.i32_trunc_f32_s, 0x4EFFFFFF, 0x7FFFFF80),               # largest f32 below 2^31
    (n.i32_trunc_f32_u, 0xBF7FFFFF, 0),                        # -0.99999994 -> 0
    (n.i32_trunc_f32_u, 0x4F7FFFFF, 0xFFFFFF00),
    (n.i64_trunc_f32_s, 0xDF000000, I64_MIN),
    (n.i64_trunc_f32_u, 0x5F7FFFFF, 0xFFFFFF0000000000),
    (n.i32_trunc_f64_s, -2147483648.9, I32_MIN),
    (n.i32_trunc_f64_s, 2147483647.9, I32_MAX),
    (n.i32_trunc_f64_u, 4294967295.9, I32_NEG1),
    (n.i32_trunc_f64_u, -0.9, 0),
    (n.i64_trunc_f64_s, -9223372036854775808.0, I64_MIN),
    (n.i64_trunc_f64_s, 9223372036854774784.0, 0x7FFFFFFFFFFFFC00),
    (n.i64_trunc_f64_u, 18446744073709549568.0, 0xFFFFFFFFFFFFF800),
])
def test_trunc_in_range(fn, a, expected):
    assert fn(a) == expected


@pytest.mark.parametrize("fn,a,expected", [
    (n.i32_trunc_sat_f32_s, 0x7FC00000, 0), (n.i32_trunc_sat_f32_s, POS_INF32, I32_MAX),
    (n.i32_trunc_sat_f32_s, NEG_INF32, I32_MIN), (n.i32_trunc_sat_f32_s, 0xBFC00000, I32_NEG1),
    (n.i32_trunc_sat_f32_u, 0xBF800000, 0), (n.i32_trunc_sat_f32_u, 0x4F800000, I32_NEG1),
    (n.i64_trunc_sat_f32_s, 0x5F000000, I64_MAX), (n.i64_trunc_sat_f32_s, 0xFFA00000, 0),
    (n.i64_trunc_sat_f32_u, 0x5F800000, I64_NEG1), (n.i64_trunc_sat_f32_u, NEG_INF32, 0),
    (n.i32_trunc_sat_f64_s, 1e10, I32_MAX), (n.i32_trunc_sat_f64_s, -1e10, I32_MIN),
    (n.i32_trunc_sat_f64_u, NAN64, 0), (n.i32_trunc_sat_f64_u, 4294967295.5, I32_NEG1),
    (n.i64_trunc_sat_f64_s, -INF, I64_MIN), (n.i64_trunc_sat_f64_s, -1.5, I64_NEG1),
    (n.i64_trunc_sat_f64_u, 1e20, I64_NEG1), (n.i64_trunc_sat_f64_u, -0.5, 0),
])
def test_trunc_sat(fn, a, expected):
    assert fn(a) == expected


@pytest.mark.parametrize("fn,a,expected", [
    (n.f32_convert_i32_s, I32_NEG1, 0xBF800000),
    (n.f32_convert_i32_s, I32_MIN, 0xCF000000),
    (n.f32_convert_i32_u, I32_NEG1, 0x4F800000),               # 2^32 - 1 rounds up to 2^32
    (n.f32_convert_i32_s, 0x01000001, 0x4B800000),             # 2^24 + 1: tie -> even
    (n.f32_convert_i32_s, 0x01000003, 0x4B800002),             # 2^24 + 3: tie -> even (up)
    (n.f32_convert_i64_u, I64_NEG1, 0x5F800000),
    (n.f32_convert_i64_s, I64_MIN, 0xDF000000),
    # Double rounding traps: going through f64 first would round these to the tie.
    (n.f32_convert_i64_u, (1 << 63) + (1 << 39) + 1, 0x5F000001),
    (n.f32_convert_i64_s, (1 << 53) + (1 << 29) + 1, 0x5A000001),
    (n.f32_convert_i64_s, (1 << 64) - ((1 << 53) + (1 << 29) + 1), 0xDA000001),
    (n.f32_convert_i64_u, (1 << 63) + (1 << 39), 0x5F000000),  # exact tie -> even
    (n.f32_convert_i64_u, 0xFFFFFF7FFFFFFFFF, 0x5F7FFFFF),     # just below the tie
    (n.f32_convert_i64_u, 0xFFFFFF8000000000, 0x5F800000),     # the tie -> even (2^64)
])
def test_convert_to_f32(fn, a, expected):
    assert fn(a) == expected


@pytest.mark.parametrize("fn,a,expected", [
    (n.f64_convert_i32_s, I32_MIN, -2147483648.0),
    (n.f64_convert_i32_u, I32_NEG1, 4294967295.0),
    (n.f64_convert_i64_s, I64_MIN, -9223372036854775808.0),
    (n.f64_convert_i64_s, I64_NEG1, -1.0),
    (n.f64_convert_i64_u, I64_NEG1, 18446744073709551616.0),
    (n.f64_convert_i64_u, (1 << 53) + 1, 9007199254740992.0),           # tie -> even
    (n.f64_convert_i64_u, (1 << 53) + 3, 9007199254740996.0),           # tie -> even (up)
    (n.f64_convert_i64_u, (1 << 63) + (1 << 10) + 1, 9223372036854777856.0),
    (n.f64_convert_i64_s, 0x7FFFFFFFFFFFFDFF, 9223372036854774784.0),
])
def test_convert_to_f64(fn, a, expected):
    assert fn(a) == expected


def test_demote_and_promote():
    assert n.f32_demote_f64(1e300) == POS_INF32
    assert n.f32_demote_f64(-1e300) == NEG_INF32
    assert n.f32_demote_f64(3.4028235677973366e38) == POS_INF32          # tie past max -> inf
    assert n.f32_demote_f64(3.4028235677973362e38) == 0x7F7FFFFF
    assert n.f32_demote_f64(1.0 + 2.0 ** -24) == 0x3F800000              # tie -> even
    assert n.f32_demote_f64(1.0 + 2.0 ** -24 + 2.0 ** -52) == 0x3F800001
    assert n.f32_demote_f64(5e-324) == 0
    assert n.f32_demote_f64(-5e-324) == NEG_ZERO32
    assert n.f32_demote_f64(-0.0) == NEG_ZERO32
    assert n.f32_demote_f64(NAN64) & 0x7FFFFFFF == 0x7FC00000            # canonical stays
    r = n.f32_demote_f64(F64(0x7FF4000000000000))
    assert is_f32_nan(r) and r & 0x00400000                              # arithmetic
    assert n.f64_promote_f32(0x00000001) == 2.0 ** -149
    assert B64(n.f64_promote_f32(NEG_ZERO32)) == B64(-0.0)
    assert B64(n.f64_promote_f32(0x7FC00000)) == 0x7FF8000000000000
    assert B64(n.f64_promote_f32(0x7FA00000)) & 0x0008000000000000


def test_f32_comparisons():
    nan, one, two = 0x7FC00000, 0x3F800000, 0x40000000
    assert n.f32_eq(0, NEG_ZERO32) == 1 and n.f32_ne(0, NEG_ZERO32) == 0
    assert n.f32_eq(nan, nan) == 0 and n.f32_ne(nan, nan) == 1
    assert n.f32_lt(NEG_ZERO32, 0) == 0 and n.f32_le(NEG_ZERO32, 0) == 1
    assert n.f32_lt(0xC0000000, 0xBF800000) == 1                         # -2 < -1
    assert n.f32_gt(one, 0xBF800000) == 1 and n.f32_ge(one, two) == 0
    assert n.f32_lt(NEG_INF32, 0xFF7FFFFF) == 1
    for cmp in (n.f32_lt, n.f32_gt, n.f32_le, n.f32_ge, n.f32_eq):
        assert cmp(nan, one) == 0 and cmp(one, 0x7FA00000) == 0


def test_f64_comparisons():
    assert n.f64_eq(0.0, -0.0) == 1 and n.f64_ne(NAN64, NAN64) == 1
    assert n.f64_lt(-0.0, 0.0) == 0 and n.f64_ge(-0.0, 0.0) == 1
    assert n.f64_gt(NAN64, 1.0) == 0 and n.f64_le(1.0, NAN64) == 0


# --- helpers ---------------------------------------------------------------------------

def test_float_to_f32_and_back():
    assert n.float_to_f32(1.0) == 0x3F800000
    assert n.float_to_f32(1e39) == POS_INF32 and n.float_to_f32(-1e39) == NEG_INF32
    assert n.f32_to_float(0x00000001) == 2.0 ** -149
    assert n.f32_to_float(0xFF7FFFFF) == -(2.0 - 2.0 ** -23) * 2.0 ** 127
    assert n.u32_to_s32(0xFFFFFFFF) == -1 and n.u32_to_s32(I32_MAX) == I32_MAX
    assert n.u64_to_s64(I64_MIN) == -(1 << 63)
    assert n.s32_to_u32(-1) == I32_NEG1 and n.s64_to_u64(-2) == I64_NEG1 - 1
