"""The benchmark harness (benchmarks/run.py, programs.py) at a tiny size:
the committed programs are the ones the manifest describes, the
plain-Python twins print what wasmtime prints for the same program, and
one tiny run of the harness over every installed engine finishes with a
time or a reason in every cell. Nothing here asserts a speed."""
import hashlib
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "benchmarks")
sys.path.insert(0, BENCH)

import build_programs as build  # noqa: E402
import programs  # noqa: E402
from twins import TWINS  # noqa: E402


def _manifest():
    with open(os.path.join(build.WASM_DIR, "manifest.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("key", sorted(_manifest()))
def test_committed_wasm_is_the_manifests(key):
    entry = _manifest()[key]
    path = os.path.join(build.WASM_DIR, key + ".wasm")
    with open(path, "rb") as f:
        data = f.read()
    assert len(data) == entry["size"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_every_program_is_committed():
    for name in build.PROGRAMS:
        assert os.path.exists(build.wasm_path(name)), name
        assert os.path.exists(build.wasm_path(name, mvp=True)), name


@pytest.mark.parametrize("name", sorted(TWINS))
def test_twin_prints_what_wasmtime_prints(name):
    engines = pytest.importorskip("engines")
    pytest.importorskip("wasmtime")
    argv = programs.program_argv(name, tiny=True)
    with open(build.wasm_path(name), "rb") as f:
        want = engines.command("wasmtime", f.read(), [name] + argv)()
    assert TWINS[name](argv) == want


def _run(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, os.path.join(BENCH, "run.py"), "--tiny", "--rounds", "1",
                        "--limit", "20"] + list(args),
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def _rows(text, first):
    """The table rows (cells) whose first cell is in `first`."""
    out = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] in first and cells[0] not in out:
            out[cells[0]] = cells
    return out


def test_tiny_run_all_engines():
    """Every installed engine on two programs and the kernels: a time or a
    reason (a peer that is not installed is left out with a message)."""
    text = _run("--programs", "fib,sorthash")
    rows = _rows(text, {"fib", "sorthash", "sum_loop", "calls"})
    assert set(rows) == {"fib", "sorthash", "sum_loop", "calls"}
    head = next(line for line in text.splitlines() if line.startswith("| program | args"))
    cols = [c.strip() for c in head.strip("|").split("|")]
    for e in ("python s", "fast s", "interp s"):
        assert e in cols
    for name in ("fib", "sorthash"):
        for c in ("python s", "fast s", "interp s"):
            float(rows[name][cols.index(c)])
    assert "CPython for WASI: skipped" in text


def test_tiny_run_big_programs():
    """Lua and SQLite run at a tiny size on wasmtime and the fast tier, the
    same stdout checked on both."""
    pytest.importorskip("wasmtime")
    text = _run("--programs", "lua,sqlite", "--engines", "wasmtime,fast", "--no-kernels")
    rows = _rows(text, {"lua", "sqlite"})
    assert set(rows) == {"lua", "sqlite"}
    for cells in rows.values():
        float(cells[2])     # wasmtime s
        float(cells[3])     # fast s
