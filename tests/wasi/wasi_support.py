"""Helpers for the WASI tests: a fake caller, a stand-in platform, and a
runner that executes a real .wasm under the wasmtime package with OUR
``wasmbed.wasi`` functions as its imports (so WASI is tested against real
guest programs independently of wasmbed's own engine).
"""

import ctypes
import io
import os
import struct
import threading
import time

from wasmbed.core.errors import ProcExit
from wasmbed.platform.linux.files import LinuxFileSystem
from wasmbed.wasi import Wasi, WasiConfig


class FakeMemory:
    def __init__(self, size=65536):
        self.data = bytearray(size)


class FakeCaller:
    """What the core hands to a WASI function: ``.memory.data`` and
    ``check_terminate()`` (raises ``terminate_with`` when set)."""

    def __init__(self, size=65536, memory=True):
        self.memory = FakeMemory(size) if memory else None
        self.terminate_with = None
        self.terminate_checks = 0

    def check_terminate(self):
        self.terminate_checks += 1
        if self.terminate_with is not None:
            raise self.terminate_with


class _Mutex:
    def __init__(self):
        self._lock = threading.Lock()

    def acquire(self, timeout_ns=-1):
        if timeout_ns < 0:
            return self._lock.acquire()
        return self._lock.acquire(timeout=timeout_ns / 1e9)

    def release(self):
        self._lock.release()


class WaitableInput:
    """A console-like input stream: read(n), write(b), readable(timeout_ns).
    ``feed()`` adds bytes; ``close()`` marks end of file."""

    def __init__(self):
        self._buf = bytearray()
        self._eof = False
        self._cond = threading.Condition()
        self.waits = []

    def feed(self, data):
        with self._cond:
            self._buf += data
            self._cond.notify_all()

    def close(self):
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def readable(self, timeout_ns):
        self.waits.append(timeout_ns)
        with self._cond:
            if not self._buf and not self._eof and timeout_ns > 0:
                self._cond.wait(timeout_ns / 1e9)
            return bool(self._buf) or self._eof

    def read(self, n):
        with self._cond:
            while not self._buf and not self._eof:
                self._cond.wait()
            out = bytes(self._buf[:n])
            del self._buf[:n]
            return out

    def write(self, data):
        raise OSError("not writable")


class HostPlatform:
    """The parts of the platform interface WASI uses, for tests (the real
    LinuxPlatform is written elsewhere). Console streams are BytesIO unless
    given."""

    def __init__(self, stdin=None, stdout=None, stderr=None, files=True,
                 mutex=True):
        self.stdin = stdin if stdin is not None else io.BytesIO()
        self.stdout = stdout if stdout is not None else io.BytesIO()
        self.stderr = stderr if stderr is not None else io.BytesIO()
        self.files = LinuxFileSystem() if files else None
        if mutex:
            self.mutex_new = _Mutex
        self.sleeps = []

    _CLOCKS = {0: time.CLOCK_REALTIME, 1: time.CLOCK_MONOTONIC,
               2: time.CLOCK_PROCESS_CPUTIME_ID,
               3: time.CLOCK_THREAD_CPUTIME_ID}

    def clock_ns(self, clock_id):
        return time.clock_gettime_ns(self._CLOCKS[clock_id])

    def clock_res_ns(self, clock_id):
        return int(time.clock_getres(self._CLOCKS[clock_id]) * 1e9) or 1

    def sleep_ns(self, ns):
        self.sleeps.append(ns)
        time.sleep(ns / 1e9)

    def random_bytes(self, n):
        return os.urandom(n)

    def thread_yield(self):
        time.sleep(0)


# ---------------------------------------------------------------------------
# Running a real module under wasmtime with our WASI functions.
# ---------------------------------------------------------------------------

class _WasmtimeMemory:
    def __init__(self, caller):
        import wasmtime
        mem = caller.get("memory")
        if not isinstance(mem, wasmtime.Memory):
            raise LookupError
        n = mem.data_len(caller)
        ptr = mem.data_ptr(caller)
        addr = ctypes.addressof(ptr.contents)
        self.data = memoryview((ctypes.c_ubyte * n).from_address(addr)).cast("B")


class _WasmtimeCaller:
    def __init__(self, caller):
        try:
            self.memory = _WasmtimeMemory(caller)
        except LookupError:
            self.memory = None

    def check_terminate(self):
        pass


def run_with_wasmtime(wasm_path, config, platform=None, invoke="_start"):
    """Run ``wasm_path`` under wasmtime with wasmbed's WASI. Returns
    (exit_code, wasi). proc_exit(n) gives n; _start returning gives 0."""
    import wasmtime

    platform = platform or HostPlatform()
    wasi = Wasi(config, platform)
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module.from_file(engine, wasm_path)
    linker = wasmtime.Linker(engine)
    vt = {"i32": wasmtime.ValType.i32(), "i64": wasmtime.ValType.i64()}
    for name, params, results, fn in wasi.imports():
        masks = [0xFFFFFFFF if p == "i32" else 0xFFFFFFFFFFFFFFFF
                 for p in params]

        def host(caller, *args, fn=fn, masks=masks, results=results):
            args = [a & mk for a, mk in zip(args, masks)]
            r = fn(_WasmtimeCaller(caller), *args)
            if results:
                return r - (1 << 32) if r >= 1 << 31 else r
            return None

        ftype = wasmtime.FuncType([vt[p] for p in params],
                                  [vt[r] for r in results])
        linker.define_func("wasi_snapshot_preview1", name, ftype, host,
                           access_caller=True)
    instance = linker.instantiate(store, module)
    code = 0
    try:
        instance.exports(store)[invoke](store)
    except ProcExit as exc:
        code = exc.code
    finally:
        wasi.close()
    return code, wasi


def put_iovecs(mem, at, bufs):
    """Write an iovec array at ``at`` for [(ptr, len)]; returns ``at``."""
    for i, (ptr, length) in enumerate(bufs):
        struct.pack_into("<II", mem, at + 8 * i, ptr, length)
    return at


def make_config(**kw):
    return WasiConfig(**kw)


# ---------------------------------------------------------------------------
# Calling WASI functions directly, as the core would.
# ---------------------------------------------------------------------------

class Guest:
    """Drives a Wasi through its import functions with a FakeCaller.

    ``g.fd_write(1, iovs, 1, out)`` calls the import of that name and returns
    its errno. Helpers put strings/iovecs into memory and read results.
    """

    SCRATCH = 4096

    def __init__(self, wasi, caller=None):
        self.wasi = wasi
        self.caller = caller or FakeCaller()
        self.fns = {name: fn for name, _p, _r, fn in wasi.imports()}
        self.reset()

    @property
    def mem(self):
        return self.caller.memory.data

    def reset(self):
        self.top = self.SCRATCH

    def __getattr__(self, name):
        fn = self.fns.get(name)
        if fn is None:
            raise AttributeError(name)
        return lambda *args: fn(self.caller, *args)

    def alloc(self, n, align=8):
        self.top = (self.top + align - 1) // align * align
        p = self.top
        self.top += max(n, 1)
        assert self.top <= len(self.mem), "test scratch memory exhausted"
        return p

    def put(self, data):
        if isinstance(data, str):
            data = data.encode()
        p = self.alloc(len(data))
        self.mem[p:p + len(data)] = data
        return p, len(data)

    def u32(self, p):
        return struct.unpack_from("<I", self.mem, p)[0]

    def u64(self, p):
        return struct.unpack_from("<Q", self.mem, p)[0]

    # -- conveniences returning (errno, value) --------------------------
    def open(self, path, oflags=0, base=(1 << 30) - 1, inheriting=(1 << 30) - 1,
             fdflags=0, dirfd=3, follow=0):
        p, n = self.put(path)
        out = self.alloc(4)
        err = self.path_open(dirfd, follow, p, n, oflags, base, inheriting,
                             fdflags, out)
        return err, (self.u32(out) if err == 0 else None)

    def write(self, fd, *chunks):
        bufs = [self.put(c) for c in chunks]
        iov = self.alloc(8 * len(bufs))
        put_iovecs(self.mem, iov, bufs)
        out = self.alloc(4)
        err = self.fd_write(fd, iov, len(bufs), out)
        return err, (self.u32(out) if err == 0 else None)

    def read(self, fd, *sizes):
        bufs = [(self.alloc(s), s) for s in sizes]
        iov = self.alloc(8 * len(bufs))
        put_iovecs(self.mem, iov, bufs)
        out = self.alloc(4)
        err = self.fd_read(fd, iov, len(bufs), out)
        if err:
            return err, None
        n = self.u32(out)
        data = b""
        for p, s in bufs:
            take = min(s, n - len(data))
            data += bytes(self.mem[p:p + take])
        return err, data

    def filestat(self, fd):
        out = self.alloc(64)
        err = self.fd_filestat_get(fd, out)
        return err, (unpack_filestat(self.mem, out) if err == 0 else None)

    def path_stat(self, path, follow=0, dirfd=3):
        p, n = self.put(path)
        out = self.alloc(64)
        err = self.path_filestat_get(dirfd, follow, p, n, out)
        return err, (unpack_filestat(self.mem, out) if err == 0 else None)

    def fdstat(self, fd):
        out = self.alloc(24)
        err = self.fd_fdstat_get(fd, out)
        if err:
            return err, None
        ftype, flags, base, inh = struct.unpack_from("<BxHxxxxQQ", self.mem,
                                                     out)
        return err, {"filetype": ftype, "flags": flags, "base": base,
                     "inheriting": inh}

    def path_call(self, name, *args):
        """Call a path function; str/bytes args become (ptr, len) pairs."""
        flat = []
        for a in args:
            if isinstance(a, (str, bytes)):
                flat.extend(self.put(a))
            else:
                flat.append(a)
        return self.fns[name](self.caller, *flat)


def unpack_filestat(mem, p):
    dev, ino, ftype, nlink, size, atim, mtim, ctim = struct.unpack_from(
        "<QQBxxxxxxxQQQQQ", mem, p)
    return {"dev": dev, "ino": ino, "filetype": ftype, "nlink": nlink,
            "size": size, "atim": atim, "mtim": mtim, "ctim": ctim}


class RecordingFS(LinuxFileSystem):
    """LinuxFileSystem that records every name it is asked about, to prove
    the WASI layer only ever passes single components."""

    def __init__(self):
        self.names = []

    def _rec(self, *names):
        self.names.extend(names)

    def openat(self, dir, name, flags, mode=0o666):
        self._rec(name)
        return LinuxFileSystem.openat(self, dir, name, flags, mode)

    def statat(self, dir, name, follow=False):
        self._rec(name)
        assert follow is False
        return LinuxFileSystem.statat(self, dir, name, follow)

    def readlinkat(self, dir, name):
        self._rec(name)
        return LinuxFileSystem.readlinkat(self, dir, name)

    def utimensat(self, dir, name, atim, mtim, follow=False):
        self._rec(name)
        assert follow is False
        return LinuxFileSystem.utimensat(self, dir, name, atim, mtim, follow)

    def mkdirat(self, dir, name):
        self._rec(name)
        return LinuxFileSystem.mkdirat(self, dir, name)

    def unlinkat(self, dir, name):
        self._rec(name)
        return LinuxFileSystem.unlinkat(self, dir, name)

    def rmdirat(self, dir, name):
        self._rec(name)
        return LinuxFileSystem.rmdirat(self, dir, name)

    def renameat(self, od, on, nd, nn):
        self._rec(on, nn)
        return LinuxFileSystem.renameat(self, od, on, nd, nn)

    def linkat(self, od, on, nd, nn):
        self._rec(on, nn)
        return LinuxFileSystem.linkat(self, od, on, nd, nn)

    def symlinkat(self, target, dir, name):
        self._rec(name)
        return LinuxFileSystem.symlinkat(self, target, dir, name)


def snapshot(root):
    """Everything observable about a directory tree: names, types, link
    targets, sizes, access and modification times and file contents.

    With a file's atime set older than its mtime, any read of it moves the
    atime (Linux relatime), so an unchanged snapshot also shows that nothing
    was read."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir", st.st_mtime_ns)
            else:
                with open(p, "rb") as f:
                    data = f.read()
                # put the access time back: reading here must not hide (or
                # fake) a read by the guest
                os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
                out[rel] = ("file", st.st_size, st.st_mtime_ns,
                            st.st_atime_ns, data)
    return out


def open_fd_count():
    return len(os.listdir("/proc/self/fd"))
