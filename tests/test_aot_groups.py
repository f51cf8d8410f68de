"""AOT group factories (core/aot_text.py): the bind factories of GROUP
consecutive functions merged into one, their preambles run once, a name
two of them assign differently renamed, and the module's results the same
as the interpreter's, including br_table constants (each function has its
own BT0) and tail calls (entries that are (wrapper, function) pairs)."""

import os

import pytest

from wasmbed.core import aot_text, fast, translate
from tests.test_fast_aot import import_file, make

wasmtime = pytest.importorskip("wasmtime")

SOURCES = [
    (1, "def bind_1(ctx):\n term = ctx.term\n BT0 = b'\\x00'\n"
        " def f1(env, sb):\n  return BT0[0]\n return f1\n"),
    (2, "def bind_2(ctx):\n term = ctx.term\n BT0 = b'\\x01'\n"
        " X = BT0 + b'BT0'\n def f2(env, sb):\n  return X\n return f2\n"),
]


def test_a_group_runs_each_preamble_once_and_renames_a_clash():
    text, binders = aot_text.group_binders(SOURCES)
    assert binders == "(bind_0, )"
    assert text.count("term = ctx.term") == 1
    ns = {}
    exec(text, ns)
    f1, f2 = ns["bind_0"](type("Ctx", (), {"term": [None]})())
    assert f1(None, 0) == 0
    assert f2(None, 0) == b"\x01BT0"     # its own BT0; the literal untouched


def test_a_factory_of_another_shape_keeps_one_factory_per_function():
    odd = [(1, "def bind_1(ctx):\n ctx.watch(2, None)\n def f1(env, sb):\n"
               "  return 0\n return f1\n")]
    assert aot_text.group_binders(odd) is None


WAT = """
(module
  (func $dispatch (export "dispatch") (param i32) (result i32)
    (block (block (block (br_table 0 1 2 (local.get 0)))
      (return (i32.const 10))) (return (i32.const 11))) (i32.const 12))
  (func $other (export "other") (param i32) (result i32)
    (block (block (br_table 1 0 (local.get 0))) (return (i32.const 20)))
    (i32.const 21))
  (func $count (export "count") (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (local.get 1))
      (else (return_call $count (i32.sub (local.get 0) (i32.const 1))
                                (i32.add (local.get 1) (i32.const 2))))))
  %s)
"""


@pytest.mark.parametrize("extra", [0, 40])
def test_grouped_aot_module_runs_as_the_interpreter(tmp_path, extra):
    fillers = "".join('(func (export "k%d") (result i32) (i32.const %d))' % (k, k)
                      for k in range(extra))
    data = wasmtime.wat2wasm(WAT % fillers)
    rt, mod = make("fast", data)
    src = translate.module_source(mod.module, data)
    assert "GROUP = %d" % aot_text.GROUP in src
    # functions nothing else names share one name; the tail-called $count's
    # translation, which its wrapper names, keeps its own
    assert "def _f(" in src and "def f2(" in src
    path = os.path.join(str(tmp_path), "grouped_aot.py")
    with open(path, "w") as f:
        f.write(src)
    aot = import_file(path, "grouped_aot")
    loaded = rt.load_aot(aot)
    inst = rt.instantiate(loaded, stack_size=1 << 20)
    rt2, mod2 = make("interp", data)
    ref = rt2.instantiate(mod2, stack_size=1 << 20)
    calls = [("dispatch", k) for k in range(4)] + [("other", k) for k in range(3)]
    calls += [("count", 1000, 0)] + [("k%d" % k,) for k in range(extra)]
    for c in calls:
        assert inst.call(*c) == ref.call(*c), c
    # an AOT module's functions were bound all at once, by their groups
    ctx = fast.ctx_of(inst.core)
    assert all(ctx.is_bound) and len(ctx.is_bound) == 3 + extra
