"""The optional file-system part of the platform interface.

A port that can reach files offers ``platform.files``: an object with the
methods of ``wasmbed.filesystem.FileSystem`` (also reachable here as
``FileSystem``; subclassing it is convenient, not required).
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

from wasmbed.host_errors import FsError  # noqa: F401  (re-exported)

# --- WASI errno numbers (wasi_snapshot_preview1 ``errno``) -------------------
# ERRNO_NAMES[n] is the name of errno n; each name is a module attribute
# (``platform_fs.EBADF == 8``, ``from wasmbed.platform_fs import EBADF``),
# served by __getattr__ from this tuple, which a board keeps in flash: 77
# module globals would cost it about 1 KB of heap.
ERRNO_NAMES = (
    "ESUCCESS", "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL",
    "EAFNOSUPPORT", "EAGAIN", "EALREADY", "EBADF", "EBADMSG", "EBUSY",
    "ECANCELED", "ECHILD", "ECONNABORTED", "ECONNREFUSED", "ECONNRESET",
    "EDEADLK", "EDESTADDRREQ", "EDOM", "EDQUOT", "EEXIST", "EFAULT", "EFBIG",
    "EHOSTUNREACH", "EIDRM", "EILSEQ", "EINPROGRESS", "EINTR", "EINVAL",
    "EIO", "EISCONN", "EISDIR", "ELOOP", "EMFILE", "EMLINK", "EMSGSIZE",
    "EMULTIHOP", "ENAMETOOLONG", "ENETDOWN", "ENETRESET", "ENETUNREACH",
    "ENFILE", "ENOBUFS", "ENODEV", "ENOENT", "ENOEXEC", "ENOLCK", "ENOLINK",
    "ENOMEM", "ENOMSG", "ENOPROTOOPT", "ENOSPC", "ENOSYS", "ENOTCONN",
    "ENOTDIR", "ENOTEMPTY", "ENOTRECOVERABLE", "ENOTSOCK", "ENOTSUP",
    "ENOTTY", "ENXIO", "EOVERFLOW", "EOWNERDEAD", "EPERM", "EPIPE", "EPROTO",
    "EPROTONOSUPPORT", "EPROTOTYPE", "ERANGE", "EROFS", "ESPIPE", "ESRCH",
    "ESTALE", "ETIMEDOUT", "ETXTBSY", "EXDEV", "ENOTCAPABLE",
)


def errno_number(name):
    """The errno called `name` ("EBADF" -> 8); AttributeError if none is."""
    for n, known in enumerate(ERRNO_NAMES):
        if known == name:
            return n
    raise AttributeError(name)


def __getattr__(name):
    if name == "FileSystem":
        from wasmbed.filesystem import FileSystem
        return FileSystem
    return errno_number(name)


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
