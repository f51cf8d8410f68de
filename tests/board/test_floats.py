"""Exact floats on both boards at their default heap: MPS2_AN385 (Cortex-M3,
no FPU, MicroPython's float is 32-bit) runs f64/f32 instructions in soft
float mode (core/float_host.py), MPS2_AN500 (double floats) in hard mode;
both must give the same bits as CPython's double.

The module passes every operand and result as i64/i32 bits (reinterpreted
inside wasm), so no host float conversion is involved on either side.
"""

import shutil
import subprocess

import pytest

import wasmbed
from wasmbed.core import numeric as N

from tests.board.firmware import BOARDS

# (export name, wasm instruction, operand types, result type)
OPS = [
    ("f64_add", "f64.add", "FF", "F"), ("f64_sub", "f64.sub", "FF", "F"),
    ("f64_mul", "f64.mul", "FF", "F"), ("f64_div", "f64.div", "FF", "F"),
    ("f64_min", "f64.min", "FF", "F"), ("f64_max", "f64.max", "FF", "F"),
    ("f64_sqrt", "f64.sqrt", "F", "F"), ("f64_nearest", "f64.nearest", "F", "F"),
    ("f64_floor", "f64.floor", "F", "F"), ("f64_trunc", "f64.trunc", "F", "F"),
    ("f64_lt", "f64.lt", "FF", "i"), ("f32_demote", "f32.demote_f64", "F", "f"),
    ("f64_promote", "f64.promote_f32", "f", "F"), ("f32_add", "f32.add", "ff", "f"),
    ("f32_sqrt", "f32.sqrt", "f", "f"), ("f32_div", "f32.div", "ff", "f"),
    ("i64_trunc", "i64.trunc_sat_f64_s", "F", "I"),
    ("f64_convert", "f64.convert_i64_u", "I", "F"),
]

_PARAM = {"F": "i64", "f": "i32", "I": "i64", "i": "i32"}
_GET = {"F": "(f64.reinterpret_i64 (local.get %d))", "f": "(f32.reinterpret_i32 (local.get %d))",
        "I": "(local.get %d)", "i": "(local.get %d)"}
_OUT = {"F": "(i64.reinterpret_f64 %s)", "f": "(i32.reinterpret_f32 %s)", "I": "%s", "i": "%s"}


def _wat():
    funcs = []
    for name, ins, ps, r in OPS:
        params = " ".join("(param %s)" % _PARAM[t] for t in ps)
        args = " ".join(_GET[t] % i for i, t in enumerate(ps))
        body = _OUT[r] % ("(%s %s)" % (ins, args))
        funcs.append('(func (export "%s") %s (result %s) %s)' % (name, params, _PARAM[r], body))
    return "(module %s)" % "\n".join(funcs)


def _bits(x):
    import struct
    return struct.unpack("<Q", struct.pack("<d", x))[0]


# operands as bits: the examples, rounding ties, subnormals, NaN payloads
CASES = [
    ("f64_add", _bits(0.1), _bits(0.2)), ("f64_add", _bits(1e308), _bits(1e308)),
    ("f64_sub", _bits(1.0), _bits(2.0 ** -60)), ("f64_mul", _bits(1.1), _bits(3.3)),
    ("f64_mul", 1, _bits(0.5)), ("f64_div", _bits(1.0), _bits(3.0)),
    ("f64_div", _bits(-2.0), 0), ("f64_min", 0, 1 << 63), ("f64_max", 0x7FF4000000000001, 0),
    ("f64_sqrt", _bits(2.0)), ("f64_sqrt", 3), ("f64_nearest", _bits(2.5)),
    ("f64_nearest", _bits(-0.5)), ("f64_floor", _bits(-1.5)), ("f64_trunc", _bits(-2.7)),
    ("f64_lt", _bits(-0.0), _bits(0.0)), ("f32_demote", _bits(0.1)),
    ("f32_demote", 0x7FF4000020000000), ("f64_promote", 0x3DCCCCCD),
    ("f32_add", 0x3DCCCCCD, 0x3E4CCCCD), ("f32_sqrt", 0x40000000),
    ("f32_div", 0x3F800000, 0x40400000), ("i64_trunc", _bits(-1e19)),
    ("i64_trunc", _bits(123456789.9)), ("f64_convert", (1 << 64) - 1),
]

_SIG = dict((name, (ps, r)) for name, _i, ps, r in OPS)


def _wasm():
    if shutil.which("wat2wasm") is None:
        pytest.skip("wat2wasm not installed")
    return subprocess.run(["wat2wasm", "-", "--output=-"], input=_wat().encode(),
                          capture_output=True, check=True).stdout


def _unsigned(t, v):
    return v & ((1 << (64 if t in "FI" else 32)) - 1)


def _signed(t, v):
    n = 64 if t in "FI" else 32
    return v - (1 << n) if v >> (n - 1) else v


def _on_cpython(wasm):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
    inst = rt.instantiate(rt.load(wasm), stack_size=16 * 1024, heap_size=0)
    env = inst.create_exec_env(stack_size=16 * 1024)
    out = []
    for name, *args in CASES:
        ps, r = _SIG[name]
        signed = [_signed(t, a) for t, a in zip(ps, args)]
        out.append(_unsigned(r, env.call(inst.lookup_function(name), *signed)))
    return out


# the pool is allocated first (the module has no linear memory)
BOARD_SCRIPT = """
buf = bytearray(40 * 1024)
import wasmbed
from wasmbed.core import float_host
from wasmbed.platform.baremetal import BaremetalPlatform
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="pool", heap_buf=buf,
                                           platform=BaremetalPlatform(), mode="interp"))
inst = rt.instantiate(rt.load(WASM), stack_size=8 * 1024, heap_size=0)
env = inst.create_exec_env(stack_size=8 * 1024)
print("soft", float_host.soft())
for name, args in CASES:
    r = env.call(inst.lookup_function(name), *args)
    print("r", r & ((1 << 64) - 1))
"""


@pytest.mark.skipif(N.soft, reason="CPython's hard floats are the oracle")
@pytest.mark.parametrize("board", sorted(BOARDS))
def test_float_bits_on_the_board_match_cpython(board_factory, board):
    """At the board's default heap; MPS2_AN385 (single-precision floats)
    in soft float mode, MPS2_AN500 (double) in hard mode."""
    wasm = _wasm()
    want = _on_cpython(wasm)
    cases = []
    for name, *args in CASES:
        ps, _r = _SIG[name]
        cases.append((name, [_signed(t, a) for t, a in zip(ps, args)]))
    b = board_factory(board)
    out = b.repl.exec("WASM = %r\nCASES = %r\n%s" % (wasm, cases, BOARD_SCRIPT),
                      timeout=120).decode()
    lines = out.split("\n")
    assert "soft %s" % (not BOARDS[board]["double"]) in out, out
    got = [int(line.split()[1]) for line in lines if line.startswith("r ")]
    assert len(got) == len(CASES), out
    for (name, *args), g, w in zip(CASES, got, want):
        _ps, r = _SIG[name]
        assert _unsigned(r, g) == w, (name, [hex(a) for a in args], hex(g), hex(w))
    # the two examples, spelled out
    assert want[0] == 0x3FD3333333333334
    assert want[CASES.index(("f64_nearest", _bits(2.5)))] == _bits(2.0)
