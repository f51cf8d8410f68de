"""The interpreter tier: closures over a register file, an explicit frame stack.

Each function is lowered once per module (lower.py) and turned into a list
of closures once per instance; a closure does one operation on the frame's
register list R and returns the index of the next one. Calls and returns
are not Python calls: their closures return a negative number ~k, and the
loop in ``execute`` switches frames itself, so wasm call depth is bounded
by the exec env's ``stack_size`` bytes, never by the host's recursion
limit. A tail call (return_call, return_call_indirect) replaces the
current frame instead of pushing one, so a chain of them runs in constant
space. Loop back edges and calls poll the instance's terminate flag.
"""

import struct

from wasmbed.core import numeric as N
from wasmbed.core import errors as E
from wasmbed.core.errors import (Trap, WasmError, UncaughtException,
                                 Suspended)
from wasmbed.core.lower import lower_function, FRAME_SLOTS
from wasmbed.core.instance import call_host as _call_host
from wasmbed.core.call_stack import (frame_cost, HOST_FRAME_COST,
                                     RECURSION_ERROR as _RECURSION)
# core/fuel.py (metering), core/host_charge.py (charge_host_memory) and
# core/suspend.py (frozen calls) are imported where used: a board with both off does not hold them.

_unpack_from = struct.unpack_from
_pack_into = struct.pack_into

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
S32 = 0x80000000
S64 = 0x8000000000000000

# kinds of special (frame-switching) operations, the commonest first (the
# executor tests them in this order); entries: see compile_function
SP_RET1 = 0         # return with one result
SP_CALLW = 1        # call of a wasm function known when compiled
SP_RET0 = 2         # return without results
SP_RET = 3          # return with several results
SP_CALL = 4         # call of a host function known when compiled
SP_CALL_IND = 5
SP_CALL_REF = 6     # call_ref: the callee is a reference in a register
SP_RCALL = 7        # return_call: the callee's frame replaces the caller's
SP_RCALL_IND = 8    # return_call_indirect
SP_RCALL_REF = 9    # return_call_ref (the tail calls: kind >= SP_RCALL)


def _trap_oob():
    raise Trap(E.TRAP_MEMORY_OOB)


# ---------------------------------------------------------------------------
# closure factories: binary operations with the hottest ones inlined

def _bin_generic(f, d, a, b, nxt):
    def op(R, nxt=nxt, a=a, b=b, d=d, f=f):
        R[d] = f(R[a], R[b])
        return nxt
    return op


def _i32_add(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = (R[a] + R[b]) & 0xFFFFFFFF
        return nxt
    return op


def _i32_sub(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = (R[a] - R[b]) & 0xFFFFFFFF
        return nxt
    return op


def _i32_mul(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = (R[a] * R[b]) & 0xFFFFFFFF
        return nxt
    return op


def _i32_and(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = R[a] & R[b]
        return nxt
    return op


def _i32_or(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = R[a] | R[b]
        return nxt
    return op


def _i32_xor(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = R[a] ^ R[b]
        return nxt
    return op


def _i32_shl(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = (R[a] << (R[b] & 31)) & 0xFFFFFFFF
        return nxt
    return op


def _i32_shr_u(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = R[a] >> (R[b] & 31)
        return nxt
    return op


def _i32_shr_s(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = (((R[a] ^ 0x80000000) - 0x80000000) >> (R[b] & 31)) & 0xFFFFFFFF
        return nxt
    return op


def _i64_add(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = (R[a] + R[b]) & 0xFFFFFFFFFFFFFFFF
        return nxt
    return op


def _i64_sub(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = (R[a] - R[b]) & 0xFFFFFFFFFFFFFFFF
        return nxt
    return op


def _i64_mul(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = (R[a] * R[b]) & 0xFFFFFFFFFFFFFFFF
        return nxt
    return op


def _i64_shl(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = (R[a] << (R[b] & 63)) & 0xFFFFFFFFFFFFFFFF
        return nxt
    return op


def _i64_shr_u(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = R[a] >> (R[b] & 63)
        return nxt
    return op


def _f64_add(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = R[a] + R[b]
        return nxt
    return op


def _f64_sub(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = R[a] - R[b]
        return nxt
    return op


def _f64_mul(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = R[a] * R[b]
        return nxt
    return op


def _eq(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = 1 if R[a] == R[b] else 0
        return nxt
    return op


def _ne(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = 1 if R[a] != R[b] else 0
        return nxt
    return op


def _lt_u(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = 1 if R[a] < R[b] else 0
        return nxt
    return op


def _gt_u(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = 1 if R[a] > R[b] else 0
        return nxt
    return op


def _le_u(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = 1 if R[a] <= R[b] else 0
        return nxt
    return op


def _ge_u(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = 1 if R[a] >= R[b] else 0
        return nxt
    return op


def _i32_lt_s(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = 1 if (R[a] ^ 0x80000000) < (R[b] ^ 0x80000000) else 0
        return nxt
    return op


def _i32_gt_s(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = 1 if (R[a] ^ 0x80000000) > (R[b] ^ 0x80000000) else 0
        return nxt
    return op


def _i32_le_s(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = 1 if (R[a] ^ 0x80000000) <= (R[b] ^ 0x80000000) else 0
        return nxt
    return op


def _i32_ge_s(d, a, b, nxt):
    def op(R, a=a, b=b, d=d, nxt=nxt):
        R[d] = 1 if (R[a] ^ 0x80000000) >= (R[b] ^ 0x80000000) else 0
        return nxt
    return op


BIN_FAST = {
    0x6A: _i32_add, 0x6B: _i32_sub, 0x6C: _i32_mul, 0x71: _i32_and,
    0x72: _i32_or, 0x73: _i32_xor, 0x74: _i32_shl, 0x75: _i32_shr_s,
    0x76: _i32_shr_u,
    0x7C: _i64_add, 0x7D: _i64_sub, 0x7E: _i64_mul, 0x83: _i32_and,
    0x84: _i32_or, 0x85: _i32_xor, 0x86: _i64_shl, 0x88: _i64_shr_u,
    0xA0: _f64_add, 0xA1: _f64_sub, 0xA2: _f64_mul,
    0x46: _eq, 0x47: _ne, 0x48: _i32_lt_s, 0x49: _lt_u, 0x4A: _i32_gt_s,
    0x4B: _gt_u, 0x4C: _i32_le_s, 0x4D: _le_u, 0x4E: _i32_ge_s, 0x4F: _ge_u,
    0x51: _eq, 0x52: _ne, 0x54: _lt_u, 0x56: _gt_u, 0x58: _le_u, 0x5A: _ge_u,
    # f64 compares: Python's float comparisons follow IEEE (NaN unordered)
    0x61: _eq, 0x62: _ne, 0x63: _lt_u, 0x64: _gt_u, 0x65: _le_u, 0x66: _ge_u,
}
if N.soft:  # soft float mode: f64 values are bits, numeric computes them
    for _o in (0xA0, 0xA1, 0xA2, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66):
        del BIN_FAST[_o]

# Comparison predicates on raw register values for fused compare+branch.
# (signed ones flip the sign bit; float ones are plain Python comparisons
# on f64 floats; f32 compares go through numeric.)
_CMP_FLIP = {0x48: S32, 0x4A: S32, 0x4C: S32, 0x4E: S32,
             0x53: S64, 0x55: S64, 0x57: S64, 0x59: S64}
_CMP_KIND = {}
# compares from f32.eq up to this one go through numeric (soft: f64 too)
_LAST_NUMERIC_CMP = 0x66 if N.soft else 0x60
for _o in (0x46, 0x51, 0x61):
    _CMP_KIND[_o] = "eq"
for _o in (0x47, 0x52, 0x62):
    _CMP_KIND[_o] = "ne"
for _o in (0x48, 0x49, 0x53, 0x54, 0x63):
    _CMP_KIND[_o] = "lt"
for _o in (0x4A, 0x4B, 0x55, 0x56, 0x64):
    _CMP_KIND[_o] = "gt"
for _o in (0x4C, 0x4D, 0x57, 0x58, 0x65):
    _CMP_KIND[_o] = "le"
for _o in (0x4E, 0x4F, 0x59, 0x5A, 0x66):
    _CMP_KIND[_o] = "ge"
del _o


def _br_cmp(opid, a, b, tgt, cp, nxt, negate, term=None):
    """Branch to tgt (after copies cp) when the comparison holds, or when
    it fails if negate. ``term``: a back edge's terminate flag (the branch
    polls it when taken, for the loop header's poll it skips; never with
    negate)."""
    kind = _CMP_KIND.get(opid)
    flip = _CMP_FLIP.get(opid, 0)
    if cp or kind is None or 0x5B <= opid <= _LAST_NUMERIC_CMP:
        f = N.BINOP[opid]
        want = 0 if negate else 1

        def op(R, term=term, cp=cp, want=want, nxt=nxt, a=a, b=b, f=f, tgt=tgt):
            if (1 if f(R[a], R[b]) else 0) == want:
                for d, s in cp:
                    R[d] = R[s]
                if term is not None and term[0] is not None:
                    _check_term(term)
                return tgt
            return nxt
        return op
    if term is not None:
        # a back edge: poll when taken (the values past four as defaults,
        # so that a MicroPython call of the closure needs no heap)
        if flip:
            if kind == "lt":
                def op(R, flip=flip, term=term, a=a, b=b, nxt=nxt, tgt=tgt):
                    if (R[a] ^ flip) < (R[b] ^ flip):
                        if term[0] is not None:
                            _check_term(term)
                        return tgt
                    return nxt
            elif kind == "gt":
                def op(R, flip=flip, term=term, a=a, b=b, nxt=nxt, tgt=tgt):
                    if (R[a] ^ flip) > (R[b] ^ flip):
                        if term[0] is not None:
                            _check_term(term)
                        return tgt
                    return nxt
            elif kind == "le":
                def op(R, flip=flip, term=term, a=a, b=b, nxt=nxt, tgt=tgt):
                    if (R[a] ^ flip) <= (R[b] ^ flip):
                        if term[0] is not None:
                            _check_term(term)
                        return tgt
                    return nxt
            else:
                def op(R, flip=flip, term=term, a=a, b=b, nxt=nxt, tgt=tgt):
                    if (R[a] ^ flip) >= (R[b] ^ flip):
                        if term[0] is not None:
                            _check_term(term)
                        return tgt
                    return nxt
            return op
        if kind == "eq":
            def op(R, term=term, a=a, b=b, nxt=nxt, tgt=tgt):
                if R[a] == R[b]:
                    if term[0] is not None:
                        _check_term(term)
                    return tgt
                return nxt
        elif kind == "ne":
            def op(R, term=term, a=a, b=b, nxt=nxt, tgt=tgt):
                if R[a] != R[b]:
                    if term[0] is not None:
                        _check_term(term)
                    return tgt
                return nxt
        elif kind == "lt":
            def op(R, term=term, a=a, b=b, nxt=nxt, tgt=tgt):
                if R[a] < R[b]:
                    if term[0] is not None:
                        _check_term(term)
                    return tgt
                return nxt
        elif kind == "gt":
            def op(R, term=term, a=a, b=b, nxt=nxt, tgt=tgt):
                if R[a] > R[b]:
                    if term[0] is not None:
                        _check_term(term)
                    return tgt
                return nxt
        elif kind == "le":
            def op(R, term=term, a=a, b=b, nxt=nxt, tgt=tgt):
                if R[a] <= R[b]:
                    if term[0] is not None:
                        _check_term(term)
                    return tgt
                return nxt
        else:
            def op(R, term=term, a=a, b=b, nxt=nxt, tgt=tgt):
                if R[a] >= R[b]:
                    if term[0] is not None:
                        _check_term(term)
                    return tgt
                return nxt
        return op
    if negate:
        tgt, nxt = nxt, tgt
    if flip:
        if kind == "lt":
            def op(R, flip=flip, a=a, b=b, nxt=nxt, tgt=tgt):
                return tgt if (R[a] ^ flip) < (R[b] ^ flip) else nxt
        elif kind == "gt":
            def op(R, flip=flip, a=a, b=b, nxt=nxt, tgt=tgt):
                return tgt if (R[a] ^ flip) > (R[b] ^ flip) else nxt
        elif kind == "le":
            def op(R, flip=flip, a=a, b=b, nxt=nxt, tgt=tgt):
                return tgt if (R[a] ^ flip) <= (R[b] ^ flip) else nxt
        else:
            def op(R, flip=flip, a=a, b=b, nxt=nxt, tgt=tgt):
                return tgt if (R[a] ^ flip) >= (R[b] ^ flip) else nxt
        return op
    if kind == "eq":
        def op(R, a=a, b=b, nxt=nxt, tgt=tgt):
            return tgt if R[a] == R[b] else nxt
    elif kind == "ne":
        def op(R, a=a, b=b, nxt=nxt, tgt=tgt):
            return tgt if R[a] != R[b] else nxt
    elif kind == "lt":
        def op(R, a=a, b=b, nxt=nxt, tgt=tgt):
            return tgt if R[a] < R[b] else nxt
    elif kind == "gt":
        def op(R, a=a, b=b, nxt=nxt, tgt=tgt):
            return tgt if R[a] > R[b] else nxt
    elif kind == "le":
        def op(R, a=a, b=b, nxt=nxt, tgt=tgt):
            return tgt if R[a] <= R[b] else nxt
    else:
        def op(R, a=a, b=b, nxt=nxt, tgt=tgt):
            return tgt if R[a] >= R[b] else nxt
    return op


def _un_generic(f, d, a, nxt):
    def op(R, a=a, d=d, f=f, nxt=nxt):
        R[d] = f(R[a])
        return nxt
    return op


def _eqz(d, a, nxt):
    def op(R, a=a, d=d, nxt=nxt):
        R[d] = 0 if R[a] else 1
        return nxt
    return op


def _wrap(d, a, nxt):
    def op(R, a=a, d=d, nxt=nxt):
        R[d] = R[a] & 0xFFFFFFFF
        return nxt
    return op


def _extend_u(d, a, nxt):
    def op(R, a=a, d=d, nxt=nxt):
        R[d] = R[a]
        return nxt
    return op


def _extend_s(d, a, nxt):
    def op(R, a=a, d=d, nxt=nxt):
        R[d] = ((R[a] ^ 0x80000000) - 0x80000000) & 0xFFFFFFFFFFFFFFFF
        return nxt
    return op


UN_FAST = {0x45: _eqz, 0x50: _eqz, 0xA7: _wrap, 0xAD: _extend_u,
           0xAC: _extend_s}

_F64_FMT = "<Q" if N.soft else "<d"   # soft float mode: f64 as bits
# loads: (struct format, mask applied to sign-extend into the result type)
LOAD_FMT = {
    0x28: ("<I", 0), 0x29: ("<Q", 0), 0x2A: ("<I", 0), 0x2B: (_F64_FMT, 0),
    0x2C: ("<b", M32), 0x2D: ("<B", 0), 0x2E: ("<h", M32), 0x2F: ("<H", 0),
    0x30: ("<b", M64), 0x31: ("<B", 0), 0x32: ("<h", M64), 0x33: ("<H", 0),
    0x34: ("<i", M64), 0x35: ("<I", 0),
}
# stores: (struct format, mask applied to the value)
STORE_FMT = {
    0x36: ("<I", 0), 0x37: ("<Q", 0), 0x38: ("<I", 0), 0x39: (_F64_FMT, 0),
    0x3A: ("<B", 0xFF), 0x3B: ("<H", 0xFFFF), 0x3C: ("<B", 0xFF),
    0x3D: ("<H", 0xFFFF), 0x3E: ("<I", M32),
}
del _F64_FMT


def _load(M, fmt, mask, d, a, off, nxt):
    # (the values past four as defaults: see _at)
    if mask:
        def op(R, mask=mask, off=off, nxt=nxt, M=M, a=a, d=d, fmt=fmt):
            try:
                R[d] = _unpack_from(fmt, M.data, R[a] + off)[0] & mask
            except Exception:
                _trap_oob()
            return nxt
    else:
        def op(R, off=off, nxt=nxt, M=M, a=a, d=d, fmt=fmt):
            try:
                R[d] = _unpack_from(fmt, M.data, R[a] + off)[0]
            except Exception:
                _trap_oob()
            return nxt
    return op


def _store(M, fmt, mask, a, v, off, nxt):
    if mask:
        def op(R, mask=mask, off=off, nxt=nxt, M=M, a=a, fmt=fmt, v=v):
            try:
                _pack_into(fmt, M.data, R[a] + off, R[v] & mask)
            except Exception:
                _trap_oob()
            return nxt
    else:
        def op(R, off=off, nxt=nxt, M=M, a=a, fmt=fmt, v=v):
            try:
                _pack_into(fmt, M.data, R[a] + off, R[v])
            except Exception:
                _trap_oob()
            return nxt
    return op


def _at(k, M, fmt, mask, r, off, x, y, s, nxt):
    """Ops that compute an address (memory 0, 32-bit) from the add or
    shift before them (lower.py): R[x] + (R[y] << s) (s 0 for an add),
    wrapped to 32 bits, + off; k "load": into R[r], "store": R[r] there,
    "addshl": the sum itself into R[r] (off, M unused). The values past
    four are defaults: MicroPython copies a closure's captured values and
    its arguments into one array, on the C stack when they are at most
    five, else on the heap (allocated and freed per call; in a full heap
    that collects or fails). Every op closure called per instruction keeps
    to four captured values for that reason (tests/test_interp_heap.py)."""
    if k == "addshl":
        def op(R, r=r, nxt=nxt, s=s, x=x, y=y):
            R[r] = (R[x] + (R[y] << s)) & 0xFFFFFFFF
            return nxt
    elif k == "load":
        if mask:
            def op(R, M=M, fmt=fmt, mask=mask, r=r, off=off, nxt=nxt, s=s, x=x, y=y):
                try:
                    R[r] = _unpack_from(fmt, M.data, ((R[x] + (R[y] << s)) & 0xFFFFFFFF)
                                        + off)[0] & mask
                except Exception:
                    _trap_oob()
                return nxt
        else:
            def op(R, M=M, fmt=fmt, r=r, off=off, nxt=nxt, s=s, x=x, y=y):
                try:
                    R[r] = _unpack_from(fmt, M.data, ((R[x] + (R[y] << s)) & 0xFFFFFFFF)
                                        + off)[0]
                except Exception:
                    _trap_oob()
                return nxt
    elif mask:
        def op(R, M=M, fmt=fmt, mask=mask, r=r, off=off, nxt=nxt, s=s, x=x, y=y):
            try:
                _pack_into(fmt, M.data, ((R[x] + (R[y] << s)) & 0xFFFFFFFF) + off,
                           R[r] & mask)
            except Exception:
                _trap_oob()
            return nxt
    else:
        def op(R, M=M, fmt=fmt, r=r, off=off, nxt=nxt, s=s, x=x, y=y):
            try:
                _pack_into(fmt, M.data, ((R[x] + (R[y] << s)) & 0xFFFFFFFF) + off,
                           R[r])
            except Exception:
                _trap_oob()
            return nxt
    return op


class Compiled:
    """One function's closures for one instance. ``handlers``: None, or
    its try_tables as ``(start, end, clauses)`` (see Lowered.handlers)
    with each clause ``(kind, Tag or None, (pos, dst, save))``, or the
    handler index a legacy delegate goes on from. ``run`` is what the
    executor loads when it enters or returns to a frame of it: ``(code,
    specials, cost, template)``, one tuple read instead of four attributes."""

    __slots__ = ("code", "specials", "template", "nparams", "cost", "handlers",
                 "inst", "run")

    def __init__(self, code, specials, template, nparams, handlers, inst,
                 slots):
        self.code = code
        self.specials = specials
        # its own copy (the Lowered one is shared by every instance), the
        # last slot this Compiled: a frame's R names its function's code
        self.template = template = list(template)
        template[-1] = self
        self.nparams = nparams
        self.cost = frame_cost(slots)
        self.handlers = handlers
        self.inst = inst
        self.run = (code, specials, self.cost, template)


# the closures that return ~k (frame switch k: see run_frames), shared by
# every function (on a board each costs about 48 bytes of heap)
_SWITCH_OPS = []


def _switch_op(k):
    ops = _SWITCH_OPS
    while len(ops) <= k:
        def op(R, r=~len(ops)):
            return r
        ops.append(op)
    return ops[k]


def compile_function(inst, fn, meter=None):
    """Build (and cache on fn) the closures of WasmFunction fn; with a
    fuel.Meter, its metered closures (cached in meter.code)."""
    defn = fn.defn
    if meter is not None:
        from wasmbed.core import fuel as _fuel
        low = _fuel.lowered(inst.module, defn)
    else:
        low = defn.compiled
    if low is None:
        acct = getattr(inst.module, "host_account", None)
        if acct is not None:
            from wasmbed.core.host_charge import lower_cost
            acct.charge(lower_cost(defn), "lowering function %d" % fn.index)
        low = lower_function(inst.module, defn)
        defn.compiled = low
    acct = getattr(inst, "host_account", None)
    if acct is not None:
        from wasmbed.core.host_charge import closure_cost
        acct.charge(closure_cost(defn), "the closures of function %d" % fn.index)
    code = []
    specials = []
    term = inst.term
    mem = inst.memories[0] if inst.memories else None

    def special(entry):
        k = len(specials)
        specials.append(entry)
        return _switch_op(k)

    ir = low.ir
    last = len(ir) - 1
    for i, ins in enumerate(ir):
        k = ins[0]
        nxt = i + 1
        if i < last:
            k2 = ir[nxt][0]
            if k2 == "call" or k2 == "ret":
                # the next op is a frame switch (the next special made):
                # this op returns its ~k itself, one closure call fewer.
                # A call's own return point stays its next index
                # (exceptions find its try ranges from it).
                nxt = ~len(specials)
            elif k2 == "poll":
                # falling into a loop: its header's poll is for the back
                # edges that land on it (the others poll themselves);
                # every path back to here passes one
                nxt = i + 2
        if k == "bin":
            opid = ins[1]
            fac = BIN_FAST.get(opid)
            if fac is not None:
                code.append(fac(ins[2], ins[3], ins[4], nxt))
            else:
                code.append(_bin_generic(N.BINOP[opid], ins[2], ins[3], ins[4], nxt))
        elif k == "un":
            opid = ins[1]
            fac = UN_FAST.get(opid)
            if fac is not None:
                code.append(fac(ins[2], ins[3], nxt))
            else:
                code.append(_un_generic(N.UNOP[opid], ins[2], ins[3], nxt))
        elif k == "copy":
            code.append(_copy(ins[1], ins[2], nxt))
        elif k == "load":
            fmt, mask = LOAD_FMT[ins[1]]
            M = mem if len(ins) == 5 else inst.memories[ins[5]]
            code.append(_load(M, fmt, mask, ins[2], ins[3], ins[4], nxt))
        elif k == "store":
            fmt, mask = STORE_FMT[ins[1]]
            M = mem if len(ins) == 5 else inst.memories[ins[5]]
            code.append(_store(M, fmt, mask, ins[2], ins[3], ins[4], nxt))
        elif k == "load_add" or k == "load_idx":
            fmt, mask = LOAD_FMT[ins[1]]
            code.append(_at("load", mem, fmt, mask, ins[2], ins[3], ins[4], ins[5],
                            ins[6] if len(ins) > 6 else 0, nxt))
        elif k == "store_add" or k == "store_idx":
            fmt, mask = STORE_FMT[ins[1]]
            code.append(_at("store", mem, fmt, mask, ins[2], ins[3], ins[4], ins[5],
                            ins[6] if len(ins) > 6 else 0, nxt))
        elif k == "addshl":
            code.append(_at(k, None, None, 0, ins[1], 0, ins[2], ins[3], ins[4], nxt))
        elif k == "br":
            code.append(_br(ins[1], ins[2]))
        elif k == "br_if":
            code.append(_br_if(ins[1], ins[2], ins[3], nxt))
        elif k == "br_ifz":
            code.append(_br_ifz(ins[1], ins[2], ins[3], nxt))
        elif k == "br_cmp":
            code.append(_br_cmp(ins[1], ins[2], ins[3], ins[4], ins[5], nxt, False,
                                term if len(ins) > 6 else None))
        elif k == "br_ncmp":
            code.append(_br_cmp(ins[1], ins[2], ins[3], ins[4], (), nxt, True))
        elif k == "br_table":
            code.append(_br_table(ins[1], ins[2], ins[3], ins[4]))
        elif k == "poll":
            code.append(_poll(term, nxt))
        elif k == "br_poll":
            code.append(_poll(term, ins[1]))
        elif k == "select":
            code.append(_select(ins[1], ins[2], ins[3], ins[4], nxt))
        elif k == "call":
            f = inst.funcs[ins[1]]
            code.append(special((SP_CALL if f.host is not None else SP_CALLW, f,
                                 ins[2], ins[2] + ins[3], i + 1, (ins[2], i + 1), term)))
        elif k == "call_ind":
            code.append(special((SP_CALL_IND, inst.module.types[ins[1]],
                                 inst.tables[ins[2]], ins[3], ins[4], ins[4] + ins[5],
                                 i + 1, (ins[4], i + 1), term)))
        elif k == "ret":
            n = len(ins[1])
            code.append(special((SP_RET1, ins[1][0]) if n == 1 else
                                (SP_RET0,) if n == 0 else (SP_RET, ins[1])))
        elif k == "rcall":
            code.append(special((SP_RCALL, inst.funcs[ins[1]], ins[2], ins[2] + ins[3],
                                 term)))
        elif k == "call_ref":
            code.append(special((SP_CALL_REF, ins[1], ins[2], ins[2] + ins[3], i + 1,
                                 (ins[2], i + 1), term)))
        elif k == "rcall_ref":
            code.append(special((SP_RCALL_REF, ins[1], ins[2], ins[2] + ins[3], term)))
        elif k == "rcall_ind":
            code.append(special((SP_RCALL_IND, inst.module.types[ins[1]],
                                 inst.tables[ins[2]], ins[3], ins[4], ins[4] + ins[5],
                                 term)))
        elif k == "gget":
            code.append(_gget(inst.globals[ins[2]], ins[1], nxt))
        elif k == "gset":
            code.append(_gset(inst.globals[ins[1]], ins[2], nxt))
        elif k == "unreachable":
            code.append(_unreachable)
        elif k == "fuel":
            code.append(_fuel.charge_op(meter.cell, ins[1], nxt))
        elif k == "fuel_n":
            code.append(_fuel.charge_n_op(meter.cell, ins[1], ins[2], nxt))
        else:
            code.append(_other(inst, ins, nxt, mem))
    handlers = None
    if low.handlers is not None:
        tags = inst.tags
        handlers = tuple(
            (a, b, cl if type(cl) is int else
             tuple((k, tags[x] if x >= 0 else None, (pos, dst, sv))
                   for (k, x, pos, dst, sv) in cl))
            for (a, b, cl) in low.handlers)
    comp = Compiled(code, specials, low.template, low.nparams, handlers, inst,
                    low.slots)
    if meter is not None:
        meter.code[fn] = comp
    else:
        fn.compiled = comp
    return comp


def _copy(d, s, nxt):
    def op(R, d=d, nxt=nxt, s=s):
        R[d] = R[s]
        return nxt
    return op


def _check_term(term):
    e = term[0]
    if e is not None:
        raise e()


def _poll(term, nxt):
    def op(R, nxt=nxt, term=term):
        if term[0] is not None:
            _check_term(term)
        return nxt
    return op


def _br(pos, cp):
    if not cp:
        def op(R, pos=pos):
            return pos
    elif len(cp) == 1:
        d0, s0 = cp[0]

        def op(R, d0=d0, pos=pos, s0=s0):
            R[d0] = R[s0]
            return pos
    else:
        def op(R, cp=cp, pos=pos):
            for d, s in cp:
                R[d] = R[s]
            return pos
    return op


def _br_if(c, pos, cp, nxt):
    if cp:
        def op(R, c=c, cp=cp, nxt=nxt, pos=pos):
            if R[c]:
                for d, s in cp:
                    R[d] = R[s]
                return pos
            return nxt
        return op

    def op(R, c=c, nxt=nxt, pos=pos):
        return pos if R[c] else nxt
    return op


def _br_ifz(c, pos, cp, nxt):
    if cp:
        def op(R, c=c, cp=cp, nxt=nxt, pos=pos):
            if not R[c]:
                for d, s in cp:
                    R[d] = R[s]
                return pos
            return nxt
        return op

    def op(R, c=c, nxt=nxt, pos=pos):
        return nxt if R[c] else pos
    return op


def _br_table(idx, sel, targets, dflt):
    # sel: per label an index into targets, the distinct (position,
    # copies) pairs (lower.py); dflt: the default's index
    n = len(sel)

    def op(R, n=n, dflt=dflt, idx=idx, sel=sel, targets=targets):
        i = R[idx]
        pos, cp = targets[sel[i] if i < n else dflt]
        for d, s in cp:
            R[d] = R[s]
        return pos
    return op


def _select(d, a, b, c, nxt):
    def op(R, nxt=nxt, a=a, b=b, c=c, d=d):
        R[d] = R[a] if R[c] else R[b]
        return nxt
    return op


def _gget(g, d, nxt):
    def op(R, d=d, g=g, nxt=nxt):
        R[d] = g.value
        return nxt
    return op


def _gset(g, s, nxt):
    def op(R, g=g, nxt=nxt, s=s):
        g.value = R[s]
        return nxt
    return op


def _unreachable(R):
    raise Trap(E.TRAP_UNREACHABLE)


def _other(inst, ins, nxt, mem):
    """Everything rare enough not to deserve its own factory above."""
    from wasmbed.core import interp_ops
    return interp_ops.make(inst, ins, nxt, mem)


# ---------------------------------------------------------------------------
# the executor

# the most frames in one chunk of the frame stack (see run_frames)
FRAME_CHUNK = 15


def flat_frames(frames):
    """The callers' R in frame stack chunks ``frames``, outermost first."""
    out = []
    while frames is not None:
        out[0:0] = frames[1:]
        frames = frames[0]
    return out


def execute(env, func, args):
    """Run `func` with `args` (a list of internal values) on exec env `env`.

    Returns the list of results. Raises Trap (with the spec's message),
    Terminated, ProcExit, or another WasmError from host functions. The
    frame stack is a Python list; depth is bounded by env.stack_size bytes.
    """
    if func.host is not None:
        try:
            return _call_host(env, func, args)
        except Suspended as s:
            from wasmbed.core.suspend import freeze
            freeze(s, None, None, None, 0, None)
            raise
    budget = env.stack_size - env.stack_used
    meter = env._fuel
    comp = func.compiled if meter is None else meter.code.get(func)
    if comp is None:
        comp = compile_function(func.instance, func, meter)
    if comp.cost > budget:
        raise Trap(E.TRAP_STACK_EXHAUSTED)
    budget -= comp.cost
    R = list(args) + comp.template
    return run_frames(env, [None], comp, R, 0, func.instance, budget)


def run_frames(env, frames, comp, R, pc, inst, budget):
    """The executor's loop from frame (comp, R) at index pc, below it
    `frames`; `budget` the stack bytes left (inst: comp's instance, which
    R[-1] names too). A Suspended raised on the
    way (a host function's Suspend, fuel running out in suspend mode)
    leaves with the frames frozen in it (resume() continues them).

    A frame is its register list R, nothing else: the last FRAME_SLOTS
    registers hold (from its template) the frame's Compiled, which names
    its instance, and, while it calls, the call site's (result base, next
    index) tuple. ``frames`` holds the callers' R, innermost last, in
    chunks: a chunk is a list of its parent chunk (None for the outermost)
    and up to FRAME_CHUNK R. On a board a frame so costs its list and a
    pointer (about 50 bytes of heap), and a deep stack never needs one
    large block of heap (a list of 512 frames would need 2 KB in one
    piece, which a fragmented heap may not have).

    The loop keeps the current frame's (code, specials, cost) in locals
    (Compiled.run) and nothing of its instance: a call site's entry holds
    its instance's terminate flag, R[-1] the rest."""
    meter = env._fuel
    code, specials, cost, tmpl = comp.run
    while True:
        try:
            while True:
                while pc >= 0:
                    pc = code[pc](R)
                sp = specials[~pc]
                kind = sp[0]
                if kind == SP_RET1:
                    v = R[sp[1]]
                    if len(frames) == 1:
                        if frames[0] is None:
                            return [v]
                        frames = frames[0]
                    budget += cost
                    R = frames.pop()
                    base, pc = R[-2]
                    code, specials, cost, tmpl = R[-1].run
                    R[base] = v
                    continue
                if kind == SP_CALLW:
                    # the shared wasm entry below, specialised (no tail,
                    # no kind tests): about 3% of a call-bound run
                    _k, f, base, end, _n, ret, term = sp
                    if term[0] is not None:
                        _check_term(term)
                    c = f.compiled if meter is None else meter.code.get(f)
                    if c is None:
                        c = compile_function(f.instance, f, meter)
                    R[-2] = ret
                    if len(frames) > FRAME_CHUNK:
                        frames = [frames]
                    frames.append(R)
                    code, specials, cost, tmpl = c.run
                    if cost > budget:
                        raise Trap(E.TRAP_STACK_EXHAUSTED)
                    budget -= cost
                    R = R[base:end] + tmpl
                    pc = 0
                    continue
                if kind <= SP_RET:
                    # a return (SP_RET0, SP_RET): its frame is given back
                    vals = [R[s] for s in sp[1]] if kind == SP_RET else ()
                    budget += cost
                    f = None
                else:
                    # any other call: resolve the callee
                    if kind == SP_CALL or kind == SP_RCALL:
                        f = sp[1]
                        base = sp[2]
                        end = sp[3]
                    elif kind == SP_CALL_IND or kind == SP_RCALL_IND:
                        f = sp[2].callee(R[sp[3]], sp[1])
                        base = sp[4]
                        end = sp[5]
                    else:
                        f = R[sp[1]]
                        if f is None:
                            raise Trap(E.TRAP_NULL_FUNC_REF)
                        base = sp[2]
                        end = sp[3]
                    term = sp[-1]
                    if term[0] is not None:
                        _check_term(term)
                    tail = kind >= SP_RCALL
                    if tail:
                        # this frame gives way to the callee's
                        budget += cost
                        cost = 0
                    else:
                        ret = sp[-2]
                    if f.host is not None:
                        saved = env.stack_used
                        env.stack_used = env.stack_size - budget + HOST_FRAME_COST
                        env.instance = R[-1].inst
                        try:
                            vals = _call_host(env, f, R[base:end])
                        finally:
                            env.stack_used = saved
                        if not tail:
                            R[base:base + len(vals)] = vals
                            pc = ret[1]
                            continue
                        f = None    # a host tail callee's results are this frame's
                if f is not None:
                    # enter wasm function f, its arguments R[base:end]
                    c = f.compiled if meter is None else meter.code.get(f)
                    if c is None:
                        c = compile_function(f.instance, f, meter)
                    if not tail:
                        R[-2] = ret
                        if len(frames) > FRAME_CHUNK:
                            frames = [frames]
                        frames.append(R)
                    code, specials, cost, tmpl = c.run
                    if cost > budget:
                        raise Trap(E.TRAP_STACK_EXHAUSTED)
                    budget -= cost
                    R = R[base:end] + tmpl
                    pc = 0
                    continue
                # return vals to the caller (its frame's cost given back)
                if len(frames) == 1:
                    if frames[0] is None:
                        return list(vals)
                    frames = frames[0]
                R = frames.pop()
                base, pc = R[-2]
                code, specials, cost, tmpl = R[-1].run
                if vals:
                    R[base:base + len(vals)] = vals
        except UncaughtException as ex:
            # unwind to the innermost try_table that catches it, from the
            # raising op, or from the call it came through
            at = pc
            if at < 0:
                sp = specials[~at]
                k = sp[0]
                # a tail call into a host function: this frame is gone,
                # none of its handlers applies (at -1 is in no range)
                at = (sp[4] if k == SP_CALL or k == SP_CALL_REF or k == SP_CALLW
                      else sp[6] if k == SP_CALL_IND else 0) - 1
            while True:
                hs = R[-1].handlers
                if hs is not None:
                    hit = _find_handler(hs, at, ex.exn)
                    if hit is not None:
                        vals, tgt = hit
                        pos, dst, sv = tgt
                        for v in vals:
                            R[dst] = v
                            dst += 1
                        if sv is not None:
                            R[sv] = ex.exn      # a legacy catch: for rethrow
                        pc = pos
                        break
                if len(frames) == 1:
                    if frames[0] is None:
                        raise
                    frames = frames[0]
                budget += cost
                R = frames.pop()
                code, specials, cost, tmpl = R[-1].run
                at = R[-2][1] - 1
        except Suspended as s:
            from wasmbed.core.suspend import freeze
            freeze(s, frames, R[-1], R, pc, R[-1].inst)
            raise
        except WasmError:
            raise
        except _RECURSION:
            raise Trap(E.TRAP_STACK_EXHAUSTED)
        except MemoryError:
            # frames live in a bounded list, not on Python's stack: this is
            # the host's heap, not the guest's call depth
            raise E.HostOutOfMemory("call")


def _find_handler(handlers, at, exn):
    """The first catch of the innermost try_table (or legacy try) around
    IR index at that catches exn -> (values, (pos, dst, save)), or None.
    A legacy delegate around at goes on from the handler it names."""
    i = 0
    n = len(handlers)
    while i < n:
        start, end, clauses = handlers[i]
        i += 1
        if start <= at < end:
            if type(clauses) is int:
                i = clauses
                continue
            from wasmbed.core.exception import match
            hit = match(clauses, exn)
            if hit is not None:
                return hit
    return None
