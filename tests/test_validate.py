"""The validator, rule by rule (spec chapter "Validation").

Each case is a small module in the text format, turned into a binary by
``wasm-tools parse`` (which does not validate, so invalid modules can be
written), decoded, then validated. Larger cases live in tests/wat/validate:
``valid/*.wat`` must validate; ``invalid/*.wat`` start with a line
``;; expect: <message>`` naming the error they must raise.
"""

import os
import subprocess
import shutil
import sys
import time

import pytest

from wasmbed.core.errors import InvalidModule, MalformedModule
from wasmbed.core import module as M
from wasmbed.core import opcodes as ops
from wasmbed.core.validate import validate_module

HERE = os.path.dirname(os.path.abspath(__file__))
WAT_DIR = os.path.join(HERE, "wat", "validate")


def _wasm_tools():
    cand = os.path.join(os.path.dirname(sys.executable), "wasm-tools")
    if os.path.exists(cand):
        return cand
    return shutil.which("wasm-tools")


WASM_TOOLS = _wasm_tools()
needs_tools = pytest.mark.skipif(WASM_TOOLS is None, reason="wasm-tools not installed")


def wat2bin(text):
    proc = subprocess.run([WASM_TOOLS, "parse", "-", "-o", "/dev/stdout"],
                          input=text.encode(), capture_output=True)
    if proc.returncode:
        raise AssertionError("wasm-tools parse failed: %s" % proc.stderr.decode())
    return proc.stdout


def decode(text, spec2=False):
    """WebAssembly 3.0 rules; spec2: the 2.0 rules (threads=False)."""
    from wasmbed.core.decode import decode_module
    return decode_module(wat2bin(text), threads=not spec2)


def valid(text, spec2=False):
    m = decode(text, spec2)
    validate_module(m)
    assert m.validated is True
    return m


def invalid(text, message, spec2=False):
    m = decode(text, spec2)
    with pytest.raises(InvalidModule) as info:
        validate_module(m)
    assert info.value.message.startswith(message), info.value.message
    assert m.validated is False


def func(body, sig="", locals_="", extra=""):
    return "(module %s (func %s %s %s))" % (extra, sig, locals_, body)


# -- operand stack ---------------------------------------------------------

@needs_tools
class TestOperandStack:
    def test_numeric_ops_take_and_give_their_types(self):
        valid(func("i32.const 1 i32.const 2 i32.add", "(result i32)"))
        invalid(func("i32.const 1 i64.const 2 i32.add drop"), "type mismatch")

    def test_empty_stack_is_a_mismatch(self):
        invalid(func("i32.eqz drop"), "type mismatch")

    def test_leftover_values_at_end_are_a_mismatch(self):
        invalid(func("i32.const 1"), "type mismatch")
        invalid(func("i32.const 1 i32.const 2", "(result i32)"), "type mismatch")

    def test_missing_result_is_a_mismatch(self):
        invalid(func("nop", "(result i32)"), "type mismatch")

    def test_unreachable_makes_the_stack_polymorphic(self):
        valid(func("unreachable i32.add", "(result i32)"))
        valid(func("unreachable i32.add drop i64.const 0", "(result i64)"))
        valid(func("f32.const 0 br 0 f32.neg", "(result f32)"))
        valid(func("i32.const 0 return i32.eqz", "(result i32)"))
        invalid(func("br 0 f32.neg", "(result f32)"), "type mismatch")

    def test_values_pushed_after_unreachable_are_still_typed(self):
        invalid(func("unreachable i64.const 0 i32.add", "(result i32)"),
                "type mismatch")
        invalid(func("unreachable i64.const 0", "(result i32)"), "type mismatch")

    def test_polymorphism_ends_with_the_block(self):
        invalid(func("(block unreachable) i32.add drop"), "type mismatch")

    def test_unknown_operands_match_any_type_but_not_by_count(self):
        # select on an unreachable stack yields the unknown type, which can
        # then feed any instruction; but an explicit extra value still counts.
        valid(func("unreachable select i64.eqz", "(result i32)"))
        valid(func("unreachable select ref.is_null", "(result i32)"))
        invalid(func("(block (result i32) unreachable i32.const 0 i32.const 0)",
                     "(result i32)"), "type mismatch")


@needs_tools
class TestParametric:
    def test_untyped_select_on_numbers_and_vectors(self):
        valid(func("i64.const 1 i64.const 2 i32.const 0 select", "(result i64)"))
        valid(func("v128.const i64x2 0 0 v128.const i64x2 0 0 i32.const 0 select",
                   "(result v128)"))

    def test_untyped_select_rejects_references(self):
        invalid(func("local.get 0 local.get 0 i32.const 1 select drop",
                     "(param externref)"), "type mismatch")
        invalid(func("ref.null func ref.null func i32.const 1 select drop"),
                "type mismatch")

    def test_untyped_select_needs_equal_types(self):
        invalid(func("i32.const 1 i64.const 2 i32.const 0 select drop"),
                "type mismatch")

    def test_typed_select_accepts_references(self):
        valid(func("ref.null extern ref.null extern i32.const 1 "
                   "select (result externref)", "(result externref)"))

    def test_typed_select_needs_one_type(self):
        invalid(func("i32.const 0 i32.const 0 i32.const 0 i32.const 0 i32.const 1 "
                     "select (result i32 i32) drop drop"), "invalid result arity")

    def test_drop_needs_an_operand(self):
        invalid(func("drop"), "type mismatch")
        valid(func("unreachable drop drop drop"))


@needs_tools
class TestBlocks:
    def test_multi_value_block_with_params(self):
        valid(func("i32.const 1 i32.const 2 "
                   "(block (param i32 i32) (result i32) i32.add)", "(result i32)"))

    def test_block_params_are_popped_from_outside(self):
        invalid(func("(block (param i32) (result i32))", "(result i32)"),
                "type mismatch")

    def test_block_body_cannot_reach_outside_operands(self):
        invalid(func("i32.const 1 (block (result i32) i32.eqz)", "(result i32)"),
                "type mismatch")

    def test_loop_label_takes_the_params(self):
        valid(func("i32.const 0 (loop (param i32) (result i64) br 0)",
                   "(result i64)"))
        invalid(func("i32.const 0 (loop (param i32) (result i64) i64.const 0 br 0)",
                     "(result i64)"), "type mismatch")

    def test_if_with_else(self):
        valid(func("i32.const 1 (if (result i32) (then i32.const 2) (else i32.const 3))",
                   "(result i32)"))
        invalid(func("i32.const 1 (if (result i32) (then i32.const 2) "
                     "(else i64.const 3))", "(result i32)"), "type mismatch")

    def test_if_condition_must_be_i32(self):
        invalid(func("i64.const 1 (if (then))"), "type mismatch")

    def test_if_without_else_needs_params_equal_results(self):
        valid(func("i32.const 7 i32.const 1 (if (param i32) (result i32) (then))",
                   "(result i32)"))
        invalid(func("i32.const 1 (if (result i32) (then i32.const 2))",
                     "(result i32)"), "type mismatch")
        invalid(func("f32.const 0 i32.const 1 (if (param f32) (result i32) "
                     "(then drop i32.const 0))", "(result i32)"), "type mismatch")

    def test_block_type_index_must_exist(self):
        invalid("(module (func (block (type 3))))", "unknown type")

    def test_nested_unreachable_blocks(self):
        valid(func("(block (result i32) (loop (result i32) unreachable)) ",
                   "(result i32)"))


@needs_tools
class TestBranches:
    def test_br_carries_label_values(self):
        valid(func("(block (result i32) i32.const 1 br 0)", "(result i32)"))
        invalid(func("(block (result i32) i64.const 1 br 0)", "(result i32)"),
                "type mismatch")

    def test_br_if_keeps_values_for_fallthrough(self):
        valid(func("(block (result i32) i32.const 1 i32.const 0 br_if 0)",
                   "(result i32)"))
        invalid(func("(block (result i32) i32.const 1 i64.const 0 br_if 0)",
                     "(result i32)"), "type mismatch")

    def test_unknown_label(self):
        invalid(func("br 1"), "unknown label")
        invalid(func("(block (br_if 2 (i32.const 0)))"), "unknown label")
        invalid(func("(block (br_table 0 3 (i32.const 0)))"), "unknown label")

    def test_br_table_targets_share_an_arity(self):
        invalid(func("(block (result i32) (block "
                     "i32.const 0 i32.const 0 br_table 0 1) i32.const 1)",
                     "(result i32)"), "type mismatch")

    def test_br_table_checks_every_target_type(self):
        invalid(func("(block (result f32) (block (result i32) "
                     "i32.const 0 i32.const 0 br_table 0 1) drop f32.const 0)",
                     "(result f32)"), "type mismatch")

    def test_br_table_with_unknown_operand_fits_mixed_types(self):
        # The operand is the unknown type, so labels of different types agree.
        valid(func("(block (result f32) (block (result i32) unreachable "
                   "i32.const 0 br_table 0 1) drop f32.const 0)", "(result f32)"))

    def test_return_checks_the_function_results(self):
        valid(func("(block i64.const 1 return) i64.const 2", "(result i64)"))
        valid(func("(block i64.const 1 return) unreachable", "(result i64)"))
        invalid(func("(block i32.const 1 return) i64.const 0", "(result i64)"),
                "type mismatch")


@needs_tools
class TestCalls:
    def test_call_pops_params_and_pushes_results(self):
        valid("(module (func $f (param i32 i64) (result f32 f64) unreachable)"
              " (func (result f32 f64) i32.const 0 i64.const 0 call $f))")
        invalid("(module (func $f (param i32)) (func i64.const 0 call $f))",
                "type mismatch")

    def test_unknown_function(self):
        invalid(func("call 7"), "unknown function 7")

    def test_call_indirect_needs_a_funcref_table(self):
        valid("(module (type $t (func)) (table 1 funcref) "
              "(func i32.const 0 call_indirect (type $t)))")
        invalid("(module (type $t (func)) (table 1 externref) "
                "(func i32.const 0 call_indirect (type $t)))", "type mismatch")

    def test_call_indirect_unknown_table_and_type(self):
        invalid("(module (type $t (func)) (func i32.const 0 call_indirect (type $t)))",
                "unknown table")
        invalid("(module (table 1 funcref) (func i32.const 0 call_indirect (type 5)))",
                "unknown type")


@needs_tools
class TestVariables:
    def test_locals_include_params(self):
        valid(func("local.get 0 local.get 1 i64.extend_i32_u i64.add",
                   "(param i64) (result i64)", "(local i32)"))

    def test_unknown_local(self):
        invalid(func("local.get 2 drop", "(param i32)", "(local i32)"),
                "unknown local 2")

    def test_local_set_and_tee_types(self):
        valid(func("i32.const 1 local.tee 0 local.set 0", "", "(local i32)"))
        invalid(func("i64.const 1 local.set 0", "", "(local i32)"), "type mismatch")

    def test_global_set_on_immutable(self):
        invalid("(module (global i32 (i32.const 0)) (func i32.const 1 global.set 0))",
                "immutable global")
        valid("(module (global (mut i32) (i32.const 0)) (func i32.const 1 global.set 0))")

    def test_unknown_global(self):
        invalid(func("global.get 0 drop"), "unknown global 0")


@needs_tools
class TestTables:
    def test_table_instructions_use_the_element_type(self):
        valid("(module (table 1 externref) (func (param externref) "
              "i32.const 0 local.get 0 table.set 0 "
              "i32.const 0 table.get 0 drop "
              "local.get 0 i32.const 1 table.grow 0 drop "
              "i32.const 0 local.get 0 i32.const 1 table.fill 0 "
              "table.size 0 drop))")
        invalid("(module (table 1 externref) (func "
                "i32.const 0 ref.null func table.set 0))", "type mismatch")

    def test_table_copy_between_different_types(self):
        invalid("(module (table 1 externref) (table 1 funcref) (func "
                "i32.const 0 i32.const 0 i32.const 0 table.copy 0 1))",
                "type mismatch")

    def test_table_init_segment_type(self):
        invalid("(module (table 1 externref) (elem funcref (ref.null func)) "
                "(func i32.const 0 i32.const 0 i32.const 0 table.init 0 0))",
                "type mismatch")

    def test_unknown_table_and_segment(self):
        invalid(func("i32.const 0 table.get 0 drop"), "unknown table 0")
        invalid("(module (table 1 funcref) (func elem.drop 4))",
                "unknown elem segment 4")

    def test_several_tables_are_allowed(self):
        valid("(module (table 1 funcref) (table 2 externref) (func "
              "table.size 1 drop))")


@needs_tools
class TestMemory:
    def test_memory_instructions_need_a_memory(self):
        invalid(func("i32.const 0 i32.load drop"), "unknown memory 0")
        invalid(func("memory.size drop"), "unknown memory")
        invalid(func("i32.const 0 i32.const 0 i32.const 0 memory.fill"),
                "unknown memory")

    def test_alignment_at_most_natural(self):
        valid("(module (memory 1) (func i32.const 0 i64.load align=8 drop))")
        invalid("(module (memory 1) (func i32.const 0 i64.load32_u align=8 drop))",
                "alignment must not be larger than natural")

    def test_data_segments_are_counted(self):
        valid("(module (memory 1) (data \"x\") (func data.drop 0))")
        invalid("(module (memory 1) (data \"x\") (func "
                "i32.const 0 i32.const 0 i32.const 0 memory.init 1))",
                "unknown data segment 1")

    def test_memory_limits(self):
        invalid("(module (memory 65537))",
                "memory size must be at most 65536 pages (4GiB)")
        invalid("(module (memory 2 1))",
                "size minimum must not be greater than maximum")
        invalid("(module (table 2 1 funcref))",
                "size minimum must not be greater than maximum")

    def test_at_most_one_memory_in_2_0(self):
        invalid("(module (memory 1) (memory 1))", "multiple memories", spec2=True)
        invalid("(module (import \"m\" \"m\" (memory 1)) (memory 1))",
                "multiple memories", spec2=True)

    def test_multiple_memories_in_3_0(self):
        valid("(module (memory 1) (memory 1)"
              " (func (drop (i32.load 1 (i32.const 0)))))")
        invalid("(module (memory 1) (func (drop (i32.load 1 (i32.const 0)))))",
                "unknown memory 1")
        invalid("(module (memory 1) (memory i64 1)"
                " (func (drop (i32.load 1 (i32.const 0)))))", "type mismatch")


@needs_tools
class TestThreads:
    def test_atomic_alignment_must_equal_natural(self):
        valid("(module (memory 1 1 shared) (func "
              "i32.const 0 i64.const 1 i64.atomic.rmw.add drop))")
        valid("(module (memory 1 1 shared) (func "
              "i32.const 0 i32.atomic.load align=4 drop))")
        invalid("(module (memory 1 1 shared) (func "
                "i32.const 0 i64.atomic.load align=4 drop))",
                "atomic alignment must be natural")

    def test_atomics_need_a_memory(self):
        invalid(func("i32.const 0 i32.const 1 memory.atomic.notify drop"),
                "unknown memory")

    def test_fence_needs_nothing(self):
        valid(func("atomic.fence"))

    def test_wait_operand_types(self):
        valid("(module (memory 1 1 shared) (func (result i32) "
              "i32.const 0 i64.const 0 i64.const -1 memory.atomic.wait64))")
        invalid("(module (memory 1 1 shared) (func (result i32) "
                "i32.const 0 i32.const 0 i64.const -1 memory.atomic.wait64))",
                "type mismatch")

    def test_shared_memory_needs_a_maximum(self):
        invalid("(module (memory 1 shared))", "shared memory must have maximum")


@needs_tools
class TestSimd:
    def test_lane_index_bounds(self):
        valid(func("v128.const i64x2 0 0 i8x16.extract_lane_u 15", "(result i32)"))
        invalid(func("v128.const i64x2 0 0 i8x16.extract_lane_u 16", "(result i32)"),
                "invalid lane index")
        invalid(func("v128.const i64x2 0 0 f64.const 0 f64x2.replace_lane 2",
                     "(result v128)"), "invalid lane index")

    def test_shuffle_lanes_below_32(self):
        lanes = " ".join(["31"] * 16)
        valid(func("v128.const i64x2 0 0 v128.const i64x2 0 0 i8x16.shuffle " + lanes,
                   "(result v128)"))
        bad = " ".join(["0"] * 15 + ["32"])
        invalid(func("v128.const i64x2 0 0 v128.const i64x2 0 0 i8x16.shuffle " + bad,
                     "(result v128)"), "invalid lane index")

    def test_load_lane_alignment_and_lane(self):
        valid("(module (memory 1) (func (result v128) i32.const 0 "
              "v128.const i64x2 0 0 v128.load32_lane align=4 3))")
        invalid("(module (memory 1) (func (result v128) i32.const 0 "
                "v128.const i64x2 0 0 v128.load32_lane align=8 3))",
                "alignment must not be larger than natural")
        invalid("(module (memory 1) (func (result v128) i32.const 0 "
                "v128.const i64x2 0 0 v128.load32_lane 4))", "invalid lane index")

    def test_vector_shift_takes_i32_count(self):
        valid(func("v128.const i64x2 0 0 i32.const 3 i64x2.shl", "(result v128)"))
        invalid(func("v128.const i64x2 0 0 i64.const 3 i64x2.shl", "(result v128)"),
                "type mismatch")


@needs_tools
class TestReferences:
    def test_ref_is_null_on_any_reference(self):
        valid(func("ref.null extern ref.is_null ref.null func ref.is_null i32.add",
                   "(result i32)"))
        invalid(func("i32.const 0 ref.is_null", "(result i32)"), "type mismatch")

    def test_ref_func_must_be_declared(self):
        invalid("(module (func $f (drop (ref.func $f))))",
                "undeclared function reference")

    def test_declaration_by_elem_export_or_global(self):
        valid("(module (func $f (drop (ref.func $f))) (elem declare func $f))")
        valid("(module (func $f (export \"f\") (drop (ref.func $f))))")
        valid("(module (global funcref (ref.func $f)) (func $f (drop (ref.func $f))))")

    def test_ref_func_in_initializers_needs_a_function(self):
        invalid("(module (global funcref (ref.func 3)))", "unknown function 3")


@needs_tools
class TestConstantExpressions:
    def test_only_constant_instructions(self):
        invalid("(module (global i32 (i32.const 0) (nop)))",
                "constant expression required")
        invalid("(module (global i32 (i32.div_s (i32.const 1) (i32.const 2))))",
                "constant expression required")
        invalid("(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
                "constant expression required", spec2=True)

    def test_extended_constants(self):
        valid("(module (global i32 (i32.add (i32.const 1) (i32.const 2))))")
        valid("(module (global i64 (i64.mul (i64.sub (i64.const 1) (i64.const 2))"
              " (i64.const 3))))")
        invalid("(module (global i32 (i32.add (i32.const 1) (i64.const 2))))",
                "type mismatch")
        invalid("(module (global i64 (i64.add (i64.const 1) (i32.const 2))))",
                "type mismatch")
        valid("(module (memory 1) (global i32 (i32.const 8)) "
              "(data (i32.add (global.get 0) (i32.const 1)) \"a\"))")

    def test_result_type(self):
        invalid("(module (global i32 (i64.const 0)))", "type mismatch")
        invalid("(module (global i32 (i32.const 0) (i32.const 0)))", "type mismatch")

    def test_global_get_only_of_earlier_immutable_globals(self):
        valid("(module (import \"m\" \"g\" (global i32)) (global i32 (global.get 0)))")
        valid("(module (global i32 (i32.const 0)) (global i32 (global.get 0)))")
        invalid("(module (global i32 (global.get 0)) (global i32 (i32.const 0)))",
                "unknown global 0")
        invalid("(module (global i32 (global.get 1)) (global i32 (i32.const 0)))",
                "unknown global 1")
        invalid("(module (global i32 (i32.const 0)) (global i32 (global.get 0)))",
                "unknown global 0", spec2=True)
        invalid("(module (import \"m\" \"g\" (global (mut i32))) "
                "(global i32 (global.get 0)))", "constant expression required")

    def test_segment_offsets(self):
        invalid("(module (memory 1) (data (offset (i64.const 0)) \"\"))",
                "type mismatch")
        invalid("(module (table 1 funcref) (elem (offset (i32.const 0) (nop)) func))",
                "constant expression required")
        invalid("(module (data (i32.const 0) \"\"))", "unknown memory 0")
        invalid("(module (elem (i32.const 0) func))", "unknown table 0")

    def test_element_expressions_match_segment_type(self):
        invalid("(module (table 1 funcref) (elem (table 0) (i32.const 0) funcref "
                "(ref.null extern)))", "type mismatch")
        invalid("(module (table 1 externref) (func $f) "
                "(elem (table 0) (i32.const 0) func $f))", "type mismatch")


@needs_tools
class TestModuleLevel:
    def test_start_function_type(self):
        valid("(module (func $s) (start $s))")
        invalid("(module (func $s (result i32) i32.const 0) (start $s))",
                "start function")
        invalid("(module (start 2))", "unknown function 2")

    def test_exports(self):
        invalid("(module (func (export \"a\")) (global (export \"a\") i32 (i32.const 0)))",
                "duplicate export name")
        invalid("(module (export \"m\" (memory 0)))", "unknown memory 0")
        invalid("(module (export \"g\" (global 1)))", "unknown global 1")

    def test_function_type_index(self):
        invalid("(module (func (type 9)))", "unknown type")
        invalid("(module (import \"m\" \"f\" (func (type 9))))", "unknown type")

    def test_validating_twice_is_harmless(self):
        m = valid(func("nop"))
        validate_module(m)
        assert m.validated


# -- modules built by hand (no decoder needed) -----------------------------

def _module_with_body(body, datas=0, data_count=None):
    m = M.Module()
    m.types = [M.FuncType((), ())]
    m.mems = [M.MemoryType(M.Limits(1))]
    m.funcs = [M.Func(0, [], body)]
    m.datas = [M.Data(b"", M.MODE_PASSIVE) for _ in range(datas)]
    m.data_count = data_count
    m.build_index_spaces()
    return m


def test_data_drop_without_data_count_section():
    m = _module_with_body([(ops.DATA_DROP, 0), (ops.END,)], datas=1)
    with pytest.raises(MalformedModule) as info:
        validate_module(m)
    assert info.value.message == "data count section required"
    validate_module(_module_with_body([(ops.DATA_DROP, 0), (ops.END,)],
                                      datas=1, data_count=1))


def test_body_must_end_with_its_end():
    m = _module_with_body([(ops.NOP,)])
    with pytest.raises(InvalidModule):
        validate_module(m)
    m = _module_with_body([(ops.END,), (ops.NOP,)])
    with pytest.raises(InvalidModule):
        validate_module(m)


def test_error_reports_the_body_offset():
    m = _module_with_body([(ops.I32_CONST, 0), (ops.END,)])
    m.funcs[0].offset = 0x42
    with pytest.raises(InvalidModule) as info:
        validate_module(m)
    assert info.value.offset == 0x42


# -- WAT files -------------------------------------------------------------

def _wat_files(sub):
    d = os.path.join(WAT_DIR, sub)
    if not os.path.isdir(d):
        return []
    return sorted(f for f in os.listdir(d) if f.endswith(".wat"))


@needs_tools
@pytest.mark.parametrize("name", _wat_files("valid"))
def test_valid_wat_file(name):
    with open(os.path.join(WAT_DIR, "valid", name)) as f:
        valid(f.read())


@needs_tools
@pytest.mark.parametrize("name", _wat_files("invalid"))
def test_invalid_wat_file(name):
    with open(os.path.join(WAT_DIR, "invalid", name)) as f:
        text = f.read()
    first = text.splitlines()[0]
    assert first.startswith(";; expect: "), "first line must name the error"
    invalid(text, first[len(";; expect: "):].strip())


# -- speed -----------------------------------------------------------------

def _big_module_wat(nfuncs):
    """About 100 KB of typical code: arithmetic, locals, loads, blocks, calls."""
    body = []
    for i in range(nfuncs):
        body.append(
            "(func $f%d (param i32 i32) (result i32) (local i64 f64)\n"
            "  (block (result i32)\n"
            "    (loop\n"
            "      local.get 0 local.get 1 i32.add local.set 0\n"
            "      local.get 0 i32.load offset=8 local.get 1 i32.mul local.set 1\n"
            "      local.get 2 i64.const 3 i64.add local.set 2\n"
            "      local.get 3 f64.const 1.5 f64.mul local.set 3\n"
            "      local.get 0 i32.const 100 i32.lt_u br_if 0)\n"
            "    local.get 1 local.get 0 i32.const 7 i32.and\n"
            "    (if (result i32) (then i32.const 1) (else local.get 0 local.get 1 call $f%d))\n"
            "    i32.add local.get 0 local.get 1 i32.store offset=4\n"
            "    i32.const 0 i32.eqz br_if 0 drop local.get 0)\n"
            ")\n" % (i, max(i - 1, 0)))
    return "(module (memory 1)\n%s)" % "".join(body)


@needs_tools
def test_validating_a_100kb_module_is_fast():
    from wasmbed.core.decode import decode_module
    data = wat2bin(_big_module_wat(1100))
    assert len(data) > 100 * 1024
    t0 = time.perf_counter()
    m = decode_module(data)
    t1 = time.perf_counter()
    validate_module(m)
    t2 = time.perf_counter()
    assert m.validated
    # Budget: well under a second on a workstation; generous for loaded CI.
    assert t2 - t1 < 1.0, "validation took %.3f s" % (t2 - t1)
    assert t2 - t0 < 3.0, "decode + validation took %.3f s" % (t2 - t0)
