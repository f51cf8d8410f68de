"""Instance.snapshot() / Runtime.restore(): idle instances on both tiers,
suspended calls (interp frames), another process, WASI descriptors, and
the snapshots a restore must refuse. Expected results come from an
uninterrupted run of the same guest."""

import os
import struct
import subprocess
import sys

import pytest
import wasmtime

import wasmbed
from wasmbed.core import snapshot as S

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STATE_WAT = r"""
(module
  (import "env" "tick" (func $tick (param i32) (result i32)))
  (memory (export "memory") 1 8)
  (global $i (mut i32) (i32.const 5))
  (global $l (mut i64) (i64.const -7))
  (global $f (mut f32) (f32.const 1.5))
  (global $d (mut f64) (f64.const -2.25))
  (global $r (mut funcref) (ref.null func))
  (table $t 2 10 funcref)
  (elem (i32.const 0) $two $two)
  (elem $pe func $two $one)
  (data $pd "passive bytes")
  (type $v (func (result i32)))
  (func $one (result i32) i32.const 1)
  (func $two (result i32) i32.const 2)
  (func $rec (export "rec") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0 call $tick
    else local.get 0 i32.const 1 i32.sub call $rec local.get 0 call $tick i32.add end)
  ;; change every kind of state a little
  (func (export "step") (param i32) (result i32)
    global.get $i local.get 0 i32.add global.set $i
    global.get $l i64.const 3 i64.mul global.set $l
    global.get $f f32.const 0.25 f32.add global.set $f
    global.get $d f64.const 1.125 f64.mul global.set $d
    i32.const 1 memory.grow drop
    (i32.store (i32.mul (memory.size) (i32.const 40000)) (global.get $i))
    (i64.store (i32.const 8) (global.get $l))
    (table.grow $t (ref.func $two) (i32.const 1)) drop
    global.get $i i32.const 1 i32.and if
      ref.func $two global.set $r
      (memory.init $pd (i32.const 100) (i32.const 0) (i32.const 7))
      data.drop $pd
      (table.init $t $pe (i32.const 0) (i32.const 1) (i32.const 1))
      elem.drop $pe
    end
    global.get $i)
  ;; one number of everything step changes
  (func (export "digest") (result i64) (local $k i32) (local $h i64)
    (local.set $h (i64.extend_i32_u (global.get $i)))
    (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31)) (global.get $l)))
    (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
      (i64.extend_i32_u (i32.reinterpret_f32 (global.get $f)))))
    (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
      (i64.reinterpret_f64 (global.get $d))))
    (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
      (i64.extend_i32_u (memory.size))))
    (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
      (i64.extend_i32_u (table.size $t))))
    (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
      (i64.load (i32.const 8))))
    (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
      (i64.load (i32.const 100))))
    (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
      (i64.extend_i32_u (i32.load (i32.mul (memory.size) (i32.const 40000))))))
    (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
      (i64.extend_i32_u (ref.is_null (global.get $r)))))
    block loop
      local.get $k table.size $t i32.ge_u br_if 1
      (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
        (i64.extend_i32_u (call_indirect $t (type $v) (local.get $k)))))
      local.get $k i32.const 1 i32.add local.set $k br 0
    end end
    local.get $h)
  ;; data.drop'ed: 0 from memory.init after the drop traps
  (func (export "init_again") (memory.init $pd (i32.const 200) (i32.const 0) (i32.const 1)))
)
"""


def _wasm(wat):
    return wasmtime.wat2wasm(wat)


def _tick(scale=3):
    return wasmbed.host_function("i", "i", lambda env, x: x * scale)


def _make(mode, wasm, tick=None):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    mod = rt.load(wasm)
    imps = {"env": {"tick": tick or _tick()}}
    return rt, mod, rt.instantiate(mod, imports=imps), imps


def _restore(mode, wasm, snap, imps):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    return rt.restore(rt.load(wasm), snap, imports=imps)


def _trap_text(f):
    try:
        f()
    except wasmbed.Trap as e:
        return str(e)
    return None


@pytest.mark.parametrize("steps", [2, 3])
def test_idle_instance_round_trip_matches_the_original(mode, steps):
    wasm = _wasm(STATE_WAT)
    _rt, _m, inst, imps = _make(mode, wasm)
    for k in range(steps):
        inst.call("step", k + 1)
    snap = inst.snapshot()
    assert inst.suspended() is None
    for restore_mode in ("interp", "fast"):
        back = _restore(restore_mode, wasm, snap, imps)
        assert back.suspended() is None
        assert back.call("digest") == inst.call("digest")
        assert _trap_text(lambda: back.call("init_again")) == \
            _trap_text(lambda: inst.call("init_again"))
        # both go on the same way
        assert back.call("step", 9) == _restore(mode, wasm, snap, imps).call("step", 9)
    inst.call("step", 9)
    assert back.call("digest") == inst.call("digest")


def test_snapshot_of_a_restored_instance_is_the_same_bytes(mode):
    wasm = _wasm(STATE_WAT)
    _rt, _m, inst, imps = _make(mode, wasm)
    inst.call("step", 1)
    snap = inst.snapshot()
    assert _restore(mode, wasm, snap, imps).snapshot() == snap


def test_suspended_mid_recursion_restored_gives_the_uninterrupted_result():
    wasm = _wasm(STATE_WAT)
    want = _make("interp", wasm)[2].call("rec", 40)

    def tick(env, x):
        return wasmbed.Suspend(x) if x == 17 else x * 3
    _rt, _m, inst, imps = _make("interp", wasm, wasmbed.host_function("i", "i", tick))
    with pytest.raises(wasmbed.Suspended) as ei:
        inst.call("rec", 40)
    assert inst.suspended() is ei.value
    snap = inst.snapshot()
    back = _restore("interp", wasm, snap, {"env": {"tick": _tick()}})
    s = back.suspended()
    assert s is not None and s.reason == "host" and s.value == 17
    assert s.resume(17 * 3) == want
    assert back.suspended() is None
    # the original still resumes too, to the same result
    assert ei.value.resume(17 * 3) == want


def test_fuel_suspended_call_restored_repeatedly_finishes(mode):
    wasm = _wasm(STATE_WAT)
    want = _make("interp", wasm)[2].call("rec", 100)
    _rt, _m, inst, imps = _make(mode, wasm)
    env = inst.create_exec_env()
    env.set_fuel(60, on_exhausted="suspend")
    with pytest.raises(wasmbed.Suspended) as ei:
        env.call(inst.lookup_function("rec"), 100)
    assert ei.value.reason == "fuel"
    snap = inst.snapshot()
    slices = 0
    while True:
        back = _restore(mode, wasm, snap, imps)
        assert back.default_exec_env().get_fuel() == 0
        back.default_exec_env().set_fuel(60, on_exhausted="suspend")
        try:
            got = back.suspended().resume()
            break
        except wasmbed.Suspended:
            snap = back.snapshot()
            slices += 1
    assert slices > 3
    assert got == want


FINISH = r"""
import sys
sys.path.insert(0, %r)
import wasmbed
wasm = open(sys.argv[1], "rb").read()
snap = open(sys.argv[2], "rb").read()
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
tick = wasmbed.host_function("i", "i", lambda env, x: x * 3)
inst = rt.restore(rt.load(wasm), snap, imports={"env": {"tick": tick}})
s = inst.suspended()
print(s.reason, s.value, s.resume(s.value * 3), inst.call("digest"))
"""


def test_snapshot_in_one_process_restored_in_another(tmp_path):
    wasm = _wasm(STATE_WAT)
    plain = _make("interp", wasm)[2]
    plain.call("step", 4)
    want = plain.call("rec", 30)

    def tick(env, x):
        return wasmbed.Suspend(x) if x == 11 else x * 3
    _rt, _m, inst, _i = _make("interp", wasm, wasmbed.host_function("i", "i", tick))
    inst.call("step", 4)
    with pytest.raises(wasmbed.Suspended):
        inst.call("rec", 30)
    (tmp_path / "m.wasm").write_bytes(wasm)
    (tmp_path / "s.snap").write_bytes(inst.snapshot())
    script = tmp_path / "finish.py"
    script.write_text(FINISH % REPO)
    out = subprocess.run([sys.executable, str(script), str(tmp_path / "m.wasm"),
                          str(tmp_path / "s.snap")], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["host", "11", str(want), str(plain.call("digest"))]


# -- what a restore refuses ----------------------------------------------------

def _snap():
    wasm = _wasm(STATE_WAT)
    _rt, _m, inst, imps = _make("interp", wasm)
    inst.call("step", 3)
    return wasm, inst.snapshot(), imps


def _refused(wasm, data, imps, *words):
    with pytest.raises(wasmbed.SnapshotError) as ei:
        _restore("interp", wasm, data, imps)
    text = str(ei.value)
    for w in words:
        assert w in text, text
    assert isinstance(ei.value, wasmbed.WasmError)


def test_corrupted_byte_fails_the_checksum():
    wasm, snap, imps = _snap()
    for at in (S.HEADER, len(snap) // 2, len(snap) - 1):
        bad = bytearray(snap)
        bad[at] ^= 0x40
        _refused(wasm, bytes(bad), imps, "checksum")


def test_truncated_snapshot_is_refused():
    wasm, snap, imps = _snap()
    for n in (len(snap) - 1, S.HEADER + 3, 10, 3):
        _refused(wasm, snap[:n], imps, "truncated")


def test_other_version_and_magic_are_refused():
    wasm, snap, imps = _snap()
    other = snap[:6] + struct.pack("<H", S.VERSION + 1) + snap[8:]
    _refused(wasm, other, imps, "version %d" % (S.VERSION + 1))
    _refused(wasm, b"PK\x03\x04" + snap[4:], imps, "not a wasmbed snapshot")


def test_snapshot_of_another_module_is_refused():
    wasm, snap, imps = _snap()
    other = _wasm(STATE_WAT.replace("(i32.const 5)", "(i32.const 6)"))
    _refused(other, snap, imps, "another module")


def test_snapshot_of_another_float_mode_is_refused():
    wasm, snap, imps = _snap()
    body = bytes(snap[S.HEADER:])
    here = "soft" if wasmbed.core.numeric.soft else "hard"
    there = "hard" if here == "soft" else "soft"
    body = body.replace(here.encode(), there.encode(), 1)
    _refused(wasm, S.seal(body, S.crc32), imps, "float mode " + there)


def test_frames_that_do_not_fit_the_code_are_refused():
    wasm = _wasm(STATE_WAT)

    def tick(env, x):
        return wasmbed.Suspend(x)
    _rt, _m, inst, imps = _make("interp", wasm, wasmbed.host_function("i", "i", tick))
    with pytest.raises(wasmbed.Suspended):
        inst.call("rec", 3)
    s = inst.suspended()
    # a frame claiming another register count than this build lowers to
    call = S.call_state(inst.core, s, s._call_results, None)
    call[6][0][5] += 1
    call[6][0][1] = call[6][0][1] + [0]
    snap = S.take(inst.core, (len(wasm), S.crc32(wasm)), "soft" if
                  wasmbed.core.numeric.soft else "hard", None, None,
                  [inst.stack_size, None, None], call, S.crc32)
    _refused(wasm, snap, imps, "does not match this build")


def test_crc32_is_zlibs():
    import binascii
    for data in (b"", b"a", bytes(range(256)) * 5, os.urandom(3000)):
        assert S.crc32(data) == binascii.crc32(data)


def test_externref_state_cannot_be_snapshotted():
    wasm = _wasm('(module (global (export "g") (mut externref) (ref.null extern))'
                 ' (func (export "set") (param externref) local.get 0 global.set 0))')
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
    inst = rt.instantiate(rt.load(wasm))
    assert _restore("interp", wasm, inst.snapshot(), None).snapshot() == inst.snapshot()
    inst.call("set", object())
    with pytest.raises(wasmbed.SnapshotError) as ei:
        inst.snapshot()
    assert "a global" in str(ei.value)


# -- WASI -------------------------------------------------------------------------

WASI_WAT = r"""
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "env" "pause" (func $pause (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data.txt")
  (func $read4 (param $fd i32) (result i32)
    ;; iovec at 32: buf 64, len 4; nread at 40
    (i32.store (i32.const 32) (i32.const 64))
    (i32.store (i32.const 36) (i32.const 4))
    (drop (call $fd_read (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 40)))
    (i32.load (i32.const 64)))
  (func (export "run") (result i64) (local $fd i32) (local $a i32) (local $b i32)
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 8)
      (i32.const 0) (i64.const 0x2) (i64.const 0) (i32.const 0) (i32.const 0)))
    (local.set $fd (i32.load (i32.const 0)))
    (local.set $a (call $read4 (local.get $fd)))
    (local.set $a (i32.add (local.get $a) (call $pause (local.get $fd))))
    (local.set $b (call $read4 (local.get $fd)))
    (drop (call $args_sizes_get (i32.const 48) (i32.const 52)))
    (i64.or (i64.shl (i64.extend_i32_u (i32.add (local.get $b) (i32.load (i32.const 48))))
                     (i64.const 32))
            (i64.extend_i32_u (local.get $a))))
)
"""


def test_wasi_file_offset_and_args_survive_a_restore(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "data.txt").write_bytes(b"ABCDEFGHIJKL")
    wasm = _wasm(WASI_WAT)
    cfg = dict(args=["prog", "x", "y"], env={"K": "V"}, dirs={"/sandbox": str(d)})

    def run(pause):
        rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
        inst = rt.instantiate(rt.load(wasm), wasi=wasmbed.wasi.WasiConfig(**cfg),
                              imports={"env": {"pause": wasmbed.host_function("i", "i", pause)}})
        return inst
    want = run(lambda env, fd: fd).call("run")
    inst = run(lambda env, fd: wasmbed.Suspend(fd))
    with pytest.raises(wasmbed.Suspended) as ei:
        inst.call("run")
    fd = ei.value.value
    snap = inst.snapshot()
    inst.deinstantiate()
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
    # the snapshot's args and preopens (given no WasiConfig)
    back = rt.restore(rt.load(wasm), snap,
                      imports={"env": {"pause": wasmbed.host_function("i", "i", lambda e, x: x)}})
    assert back.suspended().resume(fd) == want
    assert back.wasi.config.args == [b"prog", b"x", b"y"]
    assert back.wasi.config.env == [b"K=V"]
    back.deinstantiate()


def test_snapshot_while_a_call_runs_is_refused(mode):
    wasm = _wasm(STATE_WAT)
    seen = []

    def tick(env, x):
        try:
            env.inst.snapshot()
        except wasmbed.SnapshotError as e:
            seen.append(str(e))
        return x
    inst = _make(mode, wasm, wasmbed.host_function("i", "i", tick))[2]
    inst.call("rec", 2)
    assert len(seen) == 3 and "while one of its calls runs" in seen[0]
    inst.snapshot()     # idle again


def test_wasi_restore_with_another_host_directory(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "data.txt").write_bytes(b"0123456789ab")
    wasm = _wasm(WASI_WAT)

    def inst_with(pause, where, **kw):
        rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
        return rt, rt.instantiate(rt.load(wasm), wasi=wasmbed.wasi.WasiConfig(
            args=["p"], dirs={"/s": str(tmp_path / where)}, **kw),
            imports={"env": {"pause": wasmbed.host_function("i", "i", pause)}})
    want = inst_with(lambda env, fd: fd, "a")[1].call("run")
    _rt, inst = inst_with(lambda env, fd: wasmbed.Suspend(fd), "a")
    with pytest.raises(wasmbed.Suspended) as ei:
        inst.call("run")
    snap = inst.snapshot()
    # the restoring host's preopen of the same guest name, elsewhere
    (tmp_path / "a" / "data.txt").write_bytes(b"XXXXXXXXXXXX")
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
    back = rt.restore(rt.load(wasm), snap, wasi=wasmbed.wasi.WasiConfig(
        args=["ignored"], dirs={"/s": str(tmp_path / "b")}),
        imports={"env": {"pause": wasmbed.host_function("i", "i", lambda e, x: x)}})
    assert back.suspended().resume(ei.value.value) == want
    assert back.wasi.config.args == [b"p"]
    # a WasiConfig without that preopen cannot take the snapshot
    with pytest.raises(wasmbed.SnapshotError) as e2:
        rt.restore(rt.load(wasm), snap, wasi=wasmbed.wasi.WasiConfig(
            dirs={"/other": str(tmp_path / "b")}),
            imports={"env": {"pause": wasmbed.host_function("i", "i", lambda e, x: x)}})
    assert "/s" in str(e2.value)


def test_an_awaiting_call_restores_without_its_coroutine():
    wasm = _wasm(STATE_WAT)
    want = _make("interp", wasm)[2].call("rec", 6)

    async def tick(env, x):
        return x * 3
    inst = _make("interp", wasm, wasmbed.host_function("i", "i", tick))[2]
    with pytest.raises(wasmbed.Suspended) as ei:
        inst.call("rec", 6)
    snap = inst.snapshot()
    ei.value.value.close()
    s = _restore("interp", wasm, snap, {"env": {"tick": _tick()}}).suspended()
    assert s.reason == "await" and s.value is None
    assert s.resume(0) == want      # the innermost tick(0)
