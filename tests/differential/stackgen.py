"""Random structured programs that stress the interpreter's lowering.

wasm-smith rarely makes branches that carry values, so the paths of
wasmbed/core/lower.py that move values on a branch (``br``/``br_if``/
``br_table`` to blocks with results, loops with parameters, ``if`` with
parameters) and its lazy locals (``local.get`` left on the stack while
``local.set``/``local.tee`` overwrite the local, results forwarded into
locals) get few cases from it. ``program(seed)`` writes a valid module in
text form that is mostly made of those: i32 and i64 values, multi-value
blocks, value-carrying branches, locals read and written around them,
calls with several results, f32/f64 values (NaN payloads included) moved
through all of that and checked bit for bit. Every loop header takes one unit from a fuel
global (trap "unreachable" at zero), so every call ends. A checksum global
folds in local values at random points, so the comparison sees them.

The choices come from SHAKE-256 of the seed: the same seed makes the same
module on every host.
"""

import hashlib

# Binary operations per type. Floats get only the bitwise ones (their
# results are exact, NaN payloads included), so no NaN nondeterminism.
OPS = {
    "i32": ("i32.add", "i32.sub", "i32.mul", "i32.xor", "i32.and", "i32.or",
            "i32.shl", "i32.shr_s", "i32.rotl", "i32.lt_s", "i32.eq",
            "i32.ne", "i32.gt_u"),
    "i64": ("i64.add", "i64.sub", "i64.mul", "i64.xor", "i64.shr_u",
            "i64.rotr"),
    "f32": ("f32.copysign",),
    "f64": ("f64.copysign",),
}
UNOPS = {"i32": ("i32.eqz", "i32.clz", "i32.extend8_s"),
         "i64": ("i64.popcnt", "i64.extend32_s"),
         "f32": ("f32.neg", "f32.abs"), "f64": ("f64.neg", "f64.abs")}
UNOP_RESULT = {"i32.eqz": "i32", "i32.clz": "i32", "i32.extend8_s": "i32",
               "i64.popcnt": "i64", "i64.extend32_s": "i64"}
TYPES = ("i32", "i32", "i32", "i64", "i64", "f32", "f64")
FCONSTS = ("0", "-0", "1.5", "-inf", "nan", "-nan", "nan:0x200000",
           "nan:0x1", "0x1p-149", "-0x1.fffffep+127")
CMPS = ("i32.eq", "i32.ne", "i32.lt_s", "i32.lt_u", "i32.gt_s", "i32.ge_u",
        "i32.le_s")


# fold the top value of a type into a checksum global, bits exactly
CHECKSUM = {
    "i32": "global.get $chk i32.xor global.set $chk",
    "i64": "global.get $chk64 i64.xor global.set $chk64",
    "f32": "i32.reinterpret_f32 global.get $chk i32.xor global.set $chk",
    "f64": "i64.reinterpret_f64 global.get $chk64 i64.xor global.set $chk64",
}


class _Rng:
    def __init__(self, seed):
        self.buf = hashlib.shake_256(b"wasmbed-stackgen-%d" % seed).digest(1 << 16)
        self.pos = 0

    def below(self, n):
        if self.pos + 4 > len(self.buf):
            self.buf = hashlib.sha512(self.buf).digest() * 1024
            self.pos = 0
        v = int.from_bytes(self.buf[self.pos:self.pos + 4], "little")
        self.pos += 4
        return v % n

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, k, n):
        return self.below(n) < k


class _Frame:
    def __init__(self, kind, params, results):
        self.kind = kind          # "block" | "loop" | "if" | "func"
        self.params = params
        self.results = results

    def label_types(self):
        return self.params if self.kind == "loop" else self.results


class _Gen:
    def __init__(self, seed):
        self.r = _Rng(seed)
        self.lines = []
        self.budget = 0

    def emit(self, depth, text):
        self.lines.append("  " * depth + text)

    # -- values -------------------------------------------------------------
    def const(self, t):
        if t[0] == "f":
            v = self.r.choice(FCONSTS)
            if t == "f64" and v.startswith("nan:0x2"):
                v = "nan:0x4000000000000"
            elif t == "f64" and v == "-0x1.fffffep+127":
                v = "-0x1.fffffffffffffp+1023"
            return "%s.const %s" % (t, v)
        v = self.r.choice((0, 1, 2, 3, 7, -1, 0x7FFFFFFF, -0x80000000, 255, 64, 31))
        return "%s.const %d" % (t, v)

    def push(self, depth, t, stack, locals_):
        """Push a value of type t with a cheap instruction."""
        cands = [i for i, lt in enumerate(locals_) if lt == t]
        k = self.r.below(4)
        if k < 2 and cands:
            self.emit(depth, "local.get %d" % self.r.choice(cands))
        elif k == 2 and t == "i32":
            self.emit(depth, "global.get $g")
        else:
            self.emit(depth, self.const(t))
        stack.append(t)

    def fit(self, depth, stack, want, locals_):
        """Make the stack exactly `want` (drop or fix the top values)."""
        # keep the common prefix, drop the rest, push what is missing
        n = 0
        while n < len(stack) and n < len(want) and stack[n] == want[n]:
            n += 1
        while len(stack) > n:
            t = stack.pop()
            if self.r.chance(1, 3) and any(lt == t for lt in locals_):
                self.emit(depth, "local.set %d" % self.r.choice(
                    [i for i, lt in enumerate(locals_) if lt == t]))
            else:
                self.emit(depth, "drop")
        for t in want[n:]:
            self.push(depth, t, stack, locals_)

    # -- bodies -------------------------------------------------------------
    def body(self, depth, stack, frames, locals_, nresults_func):
        """Instructions until the budget or a branch away; returns True when
        the code after is unreachable."""
        steps = 2 + self.r.below(8)
        for _ in range(steps):
            if self.budget <= 0:
                return False
            self.budget -= 1
            k = self.r.below(22)
            if k < 4:
                self.push(depth, self.r.choice(TYPES), stack, locals_)
            elif k < 7 and stack:
                # local.set / local.tee of the top value (with the same
                # local often also lower on the stack, lazily)
                t = stack[-1]
                cands = [i for i, lt in enumerate(locals_) if lt == t]
                if cands:
                    op = "local.tee" if self.r.chance(1, 2) else "local.set"
                    self.emit(depth, "%s %d" % (op, self.r.choice(cands)))
                    if op == "local.set":
                        stack.pop()
            elif k < 9 and len(stack) >= 2 and stack[-1] == stack[-2]:
                t = stack[-1]
                self.emit(depth, self.r.choice(OPS[t]))
                stack.pop()
            elif k == 9 and len(stack) >= 3 and stack[-1] == "i32" and stack[-2] == stack[-3]:
                self.emit(depth, "select")
                stack.pop()
                stack.pop()
            elif k == 10 and stack:
                t = stack.pop()
                if self.r.chance(2, 3):
                    self.emit(depth, CHECKSUM[t])
                else:
                    self.emit(depth, "drop")
            elif k == 11 and stack:
                t = stack[-1]
                op = self.r.choice(UNOPS[t])
                self.emit(depth, op)
                stack[-1] = UNOP_RESULT.get(op, t)
            elif k < 15:
                self.block(depth, stack, frames, locals_, nresults_func)
            elif k < 17:
                if self.branch(depth, stack, frames, locals_):
                    return True
            elif k == 17:
                self.call(depth, stack, locals_)
            elif k == 18 and self.r.chance(1, 4):
                self.ensure_top(depth, stack, frames[0].results, locals_)
                self.emit(depth, "return")
                return True
            elif k == 19:
                # checksum a local
                cands = [i for i, lt in enumerate(locals_) if lt == "i32"]
                if cands:
                    self.emit(depth, "global.get $chk local.get %d i32.add global.set $chk"
                              % self.r.choice(cands))
            else:
                # compare feeding a branch or an if: fusion in the lowering
                if len(stack) >= 2 and stack[-1] == stack[-2] == "i32":
                    self.emit(depth, self.r.choice(CMPS))
                    stack.pop()
        return False

    def types(self, maxn):
        return [self.r.choice(TYPES) for _ in range(self.r.below(maxn + 1))]

    def block(self, depth, stack, frames, locals_, nres):
        if depth > 14:
            return
        kind = self.r.choice(("block", "block", "loop", "if"))
        np_ = self.r.below(min(3, len(stack) + 1))
        # parameters must be the top np_ values
        params = stack[len(stack) - np_:] if np_ else []
        results = self.types(2)
        if kind == "if":
            if not stack or stack[-1] != "i32":
                self.push(depth, "i32", stack, locals_)
            stack.pop()
            np_ = self.r.below(min(3, len(stack) + 1))
            params = stack[len(stack) - np_:] if np_ else []
        sig = ""
        if params:
            sig += " (param %s)" % " ".join(params)
        if results:
            sig += " (result %s)" % " ".join(results)
        self.emit(depth, kind + sig)
        del stack[len(stack) - len(params):]
        frame = _Frame(kind, list(params), results)
        frames.append(frame)
        if kind == "loop":
            self.emit(depth + 1, "global.get $fuel i32.eqz if unreachable end")
            self.emit(depth + 1, "global.get $fuel i32.const 1 i32.sub global.set $fuel")
        inner = list(params)
        dead = self.body(depth + 1, inner, frames, locals_, nres)
        if not dead:
            self.fit(depth + 1, inner, list(results), locals_)
        if kind == "if" and self.r.chance(2, 3):
            self.emit(depth, "else")
            inner = list(params)
            dead = self.body(depth + 1, inner, frames, locals_, nres)
            if not dead:
                self.fit(depth + 1, inner, list(results), locals_)
        elif kind == "if" and list(params) != list(results):
            # an if without else needs params == results
            self.emit(depth, "else")
            inner = list(params)
            self.fit(depth + 1, inner, list(results), locals_)
        frames.pop()
        self.emit(depth, "end")
        stack.extend(results)

    def ensure_top(self, depth, stack, want, locals_):
        """Make the top values of the stack have the types `want` (pushing
        fresh values unless they already do)."""
        n = len(want)
        if n and (len(stack) < n or stack[len(stack) - n:] != list(want)):
            for t in want:
                self.push(depth, t, stack, locals_)

    def branch(self, depth, stack, frames, locals_):
        """br / br_if / br_table to an enclosing label carrying its values.
        -> True when unconditional (the rest of the block is dead)."""
        d = self.r.below(len(frames))
        target = frames[-1 - d]
        want = target.label_types()
        if target.kind == "loop" and self.r.chance(1, 2):
            return False    # fewer back edges: each costs fuel
        kind = self.r.choice(("br", "br_if", "br_if", "br_table"))
        self.ensure_top(depth, stack, want, locals_)
        if kind == "br":
            self.emit(depth, "br %d" % d)
            return True
        if kind == "br_table":
            # every target of a br_table takes the same types
            ds = [i for i in range(len(frames))
                  if frames[-1 - i].label_types() == want]
            self.push(depth, "i32", stack, locals_)
            tgts = [str(self.r.choice(ds)) for _ in range(self.r.below(4))]
            self.emit(depth, "br_table %s" % " ".join(tgts + [str(d)]))
            return True
        if self.r.chance(1, 2):
            # a comparison right before br_if: fused in the lowering
            self.push(depth, "i32", stack, locals_)
            self.emit(depth, "i32.const %d" % self.r.choice((0, 1, 5)))
            self.emit(depth, self.r.choice(CMPS))
        else:
            self.push(depth, "i32", stack, locals_)
        stack.pop()
        self.emit(depth, "br_if %d" % d)
        return False

    def call(self, depth, stack, locals_):
        """call $h: (i32 i64) -> (i64 i32)."""
        self.ensure_top(depth, stack, ["i32", "i64"], locals_)
        self.emit(depth, "call $h")
        del stack[-2:]
        stack.extend(["i64", "i32"])

    # -- module -------------------------------------------------------------
    def function(self, name, params, results):
        nloc = 2 + self.r.below(4)
        locals_ = list(params) + [self.r.choice(TYPES) for _ in range(nloc)]
        sig = ""
        if params:
            sig += " (param %s)" % " ".join(params)
        if results:
            sig += " (result %s)" % " ".join(results)
        self.emit(1, '(func (export "%s")%s' % (name, sig))
        self.emit(2, "(local %s)" % " ".join(locals_[len(params):]))
        self.budget = 40 + self.r.below(80)
        stack = []
        frames = [_Frame("func", [], list(results))]
        dead = self.body(2, stack, frames, locals_, len(results))
        while not dead and self.budget > 0:
            dead = self.body(2, stack, frames, locals_, len(results))
        if not dead:
            self.fit(2, stack, list(results), locals_)
        self.emit(1, ")")


def program(seed):
    """-> the text of a valid module for `seed`."""
    g = _Gen(seed)
    g.emit(0, "(module")
    g.emit(1, '(global $fuel (mut i32) (i32.const 2000))')
    g.emit(1, '(global $g (export "g") (mut i32) (i32.const 5))')
    g.emit(1, '(global $chk (export "chk") (mut i32) (i32.const 0))')
    g.emit(1, '(global $chk64 (export "chk64") (mut i64) (i64.const 0))')
    g.emit(1, "(func $h (param i32 i64) (result i64 i32)")
    g.emit(2, "local.get 1 local.get 0 i64.extend_i32_s i64.add")
    g.emit(2, "local.get 0 i32.const 1 i32.add")
    g.emit(2, "global.get $g local.get 0 i32.xor global.set $g)")
    for i in range(3):
        params = [g.r.choice(TYPES) for _ in range(g.r.below(4))]
        results = [g.r.choice(TYPES) for _ in range(g.r.below(3))]
        g.function("f%d" % i, params, results)
    g.emit(0, ")")
    return "\n".join(g.lines)
