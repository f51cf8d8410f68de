"""The instruction set: every opcode of WebAssembly 2.0 plus SIMD and atomics.

Opcode ids are small dense ints so tiers can index lists with them:
  single-byte opcode b            -> b              (0x00 .. 0xD2)
  0xFC prefix, sub-opcode s       -> 0x100 + s      (bulk memory, saturating)
  0xFE prefix, sub-opcode s       -> 0x200 + s      (threads: atomics)
  0xFD prefix, sub-opcode s       -> 0x300 + s      (SIMD, s <= 0xFF)

For every id, NAME[id] is the text-format name, IMM[id] the immediate kind
(one of the IMM_* constants) and SIG[id] the operand signature of
instructions whose typing is fixed, as "params:results" with one letter per
value type: i=i32 I=i64 f=f32 F=f64 v=v128 (None for the others, which the
validator types by hand).

Decoded instructions are tuples ``(id, imm...)``; see decode.py for the
shape each immediate kind produces.
"""

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

PREFIX_FC = 0x100
PREFIX_FE = 0x200
PREFIX_FD = 0x300
NUM_IDS = 0x400

NAME = [None] * NUM_IDS
IMM = [None] * NUM_IDS
SIG = [None] * NUM_IDS
# Natural access size in bytes of memory instructions (loads, stores, atomics).
MEM_SIZE = [0] * NUM_IDS


def _op(opid, name, imm=IMM_NONE, sig=None, size=0):
    NAME[opid] = name
    IMM[opid] = imm
    SIG[opid] = sig
    MEM_SIZE[opid] = size


# -- control ---------------------------------------------------------------
_op(0x00, "unreachable")
_op(0x01, "nop")
_op(0x02, "block", IMM_BLOCK)
_op(0x03, "loop", IMM_BLOCK)
_op(0x04, "if", IMM_BLOCK)
_op(0x05, "else")
_op(0x0B, "end")
_op(0x0C, "br", IMM_LABEL)
_op(0x0D, "br_if", IMM_LABEL)
_op(0x0E, "br_table", IMM_BR_TABLE)
_op(0x0F, "return")
_op(0x10, "call", IMM_FUNC)
_op(0x11, "call_indirect", IMM_CALL_INDIRECT)
# -- reference -------------------------------------------------------------
_op(0xD0, "ref.null", IMM_REFTYPE)
_op(0xD1, "ref.is_null")
_op(0xD2, "ref.func", IMM_FUNC)
# -- parametric ------------------------------------------------------------
_op(0x1A, "drop")
_op(0x1B, "select")
_op(0x1C, "select", IMM_SELECT_T)
# -- variable --------------------------------------------------------------
_op(0x20, "local.get", IMM_LOCAL)
_op(0x21, "local.set", IMM_LOCAL)
_op(0x22, "local.tee", IMM_LOCAL)
_op(0x23, "global.get", IMM_GLOBAL)
_op(0x24, "global.set", IMM_GLOBAL)
# -- table -----------------------------------------------------------------
_op(0x25, "table.get", IMM_TABLE)
_op(0x26, "table.set", IMM_TABLE)
# -- memory ----------------------------------------------------------------
for _i, (_n, _s, _sz) in enumerate((
        ("i32.load", "i:i", 4), ("i64.load", "i:I", 8),
        ("f32.load", "i:f", 4), ("f64.load", "i:F", 8),
        ("i32.load8_s", "i:i", 1), ("i32.load8_u", "i:i", 1),
        ("i32.load16_s", "i:i", 2), ("i32.load16_u", "i:i", 2),
        ("i64.load8_s", "i:I", 1), ("i64.load8_u", "i:I", 1),
        ("i64.load16_s", "i:I", 2), ("i64.load16_u", "i:I", 2),
        ("i64.load32_s", "i:I", 4), ("i64.load32_u", "i:I", 4),
        ("i32.store", "ii:", 4), ("i64.store", "iI:", 8),
        ("f32.store", "if:", 4), ("f64.store", "iF:", 8),
        ("i32.store8", "ii:", 1), ("i32.store16", "ii:", 2),
        ("i64.store8", "iI:", 1), ("i64.store16", "iI:", 2),
        ("i64.store32", "iI:", 4))):
    _op(0x28 + _i, _n, IMM_MEMARG, _s, _sz)
_op(0x3F, "memory.size", IMM_MEMIDX, ":i")
_op(0x40, "memory.grow", IMM_MEMIDX, "i:i")
# -- numeric constants -----------------------------------------------------
_op(0x41, "i32.const", IMM_I32, ":i")
_op(0x42, "i64.const", IMM_I64, ":I")
_op(0x43, "f32.const", IMM_F32, ":f")
_op(0x44, "f64.const", IMM_F64, ":F")


def _numeric(first, names, sig):
    for i, n in enumerate(names.split()):
        _op(first + i, n, IMM_NONE, sig)


_numeric(0x45, "i32.eqz", "i:i")
_numeric(0x46, "i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s "
         "i32.le_u i32.ge_s i32.ge_u", "ii:i")
_numeric(0x50, "i64.eqz", "I:i")
_numeric(0x51, "i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s "
         "i64.le_u i64.ge_s i64.ge_u", "II:i")
_numeric(0x5B, "f32.eq f32.ne f32.lt f32.gt f32.le f32.ge", "ff:i")
_numeric(0x61, "f64.eq f64.ne f64.lt f64.gt f64.le f64.ge", "FF:i")
_numeric(0x67, "i32.clz i32.ctz i32.popcnt", "i:i")
_numeric(0x6A, "i32.add i32.sub i32.mul i32.div_s i32.div_u i32.rem_s "
         "i32.rem_u i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u "
         "i32.rotl i32.rotr", "ii:i")
_numeric(0x79, "i64.clz i64.ctz i64.popcnt", "I:I")
_numeric(0x7C, "i64.add i64.sub i64.mul i64.div_s i64.div_u i64.rem_s "
         "i64.rem_u i64.and i64.or i64.xor i64.shl i64.shr_s i64.shr_u "
         "i64.rotl i64.rotr", "II:I")
_numeric(0x8B, "f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest "
         "f32.sqrt", "f:f")
_numeric(0x92, "f32.add f32.sub f32.mul f32.div f32.min f32.max "
         "f32.copysign", "ff:f")
_numeric(0x99, "f64.abs f64.neg f64.ceil f64.floor f64.trunc f64.nearest "
         "f64.sqrt", "F:F")
_numeric(0xA0, "f64.add f64.sub f64.mul f64.div f64.min f64.max "
         "f64.copysign", "FF:F")
for _id, _n, _s in (
        (0xA7, "i32.wrap_i64", "I:i"),
        (0xA8, "i32.trunc_f32_s", "f:i"), (0xA9, "i32.trunc_f32_u", "f:i"),
        (0xAA, "i32.trunc_f64_s", "F:i"), (0xAB, "i32.trunc_f64_u", "F:i"),
        (0xAC, "i64.extend_i32_s", "i:I"), (0xAD, "i64.extend_i32_u", "i:I"),
        (0xAE, "i64.trunc_f32_s", "f:I"), (0xAF, "i64.trunc_f32_u", "f:I"),
        (0xB0, "i64.trunc_f64_s", "F:I"), (0xB1, "i64.trunc_f64_u", "F:I"),
        (0xB2, "f32.convert_i32_s", "i:f"), (0xB3, "f32.convert_i32_u", "i:f"),
        (0xB4, "f32.convert_i64_s", "I:f"), (0xB5, "f32.convert_i64_u", "I:f"),
        (0xB6, "f32.demote_f64", "F:f"),
        (0xB7, "f64.convert_i32_s", "i:F"), (0xB8, "f64.convert_i32_u", "i:F"),
        (0xB9, "f64.convert_i64_s", "I:F"), (0xBA, "f64.convert_i64_u", "I:F"),
        (0xBB, "f64.promote_f32", "f:F"),
        (0xBC, "i32.reinterpret_f32", "f:i"),
        (0xBD, "i64.reinterpret_f64", "F:I"),
        (0xBE, "f32.reinterpret_i32", "i:f"),
        (0xBF, "f64.reinterpret_i64", "I:F"),
        (0xC0, "i32.extend8_s", "i:i"), (0xC1, "i32.extend16_s", "i:i"),
        (0xC2, "i64.extend8_s", "I:I"), (0xC3, "i64.extend16_s", "I:I"),
        (0xC4, "i64.extend32_s", "I:I")):
    _op(_id, _n, IMM_NONE, _s)

# -- 0xFC: saturating truncation, bulk memory, table ops -------------------
for _i, (_n, _s) in enumerate((
        ("i32.trunc_sat_f32_s", "f:i"), ("i32.trunc_sat_f32_u", "f:i"),
        ("i32.trunc_sat_f64_s", "F:i"), ("i32.trunc_sat_f64_u", "F:i"),
        ("i64.trunc_sat_f32_s", "f:I"), ("i64.trunc_sat_f32_u", "f:I"),
        ("i64.trunc_sat_f64_s", "F:I"), ("i64.trunc_sat_f64_u", "F:I"))):
    _op(PREFIX_FC + _i, _n, IMM_NONE, _s)
_op(PREFIX_FC + 8, "memory.init", IMM_MEMORY_INIT, "iii:")
_op(PREFIX_FC + 9, "data.drop", IMM_DATA, ":")
_op(PREFIX_FC + 10, "memory.copy", IMM_MEMORY_COPY, "iii:")
_op(PREFIX_FC + 11, "memory.fill", IMM_MEMIDX, "iii:")
_op(PREFIX_FC + 12, "table.init", IMM_TABLE_INIT, "iii:")
_op(PREFIX_FC + 13, "elem.drop", IMM_ELEM, ":")
_op(PREFIX_FC + 14, "table.copy", IMM_TABLE_COPY, "iii:")
_op(PREFIX_FC + 15, "table.grow", IMM_TABLE)
_op(PREFIX_FC + 16, "table.size", IMM_TABLE, ":i")
_op(PREFIX_FC + 17, "table.fill", IMM_TABLE)

# -- 0xFE: threads (atomics) -----------------------------------------------
_op(PREFIX_FE + 0x00, "memory.atomic.notify", IMM_MEMARG, "ii:i", 4)
_op(PREFIX_FE + 0x01, "memory.atomic.wait32", IMM_MEMARG, "iiI:i", 4)
_op(PREFIX_FE + 0x02, "memory.atomic.wait64", IMM_MEMARG, "iII:i", 8)
_op(PREFIX_FE + 0x03, "atomic.fence", IMM_ZERO, ":")
for _i, (_n, _s, _sz) in enumerate((
        ("i32.atomic.load", "i:i", 4), ("i64.atomic.load", "i:I", 8),
        ("i32.atomic.load8_u", "i:i", 1), ("i32.atomic.load16_u", "i:i", 2),
        ("i64.atomic.load8_u", "i:I", 1), ("i64.atomic.load16_u", "i:I", 2),
        ("i64.atomic.load32_u", "i:I", 4),
        ("i32.atomic.store", "ii:", 4), ("i64.atomic.store", "iI:", 8),
        ("i32.atomic.store8", "ii:", 1), ("i32.atomic.store16", "ii:", 2),
        ("i64.atomic.store8", "iI:", 1), ("i64.atomic.store16", "iI:", 2),
        ("i64.atomic.store32", "iI:", 4))):
    _op(PREFIX_FE + 0x10 + _i, _n, IMM_MEMARG, _s, _sz)
# rmw groups: 7 each, in the order add sub and or xor xchg cmpxchg
_RMW_SHAPES = (("i32.atomic.rmw.%s", "i", 4), ("i64.atomic.rmw.%s", "I", 8),
               ("i32.atomic.rmw8.%s_u", "i", 1), ("i32.atomic.rmw16.%s_u", "i", 2),
               ("i64.atomic.rmw8.%s_u", "I", 1), ("i64.atomic.rmw16.%s_u", "I", 2),
               ("i64.atomic.rmw32.%s_u", "I", 4))
for _g, _opname in enumerate(("add", "sub", "and", "or", "xor", "xchg", "cmpxchg")):
    for _j, (_fmt, _t, _sz) in enumerate(_RMW_SHAPES):
        if _opname == "cmpxchg":
            _s = "i" + _t + _t + ":" + _t
        else:
            _s = "i" + _t + ":" + _t
        _op(PREFIX_FE + 0x1E + 7 * _g + _j, _fmt % _opname, IMM_MEMARG, _s, _sz)

# -- 0xFD: SIMD ------------------------------------------------------------
for _i, (_n, _s, _sz) in enumerate((
        ("v128.load", "i:v", 16),
        ("v128.load8x8_s", "i:v", 8), ("v128.load8x8_u", "i:v", 8),
        ("v128.load16x4_s", "i:v", 8), ("v128.load16x4_u", "i:v", 8),
        ("v128.load32x2_s", "i:v", 8), ("v128.load32x2_u", "i:v", 8),
        ("v128.load8_splat", "i:v", 1), ("v128.load16_splat", "i:v", 2),
        ("v128.load32_splat", "i:v", 4), ("v128.load64_splat", "i:v", 8),
        ("v128.store", "iv:", 16))):
    _op(PREFIX_FD + _i, _n, IMM_MEMARG, _s, _sz)
_op(PREFIX_FD + 12, "v128.const", IMM_V128, ":v")
_op(PREFIX_FD + 13, "i8x16.shuffle", IMM_SHUFFLE, "vv:v")
_op(PREFIX_FD + 14, "i8x16.swizzle", IMM_NONE, "vv:v")
for _i, (_n, _s) in enumerate((
        ("i8x16.splat", "i:v"), ("i16x8.splat", "i:v"), ("i32x4.splat", "i:v"),
        ("i64x2.splat", "I:v"), ("f32x4.splat", "f:v"), ("f64x2.splat", "F:v"))):
    _op(PREFIX_FD + 15 + _i, _n, IMM_NONE, _s)
# Lane count of lane instructions, for the validator's lane-index check.
LANES = [0] * NUM_IDS
for _i, (_n, _s, _lanes) in enumerate((
        ("i8x16.extract_lane_s", "v:i", 16), ("i8x16.extract_lane_u", "v:i", 16),
        ("i8x16.replace_lane", "vi:v", 16),
        ("i16x8.extract_lane_s", "v:i", 8), ("i16x8.extract_lane_u", "v:i", 8),
        ("i16x8.replace_lane", "vi:v", 8),
        ("i32x4.extract_lane", "v:i", 4), ("i32x4.replace_lane", "vi:v", 4),
        ("i64x2.extract_lane", "v:I", 2), ("i64x2.replace_lane", "vI:v", 2),
        ("f32x4.extract_lane", "v:f", 4), ("f32x4.replace_lane", "vf:v", 4),
        ("f64x2.extract_lane", "v:F", 2), ("f64x2.replace_lane", "vF:v", 2))):
    _op(PREFIX_FD + 21 + _i, _n, IMM_LANE, _s)
    LANES[PREFIX_FD + 21 + _i] = _lanes
_VV_V = "vv:v"
_V_V = "v:v"
_V_I = "v:i"


def _simd(first, names, sig):
    for i, n in enumerate(names.split()):
        if n != "-":
            _op(PREFIX_FD + first + i, n, IMM_NONE, sig)


_CMP_I = "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u"
_simd(35, " ".join("i8x16." + c for c in _CMP_I.split()), _VV_V)
_simd(45, " ".join("i16x8." + c for c in _CMP_I.split()), _VV_V)
_simd(55, " ".join("i32x4." + c for c in _CMP_I.split()), _VV_V)
_simd(65, "f32x4.eq f32x4.ne f32x4.lt f32x4.gt f32x4.le f32x4.ge", _VV_V)
_simd(71, "f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge", _VV_V)
_simd(77, "v128.not", _V_V)
_simd(78, "v128.and v128.andnot v128.or v128.xor", _VV_V)
_simd(82, "v128.bitselect", "vvv:v")
_simd(83, "v128.any_true", _V_I)
for _i, (_n, _s, _sz) in enumerate((
        ("v128.load8_lane", "iv:v", 1), ("v128.load16_lane", "iv:v", 2),
        ("v128.load32_lane", "iv:v", 4), ("v128.load64_lane", "iv:v", 8),
        ("v128.store8_lane", "iv:", 1), ("v128.store16_lane", "iv:", 2),
        ("v128.store32_lane", "iv:", 4), ("v128.store64_lane", "iv:", 8))):
    _op(PREFIX_FD + 84 + _i, _n, IMM_MEMARG_LANE, _s, _sz)
    LANES[PREFIX_FD + 84 + _i] = 16 // _sz
_op(PREFIX_FD + 92, "v128.load32_zero", IMM_MEMARG, "i:v", 4)
_op(PREFIX_FD + 93, "v128.load64_zero", IMM_MEMARG, "i:v", 8)
_simd(94, "f32x4.demote_f64x2_zero f64x2.promote_low_f32x4", _V_V)
_simd(96, "i8x16.abs i8x16.neg i8x16.popcnt", _V_V)
_simd(99, "i8x16.all_true i8x16.bitmask", _V_I)
_simd(101, "i8x16.narrow_i16x8_s i8x16.narrow_i16x8_u", _VV_V)
_simd(103, "f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest", _V_V)
_simd(107, "i8x16.shl i8x16.shr_s i8x16.shr_u", "vi:v")
_simd(110, "i8x16.add i8x16.add_sat_s i8x16.add_sat_u i8x16.sub "
      "i8x16.sub_sat_s i8x16.sub_sat_u", _VV_V)
_simd(116, "f64x2.ceil f64x2.floor", _V_V)
_simd(118, "i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u", _VV_V)
_simd(122, "f64x2.trunc", _V_V)
_simd(123, "i8x16.avgr_u", _VV_V)
_simd(124, "i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u "
      "i32x4.extadd_pairwise_i16x8_s i32x4.extadd_pairwise_i16x8_u", _V_V)
_simd(128, "i16x8.abs i16x8.neg", _V_V)
_simd(130, "i16x8.q15mulr_sat_s", _VV_V)
_simd(131, "i16x8.all_true i16x8.bitmask", _V_I)
_simd(133, "i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u", _VV_V)
_simd(135, "i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_s "
      "i16x8.extend_low_i8x16_u i16x8.extend_high_i8x16_u", _V_V)
_simd(139, "i16x8.shl i16x8.shr_s i16x8.shr_u", "vi:v")
_simd(142, "i16x8.add i16x8.add_sat_s i16x8.add_sat_u i16x8.sub "
      "i16x8.sub_sat_s i16x8.sub_sat_u", _VV_V)
_simd(148, "f64x2.nearest", _V_V)
_simd(149, "i16x8.mul i16x8.min_s i16x8.min_u i16x8.max_s i16x8.max_u - "
      "i16x8.avgr_u i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_s "
      "i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_u", _VV_V)
_simd(160, "i32x4.abs i32x4.neg", _V_V)
_simd(163, "i32x4.all_true i32x4.bitmask", _V_I)
_simd(167, "i32x4.extend_low_i16x8_s i32x4.extend_high_i16x8_s "
      "i32x4.extend_low_i16x8_u i32x4.extend_high_i16x8_u", _V_V)
_simd(171, "i32x4.shl i32x4.shr_s i32x4.shr_u", "vi:v")
_simd(174, "i32x4.add - - i32x4.sub - - - i32x4.mul i32x4.min_s i32x4.min_u "
      "i32x4.max_s i32x4.max_u i32x4.dot_i16x8_s - i32x4.extmul_low_i16x8_s "
      "i32x4.extmul_high_i16x8_s i32x4.extmul_low_i16x8_u "
      "i32x4.extmul_high_i16x8_u", _VV_V)
_simd(192, "i64x2.abs i64x2.neg", _V_V)
_simd(195, "i64x2.all_true i64x2.bitmask", _V_I)
_simd(199, "i64x2.extend_low_i32x4_s i64x2.extend_high_i32x4_s "
      "i64x2.extend_low_i32x4_u i64x2.extend_high_i32x4_u", _V_V)
_simd(203, "i64x2.shl i64x2.shr_s i64x2.shr_u", "vi:v")
_simd(206, "i64x2.add - - i64x2.sub - - - i64x2.mul i64x2.eq i64x2.ne "
      "i64x2.lt_s i64x2.gt_s i64x2.le_s i64x2.ge_s i64x2.extmul_low_i32x4_s "
      "i64x2.extmul_high_i32x4_s i64x2.extmul_low_i32x4_u "
      "i64x2.extmul_high_i32x4_u", _VV_V)
_simd(224, "f32x4.abs f32x4.neg - f32x4.sqrt", _V_V)
_simd(228, "f32x4.add f32x4.sub f32x4.mul f32x4.div f32x4.min f32x4.max "
      "f32x4.pmin f32x4.pmax", _VV_V)
_simd(236, "f64x2.abs f64x2.neg - f64x2.sqrt", _V_V)
_simd(240, "f64x2.add f64x2.sub f64x2.mul f64x2.div f64x2.min f64x2.max "
      "f64x2.pmin f64x2.pmax", _VV_V)
_simd(248, "i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u "
      "f32x4.convert_i32x4_s f32x4.convert_i32x4_u "
      "i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero "
      "f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u", _V_V)

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


def is_atomic(opid):
    """True for the threads proposal's 0xFE instructions."""
    return PREFIX_FE <= opid < PREFIX_FD


def is_simd(opid):
    """True for 0xFD instructions."""
    return opid >= PREFIX_FD
