"""The pool allocator (ARCHITECTURE.md section 5): scenarios, errors, locking.

The randomized model-based test is in test_pool_alloc_model.py; the
MicroPython run is in test_pool_alloc_micropython.py.
"""

import sys

import pytest

from wasmbed.core.errors import PoolCorrupted, PoolExhausted, POOL_EXHAUSTED
from wasmbed.pool_alloc import Pool, HEADER_SIZE, MIN_BLOCK, MIN_CHUNK


def new_pool(size=16384, **kw):
    buf = bytearray(size)
    return buf, Pool(buf, **kw)


def fill(pool, off, byte, n=None):
    v = pool.view(off, n)
    v[:] = bytes([byte]) * len(v)


def chunk(pool, off):
    """Bytes the block at off takes from the pool, header included."""
    return pool.block_size(off) + HEADER_SIZE


# ------------------------------------------------------------ fresh pool

def test_fresh_pool_is_one_free_block_and_reports_the_buffer_size():
    buf, p = new_pool(16384)
    info = p.info()
    assert set(info) == {"total_size", "total_free_size", "highmark_size"}
    assert info["total_size"] == 16384
    st = p.stats()
    assert st["free_blocks"] == 1
    assert st["used_blocks"] == 0
    # The single free chunk is everything but the metadata.
    assert info["total_free_size"] == 16384 - st["metadata_size"]
    assert st["largest_free_block"] == info["total_free_size"] - HEADER_SIZE
    assert info["highmark_size"] == st["metadata_size"]
    assert p.check() == 1


def test_python_side_state_is_only_a_few_scalars():
    buf, p = new_pool()
    for name, value in vars(p).items():
        assert value is None or isinstance(value, (int, memoryview)), name


def test_buffer_must_be_writable_and_large_enough():
    with pytest.raises(TypeError):
        Pool(bytes(4096))
    with pytest.raises(ValueError):
        Pool(bytearray(64))
    # A writable memoryview works, and offsets are relative to it.
    big = bytearray(8192)
    p = Pool(memoryview(big)[4096:])
    off = p.alloc(10)
    p.view(off, 3)[:] = b"abc"
    assert bytes(big[4096 + off:4096 + off + 3]) == b"abc"
    # A buffer of wider items is used as plain bytes.
    import array
    words = array.array("I", bytes(8192))
    p = Pool(words)
    assert p.info()["total_size"] == 8192
    p.free(p.alloc(4000))
    p.check()


# ------------------------------------------------------------ alloc basics

@pytest.mark.parametrize("size", [1, 7, 8, 9, 16, 17, 100, 255, 256, 257, 1000, 5000])
def test_alloc_gives_an_aligned_writable_block_of_at_least_size(size):
    buf, p = new_pool()
    off = p.alloc(size)
    assert off % 8 == 0 and off > 0
    assert size <= p.block_size(off) < max(size, MIN_BLOCK) + MIN_CHUNK
    v = p.view(off, size)
    v[:] = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    assert bytes(buf[off:off + size]) == bytes(v)
    p.check()


def test_size_zero_gives_a_minimal_block_and_negative_is_rejected():
    buf, p = new_pool()
    a = p.alloc(0)
    b = p.alloc(0)
    assert a != b
    assert p.block_size(a) == MIN_BLOCK
    with pytest.raises(ValueError):
        p.alloc(-1)
    with pytest.raises(ValueError):
        p.realloc(a, -5)
    p.check()


def test_blocks_do_not_overlap_and_headers_sit_between_them():
    buf, p = new_pool()
    offs = [p.alloc(s) for s in (1, 24, 300, 17, 999, 64)]
    spans = sorted((o - HEADER_SIZE, o + p.block_size(o)) for o in offs)
    for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
        assert a1 <= b0


def test_free_size_accounts_chunk_and_header_of_every_block():
    buf, p = new_pool()
    initial = p.info()["total_free_size"]
    offs = [p.alloc(s) for s in (5, 40, 257, 1024)]
    assert p.info()["total_free_size"] == initial - sum(chunk(p, o) for o in offs)
    for o in offs:
        p.free(o)
    assert p.info()["total_free_size"] == initial


def test_stats_count_operations_and_highmark_keeps_the_peak():
    buf, p = new_pool()
    base = p.info()["highmark_size"]
    a = p.alloc(1000)
    b = p.alloc(2000)
    peak = p.info()["total_size"] - p.info()["total_free_size"]
    assert p.info()["highmark_size"] == peak > base
    b = p.realloc(b, 3000)
    p.free(a)
    p.free(b)
    st = p.stats()
    assert st["highmark_size"] >= peak
    assert (st["alloc_count"], st["realloc_count"], st["free_count"],
            st["used_blocks"]) == (2, 1, 2, 0)
    assert st["overhead_per_block"] == HEADER_SIZE


# ------------------------------------------------------------ fit policy

def test_small_sizes_reuse_the_exact_size_hole():
    buf, p = new_pool()
    a = p.alloc(40)
    p.alloc(100)          # keeps a's hole from merging with the tail
    p.free(a)
    assert p.alloc(40) == a


def test_large_sizes_take_the_best_fitting_hole():
    buf, p = new_pool(65536)
    holes = {}
    for size in (3000, 1200, 2000, 1150):
        holes[size] = p.alloc(size)
        p.alloc(16)       # separator
    for off in holes.values():
        p.free(off)
    # 1100 fits in all four; 1150's hole is the tightest.
    assert p.alloc(1100) == holes[1150]
    # 1190 no longer fits 1150's remainder: 1200's hole is next best.
    assert p.alloc(1190) == holes[1200]
    assert p.alloc(1900) == holes[2000]
    p.check()


# ------------------------------------------------------------ coalescing

def test_free_merges_with_both_neighbours():
    buf, p = new_pool()
    a, b, c = p.alloc(200), p.alloc(200), p.alloc(200)
    p.alloc(16)                                     # guard before the tail
    span = chunk(p, a) + chunk(p, b) + chunk(p, c)
    p.free(a)
    p.free(c)
    assert p.stats()["free_blocks"] == 3            # a, c, the tail
    p.free(b)
    assert p.stats()["free_blocks"] == 2            # a+b+c, the tail
    # One block now spans a..c exactly.
    assert p.alloc(span - HEADER_SIZE) == a
    assert p.stats()["free_blocks"] == 1
    p.check()


def test_fragmented_pool_serves_a_large_request_only_after_coalescing():
    buf, p = new_pool(16384)
    blocks = []
    while True:
        try:
            blocks.append(p.alloc(120))
        except PoolExhausted:
            break
    assert len(blocks) > 50
    for off in blocks[::2]:
        p.free(off)
    p.check()
    st = p.stats()
    # Plenty of free bytes, but every hole is one small block.
    assert st["total_free_size"] > 4000
    assert st["largest_free_block"] < 1000
    with pytest.raises(PoolExhausted):
        p.alloc(4000)
    for off in blocks[1::2]:
        p.free(off)           # each merges with the holes on both sides
    assert p.stats()["free_blocks"] == 1
    big = p.alloc(4000)
    assert big == blocks[0]
    p.free(big)
    assert p.check() == 1


def test_everything_freed_in_any_order_returns_to_one_block():
    buf, p = new_pool()
    initial = p.info()["total_free_size"]
    offs = [p.alloc(s) for s in (8, 300, 20, 4000, 64, 700, 32, 1)]
    for i in (3, 0, 7, 5, 1, 6, 2, 4):
        p.free(offs[i])
        p.check()
    assert p.stats()["free_blocks"] == 1
    assert p.info()["total_free_size"] == initial


# ------------------------------------------------------------ realloc

def test_realloc_grows_in_place_into_a_free_next_chunk():
    buf, p = new_pool()
    a, b = p.alloc(100), p.alloc(100)
    p.alloc(16)
    fill(p, a, 0x5A, 100)
    p.free(b)
    free_before = p.info()["total_free_size"]
    old_chunk = chunk(p, a)
    assert p.realloc(a, 180) == a
    assert bytes(p.view(a, 100)) == b"\x5a" * 100
    assert p.info()["total_free_size"] == free_before - (chunk(p, a) - old_chunk)
    p.check()


def test_realloc_grows_in_place_at_the_end_of_the_heap():
    buf, p = new_pool()
    a = p.alloc(100)
    assert p.realloc(a, 5000) == a
    p.check()


def test_realloc_moves_when_the_next_chunk_is_used_and_old_and_new_coexist():
    buf, p = new_pool()
    a = p.alloc(100)
    p.alloc(16)
    fill(p, a, 0x33, 100)
    free_before = p.info()["total_free_size"]
    old_chunk = chunk(p, a)
    hm_before = p.info()["highmark_size"]
    b = p.realloc(a, 400)
    assert b != a
    assert bytes(p.view(b, 100)) == b"\x33" * 100
    with pytest.raises(PoolCorrupted):
        p.block_size(a)
    assert p.info()["total_free_size"] == free_before + old_chunk - chunk(p, b)
    # During the copy both blocks were live.
    assert p.info()["highmark_size"] >= hm_before + chunk(p, b)
    p.check()


def test_realloc_can_move_into_the_hole_right_before_the_block():
    buf, p = new_pool()
    h = p.alloc(500)
    a = p.alloc(100)
    p.alloc(16)
    fill(p, a, 0x44, 100)
    p.free(h)                 # a's previous chunk is free and fits exactly
    b = p.realloc(a, 500)
    assert b == h
    assert bytes(p.view(b, 100)) == b"\x44" * 100
    p.check()


def test_realloc_shrinks_in_place_and_returns_the_tail():
    buf, p = new_pool()
    a = p.alloc(2000)
    p.alloc(16)
    fill(p, a, 0x77, 2000)
    free_before = p.info()["total_free_size"]
    old_chunk = chunk(p, a)
    assert p.realloc(a, 100) == a
    assert p.block_size(a) < 100 + MIN_CHUNK
    assert bytes(p.view(a, 100)) == b"\x77" * 100
    assert p.info()["total_free_size"] == free_before + old_chunk - chunk(p, a)
    assert p.stats()["largest_free_block"] >= 0
    p.check()


def test_realloc_shrink_merges_the_tail_with_a_free_next_chunk():
    buf, p = new_pool()
    a, b = p.alloc(1000), p.alloc(500)
    p.alloc(16)
    p.free(b)
    blocks_before = p.stats()["free_blocks"]
    assert p.realloc(a, 10) == a
    assert p.stats()["free_blocks"] == blocks_before
    p.check()


def test_realloc_keeps_alignment_when_it_moves_with_align():
    buf, p = new_pool(65536)
    a = p.alloc(100, align=512)
    after = a + p.block_size(a) + HEADER_SIZE
    while p.alloc(16) != after:     # until the chunk after a is used
        pass
    b = p.realloc(a, 3000, align=512)
    assert b % 512 == 0 and b != a
    p.check()


# ------------------------------------------------------------ exhaustion

def snapshot(buf, p):
    return bytes(buf), p.stats()


@pytest.mark.parametrize("size", [20000, 16384, 16384 - 300, 10 ** 12])
def test_failed_alloc_leaves_pool_byte_for_byte_unchanged(size):
    buf, p = new_pool(16384)
    p.alloc(5000)
    before = snapshot(buf, p)
    with pytest.raises(PoolExhausted) as exc:
        p.alloc(size)
    assert str(exc.value) == POOL_EXHAUSTED == "allocate memory failed"
    assert snapshot(buf, p) == before


def test_failed_alloc_with_free_bytes_but_no_fitting_hole_changes_nothing():
    buf, p = new_pool(16384)
    blocks = []
    while True:
        try:
            blocks.append(p.alloc(500))
        except PoolExhausted:
            break
    for off in blocks[::2]:
        p.free(off)
    before = snapshot(buf, p)
    assert before[1]["total_free_size"] > 3000
    with pytest.raises(PoolExhausted):
        p.alloc(3000)
    with pytest.raises(PoolExhausted):
        p.alloc(600, align=4096)
    assert snapshot(buf, p) == before


def test_failed_realloc_leaves_old_block_and_pool_unchanged():
    buf, p = new_pool(16384)
    a = p.alloc(6000)
    p.alloc(6000)
    fill(p, a, 0xC3)
    before = snapshot(buf, p)
    with pytest.raises(PoolExhausted):
        p.realloc(a, 9000)
    with pytest.raises(PoolExhausted):
        p.realloc(a, 10 ** 12)
    assert snapshot(buf, p) == before
    assert bytes(p.view(a)) == b"\xc3" * p.block_size(a)


def test_the_pool_fills_up_exactly():
    buf, p = new_pool(8192)
    largest = p.stats()["largest_free_block"]
    with pytest.raises(PoolExhausted):
        p.alloc(largest + 1)
    a = p.alloc(largest)
    assert p.info()["total_free_size"] == 0
    with pytest.raises(PoolExhausted):
        p.alloc(0)
    p.free(a)
    p.check()


# ------------------------------------------------------------ alignment

@pytest.mark.parametrize("align", [1, 2, 4, 8, 16, 32, 64, 256, 1024, 4096])
def test_alignment(align):
    buf, p = new_pool(65536)
    initial = p.info()["total_free_size"]
    offs = []
    for size in (1, 24, 100, 333, 24, 7):
        off = p.alloc(size, align=align)
        assert off % max(align, 8) == 0
        assert p.block_size(off) >= size
        offs.append(off)
        p.check()
    for off in offs:
        p.free(off)
    assert p.info()["total_free_size"] == initial
    assert p.check() == 1


@pytest.mark.parametrize("align", [0, 3, 12, -8])
def test_bad_alignment_is_rejected(align):
    buf, p = new_pool()
    with pytest.raises(ValueError):
        p.alloc(10, align=align)


# ------------------------------------------------------------ zeroing

def dirty_pool(size=16384):
    """A pool whose free space is full of 0xEE bytes."""
    buf, p = new_pool(size)
    offs = []
    while True:
        try:
            offs.append(p.alloc(200))
        except PoolExhausted:
            break
    for off in offs:
        fill(p, off, 0xEE)
        p.free(off)
    return buf, p


def test_calloc_and_alloc_zero_clear_the_whole_block():
    buf, p = dirty_pool()
    a = p.calloc(1000)
    assert bytes(p.view(a)) == bytes(p.block_size(a))
    b = p.alloc(5000, zero=True)
    assert bytes(p.view(b)) == bytes(p.block_size(b))
    c = p.alloc(300, align=256, zero=True)
    assert bytes(p.view(c)) == bytes(p.block_size(c))
    d = p.alloc(100)
    assert bytes(p.view(d, 100)) != bytes(100)   # no zeroing asked: stale bytes


def test_realloc_zero_clears_grown_bytes_in_place_and_when_moving():
    buf, p = dirty_pool()
    a = p.calloc(100)
    fill(p, a, 0x11, 100)
    a2 = p.realloc(a, 3000, zero=True)          # next chunk is free: in place
    assert a2 == a
    assert bytes(p.view(a, 100)) == b"\x11" * 100
    assert bytes(p.view(a)[100:]) == bytes(p.block_size(a) - 100)
    p.alloc(16)                                  # block the next chunk
    b = p.realloc(a, 6000, zero=True)
    assert b != a
    assert bytes(p.view(b, 100)) == b"\x11" * 100
    assert bytes(p.view(b)[100:]) == bytes(p.block_size(b) - 100)


def test_realloc_zero_shrink_then_grow_reads_zero_past_the_shrunk_size():
    buf, p = dirty_pool()
    a = p.calloc(1000)
    fill(p, a, 0x22)
    p.realloc(a, 50, zero=True)
    assert bytes(p.view(a)[50:]) == bytes(p.block_size(a) - 50)
    p.realloc(a, 900, zero=True)
    assert bytes(p.view(a, 50)) == b"\x22" * 50
    assert bytes(p.view(a)[50:]) == bytes(p.block_size(a) - 50)


# ------------------------------------------------------------ view

def test_view_is_bounds_checked_against_the_block():
    buf, p = new_pool()
    a = p.alloc(100)
    n = p.block_size(a)
    assert len(p.view(a)) == n
    assert len(p.view(a, 0)) == 0
    with pytest.raises(ValueError):
        p.view(a, n + 1)
    with pytest.raises(ValueError):
        p.view(a, -1)


# ------------------------------------------------------------ corruption

def test_double_free_is_detected_and_changes_nothing():
    buf, p = new_pool()
    a = p.alloc(64)
    p.alloc(64)
    p.free(a)
    before = snapshot(buf, p)
    with pytest.raises(PoolCorrupted) as exc:
        p.free(a)
    assert "double free" in str(exc.value)
    assert snapshot(buf, p) == before


def test_double_free_after_the_block_merged_into_its_neighbour():
    buf, p = new_pool()
    a, b = p.alloc(64), p.alloc(64)
    p.alloc(64)
    p.free(a)
    p.free(b)                       # b merges into a's free chunk
    with pytest.raises(PoolCorrupted) as exc:
        p.free(b)
    assert "double free" in str(exc.value)
    # ...and even after a's chunk is handed out again, b is not a block.
    c = p.alloc(100)
    assert c == a
    for bad in (b, a + 8):
        with pytest.raises(PoolCorrupted):
            p.free(bad)
    p.check()


@pytest.mark.parametrize("delta", [8, 16, 4, 1, -8])
def test_freeing_an_offset_that_is_not_a_block_start(delta):
    buf, p = new_pool()
    a = p.alloc(200)
    fill(p, a, 0)                   # zeros inside the block look like nothing
    before = snapshot(buf, p)
    with pytest.raises(PoolCorrupted):
        p.free(a + delta)
    assert snapshot(buf, p) == before


@pytest.mark.parametrize("offset", [0, 8, 16, 16384, 16384 + 8, 10 ** 9, -64])
def test_offsets_outside_the_heap_are_not_blocks(offset):
    buf, p = new_pool(16384)
    p.alloc(10)
    for op in (p.free, p.block_size, p.view, lambda o: p.realloc(o, 10)):
        with pytest.raises(PoolCorrupted):
            op(offset)


@pytest.mark.parametrize("scribble", [b"\x00" * 8, b"\xff" * 8, b"\x41\x42\x43\x44"])
def test_a_scribbled_header_raises_instead_of_being_followed(scribble):
    buf, p = new_pool()
    a = p.alloc(100)
    b = p.alloc(100)
    h = b - HEADER_SIZE
    buf[h:h + len(scribble)] = scribble
    for op in (lambda: p.free(b), lambda: p.block_size(b), lambda: p.view(b),
               lambda: p.realloc(b, 50), p.check):
        with pytest.raises(PoolCorrupted):
            op()
    # Freeing a neighbour must look at b's header and refuse it too.
    with pytest.raises(PoolCorrupted):
        p.free(a)


def test_a_single_flipped_size_bit_is_detected():
    buf, p = new_pool()
    a = p.alloc(100)
    buf[a - HEADER_SIZE] ^= 0x40
    with pytest.raises(PoolCorrupted):
        p.free(a)


def test_a_damaged_free_chunk_header_stops_alloc():
    buf, p = new_pool()
    a = p.alloc(100)
    p.alloc(16)
    p.free(a)
    buf[a - HEADER_SIZE:a] = b"\x00" * 8
    with pytest.raises(PoolCorrupted):
        p.alloc(100)
    with pytest.raises(PoolCorrupted):
        p.check()


def test_damaged_free_list_links_are_found_by_check():
    buf, p = new_pool()
    a = p.alloc(100)
    p.alloc(16)
    p.free(a)
    buf[a + 4:a + 8] = b"\x10\x00\x00\x00"   # prev link of a's free chunk
    with pytest.raises(PoolCorrupted):
        p.check()


@pytest.mark.parametrize("link", [0, 4])
def test_damaged_links_are_refused_before_unlinking(link):
    # A forged next/prev link must not make free() write through it.
    buf, p = new_pool()
    a, b, c = p.alloc(100), p.alloc(100), p.alloc(100)
    victim = p.alloc(100)
    p.alloc(16)
    fill(p, victim, 0x99)
    p.free(a)
    p.free(c)                 # a and c share a list: c -> a
    target = victim - 8       # "free chunk" whose link fields are victim's data
    buf[c + link:c + link + 4] = target.to_bytes(4, "little")
    before = bytes(buf), p.info()
    with pytest.raises(PoolCorrupted):
        p.free(b)             # would merge with a and c, unlinking both
    assert (bytes(buf), p.info()) == before
    with pytest.raises(PoolCorrupted):
        p.check()
    assert bytes(p.view(victim)) == b"\x99" * p.block_size(victim)


def test_a_broken_footer_is_found_when_coalescing():
    buf, p = new_pool()
    a, b = p.alloc(100), p.alloc(100)
    p.alloc(16)
    p.free(a)
    foot = b - HEADER_SIZE - 4
    buf[foot:foot + 4] = b"\x08\x00\x00\x00"
    with pytest.raises(PoolCorrupted):
        p.free(b)
    with pytest.raises(PoolCorrupted):
        p.check()


def test_salt_changes_check_values_but_not_behaviour():
    b1, p1 = new_pool()
    b2, p2 = new_pool(salt=0x12345)
    assert [p1.alloc(s) for s in (10, 500)] == [p2.alloc(s) for s in (10, 500)]
    assert b1 != b2
    p2.check()


# ------------------------------------------------------------ mutex

class CountingMutex:
    """A non-reentrant fake platform mutex that counts its use."""

    def __init__(self):
        self.acquired = 0
        self.released = 0
        self.held = False

    def acquire(self, timeout_ns=-1):
        assert not self.held, "pool re-entered its own mutex"
        self.held = True
        self.acquired += 1
        return True

    def release(self):
        assert self.held, "release without acquire"
        self.held = False
        self.released += 1


def test_every_public_method_takes_and_releases_the_mutex():
    m = CountingMutex()
    buf, p = new_pool(mutex=m)
    calls = [
        lambda: p.alloc(10),
        lambda: p.calloc(10),
        lambda: p.alloc(10, align=64, zero=True),
        lambda: p.realloc(p.alloc(10), 500),
        lambda: p.free(p.alloc(10)),
        lambda: p.block_size(p.alloc(10)),
        lambda: p.view(p.alloc(10)),
        p.info,
        p.stats,
        p.check,
    ]
    for call in calls:
        before = m.acquired
        call()
        assert not m.held
        assert m.acquired > before
    assert m.acquired == m.released


def test_mutex_is_released_when_an_operation_raises():
    m = CountingMutex()
    buf, p = new_pool(mutex=m)
    a = p.alloc(10)
    p.free(a)
    for call in (lambda: p.alloc(10 ** 9), lambda: p.free(a),
                 lambda: p.realloc(a, 5), lambda: p.alloc(-1)):
        with pytest.raises((PoolExhausted, PoolCorrupted, ValueError)):
            call()
        assert not m.held
    assert m.acquired == m.released == 6


def test_no_mutex_means_no_locking_calls():
    buf, p = new_pool(mutex=None)
    p.free(p.alloc(10))   # nothing to count: just must not need a mutex
    p.check()


def test_threads_sharing_a_pool_through_its_mutex():
    import threading

    buf, p = new_pool(1 << 18, mutex=threading.Lock())
    initial = p.info()["total_free_size"]
    errors = []

    def worker(tag):
        try:
            live = []
            for i in range(400):
                if live and i % 3 == 2:
                    off, n = live.pop(i % len(live))
                    assert bytes(p.view(off, n)) == bytes([tag]) * n
                    p.free(off)
                else:
                    n = (i * 37 + tag) % 500
                    off = p.alloc(n)
                    p.view(off, n)[:] = bytes([tag]) * n
                    live.append((off, n))
            for off, n in live:
                assert bytes(p.view(off, n)) == bytes([tag]) * n
                p.free(off)
        except Exception as exc:   # reported by the main thread
            errors.append(exc)

    # Switch threads very often so that unguarded updates would interleave
    # (without the mutex this test fails).
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=worker, args=(t,)) for t in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old_interval)
    assert errors == []
    assert p.check() == 1
    assert p.info()["total_free_size"] == initial
