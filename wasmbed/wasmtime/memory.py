"""Memory: a linear memory (made by the host, or an export).

``read(store, start=0, stop=None)`` copies like ``bytes[start:stop]``
(negative indices count from the end); ``write(store, value, start=None)``
raises IndexError when ``value`` does not fit; ``grow`` raises
WasmtimeError where memory.grow would return -1. ``data_ptr`` raises
NotImplementedError (wasmbed has no raw pointers): ``get_buffer_ptr``
returns a memoryview of the bytes instead, which ``numpy.frombuffer``
accepts; drop it before the memory grows.
"""

import wasmbed
from wasmbed.core.module import PAGE_SIZE
from wasmbed.wasmtime.errors import WasmtimeError, translate
from wasmbed.wasmtime.types import MemoryType
from wasmbed.wasmtime.extern import Extern
from wasmbed.wasmtime.store import store_of


class Memory(Extern):
    TYPE = MemoryType

    def __init__(self, store, ty):
        if not isinstance(ty, MemoryType):
            raise TypeError("expected a MemoryType")
        lim = ty._core().limits
        try:
            self._extern = store_of(store)._rt.create_memory(
                lim.min, lim.max, lim.shared, lim.is64)
        except wasmbed.WasmError as e:
            raise translate(e)

    def grow(self, store, delta):
        if delta < 0:
            raise WasmtimeError("cannot grow by negative amount")
        old = self._extern.grow(delta)
        if old < 0:
            raise WasmtimeError("failed to grow memory by `%d`" % delta)
        return old

    def size(self, store):
        return self._extern.pages

    def data_len(self, store):
        return self._extern.pages * PAGE_SIZE

    def page_size(self, store):
        return PAGE_SIZE

    def page_size_log2(self, store):
        return 16

    def data_ptr(self, store):
        raise NotImplementedError(
            "Memory.data_ptr: wasmbed memories have no raw pointer; use "
            "read/write or get_buffer_ptr (a memoryview)")

    def get_buffer_ptr(self, store, size=None, offset=0):
        n = self.data_len(store)
        if size is None:
            size = n - offset
        if offset < 0 or size < 0 or offset + size > n:
            raise IndexError("index out of range")
        return memoryview(self._extern.data)[offset:offset + size]

    def read(self, store, start=0, stop=None):
        size = self.data_len(store)
        start, stop, _ = slice(start, stop, None).indices(size)
        if stop - start <= 0:
            return bytearray(0)
        return bytearray(self._extern.data[start:stop])

    def write(self, store, value, start=None):
        size = self.data_len(store)
        start = slice(start, None).indices(size)[0]
        if start >= size:
            raise IndexError("index out of range")
        if not isinstance(value, bytearray):
            value = bytearray(value)
        n = len(value)
        if n == 0:
            return 0
        if start + n > size:
            raise IndexError("index out of range")
        self._extern.data[start:start + n] = value
        return n
