"""Instruction sequences the interpreter runs as one operation (lower.py:
an address computed by i32.add or a shift by a constant and consumed by a
load or store, a back edge that polls its loop header's flag, copies
before a return), against wasmtime on both tiers: the address arithmetic
wraps at 32 bits before the offset is added (the spec's effective address
is the i32 operand plus the offset, out of bounds when past the memory)."""

import pytest
import wasmtime

import wasmbed
from call_oracle import wasmtime_results, wasmbed_results

WAT = r"""
(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (data (i32.const 65520) "\f0\f1\f2\f3\f4\f5\f6\f7\f8\f9\fa\fb\fc\fd\fe\ff")
  ;; load from base + index
  (func (export "ld_add") (param i32 i32) (result i32)
    (i32.load offset=1 (i32.add (local.get 0) (local.get 1))))
  (func (export "ld8s_add") (param i32 i32) (result i32)
    (i32.load8_s (i32.add (local.get 0) (local.get 1))))
  (func (export "ld64_add") (param i32 i32) (result i64)
    (i64.load16_s offset=2 (i32.add (local.get 0) (local.get 1))))
  ;; load from index << 2 (an address computed by a shift alone)
  (func (export "ld_shl") (param i32) (result i32)
    (i32.load offset=4 (i32.shl (local.get 0) (i32.const 2))))
  ;; load from base + (index << s), either operand order, s taken mod 32
  (func (export "ld_idx") (param i32 i32) (result i32)
    (i32.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))))
  (func (export "ld_idx_rev") (param i32 i32) (result i32)
    (i32.load16_u offset=3
      (i32.add (i32.shl (local.get 1) (i32.const 33)) (local.get 0))))
  ;; the scaled index as a value, not an address
  (func (export "addshl") (param i32 i32) (result i32)
    (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3))))
  ;; stores through the same address forms, read back
  (func (export "st_add") (param i32 i32 i32) (result i32)
    (i32.store16 offset=1 (i32.add (local.get 0) (local.get 1)) (local.get 2))
    (i32.load offset=1 (i32.add (local.get 0) (local.get 1))))
  (func (export "st_idx") (param i32 i32 i64) (result i64)
    (i64.store (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))
               (local.get 2))
    (i64.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))))
  (func (export "st_shl") (param i32 i32) (result i32)
    (i32.store8 offset=7 (i32.shl (local.get 0) (i32.const 1)) (local.get 1))
    (i32.load8_u offset=7 (i32.shl (local.get 0) (i32.const 1))))
  ;; loops whose back edge is a compare + br_if, a br_if, an eqz + br_if
  (func (export "count_cmp") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 3)))
      (br_if $l (i32.lt_s (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "count_if") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0)))
    (local.get 1))
  (func (export "count_ifz") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 2)))
      (br_if $l (i32.eqz (i32.ge_u (local.get 1) (local.get 0)))))
    (local.get 1))
  ;; results carried to the end by copies: a branch and a fallthrough
  (func (export "pick") (param i32 i32 i32) (result i32 i32)
    (block (result i32 i32)
      (br_if 0 (local.get 1) (local.get 2) (local.get 0))
      (drop) (drop)
      (local.get 2) (local.get 1)))
  (func (export "sel") (param i32 i32) (result i32)
    (if (result i32) (local.get 0)
      (then (local.get 1))
      (else (i32.add (local.get 1) (i32.const 1)))))
  ;; zeros stored into locals on the way in (clang's accumulators): the
  ;; interpreter drops them; after a loop header or a branch target a
  ;; zero store is a store (the local may hold anything there)
  (func (export "zero_in") (param i32) (result i32) (local i32 i64)
    (local.set 1 (i32.const 0))
    (local.set 2 (i64.const 0))
    (block
      (br_if 0 (i32.lt_u (local.get 0) (i32.const 2)))
      (local.set 1 (i32.const 0))
      (loop $l
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br_if $l (local.get 0))))
    (i32.add (local.get 1) (i32.wrap_i64 (local.get 2))))
  (func (export "zero_again") (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (local.get 1)))
      (local.set 1 (i32.const 0))
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0)))
    (block
      (br_if 0 (local.get 2))
      (local.set 1 (i32.const 0)))
    (i32.add (local.tee 2 (i32.const 0)) (i32.add (local.get 1) (local.get 2))))
  (func (export "zero_tee") (param i32) (result i32) (local i32)
    (local.set 1 (i32.const 5))
    (i32.add (local.tee 1 (i32.const 0)) (local.get 1)))
)
"""

BIG = 0xFFFFFFFF
CALLS = (
    [("ld_add", [a, b]) for a, b in ((0, 0), (3, 4), (65500, 15), (65532, 0),
                                      (65531, 0), (BIG, 1), (BIG, 5), (0x80000000, 0x80000004),
                                      (65536, BIG), (65535, 0))]
    + [("ld8s_add", [a, b]) for a, b in ((65520, 15), (BIG, 0), (BIG, 1), (65536, 0))]
    + [("ld64_add", [a, b]) for a, b in ((1, 2), (65530, 2), (65531, 2), (BIG, 3))]
    + [("ld_shl", [i]) for i in (0, 1, 3, 16378, 16379, 0x40000000, 0x3FFFFFFF, BIG)]
    + [("ld_idx", [a, i]) for a, i in ((0, 0), (1, 2), (65520, 3), (65520, 4), (4, BIG),
                                       (BIG, 1), (8, 0x40000000), (8, 0xC0000001))]
    + [("ld_idx_rev", [a, i]) for a, i in ((0, 0), (1, 2), (65520, 6), (65520, 7),
                                           (BIG, 2), (3, 0x80000000))]
    + [("addshl", [a, i]) for a, i in ((1, 2), (BIG, 1), (5, 0x20000000), (BIG, BIG))]
    + [("st_add", [a, b, v]) for a, b, v in ((10, 20, 0x1234), (65530, 3, BIG),
                                             (65531, 3, 7), (BIG, 100, 0xABCD),
                                             (0x80000000, 0x80000000, 1))]
    + [("st_idx", [a, i, v]) for a, i, v in ((16, 2, 0x1122334455667788), (65528, 0, 5),
                                             (65529, 0, 5), (8, 0x20000000, 9),
                                             (BIG, 1, 3))]
    + [("st_shl", [i, v]) for i, v in ((0, 0x1FF), (32760, 3), (32764, 3), (0x80000004, 6))]
    + [("count_cmp", [n]) for n in (0, 1, 10, 301)]
    + [("count_if", [n]) for n in (1, 2, 77)]
    + [("count_ifz", [n]) for n in (0, 5, 64)]
    + [("pick", [a, b, c]) for a, b, c in ((0, 1, 2), (1, 3, 4), (BIG, 5, 6))]
    + [("sel", [c, v]) for c, v in ((0, 1), (1, 1), (0, BIG), (2, BIG))]
    + [("zero_in", [n]) for n in (0, 1, 2, 9)]
    + [("zero_again", [n]) for n in (1, 3, 8)]
    + [("zero_tee", [n]) for n in (0, 1)]
)


def _plain(results):
    # several results: a list from wasmtime, a tuple or list from wasmbed
    return [tuple(r) if isinstance(r, (list, tuple)) else r for r in results]


def _args(calls):
    # the API takes signed or unsigned ints; wasmtime wants signed i32/i64
    def s32(x):
        return x - (1 << 32) if x >= 1 << 31 else x

    def s64(x):
        return x - (1 << 64) if x >= 1 << 63 else x
    out = []
    for name, args in calls:
        if name == "st_idx":
            args = [s32(args[0]), s32(args[1]), s64(args[2])]
        else:
            args = [s32(a) for a in args]
        out.append((name, args))
    return out


@pytest.mark.parametrize("mode", ["interp", "fast"])
def test_fused_sequences_agree_with_wasmtime(mode):
    wasm = wasmtime.wat2wasm(WAT)
    calls = _args(CALLS)
    want = _plain(wasmtime_results(wasm, calls))
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasm))
    got = _plain(wasmbed_results(inst, calls))
    bad = [(c, w, g) for c, w, g in zip(calls, want, got) if w != g]
    assert not bad, bad
    assert "trap" in want and want.count("trap") < len(want)


def test_the_interpreter_fuses_them():
    """The shapes above do lower to the fused operations (else the test
    above would check nothing new)."""
    from wasmbed.core.lower import lower_function
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
    m = rt.load(wasmtime.wat2wasm(WAT)).module
    kinds = set()
    polls = 0
    for f in m.funcs:
        for op in lower_function(m, f).ir:
            kinds.add(op[0])
            if op[0] == "br_cmp" and op[-1] is True:
                kinds.add(op[0] + "+poll")
                polls += 1
    for k in ("load_add", "load_idx", "store_add", "store_idx", "addshl",
              "br_cmp+poll"):
        assert k in kinds, k
    # the br_if and eqz + br_if back edges poll as compares with zero
    assert polls >= 3


def test_zero_stores_on_the_way_in_are_dropped():
    from wasmbed.core.lower import lower_function
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
    m = rt.load(wasmtime.wat2wasm(WAT)).module
    names = dict((e.name, e.index) for e in m.exports)

    def copies(name):
        f = m.funcs[names[name] - m.num_imported_funcs]
        return [op for op in lower_function(m, f).ir if op[0] == "copy"]
    # zero_in's three zero stores come before its loop header
    assert not [c for c in copies("zero_in") if c[1] in (1, 2)]
    # zero_again's come after one: each stays an op (a copy, or the
    # add's destination)
    assert copies("zero_again")
