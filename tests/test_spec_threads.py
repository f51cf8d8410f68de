"""The threads proposal's spec scripts on the interpreter: atomics,
wait/notify, shared memory, and the multi-threaded litmus tests (`thread` /
`wait` commands run on real host threads)."""
import io
import os

import pytest

from suites import needs_spec, spec_dirs
from wasmbed.wast_exec import ExecRunner

THREADS = spec_dirs("threads")


@needs_spec
@pytest.mark.parametrize("script", THREADS, ids=[os.path.basename(d) for d in THREADS])
def test_threads_script_passes_on_interp(script):
    out = io.StringIO()
    runner = ExecRunner(out=out, mode="interp")
    runner.run_path(script)
    runner.report()
    assert runner.failed == 0, out.getvalue()
    assert runner.passed + sum(runner.skipped.values()) > 0
    assert all(k.startswith("text-format") for k in runner.skipped), runner.skipped
