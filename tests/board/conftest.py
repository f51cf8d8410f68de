"""Fixtures for tests that run on the qemu bare-metal boards.

``board_factory(board, heap_size=None, serial="stdio", manifest=MANIFEST)``
boots a board (building its firmware first, cached) and yields a QemuBoard
whose ``.repl`` runs code on it; boards are stopped at the end of the test.
``test_board(board)`` (module scope) is one board per test module, booted
with the test firmware (``firmware.TEST_MANIFEST``: the package plus the
board side of the tests) at the board's default heap, or at
``WASMBED_BOARD_TEST_HEAP`` bytes when that is set (for diagnosis only). Tests skip with the reason when the
MicroPython source, the arm toolchain or qemu is missing.
"""

import os

import pytest

from tests.board import firmware
from tests.board.qemu import QemuBoard


@pytest.fixture
def board_factory():
    reason = firmware.missing()
    if reason:
        pytest.skip(reason)
    started = []

    def start(board, heap_size=None, serial="stdio", manifest=firmware.MANIFEST):
        elf = firmware.firmware(board, heap_size, manifest)
        b = QemuBoard(elf, firmware.BOARDS[board]["machine"], serial=serial)
        started.append(b)
        return b

    yield start
    for b in started:
        b.close()


@pytest.fixture(scope="module")
def test_board():
    """-> start(board): a QemuBoard with the test firmware, booted once per
    test module and board."""
    reason = firmware.missing()
    if reason:
        pytest.skip(reason)
    boards = {}
    heap = os.environ.get("WASMBED_BOARD_TEST_HEAP")

    def start(board, romfs=None):
        """``romfs``: a ROMFS image (path) for the board's ROMFS partition."""
        b = boards.get(board)
        if b is None:
            elf = firmware.firmware(board, int(heap) if heap else None,
                                    firmware.TEST_MANIFEST)
            info = firmware.BOARDS[board]
            b = QemuBoard(elf, info["machine"], timeout=60,
                          romfs=(romfs, info["romfs"]) if romfs else None)
            boards[board] = b
        return b

    yield start
    for b in boards.values():
        b.close()
