"""LinuxPlatform: the platform interface on CPython over a POSIX OS.

- virtual memory: anonymous mmaps with a reservation (``vm.py``);
- threads, mutexes, condvars, thread-local slots: ``threading``
  (``threads.py``);
- clocks: ``time.time_ns``/``monotonic_ns``/``process_time_ns``/
  ``thread_time_ns``; resolutions from ``time.get_clock_info``;
- console: ``sys.stdin``/``stdout``/``stderr`` (or given fds/files) as byte
  streams with ``readable(timeout_ns)`` over ``select`` (``console.py``);
- entropy: ``os.urandom``;
- files: ``LinuxFileSystem`` (``files.py``) when it is present, else None.
"""

import os
import sys
import threading
import time

from wasmbed.platform_api import (
    CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_REALTIME,
    CLOCK_THREAD_CPUTIME, PROT_RW, Platform, clock_error,
)
from wasmbed.platform.linux import vm as _vm
from wasmbed.platform.linux.console import FdStream
from wasmbed.platform.linux.threads import (
    DEFAULT_THREAD_CAP, LinuxCond, LinuxMutex, LinuxThreads, os_thread_cap,
)

try:
    from wasmbed.platform.linux.files import LinuxFileSystem
except ImportError:  # the file-system part is optional
    LinuxFileSystem = None

_CLOCKS = {
    CLOCK_REALTIME: (time.time_ns, "time"),
    CLOCK_MONOTONIC: (time.monotonic_ns, "monotonic"),
    CLOCK_PROCESS_CPUTIME: (time.process_time_ns, "process_time"),
    CLOCK_THREAD_CPUTIME: (time.thread_time_ns, "thread_time"),
}


def _resolution_ns(name):
    try:
        res = time.get_clock_info(name).resolution
    except (ValueError, OSError):
        return 1000
    return max(1, int(round(res * 1e9)))


class LinuxPlatform(Platform):
    """CPython on Linux (and other POSIX systems).

    ``stdin``/``stdout``/``stderr``: an int fd or a file object for each
    console stream (default: ``sys.stdin``/``sys.stdout``/``sys.stderr``
    at construction time). ``max_threads``: cap on threads started through
    this platform that run at once (default: the OS limit, at most 1024).
    ``files``: the file-system object (default: a new ``LinuxFileSystem``;
    pass ``False`` for none).
    """

    NAME = "linux"
    HAS_THREADS = True
    HAS_VM = True
    HAS_VM_RESERVE = True
    HAS_VM_PROTECT = False
    HAS_CPU_CLOCKS = True

    def __init__(self, stdin=None, stdout=None, stderr=None, max_threads=None,
                 files=None):
        self.stdin = FdStream(sys.stdin if stdin is None else stdin)
        self.stdout = FdStream(sys.stdout if stdout is None else stdout)
        self.stderr = FdStream(sys.stderr if stderr is None else stderr)
        if max_threads is None:
            max_threads = os_thread_cap(DEFAULT_THREAD_CAP)
        self._threads = LinuxThreads(max_threads)
        if files is None:
            files = LinuxFileSystem() if LinuxFileSystem is not None else None
        elif files is False:
            files = None
        self.files = files
        self._res = {}
        for clock_id, (_fn, name) in _CLOCKS.items():
            self._res[clock_id] = _resolution_ns(name)

    # ------------------------------------------------------ virtual memory
    def page_size(self):
        return _vm.PAGE_SIZE

    def vm_map(self, size, prot=PROT_RW, reserve=0):
        return _vm.vm_map(size, prot, reserve)

    def vm_remap(self, region, new_size):
        return _vm.vm_remap(region, new_size)

    def vm_unmap(self, region):
        _vm.vm_unmap(region)

    def vm_protect(self, region, offset, size, prot):
        Platform.vm_protect(self, region, offset, size, prot)
        if offset == 0 and size == region.size:
            region.prot = prot

    # -------------------------------------------------------------- threads
    def thread_create(self, fn, arg, stack_size=0):
        return self._threads.create(fn, arg, stack_size)

    def thread_join(self, handle):
        return self._threads.join(handle)

    def thread_self(self):
        return threading.get_ident()

    def thread_yield(self):
        time.sleep(0)

    def thread_stack_size(self):
        return self._threads.stack_size()

    def max_threads(self):
        return self._threads.cap

    def live_threads(self):
        """Threads started through this platform that have not finished."""
        return self._threads.live

    # ---------------------------------------------------- mutex and condvar
    def mutex_new(self):
        return LinuxMutex()

    def cond_new(self):
        return LinuxCond()

    # --------------------------------------------------------------- clocks
    def clock_ns(self, clock_id):
        entry = _CLOCKS.get(clock_id)
        if entry is None:
            raise clock_error(clock_id)
        return entry[0]()

    def clock_res_ns(self, clock_id):
        res = self._res.get(clock_id)
        if res is None:
            raise clock_error(clock_id)
        return res

    def sleep_ns(self, ns):
        time.sleep(ns / 1e9 if ns > 0 else 0)

    # --------------------------------------------------------- thread-local
    def tls_get(self, slot):
        return self._threads.tls_get(slot)

    def tls_set(self, slot, value):
        self._threads.tls_set(slot, value)

    # -------------------------------------------------------------- entropy
    def random_bytes(self, n):
        return os.urandom(n) if n > 0 else b""

    def close(self):
        for stream in (self.stdin, self.stdout, self.stderr):
            stream.close()
