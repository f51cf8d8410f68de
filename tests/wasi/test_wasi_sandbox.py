"""The WASI sandbox: a guest reaches only its preopened directories.

Every test runs with a sandbox directory ("box") next to an "outside"
directory holding a secret; the fixture checks after each test that nothing
outside the sandbox changed. Hostile inputs (escaping paths and symlinks,
fd numbers never given, pointers out of bounds, huge iovecs, bad UTF-8) must
produce an errno, never a host exception.
"""

import os
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import wasi_spec as S
from wasi_support import (FakeCaller, Guest, HostPlatform,
                          RecordingFS, put_iovecs, snapshot)

from wasmbed.wasi import Wasi, WasiConfig

ESCAPES = (S.ENOTCAPABLE, S.EPERM)


def _build(tmp):
    box = tmp / "box"
    outside = tmp / "outside"
    box.mkdir()
    outside.mkdir()
    (outside / "secret").write_bytes(b"top secret")
    os.utime(outside / "secret", ns=(1, 2 * 10**18))   # atime < mtime
    (outside / "dir").mkdir()
    (box / "file").write_bytes(b"inside")
    (box / "d" / "e").mkdir(parents=True)
    # links planted by the host (the guest may find such links anywhere)
    os.symlink(str(outside / "secret"), box / "abs_link")
    os.symlink("../outside/secret", box / "rel_link")
    os.symlink("../outside", box / "dir_link")
    os.symlink("d/e/../../..", box / "sneaky")
    os.symlink("d", box / "in_link")
    return box, outside


@pytest.fixture
def env(tmp_path):
    box, outside = _build(tmp_path)
    before = snapshot(outside)
    fs = RecordingFS()
    plat = HostPlatform()
    plat.files = fs
    wasi = Wasi(WasiConfig(dirs={"/box": str(box)}), plat)
    g = Guest(wasi)
    g.box, g.outside, g.fs = box, outside, fs
    yield g
    wasi.close()
    assert snapshot(outside) == before, "something outside the sandbox changed"
    for name in fs.names:
        assert b"/" not in name and name != b"..", name


# ---------------------------------------------------------------------------
# paths
# ---------------------------------------------------------------------------

PATH_CALLS = {
    "open": lambda g, p: g.open(p)[0],
    "open_creat": lambda g, p: g.open(p, oflags=S.OFLAG_CREAT | S.OFLAG_TRUNC,
                                      follow=1)[0],
    "stat": lambda g, p: g.path_stat(p)[0],
    "stat_follow": lambda g, p: g.path_stat(p, follow=1)[0],
    "mkdir": lambda g, p: g.path_call("path_create_directory", 3, p),
    "rmdir": lambda g, p: g.path_call("path_remove_directory", 3, p),
    "unlink": lambda g, p: g.path_call("path_unlink_file", 3, p),
    "times": lambda g, p: g.path_call("path_filestat_set_times", 3, 1, p,
                                      1, 1, S.FST_ATIM | S.FST_MTIM),
    "readlink": lambda g, p: g.path_call("path_readlink", 3, p, 100, 64, 200),
    "symlink_at": lambda g, p: g.path_call("path_symlink", "file", 3, p),
    "link_from": lambda g, p: g.path_call("path_link", 3, 1, p, 3, "hl"),
    "link_to": lambda g, p: g.path_call("path_link", 3, 0, "file", 3, p),
    "rename_from": lambda g, p: g.path_call("path_rename", 3, p, 3, "moved"),
    "rename_to": lambda g, p: g.path_call("path_rename", 3, "file", 3, p),
}

ESCAPING_PATHS = [
    "/etc/passwd",
    "/",
    "..",
    "../outside/secret",
    "../outside/newfile",
    "d/../../outside/secret",
    "d/e/../../../outside/secret",
    "./../outside",
]


@pytest.mark.parametrize("call", sorted(PATH_CALLS))
@pytest.mark.parametrize("path", ESCAPING_PATHS)
def test_paths_leaving_the_preopen_are_refused(env, call, path):
    assert PATH_CALLS[call](env, path) in ESCAPES


@pytest.mark.parametrize("call", sorted(PATH_CALLS))
@pytest.mark.parametrize("path", ["dir_link/secret", "dir_link/new",
                                  "sneaky/outside/secret", "dir_link/dir/x"])
def test_symlinked_directories_leading_out_are_refused(env, call, path):
    assert PATH_CALLS[call](env, path) in ESCAPES


@pytest.mark.parametrize("path", ["abs_link", "rel_link", "dir_link",
                                  "sneaky"])
def test_following_an_escaping_final_symlink_is_refused(env, path):
    g = env
    assert g.open(path, follow=1)[0] in ESCAPES
    assert g.open(path, follow=1, oflags=S.OFLAG_CREAT | S.OFLAG_TRUNC)[0] \
        in ESCAPES
    assert g.path_stat(path, follow=1)[0] in ESCAPES
    assert g.path_call("path_filestat_set_times", 3, 1, path, 1, 1,
                       S.FST_ATIM | S.FST_MTIM) in ESCAPES
    assert g.path_call("path_link", 3, 1, path, 3, "hl") in ESCAPES


@pytest.mark.parametrize("path", ["abs_link", "rel_link", "dir_link",
                                  "sneaky"])
def test_escaping_symlinks_themselves_are_harmless(env, path):
    g = env
    # without following, the link itself is what is touched: inside the box
    assert g.open(path)[0] in (S.ELOOP, S.ENOTDIR)
    err, st = g.path_stat(path)
    assert err == S.SUCCESS and st["filetype"] == S.FILETYPE_SYMBOLIC_LINK
    assert g.path_call("path_unlink_file", 3, path) == S.SUCCESS
    assert not os.path.lexists(g.box / path)


def test_escaping_symlink_with_trailing_slash_is_not_followed_out(env):
    g = env
    for call in ("rmdir", "unlink", "mkdir", "rename_from", "times", "stat",
                 "stat_follow", "open"):
        assert PATH_CALLS[call](g, "dir_link/") != S.SUCCESS


def test_guest_created_symlinks_cannot_lead_out(env):
    g = env
    assert g.path_call("path_symlink", "../outside/secret", 3, "mine") \
        == S.SUCCESS
    assert g.path_call("path_symlink", "d/../../outside", 3, "mydir") \
        == S.SUCCESS
    assert g.path_call("path_symlink", "/etc", 3, "absolute") in ESCAPES
    assert not os.path.lexists(g.box / "absolute")
    assert g.open("mine", follow=1)[0] in ESCAPES
    assert g.open("mydir/secret")[0] in ESCAPES
    assert g.open("mydir/new", oflags=S.OFLAG_CREAT)[0] in ESCAPES
    assert g.path_call("path_rename", 3, "file", 3, "mydir/stolen") in ESCAPES
    # a chain of guest links ending outside
    assert g.path_call("path_symlink", "mine", 3, "chain1") == S.SUCCESS
    assert g.path_call("path_symlink", "chain1", 3, "chain2") == S.SUCCESS
    assert g.open("chain2", follow=1)[0] in ESCAPES


def test_dotdot_inside_the_sandbox_works(env):
    g = env
    err, fd = g.open("d/e/../../file")
    assert err == S.SUCCESS
    assert g.read(fd, 10) == (S.SUCCESS, b"inside")
    err, fd = g.open("in_link/../file")      # d/.. == box
    assert err == S.SUCCESS
    assert g.path_stat("d/e/..")[1]["filetype"] == S.FILETYPE_DIRECTORY


def test_directory_fd_is_its_own_capability(env):
    g = env
    err, d = g.open("d", oflags=S.OFLAG_DIRECTORY, base=S.RIGHTS_ALL
                    & ~S.RIGHT_FD_WRITE)
    assert err == S.SUCCESS
    assert g.open("../file", dirfd=d)[0] in ESCAPES
    assert g.open("e/../../file", dirfd=d)[0] in ESCAPES
    assert g.open("e/..", dirfd=d, oflags=S.OFLAG_DIRECTORY, base=0)[0] \
        == S.SUCCESS


def test_invalid_paths(env):
    g = env
    assert g.open(b"fi\xffle")[0] == S.EILSEQ
    assert g.open(b"\xc3")[0] == S.EILSEQ
    assert g.open(b"file\0")[0] in (S.EINVAL, S.EILSEQ, S.ENOENT)
    assert g.open("a" * 5000)[0] == S.ENAMETOOLONG
    assert g.path_call("path_symlink", b"\xfe", 3, "x") == S.EILSEQ
    assert g.path_call("path_symlink", "file", 3, b"\xfe") == S.EILSEQ
    assert g.open("x" * 300)[0] == S.ENAMETOOLONG        # host NAME_MAX


def test_symlink_loops_end(env):
    g = env
    assert g.path_call("path_symlink", "self/x", 3, "self") == S.SUCCESS
    assert g.open("self/x")[0] == S.ELOOP
    assert g.open("self", follow=1)[0] == S.ELOOP


# ---------------------------------------------------------------------------
# fds
# ---------------------------------------------------------------------------

def test_fd_numbers_never_given_are_ebadf(env):
    g = env
    host_fd = os.open(str(g.outside / "secret"), os.O_RDONLY)
    try:
        for fd in [host_fd, 4, 5, 100, 1 << 20, 0xFFFFFFFF]:
            assert g.read(fd, 10)[0] == S.EBADF
            assert g.write(fd, "x")[0] == S.EBADF
            assert g.fd_close(fd) == S.EBADF
            assert g.fd_seek(fd, 0, 0, 100) == S.EBADF
            assert g.fdstat(fd)[0] == S.EBADF
            assert g.fd_filestat_set_size(fd, 0) == S.EBADF
            assert g.open("x", dirfd=fd)[0] == S.EBADF
            assert g.fd_renumber(fd, 1) == S.EBADF
            assert g.fd_renumber(1, fd) == S.EBADF
    finally:
        os.close(host_fd)
    assert g.write(1, "still here")[0] == S.SUCCESS


def test_closed_fd_is_ebadf_even_if_host_reuses_number(env):
    g = env
    err, fd = g.open("file")
    assert g.fd_close(fd) == S.SUCCESS
    host_fd = os.open(str(g.outside / "secret"), os.O_RDONLY)
    try:
        assert g.read(fd, 10)[0] == S.EBADF
    finally:
        os.close(host_fd)


# ---------------------------------------------------------------------------
# memory
# ---------------------------------------------------------------------------

def test_out_of_bounds_pointers_are_efault(env):
    g = env
    end = len(g.mem)
    err, fd = g.open("file")
    assert g.path_open(3, 0, end - 2, 4, 0, 0, 0, 0, 100) == S.EFAULT
    assert g.path_open(3, 0, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0, 0, 0, 100) \
        == S.EFAULT
    assert g.fd_read(fd, end - 4, 1, 100) == S.EFAULT
    iov = g.alloc(8)
    put_iovecs(g.mem, iov, [(end - 3, 4)])
    assert g.fd_read(fd, iov, 1, 100) == S.EFAULT
    assert g.fd_write(1, iov, 1, 100) == S.EFAULT
    put_iovecs(g.mem, iov, [(0, 4)])
    assert g.fd_read(fd, iov, 1, end) == S.EFAULT
    assert g.fd_tell(fd, 100) == S.SUCCESS and g.u64(100) == 0  # nothing read
    assert g.fd_fdstat_get(fd, end - 23) == S.EFAULT
    assert g.fd_filestat_get(fd, end - 63) == S.EFAULT
    assert g.fd_prestat_dir_name(3, end - 1, 4) == S.EFAULT
    assert g.fd_readdir(3, end - 10, 20, 0, 100) == S.EFAULT
    assert g.args_sizes_get(end, 0) == S.EFAULT
    assert g.environ_sizes_get(0, end - 1) == S.EFAULT
    assert g.random_get(end, 1) == S.EFAULT
    assert g.path_call("path_readlink", 3, "abs_link", end - 2, 10, 100) \
        == S.EFAULT
    assert g.path_call("path_filestat_get", 3, 0, "file", end - 8) == S.EFAULT


def test_huge_iovecs_do_not_allocate_host_memory(env):
    g = env
    err, fd = g.open("file")
    iov = g.alloc(8 * 4)
    put_iovecs(g.mem, iov, [(0, 0xFFFFFFFF)] * 4)
    tracemalloc.start()
    try:
        assert g.fd_read(fd, iov, 4, 100) == S.EFAULT
        assert g.fd_write(1, iov, 4, 100) == S.EFAULT
        assert g.fd_read(fd, iov, 0xFFFFFFFF, 100) == S.EINVAL
        assert g.fd_write(1, iov, 1 << 20, 100) == S.EINVAL
        assert g.poll_oneoff(0, 0, 0xFFFFFFFF, 100) == S.EINVAL
        assert g.fd_readdir(3, 0, 0xFFFFFFFF, 0, 100) == S.EFAULT
        assert g.random_get(0, 0xFFFFFFFF) == S.EFAULT
        _cur, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_many_iovecs_covering_all_memory_write_in_bounded_chunks(env):
    # 1024 iovecs each spanning the whole 1 MiB memory: 1 GiB of output in
    # total. It must stream through, not be gathered into one host buffer.
    class Sink:
        def __init__(self):
            self.total = 0
            self.largest = 0

        def write(self, b):
            self.total += len(b)
            self.largest = max(self.largest, len(b))
            return len(b)

    sink = Sink()
    wasi = Wasi(WasiConfig(stdout=sink), HostPlatform())
    g = Guest(wasi, FakeCaller(1 << 20))
    iov = g.alloc(8 * 1024)
    put_iovecs(g.mem, iov, [(0, 1 << 20)] * 1024)
    out = g.alloc(4)
    assert g.fd_write(1, iov, 1024, out) == S.SUCCESS
    assert g.u32(out) == 1 << 30 and sink.total == 1 << 30
    assert sink.largest <= 1 << 24


# ---------------------------------------------------------------------------
# random walks over hostile paths
# ---------------------------------------------------------------------------

COMPONENTS = ["file", "d", "e", "..", ".", "", "abs_link", "rel_link",
              "dir_link", "sneaky", "in_link", "outside", "secret", "missing"]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=8),
       lead=st.sampled_from(["", "/"]),
       follow=st.booleans())
def test_random_paths_never_escape(tmp_path_factory, parts, lead, follow):
    tmp = tmp_path_factory.mktemp("walk")
    box, outside = _build(tmp)
    before = snapshot(outside)
    fs = RecordingFS()
    plat = HostPlatform()
    plat.files = fs
    g = Guest(Wasi(WasiConfig(dirs={"/box": str(box)}), plat))
    path = lead + "/".join(parts)
    try:
        err, fd = g.open(path, follow=int(follow),
                         base=S.RIGHT_FD_READ | S.RIGHT_FD_READDIR)
        assert isinstance(err, int) and 0 <= err <= 76
        if err == S.SUCCESS:
            handle = g.wasi.table.get(fd).handle
            real = os.path.realpath("/proc/self/fd/%d" % handle)
            assert real == str(box) or real.startswith(str(box) + os.sep), \
                (path, real)
        err, stat = g.path_stat(path, follow=int(follow))
        assert isinstance(err, int) and 0 <= err <= 76
        if err == S.SUCCESS:
            secret = os.stat(outside / "secret")
            assert (stat["ino"], stat["dev"]) != (secret.st_ino,
                                                  secret.st_dev)
            assert stat["ino"] != os.stat(outside).st_ino
        err = g.path_call("path_filestat_set_times", 3, int(follow), path,
                          7, 7, S.FST_ATIM | S.FST_MTIM)
        assert isinstance(err, int)
        err = g.open(path, follow=int(follow),
                     oflags=S.OFLAG_CREAT | S.OFLAG_TRUNC)[0]
        assert isinstance(err, int)
    finally:
        g.wasi.close()
    assert snapshot(outside) == before, path
    for name in fs.names:
        assert b"/" not in name and name != b"..", (path, name)
    assert g.wasi.last_error is None, repr(g.wasi.last_error)
