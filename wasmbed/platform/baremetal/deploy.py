"""Deployment, board side: what ``wasmbed device run|info`` executes over the
raw REPL of a board that has wasmbed frozen in.

``run(kind, size, args, chunk=256)`` receives a module of ``size`` bytes
from the host, runs it and reports its exit code; ``kind`` is "wasm" (a
binary module, run on the interpreter), "py" (an AOT module written by
``wasmbed compile``, compiled here on import) or "mpy" (the same after
``mpy-cross``, loaded without compiling). ``args`` is the guest's argv.
A board without a wall clock takes the host's (``realtime_ns``).
``info()`` prints the board, its heap and the wasmbed version.

While ``run`` is active everything it writes to the console is framed (the
host side is ``wasmbed.device.frames``): a frame is DLE (0x10), a kind
byte, four hex digits giving the payload length n, then the n payload
bytes with each 0x10 sent as DLE "P" and each 0x04 as DLE "D", so no
frame ever contains the raw REPL's end marker 0x04. Kinds:

- ``R``: request, payload the decimal count of module bytes wanted next;
  the host answers with exactly that many raw bytes. Ctrl-C is disabled
  meanwhile (``micropython.kbd_intr(-1)``), so any byte may travel.
- ``O`` / ``E``: the guest's stdout / stderr (WASI fds 1 and 2).
- ``F``: deployment failed before or around the guest (bad module, out of
  RAM); payload a one-line message.
- ``X``: the exit code (decimal), the last frame: the guest's
  ``proc_exit`` code (0 when ``_start`` returns), 1 after a trap (whose
  "Exception: <message>" line went to stderr) or a failure.

The module is received straight into one bytearray of its size (reserved
before anything else is built) and dropped, with a ``gc.collect()``, as
soon as the runtime holds what it needs. The guest's stdin is empty.
"""

import gc
import sys

try:
    import micropython
except ImportError:  # CPython (tests)
    micropython = None  # type: ignore[assignment]

DLE = 0x10
EOT = 0x04
REQUEST = b"R"
STDOUT = b"O"
STDERR = b"E"
FAIL = b"F"
EXIT = b"X"
FRAME_MAX = 1024            # payload bytes per frame
MODULE_NAME = "_wasmbed_app"
MOUNT_POINT = "/_wasmbed"


def _escape(data):
    return bytes(data).replace(b"\x10", b"\x10P").replace(b"\x04", b"\x10D")


def frame(kind, data):
    """One frame (bytes) of ``kind`` carrying ``data`` (at most 0xffff
    bytes)."""
    return b"\x10" + kind + ("%04x" % len(data)).encode() + _escape(data)


class Link:
    """The console as the deployment channel: ``send(kind, data)`` writes
    frames (splitting long data), ``receive(size, chunk)`` reads bytes from
    the host. ``out``/``inp``: binary streams (default: sys.stdout.buffer,
    sys.stdin.buffer)."""

    def __init__(self, out=None, inp=None):
        self.out = out if out is not None else sys.stdout.buffer
        self.inp = inp if inp is not None else sys.stdin.buffer

    def send(self, kind, data=b""):
        if isinstance(data, str):
            data = data.encode()
        view = memoryview(data)
        i = 0
        while True:
            part = view[i:i + FRAME_MAX]
            self.out.write(frame(kind, part))
            i += FRAME_MAX
            if i >= len(view):
                break

    def receive(self, size, chunk):
        """-> a bytearray of ``size`` bytes from the host, requested
        ``chunk`` bytes at a time."""
        buf = bytearray(size)
        view = memoryview(buf)
        pos = 0
        while pos < size:
            n = size - pos
            if n > chunk:
                n = chunk
            self.send(REQUEST, str(n))
            got = 0
            while got < n:
                r = self.inp.readinto(view[pos + got:pos + n])
                if r:
                    got += r
            pos += n
        return buf


class GuestStream:
    """A WASI stdout/stderr: every write becomes frames of one kind."""

    def __init__(self, link, kind):
        self.link = link
        self.kind = kind

    def write(self, data):
        self.link.send(self.kind, data)
        return len(data)

    def flush(self):
        pass


class _NoInput:
    """The guest's stdin: always at end of input."""

    def read(self, n):
        return b""

    def readable(self, timeout_ns=0):
        return True


def _kbd_intr(c):
    if micropython is not None and hasattr(micropython, "kbd_intr"):
        micropython.kbd_intr(c)


def _exit_code(code):
    return code & 0xFF if code >= 0 else 1


def _ms_since(start):
    """Milliseconds since ``start`` (a ``time.ticks_ms()`` value; None: 0)."""
    if start is None:
        return 0
    import time
    return time.ticks_diff(time.ticks_ms(), start)


def _platform(realtime_ns, started):
    """The guest's platform: a BaremetalPlatform whose wall clock, on a
    board without one, is set from ``realtime_ns`` (the host's time when it
    sent the request, None: not given) plus the ms since ``started``.
    None (the runtime's default platform) when there is nothing to set."""
    if realtime_ns is None:
        return None
    from wasmbed.platform.baremetal import BaremetalPlatform
    platform = BaremetalPlatform()
    if not platform.has_wall_clock():
        platform.set_realtime_ns(realtime_ns + _ms_since(started) * 1000000)
    return platform


def _load(wasmbed, kind, box, platform=None):
    """-> (runtime, loaded module) for the received bytes, taken out of
    the one-item list ``box`` (so that they can be freed as soon as they
    are used); the interpreter runs "wasm", the fast tier AOT modules."""
    config = wasmbed.RuntimeConfig(mem_alloc_type="system",
                                   mode="interp" if kind == "wasm" else "fast",
                                   platform=platform)
    if kind == "wasm":
        rt = wasmbed.Runtime(config)
        return rt, rt.load(box.pop())
    from wasmbed.platform.baremetal.ramfs import RamFiles
    files = RamFiles()
    files.add(MODULE_NAME + "." + kind, box.pop())
    files.mount_at(MOUNT_POINT)
    try:
        gc.collect()
        aot = __import__(MODULE_NAME)
    finally:
        files.unmount()     # drops the received bytes
        sys.modules.pop(MODULE_NAME, None)
    gc.collect()
    rt = wasmbed.Runtime(config)
    return rt, rt.load_aot(aot)


def run(kind, size, args, chunk=256, link=None, realtime_ns=None):
    """Receive a module of ``size`` bytes, run its ``_start`` with argv
    ``args`` and end with an EXIT frame; -> the exit code. Never raises for
    the guest's or the module's faults: they become frames.
    ``realtime_ns``: the host's wall time (ns since 1970) when it sent the
    request; a board without a wall clock (no RTC, as the qemu boards)
    gives it to the guest's CLOCK_REALTIME, as mpremote sets an RTC."""
    try:
        import time
        started = time.ticks_ms()
    except (ImportError, AttributeError):   # CPython (tests)
        started = None
    if link is None:
        link = Link()
    gc.collect()
    _kbd_intr(-1)
    try:
        box = [link.receive(size, chunk)]
    except MemoryError:
        free = gc.mem_free() if hasattr(gc, "mem_free") else -1
        link.send(FAIL, "the module (%d bytes) does not fit in the board's "
                  "free RAM (%d bytes)" % (size, free))
        link.send(EXIT, "1")
        return 1
    finally:
        _kbd_intr(3)
    try:
        code = _run(link, kind, box, args, realtime_ns, started)
    except KeyboardInterrupt:
        link.send(FAIL, "interrupted")
        code = 130
    except MemoryError:
        link.send(FAIL, "the board ran out of RAM (MemoryError)")
        code = 1
    except Exception as e:
        link.send(FAIL, "%s: %s" % (type(e).__name__, e))
        code = 1
    gc.collect()
    link.send(EXIT, str(code))
    return code


def _run(link, kind, box, args, realtime_ns=None, started=None):
    gc.collect()
    import wasmbed
    from wasmbed.wasi import WasiConfig
    try:
        rt, mod = _load(wasmbed, kind, box, _platform(realtime_ns, started))
    except wasmbed.WasmError as e:
        link.send(FAIL, "%s: %s" % (type(e).__name__, e))
        return 1
    except ImportError as e:
        link.send(FAIL, "cannot import the module: %s" % (e,))
        return 1
    except ValueError as e:
        link.send(FAIL, str(e))
        return 1
    del box[:]
    gc.collect()
    wasi = WasiConfig(args=args, stdin=_NoInput(),
                      stdout=GuestStream(link, STDOUT),
                      stderr=GuestStream(link, STDERR))
    inst = None
    try:
        inst = rt.instantiate(mod, wasi=wasi)
        start = inst.lookup_function("_start")
        if start is None:
            link.send(FAIL, "the module has no _start function")
            return 1
        gc.collect()
        inst.create_exec_env().call(start)
        return 0
    except wasmbed.ProcExit as e:
        return _exit_code(e.code)
    except wasmbed.Trap as e:
        link.send(STDERR, "Exception: %s\n" % e.message)
        return 1
    except wasmbed.WasmError as e:
        link.send(FAIL, "%s: %s" % (type(e).__name__, e))
        return 1
    finally:
        if inst is not None and getattr(inst, "cluster", None) is not None:
            inst.cluster.shutdown()


def info(free_at_start=None):
    """Print ``key: value`` lines: board, machine, MicroPython version,
    float precision, heap total, heap free before wasmbed was imported
    (``free_at_start``, measured by the caller before importing this
    module; None: not reported) and with it imported, wasmbed version."""
    import struct
    import wasmbed
    gc.collect()
    free = gc.mem_free()
    impl = sys.implementation
    lines = [
        ("board", getattr(impl, "_build", sys.platform)),
        ("machine", getattr(impl, "_machine", sys.platform)),
        ("micropython", ".".join([str(v) for v in impl.version[:3]])),
        ("float", "double" if struct.pack("<d", 0.1) ==
         b"\x9a\x99\x99\x99\x99\x99\xb9?" else "single"),
        ("heap total", free + gc.mem_alloc()),
    ]
    if free_at_start is not None:
        lines.append(("heap free", free_at_start))
    lines.append(("heap free with wasmbed", free))
    lines.append(("wasmbed", wasmbed.__version__))
    for k, v in lines:
        print("%s: %s" % (k, v))
