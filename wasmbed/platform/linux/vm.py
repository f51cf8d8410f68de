"""Virtual memory for LinuxPlatform: anonymous private mmaps.

vm_map maps ``max(size, reserve)`` bytes (rounded up to pages) at once, with
MAP_NORESERVE where the host has it, so the untouched tail of a reservation
costs address space only: Linux commits a page the first time it is written.
``Region.buf`` is a memoryview of the first ``size`` bytes of the mapping;
vm_remap within the reservation only re-slices it (no copy, the data stays
where it is); past the reservation it reserves at least twice as much (so
growth page by page re-reserves O(log n) times): mremap moves the mapping
when nobody holds a view of it, else a new mapping gets a copy of the
written chunks and the old one is unmapped.

The mmap module offers no mprotect, and a page made inaccessible would kill
the interpreter with SIGSEGV on the first Python access anyway, so
vm_protect records ``prot`` and checks its range, nothing more (accesses to
linear memory are bounds-checked in software).
"""

import mmap

from wasmbed.host_errors import PoolExhausted
from wasmbed.platform_api import PROT_RW, Region

PAGE_SIZE = mmap.PAGESIZE
_FLAGS = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0)
_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)


def _round_up(n, to):
    return (n + to - 1) // to * to


def _new_mapping(length):
    """An anonymous read/write mapping of ``length`` bytes; PoolExhausted
    when the host refuses."""
    try:
        return mmap.mmap(-1, length, flags=_FLAGS | _NORESERVE,
                         prot=mmap.PROT_READ | mmap.PROT_WRITE)
    except (OSError, OverflowError, ValueError, MemoryError):
        raise PoolExhausted()


def _drop_view(view):
    try:
        view.release()
    except BufferError:
        pass  # someone still holds a view derived from it: it dies with them


def _close(mapping):
    try:
        mapping.close()
    except BufferError:
        pass  # views still exported: the mapping goes when the last one does


def vm_map(size, prot=PROT_RW, reserve=0):
    if size < 0 or reserve < 0:
        raise ValueError("negative size")
    length = _round_up(max(size, reserve, 1), PAGE_SIZE)
    try:
        mapping = _new_mapping(length)
    except PoolExhausted:
        if length <= _round_up(max(size, 1), PAGE_SIZE):
            raise
        # A strict-overcommit host may refuse a large reservation: fall back
        # to the size asked for (growth will then copy).
        length = _round_up(max(size, 1), PAGE_SIZE)
        mapping = _new_mapping(length)
    return Region(memoryview(mapping)[:size], size, prot, length, mapping)


def _zero(mapping, start, end):
    """Make ``mapping[start:end]`` read as zero, returning whole pages to
    the host where possible."""
    if start >= end:
        return
    first = _round_up(start, PAGE_SIZE)
    last = end // PAGE_SIZE * PAGE_SIZE
    if _DONTNEED is not None and first < last:
        mapping.madvise(_DONTNEED, first, last - first)
        mapping[start:first] = bytes(first - start)
        mapping[last:end] = bytes(end - last)
    else:
        mapping[start:end] = bytes(end - start)


def vm_remap(region, new_size):
    if new_size < 0:
        raise ValueError("negative size")
    mapping = region.handle
    if mapping is None:
        raise ValueError("region was unmapped")
    old_size = region.size
    if new_size <= region.reserved:
        if new_size < old_size:
            _zero(mapping, new_size, old_size)
        old_view = region.buf
        region.buf = memoryview(mapping)[:new_size]
        region.size = new_size
        _drop_view(old_view)
        return region
    # Past the reservation: reserve geometrically (at least twice the old
    # reservation), so that a memory grown page by page moves O(log n)
    # times. The kernel moves the mapping (mremap) when no view of it is
    # left; otherwise a fresh mapping gets the contents copied.
    for length in _reservations(new_size, region.reserved):
        old_view = region.buf
        region.buf = None
        _drop_view(old_view)
        if _move(mapping, length):
            fresh = mapping
        else:
            try:
                fresh = _new_mapping(length)
            except PoolExhausted:
                region.buf = memoryview(mapping)[:old_size]
                continue
            _copy_written(mapping, fresh, old_size)
            _close(mapping)
        region.buf = memoryview(fresh)[:new_size]
        region.size = new_size
        region.reserved = length
        region.handle = fresh
        return region
    raise PoolExhausted()


def _reservations(new_size, reserved):
    """Reservation sizes to try for growing past ``reserved``: geometric
    first, then just what is needed (a host short of address space)."""
    need = _round_up(new_size, PAGE_SIZE)
    geo = _round_up(max(need, 2 * reserved), PAGE_SIZE)
    return (geo, need) if geo > need else (need,)


def _move(mapping, length):
    """Resize ``mapping`` in place or let the kernel move it (mremap);
    False when it cannot (views still exported, no mremap on the host)."""
    try:
        mapping.resize(length)
    except (BufferError, OSError, SystemError, ValueError, OverflowError,
            MemoryError):
        return False
    return True


_COPY_CHUNK = 1 << 20
_ZERO_CHUNK = bytes(_COPY_CHUNK)


def _copy_written(src, dst, size):
    """Copy ``src[:size]`` to the fresh (zero) mapping ``dst``, skipping
    all-zero chunks: pages never written stay untouched in both mappings
    (reading one maps the shared zero page, so nothing gets committed)."""
    pos = 0
    while pos < size:
        n = min(_COPY_CHUNK, size - pos)
        chunk = src[pos:pos + n]
        if chunk != (_ZERO_CHUNK if n == _COPY_CHUNK else bytes(n)):
            dst[pos:pos + n] = chunk
        pos += n


def vm_unmap(region):
    mapping = region.handle
    if mapping is None:
        return
    region.handle = None
    view = region.buf
    region.buf = memoryview(b"")
    region.size = 0
    _drop_view(view)
    _close(mapping)
