"""Suspend / resume of a running guest (interp tier; fast: NotSupported)."""

import pytest
import wasmtime

import wasmbed

WAT = r"""
(module
  (import "env" "tick" (func $tick (param i32) (result i32)))
  (func $rec (export "rec") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0 call $tick
    else local.get 0 i32.const 1 i32.sub call $rec local.get 0 call $tick i32.add end)
  (func (export "sum") (param i32) (result i32) (local i32)
    block loop local.get 0 i32.eqz br_if 1
      local.get 1 local.get 0 i32.add local.set 1
      local.get 0 i32.const 1 i32.sub local.set 0 br 0 end end local.get 1))
"""


def make(mode, tick):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    return rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)), imports={
        "env": {"tick": wasmbed.host_function("i", "i", tick)}})


def test_resume_mid_recursion_matches_uninterrupted():
    plain = make("interp", lambda env, x: x * 3)
    want = plain.call("rec", 40)
    inst = make("interp", lambda env, x: wasmbed.Suspend(x) if x == 17 else x * 3)
    with pytest.raises(wasmbed.Suspended) as ei:
        inst.call("rec", 40)
    s = ei.value
    assert s.value == 17 and s.reason == "host"
    assert s.resume(51) == want
    with pytest.raises(wasmbed.NotSupported):
        s.resume(51)


def test_fast_tier_suspend_is_not_supported():
    inst = make("fast", lambda env, x: wasmbed.Suspend(x))
    with pytest.raises(wasmbed.NotSupported):
        inst.call("rec", 3)


@pytest.mark.parametrize("mode", ["interp", "fast"])
def test_fuel_time_slices_100_guests(mode):
    guests = []
    for k in range(100):
        inst = make(mode, lambda env, x: x)
        env = inst.create_exec_env()
        env.set_fuel(40, on_exhausted="suspend")
        guests.append((k, env, inst.lookup_function("sum")))
    pending = []
    done = {}
    for k, env, f in guests:
        try:
            done[k] = env.call(f, 200 + k)
        except wasmbed.Suspended as s:
            assert s.reason == "fuel"
            pending.append((k, env, s))
    while pending:
        k, env, s = pending.pop(0)
        env.set_fuel(40, on_exhausted="suspend")
        try:
            done[k] = s.resume()
        except wasmbed.Suspended as s2:
            pending.append((k, env, s2))
    want = _wasmtime_sum([200 + k for k in range(100)])
    for k in range(100):
        assert done[k] == want[k]


def _wasmtime_sum(ns):
    """sum(n) for each n, run by wasmtime (the oracle)."""
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, wasmtime.wat2wasm(WAT))
    tick = wasmtime.Func(store, wasmtime.FuncType([wasmtime.ValType.i32()],
                                                  [wasmtime.ValType.i32()]),
                         lambda x: x)
    inst = wasmtime.Instance(store, module, [tick])
    f = inst.exports(store)["sum"]
    return [f(store, n) for n in ns]


def _raw_host(fn):
    from wasmbed.core.instance import HostFunction
    from wasmbed.core.module import FuncType, I32
    return HostFunction(FuncType((I32,), (I32,)), fn, "tick")


def test_raw_core_host_function_suspends_too(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    mod = rt.load(wasmtime.wat2wasm(WAT))
    want = rt.instantiate(mod, imports={"env": {"tick": _raw_host(lambda env, x: x * 3)}}).call("rec", 20)
    inst = rt.instantiate(mod, imports={"env": {"tick": _raw_host(
        lambda env, x: wasmbed.Suspend(x) if x == 5 else x * 3)}})
    if mode == "fast":
        with pytest.raises(wasmbed.NotSupported):
            inst.call("rec", 20)
        return
    with pytest.raises(wasmbed.Suspended) as ei:
        inst.call("rec", 20)
    assert ei.value.value == 5
    assert ei.value.resume(15) == want


def test_fuel_suspension_mid_recursion_matches_uninterrupted():
    plain = make("interp", lambda env, x: x * 3)
    want = plain.call("rec", 300)
    inst = make("fast", lambda env, x: x * 3)
    env = inst.create_exec_env()
    env.set_fuel(25, on_exhausted="suspend")
    slices = 0
    try:
        got = env.call(inst.lookup_function("rec"), 300)
    except wasmbed.Suspended as s:
        while True:
            slices += 1
            env.set_fuel(25, on_exhausted="suspend")
            try:
                got = s.resume()
                break
            except wasmbed.Suspended as s2:
                s = s2
    assert slices > 10 and got == want
