"""wasi_snapshot_preview1 host functions, one by one, called as the core
calls them (a fake caller with a bytearray memory) over real temporary
directories. Expected errno values are the WASI spec's (tests/wasi/wasi_spec).
"""

import io
import os
import struct
import threading
import time

import pytest

import wasi_spec as S
from wasi_support import (FakeCaller, Guest, HostPlatform,
                          WaitableInput, open_fd_count, put_iovecs)

from wasmbed.core.errors import (HostOutOfMemory, InstantiationError, ProcExit,
                                 Terminated, Trap)
from wasmbed.wasi import Wasi, WasiConfig


@pytest.fixture
def box(tmp_path):
    root = tmp_path / "box"
    root.mkdir()
    (root / "hello.txt").write_bytes(b"hello world")
    (root / "sub").mkdir()
    (root / "sub" / "inner.txt").write_bytes(b"inner")
    return root


def make(box=None, platform=None, **kw):
    dirs = kw.pop("dirs", None)
    if dirs is None and box is not None:
        dirs = {"/box": str(box)}
    wasi = Wasi(WasiConfig(dirs=dirs, **kw), platform or HostPlatform())
    return Guest(wasi)


@pytest.fixture
def g(box):
    guest = make(box)
    yield guest
    guest.wasi.close()


# ---------------------------------------------------------------------------
# The import list
# ---------------------------------------------------------------------------

def test_imports_list_every_preview1_function_with_its_signature():
    wasi = Wasi(WasiConfig(), HostPlatform())
    types = {"i": "i32", "I": "i64"}
    got = {name: (params, results) for name, params, results, _ in
           wasi.imports()}
    want = {name: (tuple(types[c] for c in p), tuple(types[c] for c in r))
            for name, (p, r) in S.FUNCTIONS.items()}
    assert got == want
    assert all(callable(fn) for _n, _p, _r, fn in wasi.imports())


# ---------------------------------------------------------------------------
# args / environ
# ---------------------------------------------------------------------------

def test_args_sizes_and_get():
    g = make(args=["prog", "héllo", b"x y"])
    assert g.args_sizes_get(100, 104) == S.SUCCESS
    assert g.u32(100) == 3
    assert g.u32(104) == len("prog\0héllo\0x y\0".encode())
    assert g.args_get(200, 300) == S.SUCCESS
    ptrs = [g.u32(200 + 4 * i) for i in range(3)]
    assert ptrs[0] == 300
    blob = bytes(g.mem[300:300 + g.u32(104)])
    assert blob == "prog\0héllo\0x y\0".encode()
    assert [bytes(g.mem[p:blob.index(b"\0", p - 300) + 300]) for p in ptrs] \
        == [b"prog", "héllo".encode(), b"x y"]


def test_environ_forms_and_default_is_empty():
    g = make()
    assert g.environ_sizes_get(100, 104) == S.SUCCESS
    assert (g.u32(100), g.u32(104)) == (0, 0)
    for env in ({"A": "1", "B": "two"}, [("A", "1"), ("B", "two")],
                ["A=1", "B=two"]):
        g = make(env=env)
        assert g.environ_sizes_get(100, 104) == S.SUCCESS
        assert (g.u32(100), g.u32(104)) == (2, 10)
        assert g.environ_get(200, 300) == S.SUCCESS
        assert bytes(g.mem[300:310]) == b"A=1\0B=two\0"
        assert g.u32(204) == 304


def test_args_get_out_of_bounds_is_efault_and_writes_nothing():
    g = make(args=["prog", "arg"])
    size = len(g.mem)
    assert g.args_get(200, size - 3) == S.EFAULT
    assert g.args_get(size - 4, 300) == S.EFAULT
    assert g.args_sizes_get(size - 2, 0) == S.EFAULT
    assert bytes(g.mem[300:310]) == bytes(10)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError):
        WasiConfig(env=["NOEQUALS"])
    with pytest.raises(ValueError):
        WasiConfig(env={"A=B": "x"})
    with pytest.raises(ValueError):
        WasiConfig(args=["a\0b"])
    with pytest.raises(TypeError):
        WasiConfig(args=[1])


def test_instantiate_takes_only_a_config_or_a_context_as_wasi():
    import wasmbed
    rt = wasmbed.Runtime()
    mod = rt.load(bytes.fromhex("0061736d01000000"))
    with pytest.raises(TypeError, match="WasiConfig or a Wasi, got dict"):
        rt.instantiate(mod, wasi={"args": ["prog"]})
    rt.instantiate(mod, wasi=WasiConfig(args=["prog"]))


def test_config_dirs_forms(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    c1 = WasiConfig(dirs={"/ga": str(a), "gb": b})
    c2 = WasiConfig(dirs=[(str(a), "/ga"), (b, "gb")])
    c3 = WasiConfig(dirs=["%s::/ga" % a, "%s::gb" % b])
    assert c1.dirs == c2.dirs == c3.dirs == [("/ga", str(a)), ("gb", str(b))]
    assert WasiConfig(dirs=[str(a)]).dirs == [(str(a), str(a))]


# ---------------------------------------------------------------------------
# clocks, random, process
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("clock_id", [0, 1, 2, 3])
def test_clock_res_and_time(clock_id):
    g = make()
    assert g.clock_res_get(clock_id, 100) == S.SUCCESS
    assert 0 < g.u64(100) <= 1000000000
    assert g.clock_time_get(clock_id, 1, 200) == S.SUCCESS
    t1 = g.u64(200)
    assert g.clock_time_get(clock_id, 1, 200) == S.SUCCESS
    assert g.u64(200) >= t1


def test_realtime_clock_is_wall_clock():
    g = make()
    before = time.time_ns()
    assert g.clock_time_get(0, 0, 8) == S.SUCCESS
    assert before - 10**9 <= g.u64(8) <= time.time_ns() + 10**9


def test_clock_bad_id_and_bad_pointer():
    g = make()
    assert g.clock_res_get(4, 100) == S.EINVAL
    assert g.clock_time_get(0xFFFFFFFF, 0, 100) == S.EINVAL
    assert g.clock_time_get(1, 0, len(g.mem) - 7) == S.EFAULT
    assert g.clock_res_get(1, len(g.mem)) == S.EFAULT


def test_random_get_fills_and_checks_bounds():
    g = make()
    assert g.random_get(1000, 0) == S.SUCCESS
    assert g.random_get(1000, 4096) == S.SUCCESS
    assert bytes(g.mem[1000:5096]) != bytes(4096)
    assert g.random_get(len(g.mem) - 10, 11) == S.EFAULT
    big = Guest(Wasi(WasiConfig(), HostPlatform()), FakeCaller(1 << 21))
    assert big.random_get(0, 1 << 20) == S.SUCCESS
    assert bytes(big.mem[(1 << 20) - 64:1 << 20]) != bytes(64)


def test_proc_exit_raises_procexit_with_code():
    g = make()
    with pytest.raises(ProcExit) as info:
        g.proc_exit(33)
    assert info.value.code == 33
    assert g.wasi.exit_code == 33


def test_proc_raise_and_sched_yield():
    g = make()
    assert g.proc_raise(6) == S.ENOSYS
    assert g.sched_yield() == S.SUCCESS


# ---------------------------------------------------------------------------
# stdio
# ---------------------------------------------------------------------------

def test_fd_write_to_configured_stdout_and_stderr_gathers_iovecs():
    out, err = io.BytesIO(), io.BytesIO()
    g = make(stdout=out, stderr=err)
    assert g.write(1, "hel", "", "lo\n") == (S.SUCCESS, 6)
    assert g.write(2, "oops") == (S.SUCCESS, 4)
    assert out.getvalue() == b"hello\n"
    assert err.getvalue() == b"oops"


def test_stdio_defaults_to_platform_console():
    plat = HostPlatform(stdin=io.BytesIO(b"typed"))
    g = make(platform=plat)
    assert g.write(1, "to console") == (S.SUCCESS, 10)
    assert plat.stdout.getvalue() == b"to console"
    assert g.read(0, 100) == (S.SUCCESS, b"typed")


def test_text_stream_is_used_through_its_buffer():
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8")
    g = make(stdout=text)
    assert g.write(1, "abc") == (S.SUCCESS, 3)
    assert raw.getvalue() == b"abc"


def test_fd_read_from_stdin_scatters_and_reaches_eof():
    g = make(stdin=io.BytesIO(b"0123456789"))
    assert g.read(0, 4, 3) == (S.SUCCESS, b"0123456")
    assert g.read(0, 100) == (S.SUCCESS, b"789")
    assert g.read(0, 100) == (S.SUCCESS, b"")


def test_stdio_rights_and_types():
    g = make()
    err, st = g.fdstat(0)
    assert err == S.SUCCESS
    assert st["base"] & S.RIGHT_FD_READ and not st["base"] & S.RIGHT_FD_WRITE
    assert not st["base"] & (S.RIGHT_FD_SEEK | S.RIGHT_FD_TELL)
    err, st = g.fdstat(1)
    assert st["base"] & S.RIGHT_FD_WRITE and not st["base"] & S.RIGHT_FD_READ
    assert st["filetype"] == S.FILETYPE_UNKNOWN     # BytesIO is no terminal
    assert g.write(0, "x")[0] == S.ENOTCAPABLE
    assert g.read(1, 4)[0] == S.ENOTCAPABLE


def test_broken_stdout_pipe_is_epipe_and_other_stream_errors_eio():
    class Broken:
        def __init__(self, exc):
            self.exc = exc

        def write(self, b):
            raise self.exc

        def read(self, n):
            raise self.exc
    g = make(stdout=Broken(BrokenPipeError(32, "Broken pipe")),
             stderr=Broken(OSError(5, "I/O error")),
             stdin=Broken(OSError(9, "bad fd")))
    assert g.write(1, "x")[0] == 64
    assert g.write(2, "x")[0] == S.EIO
    assert g.read(0, 4)[0] == S.EIO
    assert g.wasi.last_error is None


def test_terminal_stdout_is_a_character_device():
    class Tty(io.BytesIO):
        def isatty(self):
            return True
    g = make(stdout=Tty())
    assert g.fdstat(1)[1]["filetype"] == S.FILETYPE_CHARACTER_DEVICE


def test_seek_on_stream_is_espipe():
    g = make()
    assert g.fd_seek(1, 0, S.WHENCE_SET, 100) == S.ESPIPE
    assert g.fd_tell(0, 100) == S.ESPIPE
    p, n = g.put("x")
    iov = put_iovecs(g.mem, 200, [(p, n)])
    assert g.fd_pwrite(1, iov, 1, 0, 300) == S.ESPIPE
    assert g.fd_pread(0, iov, 1, 0, 300) == S.ESPIPE


def test_blocking_stdin_read_waits_in_slices_and_sees_data():
    stdin = WaitableInput()
    g = make(platform=HostPlatform(stdin=stdin))
    threading.Timer(0.2, stdin.feed, (b"late",)).start()
    t0 = time.monotonic()
    assert g.read(0, 10) == (S.SUCCESS, b"late")
    assert time.monotonic() - t0 >= 0.15
    assert max(stdin.waits) <= 50 * 1000 * 1000
    assert g.caller.terminate_checks >= 1


def test_blocking_stdin_read_is_interrupted_by_terminate():
    stdin = WaitableInput()
    g = make(platform=HostPlatform(stdin=stdin))
    threading.Timer(0.1, setattr,
                    (g.caller, "terminate_with", Terminated())).start()
    t0 = time.monotonic()
    with pytest.raises(Terminated):
        g.read(0, 10)
    assert time.monotonic() - t0 < 1.0


def test_nonblocking_stdin_gives_eagain():
    stdin = WaitableInput()
    g = make(platform=HostPlatform(stdin=stdin))
    assert g.fd_fdstat_set_flags(0, S.FDFLAG_NONBLOCK) == S.SUCCESS
    assert g.read(0, 10)[0] == S.EAGAIN
    stdin.feed(b"z")
    assert g.read(0, 10) == (S.SUCCESS, b"z")


# ---------------------------------------------------------------------------
# preopens and fdstat
# ---------------------------------------------------------------------------

def test_prestat_of_preopens_in_order(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    g = make(dirs=[(str(tmp_path / "a"), "/first"), (str(tmp_path / "b"), ".")])
    assert g.fd_prestat_get(3, 100) == S.SUCCESS
    assert g.mem[100] == 0 and g.u32(104) == len("/first")
    assert g.fd_prestat_dir_name(3, 200, 6) == S.SUCCESS
    assert bytes(g.mem[200:206]) == b"/first"
    assert g.fd_prestat_dir_name(4, 300, 10) == S.SUCCESS
    assert bytes(g.mem[300:302]) == b".\0"
    assert g.fd_prestat_dir_name(3, 200, 5) == S.ENAMETOOLONG
    assert g.fd_prestat_get(5, 100) == S.EBADF
    assert g.fd_prestat_get(1, 100) == S.EBADF
    assert g.fd_prestat_get(3, len(g.mem) - 4) == S.EFAULT


def test_preopen_fdstat_rights(g):
    err, st = g.fdstat(3)
    assert err == S.SUCCESS
    assert st["filetype"] == S.FILETYPE_DIRECTORY
    assert st["flags"] == 0
    assert st["base"] & S.RIGHT_PATH_OPEN
    assert st["base"] & S.RIGHT_FD_READDIR
    assert not st["base"] & (S.RIGHT_FD_READ | S.RIGHT_FD_WRITE
                             | S.RIGHT_FD_FILESTAT_SET_SIZE)
    assert st["inheriting"] & S.RIGHT_FD_READ
    assert st["inheriting"] & S.RIGHT_FD_WRITE
    assert g.fd_fdstat_get(99, 100) == S.EBADF


def test_missing_preopen_directory_fails_instantiation(tmp_path):
    with pytest.raises(InstantiationError):
        Wasi(WasiConfig(dirs={"/x": str(tmp_path / "nope")}), HostPlatform())
    (tmp_path / "f").write_text("x")
    with pytest.raises(InstantiationError):
        Wasi(WasiConfig(dirs={"/x": str(tmp_path / "f")}), HostPlatform())


def test_platform_without_files(tmp_path):
    with pytest.raises(InstantiationError):
        Wasi(WasiConfig(dirs={"/x": str(tmp_path)}), HostPlatform(files=False))
    g = make(platform=HostPlatform(files=False))
    assert g.open("a")[0] == S.EBADF
    assert g.write(1, "still works") == (S.SUCCESS, 11)


# ---------------------------------------------------------------------------
# path_open and file I/O
# ---------------------------------------------------------------------------

def test_open_read_existing_file(g):
    err, fd = g.open("hello.txt")
    assert (err, fd) == (S.SUCCESS, 4)
    assert g.read(fd, 5, 100) == (S.SUCCESS, b"hello world")
    assert g.read(fd, 10) == (S.SUCCESS, b"")
    err, st = g.fdstat(fd)
    assert st["filetype"] == S.FILETYPE_REGULAR_FILE
    assert not st["base"] & (S.RIGHT_PATH_OPEN | S.RIGHT_FD_READDIR)


def test_open_create_write_and_reopen(g, box):
    err, fd = g.open("new.txt", oflags=S.OFLAG_CREAT)
    assert err == S.SUCCESS
    assert g.write(fd, "abc", "def") == (S.SUCCESS, 6)
    assert g.fd_close(fd) == S.SUCCESS
    assert (box / "new.txt").read_bytes() == b"abcdef"
    assert g.open("new.txt", oflags=S.OFLAG_CREAT | S.OFLAG_EXCL)[0] \
        == S.EEXIST
    err, fd = g.open("new.txt", oflags=S.OFLAG_TRUNC)
    assert err == S.SUCCESS
    assert (box / "new.txt").read_bytes() == b""


def test_open_errors(g):
    assert g.open("missing")[0] == S.ENOENT
    assert g.open("hello.txt", oflags=S.OFLAG_DIRECTORY)[0] == S.ENOTDIR
    assert g.open("sub", base=S.RIGHT_FD_WRITE)[0] == S.EISDIR
    assert g.open("hello.txt/x")[0] == S.ENOTDIR
    assert g.open("hello.txt", oflags=16)[0] == S.EINVAL
    assert g.open("hello.txt", fdflags=32)[0] == S.EINVAL
    assert g.open("")[0] == S.ENOENT
    assert g.open("hello.txt", dirfd=1)[0] == S.ENOTDIR
    assert g.open("hello.txt", dirfd=77)[0] == S.EBADF
    p, n = g.put("hello.txt")
    assert g.path_open(3, 0, p, n, 0, 0, 0, 0, len(g.mem) - 2) == S.EFAULT


def test_open_directory_gives_directory_fd(g):
    assert g.open("sub", oflags=S.OFLAG_DIRECTORY)[0] == S.EISDIR  # FD_WRITE
    err, fd = g.open("sub", oflags=S.OFLAG_DIRECTORY,
                     base=S.RIGHTS_ALL & ~S.RIGHT_FD_WRITE)
    assert err == S.SUCCESS
    err, st = g.fdstat(fd)
    assert st["filetype"] == S.FILETYPE_DIRECTORY
    assert st["base"] & S.RIGHT_PATH_OPEN
    assert not st["base"] & S.RIGHT_FD_READ
    err, fd2 = g.open("inner.txt", dirfd=fd)
    assert err == S.SUCCESS
    assert g.read(fd2, 10) == (S.SUCCESS, b"inner")


def test_rights_are_limited_by_request_and_inheriting(g):
    err, fd = g.open("hello.txt", base=S.RIGHT_FD_READ, inheriting=0)
    assert err == S.SUCCESS
    st = g.fdstat(fd)[1]
    assert st["base"] == S.RIGHT_FD_READ
    assert g.write(fd, "x")[0] == S.ENOTCAPABLE
    assert g.fd_seek(fd, 0, S.WHENCE_SET, 100) == S.ENOTCAPABLE
    assert g.filestat(fd)[0] == S.ENOTCAPABLE
    # a directory whose inheriting rights lack FD_WRITE yields read-only files
    err, d = g.open("sub", oflags=S.OFLAG_DIRECTORY,
                    base=S.RIGHT_PATH_OPEN,
                    inheriting=S.RIGHTS_ALL & ~S.RIGHT_FD_WRITE)
    err, f = g.open("inner.txt", dirfd=d)
    assert err == S.SUCCESS
    assert not g.fdstat(f)[1]["base"] & S.RIGHT_FD_WRITE
    assert g.write(f, "x")[0] == S.ENOTCAPABLE


def test_path_open_needs_path_rights(g):
    err, d = g.open(".", oflags=S.OFLAG_DIRECTORY,
                    base=S.RIGHTS_ALL & ~S.RIGHT_FD_WRITE)
    base = g.fdstat(d)[1]["base"]
    assert g.fd_fdstat_set_rights(d, base & ~S.RIGHT_PATH_CREATE_FILE,
                                  S.RIGHTS_ALL) == S.ENOTCAPABLE
    inh = g.fdstat(d)[1]["inheriting"]
    assert g.fd_fdstat_set_rights(d, base & ~S.RIGHT_PATH_CREATE_FILE,
                                  inh) == S.SUCCESS
    assert g.open("fresh", oflags=S.OFLAG_CREAT, dirfd=d)[0] == S.ENOTCAPABLE
    assert g.fd_fdstat_set_rights(
        d, base & ~(S.RIGHT_PATH_CREATE_FILE | S.RIGHT_PATH_FILESTAT_SET_SIZE),
        inh) == S.SUCCESS
    assert g.open("hello.txt", oflags=S.OFLAG_TRUNC, dirfd=d)[0] \
        == S.ENOTCAPABLE
    assert g.fd_fdstat_set_rights(d, 0, 0) == S.SUCCESS
    assert g.open("hello.txt", dirfd=d)[0] == S.ENOTCAPABLE


def test_fd_fdstat_set_rights_only_drops(g):
    err, fd = g.open("hello.txt")
    st = g.fdstat(fd)[1]
    assert g.fd_fdstat_set_rights(fd, st["base"] & ~S.RIGHT_FD_READ,
                                  st["inheriting"]) == S.SUCCESS
    assert g.read(fd, 4)[0] == S.ENOTCAPABLE
    assert g.fd_fdstat_set_rights(fd, st["base"], st["inheriting"]) \
        == S.ENOTCAPABLE


def test_seek_tell(g):
    err, fd = g.open("hello.txt")
    assert g.fd_seek(fd, 6, S.WHENCE_SET, 100) == S.SUCCESS
    assert g.u64(100) == 6
    assert g.read(fd, 5) == (S.SUCCESS, b"world")
    assert g.fd_seek(fd, (1 << 64) - 3, S.WHENCE_END, 100) == S.SUCCESS
    assert g.u64(100) == 8
    assert g.fd_seek(fd, (1 << 64) - 1, S.WHENCE_CUR, 100) == S.SUCCESS
    assert g.u64(100) == 7
    assert g.fd_tell(fd, 200) == S.SUCCESS and g.u64(200) == 7
    assert g.fd_seek(fd, (1 << 64) - 100, S.WHENCE_SET, 100) == S.EINVAL
    assert g.fd_seek(fd, 0, 3, 100) == S.EINVAL
    assert g.fd_seek(fd, 0, S.WHENCE_SET, len(g.mem) - 4) == S.EFAULT
    assert g.fd_seek(3, 0, S.WHENCE_SET, 100) == S.ENOTCAPABLE


def test_pread_pwrite_keep_offset(g, box):
    err, fd = g.open("hello.txt")
    buf = g.alloc(5)
    iov = g.alloc(8)
    put_iovecs(g.mem, iov, [(buf, 5)])
    out = g.alloc(4)
    assert g.fd_pread(fd, iov, 1, 6, out) == S.SUCCESS
    assert g.u32(out) == 5 and bytes(g.mem[buf:buf + 5]) == b"world"
    assert g.fd_tell(fd, out) == S.SUCCESS and g.u64(out) == 0
    p, n = g.put("HELLO")
    put_iovecs(g.mem, iov, [(p, n)])
    assert g.fd_pwrite(fd, iov, 1, 0, out) == S.SUCCESS and g.u32(out) == 5
    assert (box / "hello.txt").read_bytes() == b"HELLO world"
    assert g.fd_pwrite(fd, iov, 1, 1 << 63, out) == S.EINVAL


def test_append_flag(g, box):
    err, fd = g.open("hello.txt", fdflags=S.FDFLAG_APPEND)
    assert g.fdstat(fd)[1]["flags"] == S.FDFLAG_APPEND
    assert g.write(fd, "!") == (S.SUCCESS, 1)
    assert (box / "hello.txt").read_bytes() == b"hello world!"
    assert g.fd_fdstat_set_flags(fd, 0) == S.SUCCESS
    assert g.fdstat(fd)[1]["flags"] == 0
    assert g.fd_seek(fd, 0, S.WHENCE_SET, 100) == S.SUCCESS
    assert g.write(fd, "J") == (S.SUCCESS, 1)
    assert (box / "hello.txt").read_bytes() == b"Jello world!"
    assert g.fd_fdstat_set_flags(fd, S.FDFLAG_APPEND) == S.SUCCESS
    assert g.write(fd, "?") == (S.SUCCESS, 1)
    assert (box / "hello.txt").read_bytes() == b"Jello world!?"
    assert g.fd_fdstat_set_flags(fd, S.FDFLAG_SYNC) == S.ENOTSUP
    assert g.fd_fdstat_set_flags(fd, 64) == S.EINVAL


def test_filestat_get_and_set(g, box):
    err, fd = g.open("hello.txt")
    err, st = g.filestat(fd)
    host = os.stat(box / "hello.txt")
    assert st["filetype"] == S.FILETYPE_REGULAR_FILE
    assert (st["size"], st["ino"], st["dev"], st["nlink"]) == \
        (11, host.st_ino, host.st_dev, 1)
    assert st["mtim"] == host.st_mtime_ns
    assert g.fd_filestat_set_size(fd, 3) == S.SUCCESS
    assert (box / "hello.txt").read_bytes() == b"hel"
    assert g.fd_filestat_set_size(fd, 1 << 63) == S.EINVAL
    old_atim = os.stat(box / "hello.txt").st_atime_ns
    assert g.fd_filestat_set_times(fd, 0, 123456789, S.FST_MTIM) == S.SUCCESS
    host = os.stat(box / "hello.txt")
    assert host.st_mtime_ns == 123456789 and host.st_atime_ns == old_atim
    assert g.fd_filestat_set_times(fd, 5, 0, S.FST_ATIM) == S.SUCCESS
    assert os.stat(box / "hello.txt").st_atime_ns == 5
    before = time.time_ns()
    assert g.fd_filestat_set_times(fd, 0, 0, S.FST_MTIM_NOW) == S.SUCCESS
    assert os.stat(box / "hello.txt").st_mtime_ns >= before - 10**9
    for bad in (S.FST_ATIM | S.FST_ATIM_NOW, S.FST_MTIM | S.FST_MTIM_NOW, 16):
        assert g.fd_filestat_set_times(fd, 0, 0, bad) == S.EINVAL
    assert g.filestat(1)[1]["filetype"] == S.FILETYPE_UNKNOWN


def test_allocate_advise_sync(g, box):
    err, fd = g.open("hello.txt")
    assert g.fd_allocate(fd, 0, 100) == S.SUCCESS
    assert os.stat(box / "hello.txt").st_size == 100
    assert g.fd_allocate(fd, (1 << 63) - 10, 100) == S.EFBIG
    assert g.fd_advise(fd, 0, 100, 1) == S.SUCCESS
    assert g.fd_advise(fd, 0, 100, 6) == S.EINVAL
    assert g.fd_sync(fd) == S.SUCCESS
    assert g.fd_datasync(fd) == S.SUCCESS
    assert g.fd_allocate(3, 0, 1) == S.ENOTCAPABLE
    assert g.fd_advise(99, 0, 1, 0) == S.EBADF


def test_close_and_renumber(g):
    err, a = g.open("hello.txt")
    err, b = g.open("sub/inner.txt")
    assert g.fd_renumber(a, b) == S.SUCCESS
    assert g.fdstat(a)[0] == S.EBADF
    assert g.read(b, 100) == (S.SUCCESS, b"hello world")
    assert g.fd_renumber(b, b) == S.SUCCESS
    assert g.fd_renumber(b, 50) == S.EBADF
    assert g.fd_renumber(50, b) == S.EBADF
    assert g.fd_close(b) == S.SUCCESS
    assert g.fd_close(b) == S.EBADF
    # the lowest free number is reused
    assert g.open("hello.txt")[1] == 4


def test_close_preopen_and_stdio(g):
    assert g.fd_close(3) == S.SUCCESS
    assert g.fd_prestat_get(3, 100) == S.EBADF
    assert g.open("hello.txt")[0] == S.EBADF
    assert g.fd_close(1) == S.SUCCESS
    assert g.write(1, "x")[0] == S.EBADF


def test_renumber_stdio_onto_file_keeps_stream(box):
    out = io.BytesIO()
    g = make(box, stdout=out)
    err, fd = g.open("hello.txt")
    assert g.fd_renumber(1, fd) == S.SUCCESS
    assert g.write(fd, "via file number") == (S.SUCCESS, 15)
    assert out.getvalue() == b"via file number"
    assert g.fdstat(1)[0] == S.EBADF


def test_too_many_fds_is_emfile(box):
    g = make(box, max_fds=6)
    assert g.open("hello.txt")[1] == 4
    assert g.open("hello.txt")[1] == 5
    assert g.open("hello.txt")[0] == S.EMFILE


# ---------------------------------------------------------------------------
# directories
# ---------------------------------------------------------------------------

def _dirents(g, fd, cookie=0, size=4096):
    buf = g.alloc(size)
    used = g.alloc(4)
    err = g.fd_readdir(fd, buf, size, cookie, used)
    assert err == S.SUCCESS
    n = g.u32(used)
    out, p = [], buf
    while p + 24 <= buf + n:
        d_next, ino, namlen, dtype = struct.unpack_from("<QQIB", g.mem, p)
        name = bytes(g.mem[p + 24:p + 24 + namlen])
        out.append((name, d_next, ino, dtype))
        p += 24 + namlen
    return out, n


def test_readdir_lists_entries_with_types_and_cookies(g, box):
    os.symlink("hello.txt", box / "ln")
    entries, used = _dirents(g, 3)
    names = {e[0]: e for e in entries}
    assert set(names) == {b".", b"..", b"hello.txt", b"sub", b"ln"}
    assert names[b"hello.txt"][3] == S.FILETYPE_REGULAR_FILE
    assert names[b"sub"][3] == S.FILETYPE_DIRECTORY
    assert names[b"ln"][3] == S.FILETYPE_SYMBOLIC_LINK
    assert names[b"."][3] == names[b".."][3] == S.FILETYPE_DIRECTORY
    assert names[b"hello.txt"][2] == os.stat(box / "hello.txt").st_ino
    assert names[b"."][2] == os.stat(box).st_ino
    # resuming at an entry's d_next gives the rest of the listing
    rest, _ = _dirents(g, 3, cookie=entries[1][1])
    assert [e[0] for e in rest] == [e[0] for e in entries[2:]]
    past, used = _dirents(g, 3, cookie=1000)
    assert (past, used) == ([], 0)


def test_readdir_truncates_to_buffer(g):
    full, used = _dirents(g, 3)
    part, used2 = _dirents(g, 3, size=30)
    assert used2 == 30                       # buffer full: more may follow
    assert part[0][0] == b"."


def test_readdir_errors(g):
    err, fd = g.open("hello.txt")
    assert g.fd_readdir(fd, 100, 100, 0, 300) == S.ENOTDIR
    assert g.fd_readdir(1, 100, 100, 0, 300) == S.ENOTDIR
    assert g.fd_readdir(3, len(g.mem) - 10, 100, 0, 300) == S.EFAULT


def test_create_and_remove_directory(g, box):
    assert g.path_call("path_create_directory", 3, "newdir") == S.SUCCESS
    assert (box / "newdir").is_dir()
    assert g.path_call("path_create_directory", 3, "newdir") == S.EEXIST
    assert g.path_call("path_create_directory", 3, "nope/deeper") == S.ENOENT
    assert g.path_call("path_remove_directory", 3, "sub") == S.ENOTEMPTY
    assert g.path_call("path_remove_directory", 3, "hello.txt") == S.ENOTDIR
    assert g.path_call("path_remove_directory", 3, "newdir/") == S.SUCCESS
    assert not (box / "newdir").exists()
    assert g.path_call("path_remove_directory", 3, "newdir") == S.ENOENT


def test_unlink_file(g, box):
    assert g.path_call("path_unlink_file", 3, "sub") == S.EISDIR
    assert g.path_call("path_unlink_file", 3, "sub/") == S.EISDIR
    assert g.path_call("path_unlink_file", 3, "hello.txt/") == S.ENOTDIR
    assert g.path_call("path_unlink_file", 3, "sub/inner.txt") == S.SUCCESS
    assert not (box / "sub" / "inner.txt").exists()
    assert g.path_call("path_unlink_file", 3, "sub/inner.txt") == S.ENOENT


def test_symlink_readlink_and_stat(g, box):
    assert g.path_call("path_symlink", "hello.txt", 3, "ln") == S.SUCCESS
    assert os.readlink(box / "ln") == "hello.txt"
    buf, used = g.alloc(32), g.alloc(4)
    assert g.path_call("path_readlink", 3, "ln", buf, 32, used) == S.SUCCESS
    assert bytes(g.mem[buf:buf + g.u32(used)]) == b"hello.txt"
    assert g.path_call("path_readlink", 3, "ln", buf, 4, used) == S.SUCCESS
    assert g.u32(used) == 4 and bytes(g.mem[buf:buf + 4]) == b"hell"
    assert g.path_call("path_readlink", 3, "hello.txt", buf, 4, used) \
        == S.EINVAL
    err, st = g.path_stat("ln")
    assert st["filetype"] == S.FILETYPE_SYMBOLIC_LINK
    err, st = g.path_stat("ln", follow=S.LOOKUP_SYMLINK_FOLLOW)
    assert st["filetype"] == S.FILETYPE_REGULAR_FILE and st["size"] == 11
    assert g.open("ln")[0] == S.ELOOP
    err, fd = g.open("ln", follow=S.LOOKUP_SYMLINK_FOLLOW)
    assert g.read(fd, 5) == (S.SUCCESS, b"hello")
    assert g.path_call("path_symlink", "x", 3, "ln") == S.EEXIST
    assert g.path_call("path_symlink", "x", 3, "nodir/") == S.ENOENT
    assert g.path_call("path_symlink", "x", 3, "hello.txt/") == S.ENOTDIR
    assert g.path_call("path_symlink", "", 3, "empty") == S.ENOENT


def test_symlinked_directory_as_intermediate_component(g, box):
    os.symlink("sub", box / "sublink")
    err, fd = g.open("sublink/inner.txt")
    assert g.read(fd, 10) == (S.SUCCESS, b"inner")
    os.symlink("sub/", box / "slash")
    assert g.path_stat("slash/inner.txt")[1]["size"] == 5


def test_symlink_loop_is_eloop(g, box):
    os.symlink("loop", box / "loop")
    os.symlink("b", box / "a")
    os.symlink("a", box / "b")
    assert g.open("loop", follow=1)[0] == S.ELOOP
    assert g.open("a/x")[0] == S.ELOOP
    assert g.path_stat("b", follow=1)[0] == S.ELOOP


def test_path_filestat_set_times(g, box):
    assert g.path_call("path_filestat_set_times", 3, 0, "hello.txt",
                       1000, 2000, S.FST_ATIM | S.FST_MTIM) == S.SUCCESS
    st = os.stat(box / "hello.txt")
    assert (st.st_atime_ns, st.st_mtime_ns) == (1000, 2000)
    os.symlink("hello.txt", box / "ln")
    assert g.path_call("path_filestat_set_times", 3, 1, "ln",
                       0, 3000, S.FST_MTIM) == S.SUCCESS
    assert os.stat(box / "hello.txt").st_mtime_ns == 3000
    assert g.path_call("path_filestat_set_times", 3, 0, "ln",
                       0, 4000, S.FST_MTIM) == S.SUCCESS
    assert os.lstat(box / "ln").st_mtime_ns == 4000
    assert os.stat(box / "hello.txt").st_mtime_ns == 3000
    assert g.path_call("path_filestat_set_times", 3, 0, "hello.txt",
                       0, 0, S.FST_MTIM | S.FST_MTIM_NOW) == S.EINVAL
    assert g.path_call("path_filestat_set_times", 3, 0, "hello.txt/",
                       0, 0, S.FST_MTIM) == S.ENOTDIR


def test_path_link(g, box):
    assert g.path_call("path_link", 3, 0, "hello.txt", 3, "sub/hard") \
        == S.SUCCESS
    assert os.stat(box / "sub" / "hard").st_ino == \
        os.stat(box / "hello.txt").st_ino
    assert g.path_call("path_link", 3, 0, "hello.txt", 3, "sub/hard") \
        == S.EEXIST
    assert g.path_call("path_link", 3, 0, "hello.txt", 3, "new/") == S.ENOENT
    assert g.path_call("path_link", 3, 0, "sub", 3, "dirlink") in \
        (S.EPERM, S.EACCES)
    os.symlink("nowhere", box / "dangling")
    assert g.path_call("path_link", 3, 0, "dangling", 3, "hl") == S.SUCCESS
    assert os.readlink(box / "hl") == "nowhere"
    assert g.path_call("path_link", 3, 1, "dangling", 3, "hl2") == S.ENOENT


def test_path_rename(g, box):
    assert g.path_call("path_rename", 3, "hello.txt", 3, "sub/moved") \
        == S.SUCCESS
    assert (box / "sub" / "moved").read_bytes() == b"hello world"
    assert g.path_call("path_rename", 3, "sub/moved", 3, "x/") == S.ENOTDIR
    (box / "d1").mkdir()
    assert g.path_call("path_rename", 3, "d1/", 3, "d2/") == S.SUCCESS
    assert (box / "d2").is_dir()
    assert g.path_call("path_rename", 3, "d2", 3, "sub") == S.ENOTEMPTY
    assert g.path_call("path_rename", 3, "sub/moved", 3, "d2") == S.EISDIR
    assert g.path_call("path_rename", 3, "missing", 3, "x") == S.ENOENT


# ---------------------------------------------------------------------------
# poll_oneoff
# ---------------------------------------------------------------------------

def _sub_clock(g, p, userdata, timeout, clock_id=1, flags=0):
    struct.pack_into("<QB", g.mem, p, userdata, 0)
    struct.pack_into("<IxxxxQQH", g.mem, p + 16, clock_id, timeout, 0, flags)


def _sub_fd(g, p, userdata, kind, fd):
    struct.pack_into("<QB", g.mem, p, userdata, kind)
    struct.pack_into("<I", g.mem, p + 16, fd)


def _events(g, out, n):
    res = []
    for i in range(n):
        ud, err, typ = struct.unpack_from("<QHB", g.mem, out + 32 * i)
        nbytes, flags = struct.unpack_from("<QH", g.mem, out + 32 * i + 16)
        res.append((ud, err, typ, nbytes))
    return res


def test_poll_relative_clock_sleeps_in_slices():
    plat = HostPlatform()
    g = make(platform=plat)
    subs, out, nev = g.alloc(48), g.alloc(32), g.alloc(4)
    _sub_clock(g, subs, 42, 120 * 1000 * 1000)
    t0 = time.monotonic()
    assert g.poll_oneoff(subs, out, 1, nev) == S.SUCCESS
    assert time.monotonic() - t0 >= 0.115
    assert g.u32(nev) == 1
    assert _events(g, out, 1) == [(42, 0, S.EVENTTYPE_CLOCK, 0)]
    # slices of at most 50 ms, each preceded by a termination check (how
    # many slices depends on how late the host wakes up)
    assert plat.sleeps and max(plat.sleeps) <= 50 * 1000 * 1000
    assert g.caller.terminate_checks == len(plat.sleeps)


def test_poll_absolute_clock_in_the_past_returns_at_once():
    g = make()
    subs, out, nev = g.alloc(48 * 2), g.alloc(64), g.alloc(4)
    _sub_clock(g, subs, 1, 5, clock_id=0, flags=1)
    _sub_clock(g, subs + 48, 2, 10**18, clock_id=1)
    t0 = time.monotonic()
    assert g.poll_oneoff(subs, out, 2, nev) == S.SUCCESS
    assert time.monotonic() - t0 < 0.5
    assert g.u32(nev) == 1 and _events(g, out, 1)[0][0] == 1


def test_poll_fds_ready_and_errors(g):
    err, fd = g.open("hello.txt")
    subs, out, nev = g.alloc(48 * 4), g.alloc(32 * 4), g.alloc(4)
    _sub_fd(g, subs, 1, S.EVENTTYPE_FD_WRITE, 1)
    _sub_fd(g, subs + 48, 2, S.EVENTTYPE_FD_READ, fd)
    _sub_fd(g, subs + 96, 3, S.EVENTTYPE_FD_READ, 99)
    _sub_clock(g, subs + 144, 4, 10**12)
    assert g.poll_oneoff(subs, out, 4, nev) == S.SUCCESS
    events = {e[0]: e for e in _events(g, out, g.u32(nev))}
    assert set(events) == {1, 2, 3}
    assert events[1][1:3] == (0, S.EVENTTYPE_FD_WRITE)
    assert events[2][1:] == (0, S.EVENTTYPE_FD_READ, 11)
    assert events[3][1] == S.EBADF


def test_poll_waits_for_stdin_until_clock_or_data():
    stdin = WaitableInput()
    g = make(platform=HostPlatform(stdin=stdin))
    subs, out, nev = g.alloc(96), g.alloc(64), g.alloc(4)
    _sub_fd(g, subs, 7, S.EVENTTYPE_FD_READ, 0)
    _sub_clock(g, subs + 48, 8, 100 * 1000 * 1000)
    assert g.poll_oneoff(subs, out, 2, nev) == S.SUCCESS
    assert [e[0] for e in _events(g, out, g.u32(nev))] == [8]
    assert max(stdin.waits) <= 50 * 1000 * 1000
    threading.Timer(0.05, stdin.feed, (b"x",)).start()
    _sub_clock(g, subs + 48, 8, 10 * 10**9)
    t0 = time.monotonic()
    assert g.poll_oneoff(subs, out, 2, nev) == S.SUCCESS
    assert time.monotonic() - t0 < 5
    assert [e[0] for e in _events(g, out, g.u32(nev))] == [7]


def test_poll_is_interrupted_by_terminate():
    g = make()
    subs, out, nev = g.alloc(48), g.alloc(32), g.alloc(4)
    _sub_clock(g, subs, 1, 60 * 10**9)
    threading.Timer(0.1, setattr,
                    (g.caller, "terminate_with", Terminated())).start()
    t0 = time.monotonic()
    with pytest.raises(Terminated):
        g.poll_oneoff(subs, out, 1, nev)
    assert time.monotonic() - t0 < 1.0


def test_poll_malformed_calls():
    g = make()
    subs, out, nev = g.alloc(48), g.alloc(32), g.alloc(4)
    assert g.poll_oneoff(subs, out, 0, nev) == S.EINVAL
    struct.pack_into("<QB", g.mem, subs, 1, 9)
    assert g.poll_oneoff(subs, out, 1, nev) == S.EINVAL
    _sub_clock(g, subs, 1, 0)
    assert g.poll_oneoff(len(g.mem) - 40, out, 1, nev) == S.EFAULT
    assert g.poll_oneoff(subs, len(g.mem) - 16, 1, nev) == S.EFAULT
    _sub_clock(g, subs, 5, 0, clock_id=9)
    assert g.poll_oneoff(subs, out, 1, nev) == S.SUCCESS
    assert _events(g, out, 1)[0][:2] == (5, S.EINVAL)


# ---------------------------------------------------------------------------
# sockets
# ---------------------------------------------------------------------------

def test_socket_calls_on_non_sockets(g):
    assert g.sock_shutdown(1, 1) == S.ENOTSOCK
    assert g.sock_shutdown(3, 1) == S.ENOTSOCK
    assert g.sock_shutdown(77, 1) == S.EBADF
    assert g.sock_accept(0, 0, 100) == S.ENOTSOCK
    assert g.sock_recv(99, 0, 0, 0, 100, 104) == S.EBADF
    assert g.sock_send(2, 0, 0, 0, 100) == S.ENOTSOCK


# ---------------------------------------------------------------------------
# failure handling, locking, cleanup
# ---------------------------------------------------------------------------

def test_module_without_memory_traps_like_wasmtime(box):
    wasi = Wasi(WasiConfig(dirs={"/box": str(box)}), HostPlatform())
    g = Guest(wasi, FakeCaller(memory=False))
    with pytest.raises(Trap) as info:
        g.fd_write(1, 0, 0, 0)
    assert "memory" in str(info.value)
    assert not isinstance(info.value, Terminated)
    assert g.fd_close(3) == S.SUCCESS       # needs no memory
    assert g.sched_yield() == S.SUCCESS
    with pytest.raises(ProcExit):
        g.proc_exit(0)


def test_internal_error_becomes_eio(g):
    def broken(handle):
        raise RuntimeError("bug")
    err, fd = g.open("hello.txt")
    g.wasi.fs.fstat = broken
    assert g.filestat(fd)[0] == S.EIO
    assert isinstance(g.wasi.last_error, RuntimeError)
    g.wasi.platform.random_bytes = lambda n: 1 / 0
    assert g.random_get(0, 4) == S.EIO


def test_memory_error_becomes_host_out_of_memory(g):
    # the host's RAM is no errno of the guest's (it would report ENOMEM as
    # its own failure): the call stops with HostOutOfMemory
    def oom(n):
        raise MemoryError
    g.wasi.platform.random_bytes = oom
    with pytest.raises(HostOutOfMemory) as info:
        g.random_get(0, 4)
    assert info.value.during == "call"


class CountingMutex:
    def __init__(self):
        self.lock = threading.Lock()
        self.depth = 0
        self.acquires = 0

    def acquire(self, timeout_ns=-1):
        self.lock.acquire()
        self.depth += 1
        self.acquires += 1
        return True

    def release(self):
        self.depth -= 1
        self.lock.release()


def test_calls_hold_the_platform_mutex_and_release_it(box):
    mutexes = []
    plat = HostPlatform()
    plat.mutex_new = lambda: mutexes.append(CountingMutex()) or mutexes[-1]
    g = make(box, platform=plat)
    assert len(mutexes) == 1
    m = mutexes[0]
    assert g.open("hello.txt")[0] == S.SUCCESS
    assert g.open("missing")[0] == S.ENOENT
    with pytest.raises(ProcExit):
        g.proc_exit(1)
    assert m.acquires >= 3 and m.depth == 0


def test_poll_releases_mutex_while_waiting(box):
    plat = HostPlatform()
    g = make(box, platform=plat)
    subs, out, nev = g.alloc(48), g.alloc(32), g.alloc(4)
    _sub_clock(g, subs, 1, 1000 * 1000 * 1000)
    other = Guest(g.wasi)
    result = {}

    def sleeper():
        result["poll"] = g.poll_oneoff(subs, out, 1, nev)

    t = threading.Thread(target=sleeper)
    t.start()
    time.sleep(0.1)
    t0 = time.monotonic()
    result["open"] = other.open("hello.txt")[0]
    took = time.monotonic() - t0
    t.join()
    assert result == {"poll": S.SUCCESS, "open": S.SUCCESS}
    assert took < 0.6           # not blocked until the 1 s poll ends


def test_close_releases_every_host_fd(box):
    before = open_fd_count()
    g = make(box)
    for _ in range(5):
        assert g.open("hello.txt")[0] == S.SUCCESS
    assert g.open("sub", oflags=S.OFLAG_DIRECTORY, base=0)[0] == S.SUCCESS
    assert open_fd_count() == before + 7
    g.wasi.close()
    assert open_fd_count() == before
    g.wasi.close()                      # idempotent
    assert g.write(1, "x")[0] == S.EBADF


def test_failed_path_calls_leak_no_host_fds(g, box):
    (box / "a" / "b").mkdir(parents=True)
    before = open_fd_count()
    for path in ("a/b/missing", "a/b/../../../x", "a/b/c/d", "/abs",
                 "a/b/../../hello.txt/x"):
        assert g.open(path)[0] != S.SUCCESS
        assert g.path_stat(path)[0] != S.SUCCESS
    assert open_fd_count() == before
