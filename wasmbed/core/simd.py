"""The SIMD proposal (0xFD 0..255) for the interpreter tier.

``make(inst, M, opid, d, srcs, imms, nxt)`` builds the closure ``op(R)``
for one lowered SIMD instruction (interp_ops._generic calls it): the
closure reads its operands from ``R[srcs[0]], R[srcs[1]], ...`` in wasm
operand order, stores the result (if any) in ``R[d]`` and returns ``nxt``.

Values: v128 is an unsigned int in [0, 2**128) with lane 0 in the low bits;
i32 / i64 are unsigned masked ints; f32 is its raw u32 bits; f64 a Python
float.  ``imms`` is the decoded instruction minus its id: (align, offset)
for memory ops, (align, offset, lane) for lane memory ops, (lane,) for
lane ops, (lanes_bytes,) for i8x16.shuffle.  v128.const is a constant
register and never reaches make().

This module holds the dispatch, the lane access instructions (splat,
extract / replace lane, shuffle, swizzle) and the bitwise v128 ops;
integer lanes are in simd_int, float lanes and conversions in simd_float,
memory instructions in simd_mem.  Only memory instructions trap (with
TRAP_MEMORY_OOB).  make() raises ValueError for an id that is not a SIMD
instruction of the final proposal or of relaxed SIMD (simd_relaxed,
which documents the result each relaxed instruction gives).
"""

from wasmbed.core import numeric as N
from wasmbed.core.opcodes import NAME, PREFIX_FD, NUM_IDS
from wasmbed.core.simd_lanes import M128, rep, lane_mask, from_bytes
from wasmbed.core import simd_int, simd_float, simd_mem, simd_relaxed

M32 = 0xFFFFFFFF

# Instruction name -> kernel: a function of the operand values returning
# the result value.
KERNELS = {}
# Instruction name -> f(imms) -> kernel, for instructions with a lane
# immediate.
LANE_KERNELS = {}


def make(inst, M, opid, d, srcs, imms, nxt):
    """The interpreter closure for SIMD instruction ``opid`` (see module doc).

    Raises ValueError for an unknown id.
    """
    name = NAME[opid] if PREFIX_FD <= opid < NUM_IDS else None
    f = simd_mem.FACTORIES.get(name)
    if f is not None:
        return f(M, d, srcs, imms, nxt)
    k = KERNELS.get(name)
    if k is None:
        f = LANE_KERNELS.get(name)
        if f is None:
            raise ValueError("no SIMD operation for opcode id 0x%x" % opid)
        k = f(imms)
    # default arguments, not free variables: see simd_lanes
    if len(srcs) == 1:
        def op1(R, k=k, a=srcs[0], d=d, nxt=nxt):
            R[d] = k(R[a])
            return nxt
        return op1
    if len(srcs) == 2:
        def op2(R, k=k, a=srcs[0], b=srcs[1], d=d, nxt=nxt):
            R[d] = k(R[a], R[b])
            return nxt
        return op2
    # v128.bitselect and relaxed SIMD's madd, laneselect, dot_add
    if k is _bitselect:
        def op3(R, a=srcs[0], b=srcs[1], c=srcs[2], d=d, nxt=nxt):
            R[d] = _bitselect(R[a], R[b], R[c])
            return nxt
        return op3

    def op3k(R, k=k, s=srcs, d=d, nxt=nxt):
        R[d] = k(R[s[0]], R[s[1]], R[s[2]])
        return nxt
    return op3k


# --- bitwise ------------------------------------------------------------------

def _not(a):
    return a ^ M128


def _and(a, b):
    return a & b


def _andnot(a, b):
    return a & (b ^ M128)


def _or(a, b):
    return a | b


def _xor(a, b):
    return a ^ b


def _bitselect(a, b, c):
    return (a & c) | (b & (c ^ M128))


def _any_true(a):
    return 1 if a else 0


# --- splat, extract / replace lane ------------------------------------------------

def _splat(w, to_bits=None):
    r = rep(w)
    m = lane_mask(w)
    if to_bits is not None:
        def k(x):
            return to_bits(x) * r
    else:
        def k(x):
            return (x & m) * r
    return k


def _extract(w, signed=False, from_bits=None):
    m = lane_mask(w)
    sign = 1 << (w - 1)

    def factory(imms):
        sh = w * imms[0]
        if signed:
            def k(v):
                return ((((v >> sh) & m) ^ sign) - sign) & M32
        elif from_bits is not None:
            def k(v):
                return from_bits((v >> sh) & m)
        else:
            def k(v):
                return (v >> sh) & m
        return k
    return factory


def _replace(w, to_bits=None):
    m = lane_mask(w)

    def factory(imms):
        sh = w * imms[0]
        keep = M128 ^ (m << sh)
        if to_bits is not None:
            def k(v, x):
                return (v & keep) | (to_bits(x) << sh)
        else:
            def k(v, x):
                return (v & keep) | ((x & m) << sh)
        return k
    return factory


# --- byte permutations ----------------------------------------------------------

def _shuffle(imms):
    # Output byte i is byte idx[i] of a ++ b.  When few distinct distances
    # occur (interleaves, concatenations), bytes moving by the same distance
    # move together: one shift and mask of c = (a | b << 128) << 128 each.
    idx = imms[0]
    moves = {}
    for i in range(16):
        dist = 8 * (idx[i] - i) + 128
        moves[dist] = moves.get(dist, 0) | (0xFF << (8 * i))
    if len(moves) == 1:
        (s1, m1), = moves.items()

        def shuffle1(a, b):
            return (((a << 128) | (b << 256)) >> s1) & m1
        return shuffle1
    if len(moves) == 2:
        (s1, m1), (s2, m2) = moves.items()

        def shuffle2(a, b, s1=s1, m1=m1, s2=s2, m2=m2):
            a = (a << 128) | (b << 256)
            return ((a >> s1) & m1) | ((a >> s2) & m2)
        return shuffle2

    def shuffle(a, b):
        a = a.to_bytes(16, "little") + b.to_bytes(16, "little")
        b = bytearray(16)
        for i in range(16):
            b[i] = a[idx[i]]
        return from_bytes(b)
    return shuffle


_ZEROS_240 = bytes(240)


def _swizzle(a, s):
    # index bytes >= 16 select 0
    t = a.to_bytes(16, "little") + _ZEROS_240
    s = s.to_bytes(16, "little")
    r = bytearray(16)
    for i in range(16):
        r[i] = t[s[i]]
    return from_bytes(r)


def _register():
    K = KERNELS
    K.update(simd_int.KERNELS)
    K.update(simd_float.KERNELS)
    K["v128.not"] = _not
    K["v128.and"] = _and
    K["v128.andnot"] = _andnot
    K["v128.or"] = _or
    K["v128.xor"] = _xor
    K["v128.bitselect"] = _bitselect
    K["v128.any_true"] = _any_true
    K["i8x16.swizzle"] = _swizzle
    K["i8x16.splat"] = _splat(8)
    K["i16x8.splat"] = _splat(16)
    K["i32x4.splat"] = _splat(32)
    K["i64x2.splat"] = _splat(64)
    K["f32x4.splat"] = _splat(32)
    K["f64x2.splat"] = _splat(64, N.f64_to_bits)
    simd_relaxed.register(K)
    L = LANE_KERNELS
    L["i8x16.shuffle"] = _shuffle
    L["i8x16.extract_lane_s"] = _extract(8, signed=True)
    L["i8x16.extract_lane_u"] = _extract(8)
    L["i16x8.extract_lane_s"] = _extract(16, signed=True)
    L["i16x8.extract_lane_u"] = _extract(16)
    L["i32x4.extract_lane"] = _extract(32)
    L["i64x2.extract_lane"] = _extract(64)
    L["f32x4.extract_lane"] = _extract(32)
    L["f64x2.extract_lane"] = _extract(64, from_bits=N.bits_to_f64)
    L["i8x16.replace_lane"] = _replace(8)
    L["i16x8.replace_lane"] = _replace(16)
    L["i32x4.replace_lane"] = _replace(32)
    L["i64x2.replace_lane"] = _replace(64)
    L["f32x4.replace_lane"] = _replace(32)
    L["f64x2.replace_lane"] = _replace(64, N.f64_to_bits)


_register()
