"""RamFiles: a tiny read-only filesystem in RAM that MicroPython can import
from, so that a board with no writable filesystem (the qemu boards) can
import a module it has just received (an AOT ``.py`` or an ``.mpy``).

``RamFiles()`` is a user VFS (an object with ``stat``/``open``/``ilistdir``
that ``vfs.mount`` accepts); ``add(name, data)`` publishes ``data`` (any
bytes-like object, not copied) as ``/name`` under the mount point.
``mount_at(point)`` mounts it and puts the point first on ``sys.path``;
``unmount()`` undoes both. Opening a missing file raises OSError(ENOENT).
Under CPython (tests) ``vfs`` does not exist: ``mount`` raises OSError and
``open`` still works.
"""

import sys

try:
    import io
    _IOBase = io.IOBase
except (ImportError, AttributeError):  # pragma: no cover - io without IOBase
    _IOBase = object  # type: ignore[misc,assignment]

ENOENT = 2
EROFS = 30
S_IFDIR = 0x4000
S_IFREG = 0x8000
MP_STREAM_CLOSE = 4


class RamFile(_IOBase):
    """A read-only binary file over a bytes-like object. MicroPython's
    import reads it through the stream protocol (``readinto``, ``ioctl``)."""

    def __init__(self, data):
        self._data = memoryview(data)
        self._pos = 0

    def readinto(self, buf):
        n = len(buf)
        left = len(self._data) - self._pos
        if n > left:
            n = left
        buf[:n] = self._data[self._pos:self._pos + n]
        self._pos += n
        return n

    def read(self, n=-1):
        left = len(self._data) - self._pos
        if n is None or n < 0 or n > left:
            n = left
        out = bytes(self._data[self._pos:self._pos + n])
        self._pos += n
        return out

    def ioctl(self, op, arg):
        return 0

    def close(self):
        self._data = memoryview(b"")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class RamFiles:
    """The filesystem: a dict {name: bytes-like} with no directories."""

    def __init__(self):
        self.files = {}
        self.point = None

    def add(self, name, data):
        self.files[name] = data

    def _name(self, path):
        return path.lstrip("/")

    # -- the VFS protocol --------------------------------------------------
    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def stat(self, path):
        name = self._name(path)
        if name == "":
            return (S_IFDIR, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        data = self.files.get(name)
        if data is None:
            raise OSError(ENOENT)
        return (S_IFREG, 0, 0, 0, 0, 0, len(data), 0, 0, 0)

    def ilistdir(self, path):
        for name in self.files:
            yield (name, S_IFREG, 0, len(self.files[name]))

    def open(self, path, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise OSError(EROFS)
        data = self.files.get(self._name(path))
        if data is None:
            raise OSError(ENOENT)
        return RamFile(data)

    def chdir(self, path):
        pass

    def getcwd(self):
        return ""

    def statvfs(self, path):
        return (0, 0, 0, 0, 0, 0, 0, 0, 0, 255)

    # -- mounting ------------------------------------------------------------
    def mount_at(self, point):
        """Mount at ``point`` (e.g. "/_wasmbed") and search it first on
        import. Raises OSError where MicroPython's ``vfs`` is missing."""
        v = _vfs()
        if v is None:
            raise OSError(ENOENT)
        v.mount(self, point)
        self.point = point
        sys.path.insert(0, point)

    def unmount(self):
        if self.point is None:
            return
        try:
            sys.path.remove(self.point)
        except ValueError:
            pass
        v = _vfs()
        try:
            if v is not None:
                v.umount(self.point)
        except OSError:
            pass
        self.point = None
        self.files = {}


def _vfs():
    """MicroPython's ``vfs`` module (``os`` on older ports), or None."""
    try:
        import vfs
        return vfs
    except ImportError:
        pass
    try:
        import os
    except ImportError:
        return None
    return os if hasattr(os, "mount") else None
