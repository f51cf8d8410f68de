"""LEB128 integers (spec 5.2.2): ranges, maximal length, unused bits."""

import pytest
from hypothesis import given, strategies as st

from wasmbed.core.decode import decode_module
from wasmbed.core.errors import MalformedModule
from wasmbed.core.leb128 import (
    read_unsigned, read_signed, encode_unsigned, encode_signed)

TOO_LONG = "integer representation too long"
TOO_LARGE = "integer too large"


def u(data, bits=32):
    return read_unsigned(bytes(data), 0, bits)


def s(data, bits=32):
    return read_signed(bytes(data), 0, bits)


def malformed(fn, *args):
    with pytest.raises(MalformedModule) as e:
        fn(*args)
    return e.value.message


# -- unsigned ---------------------------------------------------------------

def test_unsigned_single_byte_values():
    assert u(b"\x00") == (0, 1)
    assert u(b"\x7f") == (127, 1)


def test_unsigned_multi_byte_and_position_after():
    assert u(b"\x80\x01") == (128, 2)
    assert u(b"\xe5\x8e\x26\xff") == (624485, 3)


def test_unsigned_redundant_zero_padding_is_allowed_within_length():
    assert u(b"\x80\x80\x80\x80\x00") == (0, 5)
    assert u(b"\x83\x80\x80\x80\x00") == (3, 5)


def test_u32_maximum_uses_five_bytes():
    assert u(b"\xff\xff\xff\xff\x0f") == (0xFFFFFFFF, 5)


def test_u32_fifth_byte_with_unused_bits_set_is_too_large():
    assert malformed(u, b"\xff\xff\xff\xff\x1f") == TOO_LARGE
    assert malformed(u, b"\x80\x80\x80\x80\x10") == TOO_LARGE
    assert malformed(u, b"\x80\x80\x80\x80\x70") == TOO_LARGE


def test_u32_sixth_byte_is_too_long_even_without_more_input():
    assert malformed(u, b"\x80\x80\x80\x80\x80\x00") == TOO_LONG
    # checked before the sixth byte is read: no "unexpected end"
    assert malformed(u, b"\x80\x80\x80\x80\x80") == TOO_LONG


def test_unsigned_truncated_input_is_index_error():
    with pytest.raises(IndexError):
        u(b"\x80\x80")


def test_u1_as_in_the_2_0_limits_flag():
    assert u(b"\x01", 1) == (1, 1)
    assert malformed(u, b"\x02", 1) == TOO_LARGE
    assert malformed(u, b"\x81\x00", 1) == TOO_LONG


def test_error_offset_points_at_the_offending_byte():
    with pytest.raises(MalformedModule) as e:
        read_unsigned(b"\x00\x00\x80\x80\x80\x80\x10", 2, 32)
    assert e.value.offset == 6


# -- signed -----------------------------------------------------------------

def test_signed_single_byte_sign_bit():
    assert s(b"\x3f") == (63, 1)
    assert s(b"\x40") == (-64, 1)
    assert s(b"\x7f") == (-1, 1)


def test_s32_extremes():
    assert s(b"\xff\xff\xff\xff\x07") == (0x7FFFFFFF, 5)
    assert s(b"\x80\x80\x80\x80\x78") == (-0x80000000, 5)


def test_s32_last_byte_must_sign_extend():
    # bit 3 is the sign; bits 4-6 must copy it
    assert malformed(s, b"\xff\xff\xff\xff\x0f") == TOO_LARGE
    assert malformed(s, b"\x80\x80\x80\x80\x70") == TOO_LARGE
    assert malformed(s, b"\x80\x80\x80\x80\x1f") == TOO_LARGE


def test_s32_sixth_byte_is_too_long():
    assert malformed(s, b"\xff\xff\xff\xff\xff\x7f") == TOO_LONG


def test_s33_allows_one_more_bit_than_s32():
    assert s(b"\xff\xff\xff\xff\x0f", 33) == (0xFFFFFFFF, 5)
    assert malformed(s, b"\xff\xff\xff\xff\x1f", 33) == TOO_LARGE


def test_s64_extremes_and_tenth_byte():
    assert s(b"\xff" * 9 + b"\x00", 64) == (0x7FFFFFFFFFFFFFFF, 10)
    assert s(b"\x80" * 9 + b"\x7f", 64) == (-0x8000000000000000, 10)
    assert malformed(s, b"\xff" * 9 + b"\x01", 64) == TOO_LARGE
    assert malformed(s, b"\x80" * 9 + b"\x40", 64) == TOO_LARGE
    assert malformed(s, b"\x80" * 10 + b"\x00", 64) == TOO_LONG


# -- encoders and round trips --------------------------------------------------

def test_encoders_produce_the_shortest_form():
    assert encode_unsigned(0) == b"\x00"
    assert encode_unsigned(624485) == b"\xe5\x8e\x26"
    assert encode_signed(-1) == b"\x7f"
    assert encode_signed(63) == b"\x3f"
    assert encode_signed(64) == b"\xc0\x00"
    assert encode_signed(-123456) == b"\xc0\xbb\x78"


@given(st.integers(0, 2 ** 32 - 1))
def test_u32_round_trip(v):
    enc = encode_unsigned(v)
    assert read_unsigned(enc, 0, 32) == (v, len(enc))


@given(st.integers(-2 ** 63, 2 ** 63 - 1))
def test_s64_round_trip(v):
    enc = encode_signed(v)
    assert read_signed(enc, 0, 64) == (v, len(enc))


@given(st.integers(0, 2 ** 32 - 1), st.integers(0, 4))
def test_u32_padded_encodings_within_five_bytes(v, pad):
    enc = bytearray(encode_unsigned(v))
    while len(enc) < 5 and pad:
        enc[-1] |= 0x80
        enc.append(0)
        pad -= 1
    assert read_unsigned(bytes(enc), 0, 32) == (v, len(enc))


# -- through the decoder: constants ---------------------------------------

def const_module(opcode, leb):
    """(func (result T) (T.const <leb>)) with the raw immediate bytes."""
    result = {0x41: 0x7F, 0x42: 0x7E}[opcode]
    body = b"\x00" + bytes([opcode]) + leb + b"\x0b"
    return (b"\x00asm\x01\x00\x00\x00"
            + b"\x01\x05\x01\x60\x00\x01" + bytes([result])
            + b"\x03\x02\x01\x00"
            + b"\x0a" + bytes([len(body) + 2, 1, len(body)]) + body)


@pytest.mark.parametrize("leb,value", [
    (b"\x00", 0), (b"\x7f", 0xFFFFFFFF), (b"\x40", 0xFFFFFFC0),
    (b"\xff\xff\xff\xff\x07", 0x7FFFFFFF),
    (b"\x80\x80\x80\x80\x78", 0x80000000),
])
def test_i32_const_immediate_is_masked_to_u32(leb, value):
    m = decode_module(const_module(0x41, leb))
    assert m.funcs[0].body[0] == (0x41, value)


@pytest.mark.parametrize("leb,value", [
    (b"\x7f", 0xFFFFFFFFFFFFFFFF), (b"\x3f", 63),
    (b"\x80" * 9 + b"\x7f", 0x8000000000000000),
])
def test_i64_const_immediate_is_masked_to_u64(leb, value):
    m = decode_module(const_module(0x42, leb))
    assert m.funcs[0].body[0] == (0x42, value)


def test_i32_const_out_of_range_is_malformed():
    with pytest.raises(MalformedModule) as e:
        decode_module(const_module(0x41, b"\xff\xff\xff\xff\x0f"))
    assert e.value.message == TOO_LARGE
