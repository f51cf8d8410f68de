"""The ``wasi_snapshot_preview1`` host functions.

``Wasi(config, platform).imports()`` lists every function as
``(name, params, results, fn)``; ``fn(caller, *args)`` takes unsigned ints
and returns the errno (or None for ``proc_exit``, which raises ProcExit).

Rules every function follows:
- all guest pointers are bounds-checked (EFAULT); out-pointers are checked
  before any side effect, so a bad pointer never loses data;
- guest fds are looked up in the WASI table only (EBADF otherwise), and each
  call checks the rights the WASI spec ties to it (ENOTCAPABLE);
- every path goes through ``wasmbed.wasi.paths.resolve`` (the sandbox);
- every exception becomes an errno: FsError -> its errno, anything else (a
  bug) -> EIO, remembered in ``last_error``; a host MemoryError becomes
  HostOutOfMemory (the device's RAM is no errno of the guest's).
  ProcExit and Trap (including Terminated, and the "missing required memory
  export" trap raised when a function needing memory finds none, as wasmtime
  does) propagate to the core.
"""

import struct

from wasmbed.core.errors import (FsError, HostOutOfMemory, InstantiationError,
                                  ProcExit, Trap)
from wasmbed.platform_fs import (
    O_APPEND, O_CREAT, O_DIRECTORY, O_DSYNC, O_EXCL, O_NOFOLLOW, O_NONBLOCK,
    O_READ, O_RSYNC, O_SYNC, O_TRUNC, O_WRITE, Stat, TIME_NOW, TIME_OMIT)
from wasmbed.wasi import abi
from wasmbed.wasi.abi import (
    EBADF, EEXIST, EFBIG, EINVAL, EIO, EISDIR, ENAMETOOLONG, ENOENT,
    ENOSYS, ENOTCAPABLE, ENOTDIR, ENOTSOCK, ENOTSUP, ESPIPE)
from wasmbed.wasi.config import WasiConfig
from wasmbed.wasi.fdtable import (FdEntry, FdTable, KIND_DIR, KIND_FILE,
                                  KIND_STREAM)
from wasmbed.wasi.memory import GuestMemory
# paths and poll are imported by the functions that need them (RAM on a
# board that runs a module importing neither).
from wasmbed.wasi.streams import Stream

_I64_MAX = (1 << 63) - 1

# name -> (params, results); "i" is i32, "I" is i64.
SIGNATURES = (
    ("args_get", "ii", "i"),
    ("args_sizes_get", "ii", "i"),
    ("environ_get", "ii", "i"),
    ("environ_sizes_get", "ii", "i"),
    ("clock_res_get", "ii", "i"),
    ("clock_time_get", "iIi", "i"),
    ("fd_advise", "iIIi", "i"),
    ("fd_allocate", "iII", "i"),
    ("fd_close", "i", "i"),
    ("fd_datasync", "i", "i"),
    ("fd_fdstat_get", "ii", "i"),
    ("fd_fdstat_set_flags", "ii", "i"),
    ("fd_fdstat_set_rights", "iII", "i"),
    ("fd_filestat_get", "ii", "i"),
    ("fd_filestat_set_size", "iI", "i"),
    ("fd_filestat_set_times", "iIIi", "i"),
    ("fd_pread", "iiiIi", "i"),
    ("fd_prestat_get", "ii", "i"),
    ("fd_prestat_dir_name", "iii", "i"),
    ("fd_pwrite", "iiiIi", "i"),
    ("fd_read", "iiii", "i"),
    ("fd_readdir", "iiiIi", "i"),
    ("fd_renumber", "ii", "i"),
    ("fd_seek", "iIii", "i"),
    ("fd_sync", "i", "i"),
    ("fd_tell", "ii", "i"),
    ("fd_write", "iiii", "i"),
    ("path_create_directory", "iii", "i"),
    ("path_filestat_get", "iiiii", "i"),
    ("path_filestat_set_times", "iiiiIIi", "i"),
    ("path_link", "iiiiiii", "i"),
    ("path_open", "iiiiiIIii", "i"),
    ("path_readlink", "iiiiii", "i"),
    ("path_remove_directory", "iii", "i"),
    ("path_rename", "iiiiii", "i"),
    ("path_symlink", "iiiii", "i"),
    ("path_unlink_file", "iii", "i"),
    ("poll_oneoff", "iiii", "i"),
    ("proc_exit", "i", ""),
    ("proc_raise", "i", "i"),
    ("sched_yield", "", "i"),
    ("random_get", "ii", "i"),
    ("sock_accept", "iii", "i"),
    ("sock_recv", "iiiiii", "i"),
    ("sock_send", "iiiii", "i"),
    ("sock_shutdown", "ii", "i"),
)

_TYPES = {"i": "i32", "I": "i64"}


def _signed64(value):
    return value - (1 << 64) if value & (1 << 63) else value


def _times(fst, atim, mtim):
    """fstflags -> (atim, mtim) for the platform (ns, TIME_NOW or TIME_OMIT);
    EINVAL for unknown bits or a time given both explicitly and as now."""
    if fst & ~abi.FSTFLAGS_ALL:
        raise FsError(EINVAL)
    if fst & abi.FST_ATIM and fst & abi.FST_ATIM_NOW:
        raise FsError(EINVAL)
    if fst & abi.FST_MTIM and fst & abi.FST_MTIM_NOW:
        raise FsError(EINVAL)
    if fst & abi.FST_ATIM_NOW:
        a = TIME_NOW
    elif fst & abi.FST_ATIM:
        a = atim
    else:
        a = TIME_OMIT
    if fst & abi.FST_MTIM_NOW:
        m = TIME_NOW
    elif fst & abi.FST_MTIM:
        m = mtim
    else:
        m = TIME_OMIT
    if a > _I64_MAX or m > _I64_MAX:
        raise FsError(EINVAL)
    return a, m


def _pack_filestat(m, ptr, st):
    m.check(ptr, abi.SIZE_FILESTAT)
    struct.pack_into("<QQBxxxxxxxQQQQQ", m.data, ptr, st.dev, st.ino,
                     st.filetype, st.nlink, st.size, st.atim, st.mtim, st.ctim)


class Wasi(object):
    """One WASI preview1 instance: argv, environment, fd table, preopens.

    ``config``: a WasiConfig (None: the defaults). ``platform``: the
    Platform object (clocks, random, console, optional ``files`` and
    ``mutex_new``). Raises InstantiationError if a preopen cannot be opened
    or the platform has no file system but directories were asked for.

    A Wasi may be shared by several threads: calls are serialised by a
    mutex from ``platform.mutex_new()`` (when present and the platform's
    ``HAS_THREADS`` is not False), released while a call blocks (stdin
    reads, poll_oneoff waits).
    """

    def __init__(self, config=None, platform=None):
        if config is None:
            config = WasiConfig()
        self.config = config
        self.platform = platform
        self.fs = getattr(platform, "files", None)
        mutex_new = getattr(platform, "mutex_new", None)
        if not getattr(platform, "HAS_THREADS", True):
            mutex_new = None    # one thread runs guest code: nothing to order
        self._mutex = mutex_new() if mutex_new is not None else None
        self.table = FdTable(config.max_fds)
        self.exit_code = None
        self.last_error = None
        std = (
            (config.stdin, "stdin", abi.RIGHTS_STDIN),
            (config.stdout, "stdout", abi.RIGHTS_STDOUT),
            (config.stderr, "stderr", abi.RIGHTS_STDOUT),
        )
        for fd in range(3):
            obj, attr, rights = std[fd]
            if obj is None:
                obj = getattr(platform, attr, None)
            stream = Stream(obj)
            if stream.isatty():
                ftype = abi.FILETYPE_CHARACTER_DEVICE
            else:
                ftype = abi.FILETYPE_UNKNOWN
            self.table.set(fd, FdEntry(KIND_STREAM, stream, ftype, rights, 0,
                                       owned=False))
        for guest, host in config.dirs:
            if self.fs is None:
                raise InstantiationError(
                    "cannot preopen %s: the platform has no file system" % host)
            try:
                handle = self.fs.open_root(host)
            except FsError as exc:
                self.close()
                raise InstantiationError("cannot preopen %s: %s" % (host, exc))
            self.table.insert(FdEntry(
                KIND_DIR, handle, abi.FILETYPE_DIRECTORY, abi.RIGHTS_DIR,
                abi.RIGHTS_DIR_INHERITING, preopen=guest.encode("utf-8")))

    # ------------------------------------------------------------------
    # plumbing
    # ------------------------------------------------------------------
    def imports(self):
        """[(name, params, results, fn)] for module wasi_snapshot_preview1."""
        out = []
        for name, _, _ in SIGNATURES:
            out.append((name,) + self.import_function(name))
        return out

    def import_function(self, name):
        """-> (params, results, fn) of the function ``name`` of module
        wasi_snapshot_preview1, or None when WASI has no such function.
        Only what a module imports is built (RAM on a board)."""
        for n, params, results in SIGNATURES:
            if n == name:
                return (tuple(_TYPES[c] for c in params),
                        tuple(_TYPES[c] for c in results),
                        self._wrap(getattr(self, name)))
        return None

    def _wrap(self, impl):
        wasi = self

        def fn(caller, *args):
            lock = wasi._mutex
            if lock is not None:
                lock.acquire()
            try:
                result = impl(caller, *args)
                return result
            except FsError as exc:
                return exc.errno
            except (ProcExit, Trap, HostOutOfMemory):
                raise
            except MemoryError:
                # the host's RAM, not the guest's fault: stop with a clear
                # error rather than hand the guest an ENOMEM it reports as
                # its own failure
                raise HostOutOfMemory("call", "in a WASI function")
            except Exception as exc:   # a bug must not reach the guest's host
                wasi.last_error = exc
                return EIO
            finally:
                if lock is not None:
                    lock.release()
        return fn

    def wait_slice(self, caller, streams, timeout_ns):
        """Block for at most ``timeout_ns`` (<= one slice) with the lock
        released: until the first of ``streams`` is readable, or sleeping.
        Calls caller.check_terminate() first."""
        lock = self._mutex
        if lock is not None:
            lock.release()
        try:
            check = getattr(caller, "check_terminate", None)
            if check is not None:
                check()
            if streams:
                streams[0].ready(timeout_ns)
            elif timeout_ns > 0:
                self.platform.sleep_ns(timeout_ns)
        finally:
            if lock is not None:
                lock.acquire()

    def close(self):
        """Close every host handle this instance opened (preopens and files
        the guest left open). Streams are flushed, never closed."""
        for fd in self.table.numbers():
            entry = self.table.entries.pop(fd)
            self._release(entry)

    def _release(self, entry):
        if entry.kind == KIND_STREAM:
            flush = getattr(entry.handle.obj, "flush", None)
            if flush is not None:
                try:
                    flush()
                except Exception:
                    pass
        elif entry.owned:
            entry.owned = False
            self.fs.close(entry.handle)

    # ------------------------------------------------------------------
    # args, environment, clocks, random, process
    # ------------------------------------------------------------------
    def _put_strings(self, caller, items, ptrs, buf):
        m = GuestMemory.of(caller)
        total = 0
        for item in items:
            total += len(item) + 1
        m.check(ptrs, 4 * len(items))
        m.check(buf, total)
        for item in items:
            m.set_u32(ptrs, buf)
            m.write(buf, item + b"\0")
            ptrs += 4
            buf += len(item) + 1
        return 0

    def _put_sizes(self, caller, items, count_ptr, size_ptr):
        m = GuestMemory.of(caller)
        m.check(count_ptr, 4)
        m.check(size_ptr, 4)
        total = 0
        for item in items:
            total += len(item) + 1
        m.set_u32(count_ptr, len(items))
        m.set_u32(size_ptr, total)
        return 0

    def args_get(self, caller, argv, argv_buf):
        return self._put_strings(caller, self.config.args, argv, argv_buf)

    def args_sizes_get(self, caller, argc_ptr, size_ptr):
        return self._put_sizes(caller, self.config.args, argc_ptr, size_ptr)

    def environ_get(self, caller, environ, environ_buf):
        return self._put_strings(caller, self.config.env, environ, environ_buf)

    def environ_sizes_get(self, caller, count_ptr, size_ptr):
        return self._put_sizes(caller, self.config.env, count_ptr, size_ptr)

    def _clock(self, fn, clock_id):
        if clock_id > abi.CLOCK_THREAD_CPUTIME_ID:
            raise FsError(EINVAL)
        try:
            return fn(clock_id)
        except FsError:
            raise
        except (ValueError, NotImplementedError, OSError):
            raise FsError(ENOTSUP)

    def clock_res_get(self, caller, clock_id, res_ptr):
        m = GuestMemory.of(caller)
        m.check(res_ptr, 8)
        m.set_u64(res_ptr, self._clock(self.platform.clock_res_ns, clock_id))
        return 0

    def clock_time_get(self, caller, clock_id, precision, time_ptr):
        m = GuestMemory.of(caller)
        m.check(time_ptr, 8)
        m.set_u64(time_ptr, self._clock(self.platform.clock_ns, clock_id))
        return 0

    def random_get(self, caller, buf, length):
        m = GuestMemory.of(caller)
        m.check(buf, length)
        done = 0
        while done < length:
            n = min(length - done, 65536)
            data = self.platform.random_bytes(n)
            if len(data) != n:
                raise FsError(EIO, "short random read")
            m.write(buf + done, data)
            done += n
        return 0

    def proc_exit(self, caller, code):
        self.exit_code = code
        raise ProcExit(code)

    def proc_raise(self, caller, sig):
        return ENOSYS

    def sched_yield(self, caller):
        fn = getattr(self.platform, "thread_yield", None)
        if fn is not None:
            lock = self._mutex
            if lock is not None:
                lock.release()
            try:
                fn()
            finally:
                if lock is not None:
                    lock.acquire()
        return 0

    # ------------------------------------------------------------------
    # fd_*
    # ------------------------------------------------------------------
    def fd_advise(self, caller, fd, offset, length, advice):
        e = self.table.get(fd)
        if e.kind == KIND_STREAM:
            raise FsError(ESPIPE)
        e.require(abi.RIGHT_FD_ADVISE)
        if advice > abi.ADVICE_MAX or offset > _I64_MAX or length > _I64_MAX:
            raise FsError(EINVAL)
        self.fs.advise(e.handle, offset, length, advice)
        return 0

    def fd_allocate(self, caller, fd, offset, length):
        e = self.table.get(fd)
        if e.kind == KIND_STREAM:
            raise FsError(ESPIPE)
        e.require(abi.RIGHT_FD_ALLOCATE)
        if offset + length > _I64_MAX:
            raise FsError(EFBIG)
        if length == 0:
            raise FsError(EINVAL)
        self.fs.allocate(e.handle, offset, length)
        return 0

    def fd_close(self, caller, fd):
        entry = self.table.remove(fd)
        self._release(entry)
        return 0

    def fd_datasync(self, caller, fd):
        e = self.table.get(fd).require(abi.RIGHT_FD_DATASYNC)
        self.fs.datasync(e.handle)
        return 0

    def fd_sync(self, caller, fd):
        e = self.table.get(fd).require(abi.RIGHT_FD_SYNC)
        self.fs.sync(e.handle)
        return 0

    def fd_fdstat_get(self, caller, fd, buf):
        m = GuestMemory.of(caller)
        e = self.table.get(fd)
        m.check(buf, abi.SIZE_FDSTAT)
        struct.pack_into("<BxHxxxxQQ", m.data, buf, e.filetype, e.fdflags,
                         e.base, e.inheriting)
        return 0

    def fd_fdstat_set_flags(self, caller, fd, flags):
        e = self.table.get(fd).require(abi.RIGHT_FD_FDSTAT_SET_FLAGS)
        if flags & ~abi.FDFLAGS_ALL:
            raise FsError(EINVAL)
        sync_bits = abi.FDFLAG_DSYNC | abi.FDFLAG_RSYNC | abi.FDFLAG_SYNC
        if e.kind == KIND_FILE:
            if (flags ^ e.fdflags) & sync_bits:
                raise FsError(ENOTSUP, "sync flags are fixed at open")
            self.fs.setfl(e.handle, flags & (abi.FDFLAG_APPEND
                                             | abi.FDFLAG_NONBLOCK))
        elif flags & sync_bits:
            raise FsError(ENOTSUP)
        e.fdflags = flags
        return 0

    def fd_fdstat_set_rights(self, caller, fd, base, inheriting):
        e = self.table.get(fd)
        if base & ~e.base or inheriting & ~e.inheriting:
            raise FsError(ENOTCAPABLE, "rights can only be dropped")
        e.base = base
        e.inheriting = inheriting
        return 0

    def fd_filestat_get(self, caller, fd, buf):
        m = GuestMemory.of(caller)
        e = self.table.get(fd).require(abi.RIGHT_FD_FILESTAT_GET)
        m.check(buf, abi.SIZE_FILESTAT)
        if e.kind == KIND_STREAM:
            st = Stat(filetype=e.filetype)
        else:
            st = self.fs.fstat(e.handle)
        _pack_filestat(m, buf, st)
        return 0

    def fd_filestat_set_size(self, caller, fd, size):
        e = self.table.get(fd).require(abi.RIGHT_FD_FILESTAT_SET_SIZE)
        if size > _I64_MAX:
            raise FsError(EINVAL)
        self.fs.ftruncate(e.handle, size)
        return 0

    def fd_filestat_set_times(self, caller, fd, atim, mtim, fst):
        e = self.table.get(fd).require(abi.RIGHT_FD_FILESTAT_SET_TIMES)
        a, mt = _times(fst, atim, mtim)
        if e.kind == KIND_STREAM:
            raise FsError(EINVAL)
        self.fs.futimens(e.handle, a, mt)
        return 0

    def _scatter(self, m, iovs, read):
        """Fill iovecs from ``read(n, done) -> bytes`` until a short read."""
        total = 0
        for buf, length in iovs:
            pos = 0
            while pos < length:
                want = min(length - pos, abi.IO_CHUNK)
                data = read(want, total)
                n = min(len(data), want)
                if n:
                    m.write(buf + pos, data[:n])
                pos += n
                total += n
                if n < want:
                    return total
        return total

    def _gather(self, m, iovs, write):
        """Write iovecs with ``write(bytes, done) -> n`` until a short
        write."""
        total = 0
        for buf, length in iovs:
            pos = 0
            while pos < length:
                want = min(length - pos, abi.IO_CHUNK)
                n = write(m.read(buf + pos, want), total)
                if n < 0 or n > want:
                    raise FsError(EIO, "bad write count")
                pos += n
                total += n
                if n < want:
                    return total
        return total

    def _stream_read(self, caller, e, m, iovs):
        stream = e.handle
        want = 0
        for _buf, length in iovs:
            want += length
        want = min(want, abi.IO_CHUNK)
        if want == 0:
            return 0
        if stream.can_wait():
            if e.fdflags & abi.FDFLAG_NONBLOCK:
                if not stream.ready(0):
                    raise FsError(abi.EAGAIN)
            else:
                while not stream.ready(0):
                    from wasmbed.wasi.poll import WAIT_SLICE_NS
                    self.wait_slice(caller, [stream], WAIT_SLICE_NS)
        lock = self._mutex
        if lock is not None:
            lock.release()
        try:
            data = stream.read(want)
        finally:
            if lock is not None:
                lock.acquire()
        done = 0
        for buf, length in iovs:
            if done >= len(data):
                break
            chunk = data[done:done + length]
            m.write(buf, chunk)
            done += len(chunk)
        return done

    def _stream_write(self, e, m, iovs):
        stream = e.handle
        lock = self._mutex
        if lock is not None:
            lock.release()
        try:
            return self._gather(
                m, iovs, lambda data, done: stream.write(data))
        finally:
            if lock is not None:
                lock.acquire()

    def _rw(self, caller, fd, iovs_ptr, iovs_len, n_ptr, right, offset, write):
        """fd_read/fd_write, and with an ``offset`` fd_pread/fd_pwrite
        (which need RIGHT_FD_SEEK too and refuse a stream: ESPIPE): move
        the iovecs' bytes, store the count at ``n_ptr``."""
        m = GuestMemory.of(caller)
        e = self.table.get(fd)
        if offset is not None:
            if e.kind == KIND_STREAM:
                raise FsError(ESPIPE)
            right |= abi.RIGHT_FD_SEEK
        e.require(right)
        iovs = m.iovecs(iovs_ptr, iovs_len)
        m.check(n_ptr, 4)
        if offset is not None and offset > _I64_MAX:
            raise FsError(EINVAL)
        fs, h = self.fs, e.handle
        if e.kind == KIND_STREAM:
            n = (self._stream_write(e, m, iovs) if write
                 else self._stream_read(caller, e, m, iovs))
        elif write:
            n = self._gather(m, iovs, (lambda data, done: fs.write(h, data))
                             if offset is None else
                             (lambda data, done: fs.pwrite(h, data, offset + done)))
        else:
            n = self._scatter(m, iovs, (lambda want, done: fs.read(h, want))
                              if offset is None else
                              (lambda want, done: fs.pread(h, want, offset + done)))
        m.set_u32(n_ptr, n)
        return 0

    def fd_read(self, caller, fd, iovs_ptr, iovs_len, nread_ptr):
        return self._rw(caller, fd, iovs_ptr, iovs_len, nread_ptr,
                        abi.RIGHT_FD_READ, None, False)

    def fd_pread(self, caller, fd, iovs_ptr, iovs_len, offset, nread_ptr):
        return self._rw(caller, fd, iovs_ptr, iovs_len, nread_ptr,
                        abi.RIGHT_FD_READ, offset, False)

    def fd_write(self, caller, fd, iovs_ptr, iovs_len, nwritten_ptr):
        return self._rw(caller, fd, iovs_ptr, iovs_len, nwritten_ptr,
                        abi.RIGHT_FD_WRITE, None, True)

    def fd_pwrite(self, caller, fd, iovs_ptr, iovs_len, offset, nwritten_ptr):
        return self._rw(caller, fd, iovs_ptr, iovs_len, nwritten_ptr,
                        abi.RIGHT_FD_WRITE, offset, True)

    def fd_prestat_get(self, caller, fd, buf):
        m = GuestMemory.of(caller)
        e = self.table.get(fd)
        if e.preopen is None:
            raise FsError(EBADF)
        m.check(buf, abi.SIZE_PRESTAT)
        struct.pack_into("<BxxxI", m.data, buf, abi.PREOPENTYPE_DIR,
                         len(e.preopen))
        return 0

    def fd_prestat_dir_name(self, caller, fd, path, path_len):
        m = GuestMemory.of(caller)
        e = self.table.get(fd)
        if e.preopen is None:
            raise FsError(EBADF)
        if path_len < len(e.preopen):
            raise FsError(ENAMETOOLONG)
        m.write(path, e.preopen)
        return 0

    def fd_readdir(self, caller, fd, buf, buf_len, cookie, bufused_ptr):
        m = GuestMemory.of(caller)
        e = self.table.get(fd)
        if e.kind != KIND_DIR:
            raise FsError(ENOTDIR)
        e.require(abi.RIGHT_FD_READDIR)
        m.check(buf, buf_len)
        m.check(bufused_ptr, 4)
        if cookie == 0 or e.listing is None:
            ino = self.fs.fstat(e.handle).ino
            # ".." reports the directory's own inode: nothing outside the
            # directory the guest holds is ever looked at.
            e.listing = [(b".", ino, abi.FILETYPE_DIRECTORY),
                         (b"..", ino, abi.FILETYPE_DIRECTORY)]
            e.listing.extend(self.fs.readdir(e.handle))
        listing = e.listing
        used = 0
        index = cookie
        header = bytearray(abi.SIZE_DIRENT)
        while index < len(listing) and used < buf_len:
            name, ino, ftype = listing[index]
            struct.pack_into("<QQIB", header, 0, index + 1, ino, len(name),
                             ftype)
            record = bytes(header) + name
            room = buf_len - used
            m.write(buf + used, record[:room])
            used += min(len(record), room)
            index += 1
        m.set_u32(bufused_ptr, used)
        return 0

    def fd_renumber(self, caller, fd, to):
        src = self.table.get(fd)
        dst = self.table.get(to)
        if fd == to:
            return 0
        self.table.remove(fd)
        self.table.set(to, src)
        self._release(dst)
        return 0

    def fd_seek(self, caller, fd, offset, whence, newoffset_ptr):
        m = GuestMemory.of(caller)
        e = self.table.get(fd)
        if e.kind == KIND_STREAM:
            raise FsError(ESPIPE)
        offset = _signed64(offset)
        if offset == 0 and whence == abi.WHENCE_CUR:
            e.require(abi.RIGHT_FD_TELL)
        else:
            e.require(abi.RIGHT_FD_SEEK)
        if whence > abi.WHENCE_END:
            raise FsError(EINVAL)
        m.check(newoffset_ptr, 8)
        m.set_u64(newoffset_ptr, self.fs.seek(e.handle, offset, whence))
        return 0

    def fd_tell(self, caller, fd, offset_ptr):
        m = GuestMemory.of(caller)
        e = self.table.get(fd)
        if e.kind == KIND_STREAM:
            raise FsError(ESPIPE)
        e.require(abi.RIGHT_FD_TELL)
        m.check(offset_ptr, 8)
        m.set_u64(offset_ptr, self.fs.seek(e.handle, 0, abi.WHENCE_CUR))
        return 0

    # ------------------------------------------------------------------
    # path_*
    # ------------------------------------------------------------------
    def _dir(self, fd, rights):
        return self.table.get(fd).require_dir(rights)

    def _resolve(self, m, d, ptr, length, follow):
        if length > abi.PATH_MAX:
            m.check(ptr, length)
            raise FsError(ENAMETOOLONG)
        from wasmbed.wasi.paths import resolve
        return resolve(self.fs, d.handle, m.string(ptr, length), follow)

    def _at(self, caller, fd, right, path, path_len, fn):
        """``fn(dir, name)`` on the path resolved from directory fd (which
        needs ``right``), without following a final symlink."""
        m = GuestMemory.of(caller)
        r = self._resolve(m, self._dir(fd, right), path, path_len, False)
        try:
            fn(r.dir, r.name)
        finally:
            r.close()
        return 0

    def path_create_directory(self, caller, fd, path, path_len):
        return self._at(caller, fd, abi.RIGHT_PATH_CREATE_DIRECTORY, path,
                        path_len, self.fs.mkdirat)

    def path_filestat_get(self, caller, fd, flags, path, path_len, buf):
        m = GuestMemory.of(caller)
        d = self._dir(fd, abi.RIGHT_PATH_FILESTAT_GET)
        m.check(buf, abi.SIZE_FILESTAT)
        r = self._resolve(m, d, path, path_len,
                          flags & abi.LOOKUP_SYMLINK_FOLLOW)
        try:
            st = self.fs.statat(r.dir, r.name, False)
        finally:
            r.close()
        if r.trailing and st.filetype != abi.FILETYPE_DIRECTORY:
            raise FsError(ENOTDIR)
        _pack_filestat(m, buf, st)
        return 0

    def path_filestat_set_times(self, caller, fd, flags, path, path_len, atim,
                                mtim, fst):
        m = GuestMemory.of(caller)
        d = self._dir(fd, abi.RIGHT_PATH_FILESTAT_SET_TIMES)
        a, mt = _times(fst, atim, mtim)
        r = self._resolve(m, d, path, path_len,
                          flags & abi.LOOKUP_SYMLINK_FOLLOW)
        try:
            if r.trailing:
                r.must_be_dir()
            self.fs.utimensat(r.dir, r.name, a, mt, False)
        finally:
            r.close()
        return 0

    def path_link(self, caller, old_fd, old_flags, old_path, old_len, new_fd,
                  new_path, new_len):
        m = GuestMemory.of(caller)
        od = self._dir(old_fd, abi.RIGHT_PATH_LINK_SOURCE)
        nd = self._dir(new_fd, abi.RIGHT_PATH_LINK_TARGET)
        old = self._resolve(m, od, old_path, old_len,
                            old_flags & abi.LOOKUP_SYMLINK_FOLLOW)
        try:
            new = self._resolve(m, nd, new_path, new_len, False)
            try:
                if old.trailing:
                    old.must_be_dir()
                if new.trailing:
                    raise FsError(EEXIST if new.lstat() else ENOENT)
                self.fs.linkat(old.dir, old.name, new.dir, new.name)
            finally:
                new.close()
        finally:
            old.close()
        return 0

    def path_open(self, caller, fd, dirflags, path, path_len, oflags, base,
                  inheriting, fdflags, opened_ptr):
        m = GuestMemory.of(caller)
        d = self._dir(fd, abi.RIGHT_PATH_OPEN)
        m.check(opened_ptr, 4)
        if oflags & ~abi.OFLAGS_ALL or fdflags & ~abi.FDFLAGS_ALL:
            raise FsError(EINVAL)
        needed = abi.RIGHT_PATH_OPEN
        if oflags & abi.OFLAG_CREAT:
            needed |= abi.RIGHT_PATH_CREATE_FILE
        if oflags & abi.OFLAG_TRUNC:
            needed |= abi.RIGHT_PATH_FILESTAT_SET_SIZE
        d.require(needed)
        base &= d.inheriting
        inheriting &= d.inheriting
        flags = O_NOFOLLOW
        # the platform's open flags for the rights, oflags and fdflags asked
        for given, bit, flag in (
                (base, abi.RIGHTS_READING, O_READ), (base, abi.RIGHTS_WRITING, O_WRITE),
                (oflags, abi.OFLAG_DIRECTORY, O_DIRECTORY), (oflags, abi.OFLAG_CREAT, O_CREAT),
                (oflags, abi.OFLAG_EXCL, O_EXCL), (oflags, abi.OFLAG_TRUNC, O_TRUNC),
                (fdflags, abi.FDFLAG_APPEND, O_APPEND), (fdflags, abi.FDFLAG_NONBLOCK, O_NONBLOCK),
                (fdflags, abi.FDFLAG_DSYNC, O_DSYNC), (fdflags, abi.FDFLAG_SYNC, O_SYNC),
                (fdflags, abi.FDFLAG_RSYNC, O_RSYNC)):
            if given & bit:
                flags |= flag
        r = self._resolve(m, d, path, path_len,
                          dirflags & abi.LOOKUP_SYMLINK_FOLLOW)
        try:
            if r.trailing:
                flags |= O_DIRECTORY
            if flags & O_DIRECTORY and flags & O_CREAT:
                raise FsError(EISDIR if r.trailing else EINVAL)
            try:
                handle = self.fs.openat(r.dir, r.name, flags)
            except FsError as exc:
                # A directory cannot be opened for writing. Rights that only
                # imply writing (allocate, set size) are dropped for it; an
                # explicit FD_WRITE keeps the EISDIR.
                if exc.errno != EISDIR or base & abi.RIGHT_FD_WRITE or \
                        not flags & O_WRITE or flags & O_CREAT:
                    raise
                handle = self.fs.openat(r.dir, r.name, flags & ~O_WRITE)
        finally:
            r.close()
        try:
            st = self.fs.fstat(handle)
            if st.filetype == abi.FILETYPE_DIRECTORY:
                entry = FdEntry(KIND_DIR, handle, st.filetype,
                                base & abi.RIGHTS_DIR,
                                inheriting & abi.RIGHTS_DIR_INHERITING,
                                fdflags)
            else:
                entry = FdEntry(KIND_FILE, handle, st.filetype,
                                base & abi.RIGHTS_FILE,
                                inheriting & abi.RIGHTS_FILE, fdflags)
            new_fd = self.table.insert(entry)
        except BaseException:
            self.fs.close(handle)
            raise
        if d.preopen is not None:
            entry.path = (d.preopen, m.read(path, path_len))
        elif d.path is not None:
            entry.path = (d.path[0], d.path[1] + b"/" + m.read(path, path_len))
        m.set_u32(opened_ptr, new_fd)
        return 0

    def path_readlink(self, caller, fd, path, path_len, buf, buf_len,
                      bufused_ptr):
        m = GuestMemory.of(caller)
        d = self._dir(fd, abi.RIGHT_PATH_READLINK)
        m.check(buf, buf_len)
        m.check(bufused_ptr, 4)
        r = self._resolve(m, d, path, path_len, False)
        try:
            target = self.fs.readlinkat(r.dir, r.name)
        finally:
            r.close()
        n = min(len(target), buf_len)
        m.write(buf, target[:n])
        m.set_u32(bufused_ptr, n)
        return 0

    def path_remove_directory(self, caller, fd, path, path_len):
        return self._at(caller, fd, abi.RIGHT_PATH_REMOVE_DIRECTORY, path,
                        path_len, self.fs.rmdirat)

    def path_rename(self, caller, fd, old_path, old_len, new_fd, new_path,
                    new_len):
        m = GuestMemory.of(caller)
        od = self._dir(fd, abi.RIGHT_PATH_RENAME_SOURCE)
        nd = self._dir(new_fd, abi.RIGHT_PATH_RENAME_TARGET)
        old = self._resolve(m, od, old_path, old_len, False)
        try:
            new = self._resolve(m, nd, new_path, new_len, False)
            try:
                if old.trailing or new.trailing:
                    old.must_be_dir()
                self.fs.renameat(old.dir, old.name, new.dir, new.name)
            finally:
                new.close()
        finally:
            old.close()
        return 0

    def path_symlink(self, caller, old_path, old_len, fd, new_path, new_len):
        m = GuestMemory.of(caller)
        d = self._dir(fd, abi.RIGHT_PATH_SYMLINK)
        if old_len > abi.PATH_MAX:
            m.check(old_path, old_len)
            raise FsError(ENAMETOOLONG)
        target = m.string(old_path, old_len)
        if not target:
            raise FsError(ENOENT)
        if target[:1] == b"/":
            # Never store a link that points out of the sandbox by itself.
            raise FsError(ENOTCAPABLE, "absolute symlink target")
        r = self._resolve(m, d, new_path, new_len, False)
        try:
            if r.trailing:
                raise FsError(r.trailing_errno(EEXIST))
            self.fs.symlinkat(target, r.dir, r.name)
        finally:
            r.close()
        return 0

    def path_unlink_file(self, caller, fd, path, path_len):
        m = GuestMemory.of(caller)
        d = self._dir(fd, abi.RIGHT_PATH_UNLINK_FILE)
        r = self._resolve(m, d, path, path_len, False)
        try:
            if r.trailing:
                raise FsError(r.trailing_errno(EISDIR))
            self.fs.unlinkat(r.dir, r.name)
        finally:
            r.close()
        return 0

    # ------------------------------------------------------------------
    # poll, sockets
    # ------------------------------------------------------------------
    def poll_oneoff(self, caller, in_ptr, out_ptr, nsubscriptions,
                    nevents_ptr):
        m = GuestMemory.of(caller)
        from wasmbed.wasi import poll as _poll
        return _poll.poll_oneoff(self, caller, m, in_ptr, out_ptr,
                                 nsubscriptions, nevents_ptr)

    def _socket(self, fd):
        e = self.table.get(fd)
        if e.filetype not in (abi.FILETYPE_SOCKET_STREAM,
                              abi.FILETYPE_SOCKET_DGRAM) or \
                e.kind != KIND_STREAM:
            raise FsError(ENOTSOCK)
        # No platform offers sockets to WASI yet.
        raise FsError(ENOTSUP)

    def sock_accept(self, caller, fd, flags, fd_ptr):
        self._socket(fd)

    def sock_recv(self, caller, fd, ri_data, ri_data_len, ri_flags,
                  ro_datalen_ptr, ro_flags_ptr):
        self._socket(fd)

    def sock_send(self, caller, fd, si_data, si_data_len, si_flags,
                  so_datalen_ptr):
        self._socket(fd)

    def sock_shutdown(self, caller, fd, how):
        self._socket(fd)
