"""``wasmbed device run`` gives a board without a wall clock the host's time:
``deploy.run(..., realtime_ns=T)`` sets the guest's CLOCK_REALTIME to T
(plus the time since the request) where the board's ``time`` has no wall
clock, and leaves a board's own clock alone. Driven on CPython, the board
without a clock simulated; tests/board/test_platform.py runs it on a qemu
board."""

import io

import pytest

wasmtime = pytest.importorskip("wasmtime")

from wasmbed.platform.baremetal import BaremetalPlatform, deploy  # noqa: E402

YEAR_NS = 31557600 * 10 ** 9     # a Julian year
# exit code: whole years since 1970 on the guest's CLOCK_REALTIME
YEARS_WAT = """(module
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1 1)
  (func (export "_start")
    (drop (call $clock (i32.const 0) (i64.const 1000) (i32.const 8)))
    (call $exit (i32.wrap_i64 (i64.div_u (i64.load (i32.const 8))
                                         (i64.const %d))))))
""" % YEAR_NS


def years_wasm():
    return bytes(wasmtime.wat2wasm(YEARS_WAT))


def run(data, realtime_ns=None):
    out = io.BytesIO()
    return deploy.run("wasm", len(data), ["years"], 256,
                      link=deploy.Link(out, io.BytesIO(data)),
                      realtime_ns=realtime_ns)


def test_a_board_without_a_wall_clock_takes_the_hosts(monkeypatch):
    real_init = BaremetalPlatform.__init__

    def no_rtc(self, *a, **k):   # time has neither time_ns nor time
        real_init(self, *a, **k)
        if self._realtime_base is None:
            self._realtime_ns = self._realtime_s = None
    monkeypatch.setattr(BaremetalPlatform, "__init__", no_rtc)
    assert BaremetalPlatform().has_wall_clock() is False
    assert run(years_wasm(), realtime_ns=40 * YEAR_NS + 5 * 10 ** 9) == 40
    assert run(years_wasm(), realtime_ns=None) != 40   # the host's clock


def test_a_board_with_a_wall_clock_keeps_its_own():
    assert BaremetalPlatform().has_wall_clock() is True
    import time
    assert run(years_wasm(), realtime_ns=3 * YEAR_NS) == time.time_ns() // YEAR_NS
