"""Mutexes and condition variables from MicroPython's ``_thread`` locks.

MicroPython's ``lock.acquire(waitflag, timeout)`` accepts a timeout on some
ports and silently ignores it on others (the unix port blocks forever), so
timed acquisition is emulated by polling ``acquire(0)`` with short sleeps
(20 us doubling up to 1 ms) unless the host is known to honour timeouts
(CPython's ``_thread``).

The condition variable is a FIFO of per-waiter locks, as WAMR's FreeRTOS
and AliOS ports build theirs: ``wait`` enqueues a lock it holds, releases
the mutex and blocks on its own lock; ``signal`` dequeues the first waiter
and releases its lock; ``broadcast`` does that for all; a waiter that times
out removes itself (if a signal beat it to it, the wait counts as woken).
"""


from wasmbed.platform.baremetal.host import _thread
from wasmbed.platform_api import Cond, Mutex, WAIT_FOREVER

_FIRST_PAUSE_US = 20
MAX_PAUSE_US = 1000


def poll_until(ready, timeout_ns, ticks, sleep_us):
    """Call ``ready()`` until it is true or ``timeout_ns`` passes (negative:
    forever; 0: one call), sleeping 20 us doubling to 1 ms in between.
    Elapsed time is summed step by step with ``ticks`` (a
    :class:`wasmbed.platform.baremetal.ticks.Ticks` in us), so a wrap of the
    counter does not matter. Returns the last answer of ``ready()``."""
    if ready():
        return True
    if timeout_ns == 0:
        return False
    forever = timeout_ns < 0
    remaining = (timeout_ns + 999) // 1000
    last = ticks.us()
    pause = _FIRST_PAUSE_US
    while True:
        sleep_us(pause if forever or pause < remaining else remaining)
        if ready():
            return True
        if not forever:
            now = ticks.us()
            remaining -= ticks.diff(now, last)
            last = now
            if remaining <= 0:
                return False
        if pause < MAX_PAUSE_US:
            pause += pause


class LockKit(object):
    """Allocates ``_thread`` locks and acquires them with a timeout.

    ``ticks``: a :class:`wasmbed.platform.baremetal.ticks.Ticks` (us) for
    measuring polls; ``sleep_us``: a sleep function; ``native_timeouts``:
    True when ``lock.acquire(1, seconds)`` really times out.
    """

    def __init__(self, ticks, sleep_us, native_timeouts):
        self.ticks = ticks
        self.sleep_us = sleep_us
        self.native_timeouts = native_timeouts
        self._max_s = getattr(_thread, "TIMEOUT_MAX", 1e9)

    def new_lock(self):
        return _thread.allocate_lock()

    def acquire(self, lock, timeout_ns):
        """Take ``lock`` within ``timeout_ns`` (negative: forever); bool."""
        if timeout_ns < 0:
            lock.acquire()
            return True
        if self.native_timeouts and timeout_ns > 0:
            return bool(lock.acquire(1, min(timeout_ns / 1e9, self._max_s)))
        return poll_until(lambda: lock.acquire(0), timeout_ns, self.ticks,
                          self.sleep_us)


class LockMutex(Mutex):
    """A non-recursive mutex over one ``_thread`` lock."""

    def __init__(self, kit):
        self.lock = kit.new_lock()
        self._kit = kit

    def acquire(self, timeout_ns=WAIT_FOREVER):
        return self._kit.acquire(self.lock, timeout_ns)

    def release(self):
        self.lock.release()


class LockCond(Cond):
    """A condition variable built from a FIFO of per-waiter locks."""

    def __init__(self, kit):
        self._kit = kit
        self._guard = kit.new_lock()
        self._waiters = []

    def wait(self, mutex, timeout_ns=WAIT_FOREVER):
        kit = self._kit
        mine = kit.new_lock()
        mine.acquire()
        guard = self._guard
        guard.acquire()
        self._waiters.append(mine)
        guard.release()
        mutex.release()
        try:
            woken = kit.acquire(mine, timeout_ns)
            if not woken:
                guard.acquire()
                try:
                    if mine in self._waiters:
                        self._waiters.remove(mine)
                    else:
                        woken = True  # a signal dequeued us as we timed out
                finally:
                    guard.release()
        finally:
            mutex.acquire()
        return woken

    def signal(self):
        guard = self._guard
        guard.acquire()
        try:
            if self._waiters:
                self._waiters.pop(0).release()
        finally:
            guard.release()

    def broadcast(self):
        guard = self._guard
        guard.acquire()
        try:
            waiters = self._waiters
            self._waiters = []
            for lock in waiters:
                lock.release()
        finally:
            guard.release()

    def waiting(self):
        """How many threads wait now (for tests and diagnostics)."""
        return len(self._waiters)
