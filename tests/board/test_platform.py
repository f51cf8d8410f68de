"""The platform conformance suite (tests/platform/conformance.py) on both
qemu boards at their default heap, against the baremetal and the minimal
port, over the raw REPL; the documented import forms of the package and the
minimal port's default hooks on a board; and the host's wall clock given
to a guest by ``wasmbed device run`` (the boards have no RTC).

Each board runs every check once (tests/platform/board_conformance.py, sent
as source; the suite itself is frozen into the test firmware) and reports
one result per check; there is one test per (board, port, check). The host is the
console peer: the port's console is the board's REPL console, so the
console check's bytes cross the same UART as the raw REPL. Expected:
every REQUIRED, VM and CONSOLE check passes; every THREADS check is skipped
because the boards have no ``_thread`` (skipped, not failed). The board's
wall clock is set from the host's, as mpremote sets an RTC (the qemu boards
have none); the virtual-memory checks size their regions in 512-byte units,
so that the largest (36 KiB) fits the default heap.
"""

import importlib.util
import os
import time

import pytest

from tests.board.firmware import BOARDS, CONFORMANCE
from wasmbed.device.frames import Decoder, END, LOOSE

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(os.path.dirname(HERE), "platform", "board_conformance.py")
VM_UNIT = 512
RUN_TIMEOUT = 60.0     # seconds of silence before the run counts as hung

_spec = importlib.util.spec_from_file_location("conformance", CONFORMANCE)
conformance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conformance)
CHECKS = [(name, needs) for name, needs, _fn in conformance.CHECKS]


class BoardRun(object):
    """Run the suite on a booted board (``repl``: its RawRepl) with the
    host as console peer; ``results`` {name: (status, message)},
    ``seconds`` the wall time the run took."""

    def __init__(self, repl):
        self.repl = repl
        self.results = {}
        self.loose = bytearray()    # what the port wrote to its stdout
        self.drain = None           # (n, deadline) of a pending drain

    def run(self):
        with open(DRIVER) as f:
            source = f.read()
        start = time.monotonic()
        self.repl.enter(soft_reset=True)
        self.repl.start(source + "\nmain(%d, %d)\n" % (time.time_ns(), VM_UNIT))
        decoder = Decoder()
        last = time.monotonic()
        while True:
            got = self.repl.read(4096)
            if got:
                last = time.monotonic()
                for kind, payload in decoder.feed(got):
                    if kind == END:
                        self.repl.pushback(payload)
                        err = self.repl.finish(RUN_TIMEOUT)
                        if err.strip():
                            raise AssertionError("the board raised:\n%s"
                                                 % err.decode("utf-8", "replace"))
                        self.seconds = time.monotonic() - start
                        return self
                    self._event(kind, payload)
            elif time.monotonic() - last > RUN_TIMEOUT:
                raise AssertionError("the board went silent; results so far: %r"
                                     % (self.results,))
            self._answer_drain()

    def _event(self, kind, payload):
        if kind == LOOSE:
            self.loose += payload
        elif kind == b"I":
            self.repl.write(payload)
        elif kind == b"W":
            n, ms = payload.decode().split()
            self.drain = (int(n), time.monotonic() + int(ms) / 1000.0)
        elif kind == b"C":
            status, port, name, message = (payload.decode("utf-8", "replace")
                                           + " ").split(" ", 3)
            self.results[(port, name)] = (status, message.strip())
        else:
            raise AssertionError("unexpected frame %r %r" % (kind, payload))

    def _answer_drain(self):
        if self.drain is None:
            return
        n, deadline = self.drain
        if len(self.loose) < n and time.monotonic() < deadline:
            return
        data = bytes(self.loose[:n])
        del self.loose[:n]
        self.drain = None
        self.repl.write(b"%04x" % len(data) + data)


_RUNS = {}


@pytest.fixture(scope="module")
def board_results(test_board):
    """-> results(board): the suite's results on that board, run once."""
    def results(board):
        if board not in _RUNS:
            try:
                _RUNS[board] = BoardRun(test_board(board).repl).run()
            except AssertionError as exc:   # reported once per test, run once
                _RUNS[board] = exc
        got = _RUNS[board]
        if isinstance(got, AssertionError):
            raise got
        return got
    return results


PORTS = ("baremetal", "minimal")
CASES = [(board, port, name, needs) for board in sorted(BOARDS)
         for port in PORTS for name, needs in CHECKS]


@pytest.mark.parametrize("board,port,name,needs", CASES,
                         ids=["%s-%s-%s" % case[:3] for case in CASES])
def test_conformance_on_board(board_results, board, port, name, needs):
    run = board_results(board)
    assert (port, name) in run.results, "no result for %s %s" % (port, name)
    status, message = run.results[(port, name)]
    if needs == conformance.THREADS:
        # the boards have no _thread: skipped for that reason, not failed
        assert (status, message) == ("SKIP", "port has no threads "
                                             "(HAS_THREADS is False)")
        pytest.skip("%s: %s" % (board, message))
    assert status == "PASS", "%s of the %s port on %s: %s %s" % (
        name, port, board, status, message)


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_board_reports_every_check_and_nothing_else(board_results, board):
    run = board_results(board)
    assert sorted(run.results) == sorted((port, name) for port in PORTS
                                         for name, _ in CHECKS)
    assert run.loose == b"", "stray console output %r" % bytes(run.loose)


IMPORTS = os.path.join(os.path.dirname(HERE), "platform", "mp_imports.py")
EXPECTED_IMPORTS = ["clock=1", "numeric=True", "wasi=True", "core=True",
                    "missing=refused", "hasattr=False"]


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_documented_import_forms_work_on_the_board(test_board, board):
    with open(IMPORTS) as f:
        source = f.read()
    b = test_board(board)
    b.repl.enter(soft_reset=True)
    assert b.repl.exec(source, timeout=60).decode().split() == EXPECTED_IMPORTS


MINIMAL_DEFAULTS = """
import time
from wasmbed.platform.minimal import MinimalPlatform, TicksClock, host_now_fn
p = MinimalPlatform()
print('ticks_clock=%s' % isinstance(host_now_fn(), TicksClock))
a = p.clock_ns(1)
t = time.ticks_ms()
p.sleep_ns(30000000)
print('slept_ms=%d' % ((p.clock_ns(1) - a) // 1000000))
print('board_ms=%d' % time.ticks_diff(time.ticks_ms(), t))
"""


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_minimal_port_defaults_on_a_board_without_a_wall_clock(test_board, board):
    # The qemu boards' time has no time()/time_ns(): the minimal port's
    # default clock counts ticks_us, and its default sleep lasts its time
    # although sleep_us returns early there.
    b = test_board(board)
    b.repl.enter(soft_reset=True)
    got = dict(w.split("=") for w in b.repl.exec(MINIMAL_DEFAULTS, timeout=60)
               .decode().split())
    assert got["ticks_clock"] == "True"
    assert 30 <= int(got["slept_ms"]) < 200, got
    assert int(got["board_ms"]) >= 29, got


YEARS_WAT = """(module
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1 1)
  (func (export "_start")
    (drop (call $clock (i32.const 0) (i64.const 1000) (i32.const 8)))
    (call $exit (i32.wrap_i64 (i64.div_u (i64.load (i32.const 8))
                                         (i64.const 31557600000000000))))))
"""


# `wasmbed device run` is tested on firmware with a 256 KiB heap, like an
# RP2040's (the issue's device runner; test_device.py uses the same): its
# runner, link and RAM filesystem beside a guest's 64 KiB page and the
# runtime leave no room at the default heap (the heap figures at the
# default heap are test_heap.py's).
RUN_HEAP = {"MPS2_AN385": 256 * 1024, "MPS2_AN500": 256 * 1024}


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_device_run_gives_the_guest_the_hosts_wall_clock(board_factory, board, tmp_path):
    # The qemu boards have no RTC: without the host's time the guest's
    # CLOCK_REALTIME would count from 1970 (exit code 0, whole years).
    wasmtime = pytest.importorskip("wasmtime")
    import subprocess
    import sys
    path = tmp_path / "years.wasm"
    path.write_bytes(wasmtime.wat2wasm(YEARS_WAT))
    b = board_factory(board, RUN_HEAP[board], serial="pty")
    r = subprocess.run([sys.executable, "-m", "wasmbed", "device", "run",
                        "--port", b.pty, "--timeout", "60", str(path)],
                       capture_output=True, timeout=120)
    assert r.stderr == b"", r.stderr.decode()
    assert r.returncode == time.time_ns() // 31557600000000000
