"""System-mode memory growth past the reservation of an unbounded memory:
a guest growing page by page to more than 1 GiB makes the backing move
O(log n) times (geometric re-reservation), not once per grow, keeps the
bytes, and commits no host RAM for pages nobody wrote."""
import math

import pytest
import wasmtime

import wasmbed
from wasmbed.core.memory import UNBOUNDED_RESERVATION, VMBacking

PAGE = 65536
TARGET = 20000                      # pages: 1.22 GiB, past the 256 MiB window

GROW_LOOP = """(module
  (memory (export "memory") 1)
  (func (export "grow_to") (param $n i32) (result i32)
    (block $done
      (loop $again
        memory.size
        local.get $n
        i32.ge_u
        br_if $done
        i32.const 1
        memory.grow
        i32.const -1
        i32.eq
        br_if $done
        br $again))
    memory.size)
  (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u))"""


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def grower(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode=mode))
    if not isinstance(rt.store.mem_backing, VMBacking):
        pytest.skip("the platform has no virtual memory")
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(GROW_LOOP)))
    return rt, inst


def log_bound(pages):
    """Moves geometric re-reservation may need to reach `pages`."""
    return math.ceil(math.log2(pages * PAGE / UNBOUNDED_RESERVATION)) + 1


@pytest.mark.parametrize("mode", ("interp", "fast"))
def test_growing_page_by_page_past_the_reservation_moves_logarithmically(mode):
    rt, inst = grower(mode)
    inst.call("poke", 12345, 77)
    rss0 = rss_bytes()
    assert inst.call("grow_to", TARGET) == TARGET
    moves = rt.store.mem_backing.moves
    grows_past = TARGET - UNBOUNDED_RESERVATION // PAGE
    assert 1 <= moves <= log_bound(TARGET)
    assert moves * 1000 < grows_past          # not one move per grow
    assert len(inst.memory().data) == TARGET * PAGE
    assert inst.call("peek", 12345) == 77
    inst.call("poke", TARGET * PAGE - 1, 5)
    assert inst.call("peek", TARGET * PAGE - 1) == 5
    # untouched pages cost no RAM: far less than the 1.2 GiB grown
    assert rss_bytes() - rss0 < 128 << 20
    inst.deinstantiate()
    # the next module runs normally in the same runtime
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(GROW_LOOP)))
    assert inst.call("grow_to", 3) == 3


def test_a_view_held_across_the_move_falls_back_to_a_sparse_copy():
    rt, inst = grower("fast")
    mem = inst.memory()
    inst.call("poke", 7, 1)
    assert inst.call("grow_to", 4000) == 4000  # 250 MiB: inside the window
    assert rt.store.mem_backing.moves == 0
    inst.call("poke", 200 << 20, 2)           # one written chunk far in
    held = memoryview(mem.data)[0:16]         # keeps the old mapping exported
    rss0 = rss_bytes()
    assert inst.call("grow_to", TARGET // 4) == TARGET // 4
    assert rt.store.mem_backing.moves <= log_bound(TARGET // 4)
    assert inst.call("peek", 7) == 1
    assert inst.call("peek", 200 << 20) == 2
    assert held[7] == 1                       # the old view still reads
    # only the written chunks were copied, not the 256 MiB window
    assert rss_bytes() - rss0 < 64 << 20
    held.release()
