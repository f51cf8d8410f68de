"""Values between the embedding API and the engine's representation.

The API passes i32/i64 as signed ints, f32/f64 as floats (like
wasmtime-py), externref as any Python object (None is null); inside, i32/i64
are unsigned masked ints and f32 is its raw u32 bit pattern.
"""

import struct

from wasmbed.core.module import I32, I64, F32, F64, V128

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


def to_internal(t, v):
    """Convert an API value of value type t to the internal representation."""
    if t == I32:
        return int(v) & M32
    if t == I64:
        return int(v) & M64
    if t == F32:
        return struct.unpack("<I", struct.pack("<f", float(v)))[0]
    if t == F64:
        return float(v)
    if t == V128:
        return int(v) & ((1 << 128) - 1)
    return v


def from_internal(t, v):
    """Convert an internal value of type t to the API representation."""
    if t == I32:
        return v - 0x100000000 if v & 0x80000000 else v
    if t == I64:
        return v - 0x10000000000000000 if v & 0x8000000000000000 else v
    if t == F32:
        return struct.unpack("<f", struct.pack("<I", v))[0]
    return v
