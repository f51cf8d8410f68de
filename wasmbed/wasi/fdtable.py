"""The WASI descriptor table: guest fd numbers -> FdEntry.

Only numbers in the table exist for the guest; any other number is EBADF,
whatever host descriptors the process holds. The table never hands out a
number above ``max_fds - 1`` (EMFILE).
"""

from wasmbed.core.errors import FsError
from wasmbed.wasi.abi import EBADF, EMFILE, ENOTCAPABLE, ENOTDIR

KIND_STREAM = 0   # a stdio stream (wasmbed.wasi.streams.Stream)
KIND_FILE = 1     # a host file handle of the platform FileSystem
KIND_DIR = 2      # a host directory handle of the platform FileSystem


class FdEntry(object):
    """One open guest descriptor.

    ``handle``: the Stream (KIND_STREAM) or the FileSystem handle.
    ``filetype``: WASI filetype reported by fd_fdstat_get.
    ``base``/``inheriting``: WASI rights. ``fdflags``: WASI fdflags.
    ``preopen``: the guest name (bytes) of a preopened directory, else None.
    ``listing``: cached fd_readdir entries (refreshed at cookie 0).
    ``owned``: True if closing the entry must close the host handle.
    ``path``: for what path_open opened, (preopen guest name, path from
    it) when known (a snapshot reopens it from there), else None.
    """

    def __init__(self, kind, handle, filetype, base, inheriting, fdflags=0,
                 preopen=None, owned=True):
        self.kind = kind
        self.handle = handle
        self.filetype = filetype
        self.base = base
        self.inheriting = inheriting
        self.fdflags = fdflags
        self.preopen = preopen
        self.listing = None
        self.owned = owned
        self.path = None

    def require(self, rights):
        """Raise ENOTCAPABLE unless every bit of ``rights`` is held."""
        if self.base & rights != rights:
            raise FsError(ENOTCAPABLE, "missing rights 0x%x"
                          % (rights & ~self.base))
        return self

    def require_dir(self, rights):
        if self.kind != KIND_DIR:
            raise FsError(ENOTDIR)
        return self.require(rights)


class FdTable(object):
    """fd number -> FdEntry. Not locked itself; the Wasi object locks."""

    def __init__(self, max_fds):
        self.entries = {}
        self.max_fds = max_fds

    def get(self, fd):
        entry = self.entries.get(fd)
        if entry is None:
            raise FsError(EBADF)
        return entry

    def insert(self, entry):
        """Put ``entry`` at the lowest free number; returns that number."""
        fd = 0
        entries = self.entries
        while fd in entries:
            fd += 1
        if fd >= self.max_fds:
            raise FsError(EMFILE)
        entries[fd] = entry
        return fd

    def set(self, fd, entry):
        self.entries[fd] = entry

    def remove(self, fd):
        entry = self.entries.pop(fd, None)
        if entry is None:
            raise FsError(EBADF)
        return entry

    def numbers(self):
        return sorted(self.entries)
