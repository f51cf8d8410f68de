"""Feed spec scripts to a board (host side of ``wasmbed.spec_board``).

``script_lines(json_path, tier)`` -> (records, skipped, pool, files): the
script's commands in the board runner's record format (see
wasmbed/spec_board.py), module bytes included; the number of commands
that cannot run (text-format modules, which have no binary); the pool to
carve linear memories from (the most pages any module starts with, 0 when
none has a memory); and the files the records name in the board's ROMFS
({file name: bytes}). Tier ``"i"`` names the ``.wasm`` in the ROMFS, which
the interpreter decodes in place from flash; tier ``"a"`` names the
module's AOT form, written on the host with ``wasmbed compile`` and
``mpy-cross`` (cached by the module's bytes under the board cache); both
go in the board's ROMFS image at boot (``aot_romfs``), as a device would
carry them in flash. assert_malformed and assert_invalid modules are sent
as ``.wasm`` bytes in both tiers, received into the board's module buffer.

``run_script(repl, json_path, tier)`` -> Result (passed, failed, free
heap at the end, the board's first failure lines, skipped): soft-resets
the board, allocates the pool, starts ``spec_board.serve()`` over the raw
REPL and sends the compressed stream in ``Z`` lines, a few at a time,
each batch followed by ``S`` and a wait for the board's ``ok``.
"""

import binascii
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zlib

from tests.board import firmware
from wasmbed.device.rawrepl import CTRL_D, RemoteError

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
CHUNK = 384          # compressed bytes per Z line (512 base64 characters)
BATCH = 3            # Z lines sent before waiting for the board's ok
WINDOW_BITS = 9      # the deflate window (spec_board.WINDOW_BITS)
SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
           "_.-+*/<>=!?$@#&^~:")
PAGE = 65536
# seconds the board may stay silent on one batch (a slow module load)
BATCH_TIMEOUT = 300


class Skip(Exception):
    pass


class Result(object):
    """``limited``: the resource-limited commands, as "<line> <op> <why>"
    strings (see spec_board)."""

    def __init__(self, passed, failed, free, fails, skipped, limited=()):
        self.passed = passed
        self.failed = failed
        self.free = free
        self.fails = fails
        self.skipped = skipped
        self.limited = list(limited)

    def limited_lines(self):
        return [int(x.split(" ", 1)[0]) for x in self.limited]

    def __repr__(self):
        return ("Result(passed=%d, failed=%d, limited=%d, skipped=%d, free=%d, "
                "fails=%r, limited=%r)" % (
                    self.passed, self.failed, len(self.limited), self.skipped,
                    self.free, self.fails, self.limited))


def field(name):
    if name and all(c in SAFE for c in name):
        return name
    return "%" + binascii.hexlify(name.encode()).decode()


def _bits(s, mask):
    return str(int(s) & mask)


def value(v):
    """One JSON value -> the board's token (an expected result may use
    the NaN patterns and ``either``)."""
    t = v["type"]
    s = v.get("value")
    if t == "either":
        return "|".join(value(alt) for alt in v["values"])
    if t == "i32":
        return "i" + _bits(s, M32)
    if t == "i64":
        return "I" + _bits(s, M64)
    if t in ("f32", "f64"):
        letter = "f" if t == "f32" else "F"
        if s == "nan:canonical":
            return letter + "c"
        if s == "nan:arithmetic":
            return letter + "a"
        return letter + _bits(s, M32 if t == "f32" else M64)
    if t == "externref":
        return "en" if s == "null" else "e%d" % int(s)
    if t == "funcref":
        return "rn" if s == "null" else "r"
    raise Skip("value type %s" % t)


def values(vs):
    return ",".join(value(v) for v in vs) if vs else "-"


def aot_name(wasm_path):
    """The module name of ``wasm_path``'s AOT form on the board."""
    with open(wasm_path, "rb") as f:
        return "w" + hashlib.sha256(f.read()).hexdigest()[:20]


def aot_romfs(json_paths, soft=False):
    """-> path of a ROMFS image with the AOT modules and the ``.wasm``
    modules of every script in ``json_paths`` (cached by content), for QemuBoard(romfs=...); ``soft``:
    compiled for a board without double floats (WASMBED_FLOAT=soft)."""
    files = {}
    for p in json_paths:
        files.update(script_lines(p, "a", soft)[3])
        files.update(script_lines(p, "i", soft)[3])
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + files[name])
    path = os.path.join(firmware.cache_dir(), "romfs-%s.img" % h.hexdigest()[:16])
    if not os.path.exists(path):
        firmware.romfs_image(files, path)
    return path


def aot_mpy(wasm_path, soft=False):
    """The .mpy of ``wasm_path``'s AOT module (``wasmbed compile`` then
    mpy-cross; cached by content); -> bytes. ``soft``: compiled in software
    float mode, for a board without double floats (the float mode is fixed
    per process, so that compile runs in a child process)."""
    with open(wasm_path, "rb") as f:
        data = f.read()
    cross = firmware.mpy_cross()
    key = hashlib.sha256(data + _translator_key() + (b"soft" if soft else b"")).hexdigest()[:24]
    out_dir = os.path.join(firmware.cache_dir(), "aot")
    os.makedirs(out_dir, exist_ok=True)
    mpy = os.path.join(out_dir, key + ".mpy")
    if not os.path.exists(mpy):
        from wasmbed.cli import main as wasmbed_main
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "aot.py")
            if soft:
                env = dict(os.environ, WASMBED_FLOAT="soft")
                rc = subprocess.run([sys.executable, "-m", "wasmbed", "compile",
                                     wasm_path, "-o", src], env=env).returncode
            else:
                rc = wasmbed_main(["compile", wasm_path, "-o", src])
            if rc != 0:
                raise RuntimeError("wasmbed compile %s failed" % wasm_path)
            part = mpy + ".%d" % os.getpid()
            subprocess.run([cross, "-s", "aot.py", "-o", part, src], check=True)
            os.replace(part, mpy)
    with open(mpy, "rb") as f:
        return f.read()


_TRANSLATOR_KEY = []


def _translator_key():
    """A hash of the code that writes AOT modules (the cache key's half)."""
    if not _TRANSLATOR_KEY:
        h = hashlib.sha256()
        core = os.path.join(firmware.REPO, "wasmbed", "core")
        for name in ("translate.py", "aot_text.py", "fast_rt.py", "numeric.py",
                     "opcodes.py"):
            with open(os.path.join(core, name), "rb") as f:
                h.update(f.read())
        _TRANSLATOR_KEY.append(h.digest())
    return _TRANSLATOR_KEY[0]


def _buffer(data):
    return [b"W %d\n" % len(data) + data]


def script_lines(json_path, tier, soft=False):
    with open(json_path) as f:
        script = json.load(f)
    base = os.path.dirname(json_path)
    lines = []
    skipped = 0

    files = {}

    def module(cmd, aot):
        """-> (records that fill the buffer, the tier field)."""
        name = cmd.get("filename")
        if cmd.get("module_type") == "text":
            name = cmd.get("binary_filename")
            if not name:
                raise Skip("text module")
        path = os.path.join(base, name)
        if aot == "a":
            mod = aot_name(path)
            files[mod + ".mpy"] = aot_mpy(path, soft)
            return [], "a:" + mod
        with open(path, "rb") as f:
            data = f.read()
        if aot == "i":
            # in the board's ROMFS, read in place from flash
            mod = aot_name(path) + ".wasm"
            files[mod] = data
            return [], "r:" + mod
        return _buffer(data), "i"

    pages = [0]

    def count_pages(cmd):
        name = cmd.get("filename")
        if cmd.get("module_type") == "text" or not name:
            return
        from wasmbed.core.decode import decode_module
        with open(os.path.join(base, name), "rb") as f:
            m = decode_module(f.read(), threads=False)
        n = sum(mt.limits.min for mt in m.mem_types)
        if any(imp.module == "spectest" and imp.name == "memory" for imp in m.imports):
            n = max(n, 1)
        pages[0] = max(pages[0], n)

    for cmd in script.get("commands", ()):
        kind = cmd["type"]
        if kind in ("module", "assert_trap", "assert_unlinkable",
                    "assert_uninstantiable") and "action" not in cmd:
            count_pages(cmd)
        line = cmd.get("line", 0)
        aot = tier
        try:
            if kind == "module":
                recs, t = module(cmd, aot)
                lines += recs
                lines.append("M %d %s %s" % (line, field(cmd.get("name") or "."), t))
            elif kind in ("assert_malformed", "assert_invalid"):
                recs, _t = module(cmd, None)
                lines += recs
                lines.append("B %d %s i %s" % (line, kind[7:], cmd.get("text", "")))
            elif kind in ("assert_unlinkable", "assert_uninstantiable") or (
                    kind == "assert_trap" and "action" not in cmd):
                what = "trap" if kind == "assert_trap" else kind[7:]
                recs, t = module(cmd, aot)
                lines += recs
                lines.append("B %d %s %s %s" % (line, what, t, cmd.get("text", "")))
            elif kind == "register":
                lines.append("R %s %s" % (field(cmd["as"]), field(cmd.get("name") or ".")))
            elif kind in ("assert_return", "action", "assert_trap", "assert_exhaustion"):
                act = cmd["action"]
                mod = field(act.get("module") or ".")
                fld = field(act["field"])
                if act["type"] == "get":
                    lines.append("G %d %s %s %s" % (line, mod, fld,
                                                    values(cmd.get("expected", ()))))
                    continue
                args = values(act.get("args", ()))
                if kind == "assert_return":
                    lines.append("A %d %s %s %s %s" % (line, mod, fld, args,
                                                       values(cmd.get("expected", ()))))
                elif kind == "action":
                    lines.append("I %d %s %s %s" % (line, mod, fld, args))
                else:
                    op = "T" if kind == "assert_trap" else "X"
                    lines.append("%s %d %s %s %s %s" % (op, line, mod, fld, args,
                                                        cmd.get("text", "")))
            else:
                skipped += 1
        except Skip:
            skipped += 1
    pool = pages[0] * PAGE
    return lines, skipped, pool, files


def stream(lines):
    """The records (str lines, or bytes records from _buffer) -> the
    compressed stream the board reads, ending with ``Q``."""
    c = zlib.compressobj(9, zlib.DEFLATED, -WINDOW_BITS)
    out = []
    for rec in lines:
        out.append(c.compress(rec if isinstance(rec, bytes) else rec.encode() + b"\n"))
    out.append(c.compress(b"Q\n"))
    out.append(c.flush())
    return b"".join(out)


def run_lines(repl, lines, pool=0, timeout=BATCH_TIMEOUT):
    """Run ``lines`` through ``spec_board.serve()`` on the board, after a
    soft reset (a fresh heap) and with a ``pool`` of that many bytes
    allocated first for linear memories (0: none), then the module buffer
    (as large as the largest module ``lines`` send);
    -> (passed, failed, free, fails, limited). Raises ReplError / RemoteError."""
    data = stream(lines)
    biggest = max([len(r) - len(r.split(b"\n", 1)[0]) - 1
                   for r in lines if isinstance(r, bytes)] or [0])
    repl.enter(soft_reset=True)
    repl.start("import gc\ngc.collect()\n_pool = %s\n_mod = %s\n"
               "import wasmbed.spec_board\n"
               "wasmbed.spec_board.serve(_pool, modbuf=_mod)\n"
               % ("bytearray(%d)" % pool if pool else "None",
                  "bytearray(%d)" % biggest if biggest else "None"))
    wire = [b"Z " + binascii.b2a_base64(data[i:i + CHUNK]).strip()
            for i in range(0, len(data), CHUNK)]
    for i in range(0, len(wire), BATCH):
        last = i + BATCH >= len(wire)
        repl.stream.write(b"\n".join(wire[i:i + BATCH]) + (b"\n" if last else b"\nS\n"))
        if not last:
            extra = _read_answer(repl, b"ok\r\n", timeout)
            if extra.strip():
                raise RuntimeError("unexpected board output: %r" % extra[-500:])
    out = _read_answer(repl, b"END\r\n", timeout).decode("utf-8", "replace")
    rest = repl.read_until(CTRL_D, timeout=timeout)
    err = repl.finish(timeout=timeout)
    if err:
        raise RemoteError(err.decode("utf-8", "replace"), rest)
    passed = failed = free = None
    fails = []
    limited = []
    for text in out.splitlines():
        if text.startswith("RESULT "):
            passed, failed, free = [int(x) for x in text.split()[1:4]]
        elif text.startswith("FAIL "):
            fails.append(text[5:])
        elif text.startswith("LIMITED "):
            limited.append(text[8:])
    if passed is None:
        raise RuntimeError("no RESULT from the board: %r" % out[-2000:])
    return passed, failed, free, fails, limited


def _read_answer(repl, token, timeout):
    """Read up to ``token``; if the runner ended instead (its stdout ends
    with Ctrl-D), collect its traceback and raise RemoteError."""
    buf = bytearray()
    while True:
        b = repl.read_until(b"\n", timeout=timeout)
        buf += b + b"\n"
        if buf.endswith(token):
            return bytes(buf[:-len(token)])
        if b"\x04" in b:
            err = b.split(b"\x04", 1)[1] + repl.read_until(b"\x04", timeout=timeout)
            repl.read_until(b">")
            from wasmbed.device.rawrepl import RemoteError
            raise RemoteError(err.decode("utf-8", "replace"), bytes(buf))


def run_script(repl, json_path, tier, soft=False):
    lines, skipped, pool, _files = script_lines(json_path, tier, soft)
    passed, failed, free, fails, limited = run_lines(repl, lines, pool)
    return Result(passed, failed, free, fails, skipped, limited)
