"""SIMD memory instructions: v128 loads and stores, extending loads, splat
loads, zero-extending loads and single-lane loads / stores.

FACTORIES maps an instruction name to ``f(M, d, srcs, imms, nxt) -> op(R)``
(see simd.make).  The effective address is ``R[srcs[0]] + offset`` as an
unbounded int; an access with ``ea + size > len(M.data)`` raises
``Trap(TRAP_MEMORY_OOB)`` and touches nothing.  ``M.data`` is re-read at
every execution because memory.grow may replace it.  Alignment hints are
ignored, as the spec allows.

Each op is a default-argument function calling a small reader / writer
closure that holds the memory (see simd_lanes for why).
"""

from wasmbed.core.errors import Trap, TRAP_MEMORY_OOB
from wasmbed.core.simd_lanes import M128, rep
from wasmbed.core import simd_int

_from_bytes = int.from_bytes


def _oob():
    raise Trap(TRAP_MEMORY_OOB)


def _reader(M, n, post):
    """read(ea) -> the n bytes at ea as an unsigned little-endian int,
    passed through post (a kernel widening it to a v128) when given."""
    if post is None:
        def read(ea):
            data = M.data
            if ea + n > len(data):
                _oob()
            return _from_bytes(data[ea:ea + n], "little")
        return read

    def read_post(ea):
        data = M.data
        if ea + n > len(data):
            _oob()
        return post(_from_bytes(data[ea:ea + n], "little"))
    return read_post


def _load(n, post=None):
    def factory(M, d, srcs, imms, nxt):
        def op(R, read=_reader(M, n, post), a=srcs[0], off=imms[1], d=d, nxt=nxt):
            R[d] = read(R[a] + off)
            return nxt
        return op
    return factory


def _splat(n):
    r = rep(8 * n)

    def splat(x):
        return x * r
    return _load(n, splat)


def _store128(M, d, srcs, imms, nxt):
    def write(ea, v):
        data = M.data
        if ea + 16 > len(data):
            _oob()
        data[ea:ea + 16] = v.to_bytes(16, "little")

    def op(R, write=write, a=srcs[0], off=imms[1], v=srcs[1], nxt=nxt):
        write(R[a] + off, R[v])
        return nxt
    return op


def _load_lane(n):
    # operands (address, vector): the n bytes at the address replace lane imms[2]
    def factory(M, d, srcs, imms, nxt):
        read = _reader(M, n, None)
        sh = 8 * n * imms[2]
        keep = M128 ^ (((1 << (8 * n)) - 1) << sh)

        def merge(ea, v):
            return (v & keep) | (read(ea) << sh)

        def op(R, merge=merge, a=srcs[0], off=imms[1], v=srcs[1], d=d, nxt=nxt):
            R[d] = merge(R[a] + off, R[v])
            return nxt
        return op
    return factory


def _store_lane(n):
    # operands (address, vector): lane imms[2] is written to the address
    def factory(M, d, srcs, imms, nxt):
        sh = 8 * n * imms[2]

        def write(ea, v):
            data = M.data
            if ea + n > len(data):
                _oob()
            data[ea:ea + n] = (v >> sh).to_bytes(16, "little")[0:n]

        def op(R, write=write, a=srcs[0], off=imms[1], v=srcs[1], nxt=nxt):
            write(R[a] + off, R[v])
            return nxt
        return op
    return factory


_K = simd_int.KERNELS

FACTORIES = {
    "v128.load": _load(16),
    "v128.store": _store128,
    # 8 bytes, each lane widened: the extend_low kernels of simd_int
    "v128.load8x8_s": _load(8, _K["i16x8.extend_low_i8x16_s"]),
    "v128.load8x8_u": _load(8, _K["i16x8.extend_low_i8x16_u"]),
    "v128.load16x4_s": _load(8, _K["i32x4.extend_low_i16x8_s"]),
    "v128.load16x4_u": _load(8, _K["i32x4.extend_low_i16x8_u"]),
    "v128.load32x2_s": _load(8, _K["i64x2.extend_low_i32x4_s"]),
    "v128.load32x2_u": _load(8, _K["i64x2.extend_low_i32x4_u"]),
    "v128.load8_splat": _splat(1),
    "v128.load16_splat": _splat(2),
    "v128.load32_splat": _splat(4),
    "v128.load64_splat": _splat(8),
    "v128.load32_zero": _load(4),
    "v128.load64_zero": _load(8),
    "v128.load8_lane": _load_lane(1),
    "v128.load16_lane": _load_lane(2),
    "v128.load32_lane": _load_lane(4),
    "v128.load64_lane": _load_lane(8),
    "v128.store8_lane": _store_lane(1),
    "v128.store16_lane": _store_lane(2),
    "v128.store32_lane": _store_lane(4),
    "v128.store64_lane": _store_lane(8),
}
