"""``wasmbed compile --float soft|hard``: the float mode AOT code is made
for, whatever the mode of the process that runs the CLI (the engine's mode
is fixed when it is imported, so a mode other than the process's is
compiled in a child process). Default: hard, or WASMBED_FLOAT when set.
The AOT file records its mode (``FLOAT_MODE``); tests/test_softfloat.py
checks that a host refuses the other mode."""

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOATS = os.path.join(REPO, "benchmarks", "floats.wasm")


def cli(*args, **env):
    full = dict(os.environ)
    full.pop("WASMBED_FLOAT", None)
    full.update(env)
    r = subprocess.run([sys.executable, "-m", "wasmbed"] + list(args),
                       capture_output=True, timeout=120, env=full)
    return r.returncode, r.stdout, r.stderr


def float_mode_of(path):
    for line in path.read_text().splitlines():
        if line.startswith("FLOAT_MODE = "):
            return line.split("=", 1)[1].strip().strip("'\"")
    raise AssertionError("no FLOAT_MODE line in %s" % path)


@pytest.mark.parametrize("flag,env,mode", [
    ((), None, "hard"),                      # the default
    (("--float", "soft"), None, "soft"),
    (("--float", "hard"), None, "hard"),
    ((), "soft", "soft"),                    # WASMBED_FLOAT still counts
    (("--float", "hard"), "soft", "hard"),   # the option wins over it
    (("--float", "soft"), "hard", "soft"),
])
def test_compile_makes_code_for_the_float_mode_asked(tmp_path, flag, env, mode):
    out = tmp_path / "floats_aot.py"
    extra = {"WASMBED_FLOAT": env} if env else {}
    code, _, err = cli("compile", *(flag + (FLOATS, "-o", str(out))), **extra)
    assert code == 0, err
    assert float_mode_of(out) == mode


def test_soft_and_hard_code_differ_in_how_they_compute_f64(tmp_path):
    soft, hard = tmp_path / "s_aot.py", tmp_path / "h_aot.py"
    assert cli("compile", "--float", "soft", FLOATS, "-o", str(soft))[0] == 0
    assert cli("compile", "--float", "hard", FLOATS, "-o", str(hard))[0] == 0
    assert soft.read_text() != hard.read_text()


def test_compile_mpy_in_soft_mode(tmp_path):
    out = tmp_path / "floats.mpy"
    code, _, err = cli("compile", "--mpy", "--float", "soft", FLOATS, "-o", str(out))
    assert code == 0, err
    data = out.read_bytes()
    assert data[:2] == b"M\x06" and b"soft" in data


def test_an_unknown_float_mode_is_a_usage_error(tmp_path):
    code, _, err = cli("compile", "--float", "single", FLOATS, "-o",
                       str(tmp_path / "x.py"))
    assert code == 2 and b"--float" in err


def test_a_failure_in_the_child_is_one_error_line(tmp_path):
    missing = str(tmp_path / "missing.wasm")
    code, out, err = cli("compile", "--float", "soft", missing, "-o",
                         str(tmp_path / "x.py"))
    assert code == 1 and out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wasmbed: error: cannot read ")
