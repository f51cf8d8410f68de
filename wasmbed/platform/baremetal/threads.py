"""Threads and thread-local slots over MicroPython's ``_thread``.

``_thread`` has no join: each thread gets a "done" lock, held from creation
and released when the body ends; joining acquires and releases it.
``thread_create`` waits until the new thread has recorded its ident, so the
handle is complete when it returns. Thread-local slots are a dict per
``_thread.get_ident()``, dropped when a thread made here ends.

``_thread.stack_size`` is global and applies to threads started after it is
set; it is set, used and restored under one lock.
"""

import sys


from wasmbed.platform.baremetal.host import IS_MICROPYTHON, _thread
from wasmbed.platform_api import OS_EAGAIN, OS_ENOSYS, ThreadHandle

# Threads that may run at once, by sys.platform (rp2: the second core only).
BOARD_THREAD_CAPS = {"rp2": 1, "esp32": 8, "esp8266": 0}
DEFAULT_THREAD_CAP = 16
HOST_THREAD_CAP = 64         # the unix port and CPython
# CPython refuses stacks under 32 KiB; MicroPython ports clamp on their own.
MIN_STACK = 0 if IS_MICROPYTHON else 32 * 1024


def default_thread_cap():
    """The cap for this host: 0 without ``_thread``, else by board."""
    if _thread is None:
        return 0
    name = sys.platform
    if name in BOARD_THREAD_CAPS:
        return BOARD_THREAD_CAPS[name]
    if name in ("linux", "darwin", "win32", "windows"):
        return HOST_THREAD_CAP
    return DEFAULT_THREAD_CAP


class LockThreads(object):
    """thread create/join, the live-thread cap and thread-local slots.

    ``kit``: the LockKit that makes locks; ``cap``: the cap;
    ``on_start``: called in each new thread before its body (or None).
    """

    def __init__(self, kit, cap, on_start=None):
        self.kit = kit
        self.cap = cap
        self.live = 0
        self.on_start = on_start
        self._guard = kit.new_lock()
        self._stack_lock = kit.new_lock()
        self._tls = {}

    def create(self, fn, arg, stack_size=0):
        if _thread is None or self.cap <= 0:
            raise OSError(OS_ENOSYS, "no threads on this port")
        guard = self._guard
        guard.acquire()
        try:
            if self.live >= self.cap:
                raise OSError(OS_EAGAIN, "thread cap of %d reached" % self.cap)
            self.live += 1
        finally:
            guard.release()
        applied = 0
        if stack_size > 0:
            applied = (max(stack_size, MIN_STACK) + 4095) & -4096
        handle = ThreadHandle(fn, arg, applied)
        done = self.kit.new_lock()
        done.acquire()
        started = self.kit.new_lock()
        started.acquire()
        handle.port_data = done
        try:
            self._stack_lock.acquire()
            try:
                old = _thread.stack_size(applied) if applied else None
                try:
                    _thread.start_new_thread(self._body, (handle, started))
                finally:
                    if old is not None:
                        _thread.stack_size(old)
            finally:
                self._stack_lock.release()
        except (OSError, RuntimeError, MemoryError, ValueError) as exc:
            guard.acquire()
            self.live -= 1
            guard.release()
            raise OSError(OS_EAGAIN, "cannot start thread: %s" % exc)
        started.acquire()
        return handle

    def _body(self, handle, started):
        handle.ident = _thread.get_ident()
        if self.on_start is not None:
            self.on_start()
        started.release()
        try:
            handle.run()
        finally:
            guard = self._guard
            guard.acquire()
            try:
                self._tls.pop(handle.ident, None)
                self.live -= 1
            finally:
                guard.release()
            handle.done = True
            handle.port_data.release()

    def join(self, handle):
        done = handle.port_data
        done.acquire()
        done.release()
        return handle.outcome()

    def tls_get(self, slot):
        guard = self._guard
        guard.acquire()
        try:
            slots = self._tls.get(_thread.get_ident())
            return None if slots is None else slots.get(slot)
        finally:
            guard.release()

    def tls_set(self, slot, value):
        guard = self._guard
        guard.acquire()
        try:
            ident = _thread.get_ident()
            slots = self._tls.get(ident)
            if slots is None:
                slots = self._tls[ident] = {}
            slots[slot] = value
        finally:
            guard.release()
