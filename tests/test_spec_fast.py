"""The fast tier against the WebAssembly spec suite (2.0 core and SIMD).

Every command of every script must pass (text-format modules are skipped:
they test a text parser). One test per script, so a failure names the
script and lists each failing command.
"""
import io
import os

import pytest

from suites import needs_spec, spec_dirs
from wasmbed.wast_exec import ExecRunner

CORE = spec_dirs("core")
SIMD = spec_dirs("simd")


def run_script(script):
    out = io.StringIO()
    runner = ExecRunner(out=out, mode="fast")
    runner.run_path(script)
    runner.report()
    assert runner.rt.engine.__name__ == "wasmbed.core.fast"
    assert runner.failed == 0, out.getvalue()
    assert runner.passed + sum(runner.skipped.values()) > 0
    # only text-format cases may be skipped
    assert all(k.startswith("text-format") for k in runner.skipped), runner.skipped


@needs_spec
@pytest.mark.parametrize("script", CORE, ids=[os.path.basename(d) for d in CORE])
def test_core_script_passes_on_fast(script):
    run_script(script)


@needs_spec
@pytest.mark.parametrize("script", SIMD, ids=[os.path.basename(d) for d in SIMD])
def test_simd_script_passes_on_fast(script):
    run_script(script)
