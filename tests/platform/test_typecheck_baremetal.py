"""The baremetal port type-checks against MicroPython's own stubs.

Runs .ci/typecheck_baremetal.sh, which installs mypy and the pinned
micropython-*-stubs into a directory of its own (never into this venv,
whose CPython stdlib the stubs would shadow) and runs mypy on
wasmbed/platform/baremetal.
"""
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, ".ci", "typecheck_baremetal.sh")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_baremetal_port_typechecks_against_micropython_stubs():
    env = dict(os.environ)
    env["PYTHON"] = sys.executable
    proc = subprocess.run(["bash", SCRIPT], capture_output=True, env=env, timeout=900)
    out = proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, out[-4000:]
