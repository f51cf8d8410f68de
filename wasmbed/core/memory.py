"""Linear memories (the spec's memory instances) and where their bytes live.

A Memory's ``data`` is a writable buffer (bytearray or memoryview) whose
length is exactly the current size; code that caches it must re-read it
after anything that may grow the memory. Bytes come from a Backing:
PoolBacking (blocks of the runtime's fixed pool, "pool" mode), VMBacking
(the platform's virtual memory, "system" mode) or HeapBacking (plain
bytearrays, "system" mode on a port without virtual memory).
"""

from wasmbed.core.errors import PoolExhausted
from wasmbed.core.module import PAGE_SIZE, MAX_PAGES


class HeapBacking:
    """Buffers are Python bytearrays (system mode)."""

    def alloc(self, size):
        """-> (handle, buffer). Raises PoolExhausted on host MemoryError."""
        try:
            buf = bytearray(size)
        except MemoryError:
            raise PoolExhausted()
        return buf, buf

    def realloc(self, handle, old_size, new_size):
        """Grow a buffer, keeping its contents; -> (handle, buffer)."""
        try:
            handle.extend(bytes(new_size - old_size))
            return handle, handle
        except BufferError:
            # someone holds a memoryview of the old buffer: copy instead
            pass
        except MemoryError:
            raise PoolExhausted()
        try:
            buf = bytearray(new_size)
        except MemoryError:
            raise PoolExhausted()
        buf[0:old_size] = handle
        return buf, buf

    def free(self, handle):
        pass


class VMBacking:
    """Buffers are platform virtual-memory regions (system mode on a port
    with HAS_VM): each memory reserves address space up to its maximum so
    that growing it does not copy."""

    def __init__(self, platform):
        self.platform = platform

    def alloc(self, size, reserve=0):
        region = self.platform.vm_map(size, reserve=max(size, reserve))
        return region, region.buf

    def realloc(self, handle, old_size, new_size):
        region = self.platform.vm_remap(handle, new_size)
        return region, region.buf

    def free(self, handle):
        self.platform.vm_unmap(handle)


class PoolBacking:
    """Buffers are blocks of a wasmbed.pool_alloc.Pool (pool mode)."""

    def __init__(self, pool):
        self.pool = pool

    def alloc(self, size):
        if size == 0:
            return None, memoryview(bytearray(0))
        off = self.pool.alloc(size)
        view = self.pool.view(off, size)
        _zero_range(view, 0, size)
        return off, view

    def realloc(self, handle, old_size, new_size):
        if handle is None:
            return self.alloc(new_size)
        off = self.pool.realloc(handle, new_size)
        view = self.pool.view(off, new_size)
        _zero_range(view, old_size, new_size)
        return off, view

    def free(self, handle):
        if handle is not None:
            self.pool.free(handle)


_ZERO_CHUNK = bytes(65536)


def _zero_range(view, start, end):
    while start < end:
        n = end - start
        if n > 65536:
            n = 65536
        view[start:start + n] = _ZERO_CHUNK[:n] if n < 65536 else _ZERO_CHUNK
        start += n


# Address space reserved for a memory without a maximum (bytes).
UNBOUNDED_RESERVATION = 256 * 1024 * 1024


def _reservation(lim):
    if lim.max is not None:
        return lim.max * PAGE_SIZE
    return max(lim.min * PAGE_SIZE, UNBOUNDED_RESERVATION)


class Memory:
    """A linear memory instance.

    ``pages`` current size in 64 KiB pages, ``max`` the maximum (None when
    unbounded: then 65536), ``shared`` for threads. grow() returns the old
    size in pages, or -1 when the request exceeds the maximum or the
    backing store has no room (PoolExhausted is caught: a guest's
    memory.grow never raises).
    """

    def __init__(self, mtype, backing):
        lim = mtype.limits
        self.type = mtype
        self.pages = lim.min
        self.max = lim.max if lim.max is not None else MAX_PAGES
        self.shared = lim.shared
        self.backing = backing
        if isinstance(backing, VMBacking):
            self.handle, self.data = backing.alloc(lim.min * PAGE_SIZE,
                                                   _reservation(lim))
        else:
            self.handle, self.data = backing.alloc(lim.min * PAGE_SIZE)
        # shared memories only, set by the runtime from its platform: a
        # mutex for atomic read-modify-writes and wait queues, the wait
        # queues {address: [Waiter]}, a condvar factory, a monotonic clock
        self.waiters = None
        self.lock = None
        self.cond_new = None
        self.clock_ns = None

    def size_bytes(self):
        return self.pages * PAGE_SIZE

    def grow(self, delta):
        old = self.pages
        new = old + delta
        if new > self.max or new > MAX_PAGES:
            return -1
        if delta == 0:
            return old
        try:
            self.handle, self.data = self.backing.realloc(
                self.handle, old * PAGE_SIZE, new * PAGE_SIZE)
        except PoolExhausted:
            return -1
        self.pages = new
        return old

    def release(self):
        """Return the bytes to the backing store; the memory becomes empty."""
        if self.data is not None:
            self.backing.free(self.handle)
            self.handle = None
            self.data = memoryview(bytearray(0))
            self.pages = 0
