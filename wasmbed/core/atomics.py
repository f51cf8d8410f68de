"""The threads proposal's atomic instructions (0xFE) for the interpreter.

``make(inst, M, opid, d, srcs, imms, nxt)`` returns the closure for one
instruction (see interp_ops._generic). Every access checks alignment
("unaligned atomic") and bounds. On a shared memory, read-modify-write
instructions and wait/notify hold the memory's lock (``M.lock``, a platform
mutex set up by the runtime when the memory is created): under CPython's
GIL two struct calls are not atomic. Waiters queue per address in
``M.waiters``; each has its own condvar (``M.cond_new()``) and waits in
slices so that terminate() reaches it within ``WAIT_SLICE_NS``.
"""

import struct

from wasmbed.core import errors as E
from wasmbed.core import opcodes as O
from wasmbed.core.errors import Trap

_unpack_from = struct.unpack_from
_pack_into = struct.pack_into

WAIT_SLICE_NS = 50 * 1000 * 1000

_FMT = {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}
_MASK = {1: 0xFF, 2: 0xFFFF, 4: 0xFFFFFFFF, 8: 0xFFFFFFFFFFFFFFFF}

# rmw groups in opcode order: add sub and or xor xchg cmpxchg
_RMW_FIRST = O.PREFIX_FE + 0x1E


def _rmw_fn(group, mask):
    if group == 0:
        return lambda old, v: (old + v) & mask
    if group == 1:
        return lambda old, v: (old - v) & mask
    if group == 2:
        return lambda old, v: old & v
    if group == 3:
        return lambda old, v: old | v
    if group == 4:
        return lambda old, v: old ^ v
    return lambda old, v: v & mask


def _address(M, ea, size):
    """Trap unless ea is aligned and [ea, ea+size) is inside memory."""
    if ea & (size - 1):
        raise Trap(E.TRAP_UNALIGNED_ATOMIC)
    if ea + size > len(M.data):
        raise Trap(E.TRAP_MEMORY_OOB)


class _NoLock:
    def acquire(self, timeout_ns=-1):
        return True

    def release(self):
        pass


_NO_LOCK = _NoLock()


def _enter(M, ea, size):
    """_address(M, ea, size), then take the memory's lock (a no-op lock
    for an unshared memory) and return it, for the caller to release."""
    _address(M, ea, size)
    lk = M.lock
    if lk is None:
        lk = _NO_LOCK
    lk.acquire()
    return lk


def make(inst, M, opid, d, srcs, imms, nxt):
    size = O.MEM_SIZE[opid]
    off = imms[1] if len(imms) > 1 else 0
    sub = opid - O.PREFIX_FE
    if opid == O.ATOMIC_FENCE:
        def op(R):
            return nxt
        return op
    if opid == O.ATOMIC_NOTIFY:
        return _notify(inst, M, d, srcs, off, nxt)
    if opid == O.ATOMIC_WAIT32 or opid == O.ATOMIC_WAIT64:
        return _wait(inst, M, d, srcs, off, size, nxt)
    fmt = _FMT[size]
    mask = _MASK[size]
    if 0x10 <= sub <= 0x16:          # loads
        a = srcs[0]

        def op(R, nxt=nxt, off=off, size=size):
            ea = R[a] + off
            _address(M, ea, size)
            R[d] = _unpack_from(fmt, M.data, ea)[0]
            return nxt
        return op
    if 0x17 <= sub <= 0x1D:          # stores
        a, v = srcs

        def op(R, mask=mask, nxt=nxt, off=off, size=size):
            ea = R[a] + off
            lk = _enter(M, ea, size)
            try:
                _pack_into(fmt, M.data, ea, R[v] & mask)
            finally:
                lk.release()
            return nxt
        return op
    group = (opid - _RMW_FIRST) // 7
    if group == 6:                   # cmpxchg
        a, e, r = srcs

        def op(R, e=e, mask=mask, nxt=nxt, off=off, r=r, size=size):
            expected = R[e] & mask
            ea = R[a] + off
            lk = _enter(M, ea, size)
            try:
                data = M.data
                old = _unpack_from(fmt, data, ea)[0]
                if old == expected:
                    _pack_into(fmt, data, ea, R[r] & mask)
            finally:
                lk.release()
            R[d] = old
            return nxt
        return op
    f = _rmw_fn(group, mask)
    a, v = srcs

    def op(R, fmt=fmt, mask=mask, nxt=nxt, off=off, size=size, v=v):
        ea = R[a] + off
        lk = _enter(M, ea, size)
        try:
            data = M.data
            old = _unpack_from(fmt, data, ea)[0]
            _pack_into(fmt, data, ea, f(old, R[v] & mask))
        finally:
            lk.release()
        R[d] = old
        return nxt
    return op


class Waiter:
    """One thread blocked in memory.atomic.wait."""

    __slots__ = ("cond", "woken")

    def __init__(self, cond):
        self.cond = cond
        self.woken = False


def _notify(inst, M, d, srcs, off, nxt):
    a, c = srcs

    def op(R, c=c, nxt=nxt, off=off):
        ea = R[a] + off
        _address(M, ea, 4)
        R[d] = notify(M, ea, R[c])
        return nxt
    return op


def notify(M, ea, count):
    """Wake up to `count` waiters on address ea; -> number woken."""
    if not M.shared or M.waiters is None:
        return 0
    M.lock.acquire()
    try:
        q = M.waiters.get(ea)
        n = 0
        while q and n < count:
            w = q.pop(0)
            w.woken = True
            w.cond.signal()
            n += 1
        if q is not None and not q:
            del M.waiters[ea]
        return n
    finally:
        M.lock.release()


def _wait(inst, M, d, srcs, off, size, nxt):
    a, e, t = srcs
    fmt = _FMT[size]
    mask = _MASK[size]
    term = inst.term

    def op(R, e=e, mask=mask, nxt=nxt, off=off, size=size, t=t, term=term):
        ea = R[a] + off
        _address(M, ea, size)
        if not M.shared:
            raise Trap(E.TRAP_EXPECTED_SHARED)
        timeout = R[t]
        if timeout & 0x8000000000000000:
            timeout = -1
        R[d] = wait(M, ea, fmt, R[e] & mask, timeout, term)
        return nxt
    return op


def wait(M, ea, fmt, expected, timeout_ns, term):
    """-> 0 woken, 1 not-equal, 2 timed-out. Raises what term[0] makes
    when the thread is asked to stop while waiting."""
    lock = M.lock
    lock.acquire()
    try:
        if _unpack_from(fmt, M.data, ea)[0] != expected:
            return 1
        if timeout_ns == 0:
            return 2
        w = Waiter(M.cond_new())
        q = M.waiters.get(ea)
        if q is None:
            q = []
            M.waiters[ea] = q
        q.append(w)
        clock = M.clock_ns
        deadline = clock() + timeout_ns if timeout_ns > 0 else -1
        while not w.woken:
            if term[0] is not None:
                _dequeue(M, ea, w)
                raise term[0]()
            slice_ns = WAIT_SLICE_NS
            if deadline >= 0:
                left = deadline - clock()
                if left <= 0:
                    _dequeue(M, ea, w)
                    return 2
                if left < slice_ns:
                    slice_ns = left
            w.cond.wait(lock, slice_ns)
        return 0
    finally:
        lock.release()


def _dequeue(M, ea, w):
    q = M.waiters.get(ea)
    if q is not None and w in q:
        q.remove(w)
        if not q:
            del M.waiters[ea]
