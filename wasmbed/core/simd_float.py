"""SIMD float lane instructions and lane conversions, as kernels.

KERNELS maps an instruction name (``"f32x4.add"``) to a function of its
v128 operands returning the v128 result.  Every lane is computed by the
scalar function of wasmbed.core.numeric, so lanes follow exactly the
scalar rules (NaN propagation, +-0, rounding, saturation).

f32 lanes are handled as raw u32 bits (``"<4I"``), never as Python floats,
so abs / neg / pmin / pmax keep NaN payloads bit for bit; abs and neg are
plain bit operations on the whole vector.  f64 lanes are Python floats
(``"<2d"`` keeps payloads).  None of these trap.
"""

import struct

from wasmbed.core import numeric as N
from wasmbed.core.simd_lanes import M128, rep, to_bytes, from_bytes

_pack = struct.pack
_unpack = struct.unpack

KERNELS = {}

_F32_SIGNS = rep(32) << 31
_F64_SIGNS = rep(64) << 63


def _map1(fin, fout, f):
    def k(a):
        return from_bytes(_pack(fout, *map(f, _unpack(fin, to_bytes(a)))))
    return k


def _map2(fin, fout, f):
    def k(a, b):
        return from_bytes(_pack(fout, *map(f, _unpack(fin, to_bytes(a)),
                                          _unpack(fin, to_bytes(b)))))
    return k


def _low_half(fin, fout, f):
    # the low 8 bytes' lanes, converted: a vector twice as wide
    def k(a):
        return from_bytes(_pack(fout, *map(f, _unpack(fin, to_bytes(a)[0:8]))))
    return k


# every lane converted to half its width; fout packs 8 bytes, so the high
# half of the result is zero
_zero_high = _map1


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
    return y if y < x else x


def _f64_pmax(x, y):
    return y if x < y else x


def _register():
    K = KERNELS
    F32, F64 = "<4I", "<2d"
    K["f32x4.abs"] = _f32_abs
    K["f32x4.neg"] = _f32_neg
    K["f64x2.abs"] = _f64_abs
    K["f64x2.neg"] = _f64_neg
    for op in ("ceil", "floor", "trunc", "nearest", "sqrt"):
        K["f32x4." + op] = _map1(F32, F32, getattr(N, "f32_" + op))
        K["f64x2." + op] = _map1(F64, F64, getattr(N, "f64_" + op))
    for op in ("add", "sub", "mul", "div", "min", "max"):
        K["f32x4." + op] = _map2(F32, F32, getattr(N, "f32_" + op))
        K["f64x2." + op] = _map2(F64, F64, getattr(N, "f64_" + op))
    K["f32x4.pmin"] = _map2(F32, F32, _f32_pmin)
    K["f32x4.pmax"] = _map2(F32, F32, _f32_pmax)
    K["f64x2.pmin"] = _map2(F64, F64, _f64_pmin)
    K["f64x2.pmax"] = _map2(F64, F64, _f64_pmax)
    for op in ("eq", "ne", "lt", "gt", "le", "ge"):
        K["f32x4." + op] = _map2(F32, "<4I", _mask_cmp(0xFFFFFFFF, getattr(N, "f32_" + op)))
        K["f64x2." + op] = _map2(F64, "<2Q", _mask_cmp(N.M64, getattr(N, "f64_" + op)))
    K["i32x4.trunc_sat_f32x4_s"] = _map1(F32, "<4I", N.i32_trunc_sat_f32_s)
    K["i32x4.trunc_sat_f32x4_u"] = _map1(F32, "<4I", N.i32_trunc_sat_f32_u)
    K["f32x4.convert_i32x4_s"] = _map1("<4I", F32, N.f32_convert_i32_s)
    K["f32x4.convert_i32x4_u"] = _map1("<4I", F32, N.f32_convert_i32_u)
    K["i32x4.trunc_sat_f64x2_s_zero"] = _zero_high(F64, "<2I", N.i32_trunc_sat_f64_s)
    K["i32x4.trunc_sat_f64x2_u_zero"] = _zero_high(F64, "<2I", N.i32_trunc_sat_f64_u)
    K["f32x4.demote_f64x2_zero"] = _zero_high(F64, "<2I", N.f32_demote_f64)
    K["f64x2.convert_low_i32x4_s"] = _low_half("<2I", F64, N.f64_convert_i32_s)
    K["f64x2.convert_low_i32x4_u"] = _low_half("<2I", F64, N.f64_convert_i32_u)
    K["f64x2.promote_low_f32x4"] = _low_half("<2I", F64, N.f64_promote_f32)


_register()
