"""Snapshots move between CPython and MicroPython's unix port: a call
suspended mid-recursion (and one time-sliced by fuel) on one is finished
on the other, with the result of an uninterrupted CPython run. Skips when
no MicroPython binary is installed."""

import os
import shutil
import subprocess

import pytest

import wasmbed
from test_snapshot import STATE_WAT, _make, _restore, _tick, _wasm

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _micropython():
    exe = os.environ.get("WASMBED_MICROPYTHON")
    return exe if exe and os.path.exists(exe) else shutil.which("micropython")


MICROPYTHON = _micropython()
pytestmark = pytest.mark.skipif(not MICROPYTHON, reason="no micropython binary")

# argv: repo, wasm, action ("finish" SNAP | "take" SNAP N SUSPEND_AT | "fuel" SNAP N)
SCRIPT = r'''
import sys
sys.path.insert(0, sys.argv[1])
import wasmbed
wasm = open(sys.argv[2], "rb").read()
act = sys.argv[3]
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
mod = rt.load(wasm)


def plain(env, x):
    return x * 3


if act == "finish":
    inst = rt.restore(mod, open(sys.argv[4], "rb").read(),
                      imports={"env": {"tick": wasmbed.host_function("i", "i", plain)}})
    s = inst.suspended()
    while True:
        if s.reason == "fuel":
            inst.default_exec_env().set_fuel(50, "suspend")
            arg = None
        else:
            arg = s.value * 3
        try:
            r = s.resume(arg)
            break
        except wasmbed.Suspended as e:
            s = e
    print("result", r, inst.create_exec_env().call(inst.lookup_function("digest")))
else:
    at = int(sys.argv[6]) if act == "take" else -1

    def tick(env, x):
        return wasmbed.Suspend(x) if x == at else x * 3
    inst = rt.instantiate(mod, imports={"env": {"tick": wasmbed.host_function("i", "i", tick)}})
    inst.call("step", 4)
    env = inst.default_exec_env()
    if act == "fuel":
        env.set_fuel(50, "suspend")
    try:
        env.call(inst.lookup_function("rec"), int(sys.argv[5]))
        print("not suspended")
    except wasmbed.Suspended as s:
        open(sys.argv[4], "wb").write(inst.snapshot())
        print("taken", s.reason)
'''


def _mp(tmp_path, *args):
    script = tmp_path / "mp_snap.py"
    script.write_text(SCRIPT)
    r = subprocess.run([MICROPYTHON, str(script), REPO] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.split()


def _want(n):
    plain = _make("interp", _wasm(STATE_WAT))[2]
    plain.call("step", 4)
    return plain.call("rec", n), plain.call("digest")


def test_cpython_snapshot_finishes_on_micropython(tmp_path):
    wasm = _wasm(STATE_WAT)
    (tmp_path / "m.wasm").write_bytes(wasm)

    def tick(env, x):
        return wasmbed.Suspend(x) if x == 9 else x * 3
    inst = _make("interp", wasm, wasmbed.host_function("i", "i", tick))[2]
    inst.call("step", 4)
    with pytest.raises(wasmbed.Suspended):
        inst.call("rec", 25)
    (tmp_path / "s.snap").write_bytes(inst.snapshot())
    r, d = _want(25)
    assert _mp(tmp_path, tmp_path / "m.wasm", "finish", tmp_path / "s.snap") == \
        ["result", str(r), str(d)]


@pytest.mark.parametrize("how", ["take", "fuel"])
def test_micropython_snapshot_finishes_on_cpython(tmp_path, how):
    wasm = _wasm(STATE_WAT)
    (tmp_path / "m.wasm").write_bytes(wasm)
    snap = tmp_path / "s.snap"
    extra = [13] if how == "take" else []
    out = _mp(tmp_path, tmp_path / "m.wasm", how, snap, 40, *extra)
    assert out == ["taken", "host" if how == "take" else "fuel"]
    inst = _restore("interp", wasm, snap.read_bytes(), {"env": {"tick": _tick()}})
    s = inst.suspended()
    while True:
        if s.reason == "fuel":
            inst.default_exec_env().set_fuel(50, "suspend")
        try:
            got = s.resume(None if s.reason == "fuel" else s.value * 3)
            break
        except wasmbed.Suspended as e:
            s = e
    digest = inst.create_exec_env().call(inst.lookup_function("digest"))
    assert (got, digest) == _want(40)
    # and back: the CPython instance's snapshot of a fuel-sliced call,
    # finished on MicroPython
    if how == "fuel":
        inst = _restore("interp", wasm, snap.read_bytes(), {"env": {"tick": _tick()}})
        (tmp_path / "again.snap").write_bytes(inst.snapshot())
        assert _mp(tmp_path, tmp_path / "m.wasm", "finish", tmp_path / "again.snap") == \
            ["result", str(_want(40)[0]), str(_want(40)[1])]
