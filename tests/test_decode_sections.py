"""The binary format, section by section (spec chapter 5), and the shape of
the decoded Module. Modules are assembled by hand with the helpers below."""

import pytest

from wasmbed.core import opcodes as op
from wasmbed.core.numeric import bits_to_f64
from wasmbed.core.decode import decode_module, MAX_FUNCTION_LOCALS
from wasmbed.core.errors import MalformedModule
from wasmbed.core.module import (
    I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, BT_EMPTY, EXT_FUNC,
    EXT_TABLE, EXT_MEMORY, EXT_GLOBAL, MODE_ACTIVE, MODE_PASSIVE,
    MODE_DECLARATIVE, FuncType, ref_type)

from binary import HEADER, leb, sleb, vec, name, section, module, functype  # noqa: F401


def entry(body, local_groups=()):
    content = vec(leb(n) + bytes([t]) for n, t in local_groups) + body
    return leb(len(content)) + content


def one_func(body, local_groups=(), extra_before_code=b"", results=()):
    """A module with one function of type [] -> results and this body."""
    return module(section(1, vec([functype((), results)])),
                  section(3, vec([b"\x00"])),
                  extra_before_code,
                  section(10, vec([entry(body, local_groups)])))


def body_of(data, **kw):
    return decode_module(data, **kw).funcs[0].body


def error(data, **kw):
    with pytest.raises(MalformedModule) as e:
        decode_module(data, **kw)
    return e.value.message


END = (op.END,)
MEM = section(5, vec([b"\x00\x01"]))


# -- preamble ------------------------------------------------------------------

def test_empty_module():
    m = decode_module(HEADER)
    assert m.size == 8
    assert m.types == [] and m.funcs == [] and m.customs == []
    assert m.start is None and m.data_count is None and m.names is None


def test_accepts_bytearray_and_memoryview():
    assert decode_module(bytearray(HEADER)).size == 8
    assert decode_module(memoryview(HEADER)).size == 8


@pytest.mark.parametrize("data,message", [
    (b"", "unexpected end"),
    (b"\x00as", "unexpected end"),
    (b"\x00asm\x01\x00", "unexpected end"),
    (b"\x00asn\x01\x00\x00\x00", "magic header not detected"),
    (b"\x00asm\x02\x00\x00\x00", "unknown binary version"),
])
def test_preamble_errors(data, message):
    assert error(data) == message


# -- section framing --------------------------------------------------------

def test_section_id_above_13_is_malformed():
    assert error(HEADER + b"\x0e\x00") == "malformed section id"
    # 13 is 3.0's tag section; in the 2.0 format it is no section
    assert error(HEADER + b"\x0d\x00", wasm3=False) == "malformed section id"
    assert decode_module(HEADER + b"\x0d\x01\x00").tags == []


def test_tag_section_goes_between_memory_and_global():
    tags = section(13, vec([b"\x00\x00"]))
    types = section(1, vec([b"\x60\x00\x00"]))
    glob = section(6, vec([]))
    assert decode_module(module(types, MEM, tags, glob)).tags == [0]
    assert error(module(types, glob, tags)) == "unexpected content after last section"
    assert error(module(types, section(13, vec([b"\x01\x00"])))) == "malformed tag attribute"


def test_sections_out_of_order_or_repeated():
    types = section(1, vec([]))
    funcs = section(3, vec([]))
    assert error(module(funcs, types)) == "unexpected content after last section"
    assert error(module(types, types)) == "unexpected content after last section"


def test_data_count_goes_between_element_and_code():
    ok = module(section(12, leb(0)), section(10, vec([])))
    assert decode_module(ok).data_count == 0
    late = module(section(10, vec([])), section(12, leb(0)))
    assert error(late) == "unexpected content after last section"


def test_section_size_larger_than_the_file():
    assert error(HEADER + b"\x01\x05\x00") == "length out of bounds"


def test_section_size_mismatch_both_ways():
    assert error(HEADER + b"\x01\x02\x00\x00") == "section size mismatch"
    # a type section claiming 1 byte whose content needs 4
    assert error(HEADER + b"\x01\x01\x01\x60\x00\x00") == "section size mismatch"


def test_vector_count_beyond_remaining_bytes():
    assert error(HEADER + b"\x01\x06\xff\xff\xff\xff\x0f\x00") == "length out of bounds"


def test_truncated_section_content():
    assert error(HEADER + b"\x01\x02\x01\x60") == "unexpected end of section or function"


# -- type, import, function, table, memory, global, export, start ------

def test_type_section():
    m = decode_module(module(section(1, vec([
        functype((I32, I64), (F32,)), functype((), (V128, FUNCREF, EXTERNREF))]))))
    assert m.types == [FuncType((I32, I64), (F32,)),
                       FuncType((), (V128, FUNCREF, EXTERNREF))]


def test_type_section_bad_form_and_value_type():
    assert error(module(section(1, vec([b"\x61\x00\x00"])))) == "malformed function type"
    assert error(module(section(1, vec([b"\x60\x01\x40\x00"])))) == "malformed value type"


def test_import_section_all_kinds_and_index_spaces():
    imports = vec([
        name("env") + name("f") + b"\x00" + leb(0),
        name("env") + name("t") + b"\x01\x70\x01\x02\x0a",
        name("env") + name("m") + b"\x02\x03\x01\x04",
        name("env") + name("g") + b"\x03\x7e\x01",
    ])
    m = decode_module(module(section(1, vec([functype((I32,), ())])),
                             section(2, imports)))
    f, t, mem, g = m.imports
    assert (f.module, f.name, f.kind, f.desc) == ("env", "f", EXT_FUNC, 0)
    assert t.kind == EXT_TABLE and t.desc.elem == FUNCREF
    assert (t.desc.limits.min, t.desc.limits.max, t.desc.limits.shared) == (2, 10, False)
    assert mem.kind == EXT_MEMORY
    assert (mem.desc.limits.min, mem.desc.limits.max, mem.desc.limits.shared) == (1, 4, True)
    assert g.kind == EXT_GLOBAL and g.desc.valtype == I64 and g.desc.mutable
    assert m.num_imported_funcs == 1 and m.func_types == [FuncType((I32,), ())]
    assert m.num_imported_tables == 1 and m.num_imported_mems == 1
    assert m.num_imported_globals == 1


def test_import_kind_and_mutability_errors():
    assert error(module(section(2, vec([name("a") + name("b") + b"\x05"])))) == \
        "malformed import kind"
    # 4 is 3.0's tag import
    assert error(module(section(2, vec([name("a") + name("b") + b"\x04\x00\x00"]))),
                 wasm3=False) == "malformed import kind"
    assert error(module(section(2, vec([name("a") + name("b") + b"\x03\x7f\x02"])))) == \
        "malformed mutability"


def test_function_and_code_sections():
    data = module(section(1, vec([functype((I32,), (I32,))])),
                  section(3, vec([b"\x00", b"\x00"])),
                  section(10, vec([
                      entry(b"\x20\x00\x0b", [(2, I32), (1, F64)]),
                      entry(b"\x20\x01\x0b", [(0, I64), (3, F32)])])))
    m = decode_module(data)
    f0, f1 = m.funcs
    assert f0.type_idx == 0 and f0.locals == [I32, I32, F64]
    assert f1.locals == [F32, F32, F32]
    assert f0.body == [(op.LOCAL_GET, 0), END]
    # offset: the locals declaration (its first byte is the group count)
    assert data[f0.offset] == 2 and data[f1.offset] == 2
    assert m.func_types == [FuncType((I32,), (I32,))] * 2


def test_function_and_code_counts_must_agree():
    types = section(1, vec([functype((), ())]))
    assert error(module(types, section(3, vec([b"\x00"])))) == \
        "function and code section have inconsistent lengths"
    assert error(module(types, section(10, vec([entry(b"\x0b")])))) == \
        "function and code section have inconsistent lengths"


def test_table_memory_global_export_start():
    data = module(
        section(1, vec([functype((), ())])),
        section(3, vec([b"\x00"])),
        section(4, vec([b"\x6f\x00\x03", b"\x70\x01\x00\x00"])),
        section(5, vec([b"\x01\x01\x02"])),
        section(6, vec([b"\x7f\x00\x41" + sleb(-5) + b"\x0b",
                        b"\x7c\x01\x44" + bytes(7) + b"\x40\x0b"])),
        section(7, vec([name("run") + b"\x00" + leb(0),
                        name("mem") + b"\x02" + leb(0),
                        name("tab") + b"\x01" + leb(1),
                        name("g") + b"\x03" + leb(1)])),
        section(8, leb(0)),
        section(10, vec([entry(b"\x0b")])))
    m = decode_module(data)
    t0, t1 = m.tables
    assert (t0.elem, t0.limits.min, t0.limits.max) == (EXTERNREF, 3, None)
    assert (t1.elem, t1.limits.min, t1.limits.max) == (FUNCREF, 0, 0)
    assert (m.mems[0].limits.min, m.mems[0].limits.max) == (1, 2)
    g0, g1 = m.globals
    assert (g0.type.valtype, g0.type.mutable) == (I32, False)
    assert g0.init == [(op.I32_CONST, 0xFFFFFFFB), END]
    assert g1.type.mutable and g1.init == [(op.F64_CONST, bits_to_f64(0x4000000000000000)), END]
    assert [(e.name, e.kind, e.index) for e in m.exports] == [
        ("run", EXT_FUNC, 0), ("mem", EXT_MEMORY, 0), ("tab", EXT_TABLE, 1),
        ("g", EXT_GLOBAL, 1)]
    assert m.start == 0


def test_export_kind_error():
    assert error(module(section(7, vec([name("x") + b"\x05\x00"])))) == \
        "malformed export kind"
    assert error(module(section(7, vec([name("x") + b"\x04\x00"]))), wasm3=False) == \
        "malformed export kind"


# -- limits: 2.0 one-bit flag vs. the threads flag byte ---------------------

def memory_with_flags(flags):
    return module(section(5, vec([flags])))


def test_shared_memory_with_threads():
    lim = decode_module(memory_with_flags(b"\x03\x01\x02")).mems[0].limits
    assert (lim.min, lim.max, lim.shared) == (1, 2, True)
    # shared without max decodes; the validator rejects it
    lim = decode_module(memory_with_flags(b"\x02\x01")).mems[0].limits
    assert (lim.min, lim.max, lim.shared) == (1, None, True)


def test_limits_flag_errors_with_threads():
    assert error(memory_with_flags(b"\x04\x00"), wasm3=False) == "malformed limits flag"
    assert error(memory_with_flags(b"\x08\x00")) == "malformed limits flag"
    assert error(memory_with_flags(b"\x81\x00\x00")) == "malformed limits flag"
    assert error(module(section(4, vec([b"\x70\x02\x00"])))) == \
        "tables cannot be shared (yet)"


def test_limits_flag_is_one_bit_leb_without_threads():
    assert error(memory_with_flags(b"\x02\x01"), threads=False) == "integer too large"
    assert error(memory_with_flags(b"\x81\x00\x00"), threads=False) == \
        "integer representation too long"
    lim = decode_module(memory_with_flags(b"\x01\x01\x02"), threads=False).mems[0].limits
    assert (lim.min, lim.max, lim.shared) == (1, 2, False)


# -- element and data segments ------------------------------------------------

ELEM_PRELUDE = (section(1, vec([functype((), ())])),
                section(3, vec([b"\x00", b"\x00"])),
                section(4, vec([b"\x70\x00\x0a", b"\x70\x00\x0a"])))
CODE2 = section(10, vec([entry(b"\x0b"), entry(b"\x0b")]))
OFFSET = b"\x41\x02\x0b"          # (i32.const 2)
REF = [(op.REF_FUNC, 1), END]


def elems(*segments):
    return module(*(ELEM_PRELUDE + (section(9, vec(segments)), CODE2)))


def test_element_segments_all_eight_encodings():
    idx = vec([leb(1)])
    exprs = vec([b"\xd2\x01\x0b", b"\xd0\x70\x0b"])
    m = decode_module(elems(
        b"\x00" + OFFSET + idx,
        b"\x01\x00" + idx,
        b"\x02" + leb(1) + OFFSET + b"\x00" + idx,
        b"\x03\x00" + idx,
        b"\x04" + OFFSET + exprs,
        b"\x05\x70" + exprs,
        b"\x06" + leb(1) + OFFSET + b"\x70" + exprs,
        b"\x07\x70" + exprs))
    e = m.elems
    shape = [(s.mode, s.table, s.type) for s in e]
    # 3.0: segments of function indices have type (ref func)
    F = ref_type(False, FUNCREF)
    assert shape == [(MODE_ACTIVE, 0, F), (MODE_PASSIVE, 0, F),
                     (MODE_ACTIVE, 1, F), (MODE_DECLARATIVE, 0, F),
                     (MODE_ACTIVE, 0, FUNCREF), (MODE_PASSIVE, 0, FUNCREF),
                     (MODE_ACTIVE, 1, FUNCREF), (MODE_DECLARATIVE, 0, FUNCREF)]
    # 2.0: funcref
    m2 = decode_module(elems(b"\x00" + OFFSET + idx, b"\x01\x00" + idx),
                       wasm3=False)
    assert [s.type for s in m2.elems] == [FUNCREF, FUNCREF]
    for s in e[:4]:
        # function indices read as the ref.func expressions they stand for
        assert list(s.init) == [REF] and s.init[0] == REF and s.init[:1] == [REF]
    for s in e[4:]:
        assert s.init == [REF, [(op.REF_NULL, FUNCREF), END]]
    assert [s.offset for s in e] == [[(op.I32_CONST, 2), END], None] * 4


def test_element_segment_errors():
    assert error(elems(b"\x08")) == "malformed elements segment kind"
    assert error(elems(b"\x01\x01" + vec([]))) == "malformed element kind"
    assert error(elems(b"\x05\x7f" + vec([]))) == "malformed reference type"


def test_data_segments_and_data_count():
    data = module(MEM, section(12, leb(3)), section(11, vec([
        b"\x00" + OFFSET + name(b"ab"),
        b"\x01" + name(b"\xff"),
        b"\x02" + leb(0) + OFFSET + name(b"")])))
    m = decode_module(data)
    d0, d1, d2 = m.datas
    assert (d0.mode, d0.memory, d0.init, d0.offset) == (
        MODE_ACTIVE, 0, b"ab", [(op.I32_CONST, 2), END])
    assert (d1.mode, d1.init) == (MODE_PASSIVE, b"\xff")
    assert (d2.mode, d2.init) == (MODE_ACTIVE, b"")
    assert m.data_count == 3


def test_data_errors():
    assert error(module(MEM, section(11, vec([b"\x03"])))) == "malformed data segment kind"
    assert error(module(MEM, section(12, leb(2)), section(11, vec([b"\x01\x00"])))) == \
        "data count and data section have inconsistent lengths"
    assert error(module(MEM, section(12, leb(1)))) == \
        "data count and data section have inconsistent lengths"


@pytest.mark.parametrize("body", [b"\x41\x00\x41\x00\x41\x00\xfc\x08\x00\x00\x0b",
                                  b"\xfc\x09\x00\x0b"])
def test_memory_init_and_data_drop_need_a_data_count_section(body):
    data = one_func(body, extra_before_code=MEM)
    assert error(data + section(11, vec([b"\x01\x00"]))) == "data count section required"


# -- custom sections and names ------------------------------------------------

def test_custom_sections_anywhere_with_payload_offset():
    data = module(section(0, name("a") + b"xyz"),
                  section(1, vec([])),
                  section(0, name("b") + b""))
    m = decode_module(data)
    assert [(c.name, c.data) for c in m.customs] == [("a", b"xyz"), ("b", b"")]
    for c in m.customs:
        assert data[c.offset:c.offset + len(c.data)] == c.data
    assert m.customs[0].offset == 12


def test_custom_section_name_must_fit_and_be_utf8():
    assert error(HEADER + b"\x00\x01\x05") == "length out of bounds"
    assert error(module(section(0, name(b"\xc0\x80")))) == "malformed UTF-8 encoding"


def name_section(*subsections):
    return section(0, name("name") + b"".join(
        bytes([sid]) + leb(len(p)) + p for sid, p in subsections))


def test_name_section_is_parsed():
    data = one_func(b"\x0b", [(1, I32)]) + name_section(
        (0, name("mod")),
        (1, vec([leb(0) + name("main")])),
        (2, vec([leb(0) + vec([leb(0) + name("x")])])))
    names = decode_module(data).names
    assert names == {"module": "mod", "funcs": {0: "main"}, "locals": {0: {0: "x"}}}


def test_malformed_name_section_does_not_fail_the_module():
    data = one_func(b"\x0b") + name_section(
        (0, name("mod")),
        (1, b"\x05\x00"))             # count 5, one byte of content
    m = decode_module(data)
    assert m.names["module"] == "mod" and m.names["funcs"] == {}
    garbage = one_func(b"\x0b") + section(0, name("name") + b"\xff\xff\xff")
    assert decode_module(garbage).names["module"] is None


# -- UTF-8 ------------------------------------------------------------------------

def export_named(raw):
    return module(section(7, vec([name(raw) + b"\x00\x00"])))


@pytest.mark.parametrize("raw", [
    "a", "\u00e9", "\u20ac", "\U0001F600", "\U0010FFFF", "\ud7ff", "\ue000"])
def test_valid_utf8_names(raw):
    assert decode_module(export_named(raw)).exports[0].name == raw


@pytest.mark.parametrize("raw", [
    b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xc2", b"\xe0\x80\x80",
    b"\xe0\x9f\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf0\x8f\xbf\xbf",
    b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff", b"\xe2\x82", b"a\xe2\x28\xa1",
])
def test_invalid_utf8_names(raw):
    assert error(export_named(raw)) == "malformed UTF-8 encoding"


# -- locals -------------------------------------------------------------------------

def test_too_many_locals_in_total():
    assert error(one_func(b"\x0b", [(0xFFFFFFFF, I32), (2, I64)])) == "too many locals"


def test_locals_above_the_implementation_cap():
    assert len(decode_module(one_func(b"\x0b", [(MAX_FUNCTION_LOCALS, I32)]))
               .funcs[0].locals) == MAX_FUNCTION_LOCALS
    assert error(one_func(b"\x0b", [(MAX_FUNCTION_LOCALS, I32), (1, I64)])) == \
        "too many locals"


def test_identical_local_declarations_share_one_list():
    data = module(section(1, vec([functype((), ())])),
                  section(3, vec([b"\x00"] * 3)),
                  section(10, vec([entry(b"\x0b", [(3, I64)])] * 2
                                  + [entry(b"\x0b", [(2, I64)])])))
    f0, f1, f2 = decode_module(data).funcs
    assert f0.locals is f1.locals and f0.locals == [I64] * 3
    assert f2.locals == [I64] * 2


# -- instructions ---------------------------------------------------------------

def test_control_structure_is_flat_with_markers_in_place():
    body = (b"\x02\x40"                 # block
            b"\x03\x7f"                 # loop (result i32)
            b"\x41\x01\x0d\x00"         # i32.const 1, br_if 0
            b"\x41\x00\x0b"             # i32.const 0, end
            b"\x04\x40\x01\x05\x00\x0b"  # if nop else unreachable end
            b"\x0b\x0b")                # end block, end function
    assert body_of(one_func(body)) == [
        (op.BLOCK, BT_EMPTY), (op.LOOP, -I32), (op.I32_CONST, 1), (op.BR_IF, 0),
        (op.I32_CONST, 0), END, (op.IF, BT_EMPTY), (op.NOP,), (op.ELSE,),
        (op.UNREACHABLE,), END, END, END]


def test_block_types():
    types = section(1, vec([functype((), ())] * 200))
    data = module(types, section(3, vec([b"\x00"])), section(10, vec([entry(
        b"\x02\x05\x0b" + b"\x02\xc7\x01\x0b" + b"\x02\x7b\x0b" + b"\x0b")])))
    assert decode_module(data).funcs[0].body[::2] == [
        (op.BLOCK, 5), (op.BLOCK, 199), (op.BLOCK, -V128), END]
    assert error(one_func(b"\x02\x60\x0b\x0b")) == "malformed value type"
    assert error(one_func(b"\x02\x80\x7f\x0b\x0b")) == "malformed block type"


def test_else_outside_if_and_missing_end():
    assert error(one_func(b"\x05\x0b")) == "END opcode expected"
    assert error(one_func(b"\x02\x40\x05\x0b\x0b")) == "END opcode expected"
    assert error(one_func(b"\x04\x40\x05\x05\x0b\x0b")) == "END opcode expected"
    assert error(one_func(b"\x01")) == "unexpected end of section or function"


def test_immediates_of_every_shape():
    body = (b"\x0e\x02\x00\x01\x02"              # br_table 0 1 2
            b"\x10\x00"                          # call 0
            b"\x11\x00\x00"                      # call_indirect type 0 table 0
            b"\x1b\x1c\x01\x7e"                  # select, select (result i64)
            b"\x20\x03\x23\x81\x01\x25\x02"      # local.get 3 global.get 129 table.get 2
            b"\x28\x02\x10\x3f\x00\x40\x00"      # i32.load align=4 offset=16, memory.size/grow
            b"\x43\x00\x00\xc0\x7f"              # f32.const nan bits
            b"\x44" + bytes(6) + b"\xf0\x3f"     # f64.const 1.0
            b"\xd0\x6f\xd1\xd2\x00"              # ref.null extern, ref.is_null, ref.func 0
            b"\xfc\x00"                          # i32.trunc_sat_f32_s
            b"\xfc\x08\x01\x00\xfc\x09\x01"      # memory.init 1, data.drop 1
            b"\xfc\x0a\x00\x00\xfc\x0b\x00"      # memory.copy, memory.fill
            b"\xfc\x0c\x02\x01\xfc\x0d\x02"      # table.init elem 2 table 1, elem.drop 2
            b"\xfc\x0e\x01\x00\xfc\x0f\x00\xfc\x10\x00\xfc\x11\x00"
            b"\x0b")
    data = one_func(body, extra_before_code=MEM + section(12, leb(2)))
    got = body_of(data + section(11, vec([b"\x01\x00"] * 2)))
    assert got == [
        (op.BR_TABLE, b"\x00\x01", 2), (op.CALL, 0), (op.CALL_INDIRECT, 0, 0),
        (op.SELECT,), (op.SELECT_T, (I64,)), (op.LOCAL_GET, 3),
        (op.GLOBAL_GET, 129), (op.TABLE_GET, 2), (0x28, 2, 16),
        (op.MEMORY_SIZE,), (op.MEMORY_GROW,), (op.F32_CONST, 0x7FC00000),
        (op.F64_CONST, bits_to_f64(0x3FF0000000000000)), (op.REF_NULL, EXTERNREF), (op.REF_IS_NULL,),
        (op.REF_FUNC, 0), (op.PREFIX_FC + 0,), (op.MEMORY_INIT, 1),
        (op.DATA_DROP, 1), (op.MEMORY_COPY,), (op.MEMORY_FILL,),
        (op.TABLE_INIT, 2, 1), (op.ELEM_DROP, 2), (op.TABLE_COPY, 1, 0),
        (op.TABLE_GROW, 0), (op.TABLE_SIZE, 0), (op.TABLE_FILL, 0), END]


def test_simd_immediates():
    lanes = bytes(range(16))
    body = (b"\xfd\x0c" + lanes +                # v128.const
            b"\xfd\x0d" + bytes(range(31, 15, -1)) +  # i8x16.shuffle
            b"\xfd\x15\x0f"                      # i8x16.extract_lane_s 15
            b"\xfd\x54\x00\x08\x03"              # v128.load8_lane align=1 offset=8 lane 3
            b"\xfd\x00\x04\x00"                  # v128.load align=16
            b"\xfd\x80\x01"                      # i16x8.abs (two-byte sub-opcode)
            b"\xfd\x8c\x00"                      # v128.const, sub-opcode in two bytes
            + lanes + b"\x0b")
    got = body_of(one_func(body))
    assert got[0] == (op.V128_CONST, int.from_bytes(lanes, "little"))
    assert got[1] == (op.PREFIX_FD + 13, bytes(range(31, 15, -1)))
    assert got[2:6] == [(op.PREFIX_FD + 21, 15), (op.PREFIX_FD + 84, 0, 8, 3),
                        (op.PREFIX_FD + 0, 4, 0), (op.PREFIX_FD + 128,)]
    assert op.NAME[got[5][0]] == "i16x8.abs"
    assert got[6] == (op.V128_CONST, int.from_bytes(lanes, "little"))


def test_atomic_instructions_and_threads_switch():
    body = (b"\xfe\x00\x02\x00"      # memory.atomic.notify align=4
            b"\xfe\x03\x00"          # atomic.fence
            b"\xfe\x48\x03\x08"      # i32.atomic.rmw.cmpxchg align=8 offset=8
            b"\x0b")
    got = body_of(one_func(body, extra_before_code=MEM))
    assert got == [(op.ATOMIC_NOTIFY, 2, 0), (op.ATOMIC_FENCE,),
                   (op.PREFIX_FE + 0x48, 3, 8), END]
    assert op.NAME[op.PREFIX_FE + 0x48] == "i32.atomic.rmw.cmpxchg"
    assert error(one_func(body, extra_before_code=MEM), threads=False).startswith(
        "illegal opcode")
    assert error(one_func(b"\xfe\x03\x01\x0b")) == "zero byte expected"


@pytest.mark.parametrize("body", [
    b"\x27\x0b", b"\xc5\x0b", b"\xff\x0b",
    b"\xfc\x12\x0b", b"\xfd\x9a\x01\x0b", b"\xfd\x94\x02\x0b", b"\xfd\x80\x04\x0b",
    b"\xfe\x04\x0b",
])
def test_illegal_opcodes(body):
    assert error(one_func(body)).startswith("illegal opcode")


def test_relaxed_simd_opcodes_are_illegal_in_the_2_0_format():
    # 0xFD 0x100 is i8x16.relaxed_swizzle in 3.0
    assert error(one_func(b"\xfd\x80\x02\x0b"), wasm3=False) == "illegal opcode fd 256"
    # (3.0: it decodes; the validator reports its missing operands)
    assert body_of(one_func(b"\xfd\x80\x02\x0b")) == [(op.PREFIX_FD + 0x100,), END]


def test_exception_opcodes_are_illegal_in_the_2_0_format():
    # 0x06 is the legacy `try` in 3.0 (here: `try` without its end)
    assert error(one_func(b"\x06\x40\x0b"), wasm3=False).startswith("illegal opcode")
    assert error(one_func(b"\x06\x40\x0b")) != ""


@pytest.mark.parametrize("body", [
    b"\x3f\x01\x1a\x0b", b"\x3f\x80\x00\x1a\x0b", b"\xfc\x0a\x00\x01\x0b",
    b"\xfc\x0b\x01\x0b", b"\xfc\x08\x00\x01\x0b",
])
def test_reserved_memory_index_bytes_must_be_zero(body):
    # 2.0: reserved zero bytes; 3.0: memory indices (then "unknown memory 1")
    assert error(one_func(body, extra_before_code=MEM), wasm3=False) == \
        "zero byte expected"
    extra = MEM + (section(12, b"\x00") if body[:2] == b"\xfc\x08" else b"")
    ins = decode_module(one_func(body, extra_before_code=extra)).funcs[0].body[0]
    if ins[0] == op.MEMORY_COPY:
        assert op.copy_indices(ins) == (0, 1)
    else:
        assert op.mem_index(ins) == (0 if body[1] == 0x80 else 1)


def test_memory64_limits_and_memarg_memory_index():
    lim = decode_module(memory_with_flags(b"\x05\x01\x80\x80\x80\x80\x10")).mems[0].limits
    assert (lim.min, lim.max, lim.is64) == (1, 1 << 32, True)
    # flags 0x42: alignment 2, memory 1 follows; the offset is a u64
    body = body_of(one_func(b"\x41\x00\x28\x42\x01\x80\x80\x80\x80\x10\x1a\x0b"))
    assert body[1] == (0x28, 2, 1 << 32, 1)
    assert error(one_func(b"\x41\x00\x28\x80\x01\x00\x1a\x0b")) == "malformed memop flags"


def test_alignment_exponent_of_32_or_more_is_malformed():
    # 2.0 only: 3.0 reads 6 alignment bits (validation bounds them)
    assert error(one_func(b"\x41\x00\x28\x20\x00\x1a\x0b"), wasm3=False) == \
        "malformed memop flags"
    assert body_of(one_func(b"\x41\x00\x28\x1f\x00\x1a\x0b"))[1] == (0x28, 31, 0)
    assert body_of(one_func(b"\x41\x00\x28\x20\x00\x1a\x0b"))[1] == (0x28, 32, 0)


def test_body_longer_than_declared():
    data = module(section(1, vec([functype((), ())])), section(3, vec([b"\x00"])),
                  section(10, vec([b"\x02\x00\x0b\x01"])))
    assert error(data) == "section size mismatch"


def test_decoded_immediates_ignore_the_section_boundary_like_the_reference():
    # body without its END: the next section's id byte (0x0b) is read as END
    data = module(section(1, vec([functype((), ())])), section(3, vec([b"\x00"])),
                  b"\x0a\x06\x01\x04\x00\x41\x01\x1a",
                  section(11, vec([b"\x01\x00"])))
    assert error(data) == "section size mismatch"
