"""Exact WebAssembly 2.0 scalar numeric instructions (0x45-0xC4, 0xFC 0-7).

One function per instruction, named after it with "." replaced by "_"
(``i32.div_s`` -> ``i32_div_s``).  Both execution tiers call these, so they
are the single definition of the spec's numeric semantics in wasmbed.

Value representation (every caller relies on it):

- i32 / i64: Python ints, unsigned, masked to 32 / 64 bits.  Results are
  always returned masked.
- f32: the raw IEEE-754 bits as an int in [0, 2**32).  Converting an f32 to
  a Python float and back would quiet a signalling NaN, so neg / abs /
  copysign / reinterpret / const never do.
- f64: a Python float (``struct`` '<d' keeps NaN payloads).

Tables: ``UNOP`` maps an opcode id to a one-argument function (unary
operators, tests, conversions), ``BINOP`` to a two-argument one (binary
operators and comparisons; comparisons return the ints 0 / 1).  Opcode ids
are the opcode byte; the 0xFC-prefixed sub-opcode s has id 0x100 + s.

Errors: integer division and float-to-int truncation raise
``errors.Trap`` with TRAP_DIV_ZERO, TRAP_INT_OVERFLOW or
TRAP_INVALID_CONVERSION.  Nothing else raises: Python's ZeroDivisionError,
OverflowError and math domain errors are turned into IEEE results.

NaN results of arithmetic are quiet NaNs.  An input NaN's payload is
propagated (so a canonical NaN in gives a canonical NaN out, as the spec
requires); an operation on non-NaN inputs that yields NaN gives a
canonical NaN.

Only ``struct``, ``math`` and builtins are used, and no method that
MicroPython lacks (int.bit_length / int.bit_count are probed for and
replaced; float.hex / float.is_integer are not used).  Float constants
beyond 2**53 are built from ints, so they do not depend on how exactly a
port parses long decimal literals.  Requires double-precision floats
(MicroPython's unix port and boards built with MICROPY_FLOAT_IMPL_DOUBLE).
"""

import math
import struct

from wasmbed.core.errors import (
    Trap,
    TRAP_DIV_ZERO,
    TRAP_INT_OVERFLOW,
    TRAP_INVALID_CONVERSION,
)

_pack = struct.pack
_unpack = struct.unpack
_copysign = math.copysign
_floor = math.floor
_ceil = math.ceil
_sqrt = math.sqrt

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
_S32 = 0x80000000
_S64 = 0x8000000000000000

F32_SIGN = 0x80000000
F32_ABS = 0x7FFFFFFF
F32_INF = 0x7F800000
F32_NEG_INF = 0xFF800000
F32_QUIET = 0x00400000
F32_CANONICAL_NAN = 0x7FC00000
F64_SIGN = 0x8000000000000000
F64_ABS = 0x7FFFFFFFFFFFFFFF
F64_INF_BITS = 0x7FF0000000000000
F64_QUIET = 0x0008000000000000
F64_CANONICAL_NAN_BITS = 0x7FF8000000000000

INF = _unpack("<d", _pack("<Q", F64_INF_BITS))[0]
NAN = _unpack("<d", _pack("<Q", F64_CANONICAL_NAN_BITS))[0]

_F2P23 = 0x4B000000          # f32 bits of 2**23: from here on every f32 is integral
_2P52 = float(1 << 52)       # from here on every f64 is integral
_2P53 = 1 << 53
_2P31F = float(1 << 31)
_2P32F = float(1 << 32)
_2P63F = float(1 << 63)
_2P64F = float(1 << 64)
_NEG_2P31_M1F = -float((1 << 31) + 1)  # exactly representable in f64
_NEG_2P63F = -_2P63F
# The smallest magnitude that rounds to f32 infinity: halfway between
# FLT_MAX and 2**128 (a tie, and FLT_MAX's significand is odd).
_F32_OVERFLOW = float((1 << 128) - (1 << 103))

# No try/except in these functions: CPython's are free, but this MicroPython
# build spends ~10 us on a call that allocates before entering a try block
# with a typed except clause.


# --- representation helpers -----------------------------------------------

def u32_to_s32(a):
    """Unsigned 32-bit int -> signed."""
    return a - 0x100000000 if a & _S32 else a


def u64_to_s64(a):
    """Unsigned 64-bit int -> signed."""
    return a - 0x10000000000000000 if a & _S64 else a


def s32_to_u32(a):
    """Any int -> unsigned 32-bit (two's complement wrap)."""
    return a & M32


def s64_to_u64(a):
    """Any int -> unsigned 64-bit (two's complement wrap)."""
    return a & M64


def f32_to_float(bits):
    """f32 bits -> the Python float of equal value (exact; a NaN comes back
    quiet with its payload shifted into the f64 payload)."""
    return _unpack("<f", _pack("<I", bits))[0]


def float_to_f32(x):
    """Python float -> f32 bits, rounded to nearest-even once.

    Values too large for f32 become +-inf (CPython's struct would raise
    OverflowError; the bound is checked first).  A NaN keeps its sign and
    the top 23 bits of its payload and comes back quiet.
    """
    if x >= _F32_OVERFLOW:
        return F32_INF
    if x <= -_F32_OVERFLOW:
        return F32_NEG_INF
    return _unpack("<I", _pack("<f", x))[0]


def f64_to_bits(x):
    """Python float -> its IEEE-754 binary64 bits."""
    return _unpack("<Q", _pack("<d", x))[0]


def bits_to_f64(bits):
    """IEEE-754 binary64 bits -> Python float (payloads are kept)."""
    return _unpack("<d", _pack("<Q", bits))[0]


def f32_is_nan(bits):
    """True when f32 ``bits`` encode a NaN."""
    return (bits & F32_ABS) > F32_INF


if hasattr(0, "bit_length"):
    def bitlen(a):
        """Number of bits of the int a >= 0 (clz, ctz; core/softfloat.py)."""
        return a.bit_length()
else:  # MicroPython: 64 bits at a time, halve the range, one table lookup
    _BITLEN8 = bytes([0] + [len(bin(i)) - 2 for i in range(1, 256)])

    def bitlen(a):
        """Number of bits of the int a >= 0 (clz, ctz; core/softfloat.py)."""
        n = 0
        while a >> 64:
            a >>= 64
            n += 64
        if a >> 32:
            a >>= 32
            n += 32
        if a >> 16:
            a >>= 16
            n += 16
        if a >> 8:
            a >>= 8
            n += 8
        return n + _BITLEN8[a]

if hasattr(0, "bit_count"):
    def _popcount(a):
        return a.bit_count()
else:  # MicroPython, CPython < 3.10: SWAR on 32-bit halves (small ints)
    def _popcount32(a):
        a = a - ((a >> 1) & 0x55555555)
        a = (a & 0x33333333) + ((a >> 2) & 0x33333333)
        a = (a + (a >> 4)) & 0x0F0F0F0F
        return ((a * 0x01010101) & 0xFFFFFFFF) >> 24

    def _popcount(a):
        if a >> 32:
            return _popcount32(a & M32) + _popcount32(a >> 32)
        return _popcount32(a)


# --- i32 ---------------------------------------------------------------------

def i32_eqz(a):
    return 1 if a == 0 else 0


def i32_eq(a, b):
    return 1 if a == b else 0


def i32_ne(a, b):
    return 1 if a != b else 0


def i32_lt_s(a, b):
    return 1 if (a ^ _S32) < (b ^ _S32) else 0


def i32_lt_u(a, b):
    return 1 if a < b else 0


def i32_gt_s(a, b):
    return 1 if (a ^ _S32) > (b ^ _S32) else 0


def i32_gt_u(a, b):
    return 1 if a > b else 0


def i32_le_s(a, b):
    return 1 if (a ^ _S32) <= (b ^ _S32) else 0


def i32_le_u(a, b):
    return 1 if a <= b else 0


def i32_ge_s(a, b):
    return 1 if (a ^ _S32) >= (b ^ _S32) else 0


def i32_ge_u(a, b):
    return 1 if a >= b else 0


def i32_clz(a):
    return 32 - bitlen(a)


def i32_ctz(a):
    return bitlen(a & -a) - 1 if a else 32


def i32_popcnt(a):
    return _popcount(a)


def i32_add(a, b):
    return (a + b) & M32


def i32_sub(a, b):
    return (a - b) & M32


def i32_mul(a, b):
    return (a * b) & M32


def i32_div_s(a, b):
    """Signed division truncating toward zero.  Traps on b == 0 and on
    -2**31 / -1 (integer overflow)."""
    if b == 0:
        raise Trap(TRAP_DIV_ZERO)
    if a & _S32:
        if b & _S32:
            if a == _S32 and b == M32:
                raise Trap(TRAP_INT_OVERFLOW)
            return (0x100000000 - a) // (0x100000000 - b)
        return -((0x100000000 - a) // b) & M32
    if b & _S32:
        return -(a // (0x100000000 - b)) & M32
    return a // b


def i32_div_u(a, b):
    if b == 0:
        raise Trap(TRAP_DIV_ZERO)
    return a // b


def i32_rem_s(a, b):
    """Signed remainder; the result takes the dividend's sign.  Traps only
    on b == 0 (-2**31 rem -1 is 0)."""
    if b == 0:
        raise Trap(TRAP_DIV_ZERO)
    if b & _S32:
        b = 0x100000000 - b
    if a & _S32:
        return -((0x100000000 - a) % b) & M32
    return a % b


def i32_rem_u(a, b):
    if b == 0:
        raise Trap(TRAP_DIV_ZERO)
    return a % b


def i32_and(a, b):
    return a & b


def i32_or(a, b):
    return a | b


def i32_xor(a, b):
    return a ^ b


def i32_shl(a, b):
    return (a << (b & 31)) & M32


def i32_shr_s(a, b):
    if a & _S32:
        return ((a - 0x100000000) >> (b & 31)) & M32
    return a >> (b & 31)


def i32_shr_u(a, b):
    return a >> (b & 31)


def i32_rotl(a, b):
    k = b & 31
    return ((a << k) | (a >> (32 - k))) & M32


def i32_rotr(a, b):
    k = b & 31
    return ((a >> k) | (a << (32 - k))) & M32


# --- i64 ---------------------------------------------------------------------

def i64_eqz(a):
    return 1 if a == 0 else 0


def i64_eq(a, b):
    return 1 if a == b else 0


def i64_ne(a, b):
    return 1 if a != b else 0


def i64_lt_s(a, b):
    return 1 if (a ^ _S64) < (b ^ _S64) else 0


def i64_lt_u(a, b):
    return 1 if a < b else 0


def i64_gt_s(a, b):
    return 1 if (a ^ _S64) > (b ^ _S64) else 0


def i64_gt_u(a, b):
    return 1 if a > b else 0


def i64_le_s(a, b):
    return 1 if (a ^ _S64) <= (b ^ _S64) else 0


def i64_le_u(a, b):
    return 1 if a <= b else 0


def i64_ge_s(a, b):
    return 1 if (a ^ _S64) >= (b ^ _S64) else 0


def i64_ge_u(a, b):
    return 1 if a >= b else 0


def i64_clz(a):
    return 64 - bitlen(a)


def i64_ctz(a):
    return bitlen(a & -a) - 1 if a else 64


def i64_popcnt(a):
    return _popcount(a)


def i64_add(a, b):
    return (a + b) & M64


def i64_sub(a, b):
    return (a - b) & M64


def i64_mul(a, b):
    return (a * b) & M64


def i64_div_s(a, b):
    """Signed division truncating toward zero.  Traps on b == 0 and on
    -2**63 / -1 (integer overflow)."""
    if b == 0:
        raise Trap(TRAP_DIV_ZERO)
    if a & _S64:
        if b & _S64:
            if a == _S64 and b == M64:
                raise Trap(TRAP_INT_OVERFLOW)
            return (0x10000000000000000 - a) // (0x10000000000000000 - b)
        return -((0x10000000000000000 - a) // b) & M64
    if b & _S64:
        return -(a // (0x10000000000000000 - b)) & M64
    return a // b


def i64_div_u(a, b):
    if b == 0:
        raise Trap(TRAP_DIV_ZERO)
    return a // b


def i64_rem_s(a, b):
    """Signed remainder; the result takes the dividend's sign.  Traps only
    on b == 0."""
    if b == 0:
        raise Trap(TRAP_DIV_ZERO)
    if b & _S64:
        b = 0x10000000000000000 - b
    if a & _S64:
        return -((0x10000000000000000 - a) % b) & M64
    return a % b


def i64_rem_u(a, b):
    if b == 0:
        raise Trap(TRAP_DIV_ZERO)
    return a % b


def i64_and(a, b):
    return a & b


def i64_or(a, b):
    return a | b


def i64_xor(a, b):
    return a ^ b


def i64_shl(a, b):
    return (a << (b & 63)) & M64


def i64_shr_s(a, b):
    if a & _S64:
        return ((a - 0x10000000000000000) >> (b & 63)) & M64
    return a >> (b & 63)


def i64_shr_u(a, b):
    return a >> (b & 63)


def i64_rotl(a, b):
    k = b & 63
    return ((a << k) | (a >> (64 - k))) & M64


def i64_rotr(a, b):
    k = b & 63
    return ((a >> k) | (a << (64 - k))) & M64


# --- f32 (operands and results are bits) --------------------------------------

def f32_eq(a, b):
    if a == b:
        return 1 if (a & F32_ABS) <= F32_INF else 0
    return 1 if ((a | b) & F32_ABS) == 0 else 0   # +0 == -0


def f32_ne(a, b):
    return 1 - f32_eq(a, b)


def _f32_key(a):
    # Order-preserving int for a non-NaN f32: -0 and +0 both map to 0.
    return _S32 - a if a & _S32 else a


def f32_lt(a, b):
    if (a & F32_ABS) > F32_INF or (b & F32_ABS) > F32_INF:
        return 0
    return 1 if _f32_key(a) < _f32_key(b) else 0


def f32_gt(a, b):
    if (a & F32_ABS) > F32_INF or (b & F32_ABS) > F32_INF:
        return 0
    return 1 if _f32_key(a) > _f32_key(b) else 0


def f32_le(a, b):
    if (a & F32_ABS) > F32_INF or (b & F32_ABS) > F32_INF:
        return 0
    return 1 if _f32_key(a) <= _f32_key(b) else 0


def f32_ge(a, b):
    if (a & F32_ABS) > F32_INF or (b & F32_ABS) > F32_INF:
        return 0
    return 1 if _f32_key(a) >= _f32_key(b) else 0


def f32_abs(a):
    return a & F32_ABS


def f32_neg(a):
    return a ^ F32_SIGN


def f32_copysign(a, b):
    return (a & F32_ABS) | (b & F32_SIGN)


def _f32_round(a, fn):
    # Shared by ceil / floor / trunc / nearest: fn maps a float of magnitude
    # below 2**23 to an integral float; a zero result takes the input's sign.
    m = a & F32_ABS
    if m >= _F2P23 or m == 0:          # integral already, +-0, +-inf or NaN
        return a | F32_QUIET if m > F32_INF else a
    r = fn(_unpack("<f", _pack("<I", a))[0])
    if r == 0.0:
        return a & F32_SIGN
    return _unpack("<I", _pack("<f", r))[0]


def _floor_f(x):
    return float(_floor(x))


def _ceil_f(x):
    return float(_ceil(x))


def _trunc_f(x):
    return float(int(x))


def _nearest_f(x):
    # |x| < 2**52: adding 2**52 rounds the fraction away, half to even.
    if x < 0.0:
        return -((_2P52 - x) - _2P52)
    return (x + _2P52) - _2P52


def f32_ceil(a):
    return _f32_round(a, _ceil_f)


def f32_floor(a):
    return _f32_round(a, _floor_f)


def f32_trunc(a):
    return _f32_round(a, _trunc_f)


def f32_nearest(a):
    return _f32_round(a, _nearest_f)


def f32_sqrt(a):
    x = _unpack("<f", _pack("<I", a))[0]
    if x < 0.0:
        return F32_CANONICAL_NAN
    return _unpack("<I", _pack("<f", _sqrt(x)))[0]


def f32_add(a, b):
    x, y = _unpack("<ff", _pack("<II", a, b))
    r = x + y
    if r >= _F32_OVERFLOW:
        return F32_INF
    if r <= -_F32_OVERFLOW:
        return F32_NEG_INF
    return _unpack("<I", _pack("<f", r))[0]


def f32_sub(a, b):
    x, y = _unpack("<ff", _pack("<II", a, b))
    r = x - y
    if r >= _F32_OVERFLOW:
        return F32_INF
    if r <= -_F32_OVERFLOW:
        return F32_NEG_INF
    return _unpack("<I", _pack("<f", r))[0]


def f32_mul(a, b):
    x, y = _unpack("<ff", _pack("<II", a, b))
    r = x * y
    if r >= _F32_OVERFLOW:
        return F32_INF
    if r <= -_F32_OVERFLOW:
        return F32_NEG_INF
    return _unpack("<I", _pack("<f", r))[0]


def f32_div(a, b):
    x, y = _unpack("<ff", _pack("<II", a, b))
    if y == 0.0:                        # Python raises ZeroDivisionError
        if x != x:
            return a | F32_QUIET
        if x == 0.0:
            return F32_CANONICAL_NAN
        return F32_INF | ((a ^ b) & F32_SIGN)
    r = x / y
    if r >= _F32_OVERFLOW:
        return F32_INF
    if r <= -_F32_OVERFLOW:
        return F32_NEG_INF
    return _unpack("<I", _pack("<f", r))[0]


def f32_min(a, b):
    """IEEE-754-2019 minimum: NaN if either is NaN, -0 < +0."""
    x, y = _unpack("<ff", _pack("<II", a, b))
    if x < y:
        return a
    if y < x:
        return b
    if x == y:
        return a | b          # equal: same bits, or +-0 where -0 wins
    return (a if x != x else b) | F32_QUIET


def f32_max(a, b):
    """IEEE-754-2019 maximum: NaN if either is NaN, +0 > -0."""
    x, y = _unpack("<ff", _pack("<II", a, b))
    if x > y:
        return a
    if y > x:
        return b
    if x == y:
        return a & b          # equal: same bits, or +-0 where +0 wins
    return (a if x != x else b) | F32_QUIET


# --- f64 (operands and results are Python floats) ------------------------------

def f64_eq(x, y):
    return 1 if x == y else 0


def f64_ne(x, y):
    return 1 if x != y else 0


def f64_lt(x, y):
    return 1 if x < y else 0


def f64_gt(x, y):
    return 1 if x > y else 0


def f64_le(x, y):
    return 1 if x <= y else 0


def f64_ge(x, y):
    return 1 if x >= y else 0


def f64_abs(x):
    # C fabs clears the sign bit and keeps NaN payloads.
    return abs(x)


def f64_neg(x):
    # Unary minus flips the sign bit, NaNs included.
    return -x


def f64_copysign(x, y):
    # C copysign is a bit operation: y's sign bit, even for NaN y.
    return _copysign(x, y)


def f64_ceil(x):
    if -_2P52 < x < _2P52:
        r = float(_ceil(x))
        return r if r != 0.0 else _copysign(0.0, x)
    return x + x if x != x else x


def f64_floor(x):
    if -_2P52 < x < _2P52:
        r = float(_floor(x))
        return r if r != 0.0 else _copysign(0.0, x)
    return x + x if x != x else x


def f64_trunc(x):
    if -_2P52 < x < _2P52:
        r = float(int(x))
        return r if r != 0.0 else _copysign(0.0, x)
    return x + x if x != x else x


def f64_nearest(x):
    """Round half to even; -0.5 -> -0.0."""
    if 0.0 < x < _2P52:
        return (x + _2P52) - _2P52
    if -_2P52 < x < 0.0:
        return -((_2P52 - x) - _2P52)
    return x + x if x != x else x


def f64_sqrt(x):
    if x < 0.0:
        return NAN
    return _sqrt(x)


def f64_add(x, y):
    return x + y


def f64_sub(x, y):
    return x - y


def f64_mul(x, y):
    return x * y


def f64_div(x, y):
    if y == 0.0:                        # Python raises ZeroDivisionError
        if x != x:
            return x + y
        if x == 0.0:
            return NAN
        if (x < 0.0) == (_copysign(1.0, y) < 0.0):
            return INF
        return -INF
    return x / y


def f64_min(x, y):
    """IEEE-754-2019 minimum: NaN if either is NaN, -0 < +0."""
    if x < y:
        return x
    if y < x:
        return y
    if x == y:
        if x == 0.0:
            return -((-x) - y)    # -0 unless both are +0
        return x
    return x + y              # a quiet NaN, payload of the NaN operand


def f64_max(x, y):
    """IEEE-754-2019 maximum: NaN if either is NaN, +0 > -0."""
    if x > y:
        return x
    if y > x:
        return y
    if x == y:
        if x == 0.0:
            return x + y          # +0 unless both are -0
        return x
    return x + y


# --- conversions ---------------------------------------------------------------

def i32_wrap_i64(a):
    return a & M32


def i64_extend_i32_s(a):
    return ((a ^ _S32) - _S32) & M64


def i64_extend_i32_u(a):
    return a


def i32_extend8_s(a):
    return (((a & 0xFF) ^ 0x80) - 0x80) & M32


def i32_extend16_s(a):
    return (((a & 0xFFFF) ^ 0x8000) - 0x8000) & M32


def i64_extend8_s(a):
    return (((a & 0xFF) ^ 0x80) - 0x80) & M64


def i64_extend16_s(a):
    return (((a & 0xFFFF) ^ 0x8000) - 0x8000) & M64


def i64_extend32_s(a):
    return (((a & M32) ^ _S32) - _S32) & M64


def _trap_trunc(x):
    if x != x:
        raise Trap(TRAP_INVALID_CONVERSION)
    raise Trap(TRAP_INT_OVERFLOW)


# Trapping float -> int.  The comparisons are against exactly representable
# bounds: a value is in range iff its truncation is.

def i32_trunc_f64_s(x):
    if _NEG_2P31_M1F < x < _2P31F:
        return int(x) & M32
    _trap_trunc(x)


def i32_trunc_f64_u(x):
    if -1.0 < x < _2P32F:
        return int(x)
    _trap_trunc(x)


def i64_trunc_f64_s(x):
    if _NEG_2P63F <= x < _2P63F:
        return int(x) & M64
    _trap_trunc(x)


def i64_trunc_f64_u(x):
    if -1.0 < x < _2P64F:
        return int(x)
    _trap_trunc(x)


def i32_trunc_f32_s(a):
    return i32_trunc_f64_s(_unpack("<f", _pack("<I", a))[0])


def i32_trunc_f32_u(a):
    return i32_trunc_f64_u(_unpack("<f", _pack("<I", a))[0])


def i64_trunc_f32_s(a):
    return i64_trunc_f64_s(_unpack("<f", _pack("<I", a))[0])


def i64_trunc_f32_u(a):
    return i64_trunc_f64_u(_unpack("<f", _pack("<I", a))[0])


# Saturating float -> int (0xFC 0-7): NaN -> 0, out of range -> the bound.

def i32_trunc_sat_f64_s(x):
    if _NEG_2P31_M1F < x < _2P31F:
        return int(x) & M32
    if x > 0.0:
        return 0x7FFFFFFF
    if x < 0.0:
        return _S32
    return 0


def i32_trunc_sat_f64_u(x):
    if -1.0 < x < _2P32F:
        return int(x)
    if x > 0.0:
        return M32
    return 0


def i64_trunc_sat_f64_s(x):
    if _NEG_2P63F <= x < _2P63F:
        return int(x) & M64
    if x > 0.0:
        return 0x7FFFFFFFFFFFFFFF
    if x < 0.0:
        return _S64
    return 0


def i64_trunc_sat_f64_u(x):
    if -1.0 < x < _2P64F:
        return int(x)
    if x > 0.0:
        return M64
    return 0


def i32_trunc_sat_f32_s(a):
    return i32_trunc_sat_f64_s(_unpack("<f", _pack("<I", a))[0])


def i32_trunc_sat_f32_u(a):
    return i32_trunc_sat_f64_u(_unpack("<f", _pack("<I", a))[0])


def i64_trunc_sat_f32_s(a):
    return i64_trunc_sat_f64_s(_unpack("<f", _pack("<I", a))[0])


def i64_trunc_sat_f32_u(a):
    return i64_trunc_sat_f64_u(_unpack("<f", _pack("<I", a))[0])


# int -> float.  float(int) rounds correctly (half to even) on CPython and
# MicroPython for all 64-bit values; int -> f32 must not round twice.

def _u64_to_f32(m):
    # Round to odd below f32 precision first: fold bits 0-10 into a sticky
    # bit 11, so float(m) is exact and the one f32 rounding decides.
    if m >= _2P53 and m & 0x7FF:
        m = (m | 0x800) & 0xFFFFFFFFFFFFF800
    return _unpack("<I", _pack("<f", float(m)))[0]


def f32_convert_i32_s(a):
    return _unpack("<I", _pack("<f", float((a ^ _S32) - _S32)))[0]


def f32_convert_i32_u(a):
    return _unpack("<I", _pack("<f", float(a)))[0]


def f32_convert_i64_s(a):
    if a & _S64:
        return _u64_to_f32(0x10000000000000000 - a) | F32_SIGN
    return _u64_to_f32(a)


def f32_convert_i64_u(a):
    return _u64_to_f32(a)


def f64_convert_i32_s(a):
    return float((a ^ _S32) - _S32)


def f64_convert_i32_u(a):
    return float(a)


def f64_convert_i64_s(a):
    return float((a ^ _S64) - _S64)


def f64_convert_i64_u(a):
    return float(a)


def f32_demote_f64(x):
    return float_to_f32(x)


def f64_promote_f32(a):
    x = _unpack("<f", _pack("<I", a))[0]
    return x if x == x else x + x     # make sure a NaN comes out quiet


def i32_reinterpret_f32(a):
    return a


def f32_reinterpret_i32(a):
    return a


def i64_reinterpret_f64(x):
    return _unpack("<Q", _pack("<d", x))[0]


def f64_reinterpret_i64(a):
    return _unpack("<d", _pack("<Q", a))[0]


# --- dispatch tables -------------------------------------------------------------

UNOP = {
    0x45: i32_eqz, 0x50: i64_eqz,
    0x67: i32_clz, 0x68: i32_ctz, 0x69: i32_popcnt,
    0x79: i64_clz, 0x7A: i64_ctz, 0x7B: i64_popcnt,
    0x8B: f32_abs, 0x8C: f32_neg, 0x8D: f32_ceil, 0x8E: f32_floor,
    0x8F: f32_trunc, 0x90: f32_nearest, 0x91: f32_sqrt,
    0x99: f64_abs, 0x9A: f64_neg, 0x9B: f64_ceil, 0x9C: f64_floor,
    0x9D: f64_trunc, 0x9E: f64_nearest, 0x9F: f64_sqrt,
    0xA7: i32_wrap_i64,
    0xA8: i32_trunc_f32_s, 0xA9: i32_trunc_f32_u,
    0xAA: i32_trunc_f64_s, 0xAB: i32_trunc_f64_u,
    0xAC: i64_extend_i32_s, 0xAD: i64_extend_i32_u,
    0xAE: i64_trunc_f32_s, 0xAF: i64_trunc_f32_u,
    0xB0: i64_trunc_f64_s, 0xB1: i64_trunc_f64_u,
    0xB2: f32_convert_i32_s, 0xB3: f32_convert_i32_u,
    0xB4: f32_convert_i64_s, 0xB5: f32_convert_i64_u,
    0xB6: f32_demote_f64,
    0xB7: f64_convert_i32_s, 0xB8: f64_convert_i32_u,
    0xB9: f64_convert_i64_s, 0xBA: f64_convert_i64_u,
    0xBB: f64_promote_f32,
    0xBC: i32_reinterpret_f32, 0xBD: i64_reinterpret_f64,
    0xBE: f32_reinterpret_i32, 0xBF: f64_reinterpret_i64,
    0xC0: i32_extend8_s, 0xC1: i32_extend16_s,
    0xC2: i64_extend8_s, 0xC3: i64_extend16_s, 0xC4: i64_extend32_s,
    0x100: i32_trunc_sat_f32_s, 0x101: i32_trunc_sat_f32_u,
    0x102: i32_trunc_sat_f64_s, 0x103: i32_trunc_sat_f64_u,
    0x104: i64_trunc_sat_f32_s, 0x105: i64_trunc_sat_f32_u,
    0x106: i64_trunc_sat_f64_s, 0x107: i64_trunc_sat_f64_u,
}

BINOP = {
    0x46: i32_eq, 0x47: i32_ne, 0x48: i32_lt_s, 0x49: i32_lt_u,
    0x4A: i32_gt_s, 0x4B: i32_gt_u, 0x4C: i32_le_s, 0x4D: i32_le_u,
    0x4E: i32_ge_s, 0x4F: i32_ge_u,
    0x51: i64_eq, 0x52: i64_ne, 0x53: i64_lt_s, 0x54: i64_lt_u,
    0x55: i64_gt_s, 0x56: i64_gt_u, 0x57: i64_le_s, 0x58: i64_le_u,
    0x59: i64_ge_s, 0x5A: i64_ge_u,
    0x5B: f32_eq, 0x5C: f32_ne, 0x5D: f32_lt, 0x5E: f32_gt,
    0x5F: f32_le, 0x60: f32_ge,
    0x61: f64_eq, 0x62: f64_ne, 0x63: f64_lt, 0x64: f64_gt,
    0x65: f64_le, 0x66: f64_ge,
    0x6A: i32_add, 0x6B: i32_sub, 0x6C: i32_mul, 0x6D: i32_div_s,
    0x6E: i32_div_u, 0x6F: i32_rem_s, 0x70: i32_rem_u, 0x71: i32_and,
    0x72: i32_or, 0x73: i32_xor, 0x74: i32_shl, 0x75: i32_shr_s,
    0x76: i32_shr_u, 0x77: i32_rotl, 0x78: i32_rotr,
    0x7C: i64_add, 0x7D: i64_sub, 0x7E: i64_mul, 0x7F: i64_div_s,
    0x80: i64_div_u, 0x81: i64_rem_s, 0x82: i64_rem_u, 0x83: i64_and,
    0x84: i64_or, 0x85: i64_xor, 0x86: i64_shl, 0x87: i64_shr_s,
    0x88: i64_shr_u, 0x89: i64_rotl, 0x8A: i64_rotr,
    0x92: f32_add, 0x93: f32_sub, 0x94: f32_mul, 0x95: f32_div,
    0x96: f32_min, 0x97: f32_max, 0x98: f32_copysign,
    0xA0: f64_add, 0xA1: f64_sub, 0xA2: f64_mul, 0xA3: f64_div,
    0xA4: f64_min, 0xA5: f64_max, 0xA6: f64_copysign,
}

# Opcode ids whose operation can trap (the rest never raise).
TRAPPING = {
    0x6D, 0x6E, 0x6F, 0x70, 0x7F, 0x80, 0x81, 0x82,
    0xA8, 0xA9, 0xAA, 0xAB, 0xAE, 0xAF, 0xB0, 0xB1,
}


def name_of(f):
    """The numeric.py name of a function of UNOP / BINOP (the fast tier
    binds generated code to them by name)."""
    return f.__name__


# Soft float mode (core/float_host.py): f64 values are bits, every float
# instruction above is replaced by its integer version.
from wasmbed.core import float_host as _float_host
soft = _float_host.soft()
if soft:
    from wasmbed.core.numeric_soft import install as _install
    _install(globals())
    del _install
