"""What a module costs the host, charged to the pool before it is spent.

In pool mode the host memory a module's size or a guest controls (the
decoded module, the interp tier's IR and closures, the fast tier's
generated source, its compilation and the code objects it leaves) is
charged to the pool as blocks of the same size, so a fixed pool bounds the
process however hostile the module. The rates below are CPython 64-bit
figures measured with tracemalloc (benchmarks/host_ram.py: the worst
instruction shape per stage, then a margin of at least 1.3x); they are
upper bounds for every shape measured, not averages.

A charge is taken before the host allocates: when the pool cannot hold it,
``PoolExhausted`` names what did not fit and the host has spent nothing.

  load (decode + validate)   LOAD_PEAK_RATE bytes per byte of binary while
                             decoding, then LOAD_RATE + LOCAL_CHARGE per
                             expanded local declaration
  interp, per module         per instruction LOWER_WEIGHT, + LABEL_CHARGE per
                             br_table label + LOCAL_CHARGE per local: the IR
  interp, per instance       CLOSURE_WEIGHT per instruction: the closures
  fast, per module           translation peak: TRANSLATE_WEIGHT[kind] per
                             instruction, held while the source is generated
                             and compiled, then cut to CODE_WEIGHT per
                             instruction (the code objects kept)
  fast, per instance         FAST_FUNC_CHARGE per function (call stubs; once
                             more for the tail-call stubs, fast.Ctx.tail_fns,
                             of a module with tail calls), and
                             BIND_CHARGE + BIND_REF_CHARGE per distinct
                             function/global/table named, when bound

The blocks are held by an ``Account`` (core/account.py). Runs on
MicroPython (the rates are CPython's; MicroPython objects are smaller, so
they stay upper bounds), but is imported only when charging is on, which
it is not there by default: nothing here is built at import time.
"""

from wasmbed.core import opcodes as O
from wasmbed.core.account import Account, account_of  # noqa: F401  (re-exported)

# Decode + validate: at most 33 bytes retained per byte of binary (one
# 2-byte instruction = a list slot and a 2-tuple), 35 for many tiny
# functions; the peak is 60 (validating deeply nested blocks).
LOAD_PEAK_RATE = 80
LOAD_RATE = 48
# A local declaration expanded to a list slot (8) while decoding; the
# interp tier's frame template holds another slot per local (9 measured).
LOCAL_CHARGE = 16

# Interp tier, measured per instruction: IR <= 96 (call), closures <= 400
# (call); br_table labels 64 retained, 139 at peak.
LOWER_WEIGHT = 128
LABEL_CHARGE = 192
CLOSURE_WEIGHT = 512

# Fast tier peak while translating and compiling, per instruction,
# measured: call 4261, call_indirect 3349, br/br_if 2100, load 1580,
# global/store/if 1380, arithmetic 1244; block/loop/end 224, nop 5.
# A br in its own block measured 6300 for block + br + end.
W_CALL = 6000
W_BRANCH = 6400
W_STRUCT = 640
W_OTHER = 2600
W_PREFIXED = 2800   # bulk memory, atomics, SIMD (helpers through ctx)
# What stays once compiled: <= 56 per instruction measured (call).
CODE_WEIGHT = 80
# Per function and instance in the fast tier: the call stub (326 measured),
# charged at instantiation; binding a translated function (its closure and
# cells, about 1 KB, + a cell per distinct function, global or table it
# names)
# charged when the instance first calls it.
FAST_FUNC_CHARGE = 448
BIND_CHARGE = 1536
BIND_REF_CHARGE = 64

_STRUCT = (O.NOP, O.BLOCK, O.LOOP, O.END, O.DROP, O.UNREACHABLE, O.ELSE)
_BRANCH = (O.BR, O.BR_IF, O.BR_TABLE, O.RETURN, O.IF)
_CALLS = (O.CALL, O.CALL_INDIRECT, 0x12, 0x13)   # + return_call(_indirect)


def translate_weights():
    """The fast tier's per-opcode-id translation weights (a list of NUM_IDS),
    built on first use: a board that never translates does not hold it."""
    if _WEIGHTS:
        return _WEIGHTS[0]
    w = [W_OTHER] * O.NUM_IDS
    for i in range(0x100, O.NUM_IDS):
        w[i] = W_PREFIXED
    for op in _STRUCT:
        w[op] = W_STRUCT
    for op in _BRANCH:
        w[op] = W_BRANCH
    for op in _CALLS:
        w[op] = W_CALL
    _WEIGHTS.append(w)
    return w


_WEIGHTS = []


def _labels(body):
    n = 0
    br_table = O.BR_TABLE
    for ins in body:
        if ins[0] == br_table:
            n += len(ins[1])
    return n


def _nlocals(defn):
    return len(defn.locals)


def lower_cost(defn):
    """Bytes charged for lowering function `defn` (interp IR)."""
    body = defn.body
    return (LOWER_WEIGHT * len(body) + LABEL_CHARGE * _labels(body)
            + LOCAL_CHARGE * _nlocals(defn))


def closure_cost(defn):
    """Bytes charged per instance for the interp closures of `defn`."""
    return CLOSURE_WEIGHT * len(defn.body)


# Instructions whose immediate names a function, global, table, element
# or data segment: each may add a cell to a bound fast-tier function.
_REF_OPS = frozenset((O.CALL, O.CALL_INDIRECT, 0x12, 0x13, 0x23, 0x24, 0x25,
                      0x26, 0xD2, 0x108, 0x109, 0x10C, 0x10D, 0x10E, 0x10F,
                      0x110, 0x111))


def bind_cost(defn):
    """Bytes charged per instance when the fast tier binds `defn`."""
    refs = _REF_OPS
    seen = {}
    for ins in defn.body:
        if ins[0] in refs:
            seen[ins] = True
    return BIND_CHARGE + BIND_REF_CHARGE * len(seen)


def translate_cost(defn):
    """Bytes charged while the fast tier translates and compiles `defn`."""
    w = translate_weights()
    n = 0
    for ins in defn.body:
        n += w[ins[0]]
    return n + LABEL_CHARGE * _labels(defn.body) + LOCAL_CHARGE * _nlocals(defn)


def code_cost(defn):
    """Bytes kept charged for `defn`'s compiled fast-tier code."""
    return (CODE_WEIGHT * len(defn.body) + 8 * _labels(defn.body)
            + LOCAL_CHARGE * _nlocals(defn))


def load_cost(nbytes, peak=True):
    """Bytes charged for decoding (peak) and holding the decoded form of
    a binary of `nbytes` bytes."""
    return nbytes * (LOAD_PEAK_RATE if peak else LOAD_RATE)


def decoded_locals_cost(module):
    """Bytes for the module's expanded local lists (shared lists once)."""
    seen = {}
    n = 0
    for f in module.funcs:
        lst = f.locals
        k = id(lst)
        if k not in seen:
            seen[k] = True
            n += len(lst)
    return LOCAL_CHARGE * n
