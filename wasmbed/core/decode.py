"""Binary decoding: bytes -> Module (the spec's "Binary Format" chapter).

``decode_module(data, threads=True, sections=None, wasm3=None) -> Module``
decodes WebAssembly 2.0 with fixed-width SIMD (0xFD), unless ``threads`` is
False the threads proposal (0xFE atomics, the shared bit in memory limits),
and unless ``wasm3`` is False 3.0's exception handling (tag section,
try_table, throw, throw_ref, exnref), tail calls (return_call,
return_call_indirect) and relaxed SIMD (0xFD 0x100 .. 0x113); ``wasm3``
None means ``threads``.
With ``threads=False`` the limits flag is the 2.0 format's one-bit LEB and
0xFE is an illegal opcode, as in the core 2.0 test suite. With
``wasm3=False`` the exception, tail-call and relaxed SIMD instructions are
illegal opcodes, the tag section a malformed section id, exnref a
malformed value type, and ``Module.spec2`` is set so that validation
applies 2.0's rules.

Every error is ``MalformedModule(message, offset)`` with the wording of the
spec's reference interpreter ("unexpected end", "integer too large", ...;
the MSG_* constants below). No other exception escapes for any bytes-like
input (a bug inside the decoder is reported as MalformedModule too; a value
that is not bytes-like raises TypeError). Reads are bounded by the end of
the file, not of the current section, as in the reference interpreter:
overruns surface as "section size mismatch" once the section is read.

Resources: every vector count and length is checked against the bytes left
before anything is allocated ("length out of bounds"), so memory stays
proportional to the input. Declared locals are the one thing a few bytes
can multiply: a function may declare at most MAX_FUNCTION_LOCALS locals and
the module at most MAX_FUNCTION_LOCALS + LOCALS_PER_BYTE * len(data) distinct
expanded locals (identical declarations share one list); beyond that the
decoder raises "too many locals", as it does for 2^32 or more.

The result: instructions are tuples ``(id, imm...)`` with the ids and
immediate shapes of opcodes.py (br_table's label depths are ``bytes`` when
every one is below 256, else a tuple: a sequence of ints either way); a function body or constant expression is a
flat list ending with the END that closes it (block/loop/if/else/end kept in
place). Objects shared between functions or segments (locals lists,
``ref.func`` expressions of element segments, instruction tuples) must be
treated as read-only. ``Func.offset`` is the file offset of the body's
locals declaration; ``CustomSection.offset`` the file offset of the bytes in
``CustomSection.data``; ``Module.names`` the parsed "name" section (a
malformed one is ignored: custom contents are not validated).

Input: bytes, bytearray or memoryview are read in place, never copied
(anything else is converted with bytes()); data segments and custom
sections are copied out, except with lazy bodies, where they are slices of
the input too (a board's module in flash: its data stays there). Lazy bodies (``lazy=True``; the Runtime asks for
them on MicroPython, where RAM is scarce): each body is decoded once to
check it and dropped, and ``Func.body`` decodes it again from the input
on every read, so the decoded module holds no instruction lists, only a
reference to the input, which must then stay unchanged while the module
is in use (a validated body decoded again from changed bytes is not
validated).

If ``sections`` is a list, one ``(id, offset, size)`` tuple per section is
appended to it (offset of the section's content), for tools like inspect.

Runs on MicroPython: only struct and builtins.
"""

import struct

from wasmbed.core import opcodes as _ops
from wasmbed.core.float_host import soft as _soft_float
from wasmbed.core import optables as _optables
from wasmbed.core.errors import (MalformedModule, HostOutOfMemory, MSG_TOO_LONG,
                                 MSG_DATA_COUNT_REQUIRED)
from wasmbed.core.leb128 import read_unsigned, read_signed
from wasmbed.core.module import (
    Module, FuncType, Limits, TableType, MemoryType, GlobalType, Import,
    Func, FuncTable, FuncIndexItems, Global, Elem, Data, CustomSection,
    ExportNames,
    VALTYPES, REFTYPES,
    FUNCREF, EXNREF, HEAP_TOP, HEAP_INDEX, ref_type, BT_EMPTY, EXT_FUNC, EXT_TABLE, EXT_MEMORY, EXT_GLOBAL,
    EXT_TAG, StructType, ArrayType, I8, I16, MODE_ACTIVE, MODE_PASSIVE, MODE_DECLARATIVE)

# -- messages (the reference interpreter's wording; the ones other modules
# raise too are core/errors.py's) ------------------------------------------
MSG_UNEXPECTED_END = "unexpected end"
MSG_UNEXPECTED_END_SECTION = "unexpected end of section or function"
MSG_MAGIC = "magic header not detected"
MSG_VERSION = "unknown binary version"
MSG_SECTION_ID = "malformed section id"
MSG_SECTION_SIZE = "section size mismatch"
MSG_JUNK = "unexpected content after last section"
MSG_LENGTH = "length out of bounds"
MSG_TOO_MANY_LOCALS = "too many locals"
MSG_FUNC_CODE = "function and code section have inconsistent lengths"
MSG_DATA_COUNT = "data count and data section have inconsistent lengths"
MSG_UTF8 = "malformed UTF-8 encoding"
MSG_VALTYPE = "malformed value type"
MSG_REFTYPE = "malformed reference type"
MSG_FUNCTYPE = "malformed function type"
MSG_BLOCKTYPE = "malformed block type"
MSG_MUTABILITY = "malformed mutability"
MSG_IMPORT_KIND = "malformed import kind"
MSG_EXPORT_KIND = "malformed export kind"
MSG_LIMITS = "malformed limits flag"
MSG_SHARED_TABLE = "tables cannot be shared (yet)"
MSG_ELEM_KIND = "malformed element kind"
MSG_ELEM_SEGMENT = "malformed elements segment kind"
MSG_DATA_SEGMENT = "malformed data segment kind"
MSG_ZERO_BYTE = "zero byte expected"
MSG_ILLEGAL_OPCODE = "illegal opcode"
MSG_END_EXPECTED = "END opcode expected"
MSG_MEMOP = "malformed memop flags"
MSG_TAG_ATTRIBUTE = "malformed tag attribute"
MSG_CATCH = "malformed catch clause"
MSG_HEAPTYPE = "malformed heap type"
MSG_INTERNAL = "malformed module (internal decoder error: %s)"

# -- implementation limits ---------------------------------------------------
MAX_FUNCTION_LOCALS = 50000
LOCALS_PER_BYTE = 4

_REF_NULL = 0x63          # 3.0: (ref null heaptype)
_REF = 0x64               # 3.0: (ref heaptype)

_REF_FUNC_T = ref_type(False, FUNCREF)

_MAGIC = b"\x00asm"
_VERSION = b"\x01\x00\x00\x00"
_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF

# Section id -> position in the required order (the data count section, id
# 12, sits between element (9) and code (10); the tag section, id 13,
# between memory (5) and global (6)).
_RANK = (0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6)
_TAG_SECTION = 13

# Type code byte -> its kinds, two bits each (0: not one, 1: a type of its
# own, 2: 0x63/0x64, a reference with a heap type) at shift _K_VAL (a value
# type) or _K_REF (a reference type), plus _K_3 in the 3.0 format (exnref,
# the shorthands of the bottom and GC abstract types, typed references).
# A dict of the few codes, not a 256-byte table: on a board it is heap.
_K_VAL = 0
_K_REF = 2
_K_3 = 4
_TYPE_KIND = {}
for _t in VALTYPES:
    _TYPE_KIND[_t] = 1 << _K_VAL | 1 << (_K_3 + _K_VAL)
for _t in REFTYPES:
    _TYPE_KIND[_t] = _TYPE_KIND.get(_t, 0) | 1 << _K_REF | 1 << (_K_3 + _K_REF)
for _t in HEAP_TOP:
    _TYPE_KIND[_t] = _TYPE_KIND.get(_t, 0) | 1 << (_K_3 + _K_VAL) | 1 << (_K_3 + _K_REF)
_TYPE_KIND[EXNREF] &= ~15       # 2.0 has no exnref
_TYPE_KIND[_REF_NULL] = _TYPE_KIND[_REF] = 2 << (_K_3 + _K_VAL) | 2 << (_K_3 + _K_REF)


def _type_kind(x, wasm3, ref):
    """What type code byte x is (0, 1 or 2, as in _TYPE_KIND) as a
    reference type (``ref``) or a value type, in the 3.0 format or 2.0's."""
    return (_TYPE_KIND.get(x, 0) >> ((_K_3 if wasm3 else 0)
                                     + (_K_REF if ref else _K_VAL))) & 3


# -- instruction dispatch ----------------------------------------------------
# One small dispatch code per opcode id, derived from opcodes.IMM, so the
# decoding loop tests a single int per instruction.
_D_ILLEGAL = 0
_D_NONE = 1
_D_IDX = 2            # one u32 index
_D_I32 = 3
_D_MEMARG = 4
_D_END = 5
_D_BLOCK = 6          # block, loop
_D_IF = 7
_D_ELSE = 8
_D_I64 = 9
_D_F32 = 10
_D_F64 = 11
_F64_FMT = "<Q" if _soft_float() else "<d"   # soft float mode: f64 as bits
_D_TWO_IDX = 12       # call_indirect, table.init, table.copy
_D_BR_TABLE = 13
_D_ZERO = 14          # memory.size/grow/fill, atomic.fence: one zero byte
_D_DATA = 15          # data.drop
_D_MEMORY_INIT = 16
_D_MEMORY_COPY = 17
_D_SELECT_T = 18
_D_REFTYPE = 19
_D_V128 = 20
_D_SHUFFLE = 21
_D_LANE = 22
_D_MEMARG_LANE = 23
_D_PREFIX = 24
_D_TAG = 25           # throw: a tag index (3.0, not in the 2.0 format)
_D_TRY_TABLE = 26     # try_table: block type and catch clauses (3.0)
_D_EH_NONE = 27       # throw_ref: no immediate (3.0)
_D_TRY = 28           # legacy try: a block type
_D_CATCH = 29         # legacy catch (a tag index) and catch_all
_D_DELEGATE = 30      # legacy delegate: a label index; ends its try
_D_TWO_IDX3 = 31      # return_call_indirect: two indices (3.0)
_D_GC = 32            # 0xFB: GC instructions (3.0), see _gc_imm

# decoder block stack entries (what may come next besides end)
_S_BLOCK = 0
_S_IF = 1             # else
_S_TRY = 2            # catch, catch_all, delegate
_S_CATCH = 3          # catch, catch_all (after a catch)
_S_CATCH_ALL = 4      # end only

# optables.DECODE_KIND holds the code of every id (generated by opdefs.py).
_KIND = _optables.DECODE_KIND
# The shared tuple (id,) of each operand-less opcode, made on first use.
_SINGLE = {}
_END_T = (_ops.END,)
_SINGLE[_ops.END] = _END_T
_PREFIX_BASE = {0xFC: _ops.PREFIX_FC, 0xFD: _ops.PREFIX_FD, 0xFE: _ops.PREFIX_FE,
                0xFB: _ops.PREFIX_FB}


def _single(op):
    t = _SINGLE[op] = (op,)
    return t


def _illegal(op, pos):
    """MalformedModule for opcode id ``op``, worded as the reference
    interpreter does: "illegal opcode ff", prefixed ones with the
    sub-opcode in decimal ("illegal opcode fd 276")."""
    if op < 0x100:
        return MalformedModule("%s %02x" % (MSG_ILLEGAL_OPCODE, op), pos)
    for prefix in _PREFIX_BASE:
        base = _PREFIX_BASE[prefix]
        if base <= op < base + (0x120 if prefix == 0xFD else 0x100):
            return MalformedModule("%s %02x %d" % (
                MSG_ILLEGAL_OPCODE, prefix, op - base), pos)
    return MalformedModule(MSG_ILLEGAL_OPCODE, pos)


# GC sub-opcodes by immediate shape
_GC_ONE = (0, 1, 6, 7, 11, 12, 13, 14, 16)            # a type index
_GC_TWO = (2, 3, 4, 5, 8, 9, 10, 17, 18, 19)    # two indices
_GC_HEAP = (20, 21, 22, 23)             # ref.test / ref.cast (null: odd)


def _gc_imm(op, b, pos):
    """-> (decoded instruction, pos after) of 0xFB instruction ``op``."""
    s = op - _ops.PREFIX_FB
    if s in _GC_ONE:
        x, pos = read_unsigned(b, pos, 32)
        return (op, x), pos
    if s in _GC_TWO:
        x, pos = read_unsigned(b, pos, 32)
        y, pos = read_unsigned(b, pos, 32)
        return (op, x, y), pos
    if s in _GC_HEAP:
        h, pos = _heaptype(b, pos)
        return (op, ref_type(s & 1, h)), pos
    if s == 24 or s == 25:                  # br_on_cast(_fail)
        flags = b[pos]
        if flags > 3:
            raise MalformedModule("malformed br_on_cast flags", pos)
        x, pos = read_unsigned(b, pos + 1, 32)
        h1, pos = _heaptype(b, pos)
        h2, pos = _heaptype(b, pos)
        return (op, x, ref_type(flags & 1, h1), ref_type(flags & 2, h2)), pos
    return _SINGLE.get(op) or _single(op), pos


def _bad_type(x, message, pos):
    """A type byte that is no type: types are one-byte s7 LEBs, so a byte
    with the continuation bit is a too-long integer first."""
    if x & 0x80:
        return MalformedModule(MSG_TOO_LONG, pos + 1)
    return MalformedModule(message, pos)


def _heaptype(b, pos):
    """-> (heap type, pos after): an abstract heap type byte or
    HEAP_INDEX + a type index (s33)."""
    x = b[pos]
    if 0x40 <= x < 0x80:
        if x not in HEAP_TOP:
            raise MalformedModule(MSG_HEAPTYPE, pos)
        return x, pos + 1
    x, pos = read_signed(b, pos, 33)
    if x < 0:
        raise MalformedModule(MSG_HEAPTYPE, pos - 1)
    return HEAP_INDEX + x, pos


def _valtype(b, pos, wasm3, ref_only=False):
    """-> (value type, pos after); ``ref_only``: a reference type.
    MalformedModule "malformed value type" / "malformed reference type"."""
    x = b[pos]
    k = _type_kind(x, wasm3, ref_only)
    if k == 1:
        return x, pos + 1
    if k == 2:
        h, pos = _heaptype(b, pos + 1)
        return ref_type(x == _REF_NULL, h), pos
    raise _bad_type(x, MSG_REFTYPE if ref_only else MSG_VALTYPE, pos)


def _expr(b, pos, threads, wasm3=True):
    """Decode instructions from ``pos`` through the END closing the sequence.

    Returns ``(instrs, pos_after, uses_data)``; ``uses_data`` tells whether
    memory.init or data.drop occurred (they need a data count section).
    Raises MalformedModule; IndexError at the end of ``b``.
    """
    kinds = _KIND
    single = _SINGLE
    leb_u = read_unsigned
    leb_s = read_signed
    n = len(b)
    out = []
    append = out.append
    # One entry per open block: what may follow besides end (the _S_* codes).
    stack = []
    push = stack.append
    pop = stack.pop
    uses_data = False
    while True:
        op = b[pos]
        pos += 1
        k = kinds[op]
        if k == _D_PREFIX:
            x = b[pos]
            if x < 0x80:
                pos += 1
            else:
                x, pos = leb_u(b, pos, 32)
            if x > 0xFF and (op != 0xFD or x >= 0x120 or not wasm3) or (
                    op == 0xFE and not threads) or (
                    op == 0xFB and (x >= 0x20 or not wasm3)):     # 0xFD 0x1xx: relaxed SIMD
                raise MalformedModule("%s %02x %d" % (
                    MSG_ILLEGAL_OPCODE, op, x), pos - 1)
            op = _PREFIX_BASE[op] + x
            k = kinds[op]
        if k == _D_IDX:
            x = b[pos]
            if x < 0x80:
                pos += 1
            else:
                x, pos = leb_u(b, pos, 32)
            append((op, x))
        elif k == _D_NONE:
            append(single.get(op) or _single(op))
        elif k == _D_I32:
            x = b[pos]
            if x < 0x40:
                pos += 1
            elif x < 0x80:
                pos += 1
                x += 0xFFFFFF80
            else:
                x, pos = leb_s(b, pos, 32)
                x &= _MASK32
            append((op, x))
        elif k == _D_MEMARG:
            a = b[pos]
            if a < 0x20:
                pos += 1
                x = b[pos]
                if x < 0x80:
                    pos += 1
                else:
                    x, pos = leb_u(b, pos, 64 if wasm3 else 32)
                append((op, a, x))
            else:
                a, pos, x, mem = _memarg(b, pos, wasm3)
                append((op, a, x, mem) if mem else (op, a, x))
        elif k == _D_END:
            append(_END_T)
            if not stack:
                return out, pos, uses_data
            pop()
        elif k == _D_BLOCK or k == _D_IF:
            bt, pos = _blocktype(b, pos, wasm3)
            append((op, bt))
            push(_S_IF if k == _D_IF else _S_BLOCK)
        elif k == _D_ELSE:
            if not stack or stack[-1] != _S_IF:
                raise MalformedModule(MSG_END_EXPECTED, pos - 1)
            stack[-1] = _S_BLOCK
            append(single.get(op) or _single(op))
        elif k == _D_I64:
            x = b[pos]
            if x < 0x40:
                pos += 1
            elif x < 0x80:
                pos += 1
                x += 0xFFFFFFFFFFFFFF80
            else:
                x, pos = leb_s(b, pos, 64)
                x &= _MASK64
            append((op, x))
        elif k == _D_F32:
            x = b[pos] | b[pos + 1] << 8 | b[pos + 2] << 16 | b[pos + 3] << 24
            pos += 4
            append((op, x))
        elif k == _D_F64:
            b[pos + 7]
            append((op, struct.unpack_from(_F64_FMT, b, pos)[0]))
            pos += 8
        elif k == _D_TWO_IDX:
            x = b[pos]
            if x < 0x80:
                pos += 1
            else:
                x, pos = leb_u(b, pos, 32)
            y = b[pos]
            if y < 0x80:
                pos += 1
            else:
                y, pos = leb_u(b, pos, 32)
            append((op, x, y))
        elif k == _D_BR_TABLE:
            start = pos
            count, pos = leb_u(b, pos, 32)
            if count > n - start:
                raise MalformedModule(MSG_LENGTH, start)
            # labels as bytes while they fit one (a board holds a table
            # of thousands of labels as that many bytes, not int slots);
            # when each is a one-byte LEB, the input's own bytes (a view of
            # a memoryview input: no copy)
            end = pos + count
            if end < n and max(b[pos:end] or b"\0") < 0x80:
                labels = b[pos:end]
                if type(labels) is not bytes and type(b) is not memoryview:
                    labels = bytes(labels)
                pos = end
                x = b[pos]
                if x < 0x80:
                    pos += 1
                else:
                    x, pos = leb_u(b, pos, 32)
                append((op, labels, x))
                labels = None
                continue
            labels = bytearray()
            wide = None
            for _ in range(count):
                x = b[pos]
                if x < 0x80:
                    pos += 1
                else:
                    x, pos = leb_u(b, pos, 32)
                if wide is not None:
                    wide.append(x)
                elif x < 256:
                    labels.append(x)
                else:
                    wide = list(labels)
                    wide.append(x)
            x = b[pos]
            if x < 0x80:
                pos += 1
            else:
                x, pos = leb_u(b, pos, 32)
            append((op, bytes(labels) if wide is None else tuple(wide), x))
            labels = wide = None
        elif k == _D_ZERO and wasm3 and op != _ops.ATOMIC_FENCE:
            x = b[pos]                  # memory.size/grow/fill: a memidx
            if x < 0x80:
                pos += 1
            else:
                x, pos = leb_u(b, pos, 32)
            append((op, x) if x else (single.get(op) or _single(op)))
        elif k == _D_ZERO:
            if b[pos] != 0:
                raise MalformedModule(MSG_ZERO_BYTE, pos)
            pos += 1
            append(single.get(op) or _single(op))
        elif k == _D_DATA:
            x, pos = leb_u(b, pos, 32)
            uses_data = True
            append((op, x))
        elif k == _D_MEMORY_INIT and wasm3:
            x, pos = leb_u(b, pos, 32)
            y, pos = leb_u(b, pos, 32)
            uses_data = True
            append((op, x, y) if y else (op, x))
        elif k == _D_MEMORY_COPY and wasm3:
            x, pos = leb_u(b, pos, 32)
            y, pos = leb_u(b, pos, 32)
            append((op, x, y) if x or y else (single.get(op) or _single(op)))
        elif k == _D_MEMORY_INIT:
            x, pos = leb_u(b, pos, 32)
            if b[pos] != 0:
                raise MalformedModule(MSG_ZERO_BYTE, pos)
            pos += 1
            uses_data = True
            append((op, x))
        elif k == _D_MEMORY_COPY:
            if b[pos] != 0:
                raise MalformedModule(MSG_ZERO_BYTE, pos)
            if b[pos + 1] != 0:
                raise MalformedModule(MSG_ZERO_BYTE, pos + 1)
            pos += 2
            append(single.get(op) or _single(op))
        elif k == _D_SELECT_T:
            start = pos
            count, pos = leb_u(b, pos, 32)
            if count > n - start:
                raise MalformedModule(MSG_LENGTH, start)
            types = []
            for _ in range(count):
                x, pos = _valtype(b, pos, wasm3)
                types.append(x)
            append((op, tuple(types)))
        elif k == _D_REFTYPE:       # ref.null: a heap type (3.0)
            x = b[pos]
            if wasm3 and not (0x40 <= x < 0x80):
                x, pos = _heaptype(b, pos)
                append((op, ref_type(True, x)))
                continue
            if _type_kind(x, wasm3, True) != 1:
                raise _bad_type(x, MSG_REFTYPE, pos)
            pos += 1
            append((op, x))
        elif k == _D_V128:
            b[pos + 15]
            append((op, int.from_bytes(b[pos:pos + 16], "little")))
            pos += 16
        elif k == _D_SHUFFLE:
            b[pos + 15]
            append((op, bytes(b[pos:pos + 16])))
            pos += 16
        elif k == _D_LANE:
            append((op, b[pos]))
            pos += 1
        elif k == _D_MEMARG_LANE:
            a, pos, x, mem = _memarg(b, pos, wasm3)
            append((op, a, x, b[pos], mem) if mem else (op, a, x, b[pos]))
            pos += 1
        elif k == _D_TAG and wasm3:
            x, pos = leb_u(b, pos, 32)
            append((op, x))
        elif k == _D_TWO_IDX3 and wasm3:
            x, pos = leb_u(b, pos, 32)
            y, pos = leb_u(b, pos, 32)
            append((op, x, y))
        elif k == _D_GC:
            ins, pos = _gc_imm(op, b, pos)
            append(ins)
        elif k == _D_EH_NONE and wasm3:
            append(single.get(op) or _single(op))
        elif k == _D_TRY_TABLE and wasm3:
            bt, pos = _blocktype(b, pos, wasm3)
            start = pos
            count, pos = leb_u(b, pos, 32)
            if count > n - start:
                raise MalformedModule(MSG_LENGTH, start)
            catches = []
            for _ in range(count):
                ck = b[pos]
                if ck > 3:
                    raise MalformedModule(MSG_CATCH, pos)
                pos += 1
                x = -1
                if ck < 2:
                    x, pos = leb_u(b, pos, 32)
                y, pos = leb_u(b, pos, 32)
                catches.append((ck, x, y))
            append((op, bt, tuple(catches)))
            push(_S_BLOCK)
        elif k == _D_TRY and wasm3:
            bt, pos = _blocktype(b, pos, wasm3)
            append((op, bt))
            push(_S_TRY)
        elif k == _D_CATCH and wasm3:
            if not stack or (stack[-1] != _S_TRY and stack[-1] != _S_CATCH):
                raise MalformedModule(MSG_END_EXPECTED, pos - 1)
            if op == 0x07:
                x, pos = leb_u(b, pos, 32)
                append((op, x))
                stack[-1] = _S_CATCH
            else:
                append(single.get(op) or _single(op))
                stack[-1] = _S_CATCH_ALL
        elif k == _D_DELEGATE and wasm3:
            if not stack or stack[-1] != _S_TRY:
                raise MalformedModule(MSG_END_EXPECTED, pos - 1)
            x, pos = leb_u(b, pos, 32)
            append((op, x))
            pop()
        else:
            raise _illegal(op, pos - 1)


def _memarg(b, pos, wasm3):
    """-> (align, pos after, offset, memidx). 3.0: flag bit 6 says a
    memory index follows the flags, the offset is a u64; 2.0: alignment
    below 32, u32 offset, memory 0."""
    at = pos
    a, pos = read_unsigned(b, pos, 32)
    mem = 0
    if wasm3:
        if a >= 0x80:
            raise MalformedModule(MSG_MEMOP, at)
        if a & 0x40:
            a &= 0x3F
            mem, pos = read_unsigned(b, pos, 32)
        x, pos = read_unsigned(b, pos, 64)
    else:
        if a >= 32:
            raise MalformedModule(MSG_MEMOP, pos - 1)
        x, pos = read_unsigned(b, pos, 32)
    return a, pos, x, mem


def _blocktype(b, pos, wasm3):
    """-> (blocktype, pos after it); see module.py for the encoding."""
    x = b[pos]
    if x == 0x40:
        return BT_EMPTY, pos + 1
    if x < 0x40:
        return x, pos + 1
    if x < 0x80:
        k = _type_kind(x, wasm3, False)
        if not k:
            raise MalformedModule(MSG_VALTYPE, pos)
        if k == 2:
            t, pos = _valtype(b, pos, wasm3)
            return -t, pos
        return -x, pos + 1
    bt, pos = read_signed(b, pos, 33)
    if bt < 0:
        raise MalformedModule(MSG_BLOCKTYPE, pos - 1)
    return bt, pos


def _utf8(raw, offset):
    """Return ``raw`` decoded as UTF-8, checked by hand (no overlong forms,
    no surrogates, nothing above U+10FFFF); MalformedModule otherwise."""
    n = len(raw)
    if n == 0 or max(raw) < 0x80:
        return raw.decode()
    i = 0
    while i < n:
        c = raw[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            extra, lo, hi = 1, 0x80, 0xBF
        elif c == 0xE0:
            extra, lo, hi = 2, 0xA0, 0xBF
        elif c == 0xED:
            extra, lo, hi = 2, 0x80, 0x9F
        elif 0xE1 <= c <= 0xEF:
            extra, lo, hi = 2, 0x80, 0xBF
        elif c == 0xF0:
            extra, lo, hi = 3, 0x90, 0xBF
        elif 0xF1 <= c <= 0xF3:
            extra, lo, hi = 3, 0x80, 0xBF
        elif c == 0xF4:
            extra, lo, hi = 3, 0x80, 0x8F
        else:
            raise MalformedModule(MSG_UTF8, offset)
        if i + extra >= n:
            raise MalformedModule(MSG_UTF8, offset)
        c = raw[i + 1]
        if c < lo or c > hi:
            raise MalformedModule(MSG_UTF8, offset)
        for j in range(i + 2, i + 1 + extra):
            c = raw[j]
            if c < 0x80 or c > 0xBF:
                raise MalformedModule(MSG_UTF8, offset)
        i += 1 + extra
    return raw.decode("utf-8")


class _Reader:
    """A position in ``b``; reads raise IndexError past the end of ``b``."""

    __slots__ = ("b", "pos", "threads", "wasm3")

    def __init__(self, b, pos, threads, wasm3=True):
        self.b = b
        self.pos = pos
        self.threads = threads
        self.wasm3 = wasm3

    def byte(self):
        x = self.b[self.pos]
        self.pos += 1
        return x

    def u32(self):
        pos = self.pos
        x = self.b[pos]
        if x < 0x80:
            self.pos = pos + 1
            return x
        x, self.pos = read_unsigned(self.b, pos, 32)
        return x

    def len32(self):
        """A length or vector count; it may not exceed the bytes left,
        counted from its own first byte ("length out of bounds")."""
        start = self.pos
        x = self.u32()
        if x > len(self.b) - start:
            raise MalformedModule(MSG_LENGTH, start)
        return x

    def take(self, size, view=False):
        """The next size bytes: bytes of their own, or with ``view`` a
        slice of the input as it is (a memoryview stays one)."""
        pos = self.pos
        if pos + size > len(self.b):
            raise MalformedModule(MSG_UNEXPECTED_END_SECTION, len(self.b))
        self.pos = pos + size
        v = self.b[pos:pos + size]
        return bytes(v) if type(v) is memoryview and not view else v

    def name(self):
        start = self.pos
        return _utf8(self.take(self.len32()), start)

    def valtype(self):
        t, self.pos = _valtype(self.b, self.pos, self.wasm3)
        return t

    def reftype(self):
        t, self.pos = _valtype(self.b, self.pos, self.wasm3, True)
        return t

    def table_type(self):
        """A table type; 3.0: 0x40 0x00, the table type and the constant
        expression of its elements."""
        b = self.b
        if self.wasm3 and b[self.pos] == 0x40:
            at = self.pos + 1
            if b[at] != 0:
                raise MalformedModule(MSG_ZERO_BYTE, at)
            self.pos = at + 1
            tt = TableType(self.reftype(), self.limits(True))
            tt.init = self.expr()
            return tt
        return TableType(self.reftype(), self.limits(True))

    def valtypes(self):
        return tuple([self.valtype() for _ in range(self.len32())])

    def limits(self, table):
        """Limits; with threads the flag byte has a shared bit (tables may
        not set it), with wasm3 also the 64-bit bit (4: memory64/table64,
        min and max are u64), without threads it is the 2.0 one-bit LEB."""
        at = self.pos
        if self.threads:
            flags = self.byte()
            if flags > (7 if self.wasm3 else 3):
                raise MalformedModule(MSG_LIMITS, at)
        else:
            flags, self.pos = read_unsigned(self.b, at, 1)
        if self.wasm3 and self.threads:     # 3.0: u64 (validation bounds them)
            lo, self.pos = read_unsigned(self.b, self.pos, 64)
            hi = None
            if flags & 1:
                hi, self.pos = read_unsigned(self.b, self.pos, 64)
        else:
            lo = self.u32()
            hi = self.u32() if flags & 1 else None
        shared = flags & 2 != 0
        if shared and table:
            raise MalformedModule(MSG_SHARED_TABLE, at)
        return Limits(lo, hi, shared, flags & 4 != 0)

    def global_type(self):
        t = self.valtype()
        at = self.pos
        mut = self.byte()
        if mut > 1:
            raise MalformedModule(MSG_MUTABILITY, at)
        return GlobalType(t, mut == 1)

    def expr(self):
        out, self.pos, _ = _expr(self.b, self.pos, self.threads, self.wasm3)
        return out

    def tag_type(self):
        """A tag: attribute 0 (exception), then its type index."""
        at = self.pos
        if self.byte() != 0:
            raise MalformedModule(MSG_TAG_ATTRIBUTE, at)
        return self.u32()

def decode_module(data, threads=True, sections=None, wasm3=None, lazy=False,
                  trusted=False):
    """Decode a binary module; see the module docstring. ``lazy`` (default
    False) keeps no function bodies (see Lazy bodies above). ``trusted``
    (default False; implies lazy) does not even decode the bodies once:
    only for a binary known to be valid (a code cache entry says this exact
    binary passed decode and validation before, wasmbed/code_cache.py),
    since a malformed body is then found only when it is run, if ever."""
    if trusted:
        lazy = 2
    t = type(data)
    if t is bytes or t is bytearray or t is memoryview:
        b = data
    else:
        b = bytes(data)
    try:
        return _decode(b, threads, sections, threads if wasm3 is None else wasm3,
                       lazy)
    except MalformedModule:
        raise
    except IndexError:
        raise MalformedModule(MSG_UNEXPECTED_END_SECTION, len(b))
    except MemoryError:
        raise HostOutOfMemory("load", "decoding %d bytes" % len(b))
    except Exception as e:  # a decoder bug: still report a malformed module
        raise MalformedModule(MSG_INTERNAL % (type(e).__name__,), -1)


def body_of(src, offset):
    """A lazily decoded function's body (Func.src: module bytes, threads,
    wasm3, one tuple shared by the module's functions; ``offset``: its
    Func.offset, where its locals are declared) -> a new instruction list."""
    b = src[0]
    n, pos = read_unsigned(b, offset, 32)
    for _ in range(n):
        _count, pos = read_unsigned(b, pos, 32)
        if b[pos] < 0x80 and b[pos] != _REF_NULL and b[pos] != _REF:
            pos += 1
        else:       # 3.0: a reference with a heap type takes more bytes
            pos = _valtype(b, pos, src[2])[1]
    return _expr(b, pos, src[1], src[2])[0]


def _decode(b, threads, sections, wasm3, lazy):
    n = len(b)
    if n < 4:
        raise MalformedModule(MSG_UNEXPECTED_END, n)
    if bytes(b[0:4]) != _MAGIC:
        raise MalformedModule(MSG_MAGIC, 0)
    if n < 8:
        raise MalformedModule(MSG_UNEXPECTED_END, n)
    if bytes(b[4:8]) != _VERSION:
        raise MalformedModule(MSG_VERSION, 4)
    m = Module()
    m.size = n
    m.spec2 = not wasm3
    r = _Reader(b, 8, threads, wasm3)
    last = 0
    func_decl = []
    codes = FuncTable(None) if lazy else []
    uses_data = False
    while r.pos < n:
        id_pos = r.pos
        sid = b[id_pos]
        if sid > 13 or (sid == _TAG_SECTION and not wasm3):
            raise MalformedModule(MSG_SECTION_ID, id_pos)
        r.pos += 1
        if r.pos >= n:
            raise MalformedModule(MSG_UNEXPECTED_END, n)
        size = r.len32()
        start = r.pos
        if sections is not None:
            sections.append((sid, start, size))
        if sid == 0:
            _custom(m, b[start:start + size], start, lazy)
            r.pos = start + size
            continue
        rank = _RANK[sid]
        if rank <= last:
            raise MalformedModule(MSG_JUNK, id_pos)
        last = rank
        if sid == 1 and wasm3:
            _type_section(m, r)
        elif sid == 1:
            for _ in range(r.len32()):
                at = r.pos
                form, r.pos = read_signed(b, at, 7)
                if form != -0x20:
                    raise MalformedModule(MSG_FUNCTYPE, at)
                params = r.valtypes()
                m.types.append(FuncType(params, r.valtypes()))
        elif sid == 2:
            _import_section(m, r, wasm3)
        elif sid == 3:
            func_decl = [r.u32() for _ in range(r.len32())]
        elif sid == 4:
            for _ in range(r.len32()):
                m.tables.append(r.table_type())
        elif sid == 5:
            for _ in range(r.len32()):
                m.mems.append(MemoryType(r.limits(False)))
        elif sid == 6:
            for _ in range(r.len32()):
                gt = r.global_type()
                m.globals.append(Global(gt, r.expr()))
        elif sid == 7:
            if lazy:        # the names stay in the input (ExportNames)
                m.exports.names = ExportNames(b)
            for _ in range(r.len32()):
                at = r.pos
                name = r.name()
                if lazy:
                    name = at
                at = r.pos
                kind = r.byte()
                if kind > (EXT_TAG if wasm3 else EXT_GLOBAL):
                    raise MalformedModule(MSG_EXPORT_KIND, at)
                m.exports.add(name, kind, r.u32())
        elif sid == 8:
            m.start = r.u32()
        elif sid == _TAG_SECTION:
            for _ in range(r.len32()):
                m.tags.append(r.tag_type())
        elif sid == 9:
            _elem_section(m, r)
        elif sid == 12:
            m.data_count = r.u32()
        elif sid == 10:
            uses_data = _code_section(r, codes, lazy, func_decl)
        else:
            _data_section(m, r, lazy)
        if r.pos != start + size:
            raise MalformedModule(MSG_SECTION_SIZE, start)
    if len(func_decl) != len(codes):
        raise MalformedModule(MSG_FUNC_CODE, n)
    if m.data_count is not None and m.data_count != len(m.datas):
        raise MalformedModule(MSG_DATA_COUNT, n)
    if m.data_count is None and uses_data:
        raise MalformedModule(MSG_DATA_COUNT_REQUIRED, n)
    m.funcs = codes
    m.build_index_spaces()
    return m


def _type_section(m, r):
    """3.0 types: rec groups (0x4E and their types) or single types, each
    a function type (0x60), possibly declared a subtype (0x50 non-final,
    0x4F final, then its supertypes' indices); struct and array types
    (GC) are malformed function types here. Types of a group of two or
    more are recorded in ``Module.rec`` (index -> (first, count))."""
    b = r.b
    types = m.types
    for _ in range(r.len32()):
        if b[r.pos] == 0x4E:
            r.pos += 1
            n = r.len32()
            first = len(types)
            for _ in range(n):
                types.append(_sub_type(r))
            if n > 1:
                if m.rec is None:
                    m.rec = {}
                for x in range(first, first + n):
                    m.rec[x] = (first, n)
        else:
            types.append(_sub_type(r))


def _sub_type(r):
    b = r.b
    at = r.pos
    form = b[at]
    supers = ()
    final = True
    if form == 0x50 or form == 0x4F:
        r.pos += 1
        supers = tuple([r.u32() for _ in range(r.len32())])
        final = form == 0x4F
        at = r.pos
    form, r.pos = read_signed(b, at, 7)
    if form == -0x20:
        params = r.valtypes()
        ft = FuncType(params, r.valtypes())
    elif form == -0x21 and r.wasm3:                 # 0x5F struct
        ft = StructType(tuple([_field(r) for _ in range(r.len32())]))
    elif form == -0x22 and r.wasm3:                 # 0x5E array
        ft = ArrayType(_field(r))
    else:
        raise MalformedModule(MSG_FUNCTYPE, at)
    if supers or not final:
        ft.supers = supers
        ft.final = final
    return ft


def _field(r):
    """A GC field: storage type (i8 0x78, i16 0x77 or a value type) and
    mutability (0 or 1, else "malformed mutability")."""
    x = r.b[r.pos]
    if x == I8 or x == I16:
        r.pos += 1
        t = x
    else:
        t = r.valtype()
    at = r.pos
    mut = r.byte()
    if mut > 1:
        raise MalformedModule(MSG_MUTABILITY, at)
    return (t, mut == 1)


def _import_desc(r, wasm3):
    """-> (kind, desc) of one import's external type."""
    at = r.pos
    kind = r.byte()
    if kind == EXT_FUNC:
        return kind, r.u32()
    if kind == EXT_TABLE:
        return kind, TableType(r.reftype(), r.limits(True))
    if kind == EXT_MEMORY:
        return kind, MemoryType(r.limits(False))
    if kind == EXT_GLOBAL:
        return kind, r.global_type()
    if kind == EXT_TAG and wasm3:
        return kind, r.tag_type()
    raise MalformedModule(MSG_IMPORT_KIND, at)


def _import_section(m, r, wasm3):
    """Imports; with wasm3 also the compact forms (an empty field name,
    then 0x7F and a vector of (name, type) of one module, or 0x7E, one
    type and a vector of names), which wabt writes; the section's count
    is the number of imports either way."""
    b = r.b
    total = r.len32()       # imports, however many entries hold them
    out = m.imports
    while len(out) < total:
        mod = r.name()
        field = r.name()
        if wasm3 and field == "" and b[r.pos] in (0x7E, 0x7F):
            form = r.byte()
            if form == 0x7F:
                for _ in range(r.len32()):
                    name = r.name()
                    kind, desc = _import_desc(r, wasm3)
                    out.append(Import(mod, name, kind, desc))
            else:
                kind, desc = _import_desc(r, wasm3)
                for _ in range(r.len32()):
                    out.append(Import(mod, r.name(), kind, desc))
            continue
        kind, desc = _import_desc(r, wasm3)
        out.append(Import(mod, field, kind, desc))
    if len(out) != total:
        raise MalformedModule(MSG_SECTION_SIZE, r.pos)


def _custom(m, content, offset, lazy):
    r = _Reader(content, 0, True)
    name = r.name()
    data = content[r.pos:]
    if type(data) is not bytes and not lazy:
        data = bytes(data)
    m.customs.append(CustomSection(name, data, offset + r.pos))


def _names(data):
    """The name section: {"module": str or None, "funcs": {idx: name},
    "locals": {func: {idx: name}}}. Parsing stops at the first malformed
    subsection, keeping what was read before it."""
    names = {"module": None, "funcs": {}, "locals": {}}
    r = _Reader(data, 0, True)
    try:
        while r.pos < len(data):
            sid = r.byte()
            size = r.len32()
            end = r.pos + size
            if sid == 0:
                names["module"] = r.name()
            elif sid == 1:
                names["funcs"] = _name_map(r)
            elif sid == 2:
                locs = {}
                for _ in range(r.len32()):
                    func = r.u32()
                    locs[func] = _name_map(r)
                names["locals"] = locs
            r.pos = end
    except (MalformedModule, IndexError):
        pass
    return names


def _name_map(r):
    out = {}
    for _ in range(r.len32()):
        idx = r.u32()
        out[idx] = r.name()
    return out


def _code_section(r, codes, lazy, func_decl):
    """Append a Func per entry (its type index from ``func_decl``, 0 past
    its end: the counts are compared afterwards; ``lazy``: no body, one
    Func.src for all; ``lazy == 2``, trusted: bodies not even decoded once);
    return whether any body uses memory.init or data.drop."""
    b = r.b
    threads = r.threads
    ctx = (b, threads, r.wasm3) if lazy else None
    add = None
    if lazy:
        codes.src = ctx
        add = codes.add
    ndecl = len(func_decl)
    uses_data = False
    shared = {}                 # declaration -> expanded locals list
    budget = MAX_FUNCTION_LOCALS + LOCALS_PER_BYTE * len(b)
    count = r.len32()
    if lazy and count <= len(b):    # each entry takes at least a byte
        codes.reserve(count)
    for _ in range(count):
        size = r.len32()
        start = r.pos
        groups = []
        total = 0
        for _ in range(r.len32()):
            count = r.u32()
            groups.append((count, r.valtype()))
            total += count
        if total > _MASK32 or total > MAX_FUNCTION_LOCALS:
            raise MalformedModule(MSG_TOO_MANY_LOCALS, start)
        key = tuple(groups)
        locals_ = shared.get(key)
        if locals_ is None:
            budget -= total
            if budget < 0:
                raise MalformedModule(MSG_TOO_MANY_LOCALS, start)
            locals_ = []
            for count, t in groups:
                locals_.extend([t] * count)
            shared[key] = locals_
        at = r.pos
        i = len(codes)
        if lazy == 2:       # trusted: valid, so the body ends where it says
            r.pos = start + size
            add(func_decl[i] if i < ndecl else 0, locals_, start)
            continue
        body, r.pos, used = _expr(b, at, threads, r.wasm3)
        if used:
            uses_data = True
        if r.pos != start + size:
            raise MalformedModule(MSG_SECTION_SIZE, start)
        if lazy:
            add(func_decl[i] if i < ndecl else 0, locals_, start)
        else:
            codes.append(Func(func_decl[i] if i < ndecl else 0, locals_,
                              body, start))
        body = None
    if lazy:
        codes.close()
    return uses_data


def _elem_section(m, r):
    for _ in range(r.len32()):
        at = r.pos
        flags = r.u32()
        if flags > 7:
            raise MalformedModule(MSG_ELEM_SEGMENT, at)
        table = 0
        offset = None
        if flags & 1:
            mode = MODE_DECLARATIVE if flags & 2 else MODE_PASSIVE
        else:
            mode = MODE_ACTIVE
            if flags & 2:
                table = r.u32()
            offset = r.expr()
        # function indices: (ref func) in 3.0, funcref in 2.0
        etype = FUNCREF if flags & 4 or not r.wasm3 else _REF_FUNC_T
        if flags & 4:
            if flags & 3:
                etype = r.reftype()
            init = [r.expr() for _ in range(r.len32())]
        else:
            if flags & 3:
                at = r.pos
                if r.byte() != 0:
                    raise MalformedModule(MSG_ELEM_KIND, at)
            init = FuncIndexItems([r.u32() for _ in range(r.len32())])
        m.elems.append(Elem(etype, init, mode, table, offset))


def _data_section(m, r, lazy):
    for _ in range(r.len32()):
        at = r.pos
        flags = r.u32()
        if flags == 1:
            m.datas.append(Data(r.take(r.len32(), lazy), MODE_PASSIVE))
        elif flags == 0 or flags == 2:
            mem = r.u32() if flags == 2 else 0
            offset = r.expr()
            m.datas.append(Data(r.take(r.len32(), lazy), MODE_ACTIVE, mem,
                                offset))
        else:
            raise MalformedModule(MSG_DATA_SEGMENT, at)
