"""wasmbed's own small WASI guest programs (tests/wasi/programs/*.wat) and
what running each must produce. Used by the in-process reference run
(test_wasi_wasmtime.py) and by the CLI run (test_wasi_cli.py)."""

import os

PROGRAMS = os.path.join(os.path.dirname(__file__), "programs")


def wat_to_wasm(name, out_dir):
    """Assemble programs/NAME.wat into out_dir/NAME.wasm; returns the path.
    Uses the wasmtime package's assembler (skips the test without it)."""
    import pytest
    wasmtime = pytest.importorskip("wasmtime")
    with open(os.path.join(PROGRAMS, name + ".wat"), encoding="utf-8") as f:
        binary = wasmtime.wat2wasm(f.read())
    path = os.path.join(str(out_dir), name + ".wasm")
    with open(path, "wb") as f:
        f.write(binary)
    return path


def make_sandbox(tmp):
    """A "box" to preopen and an "outside" next to it with a secret."""
    box = os.path.join(str(tmp), "box")
    outside = os.path.join(str(tmp), "outside")
    os.mkdir(box)
    os.mkdir(outside)
    with open(os.path.join(outside, "secret"), "wb") as f:
        f.write(b"top secret")
    return box, outside


class Program:
    def __init__(self, name, args=(), stdin=b"", exit_code=0, stdout=b"",
                 sandbox=False, min_seconds=0.0):
        self.name = name
        self.args = list(args)
        self.stdin = stdin
        self.exit_code = exit_code
        self.stdout = stdout
        self.sandbox = sandbox
        self.min_seconds = min_seconds


ENOTCAPABLE, EFAULT, SUCCESS = 76, 21, 0

CASES = [
    # exit status is argc: the program name plus two arguments
    Program("hello", args=["a", "b"], exit_code=3,
            stdout=b"hello from wasi\n"),
    Program("cat", stdin=b"line one\nline two\n" * 300,
            stdout=b"line one\nline two\n" * 300),
    Program("escape", sandbox=True,
            stdout=bytes([ENOTCAPABLE, ENOTCAPABLE, SUCCESS, ENOTCAPABLE,
                          ENOTCAPABLE, EFAULT])),
    Program("sleep", exit_code=10, min_seconds=0.14),
]
