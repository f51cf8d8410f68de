"""``wasmbed device run|info`` end to end: the qemu MPS2_AN385 board (Cortex-M3,
single-precision floats) built with a 256 KiB heap like an RP2040's, its
UART on a pseudo-terminal that the CLI opens as a serial port.

The expected output, stderr and exit code of every run are those of
``wasmbed run`` on this host for the same module and arguments.
"""

import os
import subprocess
import sys

import pytest

import wasmbed
from tests.board import firmware
from tests.board.qemu import QemuBoard

REPO = firmware.REPO
HELLO = os.path.join(REPO, "examples", "hello_small.wasm")
HEAP_SIZE = 256 * 1024
BOARD = "MPS2_AN385"

# Guests for the paths hello does not take: an exit code, stderr, a trap,
# every byte value on stdout (the frames must carry 0x04 and 0x10).
EXIT_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1 1)
  (data (i32.const 16) "to stdout\\n")
  (data (i32.const 32) "to stderr\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 10))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 32))
    (drop (call $w (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 7))))
"""
TRAP_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory 1 1)
  (data (i32.const 16) "before\\n")
  (func $divide (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 7))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $divide (i32.const 0)))))
"""
BYTES_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory 1 1)
  (func (export "_start") (local $i i32)
    (loop $fill
      (i32.store8 (i32.add (i32.const 16) (local.get $i)) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 256))))
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 256))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $w (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""
LOOP_WAT = """(module
  (func (export "_start") (loop $forever (br $forever))))
"""


@pytest.fixture(scope="module")
def port():
    reason = firmware.missing()
    if reason:
        pytest.skip(reason)
    board = QemuBoard(firmware.firmware(BOARD, HEAP_SIZE),
                      firmware.BOARDS[BOARD]["machine"], serial="pty")
    try:
        yield board.pty
    finally:
        board.close()


def cli(*args, timeout=120, env=None):
    r = subprocess.run([sys.executable, "-m", "wasmbed"] + list(args),
                       capture_output=True, timeout=timeout,
                       env=None if env is None else dict(os.environ, **env))
    return r.returncode, r.stdout, r.stderr


def compile_for_board(*args):
    """``wasmbed compile`` for this board: its floats are single precision,
    so AOT code computes floats in software (WASMBED_FLOAT=soft)."""
    return cli("compile", *args, env={"WASMBED_FLOAT": "soft"})


def device_run(port, path, *args):
    return cli("device", "run", "--port", port, "--timeout", "60", path, *args)


def host_run(path, *args):
    return cli("run", path, *args)


def wat_file(tmp_path, name, text):
    import wasmtime
    path = tmp_path / name
    path.write_bytes(wasmtime.wat2wasm(text))
    return str(path)


def test_info_reports_the_board_its_heap_and_wasmbed_version(port):
    code, out, err = cli("device", "info", "--port", port)
    assert code == 0, err
    info = dict(line.split(": ", 1) for line in out.decode().splitlines())
    assert info["board"] == BOARD
    assert info["float"] == "single"
    assert info["wasmbed"] == wasmbed.__version__
    total = int(info["heap total"])
    # the whole heap, less the GC's block table (about 1/32 of it)
    assert HEAP_SIZE * 0.95 < total <= HEAP_SIZE
    assert 0 < int(info["heap free with wasmbed"]) < int(info["heap free"]) <= total


@pytest.mark.parametrize("args", [(), ("a", "b c", "été")])
def test_run_hello_matches_the_host(port, args):
    expected = host_run(HELLO, *args)
    assert expected[0] == 0 and expected[1].startswith(b"Hello, ")
    assert device_run(port, HELLO, *args) == expected


def test_exit_code_and_stderr_come_back(port, tmp_path):
    path = wat_file(tmp_path, "exit.wasm", EXIT_WAT)
    expected = host_run(path)
    assert expected == (7, b"to stdout\n", b"to stderr\n")
    assert device_run(port, path) == expected


def test_trap_prints_its_message_and_exits_1(port, tmp_path):
    path = wat_file(tmp_path, "trap.wasm", TRAP_WAT)
    expected = host_run(path)
    assert expected == (1, b"before\n", b"Exception: integer divide by zero\n")
    assert device_run(port, path) == expected


def test_every_byte_value_survives_the_console(port, tmp_path):
    path = wat_file(tmp_path, "bytes.wasm", BYTES_WAT)
    code, out, err = device_run(port, path)
    assert (code, out, err) == (0, bytes(range(256)), bytes(range(256)))


def test_aot_py_runs_on_the_board(port, tmp_path):
    aot = str(tmp_path / "hello_small_aot.py")
    assert compile_for_board(HELLO, "-o", aot)[0] == 0
    assert device_run(port, aot, "aot") == host_run(HELLO, "aot")


def test_mpy_runs_on_the_board(port, tmp_path):
    mpy = str(tmp_path / "hello_small.mpy")
    code, _, err = compile_for_board("--mpy", HELLO, "-o", mpy)
    assert code == 0, err
    with open(mpy, "rb") as f:
        assert f.read(1) == b"M"
    assert device_run(port, mpy, "mpy", "x") == host_run(HELLO, "mpy", "x")


def test_mpy_of_a_trapping_module(port, tmp_path):
    wasm = wat_file(tmp_path, "trap.wasm", TRAP_WAT)
    mpy = str(tmp_path / "trap.mpy")
    assert compile_for_board("--mpy", wasm, "-o", mpy)[0] == 0
    assert device_run(port, mpy) == host_run(wasm)


def test_a_malformed_module_is_reported_by_the_board(port, tmp_path):
    path = tmp_path / "bad.wasm"
    path.write_bytes(b"\0asm\x01\0\0\0\x01\x05\x01\x60")   # a truncated type section
    code, out, err = device_run(port, str(path))
    assert code == 1 and out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("wasmbed: error: %s: MalformedModule: " % path)
    # and the board is fine afterwards
    assert device_run(port, HELLO)[0] == 0


def one_error_line(result):
    code, out, err = result
    assert code == 1 and out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_a_memory_larger_than_the_heap_is_one_error(port, tmp_path):
    # 8 pages = 512 KiB of linear memory on a 256 KiB heap
    path = wat_file(tmp_path, "big.wasm", '(module (memory 8) (func (export "_start")))')
    line = one_error_line(device_run(port, path))
    assert line.startswith("wasmbed: error: %s: HostOutOfMemory: " % path)
    assert device_run(port, HELLO) == host_run(HELLO)


def test_a_module_larger_than_the_heap_is_refused_before_it_is_sent(port, tmp_path):
    pad = b"\x03pad" + bytes(300 * 1024)     # a custom section's name and payload
    size = len(pad)
    leb = bytearray()
    while True:
        leb.append((size & 0x7F) | (0x80 if size >> 7 else 0))
        size >>= 7
        if not size:
            break
    path = tmp_path / "huge.wasm"
    path.write_bytes(b"\0asm\x01\0\0\0\x00" + bytes(leb) + pad)
    line = one_error_line(device_run(port, str(path)))
    assert line.startswith("wasmbed: error: %s: the module (%d bytes) does not fit "
                           "in the board's free RAM" % (path, path.stat().st_size))
    assert device_run(port, HELLO) == host_run(HELLO)


def test_a_silent_guest_times_out(tmp_path):
    """--timeout gives up on a guest that stays silent. The host then sends
    Ctrl-C, but MicroPython's qemu port has no keyboard interrupt while code
    runs (its UART is polled), so this test spends a board of its own."""
    reason = firmware.missing()
    if reason:
        pytest.skip(reason)
    path = wat_file(tmp_path, "loop.wasm", LOOP_WAT)
    with QemuBoard(firmware.firmware(BOARD, HEAP_SIZE),
                   firmware.BOARDS[BOARD]["machine"], serial="pty") as board:
        code, out, err = cli("device", "run", "--port", board.pty,
                             "--timeout", "2", path)
    assert code == 1 and out == b""
    assert err.decode() == "wasmbed: error: the board at %s went silent for 2 s\n" % board.pty


def test_a_board_that_goes_away_is_one_error(tmp_path):
    """qemu stops while a guest runs: the CLI says so in one line."""
    import time
    reason = firmware.missing()
    if reason:
        pytest.skip(reason)
    path = wat_file(tmp_path, "loop.wasm", LOOP_WAT)
    with QemuBoard(firmware.firmware(BOARD, HEAP_SIZE),
                   firmware.BOARDS[BOARD]["machine"], serial="pty") as board:
        proc = subprocess.Popen([sys.executable, "-m", "wasmbed", "device", "run",
                                 "--port", board.pty, path],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(5)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wasmbed: error: "), lines
