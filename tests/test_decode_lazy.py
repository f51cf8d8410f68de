"""Lazy bodies and in-place input in decode (core/decode.py): a lazily
decoded module keeps no instruction lists, only a reference to its input,
and reads give the same bodies as eager decoding; bytes, bytearray and
memoryview inputs decode alike and are not copied."""

import glob
import os

import pytest

from wasmbed.core.decode import decode_module
from wasmbed.core.errors import InvalidModule, MalformedModule
from wasmbed.core.validate import validate_module

SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    "..", "shared", "suites", "spec-json", "core")


def modules(names=("left-to-right", "br_table", "memory", "float_exprs")):
    out = []
    for n in names:
        out += sorted(glob.glob(os.path.join(SPEC, n, n + ".*.wasm")))[:6]
    if not out:
        pytest.skip("spec suite not found")
    return out


def decoded(path, **kw):
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data, decode_module(data, threads=False, **kw)
    except MalformedModule:
        return data, None


@pytest.mark.parametrize("path", modules())
def test_lazy_bodies_read_as_eager(path):
    data, eager = decoded(path, lazy=False)
    if eager is None:
        return
    lazy = decode_module(bytearray(data), threads=False, lazy=True)
    assert len(lazy.funcs) == len(eager.funcs)
    for a, b in zip(lazy.funcs, eager.funcs):
        assert a._body is None and a.src is not None
        assert a.body == b.body
        assert a.body is not a.body       # a fresh list per read
        assert (a.locals, a.offset) == (b.locals, b.offset)
    assert [d.init for d in lazy.datas] == [d.init for d in eager.datas]


@pytest.mark.parametrize("path", modules(("call_indirect", "left-to-right",
                                           "exports")))
def test_lazy_export_names_read_as_eager(path):
    data, eager = decoded(path, lazy=False)
    if eager is None:
        return
    for lazy in (decode_module(memoryview(data), threads=False, lazy=True),
                 decode_module(data, threads=False, trusted=True)):
        names = [e.name for e in eager.exports]
        if names:       # left in the input
            assert type(lazy.exports.names) is not list
        assert list(lazy.exports.names) == names
        assert [(e.name, e.kind, e.index) for e in lazy.exports] == \
            [(e.name, e.kind, e.index) for e in eager.exports]
        for i, n in enumerate(names):
            assert lazy.exports.names.index(n) == names.index(n) <= i
        with pytest.raises(ValueError):
            lazy.exports.names.index("no such export \u00e9")


def test_a_trusted_module_validates_all_but_its_bodies():
    wasmtime = pytest.importorskip("wasmtime")
    # a body that does not type-check (no i32 left), in a binary that decodes
    bad = wasmtime.wat2wasm('(module (func (export "f") (result i32) nop))')
    with pytest.raises(InvalidModule):
        validate_module(decode_module(bad, lazy=True))
    m = decode_module(bad, trusted=True)
    validate_module(m, bodies=False)
    assert m.validated
    # the rest is still checked: a start function with a result
    worse = wasmtime.wat2wasm('(module (func $s (result i32) i32.const 0) (start $s))')
    with pytest.raises(InvalidModule, match="start function"):
        validate_module(decode_module(worse, trusted=True), bodies=False)


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_inputs_are_read_in_place(kind):
    path = modules(("left-to-right",))[0]
    data, eager = decoded(path, lazy=False)
    buf = kind(data)
    m = decode_module(buf, threads=False, lazy=True)
    assert m.funcs[0].src[0] is buf
    validate_module(m)
    assert [f.body for f in m.funcs] == [f.body for f in eager.funcs]
    for d in m.datas:
        assert type(d.init) is not memoryview     # copied out


def test_a_bad_body_is_malformed_at_decode_even_when_lazy():
    # one function whose body is a lone illegal opcode
    mod = bytes.fromhex("0061736d01000000" "010401600000" "03020100"
                        "0a05010300ff0b")
    with pytest.raises(MalformedModule):
        decode_module(mod, lazy=True)


def test_setting_a_body_replaces_the_lazy_one():
    path = modules(("left-to-right",))[0]
    _, m = decoded(path, lazy=True)
    f = m.funcs[0]
    f.body = [(0x0B,)]
    assert f.body == [(0x0B,)] and f.src is None
