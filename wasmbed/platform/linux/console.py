"""Console streams for LinuxPlatform: byte streams over file descriptors.

``FdStream(target)`` takes an int file descriptor or a file object. Reads go
straight to the descriptor (``os.read``), so ``readable`` (``select``) and
``read`` agree: no byte can hide in a Python-level buffer. Writes go through
the file object when one was given (so they stay in order with ``print``)
and are flushed; with a bare descriptor they use ``os.write``. A file
object without a usable ``fileno()`` (an ``io.BytesIO``, a test capture) is
used through its own ``read``/``write`` and is always readable.
"""

import os
import select

from wasmbed.platform_api import ConsoleStream


def _fileno(obj):
    try:
        return obj.fileno()
    except (AttributeError, OSError, ValueError):
        return None


class FdStream(ConsoleStream):
    """A console stream over a descriptor or a file object.

    ``target``: an int fd or a (text or binary) file object; a text object
    is used through its ``.buffer``. ``close_fd`` (default False): close the
    descriptor in ``close()``.
    """

    def __init__(self, target, close_fd=False):
        if isinstance(target, int):
            self.file = None
            self.fd = target
        else:
            buf = getattr(target, "buffer", None)
            self.file = buf if buf is not None else target
            self.fd = _fileno(self.file)
        self.close_fd = close_fd

    def read(self, n):
        if n <= 0:
            return b""
        if self.fd is not None:
            return os.read(self.fd, n)
        reader = getattr(self.file, "read1", None) or self.file.read
        data = reader(n)
        return bytes(data) if data else b""

    def readable(self, timeout_ns=0):
        if self.fd is None:
            return True
        timeout = None if timeout_ns < 0 else timeout_ns / 1e9
        try:
            ready = select.select([self.fd], [], [], timeout)[0]
        except (OSError, ValueError):
            return True  # a closed or odd descriptor: let read() report it
        return bool(ready)

    def write(self, data):
        view = memoryview(data)
        total = len(view)
        if self.file is not None:
            self.file.write(view)
            self.file.flush()
            return total
        done = 0
        while done < total:
            done += os.write(self.fd, view[done:])
        return total

    def flush(self):
        if self.file is not None:
            self.file.flush()

    def isatty(self):
        if self.fd is None:
            return False
        try:
            return os.isatty(self.fd)
        except OSError:
            return False

    def close(self):
        if self.close_fd and self.fd is not None:
            os.close(self.fd)
            self.fd = None
