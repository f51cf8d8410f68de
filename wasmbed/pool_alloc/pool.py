"""The pool: one fixed buffer, every allocation and all metadata inside it.

Layout of the buffer (all integers little-endian u32, all offsets relative to
the start of the buffer, every chunk starts at a multiple of 8)::

    0   pool header   magic, total, heap_start, heap_end, n_large, salt
    24  list heads    NSMALL exact-size lists, then n_large best-fit lists
    heap_start        chunks, back to back, up to heap_end
    heap_end          sentinel chunk header (size 0, marked used)

Every chunk starts with an 8-byte header: ``word`` (chunk size, a multiple of
8, with flag bits USED=1 and PREV_FREE=2) and ``check`` (``word ^ offset ^
salt``). A header whose check does not match is never followed: the pool
raises PoolCorrupted instead. A free chunk also holds its free-list links
(``next``, ``prev`` at +8 and +12) and a footer (its size, in its last 4
bytes), so that the chunk after it can find it when coalescing; PREV_FREE in
the next chunk's header says the footer is there. Used chunks carry only the
header: the per-block overhead is HEADER_SIZE (8) bytes, and the smallest
chunk is MIN_CHUNK (24) bytes, i.e. at least 16 usable bytes.

Free chunks of up to SMALL_MAX bytes sit in exact-size lists (LIFO); larger
ones sit in one list per power of two, each kept sorted by size, so the first
chunk that fits is the best fit. Two bitmaps (plain ints of at most 30 bits,
small on every MicroPython port) say which lists are non-empty; they are a
cache of the heads stored in the buffer, and ``check()`` verifies them.

The code uses only builtins and ``struct.pack_into``/``unpack_from``, so it
runs unchanged on MicroPython.
"""

from struct import pack_into, unpack_from

from wasmbed.host_errors import (
    PoolExhausted, PoolCorrupted, POOL_EXHAUSTED, POOL_BAD_HEADER,
    POOL_DOUBLE_FREE, POOL_NOT_A_BLOCK, POOL_BAD_FREE_LIST,
)

HEADER_SIZE = 8          # bytes of metadata in front of every used block
MIN_CHUNK = 24           # smallest chunk: header + two links + footer
MIN_BLOCK = MIN_CHUNK - HEADER_SIZE   # usable bytes of the smallest block
ALIGN = 8                # default alignment of every block
SMALL_MAX = 256          # chunk sizes up to this come from exact-size lists
NSMALL = (SMALL_MAX >> 3) - 2         # 30 lists: chunk sizes 24, 32 ... 256
USED = 1
PREV_FREE = 2
ZERO_CHUNK = 4096        # zeroing goes through a zero buffer of at most this

_MAGIC = 0x4C504257      # b"WBPL"
_SALT = 0x2D5A3C96       # mixed into every check value (30 bits)
_POOL_HDR = 24
_MAX_TOTAL = 0xFFFFFFF0

_LOG2 = {}
for _k in range(32):
    _LOG2[1 << _k] = _k

try:
    _bitlen = int.bit_length
except AttributeError:          # MicroPython ints have no bit_length
    def _bitlen(x):
        n = 0
        while x >= 256:
            x >>= 8
            n += 8
        while x:
            x >>= 1
            n += 1
        return n


def _corrupt(message, off):
    return PoolCorrupted("%s (offset %d)" % (message, off))


class Pool:
    """A heap confined to ``buf``, as WAMR's ems allocator.

    ``buf`` is a bytearray (or a writable memoryview of bytes) of at most
    4 GiB; the pool formats it and owns it from then on. ``mutex`` is an
    optional object with ``acquire()`` and ``release()`` (a Platform mutex)
    taken by every public method; None (the default) means no locking.
    ``salt`` (default 0) is mixed into every header check value; pass a random
    int (e.g. from ``Platform.random_bytes``) to make forged headers hard to
    guess. Raises ValueError when ``buf`` is too small to hold one block and
    TypeError when it is not writable.

    Offsets returned by ``alloc`` are byte offsets into ``buf``, never 0.
    ``alloc``/``realloc`` raise PoolExhausted ("allocate memory failed") and
    then leave the pool and the old block exactly as they were. Operations on
    something that is not a live block, or on a damaged header, raise
    PoolCorrupted and change nothing they have not verified.
    """

    def __init__(self, buf, mutex=None, salt=0):
        mv = memoryview(buf)
        if getattr(mv, "format", "B") != "B":
            mv = mv.cast("B")    # CPython only; offsets are in bytes
        n = len(mv)
        if n:
            try:
                mv[0] = mv[0]
            except TypeError:
                raise TypeError("pool buffer must be writable")
        total = n & -8
        if total > _MAX_TOTAL:
            total = _MAX_TOTAL
        n_large = _bitlen(total) - 8
        if n_large < 1:
            n_large = 1
        start = (_POOL_HDR + 4 * (NSMALL + n_large) + 7) & -8
        end = total - HEADER_SIZE
        if end - start < MIN_CHUNK:
            raise ValueError("pool buffer too small (%d bytes)" % n)
        self._buf = mv
        self._mutex = mutex
        self._salt = salt = (_SALT ^ salt) & 0x3FFFFFFF
        self._start = start
        self._end = end
        self._n_large = n_large
        self._total = n
        self._small = 0          # bit i: small list i is non-empty
        self._large = 0          # bit j: large list j is non-empty
        self._zeros = None
        mv[0:start] = bytes(start)
        pack_into("<IIIIII", mv, 0, _MAGIC, n, start, end, n_large, salt)
        size = end - start
        self._free_size = 0
        self._push(start, size)
        w = USED | PREV_FREE
        pack_into("<II", mv, end, w, w ^ end ^ salt)
        self._free_size = size
        self._highmark = n - size
        self._allocs = 0
        self._reallocs = 0
        self._frees = 0
        self._used_blocks = 0

    # ---------------------------------------------------------------- public

    def alloc(self, size, align=ALIGN, zero=False):
        """Allocate a block of at least ``size`` bytes; return its offset.

        ``align`` (default 8) is a power of two; the returned offset is a
        multiple of it (relative to the start of ``buf``). Size 0 gives a
        minimal block (MIN_BLOCK usable bytes). ``zero`` (default False)
        clears the whole usable block. Raises ValueError for a negative size
        or a bad alignment, PoolExhausted when no free block fits (the pool is
        then unchanged); a size larger than the pool is simply exhausted.

        With align <= 8 any free chunk of ``size`` + 8 bytes (rounded up to
        8, at least MIN_CHUNK) serves. A larger alignment asks for a chunk
        ``align + 16`` bytes bigger, whose leading gap goes back to the free
        lists, so it can fail while an aligned fit exists.
        """
        m = self._mutex
        if m is not None:
            m.acquire()
            try:
                return self._alloc(size, align, zero)
            finally:
                m.release()
        return self._alloc(size, align, zero)

    def calloc(self, size, align=ALIGN):
        """``alloc(size, align, zero=True)``: a block whose bytes are all 0."""
        return self.alloc(size, align, True)

    def realloc(self, offset, size, align=ALIGN, zero=False):
        """Resize the block at ``offset`` to at least ``size`` bytes.

        Shrinks in place (the tail goes back to the free lists); grows in
        place when the next chunk is free and large enough; otherwise
        allocates a new block (aligned to ``align``), copies the old contents
        and frees the old block, so old and new coexist during the copy.
        Returns the (possibly new) offset; contents up to the smaller of the
        old and new sizes are kept. Size 0 shrinks to a minimal block.

        With ``zero`` true, bytes past the old block's usable size are cleared
        and, on a shrink, bytes from ``size`` to the end of the block are
        cleared: a block made by ``calloc`` and only resized with ``zero``
        reads 0 everywhere its owner has not written.

        Raises PoolExhausted (block and pool unchanged), PoolCorrupted when
        ``offset`` is not a live block, ValueError for a negative size.
        """
        m = self._mutex
        if m is not None:
            m.acquire()
            try:
                return self._realloc(offset, size, align, zero)
            finally:
                m.release()
        return self._realloc(offset, size, align, zero)

    def free(self, offset):
        """Return the block at ``offset`` to the pool, merging free neighbours.

        Raises PoolCorrupted on a double free, on an offset that is not the
        start of a live block, or on a damaged header (nothing is changed).
        """
        m = self._mutex
        if m is not None:
            m.acquire()
            try:
                self._free(offset)
            finally:
                m.release()
        else:
            self._free(offset)

    def block_size(self, offset):
        """Usable bytes of the live block at ``offset`` (>= the size asked).

        Raises PoolCorrupted when ``offset`` is not a live block.
        """
        m = self._mutex
        if m is not None:
            m.acquire()
            try:
                return (self._used(offset) & -8) - HEADER_SIZE
            finally:
                m.release()
        return (self._used(offset) & -8) - HEADER_SIZE

    def view(self, offset, size=None):
        """A memoryview of ``size`` bytes (default: the whole block) at ``offset``.

        Raises PoolCorrupted when ``offset`` is not a live block and
        ValueError when ``size`` is negative or exceeds ``block_size``.
        """
        m = self._mutex
        if m is not None:
            m.acquire()
            try:
                return self._view(offset, size)
            finally:
                m.release()
        return self._view(offset, size)

    def info(self):
        """``{"total_size", "total_free_size", "highmark_size"}`` in bytes.

        total_size is ``len(buf)``; total_free_size the sum of the free
        chunks (headers included); highmark_size the largest
        ``total_size - total_free_size`` seen so far.
        """
        m = self._mutex
        if m is not None:
            m.acquire()
            try:
                return self._info()
            finally:
                m.release()
        return self._info()

    def stats(self):
        """``info()`` plus counters and a walk of the free lists.

        Extra keys: largest_free_block (the largest size one ``alloc`` can
        serve now), free_blocks, used_blocks, alloc_count (successful
        alloc/calloc), realloc_count, free_count, overhead_per_block
        (HEADER_SIZE), metadata_size (bytes never available to blocks).
        """
        m = self._mutex
        if m is not None:
            m.acquire()
            try:
                return self._stats()
            finally:
                m.release()
        return self._stats()

    def check(self):
        """Walk the whole heap and every free list; raise PoolCorrupted on
        the first broken invariant. Returns the number of free chunks.

        Checked: pool header, every chunk header's check value, sizes and
        bounds, PREV_FREE flags, no two adjacent free chunks, footers, list
        links both ways, each free chunk in exactly the right list, large
        lists sorted, bitmaps, and the free size and used block counters.
        """
        m = self._mutex
        if m is not None:
            m.acquire()
            try:
                return self._check()
            finally:
                m.release()
        return self._check()

    # ------------------------------------------------------------ internals

    def _used(self, offset):
        """Validate a block offset; return its header word."""
        c = offset - HEADER_SIZE
        if offset & 7 or c < self._start or c >= self._end:
            raise _corrupt(POOL_NOT_A_BLOCK, offset)
        w, chk = unpack_from("<II", self._buf, c)
        if chk != w ^ c ^ self._salt:
            raise _corrupt(POOL_NOT_A_BLOCK, offset)
        if not w & USED:
            raise _corrupt(POOL_DOUBLE_FREE, offset)
        s = w & -8
        if s < MIN_CHUNK or c + s > self._end:
            raise _corrupt(POOL_BAD_HEADER, c)
        return w

    def _push(self, off, size):
        """Write a free chunk (header, links, footer) and list it."""
        buf = self._buf
        salt = self._salt
        if size <= SMALL_MAX:
            i = (size >> 3) - 3
            ha = _POOL_HDR + 4 * i
            h = unpack_from("<I", buf, ha)[0]
            pack_into("<IIII", buf, off, size, size ^ off ^ salt, h, 0)
            if h:
                pack_into("<I", buf, h + 12, off)
            else:
                self._small |= 1 << i
            pack_into("<I", buf, ha, off)
        else:
            j = _bitlen(size) - 9
            ha = _POOL_HDR + 4 * (NSMALL + j)
            prv = 0
            cur = unpack_from("<I", buf, ha)[0]
            while cur:
                w, chk, nxt = unpack_from("<III", buf, cur)
                if chk != w ^ cur ^ salt or w & USED:
                    raise _corrupt(POOL_BAD_FREE_LIST, cur)
                if w >= size:
                    break
                prv = cur
                cur = nxt
            pack_into("<IIII", buf, off, size, size ^ off ^ salt, cur, prv)
            if prv:
                pack_into("<I", buf, prv + 8, off)
            else:
                pack_into("<I", buf, ha, off)
                self._large |= 1 << j
            if cur:
                pack_into("<I", buf, cur + 12, off)
        pack_into("<I", buf, off + size - 4, size)

    def _linked(self, off):
        """Verify that the free chunk at ``off`` and its list neighbours point
        at each other."""
        buf = self._buf
        nxt, prv = unpack_from("<II", buf, off + 8)
        if prv and (prv < self._start or prv >= self._end
                    or unpack_from("<I", buf, prv + 8)[0] != off):
            raise _corrupt(POOL_BAD_FREE_LIST, off)
        if nxt and (nxt < self._start or nxt >= self._end
                    or unpack_from("<I", buf, nxt + 12)[0] != off):
            raise _corrupt(POOL_BAD_FREE_LIST, off)

    def _unlink(self, off, size):
        """Take the free chunk at ``off`` (of ``size`` bytes) off its list.
        Verifies the links first (PoolCorrupted before anything is written)."""
        buf = self._buf
        nxt, prv = unpack_from("<II", buf, off + 8)
        if prv:
            if (prv < self._start or prv >= self._end
                    or unpack_from("<I", buf, prv + 8)[0] != off):
                raise _corrupt(POOL_BAD_FREE_LIST, off)
            if nxt:
                if (nxt < self._start or nxt >= self._end
                        or unpack_from("<I", buf, nxt + 12)[0] != off):
                    raise _corrupt(POOL_BAD_FREE_LIST, off)
                pack_into("<I", buf, nxt + 12, prv)
            pack_into("<I", buf, prv + 8, nxt)
            return
        if nxt:
            if (nxt < self._start or nxt >= self._end
                    or unpack_from("<I", buf, nxt + 12)[0] != off):
                raise _corrupt(POOL_BAD_FREE_LIST, off)
            pack_into("<I", buf, nxt + 12, 0)
        if size <= SMALL_MAX:
            i = (size >> 3) - 3
            pack_into("<I", buf, _POOL_HDR + 4 * i, nxt)
            if not nxt:
                self._small &= ~(1 << i)
        else:
            j = _bitlen(size) - 9
            pack_into("<I", buf, _POOL_HDR + 4 * (NSMALL + j), nxt)
            if not nxt:
                self._large &= ~(1 << j)

    def _take(self, need):
        """Unlink and return ``(offset, size)`` of the best free chunk of at
        least ``need`` bytes, or raise PoolExhausted having changed nothing."""
        buf = self._buf
        salt = self._salt
        if need <= SMALL_MAX:
            i = (need >> 3) - 3
            m = self._small >> i
            if m:
                i += _LOG2[m & -m]
                ha = _POOL_HDR + 4 * i
                off = unpack_from("<I", buf, ha)[0]
                w, chk, nxt = unpack_from("<III", buf, off)
                if chk != w ^ off ^ salt or w != (i + 3) << 3:
                    raise _corrupt(POOL_BAD_FREE_LIST, off)
                if nxt and (nxt < self._start or nxt >= self._end or
                            unpack_from("<I", buf, nxt + 12)[0] != off):
                    raise _corrupt(POOL_BAD_FREE_LIST, off)
                pack_into("<I", buf, ha, nxt)
                if nxt:
                    pack_into("<I", buf, nxt + 12, 0)
                else:
                    self._small &= ~(1 << i)
                return off, w
            j = 0
        else:
            j = _bitlen(need) - 9
        m = self._large >> j
        while m:
            k = _LOG2[m & -m]
            j += k
            m >>= k
            cur = unpack_from("<I", buf, _POOL_HDR + 4 * (NSMALL + j))[0]
            while cur:
                w, chk, nxt = unpack_from("<III", buf, cur)
                if chk != w ^ cur ^ salt or w & USED:
                    raise _corrupt(POOL_BAD_FREE_LIST, cur)
                if w >= need:
                    self._unlink(cur, w)
                    return cur, w
                cur = nxt
            m >>= 1
            j += 1
        raise PoolExhausted(POOL_EXHAUSTED)

    def _carve(self, off, csize, need, pflag):
        """Mark ``need`` bytes of the taken chunk at ``off`` used, give the
        rest back; return the block (payload) offset."""
        buf = self._buf
        salt = self._salt
        rem = csize - need
        if rem >= MIN_CHUNK:
            w = need | USED | pflag
            pack_into("<II", buf, off, w, w ^ off ^ salt)
            self._push(off + need, rem)
            csize = need
        else:
            nx = off + csize
            nw, chk = unpack_from("<II", buf, nx)
            if chk != nw ^ nx ^ salt:
                raise _corrupt(POOL_BAD_HEADER, nx)
            w = csize | USED | pflag
            pack_into("<II", buf, off, w, w ^ off ^ salt)
            nw &= ~PREV_FREE
            pack_into("<II", buf, nx, nw, nw ^ nx ^ salt)
        self._free_size -= csize
        used = self._total - self._free_size
        if used > self._highmark:
            self._highmark = used
        return off + HEADER_SIZE

    def _alloc_block(self, size, align):
        if size < 0:
            raise ValueError("negative allocation size %d" % size)
        need = (size + 15) & -8
        if need < MIN_CHUNK:
            need = MIN_CHUNK
        if align <= ALIGN:
            if align < 1 or align & (align - 1):
                raise ValueError("alignment must be a power of two")
            if need > self._free_size:
                raise PoolExhausted(POOL_EXHAUSTED)
            off, csize = self._take(need)
            return self._carve(off, csize, need, 0)
        if align & (align - 1):
            raise ValueError("alignment must be a power of two")
        # Room for a leading gap that is 0 or a whole free chunk.
        req = need + align + 16
        if req > self._free_size:
            raise PoolExhausted(POOL_EXHAUSTED)
        off, csize = self._take(req)
        p = off + HEADER_SIZE
        gap = ((p + align - 1) & -align) - p
        if gap:
            if gap < MIN_CHUNK:
                gap += align
            self._push(off, gap)
            return self._carve(off + gap, csize - gap, need, PREV_FREE)
        return self._carve(off, csize, need, 0)

    def _alloc(self, size, align, zero):
        off = self._alloc_block(size, align)
        self._allocs += 1
        self._used_blocks += 1
        if zero:
            s = unpack_from("<I", self._buf, off - HEADER_SIZE)[0] & -8
            self._zero(off, s - HEADER_SIZE)
        return off

    def _free_block(self, offset, w):
        buf = self._buf
        salt = self._salt
        c = offset - HEADER_SIZE
        csize = w & -8
        start = c
        size = csize
        nx = c + csize
        nw, chk = unpack_from("<II", buf, nx)
        if chk != nw ^ nx ^ salt:
            raise _corrupt(POOL_BAD_HEADER, nx)
        if w & PREV_FREE:
            psize = unpack_from("<I", buf, c - 4)[0]
            p = c - psize
            if p < self._start or psize < MIN_CHUNK:
                raise _corrupt(POOL_BAD_HEADER, c)
            pw, chk = unpack_from("<II", buf, p)
            if chk != pw ^ p ^ salt or pw != psize:
                raise _corrupt(POOL_BAD_HEADER, p)
            if not nw & USED:
                # Both neighbours get unlinked: verify both before either.
                self._linked(p)
        # _unlink verifies links before it writes, so a damaged neighbour
        # raises before anything has changed.
        if not nw & USED:
            nw &= -8
            self._unlink(nx, nw)
            size += nw
        if w & PREV_FREE:
            self._unlink(p, psize)
            start = p
            size += psize
            # The absorbed header keeps saying "free": a second free of this
            # offset is then reported as a double free.
            pack_into("<II", buf, c, csize, csize ^ c ^ salt)
        if nw & USED:
            nw |= PREV_FREE
            pack_into("<II", buf, nx, nw, nw ^ nx ^ salt)
        self._free_size += csize
        self._push(start, size)

    def _free(self, offset):
        w = self._used(offset)
        self._free_block(offset, w)
        self._frees += 1
        self._used_blocks -= 1

    def _realloc(self, offset, size, align, zero):
        if size < 0:
            raise ValueError("negative allocation size %d" % size)
        if align < 1 or align & (align - 1):
            raise ValueError("alignment must be a power of two")
        w = self._used(offset)
        buf = self._buf
        salt = self._salt
        c = offset - HEADER_SIZE
        csize = w & -8
        need = (size + 15) & -8
        if need < MIN_CHUNK:
            need = MIN_CHUNK
        nx = c + csize
        if need <= csize:
            rem = csize - need
            if rem >= MIN_CHUNK:
                nw, chk = unpack_from("<II", buf, nx)
                if chk != nw ^ nx ^ salt:
                    raise _corrupt(POOL_BAD_HEADER, nx)
                if not nw & USED:
                    self._linked(nx)        # before the header is rewritten
                hw = need | USED | (w & PREV_FREE)
                pack_into("<II", buf, c, hw, hw ^ c ^ salt)
                if nw & USED:
                    nw |= PREV_FREE
                    pack_into("<II", buf, nx, nw, nw ^ nx ^ salt)
                    self._push(c + need, rem)
                else:
                    self._unlink(nx, nw)
                    self._push(c + need, rem + nw)
                self._free_size += rem
                csize = need
            self._reallocs += 1
            if zero:
                self._zero(offset + size, csize - HEADER_SIZE - size)
            return offset
        nw, chk = unpack_from("<II", buf, nx)
        if chk != nw ^ nx ^ salt:
            raise _corrupt(POOL_BAD_HEADER, nx)
        if not nw & USED and csize + nw >= need:
            self._unlink(nx, nw)
            # _carve takes the whole merged chunk off the free size, but only
            # the absorbed part was free.
            self._free_size += csize
            self._carve(c, csize + nw, need, w & PREV_FREE)
            self._reallocs += 1
            if zero:
                ns = unpack_from("<I", buf, c)[0] & -8
                self._zero(nx, ns - csize)
            return offset
        new = self._alloc_block(size, align)
        old_bs = csize - HEADER_SIZE
        buf[new:new + old_bs] = buf[offset:offset + old_bs]
        if zero:
            ns = unpack_from("<I", buf, new - HEADER_SIZE)[0] & -8
            self._zero(new + old_bs, ns - csize)
        # The new block may have been carved from the chunk just before the
        # old one, which changes the old header's PREV_FREE flag: re-read it.
        self._free_block(offset, unpack_from("<I", buf, c)[0])
        self._reallocs += 1
        return new

    def _view(self, offset, size):
        bs = (self._used(offset) & -8) - HEADER_SIZE
        if size is None:
            size = bs
        elif size < 0 or size > bs:
            raise ValueError("view of %d bytes exceeds block of %d" % (size, bs))
        return self._buf[offset:offset + size]

    def _zero(self, a, n):
        if n <= 0:
            return
        z = self._zeros
        if z is None or (len(z) < n and len(z) < ZERO_CHUNK):
            k = n if n < ZERO_CHUNK else ZERO_CHUNK
            z = self._zeros = memoryview(bytes(k))
        zl = len(z)
        mv = self._buf
        while n > zl:
            mv[a:a + zl] = z
            a += zl
            n -= zl
        mv[a:a + n] = z[:n]

    def _list_head(self, i):
        return unpack_from("<I", self._buf, _POOL_HDR + 4 * i)[0]

    def _info(self):
        return {"total_size": self._total,
                "total_free_size": self._free_size,
                "highmark_size": self._highmark}

    def _stats(self):
        free_blocks = 0
        largest = 0
        buf = self._buf
        for i in range(NSMALL + self._n_large):
            cur = self._list_head(i)
            limit = self._free_size // MIN_CHUNK + 1   # stops a damaged cycle
            while cur and limit:
                if cur < self._start or cur >= self._end:
                    raise _corrupt(POOL_BAD_FREE_LIST, cur)
                limit -= 1
                free_blocks += 1
                w, chk, cur = unpack_from("<III", buf, cur)
                if w > largest:
                    largest = w
        d = self._info()
        d["largest_free_block"] = largest - HEADER_SIZE if largest else 0
        d["free_blocks"] = free_blocks
        d["used_blocks"] = self._used_blocks
        d["alloc_count"] = self._allocs
        d["realloc_count"] = self._reallocs
        d["free_count"] = self._frees
        d["overhead_per_block"] = HEADER_SIZE
        d["metadata_size"] = self._total - (self._end - self._start)
        return d

    def _check(self):
        buf = self._buf
        salt = self._salt
        start = self._start
        end = self._end
        hdr = unpack_from("<IIIIII", buf, 0)
        if hdr != (_MAGIC, self._total, start, end, self._n_large, salt):
            raise _corrupt("pool corrupted: damaged pool header", 0)
        free = {}
        free_sum = 0
        used = 0
        off = start
        prev_free = False
        while off < end:
            w, chk = unpack_from("<II", buf, off)
            if chk != w ^ off ^ salt:
                raise _corrupt(POOL_BAD_HEADER, off)
            s = w & -8
            if w & 4 or s < MIN_CHUNK or off + s > end:
                raise _corrupt(POOL_BAD_HEADER, off)
            if bool(w & PREV_FREE) != prev_free:
                raise _corrupt("pool corrupted: wrong PREV_FREE flag", off)
            if w & USED:
                used += 1
                prev_free = False
            else:
                if prev_free:
                    raise _corrupt("pool corrupted: adjacent free chunks", off)
                if unpack_from("<I", buf, off + s - 4)[0] != s:
                    raise _corrupt("pool corrupted: bad footer", off)
                free[off] = s
                free_sum += s
                prev_free = True
            off += s
        if off != end:
            raise _corrupt("pool corrupted: chunks overrun the heap", off)
        w, chk = unpack_from("<II", buf, end)
        if chk != w ^ end ^ salt or w & -8 or not w & USED:
            raise _corrupt(POOL_BAD_HEADER, end)
        if bool(w & PREV_FREE) != prev_free:
            raise _corrupt("pool corrupted: wrong PREV_FREE flag", end)
        listed = 0
        for i in range(NSMALL + self._n_large):
            head = self._list_head(i)
            if i < NSMALL:
                bit = (self._small >> i) & 1
            else:
                bit = (self._large >> (i - NSMALL)) & 1
            if bit != (1 if head else 0):
                raise _corrupt("pool corrupted: bitmap disagrees with list %d" % i, head)
            prv = 0
            last = 0
            cur = head
            while cur:
                s = free.pop(cur, None)
                if s is None:
                    raise _corrupt(POOL_BAD_FREE_LIST, cur)
                if i < NSMALL:
                    ok = s == (i + 3) << 3
                else:
                    ok = s > SMALL_MAX and _bitlen(s) - 9 == i - NSMALL and s >= last
                if not ok:
                    raise _corrupt("pool corrupted: chunk in the wrong list", cur)
                nxt, back = unpack_from("<II", buf, cur + 8)
                if back != prv:
                    raise _corrupt(POOL_BAD_FREE_LIST, cur)
                listed += 1
                last = s
                prv = cur
                cur = nxt
        if free:
            raise _corrupt("pool corrupted: free chunk missing from the lists",
                           min(free))
        if free_sum != self._free_size:
            raise _corrupt("pool corrupted: free size %d, counted %d"
                           % (self._free_size, free_sum), 0)
        if used != self._used_blocks:
            raise _corrupt("pool corrupted: %d used blocks, counted %d"
                           % (self._used_blocks, used), 0)
        if self._total - free_sum > self._highmark:
            raise _corrupt("pool corrupted: highmark below current use", 0)
        return listed
