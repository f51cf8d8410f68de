"""The command line: ``inspect``, ``wast`` and the error contract (one
``wasmbed: error:`` line, no traceback)."""

import json
import os
import subprocess
import sys

import pytest

from wasmbed.cli import main
from binary import HEADER, section, name

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))








# (module
#   (type (func (param i32) (result i64)))
#   (import "env" "mem" (memory 1 2 shared))
#   (import "env" "log" (func (type 0)))
#   (func (type 0) unreachable)   ;; function 1
#   (table 3 7 funcref)
#   (global (mut f32) (f32.const 0))
#   (export "run" (func 1)) (export "tab" (table 0))
#   (elem (i32.const 0) func 1)
#   (data "hello") passive, with a data count section
#   + custom sections "meta" and "name")
MODULE = HEADER + b"".join([
    section(1, b"\x01\x60\x01\x7f\x01\x7e"),
    section(2, b"\x02" + name(b"env") + name(b"mem") + b"\x02\x03\x01\x02"
            + name(b"env") + name(b"log") + b"\x00\x00"),
    section(3, b"\x01\x00"),
    section(4, b"\x01\x70\x01\x03\x07"),
    section(6, b"\x01\x7d\x01\x43\x00\x00\x00\x00\x0b"),
    section(7, b"\x02" + name(b"run") + b"\x00\x01" + name(b"tab") + b"\x01\x00"),
    section(9, b"\x01\x00\x41\x00\x0b\x01\x01"),
    section(12, b"\x01"),
    section(10, b"\x01\x03\x00\x00\x0b"),
    section(11, b"\x01\x01" + name(b"hello")),
    section(0, name(b"meta") + b"12345678"),
    section(0, name(b"name") + b"\x00\x04\x03app"),
])


@pytest.fixture
def wasm(tmp_path):
    path = tmp_path / "app.wasm"
    path.write_bytes(MODULE)
    return str(path)


def run_main(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_inspect_prints_one_line_per_item(capsys, wasm):
    status, lines, err = run_main(capsys, "inspect", wasm)
    assert status == 0 and err == ""
    assert "size: %d bytes" % len(MODULE) in lines
    assert "type 0: (func (param i32) (result i64))" in lines
    assert "import memory 'env'.'mem': min 1 max 2 shared" in lines
    assert "import func 'env'.'log': type 0 (func (param i32) (result i64))" in lines
    assert "functions: 2 (1 imported, 1 defined)" in lines
    assert "table 0: funcref min 3 max 7" in lines
    assert "global 0: mut f32" in lines
    assert "export 'run': func 1" in lines
    assert "export 'tab': table 0" in lines
    # (3.0: a segment of function indices is of type (ref func))
    assert "elem 0: (ref func) active table 0, 1 entries" in lines
    assert "data 0: passive, 5 bytes" in lines
    assert "data count: 1" in lines
    assert "module name: 'app'" in lines
    customs = [l for l in lines if l.startswith("custom ")]
    assert customs[0].startswith("custom 'meta': offset 0x") and customs[0].endswith(", 8 bytes")
    assert len(customs) == 2


def test_inspect_lists_sections_in_file_order_with_offsets(capsys, wasm):
    _, lines, _ = run_main(capsys, "inspect", wasm)
    sections = [l.split() for l in lines if l.startswith("section ")]
    assert [s[1] for s in sections] == [
        "type", "import", "function", "table", "global", "export", "element",
        "datacount", "code", "data", "custom", "custom"]
    first = sections[0]
    assert first[2:6] == ["offset", "0x00000a", "size", "6"]
    # each section's content ends where the next header begins
    offsets = [int(s[3], 16) for s in sections]
    sizes = [int(s[5]) for s in sections]
    for i in range(len(sections) - 1):
        assert offsets[i] + sizes[i] < offsets[i + 1]
    assert offsets[-1] + sizes[-1] == len(MODULE)


def test_inspect_missing_file(capsys, tmp_path):
    status, lines, err = run_main(capsys, "inspect", str(tmp_path / "nope.wasm"))
    assert status == 1 and lines == []
    assert err.startswith("wasmbed: error: ") and err.count("\n") == 1
    assert "nope.wasm" in err


def test_inspect_malformed_module(capsys, tmp_path):
    path = tmp_path / "bad.wasm"
    path.write_bytes(HEADER + b"\x01\x05\x01")
    status, _, err = run_main(capsys, "inspect", str(path))
    assert status == 1
    assert err.startswith("wasmbed: error: ") and err.count("\n") == 1
    assert "length out of bounds" in err


def test_usage_error_exits_2(capsys):
    status, _, err = run_main(capsys, "frobnicate")
    assert status == 2 and "Traceback" not in err


# -- wast -------------------------------------------------------------------------

def write_script(tmp_path):
    (tmp_path / "ok.wasm").write_bytes(HEADER)
    (tmp_path / "trunc.wasm").write_bytes(HEADER[:5])
    script = {"source_filename": "demo.wast", "commands": [
        {"type": "module", "line": 1, "filename": "ok.wasm", "module_type": "binary"},
        {"type": "assert_malformed", "line": 2, "filename": "trunc.wasm",
         "module_type": "binary", "text": "unexpected end"},
        {"type": "assert_malformed", "line": 3, "filename": "ok.wasm",
         "module_type": "binary", "text": "magic header not detected"},
        {"type": "assert_malformed", "line": 4, "filename": "x.wat",
         "module_type": "text", "text": "unknown operator"},
    ]}
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(script))
    return str(path)


def test_wast_summary_failures_and_exit_status(capsys, tmp_path):
    status, lines, err = run_main(capsys, "wast", write_script(tmp_path))
    assert status == 1 and err == ""
    assert lines[-1] == "2 passed, 1 failed, 1 skipped"
    failures = [l for l in lines if l.startswith("demo.wast:")]
    assert len(failures) == 1
    assert failures[0].startswith("demo.wast:3: assert_malformed ok.wasm: ")
    assert "magic header not detected" in failures[0]


def test_runner_counts_kinds_it_cannot_run_as_skipped(tmp_path):
    import io
    from wasmbed.wast import WastRunner
    script = tmp_path / "new.json"
    script.write_text(json.dumps({"commands": [
        {"type": "assert_from_the_future", "line": 1},
        {"type": "assert_from_the_future", "line": 2}]}))
    out = io.StringIO()
    runner = WastRunner(out=out)
    runner.run_paths([str(script)])
    assert runner.report() == 0
    assert out.getvalue().splitlines()[-1] == "0 passed, 0 failed, 2 skipped"


def test_wast_only_restricts_kinds(capsys, tmp_path):
    status, lines, _ = run_main(capsys, "wast", "--only", "module", write_script(tmp_path))
    assert status == 0
    assert lines[-1] == "1 passed, 0 failed"


def test_wast_missing_file(capsys, tmp_path):
    status, _, err = run_main(capsys, "wast", str(tmp_path / "none.json"))
    assert status == 1
    assert err.startswith("wasmbed: error: ") and err.count("\n") == 1


def test_python_dash_m_entry_point(wasm):
    proc = subprocess.run([sys.executable, "-m", "wasmbed", "inspect", wasm],
                          cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.returncode == 0, proc.stderr
    assert b"functions: 2 (1 imported, 1 defined)" in proc.stdout


def test_wast_converts_a_wast_file_when_a_converter_is_installed(capsys, tmp_path):
    from wasmbed.wast.script import _find_tool
    if not (_find_tool("wasm-tools") or _find_tool("wast2json")):
        pytest.skip("neither wasm-tools nor wast2json is installed")
    path = tmp_path / "mini.wast"
    path.write_text('(module (func (export "f")))\n'
                    '(assert_malformed (module binary "\\00asm\\01") "unexpected end")\n'
                    '(assert_malformed (module binary "\\00asm\\02\\00\\00\\00") "wrong text")\n')
    status, lines, err = run_main(capsys, "wast", str(path))
    assert status == 1, err
    assert lines[-1] == "2 passed, 1 failed"
    assert any(":3: assert_malformed" in l and "unknown binary version" in l for l in lines)
