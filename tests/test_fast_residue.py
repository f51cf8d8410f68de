"""Accesses off a local base of unknown alignment through residue views
(core/translate_views.py): for each width, the view starting at the
base's residue, indexed by base >> log2(size) + offset / size. The bytes,
their order, the bounds (trap exactly when an access passes the end, at
every residue), memory.grow between accesses, a base assigned between
accesses, accesses in a loop and in both arms of an if, and f64 NaN bits
must be those of the wasm semantics: wasmtime is the oracle, and each
function also runs on the interpreter."""

import pytest
import wasmtime

import wasmbed
from wasmbed import Trap
from wasmbed.core import translate, translate_views

WAT = r"""
(module
  (memory (export "mem") 1 3)
  (func $grow (param $n i32) (result i32) (memory.grow (local.get $n)))
  ;; i32, u16 and i64 accesses off one base, stores between loads
  (func (export "mix") (param $b i32) (param $v i32) (result i64)
    (i32.store offset=4 (local.get $b) (local.get $v))
    (i32.store offset=8 (local.get $b) (i32.xor (local.get $v) (i32.const 0x5a5a5a5a)))
    (i32.store16 offset=12 (local.get $b) (local.get $v))
    (i32.store16 offset=14 (local.get $b) (i32.const 0xBEEF))
    (i64.add
      (i64.add (i64.extend_i32_u (i32.load offset=4 (local.get $b)))
               (i64.load offset=8 (local.get $b)))
      (i64.add (i64.extend_i32_u (i32.load16_u offset=12 (local.get $b)))
               (i64.mul (i64.extend_i32_u (i32.load16_u offset=14 (local.get $b)))
                        (i64.load offset=0 (local.get $b))))))
  ;; the bytes of a word written through the base, read back one by one
  (func (export "bytes") (param $b i32) (param $v i32) (result i32)
    (i32.store (local.get $b) (local.get $v))
    (i32.store offset=4 (local.get $b) (i32.const 0))
    (i32.or
      (i32.or (i32.load8_u offset=0 (local.get $b))
              (i32.shl (i32.load8_u offset=1 (local.get $b)) (i32.const 8)))
      (i32.or (i32.shl (i32.load8_u offset=2 (local.get $b)) (i32.const 16))
              (i32.shl (i32.load8_u offset=3 (local.get $b)) (i32.const 24)))))
  ;; a load and a store: the run; traps exactly when b + 8 passes the end
  (func (export "edge") (param $b i32) (result i32)
    (i32.store offset=4 (local.get $b) (i32.add (i32.load (local.get $b)) (i32.const 1)))
    (i32.load offset=4 (local.get $b)))
  (func (export "edge64") (param $b i32) (result i64)
    (i64.store offset=8 (local.get $b) (i64.add (i64.load (local.get $b)) (i64.const 1)))
    (i64.load offset=8 (local.get $b)))
  ;; grow between accesses: the second run reads the grown buffer
  (func (export "grow_between") (param $b i32) (param $v i32) (result i32)
    (i32.store (local.get $b) (local.get $v))
    (i32.store offset=4 (local.get $b) (i32.const 7))
    (drop (call $grow (i32.const 1)))
    (i32.store offset=65536 (local.get $b) (i32.load (local.get $b)))
    (i32.store offset=65540 (local.get $b) (i32.load offset=4 (local.get $b)))
    (i32.add (i32.load offset=65536 (local.get $b))
             (i32.mul (i32.load offset=65540 (local.get $b)) (i32.const 3))))
  ;; the base assigned between accesses
  (func (export "reassign") (param $b i32) (result i32) (local $x i32)
    (i32.store (local.get $b) (i32.const 0x01020304))
    (i32.store offset=4 (local.get $b) (i32.const 0x05060708))
    (i32.store offset=8 (local.get $b) (i32.const 0x090A0B0C))
    (local.set $x (i32.load (local.get $b)))
    (local.set $b (i32.add (local.get $b) (i32.const 1)))
    (i32.add (i32.add (local.get $x) (i32.load (local.get $b)))
             (i32.add (i32.load offset=4 (local.get $b)) (i32.load offset=8 (local.get $b)))))
  ;; a loop over a constant base, a call in one arm of an if
  (func (export "loop") (param $b i32) (param $n i32) (result i32) (local $acc i32)
    (i32.store (local.get $b) (i32.const 3))
    (i32.store offset=4 (local.get $b) (i32.const 5))
    (loop $l
      (local.set $acc (i32.add (local.get $acc)
        (i32.add (i32.load (local.get $b)) (i32.load offset=4 (local.get $b)))))
      (i32.store (local.get $b) (i32.add (i32.load (local.get $b)) (local.get $acc)))
      (if (i32.and (local.get $n) (i32.const 1))
        (then (drop (call $grow (i32.const 0)))
              (i32.store offset=4 (local.get $b) (i32.load (local.get $b))))
        (else (i32.store offset=4 (local.get $b)
                (i32.sub (i32.load offset=4 (local.get $b)) (i32.load (local.get $b))))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.xor (local.get $acc) (i32.load offset=4 (local.get $b))))
  ;; a base stepped inside a loop: the loop's accesses cannot use what
  ;; was hoisted before it
  (func (export "walk") (param $b i32) (param $n i32) (result i32) (local $acc i32)
    (i32.store (local.get $b) (i32.const 1))
    (i32.store offset=4 (local.get $b) (i32.const 2))
    (i32.store offset=8 (local.get $b) (i32.const 3))
    (i32.store offset=12 (local.get $b) (i32.const 4))
    (loop $l
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3))
                               (i32.load (local.get $b))))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  ;; f64 through the base keeps NaN bits
  (func (export "f64bits") (param $b i32) (param $bits i64) (result i64)
    (i64.store (local.get $b) (local.get $bits))
    (f64.store offset=8 (local.get $b) (f64.load (local.get $b)))
    (f64.store offset=16 (local.get $b) (f64.load offset=8 (local.get $b)))
    (i64.load offset=16 (local.get $b))))
"""

@pytest.fixture(autouse=True)
def every_function_uses_them(monkeypatch):
    """Residue views wherever a run allows them (translate_views.choose
    loads them only where candidates are dense: clang -O0 frames)."""
    monkeypatch.setattr(translate_views, "PER_RELOAD", 0)


PAGE = 65536
BASES = [0, 1, 2, 3, 5, 6, 7, 1001, 40962, 40963]
EDGES = [PAGE - 9, PAGE - 8, PAGE - 7, PAGE - 6, PAGE - 5, PAGE - 4, PAGE - 1, PAGE,
         PAGE + 3, 0xFFFFFFFF, 0xFFFFFFFC]
EDGES64 = [PAGE - 17, PAGE - 16, PAGE - 15, PAGE - 13, PAGE - 12, PAGE - 9]


def _oracle(name, args):
    """The wasm result (an int or "trap") from wasmtime, on a new instance."""
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, WAT), [])
    try:
        r = inst.exports(store)[name](store, *args)
    except wasmtime.Trap:
        return "trap"
    return r & ((1 << 64) - 1) if r < 0 else r


def _ours(mode, name, args):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)), stack_size=1 << 20)
    try:
        r = inst.call(name, *args)
    except Trap as e:
        assert str(e) == "out of bounds memory access"
        return "trap"
    return r & ((1 << 64) - 1) if r < 0 else r


def _signed(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


CASES = ([("mix", (b, _signed(0x89ABCDEF, 32))) for b in BASES + EDGES64 + EDGES]
         + [("bytes", (b, _signed(0xA1B2C3D4, 32))) for b in BASES]
         + [("edge", (b,)) for b in EDGES]
         + [("edge64", (b,)) for b in EDGES64]
         + [("grow_between", (b, 0x12345)) for b in BASES]
         + [("reassign", (b,)) for b in BASES + [PAGE - 14, PAGE - 13, PAGE - 12, PAGE - 11]]
         + [("loop", (b, n)) for b in (1, 6, 1003) for n in (1, 2, 7)]
         + [("walk", (b, n)) for b in (2, 8, PAGE - 16, PAGE - 15) for n in (1, 4, 5)]
         + [("f64bits", (b, _signed(bits, 64))) for b in (0, 3, 13)
            for bits in (0x7FF4000000000001, 0xFFF8000000000123, 0x3FF0000000000000)])


@pytest.mark.parametrize("mode", ["fast", "interp"])
@pytest.mark.parametrize("name,args", CASES)
def test_residue_accesses_match_wasm(mode, name, args):
    assert _ours(mode, name, args) == _oracle(name, args)


def test_the_runs_use_residue_views():
    """The fast tier's translation of these functions indexes residue
    views (so the cases above exercise them), and keeps the struct
    accessor where an access is alone."""
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    mod = rt.load(wasmtime.wat2wasm(WAT)).module
    names = {e.name: e.index for e in mod.exports}
    src = {n: translate.function_source(mod, i, views=True)[0] for n, i in names.items()
           if n != "mem"}
    for n in ("mix", "grow_between", "reassign", "loop", "f64bits"):
        assert "_R" in src[n], n
    assert "_R16_" in src["mix"] and "_R32_" in src["mix"]
    assert "R64 = " not in src["mix"]     # its accesses were grouped
