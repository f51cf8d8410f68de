"""MinimalPlatform: the smallest complete port, and the example of
docs/PORTING.md.

It needs from its host only a clock, a way to sleep and (optionally) an
entropy source; it runs one thread. Use it as the starting point of a port
for a new board or OS: copy this file, replace the three host hooks, then
add what the host offers beyond them (threads, a real console, files) and
raise the matching ``HAS_*`` flags.

What it offers:
- virtual memory: plain bytearrays (``HAS_VM``; no reservation, no
  protection); exhaustion is PoolExhausted.
- threads: none (``HAS_THREADS`` False: ``thread_create`` raises
  OSError(OS_ENOSYS), ``max_threads()`` is 0).
- mutexes: a flag; taking a held one can only time out (nobody else could
  release it), and waiting forever on a held one raises RuntimeError
  instead of hanging.
- condvars: nobody can signal, so ``wait`` sleeps out its timeout and
  returns False; waiting forever raises RuntimeError.
- clocks: everything derives from one ``now_ns()`` hook: realtime is it,
  monotonic is it clamped so that it never goes back, the CPU-time clocks
  count from the platform's creation. By default the hook is the host's
  wall clock, or on a board without one (no ``time.time``/``time_ns``) a
  :class:`TicksClock` counting ``time.ticks_us`` from 1970 plus uptime.
- console: MemoryStream objects unless streams are given.
- entropy: the ``entropy(n)`` hook, else ``os.urandom`` when the host has it,
  else a xorshift generator seeded from the clock (NOT cryptographic).
- files: None.

This file imports only ``time`` and (optionally) ``os``, and runs on
CPython and MicroPython alike.
"""

import time

try:
    import os
except ImportError:  # pragma: no cover - boards without os
    os = None

from wasmbed.host_errors import PoolExhausted
from wasmbed.platform_api import (
    CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_REALTIME,
    CLOCK_THREAD_CPUTIME, Cond, MemoryStream, Mutex, Platform, PROT_RW,
    Region, WAIT_FOREVER, clock_error,
)


EPOCH_2000_NS = 946684800 * 1000000000   # 2000-01-01 minus 1970-01-01


class TicksClock(object):
    """A clock for hosts without a wall clock (MicroPython boards without an
    RTC, whose ``time`` has neither ``time_ns`` nor ``time``): called, it
    returns ``start_ns`` plus the ns counted since it was made, from
    ``time.ticks_us`` (else ``ticks_ms``). Every call adds the
    ``ticks_diff`` since the previous one, so the counter's wrap does not
    matter as long as it is called at least once per half period (about 9
    minutes of ``ticks_us`` on most boards); a reading lower than the
    previous one (a glitching counter) adds nothing."""

    def __init__(self, start_ns=0):
        fine = getattr(time, "ticks_us", None)
        self._ticks = fine if fine is not None else time.ticks_ms
        self._unit_ns = 1000 if fine is not None else 1000000
        self._last = self._ticks()
        self._ns = start_ns

    def __call__(self):
        now = self._ticks()
        delta = time.ticks_diff(now, self._last)
        if delta > 0:
            self._ns += delta * self._unit_ns
            self._last = now
        return self._ns


def host_now_fn():
    """The default ``now_ns`` hook: ``time.time_ns``, else ``time.time()``
    scaled (both counted from 1970 also where the board's epoch is 2000),
    else a :class:`TicksClock` from 0 (1970 plus uptime, like an
    unset RTC: give ``now_ns`` to start it at the real time)."""
    fn = getattr(time, "time_ns", None)
    seconds = getattr(time, "time", None)
    if fn is None and seconds is None:
        return TicksClock()
    offset = 0
    try:
        if time.gmtime(0)[0] == 2000:   # a board whose epoch is 2000-01-01
            offset = EPOCH_2000_NS
    except (AttributeError, OverflowError, OSError, ValueError):
        pass
    if fn is not None:
        return fn if not offset else (lambda: fn() + offset)
    return lambda: int(seconds() * 1000000000) + offset


def _host_sleep_ns(ns):
    """The default ``sleep_ns`` hook: sleeps at least ``ns``. Without
    ``time.sleep_us``: ``time.sleep``. With it (MicroPython), the time slept
    is measured with ``ticks_us`` and the rest slept again, since
    ``sleep_us`` returns early on some boards (on the qemu ones it is a busy
    wait on a ``ticks_us`` that reads up to 1 ms low just after each
    millisecond tick)."""
    sleep_us = getattr(time, "sleep_us", None)
    if sleep_us is None:
        time.sleep(ns / 1e9)
        return
    left = (ns + 999) // 1000
    last = time.ticks_us()
    while left > 0:
        sleep_us(left if left < 100000 else 100000)
        now = time.ticks_us()
        delta = time.ticks_diff(now, last)
        if delta > 0:
            left -= delta
            last = now


class SoloMutex(Mutex):
    """A mutex for a single-threaded host (also used by BaremetalPlatform
    when ``_thread`` is missing). ``sleep_ns`` waits out timeouts."""

    def __init__(self, sleep_ns):
        self.held = False
        self._sleep_ns = sleep_ns

    def acquire(self, timeout_ns=WAIT_FOREVER):
        if not self.held:
            self.held = True
            return True
        if timeout_ns < 0:
            raise RuntimeError("deadlock: the only thread waits forever for "
                               "a mutex it holds")
        if timeout_ns > 0:
            self._sleep_ns(timeout_ns)
        return False

    def release(self):
        if not self.held:
            raise RuntimeError("release of an unlocked mutex")
        self.held = False


class SoloCond(Cond):
    """A condvar for a single-threaded host: no one can signal a waiter."""

    def __init__(self, sleep_ns):
        self._sleep_ns = sleep_ns

    def wait(self, mutex, timeout_ns=WAIT_FOREVER):
        if timeout_ns < 0:
            raise RuntimeError("deadlock: the only thread waits forever on "
                               "a condition variable")
        mutex.release()
        try:
            if timeout_ns > 0:
                self._sleep_ns(timeout_ns)
        finally:
            mutex.acquire()
        return False

    def signal(self):
        pass

    def broadcast(self):
        pass


class XorShiftEntropy(object):
    """xorshift64* seeded from a clock: varied, NOT cryptographic."""

    def __init__(self, seed):
        self.state = (seed ^ 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF or 1

    def __call__(self, n):
        out = bytearray(n)
        x = self.state
        for i in range(n):
            x ^= x >> 12
            x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
            x ^= x >> 27
            out[i] = ((x * 0x2545F4914F6CDD1D) >> 56) & 0xFF
        self.state = x
        return bytes(out)


class BufferMemory(object):
    """Regions that are plain bytearrays (no MMU): ``map`` allocates,
    ``remap`` allocates anew and copies, ``unmap`` drops the buffer.
    ``MemoryError`` becomes PoolExhausted. Also used by BaremetalPlatform
    when it has no pool."""

    def map(self, size, prot=PROT_RW, reserve=0):
        if size < 0:
            raise ValueError("negative size")
        try:
            buf = bytearray(size)
        except MemoryError:
            raise PoolExhausted()
        return Region(buf, size, prot, size, True)

    def remap(self, region, new_size):
        if new_size < 0:
            raise ValueError("negative size")
        if region.handle is None:
            raise ValueError("region was unmapped")
        try:
            buf = bytearray(new_size)
            keep = min(region.size, new_size)
            # through memoryviews: no temporary copy of the old bytes
            memoryview(buf)[0:keep] = memoryview(region.buf)[0:keep]
        except MemoryError:
            raise PoolExhausted()
        region.buf = buf
        region.size = region.reserved = new_size
        return region

    def unmap(self, region):
        region.handle = None
        region.buf = bytearray(0)
        region.size = 0


class MinimalPlatform(Platform):
    """A single-threaded port built on three host hooks.

    ``now_ns``: a callable returning the wall-clock time in ns since 1970
    (default: ``host_now_fn()``: ``time.time_ns``, else ``time.time()``
    scaled, else a :class:`TicksClock` over ``time.ticks_us`` on a board
    without a wall clock). ``sleep_ns``: a callable sleeping at least that
    many ns (default: ``time.sleep_us``, re-measured, on MicroPython;
    ``time.sleep`` elsewhere). ``entropy``:
    a callable returning n random bytes (default: ``os.urandom`` when
    present, else :class:`XorShiftEntropy`). ``stdin``/``stdout``/
    ``stderr``: console streams (default: a new MemoryStream each).
    ``res_ns``: the clock resolution to report (default 1000).
    """

    NAME = "minimal"
    HAS_THREADS = False
    HAS_VM = True
    HAS_VM_RESERVE = False
    HAS_VM_PROTECT = False
    HAS_CPU_CLOCKS = False

    def __init__(self, now_ns=None, sleep_ns=None, entropy=None, stdin=None,
                 stdout=None, stderr=None, res_ns=1000):
        self._now = now_ns if now_ns is not None else host_now_fn()
        self._sleep = sleep_ns if sleep_ns is not None else _host_sleep_ns
        if entropy is None:
            entropy = getattr(os, "urandom", None)
        if entropy is None:
            entropy = XorShiftEntropy(self._now())
        self._entropy = entropy
        self.stdin = stdin if stdin is not None else MemoryStream()
        self.stdout = stdout if stdout is not None else MemoryStream()
        self.stderr = stderr if stderr is not None else MemoryStream()
        self._res = res_ns
        self._last_mono = self._now()
        self._start = self._last_mono
        self._tls = {}
        self._memory = BufferMemory()

    # virtual memory: plain buffers
    def page_size(self):
        return 8

    def vm_map(self, size, prot=PROT_RW, reserve=0):
        return self._memory.map(size, prot, reserve)

    def vm_remap(self, region, new_size):
        return self._memory.remap(region, new_size)

    def vm_unmap(self, region):
        self._memory.unmap(region)

    # threads: none (the base class's thread_create raises OS_ENOSYS)
    def mutex_new(self):
        return SoloMutex(self.sleep_ns)

    def cond_new(self):
        return SoloCond(self.sleep_ns)

    # clocks
    def clock_ns(self, clock_id):
        now = self._now()
        if clock_id == CLOCK_REALTIME:
            return now
        if clock_id not in (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME,
                            CLOCK_THREAD_CPUTIME):
            raise clock_error(clock_id)
        if now > self._last_mono:
            self._last_mono = now
        if clock_id == CLOCK_MONOTONIC:
            return self._last_mono
        return self._last_mono - self._start

    def clock_res_ns(self, clock_id):
        if clock_id not in (CLOCK_REALTIME, CLOCK_MONOTONIC,
                            CLOCK_PROCESS_CPUTIME, CLOCK_THREAD_CPUTIME):
            raise clock_error(clock_id)
        return self._res

    def sleep_ns(self, ns):
        if ns > 0:
            self._sleep(ns)

    # thread-local: one thread, one dict
    def tls_get(self, slot):
        return self._tls.get(slot)

    def tls_set(self, slot, value):
        self._tls[slot] = value

    # entropy
    def random_bytes(self, n):
        if n <= 0:
            return b""
        return bytes(self._entropy(n))
