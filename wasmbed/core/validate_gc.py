"""Validation of the GC instructions (0xFB and ref.eq), for
validate_code's operand-stack algorithm.

``check(ctx, ins, vals, frame, ctrls)`` pops and pushes the types of one
instruction; InvalidModule "type mismatch", "unknown type N", "unknown
field N", "immutable field", "immutable array", "array types do not
match", "array type is not numeric or vector", "unknown data segment N",
"unknown elem segment N".
"""

from wasmbed.core import opcodes as O
from wasmbed.core.errors import InvalidModule
from wasmbed.core.module import (
    I32, I8, I16, V128, StructType, ArrayType, HEAP_INDEX, HEAP_TOP, ANYREF,
    EQREF, I31REF, ARRAYREF, EXTERNREF, FUNCREF, ref_type, heap_of, is_nullable, subtype, kind_top,
    defaultable)
from wasmbed.core.validate_code import (
    _pop_expect, _pop_vals, _pop_ref, _label_types, _unknown, UNKNOWN,
    TYPE_MISMATCH)

_FB = O.PREFIX_FB
_EQ = ref_type(True, EQREF)


def unpacked(t):
    return I32 if t == I8 or t == I16 else t


def _struct(types, x):
    if x >= len(types):
        raise _unknown("type", x)
    if not isinstance(types[x], StructType):
        raise InvalidModule(TYPE_MISMATCH)
    return types[x].fields


def _array(types, x):
    if x >= len(types):
        raise _unknown("type", x)
    if not isinstance(types[x], ArrayType):
        raise InvalidModule(TYPE_MISMATCH)
    return types[x].field


def top_of(t, m):
    """The top abstract heap type of reference type t's hierarchy."""
    h = heap_of(t)
    if h >= HEAP_INDEX:
        k = kind_top(m, h - HEAP_INDEX)
        return FUNCREF if k == FUNCREF else ANYREF
    return HEAP_TOP[h]


def _check_ref(t, types):
    h = heap_of(t)
    if h >= HEAP_INDEX and h - HEAP_INDEX >= len(types):
        raise _unknown("type", h - HEAP_INDEX)


def _storage_sub(a, b, m):
    if a == I8 or a == I16 or b == I8 or b == I16:
        return a == b
    return a == b or subtype(a, b, m)


def check(ctx, ins, vals, frame, ctrls):
    op = ins[0]
    m = ctx.module
    types = ctx.types
    if op == O.REF_EQ:
        _pop_expect(vals, frame, _EQ)
        _pop_expect(vals, frame, _EQ)
        vals.append(I32)
        return
    s = op - _FB
    if s <= 5:
        x = ins[1]
        fields = _struct(types, x)
        nn = ref_type(False, HEAP_INDEX + x)
        if s == 0:
            _pop_vals(vals, frame, [unpacked(t) for t, _ in fields])
            vals.append(nn)
            return
        if s == 1:
            for t, _ in fields:
                if not defaultable(t):
                    raise InvalidModule(TYPE_MISMATCH)
            vals.append(nn)
            return
        y = ins[2]
        if y >= len(fields):
            raise _unknown("field", y)
        t, mut = fields[y]
        if s == 5:
            if not mut:
                raise InvalidModule("immutable field")
            _pop_expect(vals, frame, unpacked(t))
            _pop_expect(vals, frame, ref_type(True, HEAP_INDEX + x))
            return
        packed = t == I8 or t == I16
        if packed != (s != 2):
            raise InvalidModule(TYPE_MISMATCH)
        _pop_expect(vals, frame, ref_type(True, HEAP_INDEX + x))
        vals.append(unpacked(t))
        return
    if s <= 19 and s != 15:
        x = ins[1]
        t, mut = _array(types, x)
        ut = unpacked(t)
        nn = ref_type(False, HEAP_INDEX + x)
        ref = ref_type(True, HEAP_INDEX + x)
        if s in (14, 16, 17, 18, 19) and not mut:
            raise InvalidModule("immutable array")
        if s == 6:
            _pop_vals(vals, frame, (ut, I32))
            vals.append(nn)
        elif s == 7:
            if not defaultable(t):
                raise InvalidModule(TYPE_MISMATCH)
            _pop_expect(vals, frame, I32)
            vals.append(nn)
        elif s == 8:
            _pop_vals(vals, frame, [ut] * ins[2])
            vals.append(nn)
        elif s == 9 or s == 18:
            if not (t == I8 or t == I16 or t in (0x7F, 0x7E, 0x7D, 0x7C, V128)):
                raise InvalidModule("array type is not numeric or vector")
            if ctx.num_datas is None:
                from wasmbed.core.errors import MalformedModule, MSG_DATA_COUNT_REQUIRED
                raise MalformedModule(MSG_DATA_COUNT_REQUIRED)
            if ins[2] >= ctx.num_datas:
                raise _unknown("data segment", ins[2])
            if s == 9:
                _pop_vals(vals, frame, (I32, I32))
                vals.append(nn)
            else:
                _pop_vals(vals, frame, (ref, I32, I32, I32))
        elif s == 10 or s == 19:
            if ins[2] >= len(ctx.elem_types):
                raise _unknown("elem segment", ins[2])
            if not _storage_sub(ctx.elem_types[ins[2]], t, m):
                raise InvalidModule(TYPE_MISMATCH)
            if s == 10:
                _pop_vals(vals, frame, (I32, I32))
                vals.append(nn)
            else:
                _pop_vals(vals, frame, (ref, I32, I32, I32))
        elif s <= 13:
            packed = t == I8 or t == I16
            if packed != (s != 11):
                raise InvalidModule(TYPE_MISMATCH)
            _pop_vals(vals, frame, (ref, I32))
            vals.append(ut)
        elif s == 14:
            _pop_vals(vals, frame, (ref, I32, ut))
        elif s == 16:
            _pop_vals(vals, frame, (ref, I32, ut, I32))
        else:                                   # array.copy
            t2, _ = _array(types, ins[2])
            if not _storage_sub(t2, t, m):
                raise InvalidModule("array types do not match")
            _pop_vals(vals, frame, (ref, I32, ref_type(True, HEAP_INDEX + ins[2]),
                                    I32, I32))
        return
    if s == 15:
        _pop_expect(vals, frame, ref_type(True, ARRAYREF))
        vals.append(I32)
        return
    if s <= 23:
        rt = ins[1]
        _check_ref(rt, types)
        t = _pop_ref(vals, frame)
        if t != UNKNOWN and top_of(t, m) != top_of(rt, m):
            raise InvalidModule(TYPE_MISMATCH)
        vals.append(I32 if s <= 21 else rt)
        return
    if s == 24 or s == 25:
        x, rt1, rt2 = ins[1], ins[2], ins[3]
        if x >= len(ctrls):
            raise _unknown("label", x)
        _check_ref(rt1, types)
        _check_ref(rt2, types)
        if rt1 != rt2 and not subtype(rt2, rt1, m):
            raise InvalidModule(TYPE_MISMATCH)
        _pop_expect(vals, frame, rt1)
        lt = _label_types(ctrls[-1 - x])
        diff = ref_type(False, heap_of(rt1)) if is_nullable(rt2) else rt1
        sent, kept = (rt2, diff) if s == 24 else (diff, rt2)
        if not lt or (lt[-1] != sent and not subtype(sent, lt[-1], m)):
            raise InvalidModule(TYPE_MISMATCH)
        rest = lt[:-1]
        if rest:
            _pop_vals(vals, frame, rest)
            vals.extend(rest)
        vals.append(kept)
        return
    if s == 26 or s == 27:
        src, dst = (EXTERNREF, ANYREF) if s == 26 else (ANYREF, EXTERNREF)
        t = _pop_expect(vals, frame, src)
        null = t == UNKNOWN or is_nullable(t)
        vals.append(ref_type(null, dst))
        return
    if s == 28:
        _pop_expect(vals, frame, I32)
        vals.append(ref_type(False, I31REF))
        return
    _pop_expect(vals, frame, ref_type(True, I31REF))
    vals.append(I32)
