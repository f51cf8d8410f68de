"""Board side of tests/board/test_platform.py: the conformance suite run on
a MicroPython board against the baremetal port, over the raw REPL.

The host sends this file's source and then ``main(REALTIME_NS, VM_UNIT)``
to a board that has wasmbed and ``conformance`` frozen in. ``main`` runs
every check against ``BaremetalPlatform(realtime_ns=REALTIME_NS)`` (the
host sets the board's wall clock, as mpremote sets an RTC; the qemu boards
have none), whose console is the board's REPL console, then against the
minimal port (``harness``). For the baremetal port the host is the console
peer: everything this file says to it travels in the frames of
``wasmbed.platform.baremetal.deploy`` (``deploy.frame``), and any byte
outside a frame is what the port under test wrote to its stdout:

- ``C`` frame, ``STATUS PORT NAME MESSAGE``: one check's result;
- ``I`` frame: the peer's ``feed(data)``; the host writes the payload to
  the board's console input;
- ``W`` frame, ``N MS``: the peer's ``drain(N, ...)``; the host answers on
  the console input with four hex digits giving a count, then that many
  bytes: the unframed bytes it received, at most N, waiting up to MS ms.

Ctrl-C is disabled while the checks run (``micropython.kbd_intr(-1)``), so
any byte may travel to the board.
"""

import gc
import sys

import conformance
from wasmbed.platform.baremetal import BaremetalPlatform
from wasmbed.platform.baremetal.deploy import frame

RESULT = b"C"
FEED = b"I"
DRAIN = b"W"


class ReplPeer(object):
    """The console peer of a port whose console is the board's REPL
    console: the host at the other end of the raw REPL."""

    def __init__(self, out, inp):
        self.out = out
        self.inp = inp

    def feed(self, data):
        self.out.write(frame(FEED, data))

    def _read(self, n):
        got = b""
        while len(got) < n:
            more = self.inp.read(n - len(got))
            if more:
                got += more
        return got

    def drain(self, n, timeout_ns):
        self.out.write(frame(DRAIN, ("%d %d" % (n, timeout_ns // 1000000))
                             .encode()))
        return self._read(int(self._read(4), 16))


def harness(port, realtime_ns, vm_unit):
    """The Harness for ``port``: "baremetal" (console: the REPL's, peer:
    the host) or "minimal" (MemoryStream console; its default clock hook on
    a board without a wall clock is a TicksClock from 1970, so it is given
    one started at the host's time)."""
    if port == "baremetal":
        platform = BaremetalPlatform(realtime_ns=realtime_ns)
        peer = ReplPeer(sys.stdout.buffer, sys.stdin.buffer)
        return conformance.Harness(platform, peer, port, vm_unit=vm_unit)
    from wasmbed.platform.minimal import MinimalPlatform, TicksClock
    platform = MinimalPlatform(now_ns=TicksClock(realtime_ns))
    return conformance.Harness(platform, conformance.MemoryPeer(platform),
                               port, vm_unit=vm_unit)


def main(realtime_ns, vm_unit, ports=("baremetal", "minimal")):
    out = sys.stdout.buffer
    try:
        import micropython
        micropython.kbd_intr(-1)
    except (ImportError, AttributeError):
        micropython = None
    try:
        for port in ports:
            h = harness(port, realtime_ns, vm_unit)
            for name in conformance.check_names():
                gc.collect()
                status, message = conformance.run_check(name, h)
                line = "%s %s %s %s" % (status, port, name, message)
                out.write(frame(RESULT, line.encode()))
            h = None
    finally:
        if micropython is not None:
            micropython.kbd_intr(3)
