"""AOT: `wasmbed compile app.wasm -o app_aot.py` writes the fast tier's code
as a Python module; Runtime.load_aot() runs it without translating, with
the same results and traps as the interpreter."""
import importlib.util
import os
import subprocess
import sys

import pytest

import wasmbed

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOOPS = os.path.join(REPO, "benchmarks", "loops.wasm")


def compile_to(tmp_path, wasm, name="app_aot"):
    out = tmp_path / (name + ".py")
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-m", "wasmbed", "compile", wasm, "-o", str(out)],
                       capture_output=True, env=env, timeout=120)
    return p.returncode, p.stderr.decode(), out


def import_file(path):
    spec = importlib.util.spec_from_file_location(path.stem, str(path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_compiled_module_runs_like_the_interpreter(tmp_path, monkeypatch):
    code, err, out = compile_to(tmp_path, LOOPS)
    assert code == 0 and err == ""
    aot = import_file(out)
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    mod = rt.load_aot(aot)
    # no translation may happen: make it fail loudly if attempted (the
    # fast tier imports the translator only when it translates)
    from wasmbed.core import translate
    monkeypatch.setattr(translate, "function_source",
                        lambda *a, **k: pytest.fail("AOT module was translated"))
    inst = rt.instantiate(mod, stack_size=1 << 20)
    ref_rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
    with open(LOOPS, "rb") as f:
        ref = ref_rt.instantiate(ref_rt.load(f.read()), stack_size=1 << 20)
    for name, arg in (("fib", 17), ("sum_loop", 5000), ("sieve", 3000)):
        assert inst.call(name, arg) == ref.call(name, arg)
    with pytest.raises(wasmbed.Trap, match="out of bounds memory access"):
        inst.call("sieve", 70000)


def test_compile_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm\1\0\0\0\x01")
    code, err, _ = compile_to(tmp_path, str(bad))
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err


def test_load_aot_refuses_what_is_not_an_aot_module():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="fast"))
    with pytest.raises(ValueError):
        rt.load_aot(object())


def test_fast_tier_imports_without_the_translator():
    """A board has no translator frozen in: the fast tier (which runs AOT
    modules) must import without it."""
    import subprocess
    import sys
    code = ("import sys\n"
            "sys.modules['wasmbed.core.translate'] = None\n"
            "from wasmbed.core import fast, interp\n"
            "print(fast.MIN_FRAME_COST)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    from wasmbed.core.call_stack import frame_cost
    assert int(r.stdout) == frame_cost(0)
