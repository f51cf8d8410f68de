"""Deployment without a board: the frame format both sides speak, the board
side (``deploy.run``) driven on CPython through in-memory streams, and the
CLI's expected failures (files, ports, mpy-cross). ``tests/board/
test_device.py`` runs the same against a qemu board."""

import io
import os
import subprocess
import sys

import pytest

from wasmbed.device import DeviceError
from wasmbed.device.commands import module_kind, UsageError
from wasmbed.device.frames import Decoder, FrameError, LOOSE, END
from wasmbed.device.mpy import compile_mpy
from wasmbed.device.rawrepl import RawRepl
from wasmbed.platform.baremetal import deploy

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELLO = os.path.join(REPO, "examples", "hello_small.wasm")


def cli(*args):
    r = subprocess.run([sys.executable, "-m", "wasmbed"] + list(args),
                       capture_output=True, timeout=120)
    return r.returncode, r.stdout, r.stderr


def decode_all(data, step=None):
    d = Decoder()
    events = []
    if step is None:
        events = d.feed(data)
    else:
        for i in range(0, len(data), step):
            events += d.feed(data[i:i + step])
    # merge neighbouring loose bytes, which may arrive split
    merged = []
    for kind, payload in events:
        if merged and kind == LOOSE and merged[-1][0] == LOOSE:
            merged[-1] = (LOOSE, merged[-1][1] + payload)
        else:
            merged.append((kind, payload))
    return merged


@pytest.mark.parametrize("step", [None, 1, 3, 7])
def test_frames_round_trip_every_byte_value_whatever_the_split(step):
    payloads = [bytes(range(256)), b"\x10\x10\x04\x04", b"", b"x" * 1000]
    wire = b"".join(deploy.frame(deploy.STDOUT, p) for p in payloads)
    assert b"\x04" not in wire
    wire = b"noise" + wire + deploy.frame(deploy.EXIT, b"3") + b"\x04rest>"
    events = decode_all(wire, step)
    assert events[0] == (LOOSE, b"noise")
    assert events[1:5] == [(deploy.STDOUT, p) for p in payloads]
    assert events[5] == (deploy.EXIT, b"3")
    assert events[6][0] == END
    if step is None:
        assert events[6][1] == b"rest>"


def test_malformed_frames_are_errors():
    with pytest.raises(FrameError):
        Decoder().feed(b"\x10Ozz12")
    with pytest.raises(FrameError):
        Decoder().feed(b"\x10O0002a\x04")
    with pytest.raises(FrameError):
        Decoder().feed(b"\x10O0002\x10Q")


def board_side_run(data, kind, args, chunk=16):
    """deploy.run on this host, the module fed from memory; -> events."""
    out = io.BytesIO()
    code = deploy.run(kind, len(data), args, chunk,
                      link=deploy.Link(out, io.BytesIO(data)))
    return code, decode_all(out.getvalue())


def test_board_side_requests_the_module_in_chunks_and_streams_the_guest():
    with open(HELLO, "rb") as f:
        data = f.read()
    code, events = board_side_run(data, "wasm", ["hello", "board"], chunk=100)
    assert code == 0
    requests = [int(p) for k, p in events if k == deploy.REQUEST]
    assert sum(requests) == len(data) and max(requests) == 100
    out = b"".join(p for k, p in events if k == deploy.STDOUT)
    assert out == b"Hello, board!\n"
    assert events[-1] == (deploy.EXIT, b"0")


def test_board_side_reports_a_malformed_module_and_exit_1():
    code, events = board_side_run(b"\0asm\x01\0\0\0\x05", "wasm", ["x"])
    assert code == 1
    fails = [p for k, p in events if k == deploy.FAIL]
    assert len(fails) == 1 and fails[0].startswith(b"MalformedModule: ")
    assert events[-1] == (deploy.EXIT, b"1")


def test_rawrepl_pushback_is_read_first():
    class Stream:
        def __init__(self):
            self.data = bytearray(b"tail")

        def read(self, n):
            out = bytes(self.data[:n])
            del self.data[:n]
            return out

    repl = RawRepl(Stream(), timeout=0.2)
    repl.pushback(b"OK\x04head")
    assert repl.read_until(b"\x04") == b"OK"
    assert repl.read_exactly(8) == b"headtail"


@pytest.mark.parametrize("name, data, kind", [
    ("a.wasm", b"\0asm\x01\0\0\0", "wasm"),
    ("a.mpy", b"M\x06\x00\x1f", "mpy"),
    ("a_aot.py", b"WASM = b''\nBINDERS = ()\n", "py"),
])
def test_module_kind_by_name_and_contents(name, data, kind):
    assert module_kind(name, data) == kind


@pytest.mark.parametrize("name, data", [
    ("a.wasm", b"\x7fELF"), ("a.mpy", b"\0asm"), ("a_aot.py", b"print(1)\n")])
def test_module_kind_rejects_contents_that_do_not_match(name, data):
    with pytest.raises(DeviceError):
        module_kind(name, data)


def test_a_file_that_is_not_a_module(tmp_path):
    path = tmp_path / "text.wasm"
    path.write_text("hello\n")
    code, out, err = cli("device", "run", "--port", "/dev/null", str(path))
    assert code == 1 and out == b""
    assert err.decode() == "wasmbed: error: %s: not a WebAssembly binary module\n" % path


def test_an_unreadable_file(tmp_path):
    path = str(tmp_path / "absent.wasm")
    code, _, err = cli("device", "run", "--port", "/dev/null", path)
    assert code == 1
    assert err.decode() == "wasmbed: error: cannot read %s: No such file or directory\n" % path


def test_an_unknown_file_type_is_a_usage_error(tmp_path):
    path = tmp_path / "hello.c"
    path.write_text("int main(void) { return 0; }\n")
    with pytest.raises(UsageError):
        module_kind(str(path), path.read_bytes())
    code, _, err = cli("device", "run", "--port", "/dev/null", str(path))
    assert code == 2
    assert len(err.decode().splitlines()) == 1


def test_a_missing_port_is_one_line(tmp_path):
    missing = str(tmp_path / "no-such-port")
    code, out, err = cli("device", "run", "--port", missing, HELLO)
    assert code == 1 and out == b""
    assert err.decode() == "wasmbed: error: cannot open %s: No such file or directory\n" % missing
    code, out, err = cli("device", "info", "--port", missing)
    assert code == 1
    assert err.decode() == "wasmbed: error: cannot open %s: No such file or directory\n" % missing


def test_a_port_without_a_board_is_one_line():
    # /dev/null opens but is not a serial line: pyserial refuses it
    code, _, err = cli("device", "info", "--port", "/dev/null")
    assert code == 1
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wasmbed: error: ")


def test_compile_mpy_writes_bytecode(tmp_path):
    out = tmp_path / "hello_small.mpy"
    code, _, err = cli("compile", "--mpy", HELLO, "-o", str(out))
    assert code == 0, err
    data = out.read_bytes()
    assert data[:2] == b"M\x06"        # .mpy format version 6


def test_compile_mpy_with_a_missing_mpy_cross(tmp_path):
    missing = str(tmp_path / "mpy-cross")
    code, _, err = cli("compile", "--mpy", "--mpy-cross", missing, HELLO,
                       "-o", str(tmp_path / "x.mpy"))
    assert code == 1
    assert err.decode() == "wasmbed: error: mpy-cross not found at %s\n" % missing


def test_compile_mpy_reports_mpy_cross_failures(tmp_path):
    with pytest.raises(DeviceError, match="mpy-cross failed"):
        compile_mpy("def f(:\n", str(tmp_path / "x.mpy"))


def test_a_silent_line_is_one_error():
    import pty
    from wasmbed.device import commands
    master, slave = pty.openpty()
    try:
        with pytest.raises(DeviceError, match="no MicroPython raw REPL answered"):
            commands.info(os.ttyname(slave), timeout=0.5)
    finally:
        os.close(master)
        os.close(slave)


def test_ram_files_serve_what_was_added_without_copying():
    from wasmbed.platform.baremetal.ramfs import RamFiles, S_IFREG, S_IFDIR
    data = bytearray(b"WASM = b''\n" * 100)
    fs = RamFiles()
    fs.add("app.py", data)
    assert fs.stat("/")[0] == S_IFDIR
    assert fs.stat("/app.py")[0] == S_IFREG and fs.stat("app.py")[6] == len(data)
    with pytest.raises(OSError):
        fs.stat("/other.py")
    with pytest.raises(OSError):
        fs.open("/app.py", "wb")
    f = fs.open("/app.py", "rb")
    buf = bytearray(7)
    assert f.readinto(buf) == 7 and bytes(buf) == data[:7]
    data[7] = ord("!")            # a view of the added buffer, not a copy
    assert f.read() == bytes(data[7:])
    assert f.readinto(buf) == 0
    assert [e[0] for e in fs.ilistdir("/")] == ["app.py"]
