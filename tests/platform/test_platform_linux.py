"""LinuxPlatform beyond the conformance suite: what only a POSIX host shows
(real thread stack sizes, mmap reservations, descriptors, the OS thread
cap)."""

import ctypes
import os
import threading
import time

import pytest

from wasmbed.core.errors import PoolExhausted
from wasmbed.platform import default_platform
from wasmbed.platform.linux import LinuxFileSystem, LinuxPlatform
from wasmbed.platform.linux.console import FdStream
from wasmbed.platform.linux.threads import DEFAULT_THREAD_CAP, MIN_STACK
from wasmbed.platform_api import CLOCK_MONOTONIC, CLOCK_REALTIME

MS = 1000000


def test_default_platform_is_linux_on_cpython():
    assert isinstance(default_platform(), LinuxPlatform)


def test_files_is_the_linux_file_system_when_present():
    p = LinuxPlatform()
    if LinuxFileSystem is None:
        assert p.files is None
    else:
        assert isinstance(p.files, LinuxFileSystem)
    assert LinuxPlatform(files=False).files is None
    marker = object()
    assert LinuxPlatform(files=marker).files is marker


def test_default_thread_cap_comes_from_the_os():
    cap = LinuxPlatform().max_threads()
    assert 0 < cap <= DEFAULT_THREAD_CAP
    assert LinuxPlatform(max_threads=3).max_threads() == 3


def _pthread_stack_size():
    """The stack size of the calling thread, as pthreads reports it."""
    libc = ctypes.CDLL(None)
    libc.pthread_self.restype = ctypes.c_ulong
    attr = ctypes.create_string_buffer(256)   # >= sizeof(pthread_attr_t)
    assert libc.pthread_getattr_np(ctypes.c_ulong(libc.pthread_self()), attr) == 0
    size = ctypes.c_size_t()
    assert libc.pthread_attr_getstacksize(attr, ctypes.byref(size)) == 0
    libc.pthread_attr_destroy(attr)
    return size.value


@pytest.mark.parametrize("asked", [256 * 1024, 8 * 1024 * 1024 + 123])
def test_thread_stack_size_is_honoured(asked):
    p = LinuxPlatform()
    before = threading.stack_size()
    t = p.thread_create(lambda _a: _pthread_stack_size(), None, asked)
    real = p.thread_join(t)
    assert t.stack_size >= asked
    assert real >= asked
    assert real < asked + 1024 * 1024
    assert threading.stack_size() == before   # the global is restored


def test_tiny_stack_is_raised_to_the_minimum():
    p = LinuxPlatform()
    t = p.thread_create(lambda _a: _pthread_stack_size(), None, 1000)
    assert p.thread_join(t) >= MIN_STACK
    assert t.stack_size == MIN_STACK


def test_finished_threads_leave_the_live_count():
    p = LinuxPlatform(max_threads=2)
    handles = [p.thread_create(lambda a: a, i) for i in range(2)]
    assert [p.thread_join(t) for t in handles] == [0, 1]
    assert p.live_threads() == 0


def test_growth_within_the_reservation_keeps_the_mapping():
    p = LinuxPlatform()
    r = p.vm_map(65536, reserve=1 << 32)     # 4 GiB of address space
    mapping = r.handle
    r.buf[100] = 7
    r = p.vm_remap(r, 200 * 65536)
    assert r.handle is mapping                # no new mapping, no copy
    assert r.buf[100] == 7
    reserved = r.reserved
    r = p.vm_remap(r, reserved + 1)           # past it: re-reserved, at
    assert r.reserved >= 2 * reserved         # least doubling
    assert r.buf[100] == 7
    p.vm_unmap(r)


def test_reserving_does_not_commit_memory():
    p = LinuxPlatform()
    with open("/proc/self/statm") as f:
        rss_before = int(f.read().split()[1])
    regions = [p.vm_map(65536, reserve=1 << 32) for _ in range(8)]
    with open("/proc/self/statm") as f:
        rss_after = int(f.read().split()[1])
    for r in regions:
        p.vm_unmap(r)
    pages = (rss_after - rss_before)
    assert pages * p.page_size() < 64 * 1024 * 1024


def test_impossible_map_is_pool_exhausted():
    p = LinuxPlatform()
    with pytest.raises(PoolExhausted):
        p.vm_map(1 << 62)
    r = p.vm_map(100)
    r.buf[0] = 1
    with pytest.raises(PoolExhausted):
        p.vm_remap(r, 1 << 62)
    assert r.size == 100 and r.buf[0] == 1    # unchanged after the failure
    p.vm_unmap(r)


def test_remap_survives_a_view_still_held():
    p = LinuxPlatform()
    r = p.vm_map(4096, reserve=4096)
    old = r.buf[0:10]                         # a view the caller kept
    r = p.vm_remap(r, 1 << 20)                # must move
    r.buf[0] = 9
    assert len(r.buf) == 1 << 20
    del old
    p.vm_unmap(r)


def test_clocks_match_the_host():
    p = LinuxPlatform()
    assert abs(p.clock_ns(CLOCK_MONOTONIC) - time.monotonic_ns()) < 50 * MS
    assert abs(p.clock_ns(CLOCK_REALTIME) - time.time_ns()) < 50 * MS


def test_mutex_accepts_huge_timeouts():
    p = LinuxPlatform()
    m = p.mutex_new()
    assert m.acquire(10 ** 30) is True
    m.release()


def test_pipe_stream_reads_what_is_there_and_sees_end_of_input():
    r, w = os.pipe()
    try:
        s = FdStream(r)
        assert s.readable(0) is False
        assert s.isatty() is False
        os.write(w, b"abc")
        assert s.readable(-1) is True
        assert s.read(100) == b"abc"          # no wait for the other 97
        os.close(w)
        w = None
        assert s.readable(10 * MS) is True    # end of input is readable
        assert s.read(10) == b""
    finally:
        os.close(r)
        if w is not None:
            os.close(w)


def test_pty_stream_is_a_tty_and_writes_through():
    master, slave = os.openpty()
    try:
        s = FdStream(slave)
        assert s.isatty() is True
        assert s.write(b"hi\n") == 3
        time.sleep(0.05)
        assert b"hi" in os.read(master, 100)
    finally:
        os.close(master)
        os.close(slave)


def test_file_object_stream_keeps_order_with_its_buffer():
    r, w = os.pipe()
    with os.fdopen(w, "wb") as f:
        s = FdStream(f)
        f.write(b"first ")                   # buffered in the file object
        s.write(b"second")
    with os.fdopen(r, "rb") as f:
        assert f.read() == b"first second"
