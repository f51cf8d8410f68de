"""The fixed-buffer pool allocator (ARCHITECTURE.md section 5).

``Pool(buf, mutex=None)`` confines every allocation, and all of its own
metadata, to the one buffer it is given. See ``wasmbed.pool_alloc.pool``.
"""

from wasmbed.pool_alloc.pool import (  # noqa: F401
    Pool, HEADER_SIZE, MIN_BLOCK, MIN_CHUNK, ALIGN,
)
from wasmbed.host_errors import PoolExhausted, PoolCorrupted  # noqa: F401
