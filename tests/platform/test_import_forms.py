"""``from wasmbed import <sub-module>`` and ``import wasmbed.core.numeric``
work on CPython and on MicroPython's unix port (mp_imports.py; the same
script runs on the qemu boards in tests/board/test_platform.py)."""

import os
import subprocess
import sys

import pytest

from mp_run import HERE, REPO, micropython_binary, run_micropython

EXPECTED = ["clock=1", "numeric=True", "wasi=True", "core=True",
            "missing=refused", "hasattr=False"]


def test_expected_clock_id_is_the_interface_constant():
    from wasmbed.platform_api import CLOCK_MONOTONIC
    assert EXPECTED[0] == "clock=%d" % CLOCK_MONOTONIC


def test_import_forms_under_cpython():
    path = os.environ.get("PYTHONPATH")
    env = dict(os.environ, PYTHONPATH=REPO + (os.pathsep + path if path else ""))
    proc = subprocess.run([sys.executable, HERE + "/mp_imports.py"], cwd=REPO,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().split() == EXPECTED


@pytest.mark.skipif(micropython_binary() is None,
                    reason="no MicroPython binary installed")
def test_import_forms_under_micropython():
    proc = run_micropython(HERE + "/mp_imports.py", timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().split() == EXPECTED
