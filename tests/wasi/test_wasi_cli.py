"""wasmbed's own WASI programs (tests/wasi/programs) run through the CLI,
``python -m wasmbed run [--dir HOST::GUEST] FILE.wasm ARGS...``: exit
status, stdout, stdin passing and the sandbox, end to end."""

import os
import subprocess
import sys
import time

import pytest

import wasi_programs

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.mark.parametrize("prog", wasi_programs.CASES,
                         ids=[p.name for p in wasi_programs.CASES])
def test_program_via_cli(prog, tmp_path):
    wasm = wasi_programs.wat_to_wasm(prog.name, tmp_path)
    argv = [sys.executable, "-m", "wasmbed", "run"]
    if prog.sandbox:
        box, outside = wasi_programs.make_sandbox(tmp_path)
        argv += ["--dir", "%s::/box" % box]
    argv += [wasm] + prog.args
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    t0 = time.monotonic()
    proc = subprocess.run(argv, input=prog.stdin, capture_output=True,
                          timeout=120, cwd=str(tmp_path), env=env)
    elapsed = time.monotonic() - t0
    detail = proc.stderr.decode("utf-8", "replace")[-3000:]
    assert proc.returncode == prog.exit_code, detail
    assert proc.stdout == prog.stdout, detail
    assert elapsed >= prog.min_seconds
    if prog.sandbox:
        assert os.listdir(outside) == ["secret"]
