"""The validator runs unchanged on MicroPython and gives CPython's verdicts.

The WAT files of tests/wat/validate and a few spec scripts' modules are
turned into binaries under CPython; the real MicroPython unix binary then
decodes and validates each one and prints its verdict ("ok" or the error
message). Both interpreters must print the same lines. Skips when no
MicroPython binary or wasm-tools is installed.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from test_validate import WASM_TOOLS, WAT_DIR, wat2bin, _wat_files
from test_validate_spec import SPEC_JSON

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC_SAMPLE = ("core/br_table/br_table.json", "core/select/select.json",
               "core/ref_func/ref_func.json", "simd/simd_lane/simd_lane.json",
               "threads/atomic/atomic.json", "wasm3/struct/struct.json",
               "wasm3/array/array.json", "wasm3/type-subtyping/type-subtyping.json",
               "wasm3/br_on_cast/br_on_cast.json")


def _micropython():
    cand = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.path.exists(cand):
        return cand
    return shutil.which("micropython")


MICROPYTHON = _micropython()

SCRIPT = r'''
import sys
sys.path.insert(0, %r)
from wasmbed.core.decode import decode_module
from wasmbed.core.validate import validate_module
from wasmbed.core.errors import WasmError
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    try:
        validate_module(decode_module(data))
        print("ok")
    except WasmError as e:
        print(type(e).__name__, e.message)
''' % REPO


def _binaries(tmp_path):
    paths = []
    for sub in ("valid", "invalid"):
        for name in _wat_files(sub):
            with open(os.path.join(WAT_DIR, sub, name)) as f:
                p = tmp_path / (sub + "_" + name + ".wasm")
                p.write_bytes(wat2bin(f.read()))
                paths.append(str(p))
    for rel in SPEC_SAMPLE:
        path = os.path.join(SPEC_JSON, rel)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            script = json.load(f)
        for cmd in script["commands"]:
            if (cmd.get("module_type") == "binary"
                    and cmd["type"] in ("module", "assert_invalid")):
                paths.append(os.path.join(os.path.dirname(path), cmd["filename"]))
    return paths


@pytest.mark.skipif(MICROPYTHON is None, reason="MicroPython binary not installed")
@pytest.mark.skipif(WASM_TOOLS is None, reason="wasm-tools not installed")
def test_same_verdicts_on_micropython(tmp_path):
    paths = _binaries(tmp_path)
    script = tmp_path / "verdicts.py"
    script.write_text(SCRIPT)
    mp = subprocess.run([MICROPYTHON, "-X", "heapsize=64M", str(script)] + paths,
                        capture_output=True, text=True, timeout=300)
    cp = subprocess.run([sys.executable, str(script)] + paths,
                        capture_output=True, text=True, timeout=300)
    assert cp.returncode == 0, cp.stderr
    assert mp.returncode == 0, mp.stderr
    lines = cp.stdout.splitlines()
    assert len(lines) == len(paths)
    # The sample holds both outcomes, so a broken harness cannot pass.
    assert "ok" in lines and any(l.startswith("InvalidModule") for l in lines)
    assert mp.stdout.splitlines() == lines
