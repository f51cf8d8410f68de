"""Both qemu boards boot the firmware with wasmbed frozen in and answer
over the raw REPL; the frozen package is exactly what manifest.py lists."""

import pytest

from tests.board.firmware import BOARDS


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_board_boots_and_reports_its_float_precision(board_factory, board):
    b = board_factory(board)
    out = b.repl.exec("import sys, struct\n"
                      "print(sys.implementation._build)\n"
                      "print(struct.pack('<d', 0.1) == b'\\x9a\\x99\\x99\\x99\\x99\\x99\\xb9?')\n")
    build, double = out.decode().split()
    assert build == board
    assert (double == "True") == BOARDS[board]["double"]


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_frozen_package_excludes_host_only_modules(board_factory, board):
    b = board_factory(board)
    # help('modules') lists frozen modules without importing them.
    names = set(b.repl.exec("help('modules')").decode().split())
    assert {"wasmbed/__init__", "wasmbed/pool_alloc/pool", "wasmbed/core/interp",
            "wasmbed/wasi/preview1", "wasmbed/platform/baremetal/__init__"} <= names
    host_only = {n for n in names if n.startswith(("wasmbed/cli", "wasmbed/wast",
                                                   "wasmbed/core/translate",
                                                   "wasmbed/platform/linux",
                                                   "wasmbed/device"))}
    # the test firmware adds the spec scripts' spectest module (its
    # tests/board/frozen/manifest.py), without the wast package's runner
    assert host_only <= {"wasmbed/wast/spectest"}
