"""The platform conformance suite: one set of checks every port must pass.

Each check is a function taking a :class:`Harness` (the platform under test,
plus an optional console peer) and raising AssertionError on failure. A
check declares what it needs:

- ``REQUIRED``: every port, including a single-threaded one;
- ``THREADS``: ports with ``HAS_THREADS`` (skipped, not failed, without);
- ``VM``: ports with ``HAS_VM``;
- ``CONSOLE``: run when the harness can talk to the port's console (a peer
  that feeds its stdin and drains its stdout).

A port with a capability flag set must pass the checks that need it; the
required part alone is what a new port passes first (docs/PORTING.md).

This file runs unchanged under CPython (``test_platform_conformance.py``
parametrizes it over every port) and MicroPython (``mp_conformance.py``), so
it uses only the platform interface: no host module, no pytest.
"""

from wasmbed.platform_api import (
    CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_REALTIME,
    CLOCK_THREAD_CPUTIME, OS_EAGAIN, OS_EINVAL, OS_ENOSYS, PROT_READ,
    PROT_RW,
)

REQUIRED = "required"
THREADS = "threads"
VM = "vm"
CONSOLE = "console"

MS = 1000000
SEC = 1000000000
# 2020-01-01T00:00:00Z in ns: any realtime clock set by a human is later.
REALTIME_FLOOR_NS = 1577836800 * SEC
# Sleeps and timeouts may overshoot on a loaded machine: allow this much.
SLACK_NS = 750 * MS


class Skip(Exception):
    """Raised by a check that cannot run on this harness (with a reason)."""


class Harness(object):
    """A port under test: ``platform``; ``peer`` (or None) with
    ``feed(data)`` (bytes into the port's stdin) and ``drain(n, timeout_ns)``
    (up to ``n`` bytes the port wrote to stdout, waiting at most
    ``timeout_ns``); ``label`` names it in reports. ``vm_unit``: the unit
    (bytes) the virtual-memory checks size their regions in (default 4096,
    a page; the largest region is 72 units, so a board whose heap is a few
    hundred KB gives 512)."""

    def __init__(self, platform, peer=None, label="", vm_unit=4096):
        self.platform = platform
        self.peer = peer
        self.label = label or platform.NAME
        self.vm_unit = vm_unit


class MemoryPeer(object):
    """The peer of a port whose console is MemoryStream objects (the
    minimal port's default)."""

    def __init__(self, platform):
        self.platform = platform

    def feed(self, data):
        self.platform.stdin.feed(data)

    def drain(self, n, timeout_ns):
        return self.platform.stdout.take()[:n]


CHECKS = []


def check(needs=REQUIRED):
    """Register the decorated function as a check named after it (without
    its ``check_`` prefix)."""
    def register(fn):
        CHECKS.append((fn.__name__[6:], needs, fn))
        return fn
    return register


def needs_met(needs, harness):
    """None when ``harness`` can run a check that ``needs``; else why not."""
    p = harness.platform
    if needs == THREADS and not p.HAS_THREADS:
        return "port has no threads (HAS_THREADS is False)"
    if needs == VM and not p.HAS_VM:
        return "port has no virtual memory (HAS_VM is False)"
    if needs == CONSOLE and harness.peer is None:
        return "harness has no console peer"
    return None


def run_check(name, harness):
    """Run one check -> ("PASS" | "FAIL" | "SKIP", message)."""
    for cname, needs, fn in CHECKS:
        if cname == name:
            break
    else:
        raise KeyError(name)
    why = needs_met(needs, harness)
    if why is not None:
        return "SKIP", why
    try:
        fn(harness)
    except Skip as exc:
        return "SKIP", str(exc)
    except AssertionError as exc:
        return "FAIL", str(exc) or "assertion failed"
    except Exception as exc:  # noqa: BLE001 - a crash is a failure
        return "FAIL", "%s: %s" % (type(exc).__name__, exc)
    return "PASS", ""


def check_names():
    return [name for name, _needs, _fn in CHECKS]


# ----------------------------------------------------------------- helpers

def expect(cond, message):
    if not cond:
        raise AssertionError(message)


def mono(p):
    return p.clock_ns(CLOCK_MONOTONIC)


def errno_of(exc):
    """``exc.errno`` (ports raise OSError(code, message), which sets it on
    CPython and MicroPython alike)."""
    return getattr(exc, "errno", None)


def expect_oserror(fn, errno, what):
    try:
        fn()
    except OSError as exc:
        expect(errno_of(exc) == errno,
               "%s: OSError errno %r, expected %r" % (what, errno_of(exc), errno))
        return
    raise AssertionError("%s: no OSError raised" % what)


def wait_until(p, predicate, timeout_ns=5 * SEC):
    """Poll ``predicate`` (with short sleeps) until it is true or the timeout
    passes; return its last value."""
    deadline = mono(p) + timeout_ns
    while True:
        if predicate():
            return True
        if mono(p) > deadline:
            return bool(predicate())
        p.sleep_ns(MS)


def counted_threads(p, n, body):
    """Start ``n`` threads running ``body(i)`` at the same moment (each
    waits at a gate that opens once all exist); join them all; results."""
    gate = p.mutex_new()
    gate.acquire()

    def gated(i):
        gate.acquire()
        gate.release()
        return body(i)

    handles = []
    try:
        for i in range(n):
            handles.append(p.thread_create(gated, i))
    finally:
        gate.release()
    return [p.thread_join(h) for h in handles]


# ------------------------------------------------------------------ clocks

@check()
def check_clock_monotonic(h):
    p = h.platform
    last = mono(p)
    for _ in range(2000):
        now = mono(p)
        expect(now >= last, "monotonic went back: %d after %d" % (now, last))
        last = now
    before = mono(p)
    p.sleep_ns(5 * MS)
    after = mono(p)
    expect(after - before >= 4 * MS,
           "5 ms sleep advanced monotonic by %d ns" % (after - before))


@check()
def check_clock_ids_and_resolution(h):
    p = h.platform
    for clock_id in (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME,
                     CLOCK_THREAD_CPUTIME):
        res = p.clock_res_ns(clock_id)
        expect(isinstance(res, int) and 1 <= res <= SEC,
               "clock %d: resolution %r ns" % (clock_id, res))
        value = p.clock_ns(clock_id)
        expect(isinstance(value, int) and value >= 0,
               "clock %d: value %r" % (clock_id, value))
    real = p.clock_ns(CLOCK_REALTIME)
    expect(real > REALTIME_FLOOR_NS, "realtime %d is before 2020" % real)
    expect_oserror(lambda: p.clock_ns(99), OS_EINVAL, "clock_ns(99)")
    expect_oserror(lambda: p.clock_res_ns(99), OS_EINVAL, "clock_res_ns(99)")


@check()
def check_clock_cpu_time(h):
    p = h.platform
    for clock_id in (CLOCK_PROCESS_CPUTIME, CLOCK_THREAD_CPUTIME):
        first = p.clock_ns(clock_id)
        x = 0
        end = mono(p) + 20 * MS
        while mono(p) < end:
            x += 1
        second = p.clock_ns(clock_id)
        expect(second >= first, "cpu clock %d went back" % clock_id)
        expect(second > first, "cpu clock %d did not move during 20 ms of "
               "work" % clock_id)


@check()
def check_sleep_accuracy(h):
    p = h.platform
    for want in (1 * MS, 20 * MS, 60 * MS):
        before = mono(p)
        p.sleep_ns(want)
        took = mono(p) - before
        expect(took >= want - p.clock_res_ns(CLOCK_MONOTONIC),
               "sleep_ns(%d) returned after %d ns" % (want, took))
        expect(took <= want + SLACK_NS,
               "sleep_ns(%d) took %d ns" % (want, took))
    before = mono(p)
    p.sleep_ns(0)
    p.sleep_ns(-5)
    expect(mono(p) - before < SLACK_NS, "sleep_ns(0)/(-5) did not return")


# ------------------------------------------------------ mutex and condvar

@check()
def check_mutex_basic(h):
    p = h.platform
    m = p.mutex_new()
    expect(m.acquire() is True, "acquire() of a free mutex")
    expect(m.acquire(0) is False, "acquire(0) of a held mutex (non-recursive)")
    before = mono(p)
    got = m.acquire(30 * MS)
    took = mono(p) - before
    expect(got is False, "timed acquire of a held mutex succeeded")
    expect(took >= 29 * MS, "timed acquire gave up after %d ns" % took)
    expect(took <= 30 * MS + SLACK_NS, "timed acquire took %d ns" % took)
    m.release()
    expect(m.acquire(0) is True, "acquire(0) after release")
    m.release()
    with m:
        expect(m.acquire(0) is False, "mutex not held inside 'with'")
    expect(m.acquire(0) is True, "mutex still held after 'with'")
    m.release()


@check()
def check_cond_timeout(h):
    p = h.platform
    m = p.mutex_new()
    c = p.cond_new()
    c.signal()      # no waiter: lost
    c.broadcast()
    m.acquire()
    before = mono(p)
    woken = c.wait(m, 30 * MS)
    took = mono(p) - before
    expect(woken is False, "wait without a signal returned %r" % (woken,))
    expect(took >= 29 * MS, "wait timed out after %d ns" % took)
    expect(took <= 30 * MS + SLACK_NS, "wait took %d ns" % took)
    expect(m.acquire(0) is False, "mutex not re-taken after a timed-out wait")
    m.release()


@check(THREADS)
def check_mutex_exclusion(h):
    p = h.platform
    m = p.mutex_new()
    box = [0]
    rounds = 100
    threads = 4

    def body(_i):
        for _ in range(rounds):
            m.acquire()
            try:
                v = box[0]
                p.thread_yield()
                box[0] = v + 1
            finally:
                m.release()
        return True

    counted_threads(p, threads, body)
    expect(box[0] == rounds * threads,
           "locked counter is %d, expected %d" % (box[0], rounds * threads))


@check(THREADS)
def check_race_without_lock(h):
    # The control of check_mutex_exclusion: the same read-yield-write without
    # the mutex must lose updates, or that check proves nothing (and
    # thread_yield does not yield).
    p = h.platform
    rounds = 200
    threads = 4
    for _attempt in range(3):
        box = [0]

        def body(_i):
            for _ in range(rounds):
                v = box[0]
                p.thread_yield()
                box[0] = v + 1
            return True

        counted_threads(p, threads, body)
        if box[0] < rounds * threads:
            return
    raise AssertionError("no update was lost without the lock in 3 tries: "
                         "thread_yield does not let other threads run")


@check(THREADS)
def check_mutex_timeout_across_threads(h):
    p = h.platform
    m = p.mutex_new()
    go = p.mutex_new()
    go.acquire()

    def holder(_arg):
        m.acquire()
        go.acquire()        # hold m until the main thread lets go
        go.release()
        m.release()
        return True

    t = p.thread_create(holder, None)
    expect(wait_until(p, lambda: not _try(m)), "holder never took the mutex")
    before = mono(p)
    got = m.acquire(40 * MS)
    took = mono(p) - before
    expect(got is False, "acquired a mutex another thread holds")
    expect(took >= 39 * MS, "gave up after %d ns" % took)
    go.release()
    expect(m.acquire(5 * SEC) is True, "mutex not handed over after release")
    m.release()
    expect(p.thread_join(t) is True, "holder failed")


def _try(m):
    """Take and give back ``m`` at once; True if it was free."""
    if m.acquire(0):
        m.release()
        return True
    return False


@check(THREADS)
def check_cond_signal_and_broadcast(h):
    p = h.platform
    m = p.mutex_new()
    c = p.cond_new()
    state = {"ready": 0, "woken": 0}
    waiters = 3

    def waiter(_i):
        m.acquire()
        state["ready"] += 1
        woken = c.wait(m, 10 * SEC)
        if woken:
            state["woken"] += 1
        m.release()
        return woken

    def count(key):
        m.acquire()
        try:
            return state[key]
        finally:
            m.release()

    handles = [p.thread_create(waiter, i) for i in range(waiters)]
    # A waiter holds m from its increment until wait releases it, so once
    # the main thread sees ready == 3 under m, all three are waiting.
    expect(wait_until(p, lambda: count("ready") == waiters),
           "waiters did not start")
    m.acquire()
    c.signal()
    m.release()
    expect(wait_until(p, lambda: count("woken") >= 1), "signal woke nobody")
    p.sleep_ns(50 * MS)
    expect(count("woken") == 1, "signal woke %d waiters" % count("woken"))
    m.acquire()
    c.broadcast()
    m.release()
    expect(wait_until(p, lambda: count("woken") == waiters),
           "broadcast woke %d of %d" % (count("woken") - 1, waiters - 1))
    results = [p.thread_join(t) for t in handles]
    expect(results == [True] * waiters, "wait results %r" % (results,))


@check(THREADS)
def check_cond_timeout_with_threads(h):
    # One waiter times out while another, waiting forever, gets the signal.
    p = h.platform
    m = p.mutex_new()
    c = p.cond_new()
    state = {"ready": 0}

    def short(_arg):
        m.acquire()
        state["ready"] += 1
        woken = c.wait(m, 30 * MS)
        m.release()
        return woken

    def forever(_arg):
        m.acquire()
        state["ready"] += 1
        woken = c.wait(m)
        m.release()
        return woken

    def ready():
        m.acquire()
        try:
            return state["ready"]
        finally:
            m.release()

    t_short = p.thread_create(short, None)
    t_forever = p.thread_create(forever, None)
    expect(wait_until(p, lambda: ready() == 2), "waiters did not start")
    expect(p.thread_join(t_short) is False, "the 30 ms wait was woken")
    m.acquire()
    c.signal()
    m.release()
    expect(p.thread_join(t_forever) is True, "the signal went to nobody")


# ----------------------------------------------------------------- threads

@check()
def check_thread_capability(h):
    p = h.platform
    a = p.thread_self()
    expect(isinstance(a, int), "thread_self() is %r" % (a,))
    expect(p.thread_self() == a, "thread_self() changed")
    p.thread_yield()
    if p.HAS_THREADS:
        expect(p.max_threads() > 0, "HAS_THREADS but max_threads() is 0")
    else:
        expect(p.max_threads() == 0, "no threads but max_threads() is %d"
               % p.max_threads())
        expect_oserror(lambda: p.thread_create(lambda x: x, 1), OS_ENOSYS,
                       "thread_create without threads")


@check(THREADS)
def check_thread_create_join(h):
    p = h.platform
    seen = {}

    def body(arg):
        seen["ident"] = p.thread_self()
        return arg * 2

    t = p.thread_create(body, 21, 128 * 1024)
    expect(t.ident is not None, "handle.ident not set on return")
    expect(p.thread_join(t) == 42, "join did not return fn's result")
    expect(p.thread_join(t) == 42, "second join differs")
    expect(t.done is True, "handle.done is not True after join")
    expect(seen["ident"] == t.ident,
           "thread_self() in the thread %r != handle.ident %r"
           % (seen["ident"], t.ident))
    expect(t.ident != p.thread_self(), "new thread has the caller's ident")
    expect(t.stack_size >= 128 * 1024,
           "stack_size applied %d < 128 KiB asked" % t.stack_size)

    def fails(_arg):
        raise ValueError("boom")

    t = p.thread_create(fails, None)
    try:
        p.thread_join(t)
    except ValueError as exc:
        expect("boom" in str(exc), "wrong exception text %r" % (exc,))
    else:
        raise AssertionError("join did not re-raise the thread's exception")


@check(THREADS)
def check_thread_cap(h):
    p = h.platform
    cap = p.max_threads()
    if cap > 64:
        raise Skip("cap of %d is too large to fill; give the harness a small "
                   "max_threads" % cap)
    gate = p.mutex_new()
    gate.acquire()

    def parked(_i):
        gate.acquire()
        gate.release()
        return True

    handles = []
    try:
        for i in range(cap):
            handles.append(p.thread_create(parked, i))
        expect_oserror(lambda: p.thread_create(parked, -1), OS_EAGAIN,
                       "thread %d over a cap of %d" % (cap + 1, cap))
    finally:
        gate.release()
        results = [p.thread_join(t) for t in handles]
    expect(results == [True] * cap, "parked threads failed: %r" % (results,))
    # Finished threads no longer count.
    t = p.thread_create(parked, 0)
    expect(p.thread_join(t) is True, "no thread after the others ended")


# ------------------------------------------------------------ thread-local

@check()
def check_tls_single_thread(h):
    p = h.platform
    expect(p.tls_get("conformance.unset") is None, "unset slot is not None")
    p.tls_set("conformance.a", 1)
    p.tls_set(7, "seven")
    expect(p.tls_get("conformance.a") == 1, "slot a")
    expect(p.tls_get(7) == "seven", "int slot")
    p.tls_set("conformance.a", 2)
    expect(p.tls_get("conformance.a") == 2, "overwrite")
    p.tls_set("conformance.a", None)
    p.tls_set(7, None)


@check(THREADS)
def check_tls_isolation(h):
    p = h.platform
    p.tls_set("conformance.k", "main")

    def body(i):
        before = p.tls_get("conformance.k")
        p.tls_set("conformance.k", "thread %d" % i)
        p.sleep_ns(5 * MS)   # overlap with the other threads
        return (before, p.tls_get("conformance.k"))

    results = counted_threads(p, 3, body)
    for i in range(3):
        expect(results[i] == (None, "thread %d" % i),
               "thread %d saw %r" % (i, results[i]))
    # A thread started after the others ended starts empty too.
    t = p.thread_create(lambda _a: p.tls_get("conformance.k"), None)
    expect(p.thread_join(t) is None, "a new thread inherited a TLS value")
    expect(p.tls_get("conformance.k") == "main", "main's value changed")
    p.tls_set("conformance.k", None)


# ---------------------------------------------------------- virtual memory

def _pattern(n, salt):
    return bytes([(i * 31 + salt) & 0xFF for i in range(n)])


def _all_zero(buf, start=0, end=None):
    """True if ``buf[start:end]`` is all zero bytes, compared 256 bytes at a
    time through a memoryview: slicing a bytearray copies, and on a board a
    copy of a whole region may not fit in the heap."""
    view = memoryview(buf)
    if end is None:
        end = len(view)
    zero = bytes(256)
    while start < end:
        n = end - start if end - start < 256 else 256
        if bytes(view[start:start + n]) != zero[:n]:
            return False
        start += n
    return True


@check(VM)
def check_vm_map_remap_unmap(h):
    p = h.platform
    unit = h.vm_unit
    page = p.page_size()
    expect(page >= 1 and page & (page - 1) == 0, "page_size %r" % page)
    size = 3 * unit + 5
    r = p.vm_map(size, PROT_RW, 64 * unit)
    expect(r.size == size and len(r.buf) == size,
           "mapped %d bytes, buf of %d" % (r.size, len(r.buf)))
    expect(r.reserved >= size, "reserved %d < size" % r.reserved)
    expect(_all_zero(r.buf), "fresh region is not zero")
    data = _pattern(size, 3)
    r.buf[0:size] = data

    big = 10 * unit + 1            # within the reservation
    r = p.vm_remap(r, big)
    expect(r.size == big and len(r.buf) == big, "grow to %d" % big)
    expect(bytes(r.buf[0:size]) == data, "contents lost growing")
    expect(_all_zero(r.buf, size, big), "grown bytes are not zero")

    huge = 72 * unit               # past the reservation
    r.buf[big - 1] = 0x5A
    r = p.vm_remap(r, huge)
    expect(len(r.buf) == huge, "grow past the reservation")
    expect(bytes(r.buf[0:size]) == data, "contents lost moving")
    expect(r.buf[big - 1] == 0x5A, "tail byte lost moving")
    expect(_all_zero(r.buf, big, huge), "moved tail is not zero")

    small = unit + 7
    r = p.vm_remap(r, small)
    expect(len(r.buf) == small and r.size == small, "shrink")
    expect(bytes(r.buf) == data[0:small], "contents lost shrinking")
    r = p.vm_remap(r, size)
    expect(bytes(r.buf[0:small]) == data[0:small], "contents lost regrowing")
    expect(_all_zero(r.buf, small, size),
           "bytes cut by a shrink came back on regrow")

    p.vm_protect(r, 0, r.size, PROT_READ)
    p.vm_protect(r, 0, 0, PROT_RW)
    for off, n in ((0, r.size + 1), (-1, 2), (r.size, 1)):
        try:
            p.vm_protect(r, off, n, PROT_RW)
        except ValueError:
            continue
        raise AssertionError("vm_protect(%d, %d) outside the region" % (off, n))
    p.vm_unmap(r)
    p.vm_unmap(r)

    empty = p.vm_map(0)
    expect(empty.size == 0 and len(empty.buf) == 0, "zero-size map")
    empty = p.vm_remap(empty, 100)
    expect(_all_zero(empty.buf) and len(empty.buf) == 100, "grow from 0")
    p.vm_unmap(empty)
    try:
        p.vm_map(-1)
    except ValueError:
        pass
    else:
        raise AssertionError("vm_map(-1) did not raise ValueError")


@check(VM)
def check_vm_regions_independent(h):
    p = h.platform
    regions = [p.vm_map(1000 + i) for i in range(4)]
    for i, r in enumerate(regions):
        r.buf[0:len(r.buf)] = _pattern(len(r.buf), i)
    regions[1] = p.vm_remap(regions[1], 12 * h.vm_unit)
    for i, r in enumerate(regions):
        n = 1000 + i
        expect(bytes(r.buf[0:n]) == _pattern(n, i),
               "region %d changed by another's remap" % i)
    for r in regions:
        p.vm_unmap(r)


# ----------------------------------------------------------------- console

@check(CONSOLE)
def check_console_round_trip(h):
    p = h.platform
    peer = h.peer
    expect(p.stdin.readable(0) is False, "stdin readable with nothing sent")
    message = b"ping \x00\xff\r\n"
    peer.feed(message)
    expect(p.stdin.readable(2 * SEC) is True, "stdin never became readable")
    got = b""
    deadline = mono(p) + 2 * SEC
    while len(got) < len(message) and mono(p) < deadline:
        if p.stdin.readable(100 * MS):
            got += p.stdin.read(len(message) - len(got))
    expect(got == message, "stdin read %r, sent %r" % (got, message))
    expect(p.stdin.readable(20 * MS) is False, "stdin readable after draining")
    reply = b"pong \x01\xfe\n"
    expect(p.stdout.write(reply) == len(reply), "stdout.write count")
    p.stdout.flush()
    back = peer.drain(len(reply), 2 * SEC)
    expect(back == reply, "peer got %r, expected %r" % (back, reply))
    expect(p.stderr.write(b"") == 0, "stderr.write of nothing")


# ----------------------------------------------------------------- entropy

@check()
def check_entropy(h):
    p = h.platform
    a = p.random_bytes(64)
    b = p.random_bytes(64)
    expect(isinstance(a, bytes) and len(a) == 64, "random_bytes(64) -> %r"
           % (a,))
    expect(a != b, "two draws of 64 bytes are equal")
    expect(len(set(a)) > 8, "64 random bytes have %d distinct values"
           % len(set(a)))
    expect(p.random_bytes(0) == b"", "random_bytes(0)")
    expect(len(p.random_bytes(1000)) == 1000, "random_bytes(1000)")
