"""Differential tests: random structured programs run on the fast tier (at
every translation level) and on the interpreter, which is the reference.

The generator writes well-typed WAT with nested blocks, loops and ifs
(with and without results), br / br_if / br_table to random enclosing
labels (values included), returns, calls, memory traffic, traps and
global updates. Loops only branch back while a fuel counter lasts, so
every program ends. Results, traps, globals and memory must agree.
"""

import random

import pytest
import wasmtime

import wasmbed
from wasmbed import Trap
from wasmbed.core import fast

M32 = 0xFFFFFFFF

BINOPS = ["i32.add", "i32.sub", "i32.mul", "i32.and", "i32.or", "i32.xor",
          "i32.shl", "i32.shr_s", "i32.shr_u", "i32.rotl", "i32.rotr", "i32.eq",
          "i32.ne", "i32.lt_s", "i32.lt_u", "i32.gt_s", "i32.gt_u", "i32.le_s",
          "i32.ge_s", "i32.ge_u"]
BINOPS64 = ["i64.add", "i64.sub", "i64.mul", "i64.and", "i64.or", "i64.xor",
            "i64.shl", "i64.shr_s", "i64.shr_u", "i64.rotl", "i64.rotr"]
CMP64 = ["i64.eq", "i64.lt_s", "i64.lt_u", "i64.gt_s", "i64.ge_s", "i64.le_u"]


class Gen:
    def __init__(self, seed, max_depth, nlocals=4):
        self.r = random.Random(seed)
        self.max_depth = max_depth
        self.nlocals = nlocals
        self.out = []

    def w(self, s):
        self.out.append(s)

    # expressions leave one i32
    def expr(self, d=0):
        r = self.r
        k = r.randrange(12 if d < 3 else 3)
        if k == 0:
            self.w("i32.const %d" % r.choice([0, 1, 2, 7, -1, 0x7FFFFFFF, -0x80000000,
                                                r.randrange(-1000, 1000)]))
        elif k in (1, 2):
            self.w("local.get %d" % r.randrange(self.nlocals + 1))
        elif k in (3, 4):
            self.expr(d + 1)
            self.expr(d + 1)
            self.w(r.choice(BINOPS))
        elif k == 5:
            # a constant right operand (shift and rotate counts, compares
            # with zero), or i64 work wrapped back to i32
            self.expr(d + 1)
            if r.randrange(2):
                self.w("i32.const %d" % r.choice([0, 1, 5, 31, 32, 33, -1]))
                self.w(r.choice(BINOPS))
            else:
                self.w(r.choice(["i64.extend_i32_s", "i64.extend_i32_u"]))
                if r.randrange(2):
                    self.w("i64.const %d" % r.choice([0, 1, 7, 63, 64, -1, -(1 << 63)]))
                else:
                    self.expr(d + 1)
                    self.w("i64.extend_i32_s i64.const 0x10001 i64.mul")
                if r.randrange(3):
                    self.w(r.choice(BINOPS64))
                    self.w("i32.wrap_i64" if r.randrange(2) else "i64.const 33 i64.shr_u i32.wrap_i64")
                else:
                    self.w(r.choice(CMP64))
        elif k == 6:
            self.expr(d + 1)
            self.w("i32.eqz")
        elif k == 7:
            self.expr(d + 1)
            self.expr(d + 1)
            self.expr(d + 1)
            self.w("select")
        elif k == 8:
            self.expr(d + 1)
            self.w("i32.const 1020 i32.and i32.load")
        elif k == 9:
            self.expr(d + 1)
            self.w("local.tee %d" % r.randrange(self.nlocals + 1))
        elif k == 10:
            self.w("global.get $g")
        else:
            self.expr(d + 1)
            self.expr(d + 1)
            self.w("i32.const 1 i32.or")
            self.w(r.choice(["i32.div_u", "i32.rem_u", "i32.div_s", "i32.rem_s"]))

    def cond(self):
        self.expr(1)

    def fuel_check(self):
        # decrements fuel (local $n = nlocals + 1), true while it lasts
        n = self.nlocals + 1
        self.w("local.get %d i32.const 1 i32.sub local.tee %d i32.const 0 i32.gt_s" % (n, n))

    # statements keep the stack as it was; labels: list of (kind, arity)
    def stmts(self, labels, count):
        for _ in range(count):
            if self.stmt(labels):
                return True     # the rest would be unreachable
        return False

    def branch_values(self, arity):
        for _ in range(arity):
            self.expr(1)

    def stmt(self, labels):
        r = self.r
        depth = len(labels)
        k = r.randrange(16)
        if depth < 2 and k < 5:
            k += 5
        if k < 3:
            self.expr()
            self.w("local.set %d" % r.randrange(self.nlocals + 1))
        elif k == 3:
            self.expr()
            self.w("i32.const 1020 i32.and")
            self.expr()
            self.w("i32.store offset=4")
        elif k == 4:
            self.expr()
            self.w("global.set $g")
        elif k in (5, 6, 7) and depth < self.max_depth:
            kind = r.choice(["block", "loop", "if"])
            arity = r.choice([0, 0, 1])
            res = " (result i32)" if arity else ""
            if kind == "if":
                self.cond()
            self.w(kind + res)
            inner = labels + [(kind, arity)]
            ends = self.stmts(inner, r.randrange(1, 6))
            if not ends:
                if kind == "loop" and r.randrange(2):
                    self.fuel_check()
                    self.w("br_if 0")
                self.branch_values(arity)
            if kind == "if":
                self.w("else")
                if not self.stmts(inner, r.randrange(0, 3)):
                    self.branch_values(arity)
            self.w("end")
            if arity:
                self.w("local.set %d" % r.randrange(self.nlocals + 1))
        elif k == 8 and labels:
            t = r.randrange(depth)
            kind, arity = labels[depth - 1 - t]
            if kind == "loop":
                self.fuel_check()
                self.w("br_if %d" % t)
            else:
                self.branch_values(arity)
                self.cond()
                self.w("br_if %d" % t)
                for _ in range(arity):
                    self.w("drop")
        elif k == 9 and labels:
            t = r.randrange(depth)
            kind, arity = labels[depth - 1 - t]
            if kind != "loop":
                self.branch_values(arity)
                self.w("br %d" % t)
                return True
        elif k == 10 and labels:
            # br_table over labels of one arity (loops guarded by fuel)
            arity = r.choice([0, 1])
            cands = [d for d in range(depth)
                     if labels[depth - 1 - d][1] == arity
                     and (labels[depth - 1 - d][0] != "loop" or arity == 0)]
            if not cands:
                return False
            guarded = any(labels[depth - 1 - d][0] == "loop" for d in cands)
            if guarded:
                self.fuel_check()
                self.w("if")
                cands = [d + 1 for d in cands]
            targets = [r.choice(cands) for _ in range(r.randrange(1, 6))]
            self.branch_values(arity)
            self.expr(1)
            self.w("br_table %s %d" % (" ".join(map(str, targets)), r.choice(cands)))
            if guarded:
                self.w("end")
            else:
                return True
        elif k == 11:
            self.expr()
            self.expr()
            self.w("call $helper local.set %d" % r.randrange(self.nlocals + 1))
        elif k == 12 and r.randrange(8) == 0:
            self.expr()
            self.w("return")
            return True
        elif k == 12 and r.randrange(3) == 0:
            self.expr()
            self.w("i32.load offset=65000 local.set %d" % r.randrange(self.nlocals + 1))
        elif k == 13 and r.randrange(6) == 0:
            self.cond()
            self.w("if unreachable end")
        elif k == 14:
            self.expr()
            self.w("i32.const 3 i32.and i32.const 1 call_indirect (type $t)")
            self.w("i32.const 1020 i32.and i32.const 2 i32.store8 offset=1")
        return False

    def program(self, nstmts):
        r = self.r
        self.w("(func (export \"f\") (param i32) (result i32) (local %s)" % " ".join(
            ["i32"] * (self.nlocals + 1)))
        self.w("i32.const %d local.set %d" % (r.randrange(5, 60), self.nlocals + 1))
        ends = self.stmts([], nstmts)
        if not ends:
            self.expr()
        self.w(")")
        return "\n".join(self.out)


PRELUDE = """
  (type $t (func (param i32) (result i32)))
  (memory (export "mem") 1)
  (global $g (export "g") (mut i32) (i32.const 5))
  (table 4 funcref)
  (elem (i32.const 0) $h0 $h1 $h2)
  (func $helper (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.xor global.get $g i32.add)
  (func $h0 (type $t) local.get 0 i32.const 1 i32.add)
  (func $h1 (type $t) local.get 0 i32.const 3 i32.mul global.get $g i32.xor global.set $g
    local.get 0)
  (func $h2 (type $t) local.get 0 i32.const 12 i32.rotr)
"""


def make_module(seed, max_depth, nstmts):
    g = Gen(seed, max_depth)
    return "(module %s %s)" % (PRELUDE, g.program(nstmts))


# (max nesting, statements at the top level)
SHAPES = ((4, 12), (6, 16), (5, 10), (30, 6))


def outcome(wat, mode, arg):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(wat)), stack_size=1 << 20)
    try:
        res = ("ok", inst.call("f", arg))
    except Trap as e:
        res = ("trap", e.message)
    core = inst.core
    return res, core.exports["g"].value, bytes(core.exports["mem"].data[:1100])


@pytest.mark.parametrize("level", [0, 1, 2], ids=["structured", "reduced", "flat"])
@pytest.mark.parametrize("seed", range(60))
def test_random_program_agrees_with_interpreter(seed, level, monkeypatch):
    monkeypatch.setattr(fast, "MIN_LEVEL", level)
    wat = make_module(seed, *SHAPES[seed % len(SHAPES)])
    for arg in (0, 1, -7, seed * 7919):
        assert outcome(wat, "fast", arg) == outcome(wat, "interp", arg), wat
