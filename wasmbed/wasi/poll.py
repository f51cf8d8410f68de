"""poll_oneoff: clock timeouts and fd readiness.

Regular files and directories are always ready; stdout/stderr are always
writable; stdin is ready when its stream says so (a platform console stream
can wait with a timeout, other objects are always ready). Waiting happens
in slices of at most WAIT_SLICE_NS with the Wasi lock released, calling
``caller.check_terminate()`` between slices, so a terminated guest leaves a
long sleep within one slice.

Per-subscription problems (a bad fd, a clock that cannot be waited on) come
back as events with an error code; only a malformed call (no
subscriptions, bad pointers, an unknown event type) fails as a whole.
"""

import struct

from wasmbed.core.errors import FsError
from wasmbed.wasi import abi
from wasmbed.wasi.fdtable import KIND_STREAM

WAIT_SLICE_NS = 50 * 1000 * 1000


class _Sub(object):
    def __init__(self, userdata, tag):
        self.userdata = userdata
        self.tag = tag
        self.fd = 0
        self.deadline = None    # monotonic ns, for clock subscriptions
        self.error = 0
        self.stream = None      # a stream that must be asked for readiness


def _parse(wasi, m, in_ptr, count, mono_now):
    subs = []
    data = m.data
    platform = wasi.platform
    for i in range(count):
        base = in_ptr + i * abi.SIZE_SUBSCRIPTION
        userdata = struct.unpack_from("<Q", data, base)[0]
        tag = data[base + 8]
        sub = _Sub(userdata, tag)
        if tag == abi.EVENTTYPE_CLOCK:
            clock_id, timeout, _precision, flags = struct.unpack_from(
                "<IxxxxQQH", data, base + 16)
            if clock_id == abi.CLOCK_MONOTONIC:
                if flags & abi.SUBSCRIPTION_CLOCK_ABSTIME:
                    sub.deadline = timeout
                else:
                    sub.deadline = mono_now + timeout
            elif clock_id == abi.CLOCK_REALTIME:
                if flags & abi.SUBSCRIPTION_CLOCK_ABSTIME:
                    now = platform.clock_ns(abi.CLOCK_REALTIME)
                    sub.deadline = mono_now + max(0, timeout - now)
                else:
                    sub.deadline = mono_now + timeout
            elif clock_id in (abi.CLOCK_PROCESS_CPUTIME_ID,
                              abi.CLOCK_THREAD_CPUTIME_ID):
                sub.error = abi.ENOTSUP
            else:
                sub.error = abi.EINVAL
        elif tag == abi.EVENTTYPE_FD_READ or tag == abi.EVENTTYPE_FD_WRITE:
            sub.fd = struct.unpack_from("<I", data, base + 16)[0]
        else:
            raise FsError(abi.EINVAL, "unknown subscription type")
        subs.append(sub)
    return subs


def _fd_state(wasi, sub):
    """(ready, nbytes, error) for an fd subscription, without waiting."""
    entry = wasi.table.entries.get(sub.fd)
    if entry is None:
        return True, 0, abi.EBADF
    if entry.base & abi.RIGHT_POLL_FD_READWRITE == 0:
        return True, 0, abi.ENOTCAPABLE
    if entry.kind == KIND_STREAM:
        if sub.tag == abi.EVENTTYPE_FD_WRITE:
            return True, 0, 0
        if entry.handle.ready(0):
            return True, 1, 0
        sub.stream = entry.handle
        return False, 0, 0
    if sub.tag == abi.EVENTTYPE_FD_READ:
        nbytes = 0
        try:
            size = wasi.fs.fstat(entry.handle).size
            pos = wasi.fs.seek(entry.handle, 0, abi.WHENCE_CUR)
            nbytes = max(0, size - pos)
        except FsError:
            pass
        return True, nbytes, 0
    return True, 0, 0


def _write_event(m, out, index, sub, error, nbytes=0, flags=0):
    base = out + index * abi.SIZE_EVENT
    m.fill(base, abi.SIZE_EVENT)
    struct.pack_into("<QHB", m.data, base, sub.userdata, error, sub.tag)
    if sub.tag != abi.EVENTTYPE_CLOCK:
        struct.pack_into("<QH", m.data, base + 16, nbytes, flags)


def poll_oneoff(wasi, caller, m, in_ptr, out_ptr, count, nevents_ptr):
    """The body of ``poll_oneoff``; returns the errno."""
    if count == 0 or count > abi.POLL_MAX:
        raise FsError(abi.EINVAL, "bad number of subscriptions")
    m.check(in_ptr, count * abi.SIZE_SUBSCRIPTION)
    m.check(out_ptr, count * abi.SIZE_EVENT)
    m.check(nevents_ptr, 4)
    platform = wasi.platform
    mono_now = platform.clock_ns(abi.CLOCK_MONOTONIC)
    subs = _parse(wasi, m, in_ptr, count, mono_now)
    while True:
        fired = []
        waiting_streams = []
        for sub in subs:
            if sub.tag == abi.EVENTTYPE_CLOCK:
                if sub.error:
                    fired.append((sub, sub.error, 0))
                elif sub.deadline <= mono_now:
                    fired.append((sub, 0, 0))
            else:
                ready, nbytes, error = _fd_state(wasi, sub)
                if ready:
                    fired.append((sub, error, nbytes))
                elif sub.stream is not None:
                    waiting_streams.append(sub.stream)
        if fired:
            for i in range(len(fired)):
                sub, error, nbytes = fired[i]
                _write_event(m, out_ptr, i, sub, error, nbytes)
            m.set_u32(nevents_ptr, len(fired))
            return 0
        # Nothing ready: wait one slice (or less, up to the next deadline).
        wait = WAIT_SLICE_NS
        for sub in subs:
            if sub.deadline is not None and not sub.error:
                wait = min(wait, max(0, sub.deadline - mono_now))
        wasi.wait_slice(caller, waiting_streams, wait)
        mono_now = platform.clock_ns(abi.CLOCK_MONOTONIC)
