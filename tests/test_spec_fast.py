"""The fast tier against the spec suites: WebAssembly 2.0 core, SIMD and
the threads proposal, as tests/test_spec_exec.py runs them on the
interpreter.

Every command of every script must pass; only text-format modules are
skipped (they test a text parser). One test per script, so a failure names
the script and lists each failing command.
"""
import io
import os

import pytest

from suites import needs_spec, spec_dirs
from wasmbed.wast_exec import ExecRunner

SCRIPTS = [(p, d) for p in ("core", "simd", "threads") for d in spec_dirs(p)]


@needs_spec
@pytest.mark.parametrize("proposal, script", SCRIPTS,
                         ids=["%s/%s" % (p, os.path.basename(d)) for p, d in SCRIPTS])
def test_script_passes_on_fast(proposal, script):
    out = io.StringIO()
    runner = ExecRunner(out=out, mode="fast")
    runner.run_path(script)
    runner.report()
    assert runner.rt.engine.__name__ == "wasmbed.core.fast"
    assert runner.failed == 0, out.getvalue()
    assert runner.passed + sum(runner.skipped.values()) > 0
    assert all(k.startswith("text-format") for k in runner.skipped), runner.skipped
