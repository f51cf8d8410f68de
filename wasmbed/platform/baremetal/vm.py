"""Virtual memory for BaremetalPlatform: a board has no MMU to map with, so
regions are carved from the runtime's pool or are plain bytearrays.

- :class:`PoolMemory`: regions are blocks of a ``wasmbed.pool_alloc.Pool``
  (``alloc(size, zero=True)``, ``realloc(off, size, zero=True)``,
  ``free(off)``, ``view(off, size)``); ``Region.handle`` is the block's
  offset and ``Region.buf`` a memoryview into the pool's buffer. Growth is in
  place when the next chunk is free, else the pool copies.
- without a pool, ``wasmbed.platform.minimal.BufferMemory``: regions are
  bytearrays from the interpreter's heap; growth copies.

Both report exhaustion as PoolExhausted and record ``prot`` without
enforcing it.
"""

from wasmbed.platform_api import PROT_RW, Region


class PoolMemory(object):
    """Regions carved from ``pool``."""

    def __init__(self, pool):
        self.pool = pool

    def map(self, size, prot=PROT_RW, reserve=0):
        if size < 0:
            raise ValueError("negative size")
        off = self.pool.alloc(size, zero=True)
        return Region(self.pool.view(off, size), size, prot, size, off)

    def remap(self, region, new_size):
        if new_size < 0:
            raise ValueError("negative size")
        if region.handle is None:
            raise ValueError("region was unmapped")
        off = self.pool.realloc(region.handle, new_size, zero=True)
        region.handle = off
        region.buf = self.pool.view(off, new_size)
        region.size = region.reserved = new_size
        return region

    def unmap(self, region):
        off = region.handle
        if off is None:
            return
        region.handle = None
        region.buf = bytearray(0)
        region.size = 0
        self.pool.free(off)
