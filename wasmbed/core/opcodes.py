"""The instruction set: every opcode of WebAssembly 2.0 plus SIMD, atomics,
3.0's exception handling (throw, throw_ref, try_table; the legacy
try, catch, catch_all, delegate, rethrow) and 3.0's relaxed SIMD.

Opcode ids are small dense ints so tiers can index lists with them:
  single-byte opcode b            -> b              (0x00 .. 0xD2)
  0xFC prefix, sub-opcode s       -> 0x100 + s      (bulk memory, saturating)
  0xFE prefix, sub-opcode s       -> 0x200 + s      (threads: atomics)
  0xFD prefix, sub-opcode s       -> 0x300 + s      (SIMD s <= 0xFF, relaxed
                                                     SIMD 0x100 .. 0x113)
  0xFB prefix, sub-opcode s       -> 0x420 + s      (GC, s <= 0x1E)

For every id, NAME[id] is the text-format name (None: no instruction),
IMM[id] the immediate kind (one of the IMM_* constants, NO_IMM for ids that
are no instruction), SIG[id] the operand signature of instructions whose
typing is fixed, as "params:results" with one letter per value type:
i=i32 I=i64 f=f32 F=f64 v=v128 (None for the others, which the validator
types by hand), MEM_SIZE[id] the natural access size of memory
instructions and LANES[id] the lane count of lane instructions.

The instructions are defined in opdefs.py; the tables are the constants
of optables.py generated from them, so importing this module builds
nothing (NAME and SIG slice those constants on each lookup).

Decoded instructions are tuples ``(id, imm...)``; see decode.py for the
shape each immediate kind produces.
"""

from wasmbed.core import optables as _t

# Immediate kinds
IMM_NONE = 0
IMM_BLOCK = 1        # (id, blocktype)      blocktype: see module.py
IMM_LABEL = 2        # (id, labelidx)
IMM_BR_TABLE = 3     # (id, labels_tuple, default)
IMM_FUNC = 4         # (id, funcidx)
IMM_CALL_INDIRECT = 5  # (id, typeidx, tableidx)
IMM_LOCAL = 6        # (id, localidx)
IMM_GLOBAL = 7       # (id, globalidx)
IMM_TABLE = 8        # (id, tableidx)
IMM_MEMARG = 9       # (id, align_log2, offset)
IMM_MEMIDX = 10      # (id,)  a zero byte: memory.size / memory.grow / memory.fill
IMM_I32 = 11         # (id, value)  value masked to u32
IMM_I64 = 12         # (id, value)  value masked to u64
IMM_F32 = 13         # (id, bits)   raw u32 bits
IMM_F64 = 14         # (id, float)
IMM_SELECT_T = 15    # (id, valtypes_tuple)
IMM_REFTYPE = 16     # (id, reftype)
IMM_MEMORY_INIT = 17  # (id, dataidx)  followed by a zero memidx byte
IMM_DATA = 18        # (id, dataidx)
IMM_MEMORY_COPY = 19  # (id,)  two zero memidx bytes
IMM_TABLE_INIT = 20  # (id, elemidx, tableidx)
IMM_ELEM = 21        # (id, elemidx)
IMM_TABLE_COPY = 22  # (id, dst_tableidx, src_tableidx)
IMM_V128 = 23        # (id, value)  128-bit little-endian unsigned int
IMM_SHUFFLE = 24     # (id, lanes_bytes)  16 lane indices
IMM_LANE = 25        # (id, lane)
IMM_MEMARG_LANE = 26  # (id, align_log2, offset, lane)
IMM_ZERO = 27        # (id,)  atomic.fence: one zero byte
IMM_TAG = 28         # (id, tagidx)  throw (legacy: catch)
IMM_TRY_TABLE = 29   # (id, blocktype, catches)  catches: a tuple of
                     # (kind, tagidx, labelidx), kind one of CATCH_*, tagidx
                     # -1 for catch_all/catch_all_ref
IMM_GC = 30          # 0xFB (GC): (id,), (id, x), (id, x, y), ref.test /
                     # ref.cast (id, reftype), br_on_cast(_fail)
                     # (id, label, reftype1, reftype2)

# try_table catch clause kinds (their binary encoding)
CATCH = 0
CATCH_REF = 1
CATCH_ALL = 2
CATCH_ALL_REF = 3

PREFIX_FC = 0x100
PREFIX_FE = 0x200
PREFIX_FD = 0x300
PREFIX_FB = 0x420    # GC (3.0), sub-opcodes below 0x20
NUM_IDS = 0x440      # 0xFD sub-opcodes below 0x120

NO_IMM = 255

IMM = _t.IMM
MEM_SIZE = _t.MEM_SIZE
LANES = _t.LANES


class _Sig:
    """SIG[id] -> "params:results" or None."""

    def __getitem__(self, opid):
        return _t.SIGS[_t.SIG[opid]]

    def __len__(self):
        return NUM_IDS


class _Name:
    """NAME[id] -> the text-format name or None."""

    def __getitem__(self, opid):
        off = _t.NAME_OFF
        i = 2 * opid
        start = off[i] | off[i + 1] << 8
        end = off[i + 2] | off[i + 3] << 8
        if start == end:
            return None
        return _t.NAMES[start:end]

    def __len__(self):
        return NUM_IDS


SIG = _Sig()
NAME = _Name()


# Names of the common control ids, for readable code elsewhere.
UNREACHABLE = 0x00
NOP = 0x01
BLOCK = 0x02
LOOP = 0x03
IF = 0x04
ELSE = 0x05
END = 0x0B
BR = 0x0C
BR_IF = 0x0D
BR_TABLE = 0x0E
RETURN = 0x0F
CALL = 0x10
CALL_INDIRECT = 0x11
RETURN_CALL = 0x12           # tail calls (3.0)
RETURN_CALL_INDIRECT = 0x13
THROW = 0x08
THROW_REF = 0x0A
TRY_TABLE = 0x1F
# legacy exception handling
TRY = 0x06
CATCH_L = 0x07
CATCH_ALL_L = 0x19
DELEGATE = 0x18
RETHROW = 0x09
DROP = 0x1A
SELECT = 0x1B
SELECT_T = 0x1C
LOCAL_GET = 0x20
LOCAL_SET = 0x21
LOCAL_TEE = 0x22
GLOBAL_GET = 0x23
GLOBAL_SET = 0x24
TABLE_GET = 0x25
TABLE_SET = 0x26
MEMORY_SIZE = 0x3F
MEMORY_GROW = 0x40
I32_CONST = 0x41
I64_CONST = 0x42
F32_CONST = 0x43
F64_CONST = 0x44
REF_NULL = 0xD0
REF_IS_NULL = 0xD1
REF_FUNC = 0xD2
# typed function references (3.0)
CALL_REF = 0x14
RETURN_CALL_REF = 0x15
REF_AS_NON_NULL = 0xD4
BR_ON_NULL = 0xD5
BR_ON_NON_NULL = 0xD6
MEMORY_INIT = PREFIX_FC + 8
DATA_DROP = PREFIX_FC + 9
MEMORY_COPY = PREFIX_FC + 10
MEMORY_FILL = PREFIX_FC + 11
TABLE_INIT = PREFIX_FC + 12
ELEM_DROP = PREFIX_FC + 13
TABLE_COPY = PREFIX_FC + 14
TABLE_GROW = PREFIX_FC + 15
TABLE_SIZE = PREFIX_FC + 16
TABLE_FILL = PREFIX_FC + 17
ATOMIC_NOTIFY = PREFIX_FE + 0x00
ATOMIC_WAIT32 = PREFIX_FE + 0x01
ATOMIC_WAIT64 = PREFIX_FE + 0x02
ATOMIC_FENCE = PREFIX_FE + 0x03
V128_CONST = PREFIX_FD + 12
REF_EQ = 0xD3


def is_atomic(opid):
    """True for the threads proposal's 0xFE instructions."""
    return PREFIX_FE <= opid < PREFIX_FD


def is_simd(opid):
    """True for 0xFD instructions."""
    return PREFIX_FD <= opid < PREFIX_FB


def is_gc(opid):
    """True for 0xFB instructions (GC)."""
    return opid >= PREFIX_FB


def mem_index(ins):
    """The memory a memory instruction names (3.0 multiple memories).

    The decoder appends the index only when it is not 0, so the tuples of
    memory 0 keep their 2.0 shapes: a memarg ``(id, align, offset[,
    lane], mem)``, memory.size/grow/fill ``(id, mem)``, memory.init
    ``(id, data, mem)``; memory.copy (two indices) is copy_indices()."""
    n = len(ins)
    op = ins[0]
    k = _t.IMM[op] if op < len(_t.IMM) else IMM_NONE
    if k == IMM_MEMARG:
        return ins[3] if n > 3 else 0
    if k == IMM_MEMARG_LANE:
        return ins[4] if n > 4 else 0
    if k == IMM_MEMORY_INIT:
        return ins[2] if n > 2 else 0
    if k == IMM_MEMIDX:
        return ins[1] if n > 1 else 0
    if k == IMM_MEMORY_COPY:
        return ins[1] if n > 1 else 0
    return 0


def copy_indices(ins):
    """memory.copy's (destination, source) memory indices."""
    if len(ins) > 1:
        return ins[1], ins[2]
    return 0, 0
