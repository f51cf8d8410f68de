"""Spec scripts on both qemu boards at their default heap, in the
interpreter tier and through AOT (.mpy modules from ``wasmbed compile`` and
mpy-cross in the board's ROMFS): every command the script has a binary
for must run and pass on the board (text-format modules are skipped, as
on CPython). One board boot per board for the whole module; a soft reset
before each script gives it a fresh heap.

Known failures are listed below with the reason measured on the board;
they are expected failures (xfail, not strict), so a fix shows up as
XPASS and the entry can go.
"""

import os

import pytest

from tests.board import spec_stream
from tests.board.firmware import BOARDS, DEFAULT_HEAP

SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))), "shared", "suites",
    "spec-json", "core")
SCRIPTS = ("i32", "i64", "f32", "f64", "conversions", "float_exprs",
           "float_misc", "memory", "call_indirect", "br_table",
           "left-to-right", "traps")
TIERS = {"i": "interp", "a": "aot"}
# Measured at the default heap (143360 bytes; 138.8 KB free after the soft
# reset; a one-page pool, the module buffer and the runner's imports, 35.4
# KB with the package, leave about 34 KB; see docs/DEVICES.md).
RAM = ("board heap: beside a 64 KiB linear memory page and the runner, too "
       "little is left for the module's %s")
KNOWN_RAM = {   # (script, tier): reason; none is known now
}
COUNTED = "MBAIGTX"   # records the board counts as passed or failed


# Commands whose expected result needs a memory to grow past what the
# board holds: the runner gives each memory at most the pool buffer (the
# store limit max_memory_size), memory.grow past it returns -1 (the spec
# lets an embedder refuse growth) and the board reports the commands that
# then fail as resource-limited. Only these (script: {line: reason}) may
# be; any other resource-limited command fails the test.
GROW_2_PAGES = ("resource-limited: memory.grow refused by the device limit "
                "(2 pages, 128 KiB, do not fit a 140 KiB heap beside the runtime)")
# Through AOT a wasm frame is a Python frame of the board's, on its 10 KB C
# stack (about 40 deep); the interpreter keeps its frames on the heap.
C_STACK = ("resource-limited: the AOT call recurses deeper than the board's "
           "C stack holds (the spec lets the call stack be exhausted)")
RESOURCE_LIMITED = {   # (script, tier or None for both): {line: reason}
    # as-memory.grow-value grows its one-page memory to two
    ("call_indirect", None): {603: GROW_2_PAGES},
    # even(100), even(77), odd(200), odd(77): 77-201 frames deep
    ("call_indirect", "a"): {578: C_STACK, 579: C_STACK, 582: C_STACK,
                             583: C_STACK},
}


def resource_limited(script, tier):
    """{line: reason} of the commands of ``script`` that may be
    resource-limited in ``tier``."""
    allowed = dict(RESOURCE_LIMITED.get((script, None), {}))
    allowed.update(RESOURCE_LIMITED.get((script, tier), {}))
    return allowed


def script_path(name):
    return os.path.join(SPEC, name, name + ".json")


@pytest.fixture(scope="module")
def romfs():
    if not os.path.isdir(SPEC):
        pytest.skip("spec suite not found at %s" % SPEC)
    images = {}

    def image(board):
        soft = not BOARDS[board]["double"]
        if soft not in images:
            images[soft] = spec_stream.aot_romfs([script_path(s) for s in SCRIPTS], soft)
        return images[soft]
    return image


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("tier", sorted(TIERS))
@pytest.mark.parametrize("board", sorted(BOARDS))
def test_spec_script_on_board(test_board, romfs, board, tier, script):
    b = test_board(board, romfs(board))
    soft = not BOARDS[board]["double"]
    path = script_path(script)
    lines, skipped, _pool, _files = spec_stream.script_lines(path, tier, soft)
    counted = sum(1 for r in lines if isinstance(r, str) and r[0] in COUNTED)
    try:
        r = spec_stream.run_script(b.repl, path, tier, soft)
        problem = None
        allowed = resource_limited(script, tier)
        stray = [x for x in r.limited if int(x.split(" ", 1)[0]) not in allowed]
        if r.failed or stray or r.passed + len(r.limited) != counted:
            problem = ("%d passed, %d failed, %d resource-limited of %d; first "
                       "failures: %s; resource-limited not listed: %s" % (
                           r.passed, r.failed, len(r.limited), counted,
                           r.fails, stray))
    except Exception as e:  # noqa: BLE001 - the board ran out of RAM mid-run
        problem = "%s: %s" % (type(e).__name__, getattr(e, "traceback", e))
    if problem is None:
        assert r.skipped == skipped
        return
    reasons = []
    known = KNOWN_RAM.get((script, tier))
    if known is not None and os.environ.get("WASMBED_BOARD_TEST_HEAP") is None:
        reasons.append(known)
    if reasons:
        pytest.xfail("%s (heap %d): %s -- %s" % (board, DEFAULT_HEAP,
                                                 "; ".join(reasons), problem))
    pytest.fail("%s %s %s: %s" % (board, TIERS[tier], script, problem))
