"""Threads, mutexes, condition variables and thread-local slots for
LinuxPlatform, over CPython's ``threading``.

Stack sizes: ``threading.stack_size`` is process-wide and applies to threads
started after it is set, so thread_create sets it, starts the thread and
restores it under one lock. CPython refuses stacks under 32 KiB; sizes are
rounded up to that minimum and to whole pages.
"""

import os
import threading

from wasmbed.platform_api import (
    OS_EAGAIN, Cond, Mutex, ThreadHandle, WAIT_FOREVER,
)

MIN_STACK = 32 * 1024
DEFAULT_THREAD_CAP = 1024
_STACK_LOCK = threading.Lock()


def _rlimit_stack():
    """The soft RLIMIT_STACK in bytes, 0 when unlimited or unknown."""
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    except (ImportError, OSError, ValueError, AttributeError):
        return 0
    if soft < 0 or soft == getattr(resource, "RLIM_INFINITY", -1) or soft > 1 << 40:
        return 0
    return soft


def os_thread_cap(limit=DEFAULT_THREAD_CAP):
    """The host's thread limit (kernel threads-max and RLIMIT_NPROC when
    readable), bounded by ``limit``."""
    cap = limit
    try:
        with open("/proc/sys/kernel/threads-max") as f:
            cap = min(cap, int(f.read().split()[0]))
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_NPROC)[0]
        if soft != resource.RLIM_INFINITY and soft > 0:
            cap = min(cap, soft)
    except (ImportError, OSError, ValueError, AttributeError):
        pass
    return max(cap, 1)


def _timeout_s(timeout_ns):
    return min(timeout_ns / 1e9, threading.TIMEOUT_MAX)


class LinuxMutex(Mutex):
    """A non-recursive mutex over ``threading.Lock``."""

    __slots__ = ("lock",)

    def __init__(self):
        self.lock = threading.Lock()

    def acquire(self, timeout_ns=WAIT_FOREVER):
        if timeout_ns < 0:
            return self.lock.acquire()
        if timeout_ns == 0:
            return self.lock.acquire(False)
        return self.lock.acquire(True, _timeout_s(timeout_ns))

    def release(self):
        self.lock.release()


class LinuxCond(Cond):
    """A condition variable: ``threading.Condition`` over the lock of the
    mutex passed to ``wait``.

    The Condition is bound to a mutex on first use and rebound when waited
    on with another mutex while nobody waits (using two mutexes at once with
    one condvar is an error, as in POSIX: ValueError).
    """

    __slots__ = ("_cv", "_mutex")

    def __init__(self):
        self._cv = None
        self._mutex = None

    def wait(self, mutex, timeout_ns=WAIT_FOREVER):
        cv = self._cv
        if self._mutex is not mutex:
            if cv is not None and getattr(cv, "_waiters", None):
                raise ValueError("condvar is in use with another mutex")
            cv = self._cv = threading.Condition(mutex.lock)
            self._mutex = mutex
        if timeout_ns < 0:
            return cv.wait()
        return cv.wait(_timeout_s(timeout_ns))

    def signal(self):
        if self._cv is not None:
            self._cv.notify(1)

    def broadcast(self):
        if self._cv is not None:
            self._cv.notify_all()


class LinuxThreads(object):
    """thread_create/join/self/yield and the live-thread cap."""

    def __init__(self, cap):
        self.cap = cap
        self.live = 0
        self._guard = threading.Lock()
        self._local = threading.local()
        self._stack = threading.local()   # .size: what create() applied

    def create(self, fn, arg, stack_size=0):
        with self._guard:
            if self.live >= self.cap:
                raise OSError(OS_EAGAIN, "thread cap of %d reached" % self.cap)
            self.live += 1
        applied = 0
        if stack_size > 0:
            page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
            applied = max(stack_size, MIN_STACK)
            applied = (applied + page - 1) // page * page
        handle = ThreadHandle(fn, arg, applied)
        thread = threading.Thread(target=self._body, args=(handle,), daemon=True)
        handle.port_data = thread
        try:
            with _STACK_LOCK:
                old = threading.stack_size(applied) if applied else None
                try:
                    thread.start()
                finally:
                    if old is not None:
                        threading.stack_size(old)
        except (RuntimeError, ValueError, MemoryError) as exc:
            with self._guard:
                self.live -= 1
            raise OSError(OS_EAGAIN, "cannot start thread: %s" % exc)
        handle.ident = thread.ident
        return handle

    def _body(self, handle):
        self._stack.size = handle.stack_size
        try:
            handle.run()
        finally:
            self._local.__dict__.clear()
            with self._guard:
                self.live -= 1
            handle.done = True

    def stack_size(self):
        """C stack bytes of the calling thread: what create() applied, the
        main thread's RLIMIT_STACK (8 MiB when unlimited), or the host's
        default for other threads (threading.stack_size(), else the
        default pthreads derives from RLIMIT_STACK, 2 MiB when unlimited)."""
        size = getattr(self._stack, "size", 0)
        if size:
            return size
        limit = _rlimit_stack()
        if threading.current_thread() is threading.main_thread():
            return limit or 8 << 20
        size = threading.stack_size()
        if size:
            return size
        return limit or 2 << 20

    def join(self, handle):
        handle.port_data.join()
        return handle.outcome()

    def tls_get(self, slot):
        return self._local.__dict__.get(slot)

    def tls_set(self, slot, value):
        self._local.__dict__[slot] = value
