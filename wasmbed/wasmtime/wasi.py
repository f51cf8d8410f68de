"""WasiConfig: what a WASI guest sees, configured the wasmtime-py way.

Defaults, as in wasmtime: no arguments, an empty environment, no
preopened directories, stdin at end of file and stdout/stderr discarded
(``inherit_*`` hand the guest this process's own). ``stdout_file`` and
``stderr_file`` create or truncate the file when set; ``stdin_file`` opens
an existing one (WasmtimeError otherwise). Settings are write-only
properties; ``Store.set_wasi`` consumes the config (a later setting
raises ValueError "already closed", as in wasmtime-py).

``preopen_dir(path, guest_path, fs_mutable=True)``: wasmbed preopens are
always writable, so ``fs_mutable=False`` raises NotImplementedError
rather than quietly granting write access.
"""

import os
import sys

from wasmbed.wasmtime.errors import WasmtimeError
from wasmbed.wasmtime.closable import Closable


class _Null:
    """stdin at end of file; stdout/stderr swallowed."""

    def read(self, n):
        return b""

    def write(self, data):
        return len(data)


class _Custom:
    """stdout/stderr into a callback(bytes)."""

    def __init__(self, callback):
        self.callback = callback

    def write(self, data):
        r = self.callback(bytes(data))
        return len(data) if r is None else r


_INHERIT = object()


def _path(p):
    if hasattr(p, "__fspath__"):
        p = p.__fspath__()
    if isinstance(p, bytes):
        p = p.decode("utf-8")
    return p


def _setter(fn):
    def fset(self, value):
        self._check_open()
        fn(self, value)
    return property(fset=fset, doc=fn.__doc__)


class WasiConfig(Closable):
    def __init__(self):
        self._argv = []
        self._env = []
        self._dirs = []
        self._std = [None, None, None]   # None: default, _INHERIT, or an object
        self._files = [None, None, None]
        self._consumed = False

    def _check_open(self):
        if self._consumed:
            raise ValueError("already closed")

    def _set_std(self, i, obj, file=None):
        old = self._files[i]
        if old is not None:
            old.close()
        self._std[i] = obj
        self._files[i] = file

    def _open(self, i, path, mode, what):
        try:
            f = open(_path(path), mode)
        except (OSError, TypeError, ValueError):
            raise WasmtimeError("failed to set %s file" % what)
        self._set_std(i, f, f)

    @_setter
    def argv(self, argv):
        """The guest's argv (argv[0] included)."""
        self._argv = [str(a) for a in argv]

    def inherit_argv(self):
        self._check_open()
        self._argv = list(getattr(sys, "orig_argv", sys.argv))

    @_setter
    def env(self, pairs):
        """Environment variables: an iterable of (name, value) pairs."""
        self._env = [(str(k), str(v)) for k, v in pairs]

    def inherit_env(self):
        self._check_open()
        self._env = list(os.environ.items())

    @_setter
    def stdin_file(self, path):
        self._open(0, path, "rb", "stdin")

    def inherit_stdin(self):
        self._check_open()
        self._set_std(0, _INHERIT)

    @_setter
    def stdout_file(self, path):
        self._open(1, path, "wb", "stdout")

    @_setter
    def stdout_custom(self, callback):
        self._set_std(1, _Custom(callback))

    def inherit_stdout(self):
        self._check_open()
        self._set_std(1, _INHERIT)

    @_setter
    def stderr_file(self, path):
        self._open(2, path, "wb", "stderr")

    @_setter
    def stderr_custom(self, callback):
        self._set_std(2, _Custom(callback))

    def inherit_stderr(self):
        self._check_open()
        self._set_std(2, _INHERIT)

    def preopen_dir(self, path, guest_path, fs_mutable=True):
        self._check_open()
        if not fs_mutable:
            raise NotImplementedError(
                "preopen_dir(fs_mutable=False): wasmbed has no read-only preopens")
        host = _path(path)
        if not isinstance(host, str) or not os.path.isdir(host):
            raise WasmtimeError("failed to add preopen dir")
        self._dirs.append((host, _path(guest_path)))

    def close(self):
        """Close the files opened for stdin/stdout/stderr, unless a Store
        took them (set_wasi)."""
        if not self._consumed:
            for i in range(3):
                self._set_std(i, None)
            self._consumed = True

    def _consume(self):
        """-> (wasmbed.wasi.WasiConfig, [files to close with the store])."""
        self._check_open()
        from wasmbed.wasi import WasiConfig as CoreConfig
        streams = []
        for obj in self._std:
            if obj is None:
                obj = _Null()
            elif obj is _INHERIT:
                obj = None   # the platform console: this process's stdio
            streams.append(obj)
        core = CoreConfig(args=self._argv, env=self._env, dirs=self._dirs,
                          stdin=streams[0], stdout=streams[1], stderr=streams[2])
        self._consumed = True
        return core, [f for f in self._files if f is not None]
