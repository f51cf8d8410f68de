"""Is the host's ``float`` an IEEE-754 double?  Decides the float mode.

Hard mode (the host float is a double, as on CPython and MicroPython builds
with MICROPY_FLOAT_IMPL_DOUBLE): f64 values are Python floats and f32
arithmetic goes through them.  Soft mode (single-precision MicroPython
boards: ESP32, RP2040, STM32F4, qemu MPS2_AN385): f64 values are their u64
bit patterns, like f32, and every f32/f64 operation is computed on ints by
``core/softfloat.py``.

``soft()`` probes once (``struct.pack('<d', 0.1)`` and ``1/3`` must give
the double bits, and 0.1 + 0.2 must round as a double does); the engine's
modules read it when they are imported, so the mode is fixed for the life
of the process.  ``force(True|False)`` picks a mode before that (tests run
the whole engine in soft mode on CPython: ``WASMBED_FLOAT=soft`` makes the
``wasmbed`` package call it); forcing after the mode was fixed to the
other value raises RuntimeError.
"""

import struct

_mode = None


def _probe(one=1, two=2, three=3, ten=10):
    # The values are computed at run time from ints passed in: a compiler
    # may fold float literals, and MicroPython's freezer writes folded float
    # constants with 16 significant digits, which turns 0.1 + 0.2 into 0.3.
    try:
        tenth = one / ten
        return (struct.pack("<d", tenth) == b"\x9a\x99\x99\x99\x99\x99\xb9\x3f"
                and struct.pack("<d", one / three) == b"\x55\x55\x55\x55\x55\x55\xd5\x3f"
                and struct.pack("<d", tenth + two / ten) == b"\x34\x33\x33\x33\x33\x33\xd3\x3f")
    except Exception:   # a port without '<d' in struct
        return False


def soft():
    """True when f32/f64 are computed in software (fixes the mode)."""
    global _mode
    if _mode is None:
        _mode = not _probe()
    return _mode


def hard_capable():
    """True when the host float is an IEEE double (whatever the mode)."""
    return _probe()


def force(on):
    """Fix the mode: soft if ``on``.  RuntimeError if the engine already
    runs in the other mode (call it before importing wasmbed.core)."""
    global _mode
    on = bool(on)
    if _mode is not None and _mode != on:
        raise RuntimeError("float mode already fixed to %s: set it before "
                           "the engine is imported" % ("soft" if _mode else "hard"))
    if not on and not _probe():
        raise RuntimeError("this host's float is not an IEEE double: "
                           "hard float mode is not available")
    _mode = on
