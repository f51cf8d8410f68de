"""LinuxFileSystem: the platform_fs.FileSystem interface on a POSIX host.

Handles are host file descriptors. Every call is relative to a directory fd
(``dir_fd=``) with a single path component and never follows a symlink at
that component (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, linkat without
AT_SYMLINK_FOLLOW); the WASI layer does all path walking. Host errors come
out as ``FsError`` with the matching WASI errno; anything unexpected becomes
EIO (OverflowError/ValueError from out-of-range arguments become EINVAL).
"""

import errno as _errno
import fcntl
import os
import stat as _stat
import time

from wasmbed import platform_fs as pfs
from wasmbed.platform_fs import FsError, Stat


def _build_errno_map():
    pairs = {
        "E2BIG": pfs.E2BIG, "EACCES": pfs.EACCES, "EADDRINUSE": pfs.EADDRINUSE,
        "EADDRNOTAVAIL": pfs.EADDRNOTAVAIL, "EAFNOSUPPORT": pfs.EAFNOSUPPORT,
        "EAGAIN": pfs.EAGAIN, "EALREADY": pfs.EALREADY, "EBADF": pfs.EBADF,
        "EBADMSG": pfs.EBADMSG, "EBUSY": pfs.EBUSY, "ECANCELED": pfs.ECANCELED,
        "ECHILD": pfs.ECHILD, "ECONNABORTED": pfs.ECONNABORTED,
        "ECONNREFUSED": pfs.ECONNREFUSED, "ECONNRESET": pfs.ECONNRESET,
        "EDEADLK": pfs.EDEADLK, "EDESTADDRREQ": pfs.EDESTADDRREQ,
        "EDOM": pfs.EDOM, "EDQUOT": pfs.EDQUOT, "EEXIST": pfs.EEXIST,
        "EFAULT": pfs.EFAULT, "EFBIG": pfs.EFBIG,
        "EHOSTUNREACH": pfs.EHOSTUNREACH, "EIDRM": pfs.EIDRM,
        "EILSEQ": pfs.EILSEQ, "EINPROGRESS": pfs.EINPROGRESS,
        "EINTR": pfs.EINTR, "EINVAL": pfs.EINVAL, "EIO": pfs.EIO,
        "EISCONN": pfs.EISCONN, "EISDIR": pfs.EISDIR, "ELOOP": pfs.ELOOP,
        "EMFILE": pfs.EMFILE, "EMLINK": pfs.EMLINK, "EMSGSIZE": pfs.EMSGSIZE,
        "EMULTIHOP": pfs.EMULTIHOP, "ENAMETOOLONG": pfs.ENAMETOOLONG,
        "ENETDOWN": pfs.ENETDOWN, "ENETRESET": pfs.ENETRESET,
        "ENETUNREACH": pfs.ENETUNREACH, "ENFILE": pfs.ENFILE,
        "ENOBUFS": pfs.ENOBUFS, "ENODEV": pfs.ENODEV, "ENOENT": pfs.ENOENT,
        "ENOEXEC": pfs.ENOEXEC, "ENOLCK": pfs.ENOLCK, "ENOLINK": pfs.ENOLINK,
        "ENOMEM": pfs.ENOMEM, "ENOMSG": pfs.ENOMSG,
        "ENOPROTOOPT": pfs.ENOPROTOOPT, "ENOSPC": pfs.ENOSPC,
        "ENOSYS": pfs.ENOSYS, "ENOTCONN": pfs.ENOTCONN,
        "ENOTDIR": pfs.ENOTDIR, "ENOTEMPTY": pfs.ENOTEMPTY,
        "ENOTRECOVERABLE": pfs.ENOTRECOVERABLE, "ENOTSOCK": pfs.ENOTSOCK,
        "ENOTSUP": pfs.ENOTSUP, "EOPNOTSUPP": pfs.ENOTSUP,
        "ENOTTY": pfs.ENOTTY, "ENXIO": pfs.ENXIO, "EOVERFLOW": pfs.EOVERFLOW,
        "EOWNERDEAD": pfs.EOWNERDEAD, "EPERM": pfs.EPERM, "EPIPE": pfs.EPIPE,
        "EPROTO": pfs.EPROTO, "EPROTONOSUPPORT": pfs.EPROTONOSUPPORT,
        "EPROTOTYPE": pfs.EPROTOTYPE, "ERANGE": pfs.ERANGE,
        "EROFS": pfs.EROFS, "ESPIPE": pfs.ESPIPE, "ESRCH": pfs.ESRCH,
        "ESTALE": pfs.ESTALE, "ETIMEDOUT": pfs.ETIMEDOUT,
        "ETXTBSY": pfs.ETXTBSY, "EXDEV": pfs.EXDEV,
        "EWOULDBLOCK": pfs.EAGAIN,
    }
    table = {}
    for name, wasi in pairs.items():
        host = getattr(_errno, name, None)
        if host is not None and host not in table:
            table[host] = wasi
    return table


HOST_TO_WASI_ERRNO = _build_errno_map()


def wasi_errno(host_errno):
    """The WASI errno for a host errno number (EIO when unknown)."""
    return HOST_TO_WASI_ERRNO.get(host_errno, pfs.EIO)


def _fs_error(exc):
    if isinstance(exc, OSError) and exc.errno is not None:
        return FsError(wasi_errno(exc.errno), str(exc))
    if isinstance(exc, (OverflowError, ValueError)):
        return FsError(pfs.EINVAL, str(exc))
    return FsError(pfs.EIO, repr(exc))


def _filetype(mode):
    if _stat.S_ISREG(mode):
        return pfs.FILETYPE_REGULAR_FILE
    if _stat.S_ISDIR(mode):
        return pfs.FILETYPE_DIRECTORY
    if _stat.S_ISLNK(mode):
        return pfs.FILETYPE_SYMBOLIC_LINK
    if _stat.S_ISCHR(mode):
        return pfs.FILETYPE_CHARACTER_DEVICE
    if _stat.S_ISBLK(mode):
        return pfs.FILETYPE_BLOCK_DEVICE
    if _stat.S_ISSOCK(mode):
        # A unix socket found in the file system; WASI preview1 cannot use it.
        return pfs.FILETYPE_SOCKET_STREAM
    return pfs.FILETYPE_UNKNOWN


def _to_stat(st):
    return Stat(dev=st.st_dev, ino=st.st_ino, filetype=_filetype(st.st_mode),
                nlink=st.st_nlink, size=st.st_size, atim=st.st_atime_ns,
                mtim=st.st_mtime_ns, ctim=st.st_ctime_ns)


_O_PATH = getattr(os, "O_PATH", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_O_RSYNC = getattr(os, "O_RSYNC", getattr(os, "O_SYNC", 0))


def _times(atim, mtim, current):
    """Resolve TIME_NOW/TIME_OMIT into explicit ns values for os.utime()."""
    now = None
    out = []
    for value, old in ((atim, current[0]), (mtim, current[1])):
        if value == pfs.TIME_OMIT:
            out.append(old)
        elif value == pfs.TIME_NOW:
            if now is None:
                now = time.time_ns()
            out.append(now)
        else:
            out.append(value)
    return tuple(out)


class LinuxFileSystem(pfs.FileSystem):
    """platform_fs.FileSystem over os.* calls with dir_fd and no-follow."""

    def open_root(self, host_path):
        try:
            return os.open(host_path, os.O_RDONLY | os.O_DIRECTORY | _O_CLOEXEC)
        except Exception as exc:
            raise _fs_error(exc)

    def openat(self, dir, name, flags, mode=0o666):
        self._check_name(name)
        want_nonblock = bool(flags & pfs.O_NONBLOCK)
        if flags & pfs.O_SEARCH and _O_PATH and not flags & (
                pfs.O_WRITE | pfs.O_CREAT | pfs.O_TRUNC):
            host = _O_PATH
        else:
            if flags & pfs.O_WRITE:
                host = os.O_RDWR if flags & pfs.O_READ else os.O_WRONLY
            else:
                host = os.O_RDONLY
            # Never block in open() (a FIFO without a peer); cleared below.
            host |= os.O_NONBLOCK
        host |= _O_CLOEXEC | _O_NOCTTY
        if flags & pfs.O_CREAT:
            host |= os.O_CREAT
        if flags & pfs.O_EXCL:
            host |= os.O_EXCL
        if flags & pfs.O_TRUNC:
            host |= os.O_TRUNC
        if flags & pfs.O_DIRECTORY:
            host |= os.O_DIRECTORY
        if flags & pfs.O_NOFOLLOW:
            host |= os.O_NOFOLLOW
        if flags & pfs.O_APPEND:
            host |= os.O_APPEND
        if flags & pfs.O_DSYNC:
            host |= os.O_DSYNC
        if flags & pfs.O_SYNC:
            host |= os.O_SYNC
        if flags & pfs.O_RSYNC:
            host |= _O_RSYNC
        try:
            fd = os.open(name, host, mode, dir_fd=dir)
        except Exception as exc:
            raise _fs_error(exc)
        if host & os.O_NONBLOCK and not want_nonblock:
            try:
                os.set_blocking(fd, True)
            except Exception as exc:
                os.close(fd)
                raise _fs_error(exc)
        return fd

    @staticmethod
    def _check_name(name):
        """One component; "." (the directory itself) is allowed."""
        if b"/" in name or name == b".." or not name or b"\0" in name:
            raise FsError(pfs.EINVAL, "not a single path component: %r" % name)

    def close(self, handle):
        try:
            os.close(handle)
        except Exception as exc:
            raise _fs_error(exc)

    def read(self, handle, n):
        try:
            return os.read(handle, n)
        except Exception as exc:
            raise _fs_error(exc)

    def write(self, handle, data):
        try:
            return os.write(handle, data)
        except Exception as exc:
            raise _fs_error(exc)

    def pread(self, handle, n, offset):
        try:
            return os.pread(handle, n, offset)
        except Exception as exc:
            raise _fs_error(exc)

    def pwrite(self, handle, data, offset):
        try:
            return os.pwrite(handle, data, offset)
        except Exception as exc:
            raise _fs_error(exc)

    def seek(self, handle, offset, whence):
        try:
            return os.lseek(handle, offset, whence)
        except Exception as exc:
            raise _fs_error(exc)

    def sync(self, handle):
        try:
            os.fsync(handle)
        except Exception as exc:
            raise _fs_error(exc)

    def datasync(self, handle):
        try:
            os.fdatasync(handle)
        except Exception as exc:
            raise _fs_error(exc)

    def fstat(self, handle):
        try:
            return _to_stat(os.fstat(handle))
        except Exception as exc:
            raise _fs_error(exc)

    def statat(self, dir, name, follow=False):
        self._check_name(name)
        try:
            return _to_stat(os.stat(name, dir_fd=dir, follow_symlinks=follow))
        except Exception as exc:
            raise _fs_error(exc)

    def ftruncate(self, handle, size):
        try:
            os.ftruncate(handle, size)
        except Exception as exc:
            raise _fs_error(exc)

    def futimens(self, handle, atim, mtim):
        try:
            current = (0, 0)
            if pfs.TIME_OMIT in (atim, mtim):
                st = os.fstat(handle)
                current = (st.st_atime_ns, st.st_mtime_ns)
            os.utime(handle, ns=_times(atim, mtim, current))
        except Exception as exc:
            raise _fs_error(exc)

    def utimensat(self, dir, name, atim, mtim, follow=False):
        self._check_name(name)
        try:
            current = (0, 0)
            if pfs.TIME_OMIT in (atim, mtim):
                st = os.stat(name, dir_fd=dir, follow_symlinks=follow)
                current = (st.st_atime_ns, st.st_mtime_ns)
            os.utime(name, ns=_times(atim, mtim, current), dir_fd=dir,
                     follow_symlinks=follow)
        except Exception as exc:
            raise _fs_error(exc)

    def allocate(self, handle, offset, length):
        try:
            os.posix_fallocate(handle, offset, length)
        except Exception as exc:
            raise _fs_error(exc)

    _ADVICE = {
        pfs.ADVICE_NORMAL: "POSIX_FADV_NORMAL",
        pfs.ADVICE_SEQUENTIAL: "POSIX_FADV_SEQUENTIAL",
        pfs.ADVICE_RANDOM: "POSIX_FADV_RANDOM",
        pfs.ADVICE_WILLNEED: "POSIX_FADV_WILLNEED",
        pfs.ADVICE_DONTNEED: "POSIX_FADV_DONTNEED",
        pfs.ADVICE_NOREUSE: "POSIX_FADV_NOREUSE",
    }

    def advise(self, handle, offset, length, advice):
        if advice not in self._ADVICE:
            raise FsError(pfs.EINVAL)
        host = getattr(os, self._ADVICE[advice], None)
        if host is None or not hasattr(os, "posix_fadvise"):
            return  # advice is only a hint
        try:
            os.posix_fadvise(handle, offset, length, host)
        except Exception as exc:
            raise _fs_error(exc)

    def getfl(self, handle):
        try:
            fl = fcntl.fcntl(handle, fcntl.F_GETFL)
        except Exception as exc:
            raise _fs_error(exc)
        out = 0
        if fl & os.O_APPEND:
            out |= pfs.FDFLAG_APPEND
        if fl & os.O_NONBLOCK:
            out |= pfs.FDFLAG_NONBLOCK
        if fl & os.O_SYNC == os.O_SYNC:
            out |= pfs.FDFLAG_SYNC
        elif fl & os.O_DSYNC:
            out |= pfs.FDFLAG_DSYNC
        return out

    def setfl(self, handle, flags):
        if flags & ~(pfs.FDFLAG_APPEND | pfs.FDFLAG_NONBLOCK):
            raise FsError(pfs.ENOTSUP, "only append and nonblock can change")
        try:
            fl = fcntl.fcntl(handle, fcntl.F_GETFL)
            fl &= ~(os.O_APPEND | os.O_NONBLOCK)
            if flags & pfs.FDFLAG_APPEND:
                fl |= os.O_APPEND
            if flags & pfs.FDFLAG_NONBLOCK:
                fl |= os.O_NONBLOCK
            fcntl.fcntl(handle, fcntl.F_SETFL, fl)
        except Exception as exc:
            raise _fs_error(exc)

    def isatty(self, handle):
        try:
            return os.isatty(handle)
        except Exception:
            return False

    def readdir(self, handle):
        out = []
        try:
            with os.scandir(handle) as it:
                for entry in it:
                    name = os.fsencode(entry.name)
                    try:
                        if entry.is_symlink():
                            ftype = pfs.FILETYPE_SYMBOLIC_LINK
                        elif entry.is_dir(follow_symlinks=False):
                            ftype = pfs.FILETYPE_DIRECTORY
                        elif entry.is_file(follow_symlinks=False):
                            ftype = pfs.FILETYPE_REGULAR_FILE
                        else:
                            ftype = _filetype(
                                entry.stat(follow_symlinks=False).st_mode)
                    except OSError:
                        ftype = pfs.FILETYPE_UNKNOWN  # vanished meanwhile
                    out.append((name, entry.inode(), ftype))
        except Exception as exc:
            raise _fs_error(exc)
        return out

    def mkdirat(self, dir, name):
        self._check_name(name)
        try:
            os.mkdir(name, 0o777, dir_fd=dir)
        except Exception as exc:
            raise _fs_error(exc)

    def unlinkat(self, dir, name):
        self._check_name(name)
        try:
            os.unlink(name, dir_fd=dir)
        except Exception as exc:
            raise _fs_error(exc)

    def rmdirat(self, dir, name):
        self._check_name(name)
        try:
            os.rmdir(name, dir_fd=dir)
        except Exception as exc:
            raise _fs_error(exc)

    def renameat(self, old_dir, old_name, new_dir, new_name):
        self._check_name(old_name)
        self._check_name(new_name)
        try:
            os.rename(old_name, new_name, src_dir_fd=old_dir,
                      dst_dir_fd=new_dir)
        except Exception as exc:
            raise _fs_error(exc)

    def linkat(self, old_dir, old_name, new_dir, new_name):
        self._check_name(old_name)
        self._check_name(new_name)
        try:
            os.link(old_name, new_name, src_dir_fd=old_dir, dst_dir_fd=new_dir,
                    follow_symlinks=False)
        except Exception as exc:
            raise _fs_error(exc)

    def symlinkat(self, target, dir, name):
        self._check_name(name)
        if b"\0" in target:
            raise FsError(pfs.EINVAL)
        try:
            os.symlink(target, name, dir_fd=dir)
        except Exception as exc:
            raise _fs_error(exc)

    def readlinkat(self, dir, name):
        self._check_name(name)
        try:
            return os.readlink(name, dir_fd=dir)
        except Exception as exc:
            raise _fs_error(exc)
