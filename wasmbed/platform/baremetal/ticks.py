"""Wrapping tick counters and the 64-bit monotonic clock built on them.

MicroPython's ``time.ticks_us()``/``ticks_ms()`` count modulo a power-of-two
period (2**30 on most boards: about 17.9 minutes of microseconds, 12.4 days
of milliseconds; 2**62 on the unix port); ``ticks_diff`` gives the signed
distance modulo that period. :class:`Ticks` offers the same three operations
either from MicroPython's own functions or from a shim (CPython, or a forced
shorter period for tests): ``raw & (period - 1)`` over a free-running
microsecond/millisecond source.

:class:`MonotonicClock` keeps a 64-bit accumulator, updated on every read
with the wrap-safe distance since the previous read. A distance is only
unambiguous below half a period, so each read also consults the millisecond
counter (whose period is about a thousand times longer) and adds the whole
microsecond periods that passed unobserved. Time is lost only if nothing
reads the clock for half a millisecond period (6.2 days on a board). A
reading lower than the previous one (a glitching counter: the qemu boards'
``ticks_us`` reads up to 1 ms low just after each millisecond tick) adds
nothing and does not become the reference.
"""

import time

from wasmbed.platform.baremetal.host import _thread


DEFAULT_PERIOD = 1 << 30   # the period of most boards' ticks_us/ticks_ms
MIN_PERIOD = 1 << 14      # the ms counter must resolve half a us period


def native_period():
    """The period of MicroPython's ticks counters, found with the typed
    operations only: the largest power of two ``h`` whose
    ``ticks_diff(ticks_add(t, h), t)`` is still ``h`` is a quarter of it
    (``ticks_diff`` answers in [-period/2, period/2), and ``ticks_add``
    refuses steps of half a period or more)."""
    t = time.ticks_us()
    h = 1
    while h < (1 << 62):
        try:
            if time.ticks_diff(time.ticks_add(t, h + h), t) != h + h:
                break
        except OverflowError:  # ticks_add refuses steps of half a period
            break
        h += h
    return 4 * h


def _raw_source(unit_ns):
    """A free-running counter in units of ``unit_ns`` (1000: us, 10**6: ms)
    from the best host source, and that source's own period (None: no wrap
    within the life of the program)."""
    perf = getattr(time, "perf_counter_ns", None)
    if perf is not None:  # CPython
        return (lambda: perf() // unit_ns), None
    if unit_ns == 1000:
        native = getattr(time, "ticks_us", None)
    else:
        native = getattr(time, "ticks_ms", None)
    if native is not None:
        return native, native_period()
    mono = getattr(time, "monotonic_ns", None)
    if mono is not None:
        return (lambda: mono() // unit_ns), None
    return (lambda: int(time.time() * (1000000000 // unit_ns))), None


class Ticks(object):
    """``us()`` (the counter now), ``diff(a, b)`` (signed ``a - b`` modulo
    the period) and ``add(t, d)`` over a counter with ``period`` (a power of
    two). ``unit``: "us" (default) or "ms".

    ``period`` None: MicroPython's own ticks functions where they exist,
    else a shim with DEFAULT_PERIOD. A given ``period`` always builds a shim
    (on MicroPython: the native counter masked to it; it must not exceed the
    native period). ``source``: a callable giving a free-running counter in
    ``unit`` to build the shim on instead of the host's (for tests). Raises
    ValueError for a period that is not a power of two of at least
    MIN_PERIOD.
    """

    def __init__(self, period=None, unit="us", source=None):
        unit_ns = 1000 if unit == "us" else 1000000
        self.unit = unit
        native = None
        if source is None and getattr(time, "perf_counter_ns", None) is None:
            native = getattr(time, "ticks_us" if unit == "us" else "ticks_ms",
                             None)
        if period is None and native is not None:
            self.native = True
            self.period = native_period()
            self._now = native
            self._mask = self.period - 1
            self._half = self.period >> 1
            return
        if period is None:
            period = DEFAULT_PERIOD
        if period < MIN_PERIOD or period & (period - 1):
            raise ValueError("ticks period must be a power of two >= %d"
                             % MIN_PERIOD)
        source_period = None
        if source is None:
            source, source_period = _raw_source(unit_ns)
        if source_period is not None and period > source_period:
            raise ValueError("ticks period exceeds the host's (%d)"
                             % source_period)
        self.native = False
        self.period = period
        self._now = source
        self._mask = period - 1
        self._half = period >> 1

    def us(self):
        """The counter now (in this object's unit), in [0, period)."""
        if self.native:
            return self._now()
        return self._now() & self._mask

    def diff(self, a, b):
        """``a - b`` as a signed distance in [-period/2, period/2)."""
        if self.native:
            return time.ticks_diff(a, b)
        return ((a - b + self._half) & self._mask) - self._half

    def add(self, t, delta):
        """``t + delta`` modulo the period."""
        if self.native:
            return time.ticks_add(t, delta)
        return (t + delta) & self._mask


class MonotonicClock(object):
    """A never-decreasing microsecond count since creation, from a wrapping
    microsecond counter ``fine`` and a millisecond counter ``coarse`` (both
    :class:`Ticks`). Thread-safe when ``_thread`` exists."""

    def __init__(self, fine, coarse):
        self.fine = fine
        self.coarse = coarse
        self._lock = _thread.allocate_lock() if _thread is not None else None
        self._last_us = fine.us()
        self._last_ms = coarse.us()
        self._acc = 0

    def us(self):
        """Microseconds since this clock was made (never decreases)."""
        lock = self._lock
        if lock is not None:
            lock.acquire()
        try:
            fine = self.fine
            now_us = fine.us()
            now_ms = self.coarse.us()
            delta = fine.diff(now_us, self._last_us)
            gap_ms = self.coarse.diff(now_ms, self._last_ms)
            if gap_ms < 0:
                gap_ms += self.coarse.period
            gap_us = gap_ms * 1000
            period = fine.period
            half = period >> 1
            if gap_us + 2000 >= half:
                # Half a period or more went by: the fine distance is
                # ambiguous; the coarse one says how many periods it missed.
                if delta < 0:
                    delta += period
                missed = (gap_us - delta + half) // period
                if missed > 0:
                    delta += missed * period
            if delta < 0:
                # The counter reads lower than last time: not a wrap (that
                # diff is positive) but a glitch. The qemu boards' ticks_us
                # reads up to 1 ms low right after each millisecond tick (it
                # adds the SysTick count to a millisecond count read before
                # the tick). Keep the higher reading as the reference, so
                # the glitch is neither counted nor counted twice.
                now_us = self._last_us
                delta = 0
            self._last_us = now_us
            self._last_ms = now_ms
            self._acc += delta
            return self._acc
        finally:
            if lock is not None:
                lock.release()
