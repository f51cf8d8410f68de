"""The decoder runs unchanged on MicroPython and gives the same answers.

One script decodes every module file of the spec suites (valid and
malformed) and prints, per file, either a digest of the decoded Module or
the error message and offset; MicroPython's output must equal CPython's.
Skips without a MicroPython binary or without the suites.
"""

import glob
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from suites import SUITES
MICROPYTHON = shutil.which("micropython") or os.path.join(
    os.path.dirname(sys.executable), "micropython")

SCRIPT = r'''
import sys
sys.path.insert(0, %(repo)r)
from wasmbed.core.decode import decode_module
from wasmbed.core.errors import MalformedModule

def digest(m):
    n = 0
    h = 0
    for f in m.funcs:
        for ins in f.body:
            n += 1
            h = (h * 31 + ins[0] + len(ins)) & 0xFFFFFFFF
    return "types=%%d imports=%%d funcs=%%d instrs=%%d h=%%d customs=%%d datas=%%d elems=%%d" %% (
        len(m.types), len(m.imports), len(m.funcs), n, h, len(m.customs),
        len(m.datas), len(m.elems))

for line in open(%(listing)r):
    path = line.strip()
    threads = not path.startswith("core/")
    data = open(%(base)r + "/" + path, "rb").read()
    try:
        print(path, "ok", digest(decode_module(data, threads=threads)))
    except MalformedModule as e:
        print(path, "malformed", e.message, e.offset)
'''


def micropython_can_raise_wasm_errors():
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from wasmbed.core.errors import MalformedModule\n"
            "try:\n    raise MalformedModule('x', 1)\n"
            "except MalformedModule as e:\n    print(e.message)\n" % REPO)
    proc = subprocess.run([MICROPYTHON, "-c", code], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    return proc.stdout.strip() == b"x"


@pytest.mark.skipif(not os.path.exists(MICROPYTHON), reason="no MicroPython binary")
@pytest.mark.skipif(not os.path.isdir(os.path.join(SUITES, "spec-json")),
                    reason="spec suites not found (set WASMBED_SUITES)")
def test_micropython_decodes_the_suite_like_cpython(tmp_path):
    if not micropython_can_raise_wasm_errors():
        pytest.xfail("wasmbed.core.errors cannot be raised on MicroPython "
                     "(WasmError.__init__ calls Exception.__init__)")
    base = os.path.join(SUITES, "spec-json")
    files = sorted(os.path.relpath(p, base) for p in glob.glob(
        os.path.join(base, "**", "*.wasm"), recursive=True))
    assert len(files) > 1000
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(files) + "\n")
    script = tmp_path / "decode_all.py"
    script.write_text(SCRIPT % {"repo": REPO, "listing": str(listing), "base": base})
    outputs = []
    # a heap well above the port's default: this compares decoding, not RAM
    # (tests/test_heap_unix.py measures that)
    for cmd in ([sys.executable], [MICROPYTHON, "-X", "heapsize=16M"]):
        proc = subprocess.run(cmd + [str(script)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=600)
        assert proc.returncode == 0, proc.stderr.decode()[-2000:]
        outputs.append(proc.stdout.decode().splitlines())
    cpython, micro = outputs
    assert len(cpython) == len(files)
    assert sum(1 for l in cpython if " malformed " in l) > 700
    diffs = [(a, b) for a, b in zip(cpython, micro) if a != b]
    assert not diffs, diffs[:10]
