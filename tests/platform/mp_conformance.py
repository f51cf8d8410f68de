"""Run the platform conformance suite under real MicroPython.

Usage: micropython mp_conformance.py REPO_ROOT
(test_platform_micropython.py does this and parses the output).

Prints one line per (port variant, check): ``PASS label name``,
``FAIL label name: message`` or ``SKIP label name: reason``, then ``DONE``.
Variants: the baremetal port as a board would build it, the same with a
forced 2**16 us tick period (the monotonic clock wraps every 65 ms), the
same carving regions from a wasmbed.pool_alloc.Pool, and the minimal port.
The baremetal console is checked twice: over a machine.UART-shaped loopback
object (the conformance check), and over MicroPython's real stdin/stdout
(``stdio_console``: the parent sends ``wasmbed-ping`` and expects an
``ECHO`` line back).
"""

import sys

if len(sys.argv) > 1:
    ROOT = sys.argv[1]
    sys.path.insert(0, ROOT + "/tests/platform")
    sys.path.insert(0, ROOT)

import conformance  # noqa: E402
from conformance import Harness, MemoryPeer  # noqa: E402

PING = b"wasmbed-ping\n"


class LoopbackUart(object):
    """Shaped like machine.UART: ``any()``, ``read(n)`` (None when empty),
    ``write(b)``. The peer side feeds rx and drains tx."""

    def __init__(self):
        self.rx = bytearray()
        self.tx = bytearray()

    def any(self):
        return len(self.rx)

    def read(self, n):
        if not self.rx:
            return None
        data = bytes(self.rx[:n])
        self.rx = self.rx[len(data):]
        return data

    def write(self, data):
        self.tx.extend(data)
        return len(data)


class UartPeer(object):
    def __init__(self, uart):
        self.uart = uart

    def feed(self, data):
        self.uart.rx.extend(data)

    def drain(self, n, timeout_ns):
        data = bytes(self.uart.tx[:n])
        self.uart.tx = self.uart.tx[len(data):]
        return data


def baremetal_variant(label, pool_bytes=0, **kwargs):
    from wasmbed.platform.baremetal import BaremetalPlatform
    uart = LoopbackUart()
    p = BaremetalPlatform(console=uart, max_threads=4, **kwargs)
    if pool_bytes:
        from wasmbed.pool_alloc import Pool
        p.attach_pool(Pool(bytearray(pool_bytes), p.mutex_new()))
    return Harness(p, UartPeer(uart), label)


def minimal_variant():
    from wasmbed.platform.minimal import MinimalPlatform
    p = MinimalPlatform()
    return Harness(p, MemoryPeer(p), "minimal")


def report(status, label, name, message):
    if message:
        print("%s %s %s: %s" % (status, label, name, message))
    else:
        print("%s %s %s" % (status, label, name))


def run_variant(make):
    try:
        harness = make()
    except Exception as exc:  # noqa: BLE001
        print("FAIL setup: %s: %s" % (type(exc).__name__, exc))
        return
    for name in conformance.check_names():
        status, message = conformance.run_check(name, harness)
        report(status, harness.label, name, message)


def check_stdio_console():
    from wasmbed.platform.baremetal import BaremetalPlatform
    p = BaremetalPlatform()
    got = b""
    if p.stdin.readable(5 * conformance.SEC):
        while len(got) < len(PING):
            data = p.stdin.read(len(PING) - len(got))
            if not data:
                break
            got += data
    if got != PING:
        return "stdin gave %r" % (got,)
    p.stdout.write(b"ECHO " + got)
    return ""


def check_default_platform():
    from wasmbed.platform import default_platform
    from wasmbed.platform.baremetal import BaremetalPlatform
    p = default_platform()
    if not isinstance(p, BaremetalPlatform):
        return "default_platform() is %r" % (p,)
    return ""


def main():
    print("IMPLEMENTATION %s" % sys.implementation.name)
    run_variant(lambda: baremetal_variant("baremetal"))
    run_variant(lambda: baremetal_variant("baremetal-shortticks",
                                          ticks_period=1 << 16))
    run_variant(lambda: baremetal_variant("baremetal-pool",
                                          pool_bytes=1 << 20))
    run_variant(minimal_variant)
    for name, fn in (("stdio_console", check_stdio_console),
                     ("default_platform", check_default_platform)):
        try:
            message = fn()
        except Exception as exc:  # noqa: BLE001
            message = "%s: %s" % (type(exc).__name__, exc)
        report("FAIL" if message else "PASS", "micropython", name, message)
    print("DONE")


main()
