"""Store limits (RuntimeConfig max_memory_size, max_table_elements,
max_total_table_elements, max_instances, max_tables, max_memories), after
wasmtime's StoreLimits: over a size memory.grow and table.grow give -1 on
both tiers, over a minimum or a count instantiate raises InstantiationError
naming the limit, and the runtime goes on serving the next module.
Expected grow results come from wasmtime run with the same limits."""
import sys
import time

import pytest
import wasmtime

import wasmbed
from wasmbed import HostOutOfMemory, InstantiationError
from wasmbed.cli import main as cli_main
from wasmbed.core.table import ELEM_CHARGE

MODES = ("interp", "fast")
PAGE = 65536

GROWER = """(module
  (memory (export "memory") 1)
  (table 1 funcref)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "tgrow") (param i32) (result i32)
    ref.null func local.get 0 table.grow 0)
  (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u))"""

PLAIN = """(module (memory 1) (table 2 funcref)
  (func (export "answer") (result i32) i32.const 42))"""


def runtime(mode, alloc="system", **limits):
    kw = {"heap_size": 8 << 20} if alloc == "pool" else {}
    return wasmbed.Runtime(wasmbed.RuntimeConfig(
        mem_alloc_type=alloc, mode=mode, **kw, **limits))


def instantiate(rt, wat, **kw):
    return rt.instantiate(rt.load(wasmtime.wat2wasm(wat)), stack_size=64 * 1024, **kw)


def wasmtime_results(wat, calls, **limits):
    """Run ``calls`` [(export, arg)] on wasmtime with store limits."""
    store = wasmtime.Store()
    store.set_limits(**limits)
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, wat), [])
    return [inst.exports(store)[name](store, arg) for name, arg in calls]


def still_serves(rt):
    """The runtime instantiates and runs an ordinary module afterwards."""
    inst = instantiate(rt, PLAIN)
    assert inst.call("answer") == 42
    inst.deinstantiate()


# -- sizes: grow past a limit is -1 ---------------------------------------

MEMORY_CALLS = [("grow", 1), ("grow", 2), ("grow", 1), ("grow", 0), ("grow", 5),
                ("grow", -1), ("grow", 1)]


@pytest.mark.parametrize("alloc", ("system", "pool"))
@pytest.mark.parametrize("mode", MODES)
def test_memory_grow_past_max_memory_size_is_minus_one_as_in_wasmtime(mode, alloc):
    rt = runtime(mode, alloc, max_memory_size=3 * PAGE)
    inst = instantiate(rt, GROWER)
    got = [inst.call(name, arg) for name, arg in MEMORY_CALLS]
    assert got == wasmtime_results(GROWER, MEMORY_CALLS, memory_size=3 * PAGE)
    # the memory is intact and usable at its last size
    size = len(inst.memory().data)
    inst.call("poke", size - 1, 9)
    assert inst.call("peek", size - 1) == 9
    still_serves(rt)


TABLE_CALLS = [("tgrow", 3), ("tgrow", 2), ("tgrow", 1), ("tgrow", 0),
               ("tgrow", -1), ("tgrow", 1)]


@pytest.mark.parametrize("alloc", ("system", "pool"))
@pytest.mark.parametrize("mode", MODES)
def test_table_grow_past_max_table_elements_is_minus_one_as_in_wasmtime(mode, alloc):
    rt = runtime(mode, alloc, max_table_elements=5)
    inst = instantiate(rt, GROWER)
    got = [inst.call(name, arg) for name, arg in TABLE_CALLS]
    assert got == wasmtime_results(GROWER, TABLE_CALLS, table_elements=5)
    still_serves(rt)


@pytest.mark.parametrize("mode", MODES)
def test_max_total_table_elements_bounds_all_tables_together(mode):
    rt = runtime(mode, max_total_table_elements=100)
    a = instantiate(rt, GROWER)
    b = instantiate(rt, GROWER)
    # PLAIN's 2 elements will be needed later: 1 + 1 live now
    assert a.call("tgrow", 60) == 1
    assert b.call("tgrow", 60) == -1          # 61 + 61 > 100
    assert b.call("tgrow", 30) == 1           # 61 + 31 = 92
    assert b.call("tgrow", 9) == -1           # 101 > 100
    a.deinstantiate()                          # gives its 61 back
    assert b.call("tgrow", 9) == 31
    still_serves(rt)


# -- minimums: instantiate raises InstantiationError naming the limit --------

@pytest.mark.parametrize("alloc", ("system", "pool"))
def test_memory_minimum_over_max_memory_size_is_an_instantiation_error(alloc):
    wat = "(module (memory 3))"
    with pytest.raises(wasmtime.WasmtimeError, match="exceeds memory limits"):
        wasmtime_results(wat, [], memory_size=2 * PAGE)
    rt = runtime("fast", alloc, max_memory_size=2 * PAGE)
    with pytest.raises(InstantiationError,
                       match=r"memory minimum exceeds limit max_memory_size \(196608 > 131072"):
        instantiate(rt, wat)
    assert rt.store.limits.memories == 0 and rt.store.limits.instances == 0
    still_serves(rt)


@pytest.mark.parametrize("alloc", ("system", "pool"))
def test_table_minimum_over_max_table_elements_is_an_instantiation_error(alloc):
    wat = "(module (table 6 funcref))"
    with pytest.raises(wasmtime.WasmtimeError, match="exceeds table limits"):
        wasmtime_results(wat, [], table_elements=5)
    rt = runtime("interp", alloc, max_table_elements=5)
    with pytest.raises(InstantiationError, match="max_table_elements"):
        instantiate(rt, wat)
    assert rt.store.limits.tables == 0 and rt.store.limits.table_elements == 0
    still_serves(rt)


# -- counts: per runtime, released on deinstantiate -------------------------

def test_max_instances_counts_live_instances():
    rt = runtime("fast", max_instances=2)
    a = instantiate(rt, PLAIN)
    b = instantiate(rt, PLAIN)
    with pytest.raises(InstantiationError, match="max_instances"):
        instantiate(rt, PLAIN)
    a.deinstantiate()
    a.deinstantiate()                         # idempotent: counted once
    c = instantiate(rt, PLAIN)
    assert c.call("answer") == 42
    assert rt.store.limits.instances == 2
    b.deinstantiate()
    c.deinstantiate()
    assert rt.store.limits.instances == 0


def test_a_failed_instantiation_gives_its_counts_back():
    rt = runtime("interp", max_memories=1)
    trap = """(module (memory 1) (table 1 funcref)
      (func $s unreachable) (start $s))"""
    for _ in range(3):
        with pytest.raises(wasmbed.Trap, match="unreachable"):
            instantiate(rt, trap)
    lim = rt.store.limits
    assert (lim.instances, lim.memories, lim.tables, lim.table_elements) == (0, 0, 0, 0)
    still_serves(rt)


@pytest.mark.parametrize("limit, wat", [
    ("max_memories", "(module (memory 1))"),
    ("max_tables", "(module (table 1 funcref))"),
])
def test_memory_and_table_counts_are_per_runtime(limit, wat):
    rt = runtime("fast", **{limit: 2})
    a = instantiate(rt, wat)
    instantiate(rt, wat)
    with pytest.raises(InstantiationError, match=limit):
        instantiate(rt, wat)
    # another runtime has its own count
    instantiate(runtime("fast", **{limit: 2}), wat)
    a.deinstantiate()
    instantiate(rt, wat)


def test_imported_memories_and_tables_count_where_they_were_made():
    rt = runtime("fast", max_memories=1, max_tables=1)
    exporter = instantiate(rt, """(module (memory (export "m") 1)
      (table (export "t") 1 funcref))""")
    rt.register("lib", exporter)
    importer = """(module (import "lib" "m" (memory 1))
      (import "lib" "t" (table 1 funcref))
      (func (export "size") (result i32) memory.size))"""
    inst = instantiate(rt, importer)
    assert inst.call("size") == 1
    assert (rt.store.limits.memories, rt.store.limits.tables) == (1, 1)
    # a host-made memory counts too
    with pytest.raises(InstantiationError, match="max_memories"):
        rt.create_memory(1)


# -- hostile modules in system mode: no host RAM exhaustion, no traceback ----

def many_tables(n, elems):
    """A tiny module defining n tables of `elems` elements each."""
    return "(module %s)" % " ".join("(table %d funcref)" % elems for _ in range(n))


@pytest.mark.parametrize("mode", MODES)
def test_sixty_tables_of_ten_million_elements_are_refused_in_system_mode(mode):
    rt = runtime(mode)
    data = wasmtime.wat2wasm(many_tables(60, 10 * 1000 * 1000))
    assert len(data) < 400
    mod = rt.load(data)
    t = time.monotonic()
    with pytest.raises(InstantiationError, match="max_total_table_elements"):
        rt.instantiate(mod)
    assert time.monotonic() - t < 5
    lim = rt.store.limits
    assert (lim.tables, lim.table_elements, lim.instances) == (0, 0, 0)
    still_serves(rt)


def test_default_limits_keep_tables_below_host_ram():
    cfg = wasmbed.RuntimeConfig(mem_alloc_type="system")
    # what the tables of one runtime may cost the host at most, in bytes
    worst = cfg.max_total_table_elements * ELEM_CHARGE
    assert worst <= 256 << 20
    assert cfg.max_table_elements <= cfg.max_total_table_elements


class _OutOfHostMemory:
    """A backing store whose host is out of memory."""

    def alloc(self, size, reserve=0):
        raise MemoryError()

    def free(self, handle):
        pass


def test_host_memory_error_while_instantiating_is_host_out_of_memory():
    rt = runtime("fast")
    backing = rt.store.mem_backing
    rt.store.mem_backing = _OutOfHostMemory()
    with pytest.raises(HostOutOfMemory, match="ran out of RAM") as info:
        instantiate(rt, PLAIN)
    assert info.value.during == "instantiate"
    rt.store.mem_backing = backing
    assert rt.store.limits.tables == 0
    still_serves(rt)


# -- pool mode: a table element costs what a list slot costs ----------------

def test_table_element_charge_is_the_host_cost_of_a_list_slot():
    n = 100000
    measured = (sys.getsizeof([None] * n) - sys.getsizeof([])) / n
    assert ELEM_CHARGE == measured


def test_pool_mode_charges_each_table_element_its_real_cost():
    n = 100000
    rt = runtime("fast", "pool")
    mod = rt.load(wasmtime.wat2wasm("(module (table %d funcref))" % n))
    free0 = rt.mem_alloc_info()["total_free_size"]
    inst = rt.instantiate(mod, stack_size=8 * 1024)
    used = free0 - rt.mem_alloc_info()["total_free_size"]
    assert used >= n * (sys.getsizeof([None] * 2) - sys.getsizeof([None]))
    inst.deinstantiate()
    assert rt.mem_alloc_info()["total_free_size"] == free0


# -- configuration and the CLI ----------------------------------------------

@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_a_limit_is_none_or_a_non_negative_int(bad):
    with pytest.raises(ValueError, match="max_tables"):
        wasmbed.RuntimeConfig(max_tables=bad)


def test_cli_max_memory_sets_max_memory_size(tmp_path, capsys):
    path = tmp_path / "g.wasm"
    path.write_bytes(wasmtime.wat2wasm(GROWER))
    for arg in (1, 2):   # 1 + 1 pages fit in 128K, 1 + 2 do not
        assert cli_main(["run", "--max-memory", "128K", "--invoke", "grow",
                         str(path), str(arg)]) == 0
        expected = wasmtime_results(GROWER, [("grow", arg)], memory_size=128 * 1024)
        assert [int(capsys.readouterr().out)] == expected
    assert cli_main(["run", "--max-memory", "3KB", "--invoke", "grow",
                     str(path), "0"]) == 1
    err = capsys.readouterr().err
    assert "max_memory_size" in err and "Traceback" not in err
