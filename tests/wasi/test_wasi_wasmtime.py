"""wasmbed's WASI functions driving real guest programs, independently of
wasmbed's own engine: each module runs under the ``wasmtime`` package with
every ``wasi_snapshot_preview1`` import bound to ``wasmbed.wasi.Wasi``.

- the official wasi-testsuite (C, Rust, AssemblyScript; skipped when
  ../shared/suites is missing), checked like the upstream runner;
- wasmbed's own programs in tests/wasi/programs.
"""

import io
import os
import time

import pytest

import wasi_programs
import wasi_suite
from wasi_support import HostPlatform, WaitableInput, run_with_wasmtime

from wasmbed.wasi import WasiConfig

pytest.importorskip("wasmtime")

CASES = wasi_suite.cases()


@pytest.mark.skipif(not wasi_suite.available(),
                    reason="wasi-testsuite not found at %s (set "
                    "WASMBED_SUITES)" % wasi_suite.testsuite_dir())
@pytest.mark.parametrize("case", CASES or [None],
                         ids=[c.id for c in CASES] or ["no-cases"])
def test_official_case(case, tmp_path):
    if case is None:
        pytest.skip("no wasi-testsuite cases found")
    dirs = case.prepare(str(tmp_path))
    out, err = io.BytesIO(), io.BytesIO()
    plat = HostPlatform(stdin=WaitableInput(), stdout=out, stderr=err)
    config = WasiConfig(args=[case.name + ".wasm"] + case.args, env=case.env,
                        dirs=dirs)
    code, wasi = run_with_wasmtime(case.wasm, config, plat)
    detail = "stderr: %s" % err.getvalue().decode("utf-8", "replace")[-3000:]
    assert wasi.last_error is None, repr(wasi.last_error)
    assert code == case.exit_code, detail
    if case.stdout is not None:
        assert out.getvalue().decode("utf-8") == case.stdout, detail


@pytest.mark.parametrize("prog", wasi_programs.CASES,
                         ids=[p.name for p in wasi_programs.CASES])
def test_own_program(prog, tmp_path):
    wasm = wasi_programs.wat_to_wasm(prog.name, tmp_path)
    dirs = None
    if prog.sandbox:
        box, outside = wasi_programs.make_sandbox(tmp_path)
        dirs = [(box, "/box")]
    out = io.BytesIO()
    plat = HostPlatform(stdin=io.BytesIO(prog.stdin), stdout=out)
    config = WasiConfig(args=[prog.name] + prog.args, dirs=dirs)
    t0 = time.monotonic()
    code, wasi = run_with_wasmtime(wasm, config, plat)
    assert time.monotonic() - t0 >= prog.min_seconds
    assert code == prog.exit_code
    assert out.getvalue() == prog.stdout
    if prog.sandbox:
        assert os.listdir(outside) == ["secret"]
        with open(os.path.join(outside, "secret"), "rb") as f:
            assert f.read() == b"top secret"
        assert os.readlink(os.path.join(box, "out")) == "../outside"
