"""A small WASI preview1 subset in Python for the peers whose Python
bindings have none (pywasm3 0.5.0 links host functions but has no WASI;
ppci 0.5.8 has a partial ``wasi_unstable`` one): what the benchmark
programs import, enough to run them as commands with argv and a captured
stdout. No files (path_open fails with ENOENT, no preopened dirs), a
constant clock, no environment. Not wasmbed's WASI: benchmark glue only.

Shim(argv, read, write): read(addr, n) -> bytes and write(addr, data)
reach the instance's memory (set after instantiation). proc_exit raises
Exit(code). SIGNATURES maps each function to its wasm3 signature string.
"""
import struct

ESUCCESS, EBADF, ENOENT, ENOSYS = 0, 8, 44, 52

SIGNATURES = {
    "args_get": "i(ii)", "args_sizes_get": "i(ii)",
    "environ_get": "i(ii)", "environ_sizes_get": "i(ii)",
    "clock_time_get": "i(iIi)", "random_get": "i(ii)",
    "fd_fdstat_get": "i(ii)", "fd_fdstat_set_flags": "i(ii)",
    "fd_prestat_get": "i(ii)", "fd_prestat_dir_name": "i(iii)",
    "fd_read": "i(iiii)", "fd_write": "i(iiii)", "fd_seek": "i(iIii)",
    "fd_close": "i(i)", "fd_renumber": "i(ii)",
    "path_open": "i(iiiiiIIii)", "path_remove_directory": "i(iii)",
    "path_rename": "i(iiiiii)", "path_unlink_file": "i(iii)",
    "proc_exit": "v(i)",
}


class Exit(Exception):
    """proc_exit(code)."""


class Shim:
    def __init__(self, argv):
        self.argv = [a.encode() for a in argv]
        self.out = []
        self.read = self.write = None

    def _u32(self, addr, *vals):
        self.write(addr, struct.pack("<%dI" % len(vals), *vals))

    def args_sizes_get(self, pc, psz):
        self._u32(pc, len(self.argv))
        self._u32(psz, sum(len(a) + 1 for a in self.argv))
        return ESUCCESS

    def args_get(self, pv, pb):
        for a in self.argv:
            self._u32(pv, pb)
            self.write(pb, a + b"\0")
            pv += 4
            pb += len(a) + 1
        return ESUCCESS

    def environ_sizes_get(self, pc, psz):
        self._u32(pc, 0)
        self._u32(psz, 0)
        return ESUCCESS

    def environ_get(self, pv, pb):
        return ESUCCESS

    def clock_time_get(self, clock, precision, out):
        self.write(out, struct.pack("<Q", 1_000_000_000))
        return ESUCCESS

    def random_get(self, buf, n):
        self.write(buf, bytes(n))
        return ESUCCESS

    def fd_fdstat_get(self, fd, out):
        if fd > 2:
            return EBADF
        # character device, no flags, all rights
        self.write(out, struct.pack("<BxHxxxxQQ", 2, 0, (1 << 64) - 1, (1 << 64) - 1))
        return ESUCCESS

    def fd_fdstat_set_flags(self, fd, flags):
        return ESUCCESS if fd <= 2 else EBADF

    def fd_prestat_get(self, fd, out):
        return EBADF

    def fd_prestat_dir_name(self, fd, path, n):
        return EBADF

    def fd_read(self, fd, iovs, n, nread):
        self._u32(nread, 0)
        return ESUCCESS if fd == 0 else EBADF

    def fd_write(self, fd, iovs, n, nwritten):
        if fd not in (1, 2):
            return EBADF
        total = 0
        for i in range(n):
            p, ln = struct.unpack("<II", self.read(iovs + 8 * i, 8))
            if fd == 1:
                self.out.append(self.read(p, ln))
            total += ln
        self._u32(nwritten, total)
        return ESUCCESS

    def fd_seek(self, fd, offset, whence, out):
        return ENOSYS

    def fd_close(self, fd):
        return ESUCCESS

    def fd_renumber(self, a, b):
        return ENOSYS

    def path_open(self, *a):
        return ENOENT

    def path_remove_directory(self, *a):
        return ENOENT

    def path_rename(self, *a):
        return ENOENT

    def path_unlink_file(self, *a):
        return ENOENT

    def proc_exit(self, code):
        raise Exit(code)

    def stdout(self):
        return b"".join(self.out)
