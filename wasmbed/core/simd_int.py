"""SIMD integer lane instructions as kernels over v128 ints.

KERNELS maps an instruction name (``"i8x16.add"``) to a function of its
operands in wasm order (v128 values as unsigned 128-bit ints, shift counts
as u32) that returns the result (a v128, or a u32 for the tests
all_true / bitmask).  None of them trap.

Wrapping add / sub / shifts work on the whole 128-bit int at once
(carries are kept inside each lane with the lanes' top-bit mask);
everything else unpacks lanes with ``struct`` (see simd_lanes).
"""

from wasmbed.core.simd_lanes import (
    M128, FMT_U, FMT_S, HALF_U, HALF_S, rep, high_bits, lane_mask,
    unpack, pack, to_bytes, from_bytes)
import struct

_pack = struct.pack
_unpack = struct.unpack

KERNELS = {}

_SHAPES = {8: "i8x16", 16: "i16x8", 32: "i32x4", 64: "i64x2"}


# --- whole-vector arithmetic ----------------------------------------------------

def _add(w):
    hi = high_bits(w)
    lo = M128 ^ hi

    def k(a, b):
        return ((a & lo) + (b & lo)) ^ ((a ^ b) & hi)
    return k


def _sub(w):
    hi = high_bits(w)
    lo = M128 ^ hi

    def k(a, b):
        return ((a | hi) - (b & lo)) ^ ((a ^ b ^ hi) & hi)
    return k


def _neg(w):
    sub = _sub(w)

    def k(a):
        return sub(0, a)
    return k


def _shl(w):
    r = rep(w)
    m = lane_mask(w)
    n = w - 1

    def k(a, s):
        s &= n
        return (a << s) & (r * ((m << s) & m))
    return k


def _shr_u(w):
    r = rep(w)
    m = lane_mask(w)
    n = w - 1

    def k(a, s):
        s &= n
        return (a >> s) & (r * (m >> s))
    return k


def _shr_s(w):
    r = rep(w)
    m = lane_mask(w)
    n = w - 1
    hi = high_bits(w)

    def k(a, s):
        s &= n
        keep = r * (m >> s)
        neg = ((a & hi) >> n) * m          # all ones in every negative lane
        return ((a >> s) & keep) | (neg & (M128 ^ keep))
    return k


# --- lane-list helpers ----------------------------------------------------------

def _map1(fin, fout, f):
    def k(a):
        return from_bytes(_pack(fout, *map(f, _unpack(fin, to_bytes(a)))))
    return k


def _map2(fin, fout, f):
    def k(a, b):
        return from_bytes(_pack(fout, *map(f, _unpack(fin, to_bytes(a)),
                                          _unpack(fin, to_bytes(b)))))
    return k


def _cmp(fin, w, pred):
    ones = lane_mask(w)
    fout = FMT_U[w]

    def f(x, y):
        return ones if pred(x, y) else 0
    return _map2(fin, fout, f)


def _clamp(lo, hi):
    def f(x):
        return lo if x < lo else (hi if x > hi else x)
    return f


def _sat2(fin, lo, hi, combine):
    def f(x, y):
        r = combine(x, y)
        return lo if r < lo else (hi if r > hi else r)
    return _map2(fin, fin, f)


def _all_true(w):
    fmt = FMT_U[w]

    def k(a):
        for x in unpack(fmt, a):
            if not x:
                return 0
        return 1
    return k


def _bitmask(w):
    fmt = FMT_U[w]
    n = w - 1

    def k(a):
        r = 0
        i = 0
        for x in unpack(fmt, a):
            r |= (x >> n) << i
            i += 1
        return r
    return k


def _narrow(w, signed):
    # two vectors of signed w-bit lanes -> one of saturated w/2-bit lanes
    h = w // 2
    fin = FMT_S[w]
    if signed:
        lo, hi, fout = -(1 << (h - 1)), (1 << (h - 1)) - 1, FMT_S[h]
    else:
        lo, hi, fout = 0, (1 << h) - 1, FMT_U[h]
    f = _clamp(lo, hi)

    def k(a, b):
        return from_bytes(_pack(fout, *map(f, unpack(fin, a) + unpack(fin, b))))
    return k


def _extend(w, high, signed):
    # half of the w-bit lanes (low or high) widened to 2w-bit lanes
    fin = (HALF_S if signed else HALF_U)[w]
    fout = (FMT_S if signed else FMT_U)[2 * w]
    i = 8 if high else 0

    def k(a):
        return from_bytes(_pack(fout, *_unpack(fin, to_bytes(a)[i:i + 8])))
    return k


def _extmul(w, high, signed):
    fin = (HALF_S if signed else HALF_U)[w]
    fout = (FMT_S if signed else FMT_U)[2 * w]
    i = 8 if high else 0

    def mul(x, y):
        return x * y

    def k(a, b):
        return from_bytes(_pack(fout, *map(mul, _unpack(fin, to_bytes(a)[i:i + 8]),
                                          _unpack(fin, to_bytes(b)[i:i + 8]))))
    return k


def _extadd_pairwise(w, signed):
    fin = (FMT_S if signed else FMT_U)[w]
    fout = (FMT_S if signed else FMT_U)[2 * w]

    evens = tuple(range(0, 128 // w, 2))

    def k(a):
        x = unpack(fin, a)   # (MicroPython has no stepped slices)
        return from_bytes(_pack(fout, *[x[i] + x[i + 1] for i in evens]))
    return k


def _plus(x, y):
    return x + y


def _minus(x, y):
    return x - y


def _mul(w):
    m = lane_mask(w)

    def f(x, y):
        return (x * y) & m
    return _map2(FMT_U[w], FMT_U[w], f)


def _abs(w):
    m = lane_mask(w)

    def f(x):
        return abs(x) & m
    return _map1(FMT_S[w], FMT_U[w], f)


def _avgr(x, y):
    return (x + y + 1) >> 1


def _q15mulr(x, y):
    r = (x * y + 0x4000) >> 15
    return 0x7FFF if r > 0x7FFF else r   # only -32768 * -32768 overflows


def _dot_i16x8_s(a, b):
    p = list(map(_times, unpack("<8h", a), unpack("<8h", b)))
    return from_bytes(_pack("<4I", *[(p[i] + p[i + 1]) & 0xFFFFFFFF
                                     for i in range(0, 8, 2)]))


def _times(x, y):
    return x * y


def _popcnt_i8x16(a):
    return from_bytes(bytes([_POP8[x] for x in to_bytes(a)]))


_POP8 = bytes([bin(i).count("1") for i in range(256)])


def _lt(x, y):
    return x < y


def _gt(x, y):
    return x > y


def _le(x, y):
    return x <= y


def _ge(x, y):
    return x >= y


def _eq(x, y):
    return x == y


def _ne(x, y):
    return x != y


def _register():
    K = KERNELS
    for w, s in _SHAPES.items():
        S, U = FMT_S[w], FMT_U[w]
        K[s + ".add"] = _add(w)
        K[s + ".sub"] = _sub(w)
        K[s + ".neg"] = _neg(w)
        K[s + ".abs"] = _abs(w)
        K[s + ".shl"] = _shl(w)
        K[s + ".shr_s"] = _shr_s(w)
        K[s + ".shr_u"] = _shr_u(w)
        K[s + ".all_true"] = _all_true(w)
        K[s + ".bitmask"] = _bitmask(w)
        K[s + ".eq"] = _cmp(U, w, _eq)
        K[s + ".ne"] = _cmp(U, w, _ne)
        for name, pred in (("lt", _lt), ("gt", _gt), ("le", _le), ("ge", _ge)):
            K[s + "." + name + "_s"] = _cmp(S, w, pred)
            if w < 64:
                K[s + "." + name + "_u"] = _cmp(U, w, pred)
        if w > 8:
            K[s + ".mul"] = _mul(w)
            h = _SHAPES[w // 2]
            for half in ("low", "high"):
                for sg in ("s", "u"):
                    K["%s.extend_%s_%s_%s" % (s, half, h, sg)] = \
                        _extend(w // 2, half == "high", sg == "s")
                    K["%s.extmul_%s_%s_%s" % (s, half, h, sg)] = \
                        _extmul(w // 2, half == "high", sg == "s")
        if w < 64:
            K[s + ".min_s"] = _map2(S, S, min)
            K[s + ".min_u"] = _map2(U, U, min)
            K[s + ".max_s"] = _map2(S, S, max)
            K[s + ".max_u"] = _map2(U, U, max)
        if w < 32:
            lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
            K[s + ".add_sat_s"] = _sat2(S, lo, hi, _plus)
            K[s + ".sub_sat_s"] = _sat2(S, lo, hi, _minus)
            K[s + ".add_sat_u"] = _sat2(U, 0, lane_mask(w), _plus)
            K[s + ".sub_sat_u"] = _sat2(U, 0, lane_mask(w), _minus)
            K[s + ".avgr_u"] = _map2(U, U, _avgr)
        if 8 < w < 64:
            h = _SHAPES[w // 2]
            K["%s.narrow_%s_s" % (h, s)] = _narrow(w, True)
            K["%s.narrow_%s_u" % (h, s)] = _narrow(w, False)
            K["%s.extadd_pairwise_%s_s" % (s, h)] = _extadd_pairwise(w // 2, True)
            K["%s.extadd_pairwise_%s_u" % (s, h)] = _extadd_pairwise(w // 2, False)
    K["i8x16.popcnt"] = _popcnt_i8x16
    K["i16x8.q15mulr_sat_s"] = _map2("<8h", "<8h", _q15mulr)
    K["i32x4.dot_i16x8_s"] = _dot_i16x8_s


_register()
