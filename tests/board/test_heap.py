"""wasmbed's heap use on both qemu boards at their default heap, measured
on the board (gc.collect(); gc.mem_free()), with wasmbed frozen in flash.
Fails when a figure regresses by more than 10% over the figure published in
docs/DEVICES.md ("Heap and pool sizing"), or passes the issue's budget."""

import os
import subprocess

import pytest

from tests.board import heap_probe
from tests.board.firmware import BOARDS

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Measured per board (bytes of MicroPython heap; see docs/DEVICES.md). The
# single-float MPS2_AN385 also holds the software floats (core/softfloat.py).
FIGURES = {
    "MPS2_AN385": {"import": 32880, "runtime": 57040, "fib": 60880},
    "MPS2_AN500": {"import": 31760, "runtime": 55680, "fib": 59520},
}
# The one-page WASI hello, its pool included (MPS2_AN385; 128,912 on
# MPS2_AN500): within 10% of it and within its 128 KiB budget.
HELLO_FIGURE = 130080
BUDGET = {"fib": 64 * 1024, "hello": 128 * 1024}
SLACK = 1.10


def _wasm(name):
    return subprocess.run(["wat2wasm", os.path.join(HERE, "heap", name + ".wat"),
                           "--output=-"], check=True, capture_output=True).stdout


def _check(figures, names, board):
    for name in names:
        got = figures[name]
        want = HELLO_FIGURE if name == "hello" else FIGURES[board][name]
        assert got <= want * SLACK, \
            "%s uses %d bytes of heap, over %d + 10%%" % (name, got, want)
        if name in BUDGET:
            assert got <= BUDGET[name], "%s over its budget" % name


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_import_runtime_and_fib_heap(board_factory, board):
    b = board_factory(board)
    out = b.repl.exec(heap_probe.fib_probe(_wasm("fib")))
    figures = heap_probe.parse(out)
    assert figures["result"] == 610
    _check(figures, ("import", "runtime", "fib"), board)


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_wasi_hello_heap(board_factory, board):
    b = board_factory(board)
    out = b.repl.exec(heap_probe.hello_probe(_wasm("hello")))
    assert b"Hello, world!" in out
    figures = heap_probe.parse(out)
    assert figures["pool_highmark"] <= heap_probe.POOL_HELLO
    _check(figures, ("hello",), board)
