"""Threads: atomics under real contention, wait/notify, thread-spawn counted
against max_thread_num, and a trap in one thread ending the cluster."""
import time

import pytest
import wasmtime

import wasmbed

WAT = r"""
(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  ;; memory: 0 counter, 4 finished threads, 8 iterations per thread
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32) (local $i i32)
    local.get $arg i32.const 99 i32.eq if unreachable end
    block loop
      local.get $i i32.const 8 i32.load i32.ge_u br_if 1
      i32.const 0 i32.const 1 i32.atomic.rmw.add drop
      local.get $i i32.const 1 i32.add local.set $i
      br 0 end end
    i32.const 4 i32.const 1 i32.atomic.rmw.add drop
    i32.const 4 i32.const 1 memory.atomic.notify drop)
  (func (export "spawn") (param i32) (result i32) local.get 0 call $spawn)
  (func (export "setup") (param $iters i32)
    i32.const 0 i32.const 0 i32.atomic.store
    i32.const 4 i32.const 0 i32.atomic.store
    i32.const 8 local.get $iters i32.atomic.store)
  ;; wait until `n` threads finished; -> the counter
  (func (export "join") (param $n i32) (result i32) (local $seen i32)
    block loop
      i32.const 4 i32.atomic.load local.tee $seen
      local.get $n i32.ge_u br_if 1
      i32.const 4 local.get $seen i64.const 2000000000 memory.atomic.wait32 drop
      br 0 end end
    i32.const 0 i32.atomic.load)
  (func (export "wait") (param i32 i64) (result i32)
    i32.const 12 local.get 0 local.get 1 memory.atomic.wait32)
  (func (export "notify") (param i32) (result i32)
    i32.const 12 local.get 0 memory.atomic.notify)
  (func (export "spin") (loop br 0))
)
"""


def make(mode, max_threads=4):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(max_thread_num=max_threads, mode=mode))
    mem = rt.create_memory(1, 1, shared=True)
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)),
                          imports={"env": {"memory": mem}})
    return rt, inst


def test_atomic_increments_from_four_threads_lose_nothing(mode):
    _, inst = make(mode)
    inst.call("setup", 500)
    tids = [inst.call("spawn", 0) for _ in range(4)]
    assert all(t > 0 for t in tids) and len(set(tids)) == 4
    assert inst.call("join", 4) == 4 * 500
    inst.deinstantiate()


def test_thread_spawn_is_limited_by_max_thread_num(mode):
    _, inst = make(mode, max_threads=2)
    inst.call("setup", 200000)        # keep the threads busy
    assert inst.call("spawn", 0) > 0
    assert inst.call("spawn", 0) > 0
    assert inst.call("spawn", 0) < 0  # the limit counts spawned threads
    inst.deinstantiate()              # stops and joins the busy ones
    assert inst.cluster.live_threads() == 0


def test_wait_times_out_with_2_and_mismatch_returns_1(mode):
    _, inst = make(mode)
    t0 = time.monotonic()
    assert inst.call("wait", 0, 200 * 1000 * 1000) == 2
    assert time.monotonic() - t0 >= 0.19
    assert inst.call("wait", 5, -1) == 1
    assert inst.call("notify", 10) == 0


def test_a_trap_in_a_spawned_thread_stops_the_main_thread(mode):
    _, inst = make(mode)
    assert inst.call("spawn", 99) > 0     # that thread hits unreachable
    with pytest.raises(wasmbed.Trap, match="unreachable"):
        inst.call("spin")


def test_terminate_reaches_a_waiting_thread(mode):
    import threading
    _, inst = make(mode)
    got = {}

    def waiter():
        try:
            got["r"] = inst.call("wait", 0, -1)
        except wasmbed.Trap as e:
            got["e"] = e
    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.2)
    inst.terminate()
    t.join(2)
    assert not t.is_alive() and isinstance(got.get("e"), wasmbed.Terminated)
