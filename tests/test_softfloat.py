"""core/softfloat.py and the soft float mode (core/float_host.py).

Oracles: CPython's float is an IEEE double, so for f64 add/sub/mul/div/sqrt
the hardware result is the reference; f32 results and every rounding of
div / sqrt are also checked against an exact rational oracle
(fractions.Fraction, nearest representable value, ties to even), which
does not use the host's float at all.  The soft numeric functions are
compared with numeric.py's hard ones for every float instruction
(conversions and truncations included).  The spec float scripts run in
soft mode (``WASMBED_FLOAT=soft``) on both tiers, and softfloat itself runs
under the MicroPython unix port.
"""

import math
import os
import random
import struct
import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from wasmbed.core import softfloat as S
from wasmbed.core import numeric_soft as NS
from wasmbed.core import numeric as N
from wasmbed.core import float_host
from wasmbed.core import opcodes as O
from wasmbed.core.errors import Trap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(REPO, "..", "shared", "suites", "spec-json")

F32, F64 = S.F32, S.F64


def d2b(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def b2d(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def is_nan(fmt, b):
    return (b & (fmt[3] - 1)) > fmt[4]


# --- exact oracle -------------------------------------------------------------

def value(fmt, b):
    """The exact value of finite bits b as a Fraction."""
    neg, m, e = S.unpack(fmt, b)
    v = Fraction(m) * (Fraction(2) ** e)
    return -v if neg else v


def nearest(fmt, q):
    """The bits nearest the Fraction q (ties to even), by search over the
    finite values: independent of round_pack."""
    neg = q < 0
    q = abs(q)
    lo, hi = 0, fmt[4]               # +0 .. +inf, monotonic in the bits
    while hi - lo > 1:               # largest finite bits with value <= q
        mid = (lo + hi) // 2
        if value(fmt, mid) <= q:
            lo = mid
        else:
            hi = mid
    if value(fmt, lo) == q:
        r = lo
    else:
        # between lo and lo + 1 (lo + 1 may be inf: compare with the
        # value a next binade step would have)
        if lo + 1 == fmt[4]:
            top = value(fmt, lo) + (value(fmt, lo) - value(fmt, lo - 1))
        else:
            top = value(fmt, lo + 1)
        mid = (value(fmt, lo) + top) / 2
        if q < mid or (q == mid and lo % 2 == 0):
            r = lo
        else:
            r = lo + 1
    return r | (fmt[3] if neg else 0)


def finite(fmt):
    n = 32 if fmt is F32 else 64
    return st.integers(0, (1 << n) - 1).filter(lambda b: (b & (fmt[3] - 1)) < fmt[4])


def interesting(fmt):
    """Bits of every kind: subnormals, near overflow, around 1, NaNs."""
    n = 32 if fmt is F32 else 64
    MB = fmt[0]
    sign = st.sampled_from([0, fmt[3]])
    frac = st.one_of(st.integers(0, (1 << MB) - 1), st.sampled_from([0, 1, (1 << MB) - 1]))
    expo = st.one_of(st.integers(0, fmt[1]), st.sampled_from([0, 1, fmt[2], fmt[1] - 1, fmt[1]]),
                     st.integers(fmt[2] - 30, fmt[2] + 30))
    built = st.builds(lambda s, e, f: s | (e << MB) | f, sign, expo, frac)
    return st.one_of(built, st.integers(0, (1 << n) - 1))


# --- f64 against the host's double ------------------------------------------

HOST64 = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
}


@settings(max_examples=1000, deadline=None)
@given(interesting(F64), interesting(F64), st.sampled_from(sorted(HOST64)))
def test_f64_arith_matches_host_double(a, b, name):
    r = getattr(S, name)(F64, a, b)
    want = d2b(HOST64[name](b2d(a), b2d(b)))
    if is_nan(F64, want):
        assert is_nan(F64, r)
    else:
        assert r == want, (hex(a), hex(b), hex(r), hex(want))


@settings(max_examples=1000, deadline=None)
@given(interesting(F64), interesting(F64))
def test_f64_div_matches_host_double(a, b):
    r = S.div(F64, a, b)
    x, y = b2d(a), b2d(b)
    if y == 0.0:
        return  # Python raises on /0; specials are covered below
    want = d2b(x / y)
    if is_nan(F64, want):
        assert is_nan(F64, r)
    else:
        assert r == want, (hex(a), hex(b))


@settings(max_examples=1000, deadline=None)
@given(interesting(F64))
def test_f64_sqrt_matches_host_double(a):
    r = S.sqrt(F64, a)
    x = b2d(a)
    if x != x or x < 0:
        assert is_nan(F64, r)
    else:
        assert r == d2b(math.sqrt(x)), hex(a)


# --- exact rational oracle (f32 and f64) --------------------------------------

@settings(max_examples=400, deadline=None)
@given(st.sampled_from([F32, F64]), st.data())
def test_arith_is_correctly_rounded(fmt, data):
    a = data.draw(finite(fmt))
    b = data.draw(finite(fmt))
    x, y = value(fmt, a), value(fmt, b)
    for name, exact in (("add", x + y), ("sub", x - y), ("mul", x * y)):
        r = getattr(S, name)(fmt, a, b)
        if exact == 0:
            assert r & (fmt[3] - 1) == 0
        else:
            assert r == nearest(fmt, exact), (name, hex(a), hex(b), hex(r))
    if y != 0:
        r = S.div(fmt, a, b)
        if x == 0:
            assert r & (fmt[3] - 1) == 0
        else:
            assert r == nearest(fmt, x / y), ("div", hex(a), hex(b), hex(r))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([F32, F64]), st.data())
def test_sqrt_is_correctly_rounded(fmt, data):
    a = data.draw(finite(fmt)) & (fmt[3] - 1)
    r = S.sqrt(fmt, a)
    x = value(fmt, a)
    v = value(fmt, r)
    if x == 0:
        assert r == a
        return
    # r is the nearest: the squares of the midpoints to its neighbours
    # bracket x (sqrt of a float is never exactly a midpoint)
    below = (v + value(fmt, r - 1)) / 2
    above = (v + value(fmt, r + 1)) / 2
    assert below * below < x < above * above, hex(a)


# --- edge cases ------------------------------------------------------------------

def test_issue_examples():
    assert S.add(F64, d2b(0.1), d2b(0.2)) == 0x3FD3333333333334
    assert S.to_integral(F64, d2b(2.5), S.MODE_NEAREST) == d2b(2.0)
    assert S.to_integral(F64, d2b(-0.5), S.MODE_NEAREST) == d2b(-0.0)
    assert S.to_integral(F64, d2b(3.5), S.MODE_NEAREST) == d2b(4.0)


def test_specials():
    INF, NINF = 0x7FF0000000000000, 0xFFF0000000000000
    cnan = 0x7FF8000000000000
    assert S.add(F64, INF, NINF) == cnan
    assert S.mul(F64, INF, 0) == cnan
    assert S.div(F64, 0, 0) == cnan
    assert S.div(F64, INF, NINF) == cnan
    assert S.sqrt(F64, d2b(-1.0)) == cnan
    assert S.sqrt(F64, d2b(-0.0)) == d2b(-0.0)
    assert S.div(F64, d2b(1.0), d2b(-0.0)) == NINF
    assert S.add(F64, d2b(-0.0), d2b(-0.0)) == d2b(-0.0)
    assert S.add(F64, d2b(-0.0), d2b(0.0)) == 0
    assert S.sub(F64, d2b(1.5), d2b(1.5)) == 0
    # overflow rounds to inf, the largest finite stays finite
    assert S.mul(F64, 0x7FEFFFFFFFFFFFFF, d2b(2.0)) == INF
    assert S.add(F32, 0x7F7FFFFF, 0x73000000) == 0x7F800000     # max + half ulp: tie -> inf
    assert S.add(F32, 0x7F7FFFFF, 0x72FFFFFF) == 0x7F7FFFFF
    # subnormals: the smallest, underflow to zero with ties to even
    assert S.div(F64, 1, d2b(2.0)) == 0                          # 2**-1075: tie -> 0
    assert S.mul(F64, 1, d2b(1.5)) == 2                          # 1.5 * 2**-1074 -> 2**-1073
    assert S.mul(F32, 0x00800000, 0x3F000000) == 0x00400000       # min normal / 2
    assert S.sub(F32, 0x00800000, 0x00000001) == 0x007FFFFF


def test_nan_payloads():
    snan, qnan = 0x7FF4000000000001, 0xFFF8000000000123
    assert S.add(F64, snan, d2b(1.0)) == snan | F64[5]            # quietened, payload kept
    assert S.mul(F64, d2b(1.0), qnan) == qnan
    assert S.sub(F64, qnan, snan) == qnan                         # first NaN operand
    assert S.fmin(F64, d2b(1.0), snan) == snan | F64[5]
    assert S.convert(F32, F64, 0x7FA00001) == 0x7FFC000020000000   # promote: payload << 29, quiet
    assert S.convert(F64, F32, 0xFFF4000020000000) == 0xFFE00001   # demote: top payload bits
    assert S.to_integral(F32, 0x7FA00000, S.MODE_FLOOR) == 0x7FE00000


def test_min_max_zero_signs():
    assert S.fmin(F64, 0, 1 << 63) == 1 << 63
    assert S.fmax(F64, 1 << 63, 0) == 0
    assert S.fmin(F32, 0x80000000, 0) == 0x80000000


@settings(max_examples=1000, deadline=None)
@given(st.integers(-(1 << 64), (1 << 64)))
def test_from_int_matches_host(i):
    assert S.from_int(F64, i) == d2b(float(i))
    assert S.from_int(F32, i) == nearest(F32, Fraction(i)) if i else S.from_int(F32, i) == 0


# --- parsing -------------------------------------------------------------------

@settings(max_examples=1000, deadline=None)
@given(interesting(F64))
def test_parse_round_trips_repr_and_hex(b):
    x = b2d(b)
    if x != x:
        return
    assert S.parse(F64, repr(x)) == b
    assert S.parse(F64, x.hex()) == b


@settings(max_examples=1000, deadline=None)
@given(st.integers(0, 10 ** 25), st.integers(-360, 330))
def test_parse_decimal_matches_host(m, e):
    text = "%de%d" % (m, e)
    assert S.parse(F64, text) == d2b(float(text))
    assert S.parse(F32, text) == (nearest(F32, Fraction(m) * Fraction(10) ** e)
                                  if m and -60 < e < 50 else S.parse(F32, text))


def test_parse_specials():
    assert S.parse(F64, "-inf") == 0xFFF0000000000000
    assert S.parse(F64, "nan") == 0x7FF8000000000000
    assert S.parse(F32, "-nan:0x200000") == 0xFFA00000
    assert S.parse(F64, "1_000.5") == d2b(1000.5)
    assert S.parse(F64, "1e400") == 0x7FF0000000000000
    assert S.parse(F64, "-1e-400") == 1 << 63
    with pytest.raises(ValueError):
        S.parse(F64, "1.2.3")
    with pytest.raises(ValueError):
        S.parse(F32, "nan:0x800000")


# --- soft numeric == hard numeric for every float instruction -------------------

SOFT = NS.functions()
# every float instruction with a soft version (f32 reinterprets are the
# identity on bits in both modes)
FLOAT_OPS = [(op, f) for table in (N.UNOP, N.BINOP) for op, f in sorted(table.items())
             if ("f" in O.SIG[op] or "F" in O.SIG[op]) and N.name_of(f) in SOFT]


def _bits_for(t):
    return interesting(F64) if t == "F" else interesting(F32) if t == "f" else (
        st.integers(0, (1 << 32) - 1) if t == "i" else st.integers(0, (1 << 64) - 1))


def _run(f, args):
    try:
        return f(*args)
    except Trap as e:
        return ("trap", str(e))


@pytest.mark.skipif(N.soft, reason="compares with the hard float functions")
@pytest.mark.parametrize("op,hard", FLOAT_OPS, ids=[O.NAME[op] for op, _f in FLOAT_OPS])
def test_soft_instruction_matches_hard(op, hard):
    params, result = O.SIG[op].split(":")
    soft = SOFT[N.name_of(hard)]

    @settings(max_examples=200, deadline=None)
    @given(st.tuples(*[_bits_for(t) for t in params]))
    def check(args):
        hargs = [b2d(a) if t == "F" else a for a, t in zip(args, params)]
        want = _run(hard, hargs)
        got = _run(soft, args)
        if result == "F" and not isinstance(want, tuple):
            want = d2b(want)
        fmt = F64 if result == "F" else F32
        if result in "fF" and not isinstance(want, tuple) and is_nan(fmt, want):
            # the host's default NaN may be negative (x86): sign aside, equal
            assert not isinstance(got, tuple) and is_nan(fmt, got)
            assert (got | fmt[3]) == (want | fmt[3])
        else:
            assert got == want, ([hex(a) for a in args], got, want)
    check()


# --- the mode switch and the whole engine in soft mode ---------------------------

def test_probe_says_cpython_is_double():
    assert float_host.hard_capable()


def _soft_env():
    env = dict(os.environ)
    env["WASMBED_FLOAT"] = "soft"
    env["PYTHONPATH"] = REPO
    return env


def test_env_switch_turns_soft_mode_on():
    out = subprocess.run(
        [sys.executable, "-c", "import wasmbed\nfrom wasmbed.core import numeric as N\n"
         "print(N.soft, N.f64_add(0x3FB999999999999A, 0x3FC999999999999A))"],
        env=_soft_env(), capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", str(0x3FD3333333333334)]


def test_forcing_the_other_mode_late_is_refused():
    with pytest.raises(RuntimeError):
        float_host.force(not N.soft)


SOFT_SCRIPTS = [
    "core/f32", "core/f32_bitwise", "core/f32_cmp", "core/f64", "core/f64_bitwise",
    "core/f64_cmp", "core/conversions", "core/float_exprs", "core/float_misc",
    "core/float_literals", "core/float_memory", "core/local_tee", "core/select",
    "simd/simd_f32x4", "simd/simd_f32x4_arith", "simd/simd_f32x4_cmp",
    "simd/simd_f32x4_pmin_pmax", "simd/simd_f32x4_rounding", "simd/simd_f64x2",
    "simd/simd_f64x2_arith", "simd/simd_f64x2_cmp", "simd/simd_f64x2_pmin_pmax",
    "simd/simd_f64x2_rounding", "simd/simd_i32x4_trunc_sat_f32x4",
    "simd/simd_i32x4_trunc_sat_f64x2", "simd/simd_conversions", "simd/simd_splat",
    "simd/simd_lane",
    "wasm3/relaxed_madd_nmadd", "wasm3/relaxed_min_max", "wasm3/i32x4_relaxed_trunc",
]


@pytest.mark.skipif(not os.path.isdir(SPEC), reason="spec suites not available")
@pytest.mark.parametrize("mode", ["interp", "fast"])
def test_spec_float_scripts_pass_in_soft_mode(mode):
    files = []
    for s in SOFT_SCRIPTS:
        d = os.path.join(SPEC, s)
        if os.path.isdir(d):
            files += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".json"))
    assert len(files) >= 20
    out = subprocess.run([sys.executable, "-m", "wasmbed", "wast", "--mode", mode] + files,
                         env=_soft_env(), capture_output=True, text=True, timeout=600)
    last = out.stdout.strip().splitlines()[-1]
    assert out.returncode == 0 and " 0 failed" in last, out.stdout[-3000:] + out.stderr[-2000:]
    assert int(last.split()[0]) > 20000


# --- under MicroPython -------------------------------------------------------------

MP_SCRIPT = r"""
import sys
sys.path.insert(0, sys.argv[1])
import wasmbed          # WASMBED_FLOAT=soft: the package forces soft mode
from wasmbed.core import numeric as N
assert N.soft
names = sys.argv[2].split(",")
for line in open(sys.argv[3]):
    parts = line.split()
    f = getattr(N, parts[0])
    args = [int(p) for p in parts[1:]]
    try:
        r = f(*args)
    except Exception as e:
        r = "trap:" + str(e).replace(" ", "_")
    print(r)
"""


def test_softfloat_under_micropython(tmp_path):
    from tests.platform.mp_run import micropython_binary
    mp = micropython_binary()
    if mp is None:
        pytest.skip("no MicroPython binary")
    rnd = random.Random(9)
    cases = []
    special64 = [0, 1 << 63, 0x7FF0000000000000, 0x7FF4000000000001, 1, d2b(2.5), d2b(0.1),
                 d2b(-2.0 ** 63), d2b(4294967295.5), 0x7FEFFFFFFFFFFFFF]
    for op, hard in FLOAT_OPS:
        params, _r = O.SIG[op].split(":")
        for _ in range(30):
            args = []
            for t in params:
                if t == "F":
                    args.append(rnd.choice(special64) if rnd.random() < 0.3 else rnd.getrandbits(64))
                elif t in "fi":
                    args.append(rnd.getrandbits(32))
                else:
                    args.append(rnd.getrandbits(64))
            cases.append((N.name_of(hard), args))
    data = tmp_path / "cases.txt"
    data.write_text("".join("%s %s\n" % (n, " ".join(map(str, a))) for n, a in cases))
    script = tmp_path / "sf.py"
    script.write_text(MP_SCRIPT)
    proc = subprocess.run([mp, "-X", "heapsize=16M", str(script), REPO, "", str(data)],
                          capture_output=True, text=True, timeout=300, env=_soft_env())
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    got = proc.stdout.split("\n")[:-1]
    assert len(got) == len(cases)
    for (name, args), line in zip(cases, got):
        want = _run(SOFT[name], args)
        want = "trap:" + want[1].replace(" ", "_") if isinstance(want, tuple) else str(want)
        assert line == want, (name, args)


# --- AOT files and the float mode ---------------------------------------------------

AOT_RUN = r"""
import importlib.util, sys
import wasmbed
spec = importlib.util.spec_from_file_location("m_aot", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
try:
    mod = rt.load_aot(m)
except ValueError as e:
    print("refused:", e)
else:
    inst = rt.instantiate(mod, stack_size=1 << 16)
    print("ok", repr(inst.create_exec_env().call(inst.lookup_function("basel64"), 100)))
"""


@pytest.mark.parametrize("made", ["hard", "soft"])
def test_aot_file_runs_in_its_float_mode_and_is_refused_in_the_other(tmp_path, made):
    wasm = os.path.join(REPO, "benchmarks", "floats.wasm")
    out = tmp_path / "floats_aot.py"
    env = dict(os.environ, PYTHONPATH=REPO, WASMBED_FLOAT=made)
    subprocess.run([sys.executable, "-m", "wasmbed", "compile", wasm, "-o", str(out)],
                   env=env, check=True)
    script = tmp_path / "run.py"
    script.write_text(AOT_RUN)
    want = sum(1.0 / (k * k) for k in range(100, 0, -1))
    for mode in ("hard", "soft"):
        env = dict(os.environ, PYTHONPATH=REPO, WASMBED_FLOAT=mode)
        got = subprocess.run([sys.executable, str(script), str(out)], env=env,
                             capture_output=True, text=True, check=True).stdout.strip()
        if mode == made:
            assert got == "ok %r" % want
        else:
            assert got.startswith("refused: AOT module was compiled for %s floats" % made)
            assert "WASMBED_FLOAT=%s" % mode in got
