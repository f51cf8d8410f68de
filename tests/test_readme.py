"""The README's example for each user group (board, port, sandbox host)
is five lines and runs as printed, from the repository root: the board's
under the MicroPython unix port, the others under CPython, the sandbox's
command line through `python -m wasmbed`."""

import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = re.compile(r"<!-- example: (.+?) -->\n```(\w+)\n(.*?)```", re.S)


def examples():
    """{name: (language, code)} of the README's marked examples."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
        text = f.read()
    return {m.group(1): (m.group(2), m.group(3)) for m in MARKER.finditer(text)}


def env_with_repo():
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_python(code, interpreter=None):
    exe = interpreter or sys.executable
    if interpreter is not None:   # MicroPython: no PYTHONPATH
        code = "import sys\nsys.path.insert(0, %r)\n" % REPO + code
    p = subprocess.run([exe, "-c", code], cwd=REPO, env=env_with_repo(),
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def test_every_user_group_has_a_five_line_example():
    found = examples()
    assert set(found) == {"board (MicroPython)", "port", "sandbox", "sandbox (CLI)"}
    for name in ("board (MicroPython)", "port", "sandbox"):
        lang, code = found[name]
        assert lang == "python"
        assert len(code.strip().splitlines()) == 5, name


@pytest.mark.skipif(shutil.which("micropython") is None,
                    reason="needs the MicroPython unix port")
def test_board_example_runs_on_micropython():
    _, code = examples()["board (MicroPython)"]
    assert run_python(code, shutil.which("micropython")) == (0, "Hello, board!\n", "")


def test_port_example_runs():
    _, code = examples()["port"]
    assert run_python(code) == (0, "6765\n", "")


def test_sandbox_example_runs_and_its_fuel_is_real():
    _, code = examples()["sandbox"]
    assert run_python(code) == (0, "Hello, sandbox!\n", "")
    assert "fuel=10**7" in code
    rc, out, err = run_python(code.replace("fuel=10**7", "fuel=1000"))
    assert rc == 1 and "Trap: all fuel consumed" in err


def test_sandbox_command_line_runs():
    _, code = examples()["sandbox (CLI)"]
    argv = shlex.split(code.replace("\\\n", " "))
    assert argv[0] == "wasmbed"
    p = subprocess.run([sys.executable, "-m", "wasmbed"] + argv[1:], cwd=REPO,
                       env=env_with_repo(), capture_output=True, text=True, timeout=300)
    assert (p.returncode, p.stdout, p.stderr) == (0, "Hello, sandbox!\n", "")
