"""Values between the embedding API and the engine's representation.

The API passes i32/i64 as signed ints, f32/f64 as floats (like
wasmtime-py), externref as any Python object (None is null); inside, i32/i64
are unsigned masked ints and f32 is its raw u32 bit pattern.

Arguments are checked as wasmtime-py 50 checks them: an i32/i64 must be an
int (bool included); it is wrapped modulo 2**32 / 2**64 as wasmtime-py
does, so 2**32-1 and -1 are the same i32. An f32/f64 must be a float or an
int (wasmtime-py takes floats only; wasmbed also takes ints, of any size,
rounded once to the nearest f32/f64 as f32/f64.convert_i64 round); a
float is an f64, and an f32 is it demoted as f32.demote_f64 does, so a
value beyond the f32 range is +-inf (1e40 and 1e300 as an f32 are inf).
Anything else (str, None, a float for an integer type) raises TypeError.
Every rounding is core/numeric.py's (its soft-float functions in soft
mode); the only thing read here is a host float's own bits, in soft mode,
where the internal f64 is its u64 bit pattern.

GC references (anyref, eqref, i31ref, structref, arrayref and typed
references) are opaque handles: what a wasm function returned (a struct,
an array, an i31), passed back unchanged; a value of the wrong kind for
eqref / i31ref / structref / arrayref / (ref $t), null for a non-null
type, or a non-null value for a bottom type (nullref, nullfuncref,
nullexternref) raises TypeError. anyref takes any Python object, as
externref does (inside wasm: a host value, neither eq nor i31).
"""

import struct

from wasmbed.core.module import (
    I32, I64, F32, F64, V128, TYPED, HEAP_INDEX, EQREF, I31REF, STRUCTREF,
    ARRAYREF, NONE, NOFUNC, NOEXTERN, NOEXN, heap_of, is_nullable,
    valtype_name)
from wasmbed.core import numeric as _N

_SOFT = _N.soft   # soft float mode: f64 values are bits (core/float_host.py)

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


_TYPE_NAME = {I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128"}


def to_internal(t, v):
    """Convert an API value of value type t to the internal representation.
    Raises TypeError for a value of the wrong kind (see the module doc)."""
    if t == I32:
        return _int_arg(t, v) & M32
    if t == I64:
        return _int_arg(t, v) & M64
    if t == F32 or t == F64:
        return _float_arg(t, v)
    if t == V128:
        return _int_arg(t, v) & ((1 << 128) - 1)
    if t >= TYPED or t in _GC_CHECKED:
        return _ref_arg(t, v)
    return v


_GC_CHECKED = (EQREF, I31REF, STRUCTREF, ARRAYREF, NONE, NOFUNC, NOEXTERN,
               NOEXN)


def _ref_arg(t, v):
    """A reference argument of type t checked for its kind (module doc)."""
    if v is None:
        if not is_nullable(t):
            raise TypeError("expected a non-null reference for %s" % valtype_name(t))
        return None
    h = heap_of(t)
    from wasmbed.core import gc
    if h >= HEAP_INDEX:
        ok = type(v) is gc.Struct or type(v) is gc.Array or (
            hasattr(v, "type") and hasattr(v, "instance"))     # a function
    elif h in (NONE, NOFUNC, NOEXTERN, NOEXN):
        ok = False
    else:
        kinds = {EQREF: (gc.I31, gc.Struct, gc.Array), I31REF: (gc.I31,),
                 STRUCTREF: (gc.Struct,), ARRAYREF: (gc.Array,)}.get(h)
        if kinds is None:           # any, func, extern, exn
            return v
        ok = type(v) in kinds
    if not ok:
        raise TypeError("expected a %s, got %s %r" % (
            valtype_name(t), type(v).__name__, v))
    return v


# Accepted int ranges: signed or unsigned readings of the type's bits.
_INT_BITS = {I32: 32, I64: 64, V128: 128}


def _int_arg(t, v):
    """``v`` checked for an integer type: an int (bool counts as 0/1, as in
    wasmtime-py) from -2**(n-1) to 2**n - 1. Raises TypeError for other
    kinds and ValueError outside that range (wasmtime-py would wrap it)."""
    if not isinstance(v, int):
        raise TypeError("expected an int for %s, got %s %r" % (
            _TYPE_NAME[t], type(v).__name__, v))
    n = _INT_BITS[t]
    if v < -(1 << (n - 1)) or v >= (1 << n):
        raise ValueError("%d is out of range for %s (%d .. %d)" % (
            v, _TYPE_NAME[t], -(1 << (n - 1)), (1 << n) - 1))
    return v


def _float_arg(t, v):
    """``v`` (a float or an int) as the internal f32 / f64 of type t."""
    if isinstance(v, float):
        x = _host_bits(v) if _SOFT else v     # the internal f64
        return _N.f32_demote_f64(x) if t == F32 else x
    if isinstance(v, int) and not isinstance(v, bool):
        return _int_float(t, v)
    raise TypeError("expected a float for %s, got %s %r" % (
        _TYPE_NAME[t], type(v).__name__, v))


def _int_float(t, v):
    """An int of any size as the internal f32 / f64, rounded once: numeric's
    f32/f64.convert_i64_u of its top 64 bits (the bits below folded into a
    sticky bit), scaled by the exponent; past the range +-inf."""
    a = -v if v < 0 else v
    n = 0
    if a >> 64:
        while a >> (n + 96):
            n += 32
        while a >> (n + 64):
            n += 1
        a = (a >> n) | (1 if a & ((1 << n) - 1) else 0)
    if t == F32:
        bits = _N.f32_convert_i64_u(a) + (n << 23)
        if bits > _N.F32_INF:
            bits = _N.F32_INF
        return bits | _N.F32_SIGN if v < 0 else bits
    bits = _N.f64_to_bits(_N.f64_convert_i64_u(a)) + (n << 52)
    if bits > _N.F64_INF_BITS:
        bits = _N.F64_INF_BITS
    if v < 0:
        bits |= _N.F64_SIGN
    return _N.bits_to_f64(bits)


def _host_bits(x):
    # soft mode: the u64 bits of a host float (exact: the host's float is
    # single or double precision)
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_internal(t, v):
    """Convert an internal value of type t to the API representation."""
    if t == I32:
        return v - 0x100000000 if v & 0x80000000 else v
    if t == I64:
        return v - 0x10000000000000000 if v & 0x8000000000000000 else v
    if t == F32:
        return _N.f32_to_float(v)
    if _SOFT and t == F64:   # numeric's bits_to_f64 keeps bits in soft mode
        return struct.unpack("<d", struct.pack("<Q", v))[0]
    return v
