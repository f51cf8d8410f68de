"""BaremetalPlatform: the platform interface on MicroPython boards.

Built only from what MicroPython offers (``_thread``, ``time``, ``select``,
``os``, ``sys``), each import guarded, so the port also imports and runs
under CPython (where the tests drive it, with a pseudo-terminal standing in
for the UART):

- threads: ``_thread`` (``threads.py``); mutexes are ``_thread`` locks and
  condvars a FIFO of per-waiter locks (``sync.py``); timed waits poll where
  the lock ignores timeouts (MicroPython);
- clocks: ``time.ticks_us``/``ticks_ms`` (or a shim over CPython's
  counters) with wrap-around handled by a 64-bit accumulator
  (``ticks.py``); realtime from ``time.time_ns``/``time.time()``, corrected
  for the ports whose epoch is 2000-01-01; a board without either (the
  qemu port) counts realtime from a wall time it is given
  (``realtime_ns=``, ``set_realtime_ns``, as mpremote sets a board's RTC)
  on the monotonic clock, else from 1970 plus uptime, like an unset RTC;
- virtual memory: blocks of a ``wasmbed.pool_alloc.Pool`` or bytearrays
  (``vm.py``);
- console: a UART-like object (``machine.UART``, pyserial ``Serial``) or
  ``sys`` stdio (``console.py``);
- entropy: ``os.urandom``, else ``random.getrandbits`` (not cryptographic);
- files: None unless given.
"""

import sys
import time

from wasmbed.platform_api import (
    CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_REALTIME,
    CLOCK_THREAD_CPUTIME, Platform, PROT_RW, clock_error,
)
from wasmbed.platform.baremetal.host import IS_MICROPYTHON, _thread, os
from wasmbed.platform.baremetal.console import StdioStream
from wasmbed.platform.baremetal.ticks import MonotonicClock, Ticks
# sync, threads, vm and UartStream are imported where used: a board
# without _thread, a pool or a UART object does not pay their RAM.
from wasmbed.platform.minimal import BufferMemory, SoloCond, SoloMutex

EPOCH_2000_S = 946684800     # 2000-01-01 minus 1970-01-01, in seconds
_TLS_THREAD_START = "wasmbed.baremetal.thread_start_us"


def _epoch_offset_ns():
    """What to add to time.time() to count from 1970 (boards whose epoch is
    2000 report gmtime(0) as the year 2000)."""
    try:
        if time.gmtime(0)[0] == 2000:
            return EPOCH_2000_S * 1000000000
    except (AttributeError, OverflowError, OSError, ValueError):
        pass
    return 0


def _sleep_us_fn():
    native = getattr(time, "sleep_us", None)
    if native is not None:
        return native
    return lambda us: time.sleep(us / 1e6)


def _yield_fn():
    """What thread_yield calls. CPython: ``time.sleep(0)`` (drops the GIL).
    MicroPython's unix port: ``sleep_us(1)``, since ``sleep_us(0)`` returns
    without entering the kernel and measurably never lets another thread
    in. Boards: ``sleep_ms(0)``, which runs the port's event hook and so
    releases the GIL on ports that have one."""
    if not IS_MICROPYTHON:
        return lambda: time.sleep(0)
    if sys.platform in ("linux", "darwin"):
        return lambda: time.sleep_us(1)
    return lambda: time.sleep_ms(0)


class BaremetalPlatform(Platform):
    """A port for MicroPython boards (and, for tests, CPython).

    ``console``: a UART-like object (``read(n)``, ``write(b)`` and ``any()``
    or ``in_waiting``) used for stdin, stdout and stderr; None: ``sys``
    stdio. ``pool``: a ``wasmbed.pool_alloc.Pool`` to carve regions from;
    None: bytearrays. ``max_threads``: cap on threads running at once
    (default: by board, see ``threads.BOARD_THREAD_CAPS``; 0 without
    ``_thread``). ``ticks_period``: force a shorter wrap period (a power of
    two >= 2**14, in us) for the monotonic clock's counter; None: the host's.
    ``lock_timeouts``: True if ``lock.acquire(1, timeout)`` honours the
    timeout; None: True on CPython, False on MicroPython (which then polls).
    ``files``: a ``wasmbed.platform_fs.FileSystem`` or None.
    ``realtime_ns``: the wall time now (ns since 1970), for boards whose
    ``time`` has no wall clock; None: the host's clock.
    """

    NAME = "baremetal"
    HAS_THREADS = _thread is not None
    HAS_VM = True
    HAS_VM_RESERVE = False
    HAS_VM_PROTECT = False
    HAS_CPU_CLOCKS = False

    def __init__(self, console=None, pool=None, max_threads=None,
                 ticks_period=None, lock_timeouts=None, files=None,
                 realtime_ns=None):
        self._sleep_us = _sleep_us_fn()
        self._yield = _yield_fn()
        self.ticks = Ticks(ticks_period, "us")
        self._clock = MonotonicClock(self.ticks, Ticks(None, "ms"))
        self._epoch_ns = _epoch_offset_ns()
        self._realtime_ns = getattr(time, "time_ns", None)
        self._realtime_s = getattr(time, "time", None)
        self._realtime_base = None
        if lock_timeouts is None:
            lock_timeouts = not IS_MICROPYTHON
        if _thread is None:
            max_threads = 0
        elif max_threads is None:
            from wasmbed.platform.baremetal.threads import default_thread_cap
            max_threads = default_thread_cap()
        self.HAS_THREADS = max_threads > 0
        if _thread is not None:
            from wasmbed.platform.baremetal.sync import LockKit
            from wasmbed.platform.baremetal.threads import LockThreads
            self._kit = LockKit(self.ticks, self._sleep_us, lock_timeouts)
            self._threads = LockThreads(self._kit, max_threads,
                                        self._thread_started)
        else:
            self._kit = None
            self._threads = None
        self._memory = BufferMemory()
        self.pool = None
        if pool is not None:
            self.attach_pool(pool)
        if console is not None:
            from wasmbed.platform.baremetal.console import UartStream
            stream = UartStream(console, self._sleep_us, self.ticks)
            self.stdin = self.stdout = self.stderr = stream
        else:
            self.stdin = StdioStream(sys.stdin)
            self.stdout = StdioStream(sys.stdout)
            self.stderr = StdioStream(sys.stderr)
        self.console = console
        self.files = files
        self._entropy = getattr(os, "urandom", None)
        self._main_tls = {}
        if realtime_ns is not None:
            self.set_realtime_ns(realtime_ns)

    def set_realtime_ns(self, ns):
        """Set the wall clock: CLOCK_REALTIME reads ``ns`` now and runs on
        with the monotonic clock from here."""
        self._realtime_base = ns - self._clock.us() * 1000

    # ------------------------------------------------------ virtual memory
    def attach_pool(self, pool):
        """Carve regions mapped from now on from ``pool`` (a
        ``wasmbed.pool_alloc.Pool``, typically made with this platform's
        ``mutex_new()``). Regions mapped before stay where they are and must
        be unmapped before the switch."""
        from wasmbed.platform.baremetal.vm import PoolMemory
        self.pool = pool
        self._memory = PoolMemory(pool)  # type: ignore[assignment]

    def page_size(self):
        return 8

    def vm_map(self, size, prot=PROT_RW, reserve=0):
        return self._memory.map(size, prot, reserve)

    def vm_remap(self, region, new_size):
        return self._memory.remap(region, new_size)

    def vm_unmap(self, region):
        self._memory.unmap(region)

    # -------------------------------------------------------------- threads
    def _thread_started(self):
        self.tls_set(_TLS_THREAD_START, self._clock.us())

    def thread_create(self, fn, arg, stack_size=0):
        if self._threads is None:
            return Platform.thread_create(self, fn, arg, stack_size)
        return self._threads.create(fn, arg, stack_size)

    def thread_join(self, handle):
        if self._threads is None:
            return Platform.thread_join(self, handle)
        return self._threads.join(handle)

    def thread_self(self):
        return _thread.get_ident() if _thread is not None else 0

    def thread_yield(self):
        self._yield()

    def max_threads(self):
        return self._threads.cap if self._threads is not None else 0

    def live_threads(self):
        """Threads started through this platform that have not finished."""
        return self._threads.live if self._threads is not None else 0

    # ---------------------------------------------------- mutex and condvar
    def mutex_new(self):
        if self._kit is None:
            return SoloMutex(self.sleep_ns)
        from wasmbed.platform.baremetal.sync import LockMutex
        return LockMutex(self._kit)

    def cond_new(self):
        if self._kit is None:
            return SoloCond(self.sleep_ns)
        from wasmbed.platform.baremetal.sync import LockCond
        return LockCond(self._kit)

    # --------------------------------------------------------------- clocks
    def clock_ns(self, clock_id):
        if clock_id == CLOCK_MONOTONIC:
            return self._clock.us() * 1000
        if clock_id == CLOCK_REALTIME:
            if self._realtime_base is not None:
                return self._realtime_base + self._clock.us() * 1000
            if self._realtime_ns is not None:
                return self._realtime_ns() + self._epoch_ns
            if self._realtime_s is not None:
                return int(self._realtime_s() * 1000000000) + self._epoch_ns
            return self._clock.us() * 1000   # no wall clock: an unset RTC
        if clock_id == CLOCK_PROCESS_CPUTIME:
            return self._clock.us() * 1000
        if clock_id == CLOCK_THREAD_CPUTIME:
            start = self.tls_get(_TLS_THREAD_START) or 0
            return (self._clock.us() - start) * 1000
        raise clock_error(clock_id)

    def clock_res_ns(self, clock_id):
        if clock_id == CLOCK_REALTIME:
            if self._realtime_base is None and self._realtime_ns is None \
                    and self._realtime_s is not None:
                return 1000000000
            return 1000
        if clock_id in (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME,
                        CLOCK_THREAD_CPUTIME):
            return 1000
        raise clock_error(clock_id)

    def sleep_ns(self, ns):
        """Sleep at least ``ns`` ns by the monotonic clock. ``sleep_us``
        may return early (on the qemu boards it is a busy wait on a
        ``ticks_us`` that reads up to 1 ms low just after each millisecond
        tick), so the time left is measured after every sleep and slept
        again. A slice lasts at most a quarter of the counter's period, so
        the monotonic accumulator never misses a wrap."""
        if ns <= 0:
            return
        clock = self._clock
        end = clock.us() + (ns + 999) // 1000
        step = self.ticks.period >> 2
        while True:
            left = end - clock.us()
            if left <= 0:
                return
            self._sleep_us(left if left < step else step)

    # --------------------------------------------------------- thread-local
    def tls_get(self, slot):
        if self._threads is None:
            return self._main_tls.get(slot)
        return self._threads.tls_get(slot)

    def tls_set(self, slot, value):
        if self._threads is None:
            self._main_tls[slot] = value
        else:
            self._threads.tls_set(slot, value)

    # -------------------------------------------------------------- entropy
    def random_bytes(self, n):
        if n <= 0:
            return b""
        if self._entropy is not None:
            return bytes(self._entropy(n))
        import random
        return bytes(random.getrandbits(8) for _ in range(n))

