"""FileSystem: the file API a platform port offers to WASI.

The interface and its rules (one path component per ``name``, no symlink
followed at ``name``, FsError with a WASI errno) are described in
``wasmbed.platform_fs``, with the constants it uses. This base class,
which raises ``FsError(ENOSYS)`` everywhere, is convenient to subclass, not
required; it lives apart so that a board without files does not hold it
(``wasmbed.platform_fs.FileSystem`` still names it).
"""

from wasmbed.host_errors import FsError

ENOSYS = 52


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
