"""fib(20) on the qemu boards, timed on the board itself.

Boots each board at its default heap with wasmbed frozen in (the firmware is
built and cached as the board tests build it), runs the interpreter on
tests/heap/fib.wat and prints the board's own time.ticks_ms() difference,
the median of three calls, and the heap in use with the instance live.
Emulated time is not a real board's time: qemu runs the Cortex-M code as
fast as the host allows, so read the figure as "how it compares", not as a
device specification.

    python benchmarks/board_fib.py [N]        # default N = 20
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

from tests.board import firmware                     # noqa: E402
from tests.board.qemu import QemuBoard               # noqa: E402

PROBE = """
import gc, time
gc.collect()
m0 = gc.mem_free()
import wasmbed
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(heap_size=16384))
inst = rt.instantiate(rt.load(%r), stack_size=8192)
ts = []
for _ in range(3):
    t = time.ticks_ms()
    r = inst.call('fib', %d)
    ts.append(time.ticks_diff(time.ticks_ms(), t))
gc.collect()
ts.sort()
print('result=%%d ms=%%d heap=%%d' %% (r, ts[1], m0 - gc.mem_free()))
"""


def main(n=20):
    reason = firmware.missing()
    if reason:
        sys.exit("cannot run the boards here: " + reason)
    wasm = subprocess.run(["wat2wasm", os.path.join(REPO, "tests", "heap", "fib.wat"),
                           "--output=-"], check=True, capture_output=True).stdout
    for board, info in firmware.BOARDS.items():
        elf = firmware.firmware(board)
        with QemuBoard(elf, info["machine"]) as b:
            out = b.repl.exec(PROBE % (wasm, n), timeout=600)
        print("%s (%s): fib(%d) %s" % (board, info["cpu"], n, out.decode().strip()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
