"""ExecEnv.call_async: guests awaiting ``async def`` host functions on an
asyncio event loop, without blocking it (the guest runs on the interp
tier whatever the runtime's mode)."""

import asyncio
import time

import pytest
import wasmtime

import wasmbed

WAT = r"""
(module
  (import "env" "wait" (func $wait (param i32) (result i32)))
  (func $rec (export "rec") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0 call $wait
    else local.get 0 i32.const 1 i32.sub call $rec local.get 0 call $wait i32.add end)
  (func (export "once") (param i32) (result i32) local.get 0 call $wait))
"""

SLEEP = 0.3


def _inst(mode, wait):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    return rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)), imports={
        "env": {"wait": wasmbed.host_function("i", "i", wait)}})


def _run(coro):
    return asyncio.run(coro)


def test_two_guests_sleep_concurrently(mode):
    async def wait(env, x):
        await asyncio.sleep(SLEEP)
        return x + 1

    async def one():
        inst = _inst(mode, wait)
        return await inst.default_exec_env().call_async(inst.lookup_function("once"), 1)

    async def two():
        return await asyncio.gather(one(), one())

    t0 = time.monotonic()
    assert _run(one()) == 2
    single = time.monotonic() - t0
    t0 = time.monotonic()
    assert _run(two()) == [2, 2]
    both = time.monotonic() - t0
    assert single >= SLEEP
    assert both < 1.5 * single, (single, both)


def test_many_guests_interleave_on_one_loop(mode):
    def plain(env, x):
        return x * 7 + 1
    want = [_inst("interp", plain).call("rec", 10 + k) for k in range(20)]
    order = []

    def make_wait(k):
        async def wait(env, x):
            order.append(k)
            await asyncio.sleep(0)
            return x * 7 + 1
        return wait

    async def guest(k):
        inst = _inst(mode, make_wait(k))
        return await inst.default_exec_env().call_async(inst.lookup_function("rec"), 10 + k)

    async def main():
        return await asyncio.gather(*[guest(k) for k in range(20)])

    assert _run(main()) == want
    # the guests took turns: guest 0 did not finish before guest 1 began
    assert order.index(1) < len(order) - 1 - order[::-1].index(0)


def test_the_loop_runs_other_tasks_while_a_guest_awaits(mode):
    ticks = []

    async def wait(env, x):
        await asyncio.sleep(SLEEP)
        return x

    async def ticker():
        for _ in range(5):
            ticks.append(time.monotonic())
            await asyncio.sleep(SLEEP / 10)

    async def main():
        inst = _inst(mode, wait)
        t = asyncio.ensure_future(ticker())
        r = await inst.default_exec_env().call_async(inst.lookup_function("once"), 5)
        await t
        return r
    t0 = time.monotonic()
    assert _run(main()) == 5
    assert len(ticks) == 5 and ticks[-1] - t0 < SLEEP


def test_a_plain_suspend_still_raises_suspended():
    inst = _inst("interp", lambda env, x: wasmbed.Suspend(x))

    async def main():
        return await inst.default_exec_env().call_async(inst.lookup_function("once"), 4)
    with pytest.raises(wasmbed.Suspended) as ei:
        _run(main())
    assert ei.value.reason == "host" and ei.value.resume(9) == 9


def test_an_awaited_exception_reaches_the_caller():
    async def wait(env, x):
        await asyncio.sleep(0)
        raise KeyError("gone")
    inst = _inst("interp", wait)

    async def main():
        return await inst.default_exec_env().call_async(inst.lookup_function("once"), 4)
    with pytest.raises(KeyError):
        _run(main())
    # the call is over: nothing is left suspended
    assert inst.suspended() is None


def test_async_host_function_through_plain_call_suspends(mode):
    async def wait(env, x):
        return x * 2
    inst = _inst(mode, wait)
    if mode == "fast":
        # call() runs on the runtime's tier, which cannot suspend
        with pytest.raises(wasmbed.NotSupported):
            inst.call("once", 21)
        return
    with pytest.raises(wasmbed.Suspended) as ei:
        inst.call("once", 21)
    s = ei.value
    assert s.reason == "await"
    assert s.resume(_run(s.value)) == 42


MP_SCRIPT = r'''
import sys
sys.path.insert(0, sys.argv[1])
import asyncio, time, wasmbed
wasm = open(sys.argv[2], "rb").read()
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
mod = rt.load(wasm)

async def wait(env, x):
    await asyncio.sleep(0.3 if x == 3 else 0)
    return x * 7 + 1

async def guest():
    inst = rt.instantiate(mod, imports={"env": {"wait": wasmbed.host_function("i", "i", wait)}})
    return await inst.default_exec_env().call_async(inst.lookup_function("rec"), 6)

async def main():
    t = time.ticks_ms()
    r = await asyncio.gather(guest(), guest())
    print(r[0], r[1], time.ticks_diff(time.ticks_ms(), t))
asyncio.run(main())
'''


def test_two_guests_sleep_concurrently_on_micropython(tmp_path):
    import os
    import shutil
    import subprocess
    exe = shutil.which("micropython")
    if exe is None:
        pytest.skip("no micropython binary")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    (tmp_path / "m.wasm").write_bytes(wasmtime.wat2wasm(WAT))
    (tmp_path / "a.py").write_text(MP_SCRIPT)
    p = subprocess.run([exe, str(tmp_path / "a.py"), repo, str(tmp_path / "m.wasm")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    a, b, ms = p.stdout.split()
    want = _inst("interp", lambda env, x: x * 7 + 1).call("rec", 6)
    assert int(a) == int(b) == want
    assert 300 <= int(ms) < 550     # one after the other: 600
