"""The interpreter's per-instruction closures need no heap on MicroPython.

MicroPython copies a closure's captured values and its arguments into one
array when it calls it: on the C stack when they are at most five, else
on the heap, allocated and freed on every call (py/objclosure.c). In a
full heap such a call raises MemoryError; in a fragmented one it makes
the collector run. An op closure takes one argument (the register list),
so it may capture at most four values; the rest are defaults.

The first test reads that rule off the closures' code; the second shows
its premise on real MicroPython (unix port): with the heap locked
(micropython.heap_lock: every allocation fails, as in a full heap), a
closure of five captured values cannot be called and one of four can.
Skips without the MicroPython binary.
"""

import os
import subprocess
import types

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the modules whose closures run once per executed instruction
OP_MODULES = ("interp.py", "interp_ops.py", "atomics.py")


def _op_closures(path):
    with open(path) as f:
        top = compile(f.read(), path, "exec")
    todo = [top]
    while todo:
        co = todo.pop()
        for c in co.co_consts:
            if isinstance(c, types.CodeType):
                if c.co_name == "op":
                    yield c
                todo.append(c)


@pytest.mark.parametrize("name", OP_MODULES)
def test_op_closures_capture_at_most_four_values(name):
    path = os.path.join(REPO, "wasmbed", "core", name)
    ops = list(_op_closures(path))
    assert ops
    over = ["line %d captures %s" % (c.co_firstlineno, ", ".join(c.co_freevars))
            for c in ops if len(c.co_freevars) > 4]
    assert not over


from test_validate_micropython import MICROPYTHON  # noqa: E402

# the premise, on MicroPython itself: a closure capturing five values
# cannot be called while no allocation may succeed (heap_lock), one
# capturing four can
PREMISE = r"""
import micropython

def make(five):
    a0 = a1 = a2 = a3 = a4 = 1
    if five:
        def op(R):
            return R[0] + a0 + a1 + a2 + a3 + a4
    else:
        def op(R):
            return R[0] + a0 + a1 + a2 + a3
    return op

R = [1]
for five in (False, True):
    op = make(five)
    micropython.heap_lock()
    try:
        op(R)
        r = "ok"
    except MemoryError:
        r = "MemoryError"
    micropython.heap_unlock()
    print(r)
"""


@pytest.mark.skipif(MICROPYTHON is None, reason="no MicroPython unix binary")
def test_on_micropython_a_closure_of_five_values_needs_heap(tmp_path):
    script = tmp_path / "premise.py"
    script.write_text(PREMISE)
    r = subprocess.run([MICROPYTHON, str(script)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["ok", "MemoryError"]
