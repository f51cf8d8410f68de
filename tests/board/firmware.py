"""Build MicroPython firmware for the qemu boards with wasmbed frozen in.

``firmware(board, heap_size=None)`` -> path of ``firmware.elf``, built from
MicroPython's source (``../shared/vendor/micropython``, or the directory
named by ``WASMBED_MICROPYTHON_SRC``) with the repository's ``manifest.py`` as
FROZEN_MANIFEST. Builds are cached under ``WASMBED_BOARD_CACHE`` (default: a
folder in the system temp directory), keyed by the board, the heap size and
the contents of every frozen file, and serialised with a file lock so that
pytest-xdist workers share them. ``missing()`` says why boards cannot be
built here (None when they can).
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANIFEST = os.path.join(REPO, "manifest.py")
# The board tests' firmware: MANIFEST plus the board side of the tests.
TEST_MANIFEST = os.path.join(REPO, "tests", "board", "frozen", "manifest.py")
CONFORMANCE = os.path.join(REPO, "tests", "platform", "conformance.py")

# qemu machine name, float precision and ROMFS partition address (see the
# boards' mpconfigboard.mk) of each board we build.
BOARDS = {
    "MPS2_AN385": {"machine": "mps2-an385", "cpu": "Cortex-M3", "double": False,
                   "romfs": 0x21000000},
    "MPS2_AN500": {"machine": "mps2-an500", "cpu": "Cortex-M7", "double": True,
                   "romfs": 0x60C00000},
}
DEFAULT_HEAP = 143360   # ports/qemu/Makefile, arm boards


def micropython_source():
    env = os.environ.get("WASMBED_MICROPYTHON_SRC")
    if env:
        return env
    return os.path.join(os.path.dirname(REPO), "shared", "vendor", "micropython")


def missing():
    """-> a reason boards cannot be built and run here, or None."""
    src = micropython_source()
    if not os.path.isdir(os.path.join(src, "ports", "qemu")):
        return "MicroPython source not found (../shared/vendor/micropython or WASMBED_MICROPYTHON_SRC)"
    for tool in ("arm-none-eabi-gcc", "qemu-system-arm", "make"):
        if shutil.which(tool) is None:
            return "%s not installed (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)" % tool
    return None


def cache_dir():
    d = os.environ.get("WASMBED_BOARD_CACHE") or os.path.join(
        tempfile.gettempdir(), "wasmbed-boards-%d" % os.getuid())
    os.makedirs(d, exist_ok=True)
    return d


def _frozen_key():
    h = hashlib.sha256()
    with open(MANIFEST, "rb") as f:
        h.update(f.read())
    pkg = os.path.join(REPO, "wasmbed")
    for dirpath, dirnames, filenames in os.walk(pkg):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                h.update(os.path.relpath(path, REPO).encode())
                with open(path, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()[:16]


def _manifest_key(manifest):
    """A hash of what a manifest other than MANIFEST freezes besides the
    package: the files beside it and the conformance suite."""
    if manifest == MANIFEST:
        return ""
    h = hashlib.sha256()
    here = os.path.dirname(manifest)
    for name in sorted(os.listdir(here)):
        if name.endswith(".py"):
            with open(os.path.join(here, name), "rb") as f:
                h.update(name.encode() + f.read())
    with open(CONFORMANCE, "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:16]


class _Lock:
    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.f = open(self.path, "w")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def _run(cmd, cwd, log):
    with open(log, "ab") as out:
        r = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    if r.returncode:
        with open(log, "rb") as f:
            tail = f.read()[-3000:].decode("utf-8", "replace")
        raise RuntimeError("%s failed (rc %d):\n%s" % (" ".join(cmd), r.returncode, tail))


def source_tree():
    """A writable copy of MicroPython's source with mpy-cross built; -> path."""
    root = cache_dir()
    src = os.path.join(root, "micropython")
    with _Lock(os.path.join(root, "source.lock")):
        stamp = os.path.join(src, ".wasmbed-ready")
        if not os.path.exists(stamp):
            if os.path.exists(src):
                shutil.rmtree(src)
            shutil.copytree(micropython_source(), src, symlinks=True)
            _run(["make", "-C", "mpy-cross", "-j2"], src, os.path.join(root, "mpy-cross.log"))
            open(stamp, "w").close()
    return src


def mpy_cross():
    """Path of the mpy-cross built from the same source as the firmware."""
    return os.path.join(source_tree(), "mpy-cross", "build", "mpy-cross")


def firmware(board, heap_size=None, manifest=MANIFEST):
    """-> path of firmware.elf for ``board`` (a key of BOARDS) with wasmbed
    frozen in; ``heap_size`` None keeps the board's default heap. Raises
    RuntimeError with the build log's tail when the build fails."""
    src = source_tree()
    key = "%s-%s-%s" % (board, heap_size or "default",
                        hashlib.sha256((_frozen_key() + manifest + _manifest_key(manifest))
                                       .encode()).hexdigest()[:16])
    build = "build-" + key
    elf = os.path.join(src, "ports", "qemu", build, "firmware.elf")
    with _Lock(os.path.join(cache_dir(), "build.lock")):
        if not os.path.exists(elf):
            cmd = ["make", "-C", "ports/qemu", "-j2", "BOARD=" + board,
                   "MICROPY_PY_BTREE=0", "BUILD=" + build,
                   "FROZEN_MANIFEST=" + manifest]
            if heap_size:
                cmd.append("MICROPY_HEAP_SIZE=%d" % heap_size)
            _run(cmd, src, os.path.join(cache_dir(), key + ".log"))
    return elf


def romfs_image(files, path):
    """Write a ROMFS image holding ``files`` ({name: bytes}, one flat
    directory) to ``path``, with MicroPython's own writer
    (tools/mpremote/mpremote/romfs.py of the source tree)."""
    import sys
    tools = os.path.join(source_tree(), "tools", "mpremote")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    from mpremote.romfs import VfsRomWriter
    vfs = VfsRomWriter()
    for name in sorted(files):
        vfs.mkfile(name, files[name])
    data = vfs.finalise()
    part = path + ".%d" % os.getpid()
    with open(part, "wb") as f:
        f.write(data)
    os.replace(part, path)
    return path
