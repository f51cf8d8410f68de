"""The guest's stdio streams: a thin adapter over whatever object backs them.

Two kinds of objects can back a stream:
- a platform console stream: ``read(n)``, ``write(b)`` and
  ``readable(timeout_ns) -> bool`` (the platform interface), and
- any Python binary file-like object (``read(n)``/``write(b)``; ``read1``
  and ``flush`` are used when present; a text stream is used through its
  ``.buffer``). Its ``readable()`` takes no timeout, so such a stream is
  treated as always ready.
"""

from wasmbed.core.errors import FsError
from wasmbed.wasi.abi import EAGAIN, EBADF, EIO, EPIPE

_HOST_EPIPE = 32    # EPIPE on Linux, the BSDs and macOS


def _os_error(exc):
    """FsError for an OSError from a stream (EPIPE for a closed pipe)."""
    if type(exc).__name__ == "BrokenPipeError" or \
            (exc.args and exc.args[0] == _HOST_EPIPE):
        return FsError(EPIPE, "broken pipe")
    return FsError(EIO, "stream error: %r" % (exc,))


class NullStream(object):
    """Reads end of file, swallows writes (used when nothing backs a
    stream, e.g. a platform without a console)."""

    def read(self, n):
        return b""

    def write(self, data):
        return len(data)


class Stream(object):
    """A stdio stream of the guest. ``obj`` is the backing object."""

    def __init__(self, obj):
        if obj is None:
            obj = NullStream()
        buf = getattr(obj, "buffer", None)
        if buf is not None and hasattr(buf, "write"):
            obj = buf
        self.obj = obj
        self._timed = None   # does obj.readable(timeout_ns) work? unknown yet

    def read(self, n):
        """Up to ``n`` bytes (b"" at end of file); EAGAIN if a non-blocking
        object has nothing."""
        reader = getattr(self.obj, "read1", None)
        if reader is None:
            reader = getattr(self.obj, "read", None)
        if reader is None:
            raise FsError(EBADF, "stream is not readable")
        try:
            data = reader(n)
        except OSError as exc:
            raise _os_error(exc)
        if data is None:
            raise FsError(EAGAIN)
        if not isinstance(data, bytes):
            data = bytes(data)
        return data[:n]

    def write(self, data):
        """Write all of ``data``; returns the count the object reports."""
        writer = getattr(self.obj, "write", None)
        if writer is None:
            raise FsError(EBADF, "stream is not writable")
        try:
            n = writer(data)
            flush = getattr(self.obj, "flush", None)
            if flush is not None:
                flush()
        except OSError as exc:
            raise _os_error(exc)
        if n is None:
            n = len(data)
        return n

    def ready(self, timeout_ns):
        """True if a read would not block, waiting at most ``timeout_ns``.
        Objects that cannot tell are always ready."""
        if self._timed is False:
            return True
        fn = getattr(self.obj, "readable", None)
        if fn is None:
            self._timed = False
            return True
        try:
            result = fn(timeout_ns)
        except TypeError:
            # io.IOBase.readable() takes no argument: not a console stream.
            self._timed = False
            return True
        self._timed = True
        return bool(result)

    def can_wait(self):
        """True if ready() really waits (a platform console stream)."""
        if self._timed is None:
            self.ready(0)
        return bool(self._timed)

    def isatty(self):
        fn = getattr(self.obj, "isatty", None)
        if fn is None:
            return False
        try:
            return bool(fn())
        except Exception:
            return False
