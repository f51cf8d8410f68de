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


def _make(fmt):
    # the f32 or f64 family as a dict name -> function
    SIGN = fmt[3]
    ABS = SIGN - 1
    d = {}
    d["eq"] = lambda a, b: _eq(fmt, a, b)
    d["ne"] = lambda a, b: 1 - _eq(fmt, a, b)
    d["lt"] = lambda a, b: _lt(fmt, a, b)
    d["gt"] = lambda a, b: _lt(fmt, b, a)
    d["le"] = lambda a, b: _le(fmt, a, b)
    d["ge"] = lambda a, b: _le(fmt, b, a)
    d["abs"] = lambda a: a & ABS
    d["neg"] = lambda a: a ^ SIGN
    d["copysign"] = lambda a, b: (a & ABS) | (b & SIGN)
    d["ceil"] = lambda a: _round(fmt, a, _CEIL)
    d["floor"] = lambda a: _round(fmt, a, _FLOOR)
    d["trunc"] = lambda a: _round(fmt, a, _TRUNC)
    d["nearest"] = lambda a: _round(fmt, a, _NEAR)
    d["sqrt"] = lambda a: _sqrt(fmt, a)
    d["add"] = lambda a, b: _add(fmt, a, b)
    d["sub"] = lambda a, b: _sub(fmt, a, b)
    d["mul"] = lambda a, b: _mul(fmt, a, b)
    d["div"] = lambda a, b: _div(fmt, a, b)
    d["min"] = lambda a, b: S.fmin(fmt, a, b)
    d["max"] = lambda a, b: S.fmax(fmt, a, b)
    return d


def _trunc(fmt, lo, hi, mask):
    # trapping float -> int in [lo, hi]
    def f(a):
        t = S.to_int(fmt, a)
        if t is None:
            if S.is_nan(fmt, a):
                raise Trap(TRAP_INVALID_CONVERSION)
            raise Trap(TRAP_INT_OVERFLOW)
        if t < lo or t > hi:
            raise Trap(TRAP_INT_OVERFLOW)
        return t & mask
    return f


def _trunc_sat(fmt, lo, hi, mask):
    def f(a):
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
    return f


def _ident(a):
    return a


def functions():
    """{numeric.py function name: soft function} for every float one."""
    out = {}
    for pre, fmt in (("f32_", F32), ("f64_", F64)):
        for k, f in _make(fmt).items():
            out[pre + k] = f
    for src, fmt in (("f32", F32), ("f64", F64)):
        for dst, lo, hi, mask in (("i32", -_S32, _S32 - 1, M32), ("i64", -_S64, _S64 - 1, M64)):
            out["%s_trunc_%s_s" % (dst, src)] = _trunc(fmt, lo, hi, mask)
            out["%s_trunc_sat_%s_s" % (dst, src)] = _trunc_sat(fmt, lo, hi, mask)
            top = mask
            out["%s_trunc_%s_u" % (dst, src)] = _trunc(fmt, 0, top, mask)
            out["%s_trunc_sat_%s_u" % (dst, src)] = _trunc_sat(fmt, 0, top, mask)
    for dst, fmt in (("f32", F32), ("f64", F64)):
        out[dst + "_convert_i32_s"] = (lambda fmt: lambda a: S.from_int(fmt, (a ^ _S32) - _S32))(fmt)
        out[dst + "_convert_i32_u"] = (lambda fmt: lambda a: S.from_int(fmt, a))(fmt)
        out[dst + "_convert_i64_s"] = (lambda fmt: lambda a: S.from_int(fmt, (a ^ _S64) - _S64))(fmt)
        out[dst + "_convert_i64_u"] = (lambda fmt: lambda a: S.from_int(fmt, a))(fmt)
    out["f32_demote_f64"] = lambda a: S.convert(F64, F32, a)
    out["f64_promote_f32"] = lambda a: S.convert(F32, F64, a)
    out["i64_reinterpret_f64"] = lambda a: a
    out["f64_reinterpret_i64"] = lambda a: a
    out["f64_to_bits"] = _ident
    out["bits_to_f64"] = _ident
    return out


def install(ns):
    """Replace numeric.py's float functions (module globals ``ns``) and
    their UNOP / BINOP entries by the soft ones."""
    soft = functions()
    names = {}

    def name_of(f):
        # the global a soft function is bound to (lambdas have no name of
        # their own), from a map built on first use: only the fast tier's
        # translator asks, which a board does not run
        if not names:
            for name, g in ns.items():
                if name[0] != "_" and callable(g):
                    names[id(g)] = name
        return names.get(id(f)) or f.__name__
    ns["name_of"] = name_of
    by_old = {}
    for name, f in soft.items():
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
