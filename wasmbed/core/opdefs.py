"""The source definitions of the instruction set, and the generator of
``optables.py`` from them (host only: not frozen onto boards).

``definitions(op, lanes)`` calls ``op(opid, name, imm, sig, size)`` for
every instruction (imm an ``opcodes.IMM_*`` kind, sig "params:results" or
None, size the natural access size of memory instructions) and
``lanes(opid, n)`` for lane instructions. ``tables()`` derives every table
the tiers index by opcode id; ``source()`` is the text of optables.py.
Regenerate with ``python -m wasmbed.core.opdefs`` after changing a
definition (tests/test_optables.py fails while optables.py is stale).
"""

from wasmbed.core.opcodes import (  # noqa: F401
    IMM_NONE, IMM_BLOCK, IMM_LABEL, IMM_BR_TABLE, IMM_FUNC, IMM_CALL_INDIRECT,
    IMM_LOCAL, IMM_GLOBAL, IMM_TABLE, IMM_MEMARG, IMM_MEMIDX, IMM_I32, IMM_I64,
    IMM_F32, IMM_F64, IMM_SELECT_T, IMM_REFTYPE, IMM_MEMORY_INIT, IMM_DATA,
    IMM_MEMORY_COPY, IMM_TABLE_INIT, IMM_ELEM, IMM_TABLE_COPY, IMM_V128,
    IMM_SHUFFLE, IMM_LANE, IMM_MEMARG_LANE, IMM_ZERO, IMM_TAG, IMM_TRY_TABLE,
    IMM_GC, PREFIX_FB,
    PREFIX_FC, PREFIX_FE, PREFIX_FD, NUM_IDS)


def definitions(_op, _lanes_of):
    """Every instruction of WebAssembly 2.0, SIMD, threads and 3.0's
    exception handling, tail calls and relaxed SIMD."""
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
    # -- tail calls (3.0) --------------------------------------------------------
    _op(0x12, "return_call", IMM_FUNC)
    _op(0x13, "return_call_indirect", IMM_CALL_INDIRECT)
    # -- exception handling (3.0) ------------------------------------------------
    _op(0x08, "throw", IMM_TAG)
    _op(0x0A, "throw_ref")
    _op(0x1F, "try_table", IMM_TRY_TABLE)
    # the legacy form (shipped modules still use it)
    _op(0x06, "try", IMM_BLOCK)
    _op(0x07, "catch", IMM_TAG)
    _op(0x19, "catch_all")
    _op(0x18, "delegate", IMM_LABEL)
    _op(0x09, "rethrow", IMM_LABEL)
    # -- reference -------------------------------------------------------------
    _op(0xD0, "ref.null", IMM_REFTYPE)
    _op(0xD1, "ref.is_null")
    _op(0xD2, "ref.func", IMM_FUNC)
    # -- typed function references (3.0) -----------------------------------------
    _op(0x14, "call_ref", IMM_FUNC)             # a type index
    _op(0x15, "return_call_ref", IMM_FUNC)
    _op(0xD4, "ref.as_non_null")
    _op(0xD5, "br_on_null", IMM_LABEL)
    _op(0xD6, "br_on_non_null", IMM_LABEL)
    # -- GC (3.0) ------------------------------------------------------------------
    _op(0xD3, "ref.eq")
    for _i, _n in enumerate((
            "struct.new struct.new_default struct.get struct.get_s "
            "struct.get_u struct.set array.new array.new_default "
            "array.new_fixed array.new_data array.new_elem array.get "
            "array.get_s array.get_u array.set array.len array.fill "
            "array.copy array.init_data array.init_elem ref.test ref.test "
            "ref.cast ref.cast br_on_cast br_on_cast_fail "
            "any.convert_extern extern.convert_any ref.i31 i31.get_s "
            "i31.get_u").split()):
        _op(PREFIX_FB + _i, _n, IMM_GC)
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
        _lanes_of(PREFIX_FD + 21 + _i, _lanes)
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
        _lanes_of(PREFIX_FD + 84 + _i, 16 // _sz)
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
    # -- 0xFD 0x100..0x113: relaxed SIMD (3.0) -----------------------------------
    _simd(0x100, "i8x16.relaxed_swizzle", _VV_V)
    _simd(0x101, "i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u "
          "i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero", _V_V)
    _simd(0x105, "f32x4.relaxed_madd f32x4.relaxed_nmadd f64x2.relaxed_madd "
          "f64x2.relaxed_nmadd i8x16.relaxed_laneselect i16x8.relaxed_laneselect "
          "i32x4.relaxed_laneselect i64x2.relaxed_laneselect", "vvv:v")
    _simd(0x10D, "f32x4.relaxed_min f32x4.relaxed_max f64x2.relaxed_min "
          "f64x2.relaxed_max i16x8.relaxed_q15mulr_s "
          "i16x8.relaxed_dot_i8x16_i7x16_s", _VV_V)
    _simd(0x113, "i32x4.relaxed_dot_i8x16_i7x16_add_s", "vvv:v")


NO_IMM = 255     # IMM byte of ids that are no instruction


def _collect():
    name = [None] * NUM_IDS
    imm = [NO_IMM] * NUM_IDS
    sig = [None] * NUM_IDS
    size = [0] * NUM_IDS
    lanes = [0] * NUM_IDS

    def op(opid, n, kind=IMM_NONE, s=None, sz=0):
        name[opid] = n
        imm[opid] = kind
        sig[opid] = s
        size[opid] = sz

    def lane(opid, n):
        lanes[opid] = n

    definitions(op, lane)
    return name, imm, sig, size, lanes


def _decode_kinds(name, imm):
    from wasmbed.core import decode as D
    imm_to_d = {
        IMM_NONE: D._D_NONE, IMM_BLOCK: D._D_BLOCK, IMM_LABEL: D._D_IDX,
        IMM_BR_TABLE: D._D_BR_TABLE, IMM_FUNC: D._D_IDX,
        IMM_CALL_INDIRECT: D._D_TWO_IDX, IMM_LOCAL: D._D_IDX,
        IMM_GLOBAL: D._D_IDX, IMM_TABLE: D._D_IDX, IMM_MEMARG: D._D_MEMARG,
        IMM_MEMIDX: D._D_ZERO, IMM_I32: D._D_I32, IMM_I64: D._D_I64,
        IMM_F32: D._D_F32, IMM_F64: D._D_F64, IMM_SELECT_T: D._D_SELECT_T,
        IMM_REFTYPE: D._D_REFTYPE, IMM_MEMORY_INIT: D._D_MEMORY_INIT,
        IMM_DATA: D._D_DATA, IMM_MEMORY_COPY: D._D_MEMORY_COPY,
        IMM_TABLE_INIT: D._D_TWO_IDX, IMM_ELEM: D._D_IDX,
        IMM_TABLE_COPY: D._D_TWO_IDX, IMM_V128: D._D_V128,
        IMM_SHUFFLE: D._D_SHUFFLE, IMM_LANE: D._D_LANE,
        IMM_MEMARG_LANE: D._D_MEMARG_LANE, IMM_ZERO: D._D_ZERO,
        IMM_TAG: D._D_TAG, IMM_TRY_TABLE: D._D_TRY_TABLE, IMM_GC: D._D_GC,
    }
    kind = [D._D_ILLEGAL] * NUM_IDS
    for i in range(NUM_IDS):
        if name[i] is not None:
            kind[i] = imm_to_d[imm[i]]
    kind[0x04] = D._D_IF
    kind[0x05] = D._D_ELSE
    kind[0x0B] = D._D_END
    kind[0xFC] = kind[0xFD] = kind[0xFE] = kind[0xFB] = D._D_PREFIX
    kind[0xD3] = D._D_EH_NONE      # ref.eq: not in 2.0
    kind[0x0A] = D._D_EH_NONE      # throw_ref: no immediate, not in 2.0
    kind[0x06] = D._D_TRY
    kind[0x07] = D._D_CATCH
    kind[0x19] = D._D_CATCH
    kind[0x18] = D._D_DELEGATE
    kind[0x09] = D._D_TAG          # rethrow: one index, not in 2.0
    kind[0x12] = D._D_TAG          # return_call: one index, not in 2.0
    kind[0x13] = D._D_TWO_IDX3     # return_call_indirect: two, not in 2.0
    # typed function references: not in 2.0
    kind[0x14] = kind[0x15] = kind[0xD5] = kind[0xD6] = D._D_TAG
    kind[0xD4] = D._D_EH_NONE
    return kind


def _validate_tables(name, imm, sig, size, param_tuples):
    from wasmbed.core import validate_code as V
    from wasmbed.core import opcodes as O
    from wasmbed.core.module import VALTYPE_LETTER
    log2 = {1: 0, 2: 1, 4: 2, 8: 3, 16: 4}
    segment_ops = (O.MEMORY_INIT, O.DATA_DROP, O.TABLE_INIT,
                   O.ELEM_DROP, O.TABLE_COPY, O.TABLE_SIZE)
    kind = [V.K_ILLEGAL] * NUM_IDS
    params = [0] * NUM_IDS
    result = [0] * NUM_IDS
    align = [0] * NUM_IDS
    for op in range(NUM_IDS):
        k = imm[op]
        if k == NO_IMM:
            continue
        s = sig[op]
        if s is None:
            kind[op] = V.K_HAND
            continue
        ps, rs = s.split(":")
        p = tuple(VALTYPE_LETTER[c] for c in ps)
        if p not in param_tuples:
            param_tuples.append(p)
        params[op] = param_tuples.index(p)
        if len(rs) > 1:
            raise ValueError("opcode %s has more than one result" % name[op])
        result[op] = VALTYPE_LETTER[rs] if rs else 0
        if size[op]:
            align[op] = log2[size[op]]
        if op in segment_ops:
            kind[op] = V.K_SEGMENT
        elif k == IMM_MEMARG:
            kind[op] = V.K_ATOMIC if O.is_atomic(op) else V.K_MEM
        elif k == IMM_MEMARG_LANE:
            kind[op] = V.K_MEM_LANE
        elif k == IMM_LANE:
            kind[op] = V.K_LANE
        elif k == IMM_SHUFFLE:
            kind[op] = V.K_SHUFFLE
        elif k == IMM_MEMIDX or k == IMM_MEMORY_COPY:
            kind[op] = V.K_MEMIDX
        else:
            kind[op] = V.K_SIG
    return kind, params, result, align


def tables():
    """-> [(constant name, value, comment)] of optables.py, in order."""
    name, imm, sig, size, lanes = _collect()
    sigs = [None]
    for s in sig:
        if s is not None and s not in sigs:
            sigs.append(s)
    sig_index = [sigs.index(s) for s in sig]
    names = []
    offsets = []
    pos = 0
    for n in name:
        offsets.append(pos)
        if n is not None:
            names.append(n)
            pos += len(n)
    offsets.append(pos)
    joined = "".join(names)
    if pos >= 1 << 16:
        raise ValueError("names do not fit 16-bit offsets")
    name_off = bytearray()
    for o in offsets:
        name_off += bytes((o & 0xFF, o >> 8))
    param_tuples = [()]
    vkind, vparams, vresult, valign = _validate_tables(name, imm, sig, size,
                                                       param_tuples)
    return [
        ("IMM", bytes(imm), "immediate kind (opcodes.IMM_*), 255: no instruction"),
        ("SIG", bytes(sig_index), "index into SIGS"),
        ("SIGS", tuple(sigs), "fixed signatures, 'params:results'"),
        ("MEM_SIZE", bytes(size), "natural access size of memory instructions"),
        ("LANES", bytes(lanes), "lane count of lane instructions"),
        ("NAMES", joined, "every text-format name, concatenated"),
        ("NAME_OFF", bytes(name_off),
         "start of id's name in NAMES as 16-bit little endian; id+1's start ends it"),
        ("DECODE_KIND", bytes(_decode_kinds(name, imm)), "decode.py's dispatch code"),
        ("CHECK_KIND", bytes(vkind), "validate_code.py's K_* check kind"),
        ("CHECK_PARAMS", bytes(vparams), "index into CHECK_PARAM_TYPES"),
        ("CHECK_PARAM_TYPES", tuple(param_tuples), "operand types popped, bottom first"),
        ("CHECK_RESULT", bytes(vresult), "the one result type, 0 for none"),
        ("CHECK_ALIGN", bytes(valign), "log2 of the natural access size"),
    ]


def _wrap(value):
    r = repr(value)
    if isinstance(value, (bytes, str)) and len(r) > 76:
        step = 64 if isinstance(value, str) else 16
        parts = [repr(value[i:i + step]) for i in range(0, len(value), step)]
        return "(\n    " + "\n    ".join(parts) + ")"
    if isinstance(value, tuple) and len(r) > 76:
        return "(\n    " + "\n    ".join(repr(v) + "," for v in value) + ")"
    return r


def source():
    """The text of optables.py."""
    out = ['"""Opcode tables as constants, indexed by opcode id (see opcodes.py).',
           "",
           "GENERATED by `python -m wasmbed.core.opdefs` from the definitions in",
           "opdefs.py: do not edit. Bytes and tuples of constants cost no RAM when",
           "frozen into a MicroPython firmware, and nothing is built at import.",
           '"""', ""]
    for cname, value, comment in tables():
        out.append("# " + comment)
        out.append("%s = %s" % (cname, _wrap(value)))
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    path = __file__[:-len("opdefs.py")] + "optables.py"
    with open(path, "w") as f:
        f.write(source())
    print("wrote", path)
