"""A trap on both qemu boards at their default heap reaches the embedder
as wasmbed.Trap with the spec's message (on the interpreter tier; the AOT
tier's traps run in test_spec's traps script), and the instance keeps
working after it."""

import pytest

from tests.board.firmware import BOARDS

wasmtime = pytest.importorskip("wasmtime")

WAT = """
(module
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "boom") unreachable)
  (func (export "conv") (param f32) (result i32)
    (i32.trunc_f32_s (local.get 0))))
"""

CASES = (("div", "1, 0", "integer divide by zero"),
         ("div", "-2147483648, -1", "integer overflow"),
         ("boom", "", "unreachable"),
         ("conv", "float('nan')", "invalid conversion to integer"))


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_trap_carries_the_spec_message(test_board, board):
    wasm = bytes(wasmtime.wat2wasm(WAT))
    b = test_board(board)
    b.repl.enter(soft_reset=True)
    code = ["import wasmbed",
            "rt = wasmbed.Runtime(wasmbed.RuntimeConfig())",
            "inst = rt.instantiate(rt.load(%r), stack_size=4096)" % wasm]
    for name, args, _msg in CASES:
        code += ["try:",
                 "    inst.call(%r%s)" % (name, ", " + args if args else ""),
                 "    print('no trap')",
                 "except wasmbed.Trap as e:",
                 "    print('Trap:', e.message)"]
    code.append("print('after:', inst.call('div', 7, 2))")
    out = b.repl.exec("\n".join(code) + "\n", timeout=120).decode()
    lines = out.replace("\r\n", "\n").splitlines()
    assert lines == ["Trap: " + msg for _n, _a, msg in CASES] + ["after: 3"]
