"""MinimalPlatform, the single-threaded example port: what it does where a
threaded port would block, and its three host hooks."""

import pytest

from wasmbed.platform.minimal import MinimalPlatform, XorShiftEntropy
from wasmbed.platform_api import (
    CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_REALTIME, MemoryStream,
)


class FakeTime(object):
    def __init__(self, now):
        self.now = now
        self.slept = []

    def now_ns(self):
        return self.now

    def sleep_ns(self, ns):
        self.slept.append(ns)
        self.now += ns


def test_waiting_forever_alone_is_a_deadlock_not_a_hang():
    p = MinimalPlatform()
    m = p.mutex_new()
    m.acquire()
    with pytest.raises(RuntimeError):
        m.acquire()
    with pytest.raises(RuntimeError):
        p.cond_new().wait(m)
    m.release()
    with pytest.raises(RuntimeError):
        m.release()


def test_timeouts_sleep_through_the_hook():
    t = FakeTime(10 ** 18)
    p = MinimalPlatform(now_ns=t.now_ns, sleep_ns=t.sleep_ns)
    m = p.mutex_new()
    m.acquire()
    assert m.acquire(5000) is False
    assert p.cond_new().wait(m, 7000) is False
    assert t.slept == [5000, 7000]
    assert m.acquire(0) is False             # still held after the wait


def test_monotonic_never_goes_back_when_the_wall_clock_does():
    t = FakeTime(2 * 10 ** 18)
    p = MinimalPlatform(now_ns=t.now_ns, sleep_ns=t.sleep_ns)
    first = p.clock_ns(CLOCK_MONOTONIC)
    t.now -= 10 ** 12                        # someone set the clock back
    assert p.clock_ns(CLOCK_REALTIME) == t.now
    assert p.clock_ns(CLOCK_MONOTONIC) == first
    t.now += 2 * 10 ** 12
    assert p.clock_ns(CLOCK_MONOTONIC) == t.now
    assert p.clock_ns(CLOCK_PROCESS_CPUTIME) == t.now - 2 * 10 ** 18


def test_xorshift_entropy_varies_and_is_reproducible_per_seed():
    a = XorShiftEntropy(42)
    b = XorShiftEntropy(42)
    first = a(32)
    assert first == b(32)
    assert a(32) != first
    assert len(set(first)) > 8
    assert XorShiftEntropy(43)(32) != first
    p = MinimalPlatform(entropy=XorShiftEntropy(1))
    assert len(p.random_bytes(100)) == 100


def test_console_streams_can_be_given():
    out = MemoryStream()
    p = MinimalPlatform(stdout=out)
    p.stdout.write(b"x")
    assert out.getvalue() == b"x"
    assert isinstance(p.stdin, MemoryStream)
    p.stdin.close_input()
    assert p.stdin.readable(0) is True and p.stdin.read(5) == b""
