"""LEB128 integers as the binary format encodes them (spec 5.2.2).

Both readers take the buffer, the offset of the first byte and the width N
in bits, and return ``(value, offset_after)``. They enforce the spec's
limits exactly as the reference interpreter words them:

- more than ceil(N/7) bytes: MalformedModule("integer representation too
  long"), raised before the extra byte is read;
- unused bits of the last byte not zero (unsigned) or not a sign extension
  (signed): MalformedModule("integer too large").

Reading past the end of the buffer raises IndexError; decode.py turns that
into "unexpected end". Values are Python ints: unsigned in [0, 2^N), signed
in [-2^(N-1), 2^(N-1)).
"""

from wasmbed.core.errors import MalformedModule

MSG_TOO_LONG = "integer representation too long"
MSG_TOO_LARGE = "integer too large"


def read_unsigned(b, pos, bits):
    """Read an unsigned LEB128 of at most ``bits`` bits."""
    result = 0
    shift = 0
    while True:
        if shift >= bits:
            raise MalformedModule(MSG_TOO_LONG, pos)
        x = b[pos]
        left = bits - shift
        if left < 7 and (x & 0x7F) >> left:
            raise MalformedModule(MSG_TOO_LARGE, pos)
        result |= (x & 0x7F) << shift
        pos += 1
        if x < 0x80:
            return result, pos
        shift += 7


def read_signed(b, pos, bits):
    """Read a signed (two's complement) LEB128 of at most ``bits`` bits."""
    result = 0
    shift = 0
    while True:
        if shift >= bits:
            raise MalformedModule(MSG_TOO_LONG, pos)
        x = b[pos]
        left = bits - shift
        if left < 7:
            mask = (-1 << (left - 1)) & 0x7F
            m = x & mask
            if m != 0 and m != mask:
                raise MalformedModule(MSG_TOO_LARGE, pos)
        result |= (x & 0x7F) << shift
        pos += 1
        shift += 7
        if x < 0x80:
            if x & 0x40:
                result -= 1 << shift
            return result, pos


def encode_unsigned(value):
    """The shortest unsigned LEB128 encoding of ``value`` >= 0, as bytes."""
    out = bytearray()
    while True:
        x = value & 0x7F
        value >>= 7
        if value:
            out.append(x | 0x80)
        else:
            out.append(x)
            return bytes(out)


def encode_signed(value):
    """The shortest signed LEB128 encoding of ``value``, as bytes."""
    out = bytearray()
    while True:
        x = value & 0x7F
        value >>= 7
        if (value == 0 and not x & 0x40) or (value == -1 and x & 0x40):
            out.append(x)
            return bytes(out)
        out.append(x | 0x80)
