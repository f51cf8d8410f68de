"""wasmbed.wasi runs unchanged on MicroPython.

One script drives the WASI functions with a fake caller, console streams
and a small in-memory platform_fs.FileSystem (directories, files, symlinks)
under the real MicroPython unix binary and under CPython; both must print
the same lines. It covers args/env, stdio, clocks, poll, errors, and the
sandboxed path walk (``..``, symlinks, escapes). Skips when no MicroPython
binary is installed.
"""

import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = r'''
import sys
sys.path.insert(0, %r)
import struct
from wasmbed.wasi import Wasi, WasiConfig
from wasmbed import platform_fs as pfs
from wasmbed.platform_fs import FsError, Stat


class Node:
    def __init__(self, kind, data=b""):
        self.kind = kind          # "d", "f", "l"
        self.data = data          # bytes (file) / target (link)
        self.kids = {}


class MemFS(pfs.FileSystem):
    """Handles are [node, offset] lists."""
    def __init__(self, root):
        self.root = root
        self.ino = {}

    def _ino(self, node):
        return self.ino.setdefault(id(node), len(self.ino) + 10)

    def _child(self, dir, name):
        node = dir[0]
        if node.kind != "d":
            raise FsError(pfs.ENOTDIR)
        if name == b".":
            return node
        child = node.kids.get(name)
        if child is None:
            raise FsError(pfs.ENOENT)
        return child

    def open_root(self, host_path):
        return [self.root, 0]

    def openat(self, dir, name, flags, mode=0o666):
        assert b"/" not in name and name != b".."
        try:
            node = self._child(dir, name)
            if flags & pfs.O_CREAT and flags & pfs.O_EXCL:
                raise FsError(pfs.EEXIST)
        except FsError as exc:
            if exc.errno != pfs.ENOENT or not flags & pfs.O_CREAT:
                raise
            node = Node("f")
            dir[0].kids[name] = node
        if node.kind == "l":
            raise FsError(pfs.ENOTDIR if flags & pfs.O_DIRECTORY
                          else pfs.ELOOP)
        if flags & pfs.O_DIRECTORY and node.kind != "d":
            raise FsError(pfs.ENOTDIR)
        if node.kind == "d" and flags & pfs.O_WRITE:
            raise FsError(pfs.EISDIR)
        if flags & pfs.O_TRUNC:
            node.data = b""
        return [node, 0]

    def close(self, handle):
        pass

    def read(self, h, n):
        data = h[0].data[h[1]:h[1] + n]
        h[1] += len(data)
        return data

    def write(self, h, data):
        node = h[0]
        node.data = node.data[:h[1]] + data + node.data[h[1] + len(data):]
        h[1] += len(data)
        return len(data)

    def seek(self, h, offset, whence):
        base = (0, h[1], len(h[0].data))[whence]
        if base + offset < 0:
            raise FsError(pfs.EINVAL)
        h[1] = base + offset
        return h[1]

    def _stat(self, node):
        ftype = {"d": pfs.FILETYPE_DIRECTORY, "f": pfs.FILETYPE_REGULAR_FILE,
                 "l": pfs.FILETYPE_SYMBOLIC_LINK}[node.kind]
        return Stat(dev=1, ino=self._ino(node), filetype=ftype, nlink=1,
                    size=len(node.data))

    def fstat(self, h):
        return self._stat(h[0])

    def statat(self, dir, name, follow=False):
        return self._stat(self._child(dir, name))

    def readlinkat(self, dir, name):
        node = self._child(dir, name)
        if node.kind != "l":
            raise FsError(pfs.EINVAL)
        return node.data

    def mkdirat(self, dir, name):
        if name in dir[0].kids or name == b".":
            raise FsError(pfs.EEXIST)
        dir[0].kids[name] = Node("d")

    def symlinkat(self, target, dir, name):
        if name in dir[0].kids:
            raise FsError(pfs.EEXIST)
        dir[0].kids[name] = Node("l", target)

    def readdir(self, h):
        return [(k, self._ino(v), self._stat(v).filetype)
                for k, v in sorted(h[0].kids.items())]


class Stream:
    def __init__(self, data=b""):
        self.data = data
        self.out = b""
    def read(self, n):
        chunk = self.data[:n]
        self.data = self.data[n:]
        return chunk
    def write(self, b):
        self.out += bytes(b)
        return len(b)


class Plat:
    def __init__(self, root):
        self.stdin = Stream(b"typed input")
        self.stdout = Stream()
        self.stderr = Stream()
        self.files = MemFS(root)
        self.now = 1000
        self.slept = []
    def clock_ns(self, i):
        self.now += 7
        return self.now
    def clock_res_ns(self, i):
        return 1000
    def sleep_ns(self, n):
        self.slept.append(n)
        self.now += n
    def random_bytes(self, n):
        return bytes(range(n))


class Mem:
    def __init__(self):
        self.data = bytearray(65536)


class Caller:
    def __init__(self):
        self.memory = Mem()
        self.checks = 0
    def check_terminate(self):
        self.checks += 1


# the world: /outside/secret next to the preopened /box
top = Node("d")
outside = Node("d")
outside.kids[b"secret"] = Node("f", b"top secret")
box = Node("d")
box.kids[b"file"] = Node("f", b"inside")
box.kids[b"sub"] = Node("d")
box.kids[b"sub"].kids[b"deep"] = Node("f", b"deep data")
box.kids[b"up"] = Node("l", b"..")
box.kids[b"abs"] = Node("l", b"/outside/secret")
box.kids[b"toSub"] = Node("l", b"sub")
top.kids[b"outside"] = outside
top.kids[b"box"] = box

p = Plat(box)
w = Wasi(WasiConfig(args=["prog", "x"], env={"K": "V"},
                    dirs={"/box": "/box"}), p)
F = {}
for name, params, results, fn in w.imports():
    F[name] = fn
c = Caller()
d = c.memory.data
heap = [4096]

def put(b):
    at = heap[0]
    d[at:at + len(b)] = b
    heap[0] += len(b) + 8
    return at, len(b)

def call(name, *args):
    flat = []
    for a in args:
        if isinstance(a, bytes):
            flat.extend(put(a))
        else:
            flat.append(a)
    return F[name](c, *flat)

def u32(at):
    return struct.unpack_from("<I", d, at)[0]

def open_(path, follow=0, oflags=0, base=2, dirfd=3):
    err = call("path_open", dirfd, follow, path, oflags, base, 0, 0, 100)
    return err, (u32(100) if err == 0 else None)

def read_all(fd):
    struct.pack_into("<II", d, 200, 300, 100)
    err = F["fd_read"](c, fd, 200, 1, 208)
    return err, bytes(d[300:300 + u32(208)])

print("sizes", F["args_sizes_get"](c, 0, 4), u32(0), u32(4))
print("args", F["args_get"](c, 16, 32), bytes(d[32:39]))
print("env", F["environ_sizes_get"](c, 0, 4), u32(0), u32(4))
struct.pack_into("<II", d, 200, 300, 5)
d[300:305] = b"hello"
print("write", F["fd_write"](c, 1, 200, 1, 208), u32(208), p.stdout.out)
print("stdin", read_all(0))
print("clock", F["clock_time_get"](c, 1, 0, 8), struct.unpack_from("<Q", d, 8))
print("badclock", F["clock_res_get"](c, 9, 8))
print("fdstat", F["fd_fdstat_get"](c, 3, 400), bytes(d[400:404]))
print("prestat", F["fd_prestat_get"](c, 3, 400), u32(404))
print("dirname", F["fd_prestat_dir_name"](c, 3, 400, 4), bytes(d[400:404]))
print("badfd", F["fd_close"](c, 77), F["fd_fdstat_get"](c, 77, 400))
print("efault", F["fd_write"](c, 1, 65533, 1, 208))
print("einval", F["fd_write"](c, 1, 200, 5000, 208))

# the sandboxed walk
print("open file", open_(b"file"))
print("read file", read_all(4))
print("dotdot in", open_(b"sub/../sub/deep"))
print("read deep", read_all(5))
print("via link", open_(b"toSub/deep"))
print("escape dotdot", open_(b"../outside/secret"))
print("escape abs", open_(b"/outside/secret"))
print("escape up link", open_(b"up/outside/secret"))
print("escape abs link", open_(b"abs", follow=1))
print("nofollow link", open_(b"abs"))
print("bad utf8", open_(b"fi\xffle"))
print("enotdir", open_(b"file/x"))
print("missing", open_(b"nothing"))
print("symlink abs", call("path_symlink", b"/x", 3, b"new"))
print("symlink rel", call("path_symlink", b"../outside", 3, b"out"))
print("through it", open_(b"out/secret"))
print("mkdir", call("path_create_directory", 3, b"made/"))
print("create", open_(b"made/f", oflags=1, base=64))
print("readdir", F["fd_readdir"](c, 3, 1000, 512, 0, 996), u32(996))
names = []
at = 1000
while at < 1000 + u32(996):
    nl = u32(at + 16)
    names.append(bytes(d[at + 24:at + 24 + nl]))
    at += 24 + nl
print("names", names)
print("secret intact", outside.kids[b"secret"].data, list(outside.kids))

# poll: a relative clock sleeps in slices and checks for termination
struct.pack_into("<QB", d, 2000, 5, 0)
struct.pack_into("<IxxxxQQH", d, 2016, 1, 120000000, 0, 0)
print("poll", F["poll_oneoff"](c, 2000, 2100, 1, 2200), u32(2200),
      struct.unpack_from("<Q", d, 2100), max(p.slept) <= 50000000,
      c.checks >= 3)
print("poll none", F["poll_oneoff"](c, 2000, 2100, 0, 2200))
print("sock", F["sock_shutdown"](c, 1, 1), F["sock_shutdown"](c, 99, 1))
print("raise", F["proc_raise"](c, 1), F["sched_yield"](c))
try:
    F["proc_exit"](c, 42)
except Exception as exc:
    print("exit", type(exc).__name__, exc.code, w.exit_code)
w.close()
print("closed", F["fd_write"](c, 1, 200, 1, 208))
'''


def run(interpreter):
    proc = subprocess.run([interpreter, "-c", SCRIPT % REPO],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode() + proc.stdout.decode()
    return proc.stdout.decode().splitlines()


def test_wasi_script_runs_on_cpython():
    out = run(sys.executable)
    for line in ("write 0 5 b'hello'",
                 "stdin (0, b'typed input')",
                 "open file (0, 4)",
                 "read deep (0, b'deep data')",
                 "escape dotdot (76, None)",
                 "escape abs (76, None)",
                 "escape up link (76, None)",
                 "escape abs link (76, None)",
                 "nofollow link (32, None)",
                 "bad utf8 (25, None)",
                 "symlink abs 76",
                 "through it (76, None)",
                 "secret intact b'top secret' [b'secret']",
                 "poll 0 1 (5,) True True",
                 "exit ProcExit 42 42",
                 "closed 8"):
        assert line in out, (line, out)


def test_wasi_same_output_on_micropython():
    mp = shutil.which("micropython") or os.path.join(
        os.path.dirname(sys.executable), "micropython")
    if not os.path.exists(mp):
        pytest.skip("no micropython binary")
    assert run(mp) == run(sys.executable)
