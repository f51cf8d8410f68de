"""IEEE-754 binary32 / binary64 arithmetic on Python ints (bit patterns).

For hosts whose ``float`` is not an IEEE double (MicroPython boards built
with single-precision floats): every operation takes and returns raw bits
(f32 as an int in [0, 2**32), f64 in [0, 2**64)) and rounds exactly once,
to nearest with ties to even, subnormals included.  Nothing here uses a
Python float.

A format is a tuple ``(MB, EMASK, BIAS, SIGN, INF, QUIET)``: MB significand
bits (without the implicit one), the exponent field mask, the bias, the
sign bit, the bits of +inf and the quiet bit; F32 and F64 are the two.

NaN rules (the spec's, and what an x86 host does): an operation with a NaN
operand returns the first NaN operand with its quiet bit set (its payload
and sign kept); an invalid operation on non-NaN operands (inf - inf,
0 * inf, 0 / 0, inf / inf, sqrt of a negative) returns the positive
canonical NaN.

Only builtins are used (no math.isqrt) and numeric.py's bitlen, which
probes for int.bit_length.
"""

#            MB  EMASK  BIAS  SIGN         INF                  QUIET
F32 = (23, 0xFF, 127, 0x80000000, 0x7F800000, 0x00400000)
F64 = (52, 0x7FF, 1023, 0x8000000000000000, 0x7FF0000000000000,
       0x0008000000000000)

def isqrt(n):
    """floor(sqrt(n)) for an int n >= 0 (Newton's method on ints)."""
    if n < 2:
        return n
    x = 1 << ((bitlen(n) + 1) >> 1)
    while True:
        y = (x + n // x) >> 1
        if y >= x:
            return x
        x = y


# --- packing ---------------------------------------------------------------

def round_pack(fmt, neg, m, e, sticky=0):
    """The bits of the format's value nearest to (-1)**neg * (m + eps) * 2**e,
    where 0 <= eps < 1 is nonzero iff sticky; overflow gives +-inf."""
    MB = fmt[0]
    sign = fmt[3] if neg else 0
    if m == 0:
        return sign
    elo = 1 - fmt[2] - MB               # exponent of the smallest subnormal
    lsb = e + bitlen(m) - MB - 1        # exponent of the result's last bit
    if lsb < elo:
        lsb = elo
    sh = lsb - e
    if sh > 0:
        q = m >> sh
        r = m & ((1 << sh) - 1)
        h = 1 << (sh - 1)
        if r > h or (r == h and (sticky or q & 1)):
            q += 1
    else:
        q = m << -sh
    # q < 2**MB only for subnormals (then lsb == elo); a carry out of the
    # significand lands in the exponent field by itself.
    bits = ((lsb - elo) << MB) + q
    if bits >= fmt[4]:
        return fmt[4] | sign
    return bits | sign


def unpack(fmt, b):
    """(neg, m, e) with value (-1)**neg * m * 2**e, for finite bits b."""
    MB = fmt[0]
    ex = (b >> MB) & fmt[1]
    m = b & ((1 << MB) - 1)
    if ex:
        m |= 1 << MB
    else:
        ex = 1
    return (1 if b & fmt[3] else 0), m, ex - fmt[2] - MB


def _nan2(fmt, a, b):
    # the NaN result of a binary op with at least one NaN operand
    if (a & (fmt[3] - 1)) > fmt[4]:
        return a | fmt[5]
    return b | fmt[5]


def is_nan(fmt, b):
    return (b & (fmt[3] - 1)) > fmt[4]


# --- arithmetic ------------------------------------------------------------

def add(fmt, a, b):
    """a + b."""
    S = fmt[3]
    INF = fmt[4]
    aa = a & (S - 1)
    ab = b & (S - 1)
    if aa >= INF or ab >= INF:
        if aa > INF or ab > INF:
            return _nan2(fmt, a, b)
        if aa == INF and ab == INF and (a ^ b) & S:
            return INF | fmt[5]          # canonical NaN
        return a if aa == INF else b
    if ab == 0:
        if aa == 0:
            return a & b            # -0 only when both are -0
        return a
    if aa == 0:
        return b
    na, ma, ea = unpack(fmt, a)
    nb, mb, eb = unpack(fmt, b)
    # a tiny operand only matters as a sticky bit below the rounding point
    lim = fmt[0] + 4
    if ea - eb > lim:
        mb, eb = 1, ea - lim
    elif eb - ea > lim:
        ma, ea = 1, eb - lim
    if ea > eb:
        ma <<= ea - eb
        ea = eb
    elif eb > ea:
        mb <<= eb - ea
    s = (-ma if na else ma) + (-mb if nb else mb)
    if s == 0:
        return 0                     # x + -x = +0 in round-to-nearest
    if s < 0:
        return round_pack(fmt, 1, -s, ea)
    return round_pack(fmt, 0, s, ea)


def sub(fmt, a, b):
    """a - b (a NaN b keeps its own sign)."""
    if (b & (fmt[3] - 1)) > fmt[4]:
        return _nan2(fmt, a, b)
    return add(fmt, a, b ^ fmt[3])


def canonical_nan(fmt):
    return fmt[4] | fmt[5]


def mul(fmt, a, b):
    """a * b."""
    S = fmt[3]
    INF = fmt[4]
    aa = a & (S - 1)
    ab = b & (S - 1)
    sign = (a ^ b) & S
    if aa >= INF or ab >= INF:
        if aa > INF or ab > INF:
            return _nan2(fmt, a, b)
        if aa == 0 or ab == 0:
            return INF | fmt[5]
        return INF | sign
    if aa == 0 or ab == 0:
        return sign
    _n, ma, ea = unpack(fmt, a)
    _n, mb, eb = unpack(fmt, b)
    return round_pack(fmt, sign, ma * mb, ea + eb)


def div(fmt, a, b):
    """a / b (x / 0 is +-inf, 0 / 0 NaN)."""
    S = fmt[3]
    INF = fmt[4]
    aa = a & (S - 1)
    ab = b & (S - 1)
    sign = (a ^ b) & S
    if aa >= INF or ab >= INF:
        if aa > INF or ab > INF:
            return _nan2(fmt, a, b)
        if aa == ab:
            return INF | fmt[5]
        return INF | sign if aa == INF else sign
    if ab == 0:
        if aa == 0:
            return INF | fmt[5]
        return INF | sign
    if aa == 0:
        return sign
    _n, ma, ea = unpack(fmt, a)
    _n, mb, eb = unpack(fmt, b)
    k = fmt[0] + 3 + bitlen(mb) - bitlen(ma)
    q, r = divmod(ma << k, mb)
    return round_pack(fmt, sign, q, ea - eb - k, r)


def sqrt(fmt, a):
    """Correctly rounded square root; sqrt(-0) = -0, negative -> NaN."""
    S = fmt[3]
    INF = fmt[4]
    aa = a & (S - 1)
    if aa > INF:
        return a | fmt[5]
    if aa == 0:
        return a
    if a & S:
        return INF | fmt[5]
    if aa == INF:
        return a
    _n, m, e = unpack(fmt, a)
    if e & 1:
        m <<= 1
        e -= 1
    k = fmt[0] + 4 - (bitlen(m) >> 1)
    if k < 0:
        k = 0
    n = m << (2 * k)
    r = isqrt(n)
    return round_pack(fmt, 0, r, (e >> 1) - k, n - r * r)


def order_key(fmt, b):
    """An int ordered like the non-NaN float b (-0 and +0 both 0)."""
    S = fmt[3]
    return -(b & (S - 1)) if b & S else b


def lt(fmt, a, b):
    if is_nan(fmt, a) or is_nan(fmt, b):
        return 0
    return 1 if order_key(fmt, a) < order_key(fmt, b) else 0


def le(fmt, a, b):
    if is_nan(fmt, a) or is_nan(fmt, b):
        return 0
    return 1 if order_key(fmt, a) <= order_key(fmt, b) else 0


def eq(fmt, a, b):
    if is_nan(fmt, a) or is_nan(fmt, b):
        return 0
    return 1 if order_key(fmt, a) == order_key(fmt, b) else 0


def fmin(fmt, a, b):
    """IEEE-754-2019 minimum: NaN if either is NaN, -0 < +0."""
    if is_nan(fmt, a) or is_nan(fmt, b):
        return _nan2(fmt, a, b)
    ka = order_key(fmt, a)
    kb = order_key(fmt, b)
    if ka < kb:
        return a
    if kb < ka:
        return b
    return a | b


def fmax(fmt, a, b):
    """IEEE-754-2019 maximum: NaN if either is NaN, +0 > -0."""
    if is_nan(fmt, a) or is_nan(fmt, b):
        return _nan2(fmt, a, b)
    ka = order_key(fmt, a)
    kb = order_key(fmt, b)
    if ka > kb:
        return a
    if kb > ka:
        return b
    return a & b


# --- rounding to integral --------------------------------------------------

MODE_NEAREST = 0
MODE_FLOOR = 1
MODE_CEIL = 2
MODE_TRUNC = 3


def to_integral(fmt, a, mode):
    """a rounded to an integral value (a zero result keeps a's sign; a NaN
    comes back quiet)."""
    S = fmt[3]
    aa = a & (S - 1)
    if aa > fmt[4]:
        return a | fmt[5]
    neg, m, e = unpack(fmt, a)
    if e >= 0 or aa == 0:
        return a
    q = m >> -e
    r = m & ((1 << -e) - 1)
    if r:
        if mode == MODE_NEAREST:
            h = 1 << (-e - 1)
            if r > h or (r == h and q & 1):
                q += 1
        elif mode == MODE_FLOOR:
            if neg:
                q += 1
        elif mode == MODE_CEIL:
            if not neg:
                q += 1
    return round_pack(fmt, neg, q, 0) | (a & S)


def to_int(fmt, a):
    """The int toward zero from finite bits a (None for NaN, +-inf)."""
    if (a & (fmt[3] - 1)) >= fmt[4]:
        return None
    neg, m, e = unpack(fmt, a)
    q = m << e if e >= 0 else m >> -e
    return -q if neg else q


def from_int(fmt, i):
    """The bits of the int i, rounded once."""
    if i < 0:
        return round_pack(fmt, 1, -i, 0)
    return round_pack(fmt, 0, i, 0)


def convert(src, dst, a):
    """Bits a of format src in format dst (promote exact, demote rounded;
    a NaN keeps its sign and top payload bits and comes back quiet)."""
    S = src[3]
    aa = a & (S - 1)
    neg = 1 if a & S else 0
    if aa >= src[4]:
        sh = dst[0] - src[0]
        p = aa & ((1 << src[0]) - 1)
        p = p << sh if sh >= 0 else p >> -sh
        r = dst[4] | p
        if aa > src[4]:
            r |= dst[5]
        return r | (dst[3] if neg else 0)
    _n, m, e = unpack(src, a)
    return round_pack(dst, neg, m, e)


# --- parsing ---------------------------------------------------------------

def parse(fmt, text):
    """The bits of a wasm/Python float literal, rounded once: decimal or
    hex (``0x1.8p3``), ``inf``, ``nan``, ``nan:0x..``, ``_`` separators.
    Raises ValueError on anything else."""
    s = text.strip().replace("_", "").lower()
    neg = 0
    if s[:1] in ("+", "-"):
        neg = 1 if s[0] == "-" else 0
        s = s[1:]
    sign = fmt[3] if neg else 0
    if s in ("inf", "infinity"):
        return fmt[4] | sign
    if s.startswith("nan"):
        if s == "nan":
            return fmt[4] | fmt[5] | sign
        if not s.startswith("nan:0x"):
            raise ValueError("bad float literal: %r" % text)
        p = int(s[6:], 16)
        if p == 0 or p >> fmt[0]:
            raise ValueError("bad NaN payload: %r" % text)
        return fmt[4] | p | sign
    if s.startswith("0x"):
        s = s[2:]
        mant, _sep, ex = s.partition("p")
        ex = int(ex) if ex else 0
        ip, _sep, fp = mant.partition(".")
        if not (ip or fp):
            raise ValueError("bad float literal: %r" % text)
        m = int((ip + fp) or "0", 16)
        return round_pack(fmt, neg, m, ex - 4 * len(fp))
    mant, _sep, ex = s.replace("e", "E").partition("E")
    ex = int(ex) if ex else 0
    ip, _sep, fp = mant.partition(".")
    if not (ip or fp) or not (ip + fp).isdigit():
        raise ValueError("bad float literal: %r" % text)
    m = int(ip + fp)
    ex -= len(fp)
    if m == 0:
        return sign
    mag = len(str(m)) + ex              # 10**(mag-1) <= value < 10**mag
    if mag > 400:
        return fmt[4] | sign
    if mag < -400:
        return sign
    if ex >= 0:
        return round_pack(fmt, neg, m * 10 ** ex, 0)
    d = 10 ** -ex
    k = fmt[0] + 3 + bitlen(d) - bitlen(m)
    if k < 0:
        k = 0
    q, r = divmod(m << k, d)
    return round_pack(fmt, neg, q, -k, r)


# bitlen(a): the bits of an int a >= 0, numeric.py's. Imported last: in soft
# mode numeric.py imports numeric_soft, which needs this module complete.
from wasmbed.core.numeric import bitlen  # noqa: E402
