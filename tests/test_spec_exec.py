"""Both execution tiers against the spec suites: WebAssembly 2.0 core, SIMD,
and the threads proposal (atomics, wait/notify, and the multi-threaded
litmus tests whose `thread`/`wait` commands run on real host threads).

Every command of every script must pass on the interpreter and on the fast
tier; only text-format modules are skipped (they test a text parser). One
test per script and tier, so a failure names both and lists each failing
command.
"""
import io
import os

import pytest

from suites import needs_spec, spec_dirs
from wasmbed.wast import ExecRunner

SCRIPTS = [(p, d) for p in ("core", "simd", "threads") for d in spec_dirs(p)]
ENGINES = {"interp": "wasmbed.core.interp", "fast": "wasmbed.core.fast"}


@needs_spec
@pytest.mark.parametrize("mode", sorted(ENGINES))
@pytest.mark.parametrize("proposal, script", SCRIPTS,
                         ids=["%s/%s" % (p, os.path.basename(d)) for p, d in SCRIPTS])
def test_script_passes(proposal, script, mode):
    out = io.StringIO()
    runner = ExecRunner(out=out, mode=mode)
    runner.run_path(script)
    runner.report()
    assert runner.rt.engine.__name__ == ENGINES[mode]
    assert runner.failed == 0, out.getvalue()
    assert runner.passed + sum(runner.skipped.values()) > 0
    assert all(k.startswith("text-format") for k in runner.skipped), runner.skipped
