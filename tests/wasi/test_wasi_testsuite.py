"""The official wasi-testsuite (C, Rust, AssemblyScript; preview1; and the
wasi-threads proposal's cases) run
through the CLI: ``python -m wasmbed run --dir HOST::GUEST --env K=V
FILE.wasm ARGS...`` in a subprocess, checked as the upstream runner checks:
the exit code always, stdout only when the case's .json gives one.

Needs ../shared/suites (or $WASMBED_SUITES); skips when it is missing.
$WASMBED_WASI_TIMEOUT sets the per-case timeout in seconds (default 300).
The upstream runner removes ``*.cleanup`` leftovers; here every case runs in
a fresh copy of its directories instead.
"""

import os
import subprocess
import sys

import pytest

import wasi_suite

CASES = wasi_suite.cases() + wasi_suite.thread_cases()
TIMEOUT = float(os.environ.get("WASMBED_WASI_TIMEOUT", "300"))
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

pytestmark = pytest.mark.skipif(
    not wasi_suite.available(),
    reason="wasi-testsuite not found at %s (set WASMBED_SUITES)"
    % wasi_suite.testsuite_dir())


def command(case, dirs):
    argv = [sys.executable, "-m", "wasmbed", "run"]
    for host, guest in dirs:
        argv += ["--dir", "%s::%s" % (host, guest)]
    for key, value in case.env.items():
        argv += ["--env", "%s=%s" % (key, value)]
    return argv + [case.wasm] + case.args


@pytest.mark.parametrize("case", CASES or [None],
                         ids=[c.id for c in CASES] or ["no-cases"])
def test_wasi_testsuite(case, tmp_path):
    if case is None:
        pytest.skip("no wasi-testsuite cases found")
    argv = command(case, case.prepare(str(tmp_path)))
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    # stdin stays open and empty while the guest runs (as a terminal would).
    rfd, wfd = os.pipe()
    try:
        proc = subprocess.run(argv, cwd=str(tmp_path), stdin=rfd,
                              capture_output=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("%s: no exit within %ss" % (case.id, TIMEOUT))
    finally:
        os.close(rfd)
        os.close(wfd)
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    detail = "\n$ %s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
        " ".join(argv), stdout[-2000:], stderr[-4000:])
    assert proc.returncode == case.exit_code, "exit code %d, expected %d%s" % (
        proc.returncode, case.exit_code, detail)
    if case.stdout is not None:
        assert stdout == case.stdout, detail
