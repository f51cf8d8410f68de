"""The ports the conformance suite runs against under CPython, each with a
console peer that talks to the port's console through a real channel:

- linux: LinuxPlatform with its console on OS pipes;
- baremetal: BaremetalPlatform with its console on a pseudo-terminal opened
  with pyserial (the way a board's UART is reached from a host);
- baremetal-polling: the same with MicroPython's behaviour forced: timed
  lock waits by polling, and a 2**16 us tick period so the monotonic clock
  wraps every 65 ms during the suite;
- baremetal-pool: regions carved from a wasmbed.pool_alloc.Pool;
- minimal: MinimalPlatform with MemoryStream consoles.

Each factory returns ``(Harness, cleanup)``. Every threaded port gets a cap
of CAP threads, small enough for the cap check to fill.
"""

import os
import select
import time

from conformance import Harness, MemoryPeer

CAP = 4
POOL_BYTES = 1 << 20


class FdPeer(object):
    """Feeds bytes into one descriptor, drains another."""

    def __init__(self, feed_fd, drain_fd):
        self.feed_fd = feed_fd
        self.drain_fd = drain_fd

    def feed(self, data):
        view = memoryview(data)
        while view:
            n = os.write(self.feed_fd, view)
            view = view[n:]

    def drain(self, n, timeout_ns):
        deadline = time.monotonic() + timeout_ns / 1e9
        out = b""
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if select.select([self.drain_fd], [], [], left)[0]:
                chunk = os.read(self.drain_fd, n - len(out))
                if not chunk:
                    break
                out += chunk
        return out


def _close_all(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def linux():
    from wasmbed.platform.linux import LinuxPlatform
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    p = LinuxPlatform(stdin=in_r, stdout=out_w, stderr=err_w, max_threads=CAP)
    harness = Harness(p, FdPeer(in_w, out_r), "linux")
    return harness, lambda: _close_all([in_r, in_w, out_r, out_w, err_r, err_w])


def open_pty_serial():
    """A pseudo-terminal pair: (master fd, pyserial Serial on the slave,
    slave fd). The Serial puts the line in raw mode (no echo, no line
    editing), as a UART is."""
    import serial
    master, slave = os.openpty()
    port = serial.Serial(os.ttyname(slave), baudrate=115200, timeout=0)
    return master, port, slave


def _baremetal(label, **kwargs):
    from wasmbed.platform.baremetal import BaremetalPlatform
    master, port, slave = open_pty_serial()
    p = BaremetalPlatform(console=port, max_threads=CAP, **kwargs)
    harness = Harness(p, FdPeer(master, master), label)

    def cleanup():
        port.close()
        _close_all([master, slave])
    return harness, cleanup


def baremetal():
    return _baremetal("baremetal")


def baremetal_polling():
    return _baremetal("baremetal-polling", lock_timeouts=False,
                      ticks_period=1 << 16)


def baremetal_pool():
    from wasmbed.pool_alloc import Pool
    harness, cleanup = _baremetal("baremetal-pool")
    p = harness.platform
    p.attach_pool(Pool(bytearray(POOL_BYTES), p.mutex_new()))
    return harness, cleanup


def minimal():
    from wasmbed.platform.minimal import MinimalPlatform
    p = MinimalPlatform()
    return Harness(p, MemoryPeer(p), "minimal"), lambda: None


FACTORIES = {
    "linux": linux,
    "baremetal": baremetal,
    "baremetal-polling": baremetal_polling,
    "baremetal-pool": baremetal_pool,
    "minimal": minimal,
}
