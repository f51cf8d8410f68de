"""Soft-mode f32/f64 instructions: numeric.py's float functions on bits.

In soft mode (core/float_host.py) an f64 value is its u64 bit pattern, as
an f32 is its u32 one, and ``install(ns)`` replaces every f32/f64 function
of numeric.py (and its UNOP/BINOP entries) by the ones here, computed on
ints by core/softfloat.py.  Semantics are numeric.py's: NaN operands
propagate quietened (first NaN operand), invalid operations give the
canonical NaN, float-to-int truncation traps as there.
"""

from wasmbed.core import softfloat as S
from wasmbed.core.errors import Trap, TRAP_INT_OVERFLOW, TRAP_INVALID_CONVERSION

F32 = S.F32
F64 = S.F64
_S32 = 0x80000000
_S64 = 0x8000000000000000
M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
_A32 = 0x7FFFFFFF
_A64 = 0x7FFFFFFFFFFFFFFF
_INF64 = 0x7FF0000000000000

_add = S.add
_sub = S.sub
_mul = S.mul
_div = S.div
_sqrt = S.sqrt
_lt = S.lt
_le = S.le
_eq = S.eq
_round = S.to_integral
_NEAR = S.MODE_NEAREST
_FLOOR = S.MODE_FLOOR
_CEIL = S.MODE_CEIL
_TRUNC = S.MODE_TRUNC


def _trunc(fmt, lo, hi, mask, a):
    # trapping float -> int in [lo, hi]
    t = S.to_int(fmt, a)
    if t is None:
        if S.is_nan(fmt, a):
            raise Trap(TRAP_INVALID_CONVERSION)
        raise Trap(TRAP_INT_OVERFLOW)
    if t < lo or t > hi:
        raise Trap(TRAP_INT_OVERFLOW)
    return t & mask


def _trunc_sat(fmt, lo, hi, mask, a):
    if S.is_nan(fmt, a):
        return 0
    t = S.to_int(fmt, a)
    if t is None:
        t = lo if a & fmt[3] else hi
    elif t < lo:
        t = lo
    elif t > hi:
        t = hi
    return t & mask


def _define(put):
    # every soft function, named after the numeric.py one it replaces; each
    # is a plain function of module globals (no closure cells: 16 bytes of
    # heap apiece on a board, where a closure over fmt costs about 64)

    @put
    def f32_eq(a, b):
        return _eq(F32, a, b)

    @put
    def f32_ne(a, b):
        return 1 - _eq(F32, a, b)

    @put
    def f32_lt(a, b):
        return _lt(F32, a, b)

    @put
    def f32_gt(a, b):
        return _lt(F32, b, a)

    @put
    def f32_le(a, b):
        return _le(F32, a, b)

    @put
    def f32_ge(a, b):
        return _le(F32, b, a)

    @put
    def f32_abs(a):
        return a & _A32

    @put
    def f32_neg(a):
        return a ^ _S32

    @put
    def f32_copysign(a, b):
        return (a & _A32) | (b & _S32)

    @put
    def f32_ceil(a):
        return _round(F32, a, _CEIL)

    @put
    def f32_floor(a):
        return _round(F32, a, _FLOOR)

    @put
    def f32_trunc(a):
        return _round(F32, a, _TRUNC)

    @put
    def f32_nearest(a):
        return _round(F32, a, _NEAR)

    @put
    def f32_sqrt(a):
        return _sqrt(F32, a)

    @put
    def f32_add(a, b):
        return _add(F32, a, b)

    @put
    def f32_sub(a, b):
        return _sub(F32, a, b)

    @put
    def f32_mul(a, b):
        return _mul(F32, a, b)

    @put
    def f32_div(a, b):
        return _div(F32, a, b)

    @put
    def f32_min(a, b):
        return S.fmin(F32, a, b)

    @put
    def f32_max(a, b):
        return S.fmax(F32, a, b)

    @put
    def f64_eq(a, b):
        return _eq(F64, a, b)

    @put
    def f64_ne(a, b):
        return 1 - _eq(F64, a, b)

    @put
    def f64_lt(a, b):
        return _lt(F64, a, b)

    @put
    def f64_gt(a, b):
        return _lt(F64, b, a)

    @put
    def f64_le(a, b):
        return _le(F64, a, b)

    @put
    def f64_ge(a, b):
        return _le(F64, b, a)

    @put
    def f64_abs(a):
        return a & _A64

    @put
    def f64_neg(a):
        return a ^ _S64

    @put
    def f64_copysign(a, b):
        return (a & _A64) | (b & _S64)

    @put
    def f64_ceil(a):
        return _round(F64, a, _CEIL)

    @put
    def f64_floor(a):
        return _round(F64, a, _FLOOR)

    @put
    def f64_trunc(a):
        return _round(F64, a, _TRUNC)

    @put
    def f64_nearest(a):
        return _round(F64, a, _NEAR)

    @put
    def f64_sqrt(a):
        return _sqrt(F64, a)

    @put
    def f64_add(a, b):
        return _add(F64, a, b)

    @put
    def f64_sub(a, b):
        return _sub(F64, a, b)

    @put
    def f64_mul(a, b):
        return _mul(F64, a, b)

    @put
    def f64_div(a, b):
        return _div(F64, a, b)

    @put
    def f64_min(a, b):
        return S.fmin(F64, a, b)

    @put
    def f64_max(a, b):
        return S.fmax(F64, a, b)

    @put
    def i32_trunc_f32_s(a):
        return _trunc(F32, -_S32, _S32 - 1, M32, a)

    @put
    def i32_trunc_sat_f32_s(a):
        return _trunc_sat(F32, -_S32, _S32 - 1, M32, a)

    @put
    def i32_trunc_f32_u(a):
        return _trunc(F32, 0, M32, M32, a)

    @put
    def i32_trunc_sat_f32_u(a):
        return _trunc_sat(F32, 0, M32, M32, a)

    @put
    def i64_trunc_f32_s(a):
        return _trunc(F32, -_S64, _S64 - 1, M64, a)

    @put
    def i64_trunc_sat_f32_s(a):
        return _trunc_sat(F32, -_S64, _S64 - 1, M64, a)

    @put
    def i64_trunc_f32_u(a):
        return _trunc(F32, 0, M64, M64, a)

    @put
    def i64_trunc_sat_f32_u(a):
        return _trunc_sat(F32, 0, M64, M64, a)

    @put
    def i32_trunc_f64_s(a):
        return _trunc(F64, -_S32, _S32 - 1, M32, a)

    @put
    def i32_trunc_sat_f64_s(a):
        return _trunc_sat(F64, -_S32, _S32 - 1, M32, a)

    @put
    def i32_trunc_f64_u(a):
        return _trunc(F64, 0, M32, M32, a)

    @put
    def i32_trunc_sat_f64_u(a):
        return _trunc_sat(F64, 0, M32, M32, a)

    @put
    def i64_trunc_f64_s(a):
        return _trunc(F64, -_S64, _S64 - 1, M64, a)

    @put
    def i64_trunc_sat_f64_s(a):
        return _trunc_sat(F64, -_S64, _S64 - 1, M64, a)

    @put
    def i64_trunc_f64_u(a):
        return _trunc(F64, 0, M64, M64, a)

    @put
    def i64_trunc_sat_f64_u(a):
        return _trunc_sat(F64, 0, M64, M64, a)

    @put
    def f32_convert_i32_s(a):
        return S.from_int(F32, (a ^ _S32) - _S32)

    @put
    def f32_convert_i32_u(a):
        return S.from_int(F32, a)

    @put
    def f32_convert_i64_s(a):
        return S.from_int(F32, (a ^ _S64) - _S64)

    @put
    def f32_convert_i64_u(a):
        return S.from_int(F32, a)

    @put
    def f64_convert_i32_s(a):
        return S.from_int(F64, (a ^ _S32) - _S32)

    @put
    def f64_convert_i32_u(a):
        return S.from_int(F64, a)

    @put
    def f64_convert_i64_s(a):
        return S.from_int(F64, (a ^ _S64) - _S64)

    @put
    def f64_convert_i64_u(a):
        return S.from_int(F64, a)

    @put
    def f32_demote_f64(a):
        return S.convert(F64, F32, a)

    @put
    def f64_promote_f32(a):
        return S.convert(F32, F64, a)

    @put
    def i64_reinterpret_f64(a):
        return a

    @put
    def f64_reinterpret_i64(a):
        return a

    @put
    def f64_to_bits(a):
        return a

    @put
    def bits_to_f64(a):
        return a


def functions():
    """{numeric.py function name: soft function} for every float one."""
    out = {}

    def put(f):
        out[f.__name__] = f
        return f
    _define(put)
    return out


def install(ns):
    """Replace numeric.py's float functions (module globals ``ns``) and
    their UNOP / BINOP entries by the soft ones (which carry the same
    names, so ``name_of`` needs no change)."""
    by_old = {}
    for name, f in functions().items():
        old = ns.get(name)
        if old is not None:
            by_old[id(old)] = f
        ns[name] = f
    for table in (ns["UNOP"], ns["BINOP"]):
        for k in list(table):
            f = by_old.get(id(table[k]))
            if f is not None:
                table[k] = f
    ns["INF"] = _INF64
    ns["NAN"] = _INF64 | 0x0008000000000000
