"""Lane layout of a v128 value, shared by the SIMD instruction modules.

A v128 is an unsigned Python int in [0, 2**128); lane 0 sits in the least
significant bits, which is also its memory layout (little-endian). A lane
of ``w`` bits at index ``i`` is ``(v >> (w * i)) & ((1 << w) - 1)``.

Lane lists are made with ``int.to_bytes`` + ``struct`` and back, because
that is one C call each way on CPython and MicroPython alike.  ``struct``
formats: FMT_U[w] / FMT_S[w] unpack all lanes of width w as unsigned /
signed ints.  Packing with an unsigned format needs masked values, with a
signed one values in range: CPython raises on the others and MicroPython
silently truncates, so every caller keeps its values in range.
"""

import struct

_pack = struct.pack
_unpack = struct.unpack
_from_bytes = int.from_bytes

M128 = (1 << 128) - 1

FMT_U = {8: "<16B", 16: "<8H", 32: "<4I", 64: "<2Q"}
FMT_S = {8: "<16b", 16: "<8h", 32: "<4i", 64: "<2q"}
# Formats for half a vector (8 bytes): the lanes an extend / extmul reads.
HALF_U = {8: "<8B", 16: "<4H", 32: "<2I"}
HALF_S = {8: "<8b", 16: "<4h", 32: "<2i"}


def lane_mask(w):
    """All ones in one lane of width w."""
    return (1 << w) - 1


def rep(w):
    """The v128 with 1 in every lane of width w: ``x * rep(w)`` splats x
    (for 0 <= x < 2**w)."""
    r = 0
    for i in range(128 // w):
        r |= 1 << (w * i)
    return r


def high_bits(w):
    """The v128 with only the top bit of every lane of width w set."""
    return rep(w) << (w - 1)


def to_bytes(v):
    """v128 -> its 16 bytes in memory order."""
    return v.to_bytes(16, "little")


def from_bytes(b):
    """16 (or fewer) bytes in memory order -> v128 (missing bytes are 0)."""
    return _from_bytes(b, "little")


def unpack(fmt, v):
    """v128 -> tuple of lanes in ``struct`` format fmt (16 bytes)."""
    return _unpack(fmt, v.to_bytes(16, "little"))


def pack(fmt, lanes):
    """Iterable of lanes in ``struct`` format fmt -> v128."""
    return _from_bytes(_pack(fmt, *lanes), "little")
