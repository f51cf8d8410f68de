"""Relaxed SIMD (WebAssembly 3.0, 0xFD 0x100 .. 0x113), as kernels.

The spec lets each relaxed instruction return one of a few results for
some inputs (out-of-range swizzle indices, NaN or out-of-range truncation,
fused or unfused multiply-add, mixed laneselect masks, NaN or signed-zero
min/max, the one overflowing q15 product, dot products with a top bit set
in the second operand). wasmbed always makes the same choice, in both
tiers and in soft float mode, so a program sees one consistent result:

- ``i8x16.relaxed_swizzle``: as ``i8x16.swizzle`` (an index >= 16 gives 0);
- ``i32x4.relaxed_trunc_*``: as the saturating ``i32x4.trunc_sat_*``
  (NaN gives 0, out of range saturates; the f64x2 forms zero the high lanes);
- ``f32x4/f64x2.relaxed_madd(a, b, c)``: unfused, ``(a * b) + c`` with two
  roundings (numeric's mul then add, lane by lane);
  ``relaxed_nmadd(a, b, c)``: unfused ``-(a * b) + c``;
- ``i8x16/i16x8/i32x4/i64x2.relaxed_laneselect(a, b, m)``: as
  ``v128.bitselect`` (every bit of m selects, whatever the lane width);
- ``f32x4/f64x2.relaxed_min/max``: as ``min`` / ``max`` (NaN propagates,
  -0 < +0);
- ``i16x8.relaxed_q15mulr_s``: as ``i16x8.q15mulr_sat_s`` (-32768 * -32768
  saturates to 32767);
- ``i16x8.relaxed_dot_i8x16_i7x16_s``: both operands' bytes signed, each
  pair of products added with signed 16-bit saturation;
  ``i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c)``: those 16-bit sums, added
  in pairs (``extadd_pairwise_i16x8_s``) and to c modulo 2**32.

``register(K)`` adds the kernels to K, the SIMD kernel table of simd.py
(which must already hold the deterministic instructions named above). None
of them trap.
"""

from wasmbed.core import numeric as N
from wasmbed.core.simd_lanes import lanes_fn, join_fn

_lanes_f32 = lanes_fn("I")
_join_u32 = join_fn("I")
# soft float mode (core/float_host.py): f64 lanes are u64 bits
_F64_TC = "Q" if N.soft else "d"
_lanes_f64 = lanes_fn(_F64_TC)
_join_f64 = join_fn(_F64_TC)
_lanes_b = lanes_fn("b")
_lanes_i = lanes_fn("i")
_join_h = join_fn("h")


def _fma_lane(mul, add, neg):
    # one lane of (a * b) + c, or of -(a * b) + c when neg is given
    # (small closures: see simd_lanes on MicroPython)
    if neg is None:
        def f(x, y, z):
            return add(mul(x, y), z)
        return f

    def nmul(x, y):
        return neg(mul(x, y))

    def nf(x, y, z):
        return add(nmul(x, y), z)
    return nf


def _map3_f32(f):
    def k(a, b, c):
        return _join_u32(map(f, _lanes_f32(a), _lanes_f32(b), _lanes_f32(c)))
    return k


def _map3_f64(f):
    def k(a, b, c):
        return _join_f64(map(f, _lanes_f64(a), _lanes_f64(b), _lanes_f64(c)))
    return k


def _sat16(x):
    return 32767 if x > 32767 else (-32768 if x < -32768 else x)


def _dot16(a, b):
    # the 8 signed 16-bit pair sums of a's and b's signed bytes
    x = _lanes_b(a)
    y = _lanes_b(b)
    return [_sat16(x[i] * y[i] + x[i + 1] * y[i + 1]) for i in range(0, 16, 2)]


def _dot_i8x16_i7x16_s(a, b):
    return _join_h(_dot16(a, b))


def _dot_i8x16_i7x16_add_s(a, b, c):
    # lane j of the result overwrites pair sum j, which is read before
    p = _dot16(a, b)
    c = _lanes_i(c)
    for j in range(4):
        p[j] = (p[2 * j] + p[2 * j + 1] + c[j]) & 0xFFFFFFFF
    del p[4:]
    return _join_u32(p)


def register(K):
    """Add the relaxed instructions' kernels to K (see the module doc)."""
    K["i8x16.relaxed_swizzle"] = K["i8x16.swizzle"]
    for sg in ("s", "u"):
        K["i32x4.relaxed_trunc_f32x4_" + sg] = K["i32x4.trunc_sat_f32x4_" + sg]
        K["i32x4.relaxed_trunc_f64x2_%s_zero" % sg] = \
            K["i32x4.trunc_sat_f64x2_%s_zero" % sg]
    K["f32x4.relaxed_madd"] = _map3_f32(_fma_lane(N.f32_mul, N.f32_add, None))
    K["f32x4.relaxed_nmadd"] = _map3_f32(_fma_lane(N.f32_mul, N.f32_add, N.f32_neg))
    K["f64x2.relaxed_madd"] = _map3_f64(_fma_lane(N.f64_mul, N.f64_add, None))
    K["f64x2.relaxed_nmadd"] = _map3_f64(_fma_lane(N.f64_mul, N.f64_add, N.f64_neg))
    for s in ("i8x16", "i16x8", "i32x4", "i64x2"):
        K[s + ".relaxed_laneselect"] = K["v128.bitselect"]
    for s in ("f32x4", "f64x2"):
        K[s + ".relaxed_min"] = K[s + ".min"]
        K[s + ".relaxed_max"] = K[s + ".max"]
    K["i16x8.relaxed_q15mulr_s"] = K["i16x8.q15mulr_sat_s"]
    K["i16x8.relaxed_dot_i8x16_i7x16_s"] = _dot_i8x16_i7x16_s
    K["i32x4.relaxed_dot_i8x16_i7x16_add_s"] = _dot_i8x16_i7x16_add_s
