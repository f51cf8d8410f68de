"""Bounds-checked access to the guest's linear memory for WASI calls.

Every guest pointer is checked against the memory's current length before it
is used; a pointer or length that does not fit raises ``FsError(EFAULT)``,
which the call turns into its errno. Nothing here allocates more than the
caller asks for, and callers only ask for ranges that passed the check.
"""

import struct

from wasmbed.core.errors import FsError, Trap, WASI_NO_MEMORY
from wasmbed.wasi.abi import EFAULT, EILSEQ, EINVAL, IOV_MAX, SIZE_IOVEC


class GuestMemory(object):
    """A view of ``caller.memory.data`` taken at the start of one call.

    ``data`` is a bytearray or writable memoryview whose length is the
    current linear memory size. Offsets are unsigned ints from the guest.
    """

    def __init__(self, data):
        self.data = data
        self.size = len(data)

    @staticmethod
    def of(caller):
        """The memory of ``caller``; raises Trap when the module exports
        none (as wasmtime does: "missing required memory export")."""
        mem = getattr(caller, "memory", None)
        if mem is None:
            raise Trap(WASI_NO_MEMORY)
        return GuestMemory(mem.data)

    def check(self, ptr, length):
        """Raise FsError(EFAULT) unless [ptr, ptr+length) is in bounds."""
        if ptr < 0 or length < 0 or ptr + length > self.size:
            raise FsError(EFAULT, "guest range out of bounds")

    # -- scalars ------------------------------------------------------------
    def u8(self, ptr):
        self.check(ptr, 1)
        return self.data[ptr]

    def u16(self, ptr):
        self.check(ptr, 2)
        return struct.unpack_from("<H", self.data, ptr)[0]

    def u32(self, ptr):
        self.check(ptr, 4)
        return struct.unpack_from("<I", self.data, ptr)[0]

    def u64(self, ptr):
        self.check(ptr, 8)
        return struct.unpack_from("<Q", self.data, ptr)[0]

    def set_u8(self, ptr, value):
        self.check(ptr, 1)
        self.data[ptr] = value & 0xFF

    def set_u16(self, ptr, value):
        self.check(ptr, 2)
        struct.pack_into("<H", self.data, ptr, value & 0xFFFF)

    def set_u32(self, ptr, value):
        self.check(ptr, 4)
        struct.pack_into("<I", self.data, ptr, value & 0xFFFFFFFF)

    def set_u64(self, ptr, value):
        self.check(ptr, 8)
        struct.pack_into("<Q", self.data, ptr, value & 0xFFFFFFFFFFFFFFFF)

    # -- byte ranges --------------------------------------------------------
    def read(self, ptr, length):
        """Copy ``length`` bytes out of memory (bytes)."""
        self.check(ptr, length)
        return bytes(self.data[ptr:ptr + length])

    def write(self, ptr, data):
        """Copy ``data`` into memory at ``ptr``."""
        n = len(data)
        self.check(ptr, n)
        if n:
            self.data[ptr:ptr + n] = data

    def fill(self, ptr, length, byte=0):
        self.check(ptr, length)
        if length:
            self.data[ptr:ptr + length] = bytes(length) if byte == 0 else \
                bytes([byte]) * length

    def string(self, ptr, length):
        """A guest path/string: bytes that must be valid UTF-8 (EILSEQ)
        and contain no NUL (EINVAL)."""
        raw = self.read(ptr, length)
        try:
            raw.decode("utf-8")
        except UnicodeError:
            raise FsError(EILSEQ, "path is not valid UTF-8")
        if b"\0" in raw:
            raise FsError(EINVAL, "path contains NUL")
        return raw

    def iovecs(self, ptr, count):
        """Decode an iovec/ciovec array into a list of (buf, len), every
        buffer bounds-checked. More than IOV_MAX entries: EINVAL."""
        if count > IOV_MAX:
            raise FsError(EINVAL, "too many iovecs")
        self.check(ptr, count * SIZE_IOVEC)
        out = []
        for i in range(count):
            buf, length = struct.unpack_from("<II", self.data,
                                             ptr + i * SIZE_IOVEC)
            self.check(buf, length)
            out.append((buf, length))
        return out
