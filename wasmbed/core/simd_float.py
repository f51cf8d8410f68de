"""SIMD float lane instructions and lane conversions, as kernels.

KERNELS maps an instruction name (``"f32x4.add"``) to a function of its
v128 operands returning the v128 result.  Every lane is computed by the
scalar function of wasmbed.core.numeric, so lanes follow exactly the
scalar rules (NaN propagation, +-0, rounding, saturation).

f32 lanes are handled as raw u32 bits (typecode I), never as Python
floats, so abs / neg / pmin / pmax keep NaN payloads bit for bit; abs and
neg are plain bit operations on the whole vector.  f64 lanes are Python
floats (typecode d keeps payloads), or u64 bits in soft float mode.  None of these trap.
"""

from wasmbed.core import numeric as N
from wasmbed.core.simd_lanes import M128, rep, lanes_fn, join_fn

KERNELS = {}

_F32_SIGNS = rep(32) << 31
_F64_SIGNS = rep(64) << 63

_lanes_f32 = lanes_fn("I")
# soft float mode (core/float_host.py): f64 lanes are u64 bits
_F64_TC = "Q" if N.soft else "d"
_lanes_f64 = lanes_fn(_F64_TC)
_join_u32 = join_fn("I")
_join_u64 = join_fn("Q")
_join_f64 = join_fn(_F64_TC)


def _map1(lanes, join, f):
    def k(a):
        return join(map(f, lanes(a)))
    return k


def _map2(lanes, join, f):
    def k(a, b):
        return join(map(f, lanes(a), lanes(b)))
    return k


def _mask_cmp(ones, pred):
    # a scalar comparison returning 0 / 1 -> a lane of zeros / ones
    def f(x, y):
        return ones if pred(x, y) else 0
    return f


def _f32_abs(a):
    return a & (M128 ^ _F32_SIGNS)


def _f32_neg(a):
    return a ^ _F32_SIGNS


def _f64_abs(a):
    return a & (M128 ^ _F64_SIGNS)


def _f64_neg(a):
    return a ^ _F64_SIGNS


# pmin(a, b) = b < a ? b : a; pmax(a, b) = a < b ? b : a  (an operand's
# bits are returned unchanged, NaNs included)

def _f32_pmin(x, y):
    return y if N.f32_lt(y, x) else x


def _f32_pmax(x, y):
    return y if N.f32_lt(x, y) else x


def _f64_pmin(x, y):
    return y if N.f64_lt(y, x) else x


def _f64_pmax(x, y):
    return y if N.f64_lt(x, y) else x


def _register():
    K = KERNELS
    F32, F64 = _lanes_f32, _lanes_f64
    K["f32x4.abs"] = _f32_abs
    K["f32x4.neg"] = _f32_neg
    K["f64x2.abs"] = _f64_abs
    K["f64x2.neg"] = _f64_neg
    for op in ("ceil", "floor", "trunc", "nearest", "sqrt"):
        K["f32x4." + op] = _map1(F32, _join_u32, getattr(N, "f32_" + op))
        K["f64x2." + op] = _map1(F64, _join_f64, getattr(N, "f64_" + op))
    for op in ("add", "sub", "mul", "div", "min", "max"):
        K["f32x4." + op] = _map2(F32, _join_u32, getattr(N, "f32_" + op))
        K["f64x2." + op] = _map2(F64, _join_f64, getattr(N, "f64_" + op))
    K["f32x4.pmin"] = _map2(F32, _join_u32, _f32_pmin)
    K["f32x4.pmax"] = _map2(F32, _join_u32, _f32_pmax)
    K["f64x2.pmin"] = _map2(F64, _join_f64, _f64_pmin)
    K["f64x2.pmax"] = _map2(F64, _join_f64, _f64_pmax)
    for op in ("eq", "ne", "lt", "gt", "le", "ge"):
        K["f32x4." + op] = _map2(F32, _join_u32, _mask_cmp(0xFFFFFFFF, getattr(N, "f32_" + op)))
        K["f64x2." + op] = _map2(F64, _join_u64, _mask_cmp(N.M64, getattr(N, "f64_" + op)))
    K["i32x4.trunc_sat_f32x4_s"] = _map1(F32, _join_u32, N.i32_trunc_sat_f32_s)
    K["i32x4.trunc_sat_f32x4_u"] = _map1(F32, _join_u32, N.i32_trunc_sat_f32_u)
    K["f32x4.convert_i32x4_s"] = _map1(F32, _join_u32, N.f32_convert_i32_s)
    K["f32x4.convert_i32x4_u"] = _map1(F32, _join_u32, N.f32_convert_i32_u)
    # two f64 lanes -> two 32-bit lanes: the high 8 bytes of the result are 0
    K["i32x4.trunc_sat_f64x2_s_zero"] = _map1(F64, _join_u32, N.i32_trunc_sat_f64_s)
    K["i32x4.trunc_sat_f64x2_u_zero"] = _map1(F64, _join_u32, N.i32_trunc_sat_f64_u)
    K["f32x4.demote_f64x2_zero"] = _map1(F64, _join_u32, N.f32_demote_f64)
    # the two 32-bit lanes of the low 8 bytes -> two f64 lanes
    low32 = lanes_fn("I", "low")
    K["f64x2.convert_low_i32x4_s"] = _map1(low32, _join_f64, N.f64_convert_i32_s)
    K["f64x2.convert_low_i32x4_u"] = _map1(low32, _join_f64, N.f64_convert_i32_u)
    K["f64x2.promote_low_f32x4"] = _map1(low32, _join_f64, N.f64_promote_f32)


_register()
