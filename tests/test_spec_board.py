"""The board's spec runner (wasmbed/spec_board.py) on CPython: records
from tests/board/spec_stream.py fed to a Session, in the interpreter tier,
with linear memories carved from a one-page buffer as on a board."""

import os

import pytest

from tests.board import spec_stream
from wasmbed import spec_board

SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    "..", "shared", "suites", "spec-json", "core")
COUNTED = "MBAIGTX"


@pytest.fixture(autouse=True)
def rom(tmp_path, monkeypatch):
    """The board's ROMFS: a directory the modules are written to."""
    monkeypatch.setattr(spec_board, "ROM_DIR", str(tmp_path))
    return tmp_path


def run(script, pool):
    path = os.path.join(SPEC, script, script + ".json")
    if not os.path.exists(path):
        pytest.skip("spec suite not found")
    lines, _skipped, pages, files = spec_stream.script_lines(path, "i")
    for name, data in files.items():
        with open(os.path.join(spec_board.ROM_DIR, name), "wb") as f:
            f.write(data)
    s = spec_board.Session()
    if pool:
        s.reserve(bytearray(pool if pool > 0 else pages))
    for rec in lines:
        if isinstance(rec, bytes):
            s.buf = rec[rec.index(b"\n") + 1:]
        else:
            s.run_line(rec)
    s.close()
    counted = sum(1 for r in lines if isinstance(r, str) and r[0] in COUNTED)
    return s, counted


@pytest.mark.parametrize("script", ["memory", "traps", "left-to-right", "memory_grow"])
def test_scripts_pass_with_a_page_buffer(script):
    s, counted = run(script, -1)
    assert s.failed == 0, s.fails
    if script == "memory_grow":
        # growing past the one-page buffer is refused (-1): those
        # commands are resource-limited, never passed or failed
        assert s.limited
        assert s.passed + len(s.limited) == counted
    else:
        assert (s.passed, s.limited) == (counted, [])


def test_without_a_buffer_nothing_is_limited():
    s, counted = run("memory_grow", 0)
    assert (s.failed, s.limited, s.passed) == (0, [], counted)


def test_pages_place_grow_and_free():
    p = spec_board._Pages(bytearray(96))
    a = p.vm_map(16)
    b = p.vm_map(16)
    a.buf[0:2] = b"ab"
    b.buf[0:2] = b"cd"
    a = p.vm_remap(a, 40)          # no room after a: moves past b
    assert bytes(a.buf[0:3]) == b"ab\x00" and len(a.buf) == 40
    assert bytes(b.buf[0:2]) == b"cd"
    p.vm_unmap(b)
    c = p.vm_map(32)               # b's bytes and the gap before a
    assert len(c.buf) == 32 and bytes(c.buf) == bytes(32)
    with pytest.raises(spec_board.PoolExhausted):
        p.vm_map(25)               # 24 bytes left, after a
    assert p.refused == 1
