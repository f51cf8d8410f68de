"""Both execution tiers against the WebAssembly 3.0 suite (spec-json/wasm3),
script by script, for the scripts that pass today.

Every script of the 3.0 suite passes since GC (issue 13) landed; the
scripts are still listed explicitly, grouped by the work that made them
pass (GC's in GC). Among them, the ones 3.0's exception handling and
extended constant expressions made pass (besides the 2.0 scripts the 3.0
suite repeats): data, exports, imports, throw, throw_ref and the legacy
exception scripts listed in LEGACY; 3.0's tail
calls: return_call, return_call_indirect (TAIL_CALLS); relaxed SIMD made
those in RELAXED pass; multiple memories, memory64 and table64 those in
MEMORIES; typed function references those in TYPED_REFS. Every command
must pass on the interpreter and on the fast tier; only text-format
cases may be skipped.
"""
import io
import os

import pytest

from suites import needs_spec, SPEC_JSON
from wasmbed.wast import ExecRunner

PASSING = [
    "legacy-rethrow", "legacy-throw", "legacy-try_catch", "legacy-try_delegate",
    "i16x8_relaxed_q15mulr_s", "i32x4_relaxed_trunc", "i8x16_relaxed_swizzle",
    "relaxed_dot_product", "relaxed_laneselect", "relaxed_madd_nmadd",
    "relaxed_min_max",
    "address", "annotations", "binary", "block", "br", "bulk", "call",
    "call_indirect", "comments", "const", "conversions", "custom", "data", "endianness",
    "exports", "f32", "f32_bitwise", "f32_cmp", "f64", "f64_bitwise",
    "f64_cmp", "fac", "float_exprs", "float_literals", "float_memory",
    "float_misc", "forward", "func_ptrs", "i32", "i64", "id", "if", "imports",
    "inline-module", "int_exprs", "int_literals", "labels", "left-to-right",
    "load", "local_get", "local_set", "loop", "memory_copy", "memory_fill",
    "memory_init", "memory_redundancy", "memory_size", "memory_trap", "names",
    "nop", "obsolete-keywords", "ref_func", "return", "return_call",
    "return_call_indirect", "simd_address",
    "simd_align", "simd_bit_shift", "simd_bitwise", "simd_boolean",
    "simd_const", "simd_conversions", "simd_f32x4", "simd_f32x4_arith",
    "simd_f32x4_cmp", "simd_f32x4_pmin_pmax", "simd_f32x4_rounding",
    "simd_f64x2", "simd_f64x2_arith", "simd_f64x2_cmp", "simd_f64x2_pmin_pmax",
    "simd_f64x2_rounding", "simd_i16x8_arith", "simd_i16x8_arith2",
    "simd_i16x8_cmp", "simd_i16x8_extadd_pairwise_i8x16",
    "simd_i16x8_extmul_i8x16", "simd_i16x8_q15mulr_sat_s",
    "simd_i16x8_sat_arith", "simd_i32x4_arith", "simd_i32x4_arith2",
    "simd_i32x4_cmp", "simd_i32x4_dot_i16x8",
    "simd_i32x4_extadd_pairwise_i16x8", "simd_i32x4_extmul_i16x8",
    "simd_i32x4_trunc_sat_f32x4", "simd_i32x4_trunc_sat_f64x2",
    "simd_i64x2_arith", "simd_i64x2_arith2", "simd_i64x2_cmp",
    "simd_i64x2_extmul_i32x4", "simd_i8x16_arith", "simd_i8x16_arith2",
    "simd_i8x16_cmp", "simd_i8x16_sat_arith", "simd_int_to_int_extend",
    "simd_lane", "simd_linking", "simd_load", "simd_load16_lane",
    "simd_load32_lane", "simd_load64_lane", "simd_load8_lane",
    "simd_load_extend", "simd_load_splat", "simd_load_zero", "simd_select",
    "simd_splat", "simd_store", "simd_store16_lane", "simd_store32_lane",
    "simd_store64_lane", "simd_store8_lane", "skip-stack-guard-page", "stack",
    "start", "store", "switch", "table_copy", "table_fill", "table_get",
    "table_grow", "table_set", "table_size", "throw", "throw_ref", "token",
    "traps", "type", "unreachable", "unwind", "utf8-custom-section-id",
    "utf8-import-field", "utf8-import-module", "utf8-invalid-encoding",
]
# made to pass by multiple memories, memory64 and table64
MEMORIES = [
    "memory-multi", "simd_memory-multi", "address0", "address1", "align0",
    "binary0", "data0", "data1", "data_drop0", "exports0", "float_exprs0",
    "float_exprs1", "float_memory0", "imports0", "imports1", "imports2",
    "imports3", "imports4", "linking0", "linking1", "linking2", "linking3",
    "load0", "load1", "load2", "memory_copy0", "memory_copy1", "memory_fill0",
    "memory_grow", "memory_init0", "memory_size0", "memory_size1",
    "memory_size2", "memory_size3", "memory_size_import", "memory_trap0",
    "memory_trap1", "start0", "store0", "store1", "store2", "traps0", "memory",
    "address64", "align64", "binary_leb128_64", "bulk64", "call_indirect64",
    "endianness64", "float_memory64", "load64", "memory64", "memory64-imports",
    "memory_copy64", "memory_fill64", "memory_grow64", "memory_init64",
    "memory_redundancy64", "memory_trap64", "table64", "table_copy64",
    "table_fill64", "table_get64", "table_grow64", "table_set64",
    "table_size64", "table_copy_mixed", "align", "binary-leb128",
]
PASSING += MEMORIES
# made to pass by 3.0's exception handling and extended constants
EXCEPTIONS = ["data", "exports", "imports", "throw", "throw_ref"]
# made to pass by 3.0's tail calls
TAIL_CALLS = ["return_call", "return_call_indirect"]
# the legacy form (try_catch and try_delegate also need tail calls)
LEGACY = ["legacy-rethrow", "legacy-throw", "legacy-try_catch", "legacy-try_delegate"]
# relaxed SIMD (its `either` results: any allowed one passes)
RELAXED = ["i16x8_relaxed_q15mulr_s", "i32x4_relaxed_trunc", "i8x16_relaxed_swizzle",
           "relaxed_dot_product", "relaxed_laneselect", "relaxed_madd_nmadd",
           "relaxed_min_max"]

# made to pass by 3.0's typed function references (and the instructions
# on them: ref.as_non_null, br_on_null, br_on_non_null, call_ref,
# return_call_ref; rec groups and sub declarations of function types)
TYPED_REFS = ["br_if", "br_table", "local_tee", "local_init", "select", "elem",
              "func", "global", "ref", "ref_is_null", "ref_null", "table",
              "table-sub", "linking", "unreached-invalid", "unreached-valid",
              "instance", "try_table", "ref_as_non_null", "br_on_null",
              "br_on_non_null", "call_ref", "return_call_ref",
              # rec groups of function types
              "tag", "type-equivalence", "type-canon"]
PASSING += TYPED_REFS

# made to pass by GC: struct, array and i31 types and instructions,
# casts, subtyping with sub / sub final, rec groups of every kind of type
GC = ["array", "array_copy", "array_fill", "array_init_data",
      "array_init_elem", "array_new_data", "array_new_elem", "binary-gc",
      "br_on_cast", "br_on_cast_fail", "extern", "i31", "ref_cast", "ref_eq",
      "ref_test", "struct", "table_init", "table_init64", "type-rec",
      "type-subtyping"]
PASSING += GC

ENGINES = {"interp": "wasmbed.core.interp", "fast": "wasmbed.core.fast"}


def test_lists_are_consistent():
    for name in EXCEPTIONS + LEGACY + TAIL_CALLS + RELAXED:
        assert name in PASSING
    assert not set(MEMORIES) & set(
        PASSING[:-len(MEMORIES) - len(TYPED_REFS) - len(GC)])
    assert not set(TYPED_REFS) & set(PASSING[:-len(TYPED_REFS) - len(GC)])
    assert not set(GC) & set(PASSING[:-len(GC)])
    assert len(set(PASSING)) == len(PASSING)


@needs_spec
@pytest.mark.parametrize("mode", sorted(ENGINES))
@pytest.mark.parametrize("script", PASSING)
def test_wasm3_script_passes(script, mode):
    path = os.path.join(SPEC_JSON, "wasm3", script)
    assert os.path.isdir(path), path
    out = io.StringIO()
    runner = ExecRunner(out=out, mode=mode)
    runner.run_path(path)
    runner.report()
    assert runner.rt.engine.__name__ == ENGINES[mode]
    assert runner.failed == 0, out.getvalue()
    assert runner.passed + sum(runner.skipped.values()) > 0
    assert all(k.startswith("text-format") for k in runner.skipped), runner.skipped


RUNNER_WAT = """(module
  (tag $e (param i32))
  (func (export "null-exn") (result exnref) (ref.null exn))
  (func (export "exn") (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $e (i32.const 1)))
      (unreachable)))
  (func (export "null-func") (result funcref) (ref.null func))
  (func (export "func") (result funcref) (ref.func 0))
  (func (export "id-extern") (param externref) (result externref) (local.get 0))
  (func (export "seven") (result i32) (i32.const 7))
  (func (export "throw") (throw $e (i32.const 2))))"""


def _runner_script(tmp_path, commands):
    import json
    import wasmtime
    (tmp_path / "m.wasm").write_bytes(wasmtime.wat2wasm(RUNNER_WAT))
    cmds = [{"type": "module", "line": 1, "filename": "m.wasm", "module_type": "binary"}]
    for i, (field, args, expected) in enumerate(commands):
        kind = "assert_exception" if expected is None else "assert_return"
        c = {"type": kind, "line": i + 2,
             "action": {"type": "invoke", "field": field, "args": args}}
        if expected is not None:
            c["expected"] = expected
        cmds.append(c)
    path = tmp_path / "kinds.json"
    path.write_text(json.dumps({"source_filename": "spec/wasm3/kinds.wast", "commands": cmds}))
    return str(path)


def test_runner_reference_kinds_and_either(tmp_path, mode):
    null = [{"type": "refnull"}]
    good = [
        ("null-exn", [], null), ("null-exn", [], [{"type": "nullexnref"}]),
        ("null-exn", [], [{"type": "exnref", "value": "null"}]),
        ("exn", [], [{"type": "exnref"}]),
        ("null-func", [], [{"type": "nullfuncref"}]), ("null-func", [], null),
        ("func", [], [{"type": "funcref"}]),
        ("id-extern", [{"type": "externref", "value": "3"}], [{"type": "externref", "value": "3"}]),
        ("id-extern", [{"type": "nullexternref"}], [{"type": "nullexternref"}]),
        ("seven", [], [{"type": "either", "values": [{"type": "i32", "value": "6"},
                                                     {"type": "i32", "value": "7"}]}]),
        ("throw", [], None),
    ]
    bad = [
        ("exn", [], null), ("null-exn", [], [{"type": "exnref"}]),
        ("func", [], [{"type": "nullfuncref"}]),
        ("id-extern", [{"type": "externref", "value": "3"}], [{"type": "refnull"}]),
        ("seven", [], [{"type": "either", "values": [{"type": "i32", "value": "6"},
                                                     {"type": "i32", "value": "8"}]}]),
        ("seven", [], None),
    ]
    out = io.StringIO()
    runner = ExecRunner(out=out, mode=mode)
    runner.run_path(_runner_script(tmp_path, good + bad))
    assert runner.skipped == {}
    assert (runner.passed, runner.failed) == (1 + len(good), len(bad)), out.getvalue()
    assert [int(l.split(":")[1]) for l in out.getvalue().splitlines()] == \
        list(range(2 + len(good), 2 + len(good) + len(bad)))
