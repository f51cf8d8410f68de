"""Differential test: wasmbed.core.numeric against wasmtime, bit for bit.

One module exports, per numeric instruction, a batch function that reads
operand bit patterns from linear memory, applies the instruction and
stores the result's bit pattern.  f32/f64 operands travel as i32/i64 bits
and are reinterpreted inside wasm, so no host float conversion touches
them.  When an element traps, the batch stops; its index is in a global,
the trap is recorded and the batch resumes after it.

Results are compared exactly, except that where the spec lets a NaN result
be any NaN of a set (arithmetic instructions), wasmtime's result only has
to be a NaN and ours is checked against the spec's own rule: canonical NaN
when every NaN operand is canonical, otherwise an arithmetic (quiet) NaN.
neg / abs / copysign / reinterpret are compared bit-exactly, NaNs included.
"""

import itertools
import struct

import pytest

from wasmbed.core import numeric
from wasmbed.core.errors import Trap

wasmtime = pytest.importorskip("wasmtime", reason="wasmtime (the oracle) is not installed")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, HealthCheck, strategies as st  # noqa: E402

MAXN = 8192
ARG0, ARG1, RES = 0, MAXN * 8, 2 * MAXN * 8
TYPES = ("i32", "i64", "f32", "f64")
COMPARISONS = ("eqz", "eq", "ne", "lt", "gt", "le", "ge")


def wat_name(fn):
    return numeric.name_of(fn).replace("_", ".", 1)


def signature(name):
    """(operand types, result type) of a numeric instruction, from its name."""
    rtype, op = name.split(".", 1)
    words = op.split("_")
    operand = rtype
    for w in words[1:]:
        if w in TYPES:
            operand = w
    if words[0] in COMPARISONS:
        rtype = "i32"
    arity = 1 if words[0] in ("eqz", "clz", "ctz", "popcnt", "abs", "neg", "ceil",
                              "floor", "trunc", "nearest", "sqrt", "wrap", "extend",
                              "convert", "demote", "promote", "reinterpret",
                              "extend8", "extend16", "extend32") else 2
    return (operand,) * arity, rtype


ALL_OPS = sorted(list(numeric.UNOP.items()) + list(numeric.BINOP.items()))

# Instructions whose NaN result is any member of the spec's nans{...} set.
NAN_SET_OPS = {
    "add", "sub", "mul", "div", "sqrt", "min", "max",
    "ceil", "floor", "trunc", "nearest", "demote", "promote",
}


def _load(t, offset):
    if t in ("i32", "f32"):
        code = "(i32.load offset=%d (local.get $a))" % offset
        return "(f32.reinterpret_i32 %s)" % code if t == "f32" else code
    code = "(i64.load offset=%d (local.get $a))" % offset
    return "(f64.reinterpret_i64 %s)" % code if t == "f64" else code


def _batch_func(name):
    params, rtype = signature(name)
    args = " ".join(_load(t, off) for t, off in zip(params, (ARG0, ARG1)))
    expr = "(%s %s)" % (name, args)
    if rtype == "f32":
        expr = "(i32.reinterpret_f32 %s)" % expr
    elif rtype == "f64":
        expr = "(i64.reinterpret_f64 %s)" % expr
    store = "i32.store" if rtype in ("i32", "f32") else "i64.store"
    return """
  (func (export "%s") (param $i i32) (param $n i32) (local $a i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (global.set $idx (local.get $i))
      (local.set $a (i32.shl (local.get $i) (i32.const 3)))
      (%s offset=%d (local.get $a) %s)
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))""" % (name, store, RES, expr)


class Oracle:
    """The batch module instantiated in wasmtime."""

    def __init__(self):
        names = [wat_name(fn) for _, fn in ALL_OPS]
        wat = "(module (memory (export \"mem\") %d) (global $idx (export \"idx\") (mut i32) (i32.const 0))%s)" % (
            (3 * MAXN * 8) // 65536 + 1, "".join(_batch_func(n) for n in names))
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        module = wasmtime.Module(engine, wasmtime.wat2wasm(wat))
        inst = wasmtime.Instance(self.store, module, [])
        ex = inst.exports(self.store)
        self.mem = ex["mem"]
        self.idx = ex["idx"]
        self.funcs = {n: ex[n] for n in names}

    def run(self, name, rows):
        """rows: list of operand-bit tuples -> list of ('ok', bits) / ('trap', text)."""
        params, rtype = signature(name)
        n = len(rows)
        assert n <= MAXN
        for k in range(len(params)):
            buf = b"".join(struct.pack("<Q", r[k]) for r in rows)
            self.mem.write(self.store, buf, (ARG0, ARG1)[k])
        out = [None] * n
        start = 0
        f = self.funcs[name]
        while start < n:
            try:
                f(self.store, start, n)
                break
            except wasmtime.Trap as e:
                i = self.idx.value(self.store)
                out[i] = ("trap", str(e))
                start = i + 1
        raw = self.mem.read(self.store, RES, RES + 8 * n)
        width = 4 if rtype in ("i32", "f32") else 8
        fmt = "<I" if width == 4 else "<Q"
        for i in range(n):
            if out[i] is None:
                out[i] = ("ok", struct.unpack_from(fmt, raw, 8 * i)[0])
        return out


@pytest.fixture(scope="module")
def oracle():
    return Oracle()


def ours(fn, name, row):
    params, rtype = signature(name)
    args = [numeric.bits_to_f64(v) if t == "f64" else v for t, v in zip(params, row)]
    try:
        r = fn(*args)
    except Trap as e:
        return ("trap", e.message)
    if rtype == "f64":
        assert isinstance(r, int if numeric.soft else float), (name, row, r)
        return ("ok", numeric.f64_to_bits(r))
    assert isinstance(r, int) and r >= 0, (name, row, r)
    assert r < (1 << (32 if rtype in ("i32", "f32") else 64)), (name, row, r)
    return ("ok", r)


def is_nan(t, bits):
    if t == "f32":
        return (bits & 0x7FFFFFFF) > 0x7F800000
    return (bits & 0x7FFFFFFFFFFFFFFF) > 0x7FF0000000000000


def is_canonical_nan(t, bits):
    if t == "f32":
        return bits & 0x7FFFFFFF == 0x7FC00000
    return bits & 0x7FFFFFFFFFFFFFFF == 0x7FF8000000000000


def is_arithmetic_nan(t, bits):
    return is_nan(t, bits) and bool(bits & (0x400000 if t == "f32" else 0x8000000000000))


def check_row(name, row, got, want):
    params, rtype = signature(name)
    what = "%s%r: ours %r, wasmtime %r" % (name, tuple(hex(v) for v in row), got, want)
    if want[0] == "trap":
        assert got[0] == "trap" and got[1] in want[1], what
        return
    assert got[0] == "ok", what
    op = name.split(".", 1)[1].split("_")[0]
    if rtype in ("f32", "f64") and op in NAN_SET_OPS and is_nan(rtype, want[1]):
        assert is_nan(rtype, got[1]), what
        in_nans = [v for t, v in zip(params, row) if is_nan(t, v)]
        if all(is_canonical_nan(t, v) for t, v in zip(params, row) if is_nan(t, v)):
            assert is_canonical_nan(rtype, got[1]), "not canonical: " + what
        else:
            assert in_nans and is_arithmetic_nan(rtype, got[1]), "not arithmetic: " + what
        return
    assert got == want, what


def compare(oracle, fn, rows):
    name = wat_name(fn)
    want = oracle.run(name, rows)
    for row, w in zip(rows, want):
        check_row(name, row, ours(fn, name, row), w)


# --- edge values ---------------------------------------------------------------

def _f64b(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


EDGE = {
    "i32": [0, 1, 2, 3, 7, 31, 32, 33, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
            0x10000, 0x12345678, 0x7FFFFFFE, 0x7FFFFFFF, 0x80000000, 0x80000001,
            0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFF80, 0xFFFF8000, 0x00FFFFFF, 0x01000001],
    "i64": [0, 1, 2, 3, 63, 64, 65, 0x7F, 0x80, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
            0x100000000, (1 << 53) - 1, 1 << 53, (1 << 53) + 1, (1 << 53) + (1 << 29) + 1,
            (1 << 63) + (1 << 39) + 1, (1 << 63) + (1 << 39), (1 << 62) + (1 << 38) + 1,
            (1 << 63) + (1 << 10) + 1, (1 << 63) + (1 << 10), (1 << 63) + (3 << 10),
            0x7FFFFFFFFFFFFFFE, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0x8000000000000001,
            0xFFFFFFFFFFFFFFFE, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFF80000000, 0xFFFFFFFF7FFFFFFF,
            0xFFDFFFFFDFFFFFFF, 0x0123456789ABCDEF],
    "f32": [0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007FFFFF, 0x00800000,
            0x3F800000, 0xBF800000, 0x3F000000, 0xBF000000, 0x3FC00000, 0xBFC00000,
            0x40200000, 0xC0200000, 0x3EFFFFFF, 0xBF7FFFFF, 0x3F7FFFFF, 0x3F800001,
            0x4AFFFFFF, 0x4B000000, 0x4B000001, 0xCAFFFFFF, 0x4B7FFFFF,
            0x4EFFFFFF, 0x4F000000, 0xCF000000, 0xCF000001, 0x4F7FFFFF, 0x4F800000,
            0x5EFFFFFF, 0x5F000000, 0xDF000000, 0xDF000001, 0x5F7FFFFF, 0x5F800000,
            0x7F7FFFFF, 0xFF7FFFFF, 0x7F800000, 0xFF800000,
            0x7FC00000, 0xFFC00000, 0x7FA00000, 0xFFA00000, 0x7F800001, 0x7FC00001,
            0xFFFFFFFF, 0x40490FDB],
    "f64": [_f64b(x) for x in (
        0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308,
        1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994,
        -0.49999999999999994, 0.9999999999999999, -0.9999999999999999, 3.141592653589793,
        1.7976931348623157e308, -1.7976931348623157e308,
        float(1 << 31), float((1 << 31) - 1), -float(1 << 31), -float((1 << 31) + 1),
        -2147483648.5, 2147483647.5, -2147483648.9, 4294967295.5, float(1 << 32),
        -0.9999, float(1 << 63), -float(1 << 63), float((1 << 63) - 1024),
        -float((1 << 63) + 2048), float(1 << 64), float((1 << 64) - 2048),
        float(1 << 52), 4503599627370495.5, -4503599627370495.5, float((1 << 52) + 1),
        float(1 << 53), 3.4028234663852886e38, 3.4028235677973366e38, 3.402823567797337e38,
        1.1754943508222875e-38 / 2, 1.401298464324817e-45 / 2,
        1.0 + 2.0 ** -24, 1.0 + 2.0 ** -24 + 2.0 ** -52, 1.0 + 3 * 2.0 ** -24,
    )] + [0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000, 0xFFF8000000000000,
          0x7FF4000000000000, 0xFFF4000000000000, 0x7FF0000000000001, 0x7FF8000000000001,
          0xFFFFFFFFFFFFFFFF, 0x7FFA5A5A5A5A5A5A],
}


@pytest.mark.parametrize("opid,fn", ALL_OPS, ids=[wat_name(fn) for _, fn in ALL_OPS])
def test_edge_values_match_wasmtime(oracle, opid, fn):
    params, _ = signature(wat_name(fn))
    rows = list(itertools.product(*[EDGE[t] for t in params]))
    compare(oracle, fn, rows)


def _bits(t):
    width = 32 if t in ("i32", "f32") else 64
    nan_like = st.integers(0, (1 << (23 if width == 32 else 52)) - 1).map(
        lambda p, w=width: (0x7F800000 if w == 32 else 0x7FF0000000000000) | p)
    return st.one_of(
        st.sampled_from(EDGE[t]),
        st.integers(0, (1 << width) - 1),
        st.integers(0, (1 << width) - 1).map(lambda v: v | (1 << (width - 1))),  # negative
        nan_like,
        st.integers(0, 1 << 12).map(lambda v: v ^ EDGE[t][v % len(EDGE[t])]),   # near an edge
    )


def _rows(params):
    return st.lists(st.tuples(*[_bits(t) for t in params]), min_size=1, max_size=64)


ROW_STRATEGIES = {
    params: _rows(params)
    for params in {signature(wat_name(fn))[0] for _, fn in ALL_OPS}
}


@pytest.mark.parametrize("opid,fn", ALL_OPS, ids=[wat_name(fn) for _, fn in ALL_OPS])
def test_random_values_match_wasmtime(oracle, opid, fn):
    params, _ = signature(wat_name(fn))

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(rows=ROW_STRATEGIES[params])
    def check(rows):
        compare(oracle, fn, rows)

    check()


# --- the opcode ids in UNOP / BINOP are the ones the binary format uses -----------

def _leb_u(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def _encoded_opcode_ids(names):
    funcs = []
    for n in names:
        params, rtype = signature(n)
        funcs.append("(func (param %s) (result %s) %s %s)" % (
            " ".join(params), rtype,
            " ".join("local.get %d" % i for i in range(len(params))), n))
    wasm = wasmtime.wat2wasm("(module %s)" % " ".join(funcs))
    pos = 8
    while pos < len(wasm):
        sid = wasm[pos]
        size, pos = _leb_u(wasm, pos + 1)
        if sid == 10:
            break
        pos += size
    count, pos = _leb_u(wasm, pos)
    ids = []
    for _ in range(count):
        size, pos = _leb_u(wasm, pos)
        body = wasm[pos:pos + size]
        pos += size
        assert body[0] == 0  # no locals
        code = body[1:-1]
        while code[0] == 0x20:  # local.get k
            code = code[2:]
        if code[0] == 0xFC:
            sub, _ = _leb_u(code, 1)
            ids.append(0x100 + sub)
        else:
            assert len(code) == 1
            ids.append(code[0])
    return ids


def test_opcode_ids_are_the_binary_encoding():
    names = [wat_name(fn) for _, fn in ALL_OPS]
    assert _encoded_opcode_ids(names) == [opid for opid, _ in ALL_OPS]


def test_every_numeric_opcode_is_covered():
    expected = set(range(0x45, 0xC5)) | set(range(0x100, 0x108))
    assert set(numeric.UNOP) | set(numeric.BINOP) == expected
    assert not set(numeric.UNOP) & set(numeric.BINOP)
    for opid, fn in numeric.UNOP.items():
        assert len(signature(wat_name(fn))[0]) == 1, wat_name(fn)
    for opid, fn in numeric.BINOP.items():
        assert len(signature(wat_name(fn))[0]) == 2, wat_name(fn)
