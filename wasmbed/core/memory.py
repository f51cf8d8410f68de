"""Linear memories (the spec's memory instances) and where their bytes live.

A Memory's ``data`` is a writable buffer (bytearray or memoryview) whose
length is exactly the current size; code that caches it must re-read it
after anything that may grow the memory. Bytes come from a Backing:
PoolBacking (blocks of the runtime's fixed pool, "pool" mode), VMBacking
(the platform's virtual memory, "system" mode) or HeapBacking (plain
bytearrays, "system" mode on a port without virtual memory).
"""

from wasmbed.core import errors as E
from wasmbed.core.errors import PoolExhausted, Trap
from wasmbed.core.module import PAGE_SIZE, MAX_PAGES, MAX_PAGES64


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
            n = new_size - old_size
            z = _zeros(n)
            while n > 0:
                k = n if n < _ZERO_CHUNK_SIZE else _ZERO_CHUNK_SIZE
                handle.extend(z[:k])
                n -= k
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
    that growing it does not copy. A memory without a maximum reserves a
    window; the platform's vm_remap re-reserves geometrically past it.

    ``moves`` counts the reallocs that left the reservation (the platform
    had to move or re-reserve the region): with geometric re-reservation
    it grows with the log of the size, not with the number of grows.
    """

    def __init__(self, platform):
        self.platform = platform
        self.moves = 0

    def alloc(self, size, reserve=0):
        region = self.platform.vm_map(size, reserve=max(size, reserve))
        return region, region.buf

    def realloc(self, handle, old_size, new_size):
        reserved = handle.reserved
        region = self.platform.vm_remap(handle, new_size)
        if region is not handle or region.reserved != reserved:
            self.moves += 1
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


# Zeroing writes a chunk of at most this many zero bytes repeatedly: a
# bytes(n) temporary as large as a page would need that much free heap on a
# board. The chunk is made per call, so that a board holds none between.
_ZERO_CHUNK_SIZE = 1024


def _zeros(n):
    if n > _ZERO_CHUNK_SIZE:
        n = _ZERO_CHUNK_SIZE
    return memoryview(bytes(n if n > 0 else 0))


def _zero_range(view, start, end):
    k = _ZERO_CHUNK_SIZE
    z = _zeros(end - start)
    while end - start >= k:
        view[start:start + k] = z
        start += k
    if start < end:
        view[start:end] = z[:end - start]


# Address space reserved for a memory without a maximum (bytes).
UNBOUNDED_RESERVATION = 256 * 1024 * 1024
# The most a memory reserves up front (a memory64 maximum may be 2^64).
MAX_RESERVATION = 1 << 32


def _reservation(lim, limits):
    """Address space to reserve: the declared maximum, else a fixed window
    (growth past it re-reserves geometrically), never more than the store's
    max_memory_size."""
    if lim.max is not None:
        want = lim.max * PAGE_SIZE
    else:
        want = max(lim.min * PAGE_SIZE, UNBOUNDED_RESERVATION)
    if limits is not None and limits.max_memory_size is not None:
        want = max(lim.min * PAGE_SIZE, min(want, limits.max_memory_size))
    if want > MAX_RESERVATION:     # memory64: reserve a 4 GiB window at most
        want = max(lim.min * PAGE_SIZE, MAX_RESERVATION)
    return want


class Memory:
    """A linear memory instance.

    ``pages`` current size in 64 KiB pages, ``max`` the maximum (when
    unbounded: 65536, 2^48 for memory64), ``shared`` for threads, ``is64``
    a memory64 memory (i64 addresses; grow() takes and the tiers return
    i64 page counts). grow() returns the old
    size in pages, or -1 when the request exceeds the maximum, the store's
    max_memory_size, or the backing store has no room (PoolExhausted is
    caught: a guest's memory.grow never raises).

    ``limits`` a StoreLimits (or None): the memory counts against it until
    release(); the constructor raises InstantiationError when the minimum
    or the memory count is over a limit, PoolExhausted when the backing
    store has no room.
    """

    def __init__(self, mtype, backing, limits=None):
        lim = mtype.limits
        self.type = mtype
        self.pages = lim.min
        self.is64 = lim.is64
        top = MAX_PAGES64 if lim.is64 else MAX_PAGES
        self.max = lim.max if lim.max is not None and lim.max < top else top
        self.shared = lim.shared
        self.backing = backing
        self.limits = None
        self.data = None
        if limits is not None:
            limits.add_memory(lim.min * PAGE_SIZE)
        try:
            if isinstance(backing, VMBacking):
                self.handle, self.data = backing.alloc(
                    lim.min * PAGE_SIZE, _reservation(lim, limits))
            else:
                self.handle, self.data = backing.alloc(lim.min * PAGE_SIZE)
        except BaseException:
            if limits is not None:
                limits.remove_memory()
            raise
        self.limits = limits
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
        if new > self.max:
            return -1
        if delta == 0:
            return old
        lims = self.limits
        if lims is not None and not lims.memory_growing(new * PAGE_SIZE):
            return -1
        try:
            self.handle, self.data = self.backing.realloc(
                self.handle, old * PAGE_SIZE, new * PAGE_SIZE)
        except PoolExhausted:
            return -1
        self.pages = new
        return old

    def release(self):
        """Return the bytes to the backing store (and the memory's count to
        the store limits); the memory becomes empty. Idempotent."""
        if self.data is not None:
            self.backing.free(self.handle)
            self.handle = None
            self.data = memoryview(bytearray(0))
            self.pages = 0
        if self.limits is not None:
            self.limits.remove_memory()
            self.limits = None


# Bytes one step of a bulk operation moves; the terminate flag is polled
# between steps.
BULK_CHUNK = 1 << 20


def _poll(term):
    if term is not None and term[0] is not None:
        raise term[0]()


def move(dst, d, src, s, n, chunk, msg, term=None, snapshot=None):
    """The bulk copy every memory and table operation shares: check that
    ``src[s:s+n]`` and ``dst[d:d+n]`` are in bounds (else Trap(msg),
    before anything is written), then copy, ``chunk`` items at a time
    when n is larger, polling the terminate flag ``term`` before each
    chunk; backwards when ``dst is src`` and d > s, so overlapping ranges
    move as memmove does. ``snapshot(x)`` copies each source slice first
    when slices of ``src`` are views that the write could change (a
    memoryview-backed memory). Used by copy (its large case),
    copy_between, init and core/table.py's copy and init."""
    if s + n > len(src) or d + n > len(dst):
        raise Trap(msg)
    if n <= chunk:
        if n:
            x = src[s:s + n]
            dst[d:d + n] = snapshot(x) if snapshot is not None else x
        return
    if dst is not src or d <= s:
        i = 0
        while i < n:
            _poll(term)
            k = n - i
            if k > chunk:
                k = chunk
            x = src[s + i:s + i + k]
            dst[d + i:d + i + k] = snapshot(x) if snapshot is not None else x
            i += k
    else:
        i = n
        while i > 0:
            _poll(term)
            k = i if i < chunk else chunk
            i -= k
            x = src[s + i:s + i + k]
            dst[d + i:d + i + k] = snapshot(x) if snapshot is not None else x


def fill(mem, d, v, n, term=None):
    """memory.fill: n bytes at d set to v & 0xFF. Raises Trap (out of
    bounds, before anything is written) or what the terminate flag ``term``
    (a one-element list, see ModuleInstance.term) asks for between chunks."""
    data = mem.data
    if d + n > len(data):
        raise Trap(E.TRAP_MEMORY_OOB)
    if n <= BULK_CHUNK:
        if n:
            data[d:d + n] = bytes((v & 0xFF,)) * n
        return
    pat = memoryview(bytes((v & 0xFF,)) * BULK_CHUNK)
    end = d + n
    while d < end:
        _poll(term)
        k = end - d
        if k > BULK_CHUNK:
            k = BULK_CHUNK
        data[d:d + k] = pat[:k]
        d += k


def copy(mem, d, s, n, term=None):
    """memory.copy within one memory, overlap-safe (memmove). Raises Trap
    (out of bounds, before anything is written) or what ``term`` asks for
    between chunks. The small case is inline (a C program's memcpy: no
    second call); larger ones are ``move``'s."""
    data = mem.data
    size = len(data)
    if n <= BULK_CHUNK and s + n <= size and d + n <= size:
        if n:
            data[d:d + n] = bytes(data[s:s + n])
        return
    move(data, d, data, s, n, BULK_CHUNK, E.TRAP_MEMORY_OOB, term, bytes)


def copy_between(dst, d, src, s, n, term=None):
    """memory.copy from memory ``src`` to another memory ``dst`` (3.0
    multiple memories). Raises Trap (out of bounds, before anything is
    written) or what ``term`` asks for between chunks."""
    if dst is src:
        copy(dst, d, s, n, term)
        return
    move(dst.data, d, src.data, s, n, BULK_CHUNK, E.TRAP_MEMORY_OOB, term)


def init(mem, d, b, s, n, term=None):
    """memory.init (and an active data segment): n bytes of ``b`` from s
    to d. Raises Trap (out of bounds, before anything is written) or what
    ``term`` asks for between chunks."""
    move(mem.data, d, b, s, n, BULK_CHUNK, E.TRAP_MEMORY_OOB, term)
