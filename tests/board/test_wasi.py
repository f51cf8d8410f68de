"""WASI on both qemu boards at their default heap: the hello command (one
64 KiB page of linear memory, tests/heap/hello.wat) prints through the
board's console, and wasi-threads' ``thread-spawn`` answers a negative
error on these boards, which have no ``_thread``, while the rest of the
module keeps working."""

import os

import pytest

from tests.board import heap_probe
from tests.board.firmware import BOARDS

wasmtime = pytest.importorskip("wasmtime")

HERE = os.path.dirname(os.path.abspath(__file__))
HELLO = os.path.join(os.path.dirname(HERE), "heap", "hello.wat")

SPAWN = """
(module
  (import "env" "memory" (memory 0 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (func (export "wasi_thread_start") (param i32 i32))
  (func (export "spawn") (result i32) (call $spawn (i32.const 7)))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))
"""


def _wasm(wat_text):
    return bytes(wasmtime.wat2wasm(wat_text))


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_wasi_hello_prints_on_the_board_console(test_board, board):
    with open(HELLO) as f:
        wasm = _wasm(f.read())
    b = test_board(board)
    b.repl.enter(soft_reset=True)
    # the page comes from a pool allocated first, before the heap fragments
    out = b.repl.exec(
        "import gc\ngc.collect()\nbuf = bytearray(%d)\n"
        "import wasmbed\nfrom wasmbed.wasi import WasiConfig\n"
        "rt = wasmbed.Runtime(wasmbed.RuntimeConfig(heap_buf=buf))\n"
        "inst = rt.instantiate(rt.load(%r), stack_size=%d, wasi=WasiConfig())\n"
        "try:\n    inst.call('_start')\n    print('exit=0')\n"
        "except wasmbed.ProcExit as e:\n    print('exit=%%d' %% e.code)\n"
        % (heap_probe.POOL_HELLO, wasm, heap_probe.STACK_HELLO), timeout=120)
    assert out.decode().replace("\r\n", "\n") == "Hello, world!\nexit=0\n"


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_thread_spawn_is_reported_unsupported(test_board, board):
    b = test_board(board)
    b.repl.enter(soft_reset=True)
    out = b.repl.exec(
        "try:\n    import _thread\n    print('thread=yes')\n"
        "except ImportError:\n    print('thread=no')\n"
        "import wasmbed\n"
        "rt = wasmbed.Runtime(wasmbed.RuntimeConfig())\n"
        "mem = rt.create_memory(0, 1, shared=True)\n"
        "inst = rt.instantiate(rt.load(%r), stack_size=4096,\n"
        "                      imports={'env': {'memory': mem}})\n"
        "print('spawn=%%d' %% inst.call('spawn'))\n"
        "print('add=%%d' %% inst.call('add', 2, 3))\n"
        "print('threads=%%d' %% rt.platform.max_threads())\n"
        % _wasm(SPAWN), timeout=120).decode()
    got = dict(line.split("=") for line in out.split())
    assert got["thread"] == "no"
    assert int(got["threads"]) == 0
    assert int(got["spawn"]) < 0, out
    assert int(got["add"]) == 5
