"""Platform ports: one sub-package per host (see docs/PORTING.md).

- ``wasmbed.platform.linux.LinuxPlatform``: CPython on a POSIX OS.
- ``wasmbed.platform.baremetal.BaremetalPlatform``: MicroPython boards.
- ``wasmbed.platform.minimal.MinimalPlatform``: a single-threaded example.

This package imports no port at import time (it must import on MicroPython,
where the Linux port cannot), only in ``default_platform()``.
"""

import sys


def default_platform():
    """A new platform for the running interpreter: BaremetalPlatform on
    MicroPython (``sys.implementation.name == "micropython"``),
    LinuxPlatform anywhere else."""
    if sys.implementation.name == "micropython":
        from wasmbed.platform.baremetal import BaremetalPlatform
        return BaremetalPlatform()
    from wasmbed.platform.linux import LinuxPlatform
    return LinuxPlatform()
