"""BaremetalPlatform beyond the conformance suite: tick wrap-around, the
lock-built condvar's edge cases, polled timeouts, UART and stdio consoles,
pool-carved regions, and the port without ``_thread``."""

import os
import sys
import threading
import time

import pytest

import conformance
from harnesses import open_pty_serial
from wasmbed.core.errors import PoolExhausted
from wasmbed.platform import baremetal as bm
from wasmbed.platform.baremetal import BaremetalPlatform
from wasmbed.platform.baremetal import threads as bm_threads
from wasmbed.platform.baremetal.console import StdioStream, UartStream
from wasmbed.platform.baremetal.sync import LockCond, LockKit, LockMutex
from wasmbed.platform.baremetal.ticks import MonotonicClock, Ticks
from wasmbed.platform.minimal import SoloMutex
from wasmbed.platform_api import (
    CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_THREAD_CPUTIME, OS_ENOSYS,
)
from wasmbed.pool_alloc import Pool

MS = 1000000


class FakeCounter(object):
    """A free-running counter the test advances by hand."""

    def __init__(self, start=0):
        self.value = start

    def __call__(self):
        return self.value


# ------------------------------------------------------------------- ticks

def test_shim_ticks_wrap_like_micropython():
    src = FakeCounter()
    t = Ticks(1 << 14, source=src)
    period = 1 << 14
    src.value = period - 5
    a = t.us()
    src.value = period + 5                  # wrapped
    b = t.us()
    assert (a, b) == (period - 5, 5)
    assert t.diff(b, a) == 10
    assert t.diff(a, b) == -10
    assert t.add(a, 10) == 5
    assert t.add(5, -10) == period - 5
    assert t.diff(period // 2, 0) == -(period // 2)  # the ambiguous edge


@pytest.mark.parametrize("period", [3, 1 << 13, (1 << 20) + 1])
def test_ticks_period_must_be_a_large_power_of_two(period):
    with pytest.raises(ValueError):
        Ticks(period)


def _clock(fine_period):
    us = FakeCounter(12345)
    ms = FakeCounter(777)
    clock = MonotonicClock(Ticks(fine_period, "us", us),
                           Ticks(1 << 30, "ms", ms))

    def advance(delta_us):
        us.value += delta_us
        ms.value = 777 + (us.value - 12345) // 1000
    return clock, advance


def test_monotonic_accumulates_across_many_wraps():
    clock, advance = _clock(1 << 14)
    total = 0
    for step in range(2000):
        delta = 1000 + (step * 37) % 5000   # always under half a period
        advance(delta)
        total += delta
        assert clock.us() == total
    assert total > 200 * (1 << 14)          # it wrapped a few hundred times


@pytest.mark.parametrize("gap", [(1 << 14) // 2 + 1, 3 * (1 << 14) + 123,
                                 40 * (1 << 14) - 1])
def test_monotonic_recovers_wraps_nobody_saw(gap):
    # Nothing read the clock for longer than half a period: the millisecond
    # counter tells how many periods went by.
    clock, advance = _clock(1 << 14)
    advance(100)
    assert clock.us() == 100
    advance(gap)
    got = clock.us()
    assert abs(got - (100 + gap)) <= 1000   # within the ms counter's grain


def test_monotonic_ignores_a_counter_that_reads_low_after_each_tick():
    # The qemu boards' ticks_us adds the SysTick count to a millisecond
    # count read first, so a read just after a tick is up to 1 ms low.
    true_us = FakeCounter(0)
    ms = FakeCounter(0)

    def glitchy():
        t = true_us.value
        return t - 990 if t % 1000 < 10 and t >= 1000 else t
    clock = MonotonicClock(Ticks(1 << 30, "us", glitchy),
                           Ticks(1 << 30, "ms", ms))
    last = 0
    for t in range(0, 50000, 7):
        true_us.value = t
        ms.value = t // 1000
        now = clock.us()
        assert now >= last
        assert now <= t, "counted a glitch: %d after %d us" % (now, t)
        last = now
    assert last >= 50000 - 7 - 1000


def test_sleep_is_not_cut_short_by_a_sleep_that_returns_early():
    # On the qemu boards time.sleep_us ends its busy wait early whenever
    # the glitching ticks_us reads low: sleep_ns measures and sleeps again.
    p = BaremetalPlatform()
    calls = []

    def early(us):
        calls.append(us)
        time.sleep(min(us, 300) / 1e6)
    p._sleep_us = early
    host_before = time.monotonic_ns()
    p.sleep_ns(20 * MS)
    assert time.monotonic_ns() - host_before >= 20 * MS
    assert len(calls) > 1


def test_real_shim_clock_follows_the_host_through_wraps():
    # A 16 ms period: the platform's monotonic clock wraps ~20 times here,
    # read densely at first, then not at all for 100 ms.
    p = BaremetalPlatform(ticks_period=1 << 14)
    host0, mine0 = time.monotonic_ns(), p.clock_ns(CLOCK_MONOTONIC)
    end = time.monotonic() + 0.2
    while time.monotonic() < end:
        p.clock_ns(CLOCK_MONOTONIC)
        time.sleep(0.001)
    time.sleep(0.1)
    host = time.monotonic_ns() - host0
    mine = p.clock_ns(CLOCK_MONOTONIC) - mine0
    assert abs(mine - host) < 5 * MS, (mine, host)


def test_long_sleep_is_sliced_so_no_wrap_is_missed():
    p = BaremetalPlatform(ticks_period=1 << 14)
    before = p.clock_ns(CLOCK_MONOTONIC)
    host_before = time.monotonic_ns()
    p.sleep_ns(120 * MS)                    # over 7 periods
    assert p.clock_ns(CLOCK_MONOTONIC) - before >= 119 * MS
    assert time.monotonic_ns() - host_before >= 119 * MS


# ------------------------------------------------------------ locks, conds

def _kit(native=False):
    return LockKit(Ticks(), lambda us: time.sleep(us / 1e6), native)


def test_polled_acquire_times_out_and_catches_a_release():
    kit = _kit()
    lock = kit.new_lock()
    lock.acquire()
    t0 = time.monotonic()
    assert kit.acquire(lock, 30 * MS) is False
    assert time.monotonic() - t0 >= 0.029
    threading.Timer(0.05, lock.release).start()
    t0 = time.monotonic()
    assert kit.acquire(lock, 5000 * MS) is True
    assert time.monotonic() - t0 < 1.0


def test_timed_out_waiter_leaves_the_queue():
    kit = _kit()
    cond = LockCond(kit)
    m = LockMutex(kit)
    m.acquire()
    assert cond.wait(m, 10 * MS) is False
    assert cond.waiting() == 0
    m.release()


def test_signal_racing_a_timeout_counts_as_woken():
    # The waiter's own acquire times out just as a signal dequeues it: the
    # wakeup must not be lost (wait returns True) and the queue is empty.
    class RacingKit(LockKit):
        def acquire(self, lock, timeout_ns):
            if lock is not m.lock and timeout_ns > 0:
                cond.signal()               # dequeues and releases `lock`
                return False                # ... but the waiter timed out
            return LockKit.acquire(self, lock, timeout_ns)

    kit = RacingKit(Ticks(), lambda us: time.sleep(us / 1e6), False)
    cond = LockCond(kit)
    m = LockMutex(kit)
    m.acquire()
    assert cond.wait(m, 10 * MS) is True
    assert cond.waiting() == 0
    assert m.acquire(0) is False            # held again after the wait
    m.release()


def test_signal_wakes_waiters_in_fifo_order():
    p = BaremetalPlatform(max_threads=3)
    m, c = p.mutex_new(), p.cond_new()
    order = []

    def waiter(i):
        m.acquire()
        order.append(("in", i))
        c.wait(m, 10 * 1000 * MS)
        order.append(("out", i))
        m.release()

    handles = []
    for i in range(3):
        handles.append(p.thread_create(waiter, i))
        while True:                          # let waiter i enqueue first
            m.acquire()
            queued = c.waiting()
            m.release()
            if queued == i + 1:
                break
            time.sleep(0.001)
    for _ in range(3):
        m.acquire()
        c.signal()
        m.release()
        time.sleep(0.02)
    for t in handles:
        p.thread_join(t)
    assert [x for x in order if x[0] == "out"] == [("out", 0), ("out", 1),
                                                   ("out", 2)]


# ----------------------------------------------------------------- threads

def test_stack_size_is_applied_and_the_global_restored():
    import _thread
    p = BaremetalPlatform()
    before = _thread.stack_size()
    t = p.thread_create(lambda _a: 1, None, 100 * 1024 + 1)
    assert p.thread_join(t) == 1
    assert t.stack_size >= 100 * 1024 + 1 and t.stack_size % 4096 == 0
    assert _thread.stack_size() == before


def test_thread_cpu_clock_starts_with_the_thread():
    p = BaremetalPlatform()
    time.sleep(0.05)
    main = p.clock_ns(CLOCK_THREAD_CPUTIME)
    t = p.thread_create(lambda _a: p.clock_ns(CLOCK_THREAD_CPUTIME), None)
    assert p.thread_join(t) < main


def test_board_thread_caps(monkeypatch):
    monkeypatch.setattr(bm_threads.sys, "platform", "rp2")
    assert BaremetalPlatform().max_threads() == 1
    monkeypatch.setattr(bm_threads.sys, "platform", "esp8266")
    p = BaremetalPlatform()
    assert p.max_threads() == 0 and p.HAS_THREADS is False


def test_port_without_thread_module_passes_the_required_checks(monkeypatch):
    monkeypatch.setattr(bm, "_thread", None)
    p = BaremetalPlatform(console=None)
    assert p.HAS_THREADS is False and p.max_threads() == 0
    assert isinstance(p.mutex_new(), SoloMutex)
    with pytest.raises(OSError) as info:
        p.thread_create(lambda a: a, 1)
    assert info.value.errno == OS_ENOSYS
    harness = conformance.Harness(p, None, "baremetal-nothreads")
    for name, needs, _fn in conformance.CHECKS:
        status, message = conformance.run_check(name, harness)
        if needs == conformance.REQUIRED:
            assert status == "PASS", "%s: %s" % (name, message)


# ----------------------------------------------------------------- clocks

def test_boards_with_a_2000_epoch_are_corrected(monkeypatch):
    monkeypatch.setattr(bm.time, "gmtime", lambda s: (2000, 1, 1, 0, 0, 0,
                                                      5, 1))
    assert bm._epoch_offset_ns() == bm.EPOCH_2000_S * 10 ** 9
    p = BaremetalPlatform()
    p._realtime_ns = lambda: 0              # a board's time.time_ns() at 2000
    assert p.clock_ns(CLOCK_REALTIME) == bm.EPOCH_2000_S * 10 ** 9


def test_realtime_without_time_ns_has_second_resolution():
    p = BaremetalPlatform()
    p._realtime_ns = None
    assert p.clock_res_ns(CLOCK_REALTIME) == 10 ** 9
    assert abs(p.clock_ns(CLOCK_REALTIME) - time.time_ns()) < 2 * 10 ** 9


# ---------------------------------------------------------------- consoles

class BoardUart(object):
    """Shaped like machine.UART: any(); read() gives None when empty;
    write() answers None (a timeout) every other call."""

    def __init__(self, rx=b""):
        self.rx = bytearray(rx)
        self.tx = bytearray()
        self.calls = 0

    def any(self):
        return len(self.rx)

    def read(self, n):
        if not self.rx:
            return None
        data, self.rx = bytes(self.rx[:n]), self.rx[n:]
        return data

    def write(self, data):
        self.calls += 1
        if self.calls % 2:
            return None
        chunk = bytes(data[:3])              # a small FIFO
        self.tx.extend(chunk)
        return len(chunk)


def _uart_stream(uart):
    return UartStream(uart, lambda us: time.sleep(us / 1e6), Ticks())


def test_uart_stream_over_a_board_uart():
    uart = BoardUart(b"hello")
    s = _uart_stream(uart)
    assert s.readable(0) is True
    assert s.read(3) == b"hel"
    assert s.read(100) == b"lo"
    t0 = time.monotonic()
    assert s.readable(20 * MS) is False
    assert time.monotonic() - t0 >= 0.019
    assert s.write(b"0123456789") == 10
    assert bytes(uart.tx) == b"0123456789"
    assert s.isatty() is True


def test_uart_stream_read_waits_for_a_byte():
    uart = BoardUart()
    s = _uart_stream(uart)
    threading.Timer(0.05, lambda: uart.rx.extend(b"x")).start()
    t0 = time.monotonic()
    assert s.read(10) == b"x"
    assert time.monotonic() - t0 >= 0.04


def test_pyserial_console_end_to_end_through_a_pty():
    master, port, slave = open_pty_serial()
    try:
        p = BaremetalPlatform(console=port)
        assert p.stdin is p.stdout is p.stderr
        os.write(master, b"abc")
        assert p.stdin.readable(2000 * MS)
        time.sleep(0.02)
        assert p.stdin.read(10) == b"abc"
        p.stderr.write(b"err\n")
        time.sleep(0.02)
        assert os.read(master, 100) == b"err\n"
        port.close()
        assert p.stdin.read(10) == b""          # a closed device: end of input
    finally:
        port.close()
        os.close(master)
        os.close(slave)


def test_stdio_stream_over_a_pipe():
    r, w = os.pipe()
    with os.fdopen(r, "rb", buffering=0) as rf:
        s = StdioStream(rf)
        assert s.readable(0) is False
        os.write(w, b"data")
        assert s.readable(1000 * MS) is True
        assert s.read(100) == b"data"        # what is there, no waiting
        os.close(w)
        assert s.readable(0) is True         # end of input
        assert s.read(10) == b""


def test_stdio_stream_writes_and_flushes():
    r, w = os.pipe()
    with os.fdopen(w, "wb") as wf:
        s = StdioStream(wf)
        assert s.write(b"out") == 3
        assert os.read(r, 10) == b"out"
    os.close(r)


def test_default_console_is_sys_stdio():
    p = BaremetalPlatform()
    assert isinstance(p.stdout, StdioStream)
    assert p.stdout.file in (getattr(sys.stdout, "buffer", None), sys.stdout)


# ---------------------------------------------------------- pool regions

def test_regions_are_carved_from_the_pool():
    p = BaremetalPlatform()
    heap = bytearray(256 * 1024)
    pool = Pool(heap, p.mutex_new())
    p.attach_pool(pool)
    free0 = pool.info()["total_free_size"]
    r = p.vm_map(40000)
    assert free0 - pool.info()["total_free_size"] >= 40000
    assert r.buf.obj is heap and len(r.buf) == 40000    # a view of the pool
    r.buf[0:4] = b"wasm"
    r = p.vm_remap(r, 100000)
    assert bytes(r.buf[0:4]) == b"wasm"
    assert free0 - pool.info()["total_free_size"] >= 100000
    with pytest.raises(PoolExhausted):
        p.vm_remap(r, 10 ** 6)
    assert r.size == 100000 and bytes(r.buf[0:4]) == b"wasm"
    with pytest.raises(PoolExhausted):
        p.vm_map(10 ** 6)
    p.vm_unmap(r)
    assert pool.info()["total_free_size"] == free0
    pool.check()


def test_pool_given_to_the_constructor():
    pool = Pool(bytearray(64 * 1024))
    p = BaremetalPlatform(pool=pool)
    free0 = pool.info()["total_free_size"]
    r = p.vm_map(1000)
    assert pool.info()["total_free_size"] < free0
    p.vm_unmap(r)
    assert pool.info()["total_free_size"] == free0
