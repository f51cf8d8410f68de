"""The interpreter tier against the WebAssembly SIMD spec suite.

Every command of every script under spec-json/simd must pass (text-format
modules are skipped: they test a text parser). One test per script, so a
failure names the script and lists each failing command.
"""
import io
import os

import pytest

from suites import needs_spec, spec_dirs
from wasmbed.wast_exec import ExecRunner

SIMD = spec_dirs("simd")


@needs_spec
@pytest.mark.parametrize("script", SIMD, ids=[os.path.basename(d) for d in SIMD])
def test_simd_script_passes_on_interp(script):
    out = io.StringIO()
    runner = ExecRunner(out=out, mode="interp")
    runner.run_path(script)
    runner.report()
    assert runner.failed == 0, out.getvalue()
    assert runner.passed + sum(runner.skipped.values()) > 0
    # only text-format cases may be skipped
    assert all(k.startswith("text-format") for k in runner.skipped), runner.skipped
