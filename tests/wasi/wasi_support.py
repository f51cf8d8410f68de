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
