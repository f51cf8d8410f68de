"""LinuxFileSystem: the platform_fs.FileSystem port for POSIX hosts.

It must take one path component at a time, never follow a symlink at that
component, and report host failures as FsError with the WASI errno.
"""

import errno
import os

import pytest

import wasi_spec as S

from wasmbed import platform_fs as pfs
from wasmbed.core.errors import FsError, WasmError
from wasmbed.platform.linux.files import (LinuxFileSystem,
                                          wasi_errno)


@pytest.fixture
def fs():
    return LinuxFileSystem()


@pytest.fixture
def root(tmp_path, fs):
    (tmp_path / "f").write_bytes(b"0123456789")
    (tmp_path / "d").mkdir()
    os.symlink("f", tmp_path / "lf")
    os.symlink("d", tmp_path / "ld")
    os.symlink("nowhere", tmp_path / "dangling")
    h = fs.open_root(str(tmp_path))
    yield h
    fs.close(h)


def errno_of(fn, *args):
    with pytest.raises(FsError) as info:
        fn(*args)
    return info.value.errno


def test_fserror_carries_errno_and_is_a_wasm_error():
    exc = FsError(44)
    assert exc.errno == 44 and isinstance(exc, WasmError)
    assert pfs.FsError is FsError


@pytest.mark.parametrize("host,wasi", [
    (errno.ENOENT, S.ENOENT), (errno.EEXIST, S.EEXIST),
    (errno.ENOTDIR, S.ENOTDIR), (errno.EISDIR, S.EISDIR),
    (errno.ELOOP, S.ELOOP), (errno.EACCES, S.EACCES), (errno.EPERM, S.EPERM),
    (errno.ENOTEMPTY, S.ENOTEMPTY), (errno.EBADF, S.EBADF),
    (errno.EINVAL, S.EINVAL), (errno.ESPIPE, S.ESPIPE),
    (errno.ENAMETOOLONG, S.ENAMETOOLONG), (errno.EAGAIN, S.EAGAIN),
    (errno.EOPNOTSUPP, S.ENOTSUP), (errno.ENOSYS, S.ENOSYS),
])
def test_errno_mapping(host, wasi):
    assert wasi_errno(host) == wasi


def test_unknown_host_errno_is_eio():
    assert wasi_errno(100000) == S.EIO


def test_open_root_errors(fs, tmp_path):
    assert errno_of(fs.open_root, str(tmp_path / "none")) == S.ENOENT
    (tmp_path / "file").write_text("x")
    assert errno_of(fs.open_root, str(tmp_path / "file")) == S.ENOTDIR


def test_openat_never_follows_and_takes_one_component(fs, root):
    flags = pfs.O_READ | pfs.O_NOFOLLOW
    assert errno_of(fs.openat, root, b"lf", flags) == S.ELOOP
    assert errno_of(fs.openat, root, b"dangling", flags) == S.ELOOP
    assert errno_of(fs.openat, root, b"ld",
                    flags | pfs.O_DIRECTORY) in (S.ENOTDIR, S.ELOOP)
    assert errno_of(fs.openat, root, b"ld",
                    pfs.O_SEARCH | pfs.O_DIRECTORY | pfs.O_NOFOLLOW) \
        in (S.ENOTDIR, S.ELOOP)
    for bad in (b"d/f", b"..", b"", b"a\0b"):
        assert errno_of(fs.openat, root, bad, flags) == S.EINVAL
    h = fs.openat(root, b"f", flags)
    assert fs.read(h, 4) == b"0123"
    fs.close(h)


def test_read_write_seek_pread_pwrite(fs, root, tmp_path):
    h = fs.openat(root, b"f", pfs.O_READ | pfs.O_WRITE | pfs.O_NOFOLLOW)
    assert fs.seek(h, -2, pfs.SEEK_END) == 8
    assert fs.read(h, 10) == b"89"
    assert fs.pread(h, 3, 1) == b"123"
    assert fs.pwrite(h, b"AB", 0) == 2
    assert fs.seek(h, 0, pfs.SEEK_CUR) == 10
    assert fs.write(h, b"!") == 1
    assert (tmp_path / "f").read_bytes() == b"AB23456789!"
    assert errno_of(fs.seek, h, -100, pfs.SEEK_SET) == S.EINVAL
    fs.sync(h)
    fs.datasync(h)
    fs.ftruncate(h, 4)
    assert fs.fstat(h).size == 4
    fs.allocate(h, 0, 64)
    assert fs.fstat(h).size == 64
    fs.advise(h, 0, 64, pfs.ADVICE_SEQUENTIAL)
    assert errno_of(fs.advise, h, 0, 1, 9) == S.EINVAL
    fs.close(h)
    assert errno_of(fs.read, h, 1) == S.EBADF


def test_create_flags(fs, root, tmp_path):
    flags = pfs.O_WRITE | pfs.O_CREAT | pfs.O_EXCL | pfs.O_NOFOLLOW
    h = fs.openat(root, b"new", flags, 0o600)
    fs.close(h)
    assert (tmp_path / "new").exists()
    assert errno_of(fs.openat, root, b"new", flags) == S.EEXIST
    assert errno_of(fs.openat, root, b"d", pfs.O_WRITE | pfs.O_NOFOLLOW) \
        == S.EISDIR
    h = fs.openat(root, b"f", pfs.O_WRITE | pfs.O_TRUNC | pfs.O_NOFOLLOW)
    assert fs.fstat(h).size == 0
    fs.close(h)


def test_fifo_open_does_not_block(fs, root, tmp_path):
    os.mkfifo(tmp_path / "fifo")
    h = fs.openat(root, b"fifo", pfs.O_READ | pfs.O_NOFOLLOW)
    assert fs.fstat(h).filetype == S.FILETYPE_UNKNOWN
    assert fs.getfl(h) & pfs.FDFLAG_NONBLOCK == 0
    fs.close(h)


def test_stat_types_and_nofollow(fs, root, tmp_path):
    assert fs.statat(root, b"lf").filetype == S.FILETYPE_SYMBOLIC_LINK
    assert fs.statat(root, b"f").filetype == S.FILETYPE_REGULAR_FILE
    assert fs.statat(root, b"d").filetype == S.FILETYPE_DIRECTORY
    assert fs.statat(root, b".").ino == os.stat(tmp_path).st_ino
    st = fs.statat(root, b"f")
    host = os.stat(tmp_path / "f")
    assert (st.dev, st.ino, st.nlink, st.size, st.mtim) == \
        (host.st_dev, host.st_ino, host.st_nlink, host.st_size,
         host.st_mtime_ns)
    assert errno_of(fs.statat, root, b"none") == S.ENOENT


def test_times_with_omit_and_now(fs, root, tmp_path):
    fs.utimensat(root, b"f", 100, 200)
    st = os.stat(tmp_path / "f")
    assert (st.st_atime_ns, st.st_mtime_ns) == (100, 200)
    fs.utimensat(root, b"f", pfs.TIME_OMIT, 300)
    st = os.stat(tmp_path / "f")
    assert (st.st_atime_ns, st.st_mtime_ns) == (100, 300)
    fs.utimensat(root, b"lf", 5, 6)             # the link itself
    assert os.lstat(tmp_path / "lf").st_mtime_ns == 6
    assert os.stat(tmp_path / "f").st_mtime_ns == 300
    h = fs.openat(root, b"f", pfs.O_READ | pfs.O_NOFOLLOW)
    fs.futimens(h, pfs.TIME_NOW, pfs.TIME_OMIT)
    st = os.stat(tmp_path / "f")
    assert st.st_atime_ns > 10**18 and st.st_mtime_ns == 300
    fs.close(h)


def test_directory_operations(fs, root, tmp_path):
    fs.mkdirat(root, b"n")
    assert errno_of(fs.mkdirat, root, b"n") == S.EEXIST
    fs.symlinkat(b"target", root, b"sl")
    assert fs.readlinkat(root, b"sl") == b"target"
    assert errno_of(fs.readlinkat, root, b"f") == S.EINVAL
    fs.linkat(root, b"f", root, b"hard")
    assert os.stat(tmp_path / "hard").st_ino == os.stat(tmp_path / "f").st_ino
    fs.linkat(root, b"dangling", root, b"hard2")      # the link itself
    assert os.readlink(tmp_path / "hard2") == "nowhere"
    fs.renameat(root, b"hard", root, b"renamed")
    assert errno_of(fs.unlinkat, root, b"d") in (S.EISDIR, S.EPERM)
    fs.unlinkat(root, b"renamed")
    fs.unlinkat(root, b"ld")                         # removes the link only
    assert (tmp_path / "d").is_dir()
    (tmp_path / "n" / "x").write_text("x")
    assert errno_of(fs.rmdirat, root, b"n") == S.ENOTEMPTY
    assert errno_of(fs.rmdirat, root, b"f") == S.ENOTDIR
    names = {e[0]: e for e in fs.readdir(root)}
    assert set(names) == {b"f", b"d", b"lf", b"dangling", b"n", b"sl",
                          b"hard2"}
    assert names[b"f"][1:] == (os.stat(tmp_path / "f").st_ino,
                               S.FILETYPE_REGULAR_FILE)
    assert names[b"sl"][2] == S.FILETYPE_SYMBOLIC_LINK
    assert names[b"n"][2] == S.FILETYPE_DIRECTORY
    # listing twice gives the same order (the cookie scheme relies on it)
    assert [e[0] for e in fs.readdir(root)] == [e[0] for e in fs.readdir(root)]


def test_flags(fs, root):
    h = fs.openat(root, b"f", pfs.O_WRITE | pfs.O_APPEND | pfs.O_NOFOLLOW)
    assert fs.getfl(h) == pfs.FDFLAG_APPEND
    fs.setfl(h, pfs.FDFLAG_NONBLOCK)
    assert fs.getfl(h) == pfs.FDFLAG_NONBLOCK
    assert errno_of(fs.setfl, h, pfs.FDFLAG_SYNC) == S.ENOTSUP
    assert fs.isatty(h) is False
    fs.close(h)


def test_base_filesystem_supports_nothing():
    base = pfs.FileSystem()
    assert errno_of(base.open_root, "/") == S.ENOSYS
    assert errno_of(base.readdir, 0) == S.ENOSYS
    assert base.isatty(0) is False
