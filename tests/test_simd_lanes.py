"""Whole-vector SIMD kernels against a lane-by-lane model of the spec.

simd_int computes most integer instructions on the 128-bit int at once
(carry-free masks, magic multiplications); the model here does each lane
separately, as the SIMD spec states it.  Operands are drawn byte by byte
from edge values (0, 1, 0x7f, 0x80, 0xff) and random bytes, so lanes of
every width hit their signed and unsigned boundaries.
"""
import pytest
from hypothesis import given, settings, strategies as st

from wasmbed.core import simd
from wasmbed.core.opcodes import NAME, PREFIX_FD

OPID = dict((NAME[i], i) for i in range(PREFIX_FD, PREFIX_FD + 256) if NAME[i])
SHAPE = {8: "i8x16", 16: "i16x8", 32: "i32x4", 64: "i64x2"}

byte = st.one_of(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFF]), st.integers(0, 255))
vec = st.lists(byte, min_size=16, max_size=16).map(lambda bs: int.from_bytes(bytes(bs), "little"))


def lanes(w, v, signed=False):
    m = (1 << w) - 1
    out = [(v >> (w * i)) & m for i in range(128 // w)]
    return [x - (1 << w) if signed and x >> (w - 1) else x for x in out]


def join(w, xs):
    m = (1 << w) - 1
    return sum((x & m) << (w * i) for i, x in enumerate(xs))


def run(name, *args, imms=()):
    R = list(args) + [None]
    op = simd.make(None, None, OPID[name], len(args), tuple(range(len(args))), imms, 3)
    assert op(R) == 3
    return R[-1]


def clamp(x, w, signed):
    lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if signed else (0, (1 << w) - 1)
    return max(lo, min(hi, x))


def binary_model(op, w, a, b):
    """Model of the lane-wise binary op `op` (a name suffix like 'add_sat_s')."""
    signed = op.endswith("_s")
    x, y = lanes(w, a, signed), lanes(w, b, signed)
    ones = (1 << w) - 1
    base = op[:-2] if op.endswith(("_s", "_u")) else op
    cmp = {"eq": lambda p, q: p == q, "ne": lambda p, q: p != q,
           "lt": lambda p, q: p < q, "gt": lambda p, q: p > q,
           "le": lambda p, q: p <= q, "ge": lambda p, q: p >= q}
    if base in cmp:
        return join(w, [ones if cmp[base](p, q) else 0 for p, q in zip(x, y)])
    f = {"add": lambda p, q: p + q, "sub": lambda p, q: p - q, "mul": lambda p, q: p * q,
         "min": min, "max": max,
         "add_sat": lambda p, q: clamp(p + q, w, signed),
         "sub_sat": lambda p, q: clamp(p - q, w, signed),
         "avgr": lambda p, q: (p + q + 1) // 2}[base]
    return join(w, [f(p, q) for p, q in zip(x, y)])


BINARY = []
for _w, _s in SHAPE.items():
    for _op in ("add", "sub", "mul", "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u",
                "ge_s", "ge_u", "min_s", "min_u", "max_s", "max_u", "add_sat_s", "add_sat_u",
                "sub_sat_s", "sub_sat_u", "avgr_u"):
        if _s + "." + _op in OPID:
            BINARY.append((_w, _op))


@pytest.mark.parametrize("w,op", BINARY, ids=["%s.%s" % (SHAPE[w], op) for w, op in BINARY])
@settings(max_examples=40, deadline=None)
@given(a=vec, b=vec)
def test_binary_lanes_match_model(w, op, a, b):
    assert run(SHAPE[w] + "." + op, a, b) == binary_model(op, w, a, b)


UNARY = [(w, op) for w in SHAPE for op in ("neg", "abs", "all_true", "bitmask")]


@pytest.mark.parametrize("w,op", UNARY, ids=["%s.%s" % (SHAPE[w], op) for w, op in UNARY])
@settings(max_examples=40, deadline=None)
@given(a=vec)
def test_unary_lanes_match_model(w, op, a):
    xs = lanes(w, a, signed=True)
    want = {"neg": lambda: join(w, [-x for x in xs]),
            "abs": lambda: join(w, [abs(x) for x in xs]),
            "all_true": lambda: int(all(xs)),
            "bitmask": lambda: sum(1 << i for i, x in enumerate(xs) if x < 0)}[op]()
    assert run(SHAPE[w] + "." + op, a) == want


SHIFTS = [(w, op) for w in SHAPE for op in ("shl", "shr_s", "shr_u")]


@pytest.mark.parametrize("w,op", SHIFTS, ids=["%s.%s" % (SHAPE[w], op) for w, op in SHIFTS])
@settings(max_examples=40, deadline=None)
@given(a=vec, count=st.one_of(st.integers(0, 130), st.integers(0, 0xFFFFFFFF)))
def test_shift_lanes_match_model(w, op, a, count):
    s = count % w
    xs = lanes(w, a, signed=(op == "shr_s"))
    want = join(w, [x << s if op == "shl" else x >> s for x in xs])
    assert run(SHAPE[w] + "." + op, a, count) == want


WIDEN = [(w, half, sg) for w in (8, 16, 32) for half in ("low", "high") for sg in "su"]


@pytest.mark.parametrize("w,half,sg", WIDEN, ids=["%d_%s_%s" % x for x in WIDEN])
@settings(max_examples=40, deadline=None)
@given(a=vec, b=vec)
def test_extend_and_extmul_match_model(w, half, sg, a, b):
    n = 64 // w
    pick = slice(0, n) if half == "low" else slice(n, 2 * n)
    x = lanes(w, a, sg == "s")[pick]
    y = lanes(w, b, sg == "s")[pick]
    wide = SHAPE[2 * w]
    suffix = "_%s_%s_%s" % (half, SHAPE[w], sg)
    assert run(wide + ".extend" + suffix, a) == join(2 * w, x)
    assert run(wide + ".extmul" + suffix, a, b) == join(2 * w, [p * q for p, q in zip(x, y)])


@pytest.mark.parametrize("w,sg", [(8, "s"), (8, "u"), (16, "s"), (16, "u")])
@settings(max_examples=40, deadline=None)
@given(a=vec, b=vec)
def test_pairwise_and_narrow_match_model(w, sg, a, b):
    x = lanes(w, a, sg == "s")
    got = run("%s.extadd_pairwise_%s_%s" % (SHAPE[2 * w], SHAPE[w], sg), a)
    assert got == join(2 * w, [x[i] + x[i + 1] for i in range(0, len(x), 2)])
    # narrowing reads signed 2w-bit lanes whatever the result's signedness
    wide = lanes(2 * w, a, True) + lanes(2 * w, b, True)
    got = run("%s.narrow_%s_%s" % (SHAPE[w], SHAPE[2 * w], sg), a, b)
    assert got == join(w, [clamp(v, w, sg == "s") for v in wide])


@settings(max_examples=100, deadline=None)
@given(a=vec, b=vec)
def test_q15mulr_dot_popcnt_match_model(a, b):
    x, y = lanes(16, a, True), lanes(16, b, True)
    assert run("i16x8.q15mulr_sat_s", a, b) == join(
        16, [clamp((p * q + 0x4000) >> 15, 16, True) for p, q in zip(x, y)])
    assert run("i32x4.dot_i16x8_s", a, b) == join(
        32, [x[i] * y[i] + x[i + 1] * y[i + 1] for i in range(0, 8, 2)])
    assert run("i8x16.popcnt", a) == join(8, [bin(v).count("1") for v in lanes(8, a)])


@settings(max_examples=150, deadline=None)
@given(a=vec, b=vec, idx=st.one_of(
    st.lists(st.integers(0, 31), min_size=16, max_size=16),
    # shuffles whose bytes move by one or two distances
    st.integers(0, 16).map(lambda k: list(range(k, k + 16))),
    st.tuples(st.integers(0, 24), st.integers(0, 24)).map(
        lambda t: list(range(t[0], t[0] + 8)) + list(range(t[1], t[1] + 8)))))
def test_shuffle_and_swizzle_match_model(a, b, idx):
    ab = a.to_bytes(16, "little") + b.to_bytes(16, "little")
    want = int.from_bytes(bytes(ab[i] for i in idx), "little")
    assert run("i8x16.shuffle", a, b, imms=(bytes(idx),)) == want
    s = int.from_bytes(bytes(i * 7 % 256 for i in idx), "little")
    want = int.from_bytes(bytes(ab[i] if i < 16 else 0 for i in s.to_bytes(16, "little")),
                          "little")
    assert run("i8x16.swizzle", a, s) == want
