"""Installing wasmbed as a user does: `pipx install` of a copy of the
source tree (else `pip install` into a fresh venv) gives a `wasmbed`
command that works outside the repository, with the package's version and
its py.typed. Marked slow: it builds a wheel in an isolated environment
(about 15 s here, setuptools fetched from the package index)."""

import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELLO = os.path.join(REPO, "examples", "hello.wasm")


def copy_source(dest):
    """The files git would ship (tracked and new, not ignored) -> dest."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"],
                           cwd=REPO, capture_output=True, text=True, check=True)
    for rel in files.stdout.splitlines():
        src = os.path.join(REPO, rel)
        if not os.path.isfile(src):
            continue
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel))


def clean_env(tmp):
    """The environment without anything pointing at this checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIPX_HOME"] = os.path.join(tmp, "pipx-home")
    env["PIPX_BIN_DIR"] = os.path.join(tmp, "bin")
    env["PIPX_MAN_DIR"] = os.path.join(tmp, "man")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def install(tmp, src, env):
    """-> the path of the installed `wasmbed` command."""
    try:
        import pipx  # noqa: F401
    except ImportError:
        pipx = None
    if pipx is not None:
        subprocess.run([sys.executable, "-m", "pipx", "install", src],
                       env=env, cwd=tmp, check=True, capture_output=True, timeout=300)
        return os.path.join(env["PIPX_BIN_DIR"], "wasmbed")
    venv = os.path.join(tmp, "venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q", src],
                   env=env, cwd=tmp, check=True, capture_output=True, timeout=300)
    return os.path.join(venv, "bin", "wasmbed")


def command_python(exe):
    """The interpreter a console script runs on (its #! line)."""
    with open(exe) as f:
        first = f.readline()
    assert first.startswith("#!")
    return first[2:].split()[0]   # "#!/path/python -E"


@pytest.mark.slow
def test_pipx_install_gives_a_working_wasmbed_command(tmp_path):
    import wasmbed
    tmp = str(tmp_path)
    src = os.path.join(tmp, "src")
    copy_source(src)
    env = clean_env(tmp)
    try:
        exe = install(tmp, src, env)
    except subprocess.CalledProcessError as e:
        pytest.fail("install failed: %s" % (e.stderr or b"").decode(errors="replace")[-2000:])
    away = os.path.join(tmp, "elsewhere")
    os.mkdir(away)
    shutil.copy(HELLO, os.path.join(away, "hello.wasm"))

    p = subprocess.run([exe, "--version"], env=env, cwd=away, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("wasmbed %s (python " % wasmbed.__version__)

    p = subprocess.run([exe, "run", "hello.wasm", "pipx"], env=env, cwd=away,
                       capture_output=True, text=True, timeout=120)
    assert (p.returncode, p.stdout, p.stderr) == (0, "Hello, pipx!\n", "")

    # the command imports the installed copy (with py.typed), not this tree
    py = command_python(exe)
    p = subprocess.run([py, "-c", "import os, wasmbed; d = os.path.dirname(wasmbed.__file__); "
                        "print(d); print(os.path.exists(os.path.join(d, 'py.typed')))"],
                       env=env, cwd=away, capture_output=True, text=True, timeout=120)
    where, typed = p.stdout.split()
    assert not where.startswith(REPO) and where.startswith(tmp)
    assert typed == "True"
