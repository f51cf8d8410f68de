"""SIMD integer lane instructions as kernels over v128 ints.

KERNELS maps an instruction name (``"i8x16.add"``) to a function of its
operands in wasm order (v128 values as unsigned 128-bit ints, shift counts
as u32) that returns the result (a v128, or a u32 for the tests
all_true / bitmask).  None of them trap.

Most kernels work on the whole 128-bit int at once ("SWAR"), with masks
that keep carries and borrows inside each lane.  For lanes of width w,
H has the top bit of every lane set and L = ~H the other bits:

- add: ((a & L) + (b & L)) ^ ((a ^ b) & H)  (the top bits added without
  carry out of the lane);  sub likewise from (a | H) - (b & L);
- the top bit of (a | H) - (b & L) is set iff low(a) >= low(b); with the
  top bits of a and b this gives a < b (unsigned) in every lane's top bit;
  signed compares flip the top bits first;
- spread(t) = (t << 1) - (t >> (w - 1)) turns top bits into all-ones
  lanes (a lane mask), so min / max / saturation are bit selects.

Multiplications, narrowing and q15mulr go lane by lane (simd_lanes arrays).
See simd_lanes for the MicroPython rules the kernels are written under.
"""

from wasmbed.core.simd_lanes import (
    M64, M128, rep, high_bits, lane_mask, lanes_fn, join_fn)

KERNELS = {}

_SHAPES = {8: "i8x16", 16: "i16x8", 32: "i32x4", 64: "i64x2"}
_TC_S = {8: "b", 16: "h", 32: "i", 64: "q"}
_TC_U = {8: "B", 16: "H", 32: "I", 64: "Q"}


# --- SWAR building blocks ----------------------------------------------------------

def _add(w):
    H = high_bits(w)
    L = M128 ^ H

    def add(a, b):
        return ((a & L) + (b & L)) ^ ((a ^ b) & H)
    return add


def _sub(w):
    H = high_bits(w)
    L = M128 ^ H

    def sub(a, b):
        return ((a | H) - (b & L)) ^ ((a ^ b ^ H) & H)
    return sub


def _neg(w):
    H = high_bits(w)
    L = M128 ^ H

    def neg(a):
        return (H - (a & L)) ^ ((a & H) ^ H)
    return neg


def _lt_top(w):
    # a <u b in the top bit of every lane (other bits zero)
    H = high_bits(w)
    L = M128 ^ H

    def lt_top(a, b):
        x = (a | H) - (b & L)           # top bit: low(a) >= low(b)
        return ((b & (a ^ H)) | (((a ^ b) | x) ^ H)) & H
    return lt_top


def _compare(w, signed, swap, invert):
    """a OP b as lane masks: lt (swap=False), gt (swap=True); invert gives
    ge / le."""
    lt_top = _lt_top(w)
    n = w - 1
    flip = high_bits(w) if signed else 0
    inv = high_bits(w) if invert else 0
    if swap:
        def cmp_swapped(a, b, lt_top=lt_top, n=n, flip=flip, inv=inv):
            t = lt_top(b ^ flip, a ^ flip) ^ inv
            return (t << 1) - (t >> n)
        return cmp_swapped

    def cmp(a, b, lt_top=lt_top, n=n, flip=flip, inv=inv):
        t = lt_top(a ^ flip, b ^ flip) ^ inv
        return (t << 1) - (t >> n)
    return cmp


def _eq(w, ne):
    H = high_bits(w)
    L = M128 ^ H
    n = w - 1
    inv = 0 if ne else H

    def eq(a, b, H=H, L=L, n=n, inv=inv):
        x = a ^ b
        t = ((((x & L) + L) | x) & H) ^ inv      # top bit: lane differs
        return (t << 1) - (t >> n)
    return eq


def _minmax(w, signed, want_max):
    lt_top = _lt_top(w)
    n = w - 1
    flip = high_bits(w) if signed else 0
    if want_max:
        def vmax(a, b, lt_top=lt_top, n=n, flip=flip):
            t = lt_top(a ^ flip, b ^ flip)
            return a ^ ((a ^ b) & ((t << 1) - (t >> n)))
        return vmax

    def vmin(a, b, lt_top=lt_top, n=n, flip=flip):
        t = lt_top(a ^ flip, b ^ flip)
        return b ^ ((a ^ b) & ((t << 1) - (t >> n)))
    return vmin


def _abs(w):
    sub = _sub(w)
    H = high_bits(w)
    n = w - 1

    def vabs(a):
        t = a & H
        s = (t << 1) - (t >> n)          # all ones in negative lanes
        return sub(a ^ s, s)
    return vabs


def _shl(w):
    n = w - 1
    masks = tuple(rep(w) * ((lane_mask(w) << s) & lane_mask(w)) for s in range(w))

    def shl(a, s):
        s &= n
        return (a << s) & masks[s]
    return shl


def _shr_u(w):
    n = w - 1
    keeps = tuple(rep(w) * (lane_mask(w) >> s) for s in range(w))

    def shr_u(a, s):
        s &= n
        return (a >> s) & keeps[s]
    return shr_u


def _shr_s(w):
    n = w - 1
    H = high_bits(w)
    keeps = tuple(rep(w) * (lane_mask(w) >> s) for s in range(w))

    def shr_s(a, s, n=n, H=H, keeps=keeps):
        s &= n
        t = a & H
        k = keeps[s]
        return ((a >> s) & k) | (((t << 1) - (t >> n)) & (k ^ M128))
    return shr_s


def _all_true(w):
    H = high_bits(w)
    L = M128 ^ H

    def all_true(a):
        return 1 if (((a & L) + L) | a) & H == H else 0
    return all_true


def _bitmask(w):
    # x holds each lane's top bit at the lane's bit 0; one multiplication
    # adds up shifted copies of x so that lane i's bit lands at bit top + i
    # of the product, where no other copy reaches (for 16 lanes the two
    # 64-bit halves are done apart, else copies would collide)
    n = w - 1
    r = rep(w)
    if w == 8:
        C = 0
        for i in range(8):
            C |= 1 << (56 - 7 * i)

        def bitmask8(a):
            x = (a >> 7) & r
            return (((x & M64) * C >> 56) & 0xFF) | ((((x >> 64) * C) >> 48) & 0xFF00)
        return bitmask8
    lanes = 128 // w
    top = 128 - lanes
    C = 0
    for i in range(lanes):
        C |= 1 << (top - n * i)
    m = lane_mask(lanes)

    def bitmask(a, n=n, r=r, C=C, top=top, m=m):
        return ((((a >> n) & r) * C) >> top) & m
    return bitmask


def _spread(w):
    """f(x) for x < 2**64: the w-bit lanes of x moved to 2w-bit lanes (zero
    extended), by halving steps: 32-bit halves apart, then 16-bit, ..."""
    m32 = rep(64) * lane_mask(32)
    if w == 32:
        def spread32(x):
            return (x | (x << 32)) & m32
        return spread32
    m16 = rep(32) * lane_mask(16)
    if w == 16:
        def spread16(x):
            x = (x | (x << 32)) & m32
            return (x | (x << 16)) & m16
        return spread16
    m8 = rep(16) * lane_mask(8)

    def spread8(x):
        x = (x | (x << 32)) & m32
        x = (x | (x << 16)) & m16
        return (x | (x << 8)) & m8
    return spread8


def _extend(w, high, signed):
    # the w-bit lanes of one half, widened to 2w-bit lanes; signed: each
    # lane's sign bit (bit w-1) copied over the new top half
    spread = _spread(w)
    if not signed:
        if high:
            def extend_high_u(a):
                return spread(a >> 64)
            return extend_high_u

        def extend_low_u(a):
            return spread(a & M64)
        return extend_low_u
    T = rep(2 * w) << (w - 1)
    fill = lane_mask(w)
    if high:
        def extend_high_s(a, spread=spread, T=T, fill=fill):
            a = spread(a >> 64)
            return a | (((a & T) << 1) * fill)
        return extend_high_s

    def extend_low_s(a, spread=spread, T=T, fill=fill):
        a = spread(a & M64)
        return a | (((a & T) << 1) * fill)
    return extend_low_s


def _add_sat(w, signed):
    add = _add(w)
    H = high_bits(w)
    n = w - 1
    if signed:
        def add_sat_s(a, b):
            s = add(a, b)
            t = (a ^ b ^ H) & (a ^ s) & H             # overflowed lanes
            t = (t << 1) - (t >> n)
            a = (M128 ^ H) + ((a & H) >> n)            # 0x7f.. or 0x80..
            return s ^ ((s ^ a) & t)
        return add_sat_s

    def add_sat_u(a, b):
        s = add(a, b)
        t = ((a & b) | ((a | b) & (s ^ H))) & H       # carry out of lane
        return s | ((t << 1) - (t >> n))
    return add_sat_u


def _sub_sat(w, signed):
    sub = _sub(w)
    H = high_bits(w)
    n = w - 1
    if signed:
        def sub_sat_s(a, b):
            s = sub(a, b)
            t = (a ^ b) & (a ^ s) & H
            t = (t << 1) - (t >> n)
            a = (M128 ^ H) + ((a & H) >> n)
            return s ^ ((s ^ a) & t)
        return sub_sat_s
    lt_top = _lt_top(w)

    def sub_sat_u(a, b, sub=sub, lt_top=lt_top, n=n):
        t = lt_top(a, b)                                # borrow out of lane
        return sub(a, b) & (((t << 1) - (t >> n)) ^ M128)
    return sub_sat_u


def _avgr_u(w):
    L = M128 ^ high_bits(w)

    def avgr_u(a, b):
        return (a | b) - (((a ^ b) >> 1) & L)
    return avgr_u


def _popcnt_i8x16(a):
    a -= (a >> 1) & _C55
    a = (a & _C33) + ((a >> 2) & _C33)
    return (a + (a >> 4)) & _C0F


_C55 = rep(8) * 0x55
_C33 = rep(8) * 0x33
_C0F = rep(8) * 0x0F


def _extadd_pairwise(w, signed):
    # 2w-bit lanes: even w-bit lane + odd w-bit lane.  Signed: add with the
    # top bits flipped (each lane biased by 2**(w-1)), then remove the bias
    # 2**w by adding its two's complement in 2w bits.
    E = rep(2 * w) * lane_mask(w)
    if not signed:
        def pairwise_u(a):
            return (a & E) + ((a >> w) & E)
        return pairwise_u
    flip = high_bits(w)
    add2 = _add(2 * w)
    bias = rep(2 * w) * (lane_mask(2 * w) ^ lane_mask(w))

    def pairwise_s(a, E=E, flip=flip, add2=add2, bias=bias, w=w):
        a ^= flip
        return add2((a & E) + ((a >> w) & E), bias)
    return pairwise_s


# --- lane by lane ----------------------------------------------------------------------

def _map2(lanes, join, f):
    def k(a, b):
        return join(map(f, lanes(a), lanes(b)))
    return k


def _mul_mod(w):
    m = lane_mask(w)

    def mul(x, y):
        return (x * y) & m
    return mul


def _times(x, y):
    return x * y


def _clamp(lo, hi):
    def clamp(x):
        return lo if x < lo else (hi if x > hi else x)
    return clamp


def _narrow(w, signed):
    # two vectors of signed w-bit lanes -> one of saturated w/2-bit lanes
    h = w // 2
    lanes = lanes_fn(_TC_S[w])
    if signed:
        clamp = _clamp(-(1 << (h - 1)), (1 << (h - 1)) - 1)
        join = join_fn(_TC_S[h])
    else:
        clamp = _clamp(0, lane_mask(h))
        join = join_fn(_TC_U[h])

    def narrow(a, b):
        return join(map(clamp, lanes(a) + lanes(b)))
    return narrow


def _extmul(w, high, signed):
    # products of half the w-bit lanes, exact in 2w bits
    tc = (_TC_S if signed else _TC_U)
    lanes = lanes_fn(tc[w], "high" if high else "low")
    join = join_fn(tc[2 * w])

    def extmul(a, b):
        return join(map(_times, lanes(a), lanes(b)))
    return extmul


def _q15mulr(x, y):
    r = (x * y + 0x4000) >> 15
    return 0x7FFF if r > 0x7FFF else r   # only -32768 * -32768 overflows


_lanes_h = lanes_fn("h")
_join_I = join_fn("I")


def _dot_i16x8_s(a, b):
    p = list(map(_times, _lanes_h(a), _lanes_h(b)))
    return _join_I([(p[0] + p[1]) & 0xFFFFFFFF, (p[2] + p[3]) & 0xFFFFFFFF,
                    (p[4] + p[5]) & 0xFFFFFFFF, (p[6] + p[7]) & 0xFFFFFFFF])


def _register():
    K = KERNELS
    for w, s in _SHAPES.items():
        K[s + ".add"] = _add(w)
        K[s + ".sub"] = _sub(w)
        K[s + ".neg"] = _neg(w)
        K[s + ".abs"] = _abs(w)
        K[s + ".shl"] = _shl(w)
        K[s + ".shr_s"] = _shr_s(w)
        K[s + ".shr_u"] = _shr_u(w)
        K[s + ".all_true"] = _all_true(w)
        K[s + ".bitmask"] = _bitmask(w)
        K[s + ".eq"] = _eq(w, False)
        K[s + ".ne"] = _eq(w, True)
        for signed in (True, False):
            if w == 64 and not signed:
                continue
            sg = "_s" if signed else "_u"
            K[s + ".lt" + sg] = _compare(w, signed, False, False)
            K[s + ".gt" + sg] = _compare(w, signed, True, False)
            K[s + ".le" + sg] = _compare(w, signed, True, True)
            K[s + ".ge" + sg] = _compare(w, signed, False, True)
            if w < 64:
                K[s + ".min" + sg] = _minmax(w, signed, False)
                K[s + ".max" + sg] = _minmax(w, signed, True)
            if w < 32:
                K[s + ".add_sat" + sg] = _add_sat(w, signed)
                K[s + ".sub_sat" + sg] = _sub_sat(w, signed)
        if w > 8:
            K[s + ".mul"] = _map2(lanes_fn(_TC_U[w]), join_fn(_TC_U[w]), _mul_mod(w))
            h = _SHAPES[w // 2]
            for half in ("low", "high"):
                for sg in ("s", "u"):
                    K["%s.extend_%s_%s_%s" % (s, half, h, sg)] = \
                        _extend(w // 2, half == "high", sg == "s")
                    K["%s.extmul_%s_%s_%s" % (s, half, h, sg)] = \
                        _extmul(w // 2, half == "high", sg == "s")
        if w < 32:
            K[s + ".avgr_u"] = _avgr_u(w)
        if 8 < w < 64:
            h = _SHAPES[w // 2]
            K["%s.narrow_%s_s" % (h, s)] = _narrow(w, True)
            K["%s.narrow_%s_u" % (h, s)] = _narrow(w, False)
            K["%s.extadd_pairwise_%s_s" % (s, h)] = _extadd_pairwise(w // 2, True)
            K["%s.extadd_pairwise_%s_u" % (s, h)] = _extadd_pairwise(w // 2, False)
    K["i8x16.popcnt"] = _popcnt_i8x16
    K["i16x8.q15mulr_sat_s"] = _map2(lanes_fn("h"), join_fn("h"), _q15mulr)
    K["i32x4.dot_i16x8_s"] = _dot_i16x8_s


_register()
