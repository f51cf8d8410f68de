"""Val and the value conventions of wasmtime-py 50.

Into wasm (``to_core``): an i32/i64 takes any int (bool too) and wraps it
modulo 2**32 / 2**64 as wasmtime-py does (2**32 - 1 and -1 are the same
i32); an f32/f64 takes a float only (an int raises TypeError, as in
wasmtime-py); an f32 rounds to single precision, past its range to +-inf;
an externref takes any object (None is null); a funcref a Func or None; a
``Val`` must have the parameter's type. Anything else raises TypeError
"don't know how to convert ...".

Out of wasm (``from_core``): i32/i64 signed ints, f32/f64 floats, an
externref the very object passed in (or None), a funcref a Func or None.
v128 values cannot cross (wasmtime-py has no v128 either).
"""

from wasmbed.core import module as M
# floats convert as the embedding API's do (rounded by core/numeric.py)
from wasmbed.values import to_internal as _float_in, from_internal as _float_out
from wasmbed.wasmtime.types import ValType
from wasmbed.wasmtime.errors import WasmtimeError

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


def _wrap_signed(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _round_f32(v):
    return _float_out(M.F32, _float_in(M.F32, v))


class Val:
    """A typed value: Val.i32(5), Val.f32(1.5), Val.externref(obj),
    Val.funcref(func), Val.ref_null(ValType.funcref()). ``value`` is the
    Python value, ``type`` its ValType; ``as_i32()`` ... return None when
    the kind differs. A Val equals another Val of the same kind and value,
    and a plain value equal to its own."""

    def __init__(self, kind, val):
        self._kind = kind
        self._val = val

    @classmethod
    def i32(cls, val):
        if not isinstance(val, int):
            raise TypeError("expected an integer")
        return cls(M.I32, _wrap_signed(val, 32))

    @classmethod
    def i64(cls, val):
        if not isinstance(val, int):
            raise TypeError("expected an integer")
        return cls(M.I64, _wrap_signed(val, 64))

    @classmethod
    def f32(cls, val):
        if not isinstance(val, float):
            raise TypeError("expected a float")
        return cls(M.F32, _round_f32(val))

    @classmethod
    def f64(cls, val):
        if not isinstance(val, float):
            raise TypeError("expected a float")
        return cls(M.F64, val)

    @classmethod
    def externref(cls, extern):
        return cls(M.EXTERNREF, extern)

    @classmethod
    def funcref(cls, f):
        return cls(M.FUNCREF, f)

    @classmethod
    def ref_null(cls, ty):
        if ty == ValType.externref():
            return cls.externref(None)
        if ty == ValType.funcref():
            return cls.funcref(None)
        raise WasmtimeError("Invalid reference type for `ref_null`: %s" % ty)

    def __eq__(self, rhs):
        if isinstance(rhs, Val):
            return self._kind == rhs._kind and self._val == rhs._val
        return self._val == rhs

    def __ne__(self, rhs):
        return not self.__eq__(rhs)

    __hash__ = None

    @property
    def value(self):
        return self._val

    @property
    def type(self):
        return ValType._from_core(self._kind)

    def _as(self, kind):
        return self._val if self._kind == kind else None

    def as_i32(self):
        return self._as(M.I32)

    def as_i64(self):
        return self._as(M.I64)

    def as_f32(self):
        return self._as(M.F32)

    def as_f64(self):
        return self._as(M.F64)

    def as_externref(self):
        return self._as(M.EXTERNREF)

    def as_funcref(self):
        return self._as(M.FUNCREF)


def to_core(t, val):
    """A Python value (or Val) for core value type ``t`` -> the engine's
    internal representation. Raises TypeError (see the module doc)."""
    from wasmbed.wasmtime.func import Func
    t = _abstract(t)
    if isinstance(val, Val):
        if val._kind != t:
            raise TypeError("wrong type of `Val` provided")
        val = val._val
        if t in (M.I32, M.I64) and isinstance(val, int):
            return val & (M32 if t == M.I32 else M64)
        if t == M.F32 and isinstance(val, float):
            return _float_in(t, val)
    if t == M.EXTERNREF:
        return val
    if isinstance(val, int):
        if t == M.I32:
            return val & M32
        if t == M.I64:
            return val & M64
    elif isinstance(val, float):
        if t == M.F32 or t == M.F64:
            return _float_in(t, val)
    elif isinstance(val, Func):
        if t == M.FUNCREF:
            return val._extern
    elif val is None:
        if t == M.FUNCREF:
            return None
    raise TypeError("don't know how to convert %r to %s"
                    % (val, ValType._from_core(t)))


def _abstract(t):
    """3.0 typed references convert like funcref ((ref $t), (ref func),
    nullfuncref) or externref (the others)."""
    if t >= M.TYPED or t in M.HEAP_TOP and t not in M.REFTYPES:
        return M.FUNCREF if M.HEAP_TOP.get(M.heap_of(t), M.FUNCREF) == M.FUNCREF \
            else M.EXTERNREF
    return t


def from_core(t, v):
    """An internal value of core type ``t`` -> the Python value wasmtime-py
    hands out."""
    t = _abstract(t)
    if t == M.I32:
        return v - 0x100000000 if v & 0x80000000 else v
    if t == M.I64:
        return v - 0x10000000000000000 if v & 0x8000000000000000 else v
    if t == M.F32 or t == M.F64:
        return _float_out(t, v)
    if t == M.FUNCREF:
        if v is None:
            return None
        from wasmbed.wasmtime.func import Func
        return Func._from_core(v)
    return v
