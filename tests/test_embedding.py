"""The embedding API as far as load / instantiate / lookup / exec env / call,
natives with WAMR signatures, traps, stack exhaustion and terminate()."""

import threading
import time

import pytest
import wasmtime

import wasmbed
from wasmbed import NativeSymbol, Trap

WAT = r"""
(module
  (import "env" "add3" (func $add3 (param i32 i32 i32) (result i32)))
  (import "env" "sum_bytes" (func $sum_bytes (param i32 i32) (result i32)))
  (import "env" "strlen" (func $strlen (param i32) (result i32)))
  (import "env" "wide" (func $wide (param i64 f32 f64) (result f64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\00")
  (data (i32.const 32) "\01\02\03\04")
  (func (export "call_add3") (param i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 call $add3)
  (func (export "call_sum") (result i32) i32.const 32 i32.const 4 call $sum_bytes)
  (func (export "call_sum_oob") (result i32) i32.const 65534 i32.const 4 call $sum_bytes)
  (func (export "call_strlen") (result i32) i32.const 16 call $strlen)
  (func (export "call_wide") (param i64 f32 f64) (result f64)
    local.get 0 local.get 1 local.get 2 call $wide)
  (func (export "swap") (param i64 i32) (result i32 i64) local.get 1 local.get 0)
  (func (export "neg") (param i32) (result i32) i32.const 0 local.get 0 i32.sub)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func $rec (export "rec") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 i32.const 1 i32.sub call $rec i32.const 1 i32.add end)
  (func (export "spin") (loop br 0))
  (func (export "f32id") (param f32) (result f32) local.get 0)
)
"""


def natives(log):
    def add3(env, a, b, c):
        log.append(("add3", a, b, c))
        return a + b + c

    def sum_bytes(env, view, n):
        log.append(("sum", bytes(view), n))
        return sum(view)

    def strlen(env, s):
        log.append(("strlen", s))
        return len(s)

    def wide(env, a, b, c):
        return a + b + c

    return {"env": [NativeSymbol("add3", add3, "(iii)i"),
                    NativeSymbol("sum_bytes", sum_bytes, "(*~)i"),
                    NativeSymbol("strlen", strlen, "($)i"),
                    NativeSymbol("wide", wide, "(IfF)F")]}


@pytest.fixture
def setup(mode):
    log = []
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(natives=natives(log), mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(WAT)), stack_size=64 * 1024)
    return rt, inst, log


def test_natives_receive_api_values_pointers_and_strings(setup):
    rt, inst, log = setup
    env = inst.create_exec_env()
    assert env.call(inst.lookup_function("call_add3"), 1, -2, 3) == 2
    assert log[-1] == ("add3", 1, -2, 3)
    assert env.call(inst.lookup_function("call_sum")) == 10
    assert log[-1] == ("sum", b"\x01\x02\x03\x04", 4)
    assert env.call(inst.lookup_function("call_strlen")) == 5
    assert log[-1] == ("strlen", "hello")
    assert env.call(inst.lookup_function("call_wide"), 1 << 40, 0.5, 0.25) == (1 << 40) + 0.75


def test_native_pointer_out_of_bounds_traps(setup):
    _, inst, _ = setup
    with pytest.raises(Trap, match="out of bounds memory access"):
        inst.call("call_sum_oob")


def test_values_are_signed_and_multi_value_is_a_tuple(setup):
    _, inst, _ = setup
    assert inst.call("neg", 5) == -5
    assert inst.call("swap", -1, 7) == (7, -1)
    assert inst.call("f32id", 1.5) == 1.5


def test_trap_message_and_get_exception(setup):
    _, inst, _ = setup
    with pytest.raises(Trap) as e:
        inst.call("div", 1, 0)
    assert e.value.message == "integer divide by zero"
    assert inst.get_exception() == "Exception: integer divide by zero"
    assert inst.call("div", 7, 2) == 3
    assert inst.get_exception() is None


def test_call_wasm_uses_32bit_cells(setup):
    _, inst, _ = setup
    env = inst.create_exec_env()
    argv = [3, 4, 5]
    assert env.call_wasm(inst.lookup_function("call_add3"), argv) is True
    assert argv[0] == 12
    argv = [0xFFFFFFFF, 0xFFFFFFFF, 9]   # i64 -1 in two cells, then i32 9
    assert env.call_wasm(inst.lookup_function("swap"), argv) is True
    assert argv[:3] == [9, 0xFFFFFFFF, 0xFFFFFFFF]
    assert env.call_wasm(inst.lookup_function("div"), [1, 0]) is False
    assert inst.get_exception() == "Exception: integer divide by zero"


def test_call_depth_is_bounded_by_stack_size_not_host_recursion(setup):
    _, inst, _ = setup
    small = inst.create_exec_env(stack_size=16 * 1024)
    big = inst.create_exec_env(stack_size=8 * 1024 * 1024)
    rec = inst.lookup_function("rec")
    with pytest.raises(Trap, match="call stack exhausted"):
        small.call(rec, 10000)
    # far deeper than Python's recursion limit: no Python recursion involved
    assert big.call(rec, 20000) == 20000
    assert small.call(rec, 50) == 50


def test_terminate_stops_a_busy_loop(setup):
    _, inst, _ = setup
    result = {}

    def run():
        try:
            inst.call("spin")
        except Trap as e:
            result["trap"] = e
    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.2)
    assert t.is_alive()
    inst.terminate()
    t.join(5)
    assert not t.is_alive()
    assert isinstance(result["trap"], wasmbed.Terminated)


def test_lookup_of_missing_export_is_none(setup):
    _, inst, _ = setup
    assert inst.lookup_function("nope") is None
    assert inst.lookup_function("memory") is None


def test_memory_view_is_bounds_checked(setup):
    _, inst, _ = setup
    assert bytes(inst.memory_view(16, 5)) == b"hello"
    with pytest.raises(Trap):
        inst.memory_view(65535, 2)


def test_load_errors(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    with pytest.raises(wasmbed.MalformedModule, match="magic header not detected"):
        rt.load(b"\0asn\1\0\0\0")
    with pytest.raises(wasmbed.InvalidModule, match="type mismatch"):
        rt.load(_invalid_module())


def _invalid_module():
    # (func (result i32) i64.const 0): a body whose result has the wrong type
    return bytes([0, 0x61, 0x73, 0x6D, 1, 0, 0, 0,
                  1, 5, 1, 0x60, 0, 1, 0x7F,      # type () -> i32
                  3, 2, 1, 0,                     # func 0: type 0
                  10, 6, 1, 4, 0, 0x42, 0, 0x0B])  # body: i64.const 0 end


def test_link_error_for_missing_import(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    mod = rt.load(wasmtime.wat2wasm('(module (import "env" "f" (func)))'))
    with pytest.raises(wasmbed.LinkError, match="unknown import"):
        rt.instantiate(mod)


MALLOC_WAT = """(module (memory (export "memory") 1)
  (func (export "sum") (param i32 i32) (result i32) (local $s i32)
    block loop
      local.get 1 i32.eqz br_if 1
      local.get $s local.get 0 i32.load8_u i32.add local.set $s
      local.get 0 i32.const 1 i32.add local.set 0
      local.get 1 i32.const 1 i32.sub local.set 1
      br 0 end end
    local.get $s))"""


def test_module_malloc_uses_an_app_heap_appended_to_memory(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="pool", heap_size=1 << 20,
                                               mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(MALLOC_WAT)), heap_size=8 * 1024)
    assert inst.memory().pages == 2                 # one page was added
    a = inst.module_dup_data(b"\x01\x02\x03")
    b = inst.module_malloc(100)
    assert a >= 65536 and b >= a + 8 and b % 8 == 0
    assert inst.call("sum", a, 3) == 6
    assert inst.module_malloc(70000) == 0           # larger than the heap
    inst.module_free(a)
    assert inst.module_malloc(3) == a               # first fit reuses it
    inst.module_free(b)
    inst.module_free(a)
    assert inst.module_malloc(65536) == 65536       # coalesced back whole


def test_module_malloc_falls_back_to_the_modules_malloc(mode):
    wat = """(module (memory (export "memory") 1) (global $top (mut i32) (i32.const 1024))
      (func (export "malloc") (param i32) (result i32) global.get $top
        global.get $top local.get 0 i32.add global.set $top)
      (func (export "free") (param i32)))"""
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(wat)))
    assert inst.module_malloc(16) == 1024
    assert inst.module_malloc(16) == 1040


def test_spawn_thread_runs_guest_code_and_counts_against_max_thread_num(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(max_thread_num=2, mode=mode))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(MALLOC_WAT)))
    gate = threading.Event()

    def body(env, n):
        gate.wait(5)
        return env.call(inst.lookup_function("sum"), 0, n)
    h1 = rt.spawn_thread(inst, body, 10)
    h2 = rt.spawn_thread(inst, body, 20)
    with pytest.raises(wasmbed.ThreadLimit):
        rt.spawn_thread(inst, body, 30)
    gate.set()
    assert rt.join_thread(h1) == 0 and rt.join_thread(h2) == 0
    h3 = rt.spawn_thread(inst, body, 5)           # slots are free again
    assert rt.join_thread(h3) == 0
