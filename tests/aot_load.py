"""One way for tests to run a module ahead-of-time compiled: the CLI's
``wasmbed compile`` writes its Python module, which is imported and
loaded, with translation forbidden from then on (an AOT module must
run without translating a function)."""
import importlib.util
import os
import subprocess
import sys

import pytest

import wasmbed
from wasmbed.core import translate

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_untranslated(wasm, tmp_path, monkeypatch, name="m_aot"):
    """Compile the module bytes `wasm` with ``wasmbed compile`` into
    tmp_path/<name>.py and return it loaded by a fast-mode Runtime ->
    (runtime, LoadedModule). Any later translation fails the test."""
    src = tmp_path / (name + ".wasm")
    src.write_bytes(wasm)
    out = tmp_path / (name + ".py")
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-m", "wasmbed", "compile", str(src), "-o", str(out)],
                       capture_output=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    spec = importlib.util.spec_from_file_location(name, str(out))
    aot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(aot)
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    mod = rt.load_aot(aot)
    monkeypatch.setattr(translate, "function_source",
                        lambda *a, **k: pytest.fail("AOT module was translated"))
    return rt, mod
