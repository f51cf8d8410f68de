"""WASI preview1 (``wasi_snapshot_preview1``) for wasmbed.

- ``WasiConfig(args=(), env=None, dirs=None, stdin=None, stdout=None,
  stderr=None, max_fds=1024)``: what the guest sees.
- ``Wasi(config, platform)``: the host functions; ``.imports()`` lists
  ``(name, params, results, fn)`` with ``fn(caller, *args)``; ``.close()``
  closes every host handle it opened; ``.exit_code`` is set by proc_exit.

The guest reaches only its preopened directories: see ``wasi.paths``.
This package imports no host module; the platform object provides clocks,
entropy, the console and (optionally) a ``platform_fs.FileSystem``.
"""

from wasmbed.wasi.config import WasiConfig  # noqa: F401
from wasmbed.wasi.preview1 import Wasi, SIGNATURES  # noqa: F401
