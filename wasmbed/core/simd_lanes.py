"""Lane layout of a v128 value, shared by the SIMD instruction modules.

A v128 is an unsigned Python int in [0, 2**128); lane 0 sits in the least
significant bits, which is also its memory layout (little-endian).  A lane
of ``w`` bits at index ``i`` is ``(v >> (w * i)) & ((1 << w) - 1)``.

Two ways of computing on lanes are used:

- whole-vector ("SWAR") arithmetic on the 128-bit int, with the masks made
  here (rep, high_bits): one big-int operation handles every lane;
- lane lists: ``lanes_fn(tc)(v)`` gives the lanes as an ``array`` of
  typecode tc (b B h H i I q Q f d: signed / unsigned 8..64-bit ints, f32
  bits are read as I, f64 as d) and ``join_fn(tc)(iterable)`` packs lanes
  back into a v128.  Values given to join must fit the typecode (CPython
  raises, MicroPython truncates).

Arrays are in the host's byte order; on a big-endian host the lane lists
fall back to ``struct`` (slower, same results).

MicroPython performance rules followed by every function that runs per
instruction in the simd modules (each broken rule costs a heap allocation
and a free per call, and after a free the allocator scans the heap: about
7 us per call on a 1 MB heap, 10-20x the work itself):
  - a closure's free variables plus its arguments number at most 5;
  - a function's locals (arguments and free variables included) plus its
    deepest expression stack number at most 11;
  - no ``f(*args)`` calls.
Hot closures therefore take their constants as default arguments or bind
them into small helper closures.
"""

import array
import struct

_array = array.array
_from_bytes = int.from_bytes
_pack = struct.pack
_unpack = struct.unpack

M64 = (1 << 64) - 1
M128 = (1 << 128) - 1

_LITTLE = bytes(_array("H", [1]))[0] == 1
_SIZE = {"b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "q": 8, "Q": 8, "f": 4, "d": 8}


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
    """Bytes in memory order -> v128 (missing high bytes are 0)."""
    return _from_bytes(b, "little")


if _LITTLE:
    def lanes_fn(tc, half=None):
        """f(v) -> array of v's lanes (typecode tc).  half="low" / "high":
        only the lanes of the low / high 8 bytes."""
        if half == "low":
            def lanes_low(v):
                return _array(tc, (v & M64).to_bytes(8, "little"))
            return lanes_low
        if half == "high":
            def lanes_high(v):
                return _array(tc, (v >> 64).to_bytes(8, "little"))
            return lanes_high

        def lanes(v):
            return _array(tc, v.to_bytes(16, "little"))
        return lanes

    def join_fn(tc):
        """f(iterable of lanes of typecode tc) -> v128."""
        def join(it):
            return _from_bytes(_array(tc, it), "little")
        return join
else:
    def lanes_fn(tc, half=None):
        n = _SIZE[tc]
        if half is not None:
            fmt = "<%d%s" % (8 // n, tc)
            sh = 64 if half == "high" else 0

            def lanes_half(v):
                return _unpack(fmt, ((v >> sh) & M64).to_bytes(8, "little"))
            return lanes_half
        fmt = "<%d%s" % (16 // n, tc)

        def lanes(v):
            return _unpack(fmt, v.to_bytes(16, "little"))
        return lanes

    def join_fn(tc):
        fmt = "<%s" + tc

        def join(it):
            t = tuple(it)
            return _from_bytes(_pack(fmt % len(t), *t), "little")
        return join
