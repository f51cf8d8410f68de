"""Fixtures for tests that run on the qemu bare-metal boards.

``board_factory(board, heap_size=None)`` boots a board (building its firmware
first, cached) and yields a QemuBoard whose ``.repl`` runs code on it; boards
are stopped at the end of the test. Tests skip with the reason when the
MicroPython source, the arm toolchain or qemu is missing.
"""

import pytest

from tests.board import firmware
from tests.board.qemu import QemuBoard


@pytest.fixture
def board_factory():
    reason = firmware.missing()
    if reason:
        pytest.skip(reason)
    started = []

    def start(board, heap_size=None, serial="stdio"):
        elf = firmware.firmware(board, heap_size)
        b = QemuBoard(elf, firmware.BOARDS[board]["machine"], serial=serial)
        started.append(b)
        return b

    yield start
    for b in started:
        b.close()
