"""wasmbed.core.numeric against the WebAssembly spec test suite's own
expectations.

For i32/i64/f32/f64/..._cmp/..._bitwise/conversions/float_misc, every export
whose body is just ``local.get 0 [local.get 1] <numeric op> end`` is
recognised from the binary module; each assert_return / assert_trap that
invokes it is checked directly against the numeric function, including the
spec's ``nan:canonical`` / ``nan:arithmetic`` results.

Needs the converted suite (<repo>/../shared/suites, or $WASMBED_SUITES).
"""

import json
import os
import struct

import pytest

from wasmbed.core import numeric
from wasmbed.core.errors import Trap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from suites import SUITES
CORE = os.path.join(SUITES, "spec-json", "core")

# file -> least number of commands that must be recognised and checked
FILES = {
    "i32": 370, "i64": 380, "f32": 2500, "f64": 2500, "f32_cmp": 2400, "f64_cmp": 2400,
    "f32_bitwise": 360, "f64_bitwise": 360, "conversions": 590, "float_misc": 400,
}

pytestmark = pytest.mark.skipif(
    not os.path.isdir(CORE), reason="spec suite not found at %s (set WASMBED_SUITES)" % CORE)


def _leb(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def _name(data, pos):
    n, pos = _leb(data, pos)
    return bytes(data[pos:pos + n]).decode("utf-8"), pos + n


def single_op_exports(wasm):
    """{export name: opcode id} for exported functions that are one numeric op
    applied to their parameters in order."""
    pos = 8
    exports, bodies, n_imported = {}, [], 0
    while pos < len(wasm):
        sid = wasm[pos]
        size, pos = _leb(wasm, pos + 1)
        end = pos + size
        if sid == 2:  # imports: count imported functions (they shift indices)
            count, p = _leb(wasm, pos)
            for _ in range(count):
                _, p = _name(wasm, p)
                _, p = _name(wasm, p)
                kind = wasm[p]
                p += 1
                if kind == 0:
                    n_imported += 1
                    _, p = _leb(wasm, p)
                else:
                    return {}  # not the kind of module this test reads
        elif sid == 7:
            count, p = _leb(wasm, pos)
            for _ in range(count):
                name, p = _name(wasm, p)
                kind = wasm[p]
                idx, p = _leb(wasm, p + 1)
                if kind == 0:
                    exports[name] = idx
        elif sid == 10:
            count, p = _leb(wasm, pos)
            for _ in range(count):
                size_b, p = _leb(wasm, p)
                bodies.append(bytes(wasm[p:p + size_b]))
                p += size_b
        pos = end
    ops = {}
    for name, idx in exports.items():
        if idx < n_imported:
            continue
        body = bodies[idx - n_imported]
        if body[0] != 0 or body[-1] != 0x0B:
            continue
        code, k = body[1:-1], 0
        while code[:2] == bytes((0x20, k)):
            code, k = code[2:], k + 1
        if code[:1] == b"\xfc":
            sub, p = _leb(code, 1)
            opid = 0x100 + sub if p == len(code) else None
        else:
            opid = code[0] if len(code) == 1 else None
        fn = numeric.UNOP.get(opid) if k == 1 else numeric.BINOP.get(opid) if k == 2 else None
        if fn is not None:
            ops[name] = fn
    return ops


MASK = {"i32": 0xFFFFFFFF, "f32": 0xFFFFFFFF, "i64": (1 << 64) - 1, "f64": (1 << 64) - 1}


def _arg(v):
    # Integers may be written signed ("-1"); floats are bit patterns.
    bits = int(v["value"]) & MASK[v["type"]]
    return numeric.bits_to_f64(bits) if v["type"] == "f64" else bits


def _result_ok(expected, r):
    t, value = expected["type"], expected["value"]
    if t == "f64":
        r = numeric.f64_to_bits(r)
    if value in ("nan:canonical", "nan:arithmetic"):
        if t == "f32":
            payload, is_nan = r & 0x7FFFFF, (r & 0x7FFFFFFF) > 0x7F800000
            quiet = 0x400000
        else:
            payload, is_nan = r & 0xFFFFFFFFFFFFF, (r & 0x7FFFFFFFFFFFFFFF) > 0x7FF0000000000000
            quiet = 0x8000000000000
        if value == "nan:canonical":
            return is_nan and payload == quiet
        return is_nan and bool(payload & quiet)
    return r == int(value) & MASK[t]


@pytest.mark.parametrize("stem", sorted(FILES))
def test_spec_numeric_assertions(stem):
    path = os.path.join(CORE, stem, stem + ".json")
    with open(path) as f:
        commands = json.load(f)["commands"]
    ops, checked, failures = {}, 0, []
    for cmd in commands:
        if cmd["type"] == "module":
            with open(os.path.join(CORE, stem, cmd["filename"]), "rb") as f:
                ops = single_op_exports(f.read())
            continue
        if cmd["type"] not in ("assert_return", "assert_trap"):
            continue
        action = cmd["action"]
        fn = ops.get(action["field"]) if action["type"] == "invoke" else None
        if fn is None:
            continue
        checked += 1
        args = [_arg(a) for a in action["args"]]
        where = "%s.wast:%d %s%r" % (stem, cmd["line"], action["field"], tuple(a["value"] for a in action["args"]))
        try:
            r = fn(*args)
        except Trap as e:
            if cmd["type"] != "assert_trap" or e.message != cmd["text"]:
                failures.append("%s: trapped %r" % (where, e.message))
            continue
        if cmd["type"] == "assert_trap":
            failures.append("%s: returned %r, expected trap %r" % (where, r, cmd["text"]))
        elif not _result_ok(cmd["expected"][0], r):
            failures.append("%s: got %r, expected %r" % (where, r, cmd["expected"][0]["value"]))
    assert not failures, "%d failures:\n%s" % (len(failures), "\n".join(failures[:30]))
    assert checked >= FILES[stem], "only %d assertions recognised" % checked
