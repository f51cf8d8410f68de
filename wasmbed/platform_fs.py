"""The optional file-system part of the platform interface.

A port that can reach files offers ``platform.files``: an object with the
methods of :class:`FileSystem` (subclassing it is convenient, not required).
A port without files sets ``platform.files = None``; WASI then has no
preopened directories and answers path calls with ``ENOTSUP``.

The API is a small, directory-handle-relative POSIX subset. It is deliberately
dumb: every ``name`` argument is ONE path component (bytes, never containing
``/``, never ``..``; ``.`` means the directory itself), and no call ever
follows a symbolic link at ``name``. Path resolution, ``..`` handling,
symlink expansion and the sandbox rules all live in ``wasmbed.wasi``, which
walks paths one component at a time and never lets the host resolve a
multi-component path. So a port needs no sandbox logic of its own; it must
only honour "one component, no follow".

Handles are opaque values the port chooses (host fds on Linux). Every method
raises :class:`FsError` carrying a WASI errno number (constants below) and
nothing else; a port maps its host error codes onto these numbers and uses
``EIO`` for anything it cannot classify.

This module imports nothing from the host, so it runs on MicroPython.
"""

from wasmbed.core.errors import FsError  # noqa: F401  (re-exported)

# --- WASI errno numbers (wasi_snapshot_preview1 ``errno``) -------------------
ESUCCESS = 0
E2BIG = 1
EACCES = 2
EADDRINUSE = 3
EADDRNOTAVAIL = 4
EAFNOSUPPORT = 5
EAGAIN = 6
EALREADY = 7
EBADF = 8
EBADMSG = 9
EBUSY = 10
ECANCELED = 11
ECHILD = 12
ECONNABORTED = 13
ECONNREFUSED = 14
ECONNRESET = 15
EDEADLK = 16
EDESTADDRREQ = 17
EDOM = 18
EDQUOT = 19
EEXIST = 20
EFAULT = 21
EFBIG = 22
EHOSTUNREACH = 23
EIDRM = 24
EILSEQ = 25
EINPROGRESS = 26
EINTR = 27
EINVAL = 28
EIO = 29
EISCONN = 30
EISDIR = 31
ELOOP = 32
EMFILE = 33
EMLINK = 34
EMSGSIZE = 35
EMULTIHOP = 36
ENAMETOOLONG = 37
ENETDOWN = 38
ENETRESET = 39
ENETUNREACH = 40
ENFILE = 41
ENOBUFS = 42
ENODEV = 43
ENOENT = 44
ENOEXEC = 45
ENOLCK = 46
ENOLINK = 47
ENOMEM = 48
ENOMSG = 49
ENOPROTOOPT = 50
ENOSPC = 51
ENOSYS = 52
ENOTCONN = 53
ENOTDIR = 54
ENOTEMPTY = 55
ENOTRECOVERABLE = 56
ENOTSOCK = 57
ENOTSUP = 58
ENOTTY = 59
ENXIO = 60
EOVERFLOW = 61
EOWNERDEAD = 62
EPERM = 63
EPIPE = 64
EPROTO = 65
EPROTONOSUPPORT = 66
EPROTOTYPE = 67
ERANGE = 68
EROFS = 69
ESPIPE = 70
ESRCH = 71
ESTALE = 72
ETIMEDOUT = 73
ETXTBSY = 74
EXDEV = 75
ENOTCAPABLE = 76

# --- WASI file types (``filetype``) ------------------------------------------
FILETYPE_UNKNOWN = 0
FILETYPE_BLOCK_DEVICE = 1
FILETYPE_CHARACTER_DEVICE = 2
FILETYPE_DIRECTORY = 3
FILETYPE_REGULAR_FILE = 4
FILETYPE_SOCKET_DGRAM = 5
FILETYPE_SOCKET_STREAM = 6
FILETYPE_SYMBOLIC_LINK = 7

# --- openat() flags (this interface's own bits) ------------------------------
O_READ = 0x1          # open for reading
O_WRITE = 0x2         # open for writing (both: read-write)
O_CREAT = 0x4
O_EXCL = 0x8
O_TRUNC = 0x10
O_DIRECTORY = 0x20    # fail with ENOTDIR unless ``name`` is a directory
O_NOFOLLOW = 0x40     # fail with ELOOP (or ENOTDIR) if ``name`` is a symlink
O_APPEND = 0x80
O_NONBLOCK = 0x100
O_DSYNC = 0x200
O_SYNC = 0x400
O_RSYNC = 0x800
O_SEARCH = 0x1000     # handle is only used as a directory for *at() calls
#                       (Linux: O_PATH; it needs no read permission)

# --- descriptor flags for getfl()/setfl(): the WASI ``fdflags`` bits ---------
FDFLAG_APPEND = 0x1
FDFLAG_DSYNC = 0x2
FDFLAG_NONBLOCK = 0x4
FDFLAG_RSYNC = 0x8
FDFLAG_SYNC = 0x10

# --- seek whence: the WASI (and POSIX) values --------------------------------
SEEK_SET = 0
SEEK_CUR = 1
SEEK_END = 2

# --- futimens()/utimensat() special time values ------------------------------
TIME_NOW = -1    # set this timestamp to the current time
TIME_OMIT = -2   # leave this timestamp unchanged

# --- advise(): the WASI ``advice`` values ------------------------------------
ADVICE_NORMAL = 0
ADVICE_SEQUENTIAL = 1
ADVICE_RANDOM = 2
ADVICE_WILLNEED = 3
ADVICE_DONTNEED = 4
ADVICE_NOREUSE = 5


class Stat(object):
    """What fstat()/statat() return. Times are nanoseconds since the epoch.

    ``filetype`` is a ``FILETYPE_*`` value; all other fields are ints >= 0.
    """

    def __init__(self, dev=0, ino=0, filetype=FILETYPE_UNKNOWN, nlink=0,
                 size=0, atim=0, mtim=0, ctim=0):
        self.dev = dev
        self.ino = ino
        self.filetype = filetype
        self.nlink = nlink
        self.size = size
        self.atim = atim
        self.mtim = mtim
        self.ctim = ctim

    def __repr__(self):
        return ("Stat(dev=%d, ino=%d, filetype=%d, nlink=%d, size=%d)"
                % (self.dev, self.ino, self.filetype, self.nlink, self.size))


def _unsupported():
    raise FsError(ENOSYS, "not supported by this platform")


class FileSystem(object):
    """The file API a platform port offers to WASI (``platform.files``).

    Every method below raises ``FsError(ENOSYS)`` in this base class; a port
    overrides what its host supports. ``name`` is always one path component
    as ``bytes`` (see the module docstring); ``dir`` is a handle of an open
    directory. Unless stated otherwise a method returns None.
    """

    # -- opening and closing ------------------------------------------------
    def open_root(self, host_path):
        """Open the host directory ``host_path`` (str) as a preopen root.

        This is the only call that takes a host path; the embedder chose it,
        so the host may resolve it freely. Returns a directory handle that
        can also be listed with readdir(). Raises FsError (ENOENT, ENOTDIR,
        EACCES, ...).
        """
        _unsupported()

    def openat(self, dir, name, flags, mode=0o666):
        """Open ``name`` inside ``dir``; return a new handle.

        ``flags`` is an OR of the ``O_*`` constants of this module. With
        O_NOFOLLOW (WASI always passes it) a symlink at ``name`` is never
        followed: the call fails with ELOOP (or ENOTDIR together with
        O_DIRECTORY). Opening a directory for writing fails with EISDIR.
        ``mode`` applies when O_CREAT creates the file. Opening must not
        block (e.g. on a FIFO without a writer).
        """
        _unsupported()

    def close(self, handle):
        """Close a handle. Errors are ignored by callers but may be raised."""
        _unsupported()

    # -- data ---------------------------------------------------------------
    def read(self, handle, n):
        """Read up to ``n`` bytes at the current offset; b"" at end of file."""
        _unsupported()

    def write(self, handle, data):
        """Write ``data`` (bytes) at the current offset (or at the end with
        append mode); return the number of bytes written."""
        _unsupported()

    def pread(self, handle, n, offset):
        """Read up to ``n`` bytes at ``offset`` without moving the offset."""
        _unsupported()

    def pwrite(self, handle, data, offset):
        """Write ``data`` at ``offset`` without moving the offset; return
        the count. (With append mode the host may write at the end.)"""
        _unsupported()

    def seek(self, handle, offset, whence):
        """Move the offset (``offset`` is signed; whence SEEK_*); return the
        new offset. Raises ESPIPE on pipes and terminals, EINVAL on a
        negative result."""
        _unsupported()

    def sync(self, handle):
        """Flush data and metadata to storage (fsync)."""
        _unsupported()

    def datasync(self, handle):
        """Flush data to storage (fdatasync)."""
        _unsupported()

    # -- metadata -----------------------------------------------------------
    def fstat(self, handle):
        """Return a :class:`Stat` for an open handle."""
        _unsupported()

    def statat(self, dir, name, follow=False):
        """Return a :class:`Stat` for ``name`` in ``dir``; WASI always
        passes follow=False and gets the symlink itself."""
        _unsupported()

    def ftruncate(self, handle, size):
        """Set the file size (extending with zeros)."""
        _unsupported()

    def futimens(self, handle, atim, mtim):
        """Set access/modification times in ns, or TIME_NOW / TIME_OMIT."""
        _unsupported()

    def utimensat(self, dir, name, atim, mtim, follow=False):
        """Like futimens() for ``name`` in ``dir``; with follow=False the
        times of a symlink itself are changed."""
        _unsupported()

    def allocate(self, handle, offset, length):
        """Make sure the byte range is allocated (posix_fallocate)."""
        _unsupported()

    def advise(self, handle, offset, length, advice):
        """Pass an ADVICE_* hint for the byte range; may do nothing."""
        _unsupported()

    def getfl(self, handle):
        """Return the handle's FDFLAG_* bits."""
        _unsupported()

    def setfl(self, handle, flags):
        """Set FDFLAG_APPEND and FDFLAG_NONBLOCK (other bits: ENOTSUP)."""
        _unsupported()

    def isatty(self, handle):
        """True if the handle is a terminal."""
        return False

    # -- directories --------------------------------------------------------
    def readdir(self, handle):
        """List an open directory: a list of ``(name, ino, filetype)`` with
        ``name`` as bytes, without the ``.`` and ``..`` entries, in a stable
        order (the same for an unchanged directory)."""
        _unsupported()

    def mkdirat(self, dir, name):
        """Create directory ``name`` (EEXIST if anything exists there)."""
        _unsupported()

    def unlinkat(self, dir, name):
        """Remove the non-directory ``name`` (EISDIR/EPERM on a directory);
        a symlink is removed itself."""
        _unsupported()

    def rmdirat(self, dir, name):
        """Remove the empty directory ``name`` (ENOTEMPTY, ENOTDIR)."""
        _unsupported()

    def renameat(self, old_dir, old_name, new_dir, new_name):
        """Rename atomically, replacing ``new_name`` as POSIX rename()."""
        _unsupported()

    def linkat(self, old_dir, old_name, new_dir, new_name):
        """Create a hard link; a symlink at ``old_name`` is linked itself."""
        _unsupported()

    def symlinkat(self, target, dir, name):
        """Create symlink ``name`` whose content is ``target`` (bytes)."""
        _unsupported()

    def readlinkat(self, dir, name):
        """Return the content (bytes) of symlink ``name``; EINVAL if it is
        not a symlink."""
        _unsupported()
