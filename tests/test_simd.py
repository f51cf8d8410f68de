"""Tricky SIMD lanes, checked one instruction at a time through simd.make.

Each case states the expected lanes as the SIMD spec defines them; the
operands are built lane by lane here, independently of wasmbed's own lane
helpers.
"""
import struct

import pytest

from wasmbed.core import simd
from wasmbed.core import numeric as N
from wasmbed.core.errors import Trap, TRAP_MEMORY_OOB
from wasmbed.core.memory import HeapBacking, Memory
from wasmbed.core.module import Limits, MemoryType, PAGE_SIZE
from wasmbed.core.opcodes import NAME, PREFIX_FD

OPID = dict((NAME[i], i) for i in range(PREFIX_FD, PREFIX_FD + 256) if NAME[i])


def v(width, *lanes):
    """A v128 from lanes of `width` bits (negative lanes wrap)."""
    assert len(lanes) == 128 // width
    m = (1 << width) - 1
    out = 0
    for i, x in enumerate(lanes):
        out |= (x & m) << (width * i)
    return out


def lanes(width, value, signed=False):
    m = (1 << width) - 1
    out = [(value >> (width * i)) & m for i in range(128 // width)]
    if signed:
        out = [x - (1 << width) if x >> (width - 1) else x for x in out]
    return out


def run(name, *operands, imms=(), M=None):
    """Execute one SIMD instruction on `operands`; its result (or None)."""
    n = len(operands)
    R = list(operands) + [None]
    d = n if not name.startswith("v128.store") else None
    op = simd.make(None, M, OPID[name], d, tuple(range(n)), imms, 7)
    assert op(R) == 7
    return R[n] if d is not None else None


def f32(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


# --- shuffle / swizzle -------------------------------------------------------------

A = v(8, *range(0x10, 0x20))
B = v(8, *range(0x20, 0x30))


def test_shuffle_picks_from_both_operands():
    idx = bytes([31, 0, 16, 15, 1, 17, 30, 14, 2, 2, 2, 2, 8, 24, 0, 31])
    want = v(8, 0x2F, 0x10, 0x20, 0x1F, 0x11, 0x21, 0x2E, 0x1E,
             0x12, 0x12, 0x12, 0x12, 0x18, 0x28, 0x10, 0x2F)
    assert run("i8x16.shuffle", A, B, imms=(idx,)) == want


def test_swizzle_out_of_range_indices_give_zero():
    s = v(8, 0, 15, 16, 17, 0x7F, 0x80, 0xFF, 1, 31, 32, 5, 200, 3, 14, 255, 2)
    want = v(8, 0x10, 0x1F, 0, 0, 0, 0, 0, 0x11, 0, 0, 0x15, 0, 0x13, 0x1E, 0, 0x12)
    assert run("i8x16.swizzle", A, s) == want


# --- narrowing saturates from signed input lanes ---------------------------------

def test_narrow_i16x8_saturates_signed_and_unsigned():
    a = v(16, 300, -300, 127, -129, 0x7FFF, -0x8000, 128, -1)
    b = v(16, 0, 1, -128, 255, 256, 65, -2, 100)
    assert lanes(8, run("i8x16.narrow_i16x8_s", a, b), signed=True) == [
        127, -128, 127, -128, 127, -128, 127, -1, 0, 1, -128, 127, 127, 65, -2, 100]
    assert lanes(8, run("i8x16.narrow_i16x8_u", a, b)) == [
        255, 0, 127, 0, 255, 0, 128, 0, 0, 1, 0, 255, 255, 65, 0, 100]


def test_narrow_i32x4_saturates():
    a = v(32, 70000, -70000, 0x8000, -0x8001)
    b = v(32, 65535, 65536, -1, 32767)
    assert lanes(16, run("i16x8.narrow_i32x4_s", a, b), signed=True) == [
        32767, -32768, 32767, -32768, 32767, 32767, -1, 32767]
    assert lanes(16, run("i16x8.narrow_i32x4_u", a, b)) == [
        65535, 0, 0x8000, 0, 65535, 65535, 0, 32767]


# --- q15mulr_sat_s -----------------------------------------------------------------

def test_q15mulr_rounds_half_up_and_saturates_only_min_times_min():
    a = v(16, -0x8000, 0x4000, 1, -1, 0x7FFF, -0x8000, 0x7FFF, 3)
    b = v(16, -0x8000, 0x4000, 0x4000, 0x4000, 0x7FFF, 0x7FFF, -0x8000, 0x5555)
    # (a*b + 0x4000) >> 15, then saturated
    assert lanes(16, run("i16x8.q15mulr_sat_s", a, b), signed=True) == [
        0x7FFF, 0x2000, 1, 0, 0x7FFE, -0x7FFF, -0x7FFF, 2]


# --- saturating float -> int lanes ---------------------------------------------------

NAN32 = 0x7FC00000
INF32 = 0x7F800000


def test_trunc_sat_f32x4_lanes():
    a = v(32, NAN32, f32(3e9), f32(-1.5), 0xFF800000)
    assert lanes(32, run("i32x4.trunc_sat_f32x4_s", a)) == [
        0, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000]
    assert lanes(32, run("i32x4.trunc_sat_f32x4_u", a)) == [0, 3000000000, 0, 0]


def test_trunc_sat_f64x2_zero_clears_the_high_lanes():
    a = v(64, f64_bits(-2147483648.9), f64_bits(4294967295.5))
    assert lanes(32, run("i32x4.trunc_sat_f64x2_s_zero", a)) == [0x80000000, 0x7FFFFFFF, 0, 0]
    assert lanes(32, run("i32x4.trunc_sat_f64x2_u_zero", a)) == [0, 0xFFFFFFFF, 0, 0]
    assert run("i32x4.trunc_sat_f64x2_s_zero", v(64, f64_bits(float("nan")), 0)) == 0


# --- bitmask / all_true ----------------------------------------------------------------

def test_bitmask_takes_each_lanes_top_bit():
    assert run("i8x16.bitmask", v(8, *([0x80, 0x7F] * 8))) == 0x5555
    assert run("i16x8.bitmask", v(16, -1, 0, 0, 0, 0, 0, 0, -0x8000)) == 0x81
    assert run("i32x4.bitmask", v(32, 1, 0x80000000, 0x7FFFFFFF, 0xFFFFFFFF)) == 0b1010
    assert run("i64x2.bitmask", v(64, 1 << 63, 1)) == 1


def test_all_true_needs_every_lane_nonzero():
    assert run("i8x16.all_true", v(8, *([1] * 16))) == 1
    assert run("i8x16.all_true", v(8, *([1] * 15 + [0]))) == 0
    # a nonzero vector whose 16-bit lane 3 is zero
    assert run("i16x8.all_true", v(16, 1, 1, 1, 0, 1, 1, 1, 1)) == 0


# --- shifts take the count modulo the lane width ----------------------------------------

def test_shr_s_keeps_sign_and_masks_count():
    a = v(8, *([-128, 64, -1, 5] * 4))
    assert lanes(8, run("i8x16.shr_s", a, 9), signed=True) == [-64, 32, -1, 2] * 4
    assert lanes(8, run("i8x16.shr_u", a, 9)) == [64, 32, 127, 2] * 4
    assert lanes(8, run("i8x16.shl", a, 15)) == [0, 0, 0x80, 0x80] * 4


def test_i8x16_add_wraps_per_lane():
    a = v(8, *([0xFF, 0x80, 1, 0x7F] * 4))
    b = v(8, *([1, 0x80, 0xFF, 1] * 4))
    assert lanes(8, run("i8x16.add", a, b)) == [0, 0, 0, 0x80] * 4
    assert lanes(8, run("i8x16.sub", b, a)) == [2, 0, 0xFE, 0x82] * 4


# --- f32x4 abs / neg keep NaN payloads ------------------------------------------------------

def test_f32x4_abs_neg_keep_nan_payloads():
    a = v(32, 0x7FA00001, 0xFFC00001, 0x80000000, 0xFF800000)
    assert lanes(32, run("f32x4.abs", a)) == [0x7FA00001, 0x7FC00001, 0, INF32]
    assert lanes(32, run("f32x4.neg", a)) == [0xFFA00001, 0x7FC00001, 0, 0x7F800000]


def test_pmin_pmax_return_an_operand_unchanged():
    snan = 0x7FA00001
    a = v(32, snan, f32(1.0), 0x80000000, f32(2.0))
    b = v(32, f32(1.0), snan, 0, f32(3.0))
    # pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a; comparisons
    # with NaN are false and -0 < +0 is false
    assert lanes(32, run("f32x4.pmin", a, b)) == [snan, f32(1.0), 0x80000000, f32(2.0)]
    assert lanes(32, run("f32x4.pmax", a, b)) == [snan, f32(1.0), 0x80000000, f32(3.0)]


# --- lane memory instructions --------------------------------------------------------------

@pytest.fixture
def mem():
    M = Memory(MemoryType(Limits(1, 1)), HeapBacking())
    for i in range(16):
        M.data[PAGE_SIZE - 16 + i] = 0xA0 + i
    return M


def test_load_lane_reads_up_to_the_last_byte(mem):
    got = run("v128.load64_lane", PAGE_SIZE - 8, 0, imms=(3, 0, 1), M=mem)
    assert lanes(64, got) == [0, 0xAFAEADACABAAA9A8]
    got = run("v128.load8_lane", PAGE_SIZE - 9, v(8, *range(16)), imms=(0, 8, 15), M=mem)
    assert lanes(8, got) == list(range(15)) + [0xAF]


@pytest.mark.parametrize("name,addr,offset", [
    ("v128.load64_lane", PAGE_SIZE - 7, 0),
    ("v128.load32_lane", PAGE_SIZE - 4, 1),
    ("v128.load16_lane", 0xFFFFFFFF, 0xFFFFFFFF),   # no 32-bit wrap-around
    ("v128.load8_lane", PAGE_SIZE, 0),
])
def test_load_lane_out_of_bounds_traps(mem, name, addr, offset):
    with pytest.raises(Trap) as e:
        run(name, addr, 0, imms=(0, offset, 0), M=mem)
    assert e.value.message == TRAP_MEMORY_OOB


def test_store_lane_writes_one_lane_and_traps_without_writing(mem):
    vec = v(16, 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777, 0x8888)
    run("v128.store16_lane", PAGE_SIZE - 2, vec, imms=(1, 0, 7), M=mem)
    assert bytes(mem.data[PAGE_SIZE - 3:]) == bytes([0xAD, 0x88, 0x88])
    before = bytes(mem.data)
    with pytest.raises(Trap):
        run("v128.store32_lane", PAGE_SIZE - 3, vec, imms=(2, 0, 0), M=mem)
    assert bytes(mem.data) == before


def test_memory_ops_see_a_grown_memory():
    M = Memory(MemoryType(Limits(1, 2)), HeapBacking())
    op = simd.make(None, M, OPID["v128.load"], 1, (0,), (4, 0), 1)
    R = [PAGE_SIZE, None]
    with pytest.raises(Trap):
        op(R)
    assert M.grow(1) == 1
    M.data[PAGE_SIZE] = 0x5A
    op(R)
    assert R[1] == 0x5A


def test_extract_replace_f64_lane_round_trips_nan_payload():
    bits = 0x7FF4000000000001   # signalling NaN
    vec = run("f64x2.replace_lane", 0, N.bits_to_f64(bits),
              imms=(1,))
    assert lanes(64, vec) == [0, bits]
    assert N.f64_to_bits(run("f64x2.extract_lane", vec, imms=(1,))) == bits


def test_every_simd_opcode_has_an_implementation():
    for name, opid in OPID.items():
        if name == "v128.const":
            continue
        assert (name in simd.KERNELS or name in simd.LANE_KERNELS
                or name in simd.simd_mem.FACTORIES), name
    with pytest.raises(ValueError):
        simd.make(None, None, PREFIX_FD + 0x9A, 0, (0,), (), 1)   # a gap in 0xFD
