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

from wasmbed.core.errors import MalformedModule, MSG_TOO_LONG, MSG_TOO_LARGE


def read(b, pos, bits, signed=False):
    """Read a LEB128 of at most ``bits`` bits: unsigned, or signed (two's
    complement) when ``signed``."""
    result = 0
    shift = 0
    while True:
        if shift >= bits:
            raise MalformedModule(MSG_TOO_LONG, pos)
        x = b[pos]
        left = bits - shift
        if left < 7:
            if signed:
                mask = (-1 << (left - 1)) & 0x7F
                m = x & mask
                bad = m != 0 and m != mask
            else:
                bad = (x & 0x7F) >> left
            if bad:
                raise MalformedModule(MSG_TOO_LARGE, pos)
        result |= (x & 0x7F) << shift
        pos += 1
        shift += 7
        if x < 0x80:
            if signed and x & 0x40:
                result -= 1 << shift
            return result, pos


# read_unsigned(b, pos, bits): the unsigned reader (``read`` itself)
read_unsigned = read


def read_signed(b, pos, bits):
    """Read a signed (two's complement) LEB128 of at most ``bits`` bits."""
    return read(b, pos, bits, True)


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
