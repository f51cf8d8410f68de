"""SIMD memory instructions: v128 loads and stores, extending loads, splat
loads, zero-extending loads and single-lane loads / stores.

Each factory has the signature ``f(M, d, srcs, imms, nxt) -> op(R)``
(see simd.make).  The effective address is ``R[srcs[0]] + offset`` as an
unbounded int; an access with ``ea + size > len(M.data)`` raises
``Trap(TRAP_MEMORY_OOB)`` and touches nothing.  ``M.data`` is re-read at
every execution because memory.grow may replace it.  Alignment hints are
ignored, as the spec allows.
"""

import struct

from wasmbed.core.errors import Trap, TRAP_MEMORY_OOB
from wasmbed.core.simd_lanes import M128, rep, lane_mask

_pack = struct.pack
_unpack_from = struct.unpack_from
_from_bytes = int.from_bytes


def _oob():
    raise Trap(TRAP_MEMORY_OOB)


def _load128(M, d, srcs, imms, nxt):
    a = srcs[0]
    off = imms[1]

    def op(R):
        ea = R[a] + off
        data = M.data
        if ea + 16 > len(data):
            _oob()
        R[d] = _from_bytes(data[ea:ea + 16], "little")
        return nxt
    return op


def _store128(M, d, srcs, imms, nxt):
    a, v = srcs
    off = imms[1]

    def op(R):
        ea = R[a] + off
        data = M.data
        if ea + 16 > len(data):
            _oob()
        data[ea:ea + 16] = R[v].to_bytes(16, "little")
        return nxt
    return op


def _extending(fin, fout):
    # v128.loadNxM_s/u: 8 bytes read as lanes `fin`, widened to lanes `fout`
    # (sign or zero extension comes from the signedness of `fin`).
    def factory(M, d, srcs, imms, nxt):
        a = srcs[0]
        off = imms[1]

        def op(R):
            ea = R[a] + off
            data = M.data
            if ea + 8 > len(data):
                _oob()
            R[d] = _from_bytes(_pack(fout, *_unpack_from(fin, data, ea)), "little")
            return nxt
        return op
    return factory


def _splat(n):
    # v128.loadN_splat: one n-byte value copied to every lane of that width.
    r = rep(8 * n)

    def factory(M, d, srcs, imms, nxt):
        a = srcs[0]
        off = imms[1]

        def op(R):
            ea = R[a] + off
            data = M.data
            if ea + n > len(data):
                _oob()
            R[d] = _from_bytes(data[ea:ea + n], "little") * r
            return nxt
        return op
    return factory


def _zero(n):
    # v128.loadN_zero: one n-byte value in lane 0, the other lanes zero.
    def factory(M, d, srcs, imms, nxt):
        a = srcs[0]
        off = imms[1]

        def op(R):
            ea = R[a] + off
            data = M.data
            if ea + n > len(data):
                _oob()
            R[d] = _from_bytes(data[ea:ea + n], "little")
            return nxt
        return op
    return factory


def _load_lane(n):
    # v128.loadN_lane: operands (address, vector); replaces lane imms[2].
    def factory(M, d, srcs, imms, nxt):
        a, v = srcs
        off = imms[1]
        sh = 8 * n * imms[2]
        keep = M128 ^ (lane_mask(8 * n) << sh)

        def op(R):
            ea = R[a] + off
            data = M.data
            if ea + n > len(data):
                _oob()
            R[d] = (R[v] & keep) | (_from_bytes(data[ea:ea + n], "little") << sh)
            return nxt
        return op
    return factory


def _store_lane(n):
    # v128.storeN_lane: operands (address, vector); writes lane imms[2].
    def factory(M, d, srcs, imms, nxt):
        a, v = srcs
        off = imms[1]
        sh = 8 * n * imms[2]
        mask = lane_mask(8 * n)

        def op(R):
            ea = R[a] + off
            data = M.data
            if ea + n > len(data):
                _oob()
            data[ea:ea + n] = ((R[v] >> sh) & mask).to_bytes(n, "little")
            return nxt
        return op
    return factory


FACTORIES = {
    "v128.load": _load128,
    "v128.store": _store128,
    "v128.load8x8_s": _extending("<8b", "<8h"),
    "v128.load8x8_u": _extending("<8B", "<8H"),
    "v128.load16x4_s": _extending("<4h", "<4i"),
    "v128.load16x4_u": _extending("<4H", "<4I"),
    "v128.load32x2_s": _extending("<2i", "<2q"),
    "v128.load32x2_u": _extending("<2I", "<2Q"),
    "v128.load8_splat": _splat(1),
    "v128.load16_splat": _splat(2),
    "v128.load32_splat": _splat(4),
    "v128.load64_splat": _splat(8),
    "v128.load32_zero": _zero(4),
    "v128.load64_zero": _zero(8),
    "v128.load8_lane": _load_lane(1),
    "v128.load16_lane": _load_lane(2),
    "v128.load32_lane": _load_lane(4),
    "v128.load64_lane": _load_lane(8),
    "v128.store8_lane": _store_lane(1),
    "v128.store16_lane": _store_lane(2),
    "v128.store32_lane": _store_lane(4),
    "v128.store64_lane": _store_lane(8),
}
