"""The on-disk cache of translated code: RuntimeConfig(cache_dir=...) and
`wasmbed run --cache DIR` (wasmbed/code_cache.py)."""
import os
import subprocess
import sys

import pytest
import wasmtime

import wasmbed
from wasmbed import code_cache
from wasmbed.core import translate
from wasmbed.core.decode import decode_module
from wasmbed.core.errors import MalformedModule

import binary as B

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FIB = wasmtime.wat2wasm("""
(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "never") (result i32) (i32.const 7))
  (func (export "sq") (param i32) (result i32)
    (i32.mul (local.get 0) (local.get 0))))
""")


def call(cache_dir, data, name, *args, mode="fast"):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(cache_dir=cache_dir, mode=mode))
    inst = rt.instantiate(rt.load(data))
    return inst.call(name, *args)


def entry(cache_dir, data):
    return os.path.join(str(cache_dir), code_cache.module_key(data))


def test_a_cold_run_keeps_what_it_translated(tmp_path):
    assert call(str(tmp_path), FIB, "fib", 15) == 610
    files = os.listdir(entry(tmp_path, FIB))
    # fib (function 0) was translated; "never" and "sq" were not called
    assert sorted(f for f in files if f.endswith(".code")) == ["f0.code"]
    assert "validated" in files


def test_a_warm_run_translates_nothing(tmp_path, monkeypatch):
    assert call(str(tmp_path), FIB, "fib", 10) == 55

    def no_translation(*a, **k):
        raise AssertionError("translated although cached")
    monkeypatch.setattr(translate, "function_source", no_translation)
    assert call(str(tmp_path), FIB, "fib", 20) == 6765
    # not cached: translated (the translator's error surfaces as NotSupported)
    with pytest.raises(wasmbed.WasmError, match="translated although cached"):
        call(str(tmp_path), FIB, "sq", 3)


def test_a_warm_load_does_not_validate_its_bodies_again(tmp_path, monkeypatch):
    call(str(tmp_path), FIB, "fib", 1)
    import wasmbed.runtime as runtime
    validate = runtime.validate_module

    def no_validation(module, term=None, bodies=True):
        if bodies:
            raise AssertionError("bodies validated although cached")
        validate(module, term, bodies)
    monkeypatch.setattr(runtime, "validate_module", no_validation)
    assert call(str(tmp_path), FIB, "fib", 12) == 144
    assert call(str(tmp_path), FIB, "sq", 9, mode="interp") == 81
    with pytest.raises(AssertionError):     # another binary: validated
        call(str(tmp_path), FIB + B.section(0, B.name("x")), "fib", 1)


def test_the_key_covers_the_binary_and_the_version(monkeypatch):
    k = code_cache.module_key(FIB)
    assert k != code_cache.module_key(FIB + B.section(0, B.name("x")))
    monkeypatch.setattr(wasmbed, "__version__", wasmbed.__version__ + ".1")
    assert code_cache.module_key(FIB) != k


def test_the_key_covers_the_engine_source(monkeypatch):
    k = code_cache.module_key(FIB)
    monkeypatch.setattr(code_cache, "_ENGINE", ["another translator"])
    assert code_cache.module_key(FIB) != k


def test_the_key_covers_the_float_mode():
    here = code_cache.module_key(FIB)
    other = "hard" if wasmbed.float_mode() == "soft" else "soft"
    out = subprocess.run(
        [sys.executable, "-c", "import wasmbed.code_cache as c, sys;"
         "print(c.module_key(sys.stdin.buffer.read()))"],
        input=FIB, capture_output=True, check=True,
        env=dict(os.environ, WASMBED_FLOAT=other,
                 PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", "")))
    assert out.stdout.decode().strip() not in ("", here)


def test_a_damaged_entry_counts_as_missing(tmp_path):
    call(str(tmp_path), FIB, "fib", 5)
    path = os.path.join(entry(tmp_path, FIB), "f0.code")
    with open(path, "r+b") as f:
        f.truncate(5)
    assert call(str(tmp_path), FIB, "fib", 16) == 987
    assert os.path.getsize(path) > 5        # written again


def test_a_cache_that_cannot_be_written_loses_nothing(tmp_path, monkeypatch):
    def fail(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", fail)
    assert call(str(tmp_path), FIB, "fib", 11) == 89
    assert [n for n in os.listdir(entry(tmp_path, FIB))
            if not n.startswith(".tmp")] == []


def test_an_invalid_module_is_not_marked_valid(tmp_path):
    bad = wasmtime.wat2wasm("(module (func (result i32) (i32.const 1)))")
    bad = bad[:-3] + b"\x42" + bad[-2:]     # i32.const -> i64.const: invalid
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(cache_dir=str(tmp_path)))
    for _ in range(2):
        with pytest.raises(wasmbed.InvalidModule):
            rt.load(bad)
    assert not os.path.exists(os.path.join(entry(tmp_path, bad), "validated"))


def test_trusted_decoding_skips_the_bodies():
    body = B.vec([]) + b"\xff\xff\x0b"      # not an instruction
    m = B.module(B.section(1, B.vec([B.functype([], [])])),
                 B.section(3, B.vec([B.leb(0)])),
                 B.section(10, B.vec([B.leb(len(body)) + body])))
    with pytest.raises(MalformedModule):
        decode_module(m)
    assert len(decode_module(m, trusted=True).funcs) == 1


def test_cache_dir_must_be_a_path():
    with pytest.raises(ValueError):
        wasmbed.RuntimeConfig(cache_dir=3)


def run_cli(*args):
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-m", "wasmbed", "run"] + list(args),
                       capture_output=True, timeout=120, env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_cli_cache(tmp_path):
    wasm = tmp_path / "fib.wasm"
    wasm.write_bytes(FIB)
    cache = tmp_path / "cache"
    for _ in range(2):
        assert run_cli("--cache", str(cache), "--invoke", "fib", str(wasm),
                       "14") == (0, "377\n", "")
    files = os.listdir(entry(cache, FIB))
    assert "f0.code" in files and "validated" in files and "f2.code" not in files
    rc, out, err = run_cli("--cache", str(wasm), "--invoke", "fib", str(wasm), "3")
    assert rc != 0 and "not a directory" in err and "Traceback" not in err
