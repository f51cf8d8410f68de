"""Model-based test of the pool: random alloc/realloc/free against a Python model.

The model remembers, for every live block, the size asked for, the alignment
and the bytes written into it. After every step: no two live blocks (headers
included) overlap, every block holds exactly the bytes last written, sizes
and alignment are as promised, the free size equals what the model predicts
from the live blocks, and ``check()`` accepts the whole heap. At the end
everything is freed and the pool must be one free block again.
"""

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, consumes, initialize, invariant, rule,
)

from wasmbed.core.errors import PoolExhausted
from wasmbed.pool_alloc import Pool, HEADER_SIZE, MIN_CHUNK

SIZES = st.one_of(
    st.integers(0, 64),
    st.integers(65, 600),
    st.integers(601, 6000),
    st.sampled_from([0, 8, 16, 17, 248, 249, 256, 257, 4096]),
    # A few popular sizes, so that holes get reused exactly.
    st.sampled_from([24, 100, 500, 1000]),
)
ALIGNS = st.sampled_from([8, 8, 8, 1, 16, 64, 512])


def chunk_need(size):
    """Chunk bytes a request of ``size`` needs: 8-byte header, 8-byte
    rounding, at least MIN_CHUNK (the documented layout)."""
    return max(MIN_CHUNK, HEADER_SIZE + (size + 7) // 8 * 8)


class PoolModel(RuleBasedStateMachine):
    blocks = Bundle("blocks")

    @initialize(size=st.integers(2048, 40000), salt=st.integers(0, 2 ** 30))
    def make_pool(self, size, salt):
        self.buf = bytearray(size)
        self.pool = Pool(self.buf, salt=salt)
        self.initial_free = self.pool.info()["total_free_size"]
        self.live = {}        # offset -> (size asked, align, content)
        self.counter = 0

    def pattern(self, n):
        self.counter += 1
        seed = self.counter * 37
        return bytes((seed + i * 13) & 255 for i in range(n))

    def write(self, off, size, align):
        data = self.pattern(size)
        self.pool.view(off, size)[:] = data
        self.live[off] = (size, align, data)

    @rule(target=blocks, size=SIZES, align=ALIGNS, zero=st.booleans())
    def alloc(self, size, align, zero):
        before = (bytes(self.buf), self.pool.stats())
        try:
            off = self.pool.alloc(size, align=align, zero=zero)
        except PoolExhausted:
            assert (bytes(self.buf), self.pool.stats()) == before
            if align <= 8:
                # Only allowed when no free chunk could hold the request.
                largest_chunk = before[1]["largest_free_block"] + HEADER_SIZE
                assert chunk_need(size) > largest_chunk
            return None
        assert off not in self.live
        if zero:
            assert bytes(self.pool.view(off)) == bytes(self.pool.block_size(off))
        self.write(off, size, align)
        return off

    @rule(block=consumes(blocks))
    def free(self, block):
        if block is None:
            return
        self.pool.free(block)
        del self.live[block]

    @rule(target=blocks, block=consumes(blocks), size=SIZES, zero=st.booleans())
    def realloc(self, block, size, zero):
        if block is None:
            return None
        old_size, align, data = self.live[block]
        old_bs = self.pool.block_size(block)
        before = (bytes(self.buf), self.pool.stats())
        try:
            new = self.pool.realloc(block, size, align=align, zero=zero)
        except PoolExhausted:
            assert (bytes(self.buf), self.pool.stats()) == before
            # A shrink never needs new space.
            assert chunk_need(size) > old_bs + HEADER_SIZE
            return block
        if chunk_need(size) <= old_bs + HEADER_SIZE:
            assert new == block, "a shrink must stay in place"
        del self.live[block]
        keep = min(old_size, size)
        assert bytes(self.pool.view(new, keep)) == data[:keep]
        if zero:
            # Grown: everything past the old block is 0. Shrunk: everything
            # past the new size is 0.
            tail = self.pool.view(new)[min(old_bs, size):]
            assert bytes(tail) == bytes(len(tail))
        self.pool.view(new, size)[keep:] = self.pattern(size - keep)
        self.live[new] = (size, align, bytes(self.pool.view(new, size)))
        return new

    @invariant()
    def blocks_are_disjoint_aligned_and_intact(self):
        if not hasattr(self, "pool"):
            return
        spans = []
        used = 0
        for off, (size, align, data) in self.live.items():
            bs = self.pool.block_size(off)
            assert off % max(align, 8) == 0
            # At least the size asked, at most one unsplittable remainder more.
            assert chunk_need(size) <= bs + HEADER_SIZE < chunk_need(size) + MIN_CHUNK
            assert bytes(self.pool.view(off, size)) == data
            spans.append((off - HEADER_SIZE, off + bs))
            used += bs + HEADER_SIZE
        spans.sort()
        for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
            assert a1 <= b0, "blocks overlap"
        if spans:
            assert spans[0][0] > 0 and spans[-1][1] <= len(self.buf)
        info = self.pool.info()
        assert info["total_free_size"] == self.initial_free - used
        assert info["highmark_size"] >= info["total_size"] - info["total_free_size"]
        st_ = self.pool.stats()
        assert st_["used_blocks"] == len(self.live)
        assert st_["free_blocks"] == self.pool.check()

    def teardown(self):
        if not hasattr(self, "pool"):
            return
        for off in list(self.live):
            self.pool.free(off)
            self.pool.check()
        st_ = self.pool.stats()
        assert st_["total_free_size"] == self.initial_free
        assert st_["free_blocks"] == 1
        assert st_["largest_free_block"] == self.initial_free - HEADER_SIZE


TestPoolModel = PoolModel.TestCase
TestPoolModel.settings = settings(
    max_examples=200, stateful_step_count=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
