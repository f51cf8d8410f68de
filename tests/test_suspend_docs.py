"""docs/SUSPEND.md's examples run as printed from the repository root
(each checks itself against an uninterrupted run)."""

import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = re.compile(r"<!-- example: (.+?) -->\n```python\n(.*?)```", re.S)


def examples():
    with open(os.path.join(REPO, "docs", "SUSPEND.md"), encoding="utf-8") as f:
        return dict(MARKER.findall(f.read()))


def test_every_section_has_its_example():
    assert set(examples()) == {"suspend", "fuel", "snapshot", "async"}


@pytest.mark.parametrize("name", ["suspend", "fuel", "snapshot", "async"])
def test_example_runs(name):
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-c", examples()[name]], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout
