"""`wasmbed run`: exit statuses, --invoke, WASI arguments, errors without
tracebacks, --timeout."""
import os
import subprocess
import sys

import pytest
import wasmtime

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELLO = os.path.join(REPO, "examples", "hello.wasm")


def run(*args, timeout=120):
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-m", "wasmbed", "run"] + list(args),
                       capture_output=True, timeout=timeout, env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


@pytest.fixture
def wat_file(tmp_path):
    def make(text, name="m.wasm"):
        path = tmp_path / name
        path.write_bytes(wasmtime.wat2wasm(text))
        return str(path)
    return make


def test_hello_example_prints_and_exits_0():
    assert run(HELLO) == (0, "Hello, world!\n", "")
    code, out, _ = run(HELLO, "ann", "bo")
    assert (code, out) == (0, "Hello, ann!\nHello, bo!\n")


def test_proc_exit_code_is_the_exit_status(wat_file):
    path = wat_file('''(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") i32.const 42 call $exit unreachable))''')
    assert run(path)[0] == 42


def test_trap_prints_exception_and_exits_1(wat_file):
    path = wat_file('(module (func (export "_start") unreachable))')
    code, out, err = run(path)
    assert (code, err) == (1, "Exception: unreachable\n")


def test_invoke_parses_arguments_by_type_and_prints_results(wat_file):
    path = wat_file('''(module
      (func (export "f") (param i32 i64 f64) (result i64 f64)
        local.get 1 local.get 0 i64.extend_i32_s i64.add local.get 2))''')
    code, out, err = run("--invoke", "f", path, "-5", "9000000000", "2.5")
    assert (code, out, err) == (0, "8999999995\n2.5\n", "")
    code, _, err = run("--invoke", "f", path, "1")
    assert code == 2 and "takes 3 argument" in err
    code, _, err = run("--invoke", "g", path)
    assert code == 2 and "no exported function" in err


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"),
    (b"\0asm\x02\0\0\0", "unknown binary version"),
    (b"garbage", "magic header not detected"),
])
def test_bad_files_say_so_in_one_line(tmp_path, content, message):
    path = tmp_path / "x.wasm"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(str(path))
    assert code == 1 and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_usage_errors_exit_2(tmp_path):
    code, _, err = run("--stack-size", "lots", HELLO)
    assert code == 2 and "bad size" in err
    code, _, err = run("--env", "=VALUE", HELLO)
    assert code == 2 and "NAME=VALUE" in err


def test_timeout_terminates_a_runaway_guest(wat_file):
    path = wat_file('(module (func (export "_start") (loop br 0)))')
    code, _, err = run("--timeout", "300", path, timeout=60)
    assert code == 1 and err.startswith("Exception: terminated")


def test_pool_size_confines_the_guest(wat_file):
    path = wat_file('(module (memory 100) (func (export "_start")))')
    code, _, err = run("--pool-size", "1M", path)
    assert code == 1 and "allocate memory failed" in err and "Traceback" not in err
    assert run("--pool-size", "16M", path)[0] == 0
