"""Fuel (core/fuel.py): exact consumption under the documented cost model
on both tiers, identical consumption across tiers, exhaustion, reuse, the
start function, host calls, bulk operations and `wasmbed run --fuel`.

Expected amounts are computed by hand from the cost model in each test:
1 unit per instruction (block, loop, else, end, nop, drop free), charged
per region on entry (function entry, after loop / if / else / end / call),
dead code free, bulk operations n >> 16 more.
"""
import glob
import os
import random
import sys

import pytest
import wasmtime

import wasmbed
from wasmbed import Trap
from wasmbed.cli import main as cli_main
from wasmbed.core import fast, fuel, lower, translate

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuel_diff  # noqa: E402
from suites import needs_spec, SPEC_JSON  # noqa: E402

MODES = ("interp", "fast")


def instance(mode, wat, imports=None, fuel_=None):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode=mode))
    return rt.instantiate(rt.load(wasmtime.wat2wasm(wat)), imports=imports, fuel=fuel_)


def spent(inst, name, *args, budget=10 ** 6):
    """(result, fuel spent) of one metered call on a fresh exec env."""
    env = inst.create_exec_env()
    env.set_fuel(budget)
    r = env.call(inst.lookup_function(name), *args)
    return r, budget - env.get_fuel()


SUM = """(module
 (func (export "sum") (param i32) (result i32) (local i32)
   block
     loop
       local.get 0
       i32.eqz
       br_if 1
       local.get 1
       local.get 0
       i32.add
       local.set 1
       local.get 0
       i32.const 1
       i32.sub
       local.set 0
       br 0
     end
   end
   local.get 1)
 (func (export "spin") (loop br 0)))"""

# the loop header region: 12 instructions (local.get .. br 0), paid once
# per iteration plus the final test; after the block: local.get 1
LOOP_REGION = 12


def sum_cost(n):
    return LOOP_REGION * (n + 1) + 1


@pytest.mark.parametrize("mode", MODES)
def test_straight_line(mode):
    inst = instance(mode, """(module (func (export "f") (result i32)
        i32.const 1 i32.const 2 i32.add nop i32.const 9 drop))""")
    # const, const, add, const: 4 (nop, drop, end free)
    assert spent(inst, "f") == (3, 4)


@pytest.mark.parametrize("mode", MODES)
def test_loop_per_iteration(mode):
    inst = instance(mode, SUM)
    for n in (0, 1, 10, 100):
        assert spent(inst, "sum", n) == (n * (n + 1) // 2, sum_cost(n))


@pytest.mark.parametrize("mode", MODES)
def test_if_arms(mode):
    inst = instance(mode, """(module (func (export "f") (param i32) (result i32)
        local.get 0
        if (result i32)
          i32.const 10
        else
          i32.const 20 i32.const 1 i32.add
        end
        i32.const 2 i32.mul))""")
    # entry: local.get, if = 2; then: 1; else: 3; after end: const, mul = 2
    assert spent(inst, "f", 1) == (20, 2 + 1 + 2)
    assert spent(inst, "f", 0) == (42, 2 + 3 + 2)


@pytest.mark.parametrize("mode", MODES)
def test_br_if_does_not_refund_and_dead_code_is_free(mode):
    inst = instance(mode, """(module
      (func (export "early") (param i32) (result i32)
        block
          local.get 0 br_if 0
          i32.const 5 drop i32.const 6 drop
        end
        i32.const 7)
      (func (export "dead") (result i32)
        block
          br 0
          i32.const 1 drop i32.const 2 drop i32.const 3 drop
        end
        i32.const 8))""")
    # the entry region is local.get, br_if, const, const = 4 whether or not
    # br_if leaves; after the block: const = 1
    assert spent(inst, "early", 1) == (7, 5)
    assert spent(inst, "early", 0) == (7, 5)
    # br = 1, the dead consts cost nothing, after the block: 1
    assert spent(inst, "dead") == (8, 2)


@pytest.mark.parametrize("mode", MODES)
def test_calls(mode):
    inst = instance(mode, """(module
      (type $t (func (result i32)))
      (table 1 funcref) (elem (i32.const 0) $g)
      (func $g (result i32) i32.const 7)
      (func (export "h") (result i32)
        call $g i32.const 1 i32.add)
      (func (export "hi") (result i32)
        i32.const 0 call_indirect (type $t) i32.const 1 i32.add))""")
    # h: call = 1, g: const = 1, after the call: const, add = 2
    assert spent(inst, "h") == (8, 4)
    # hi: const, call_indirect = 2, g: 1, after: 2
    assert spent(inst, "hi") == (8, 5)


@pytest.mark.parametrize("mode", MODES)
def test_host_call_costs_its_call(mode):
    seen = []

    def cb(env, x):
        seen.append((x, env.get_fuel()))
        return x + 1
    inst = instance(mode, """(module
      (import "env" "cb" (func $cb (param i32) (result i32)))
      (func (export "k") (result i32)
        i32.const 5 call $cb nop i32.const 2 i32.add))""",
        imports={"env": {"cb": wasmbed.host_function("i", "i", cb)}})
    # entry: const, call = 2 (paid before the host runs); after: const, add
    assert spent(inst, "k", budget=100) == (8, 4)
    assert seen == [(5, 98)]


@pytest.mark.parametrize("mode", MODES)
def test_exhaustion_leaves_zero_and_env_is_reusable(mode):
    inst = instance(mode, SUM)
    f = inst.lookup_function("sum")
    env = inst.create_exec_env()
    env.set_fuel(sum_cost(5))
    assert env.call(f, 5) == 15
    assert env.get_fuel() == 0
    env.set_fuel(sum_cost(5) - 1)
    with pytest.raises(Trap) as e:
        env.call(f, 5)
    assert str(e.value) == "all fuel consumed"
    assert env.get_fuel() == 0
    assert inst.get_exception() == "Exception: all fuel consumed"
    env.set_fuel(1000)
    assert env.call(f, 3) == 6
    assert env.get_fuel() == 1000 - sum_cost(3)


@pytest.mark.parametrize("mode", MODES)
def test_infinite_loop_stopped(mode):
    inst = instance(mode, SUM)
    env = inst.create_exec_env()
    env.set_fuel(200000)
    with pytest.raises(Trap, match="all fuel consumed"):
        env.call(inst.lookup_function("spin"))
    assert env.get_fuel() == 0


@pytest.mark.parametrize("mode", MODES)
def test_metering_is_per_exec_env(mode):
    inst = instance(mode, SUM)
    f = inst.lookup_function("sum")
    a = inst.create_exec_env()
    b = inst.create_exec_env()
    assert a.get_fuel() is None and inst.default_exec_env().get_fuel() is None
    a.set_fuel(1000)
    assert b.call(f, 50) == 1275      # unmetered, a untouched
    assert a.get_fuel() == 1000
    assert a.call(f, 2) == 3
    assert a.get_fuel() == 1000 - sum_cost(2)
    # inst.call runs on the default exec env
    inst.default_exec_env().set_fuel(100)
    assert inst.call("sum", 1) == 1
    assert inst.default_exec_env().get_fuel() == 100 - sum_cost(1)


START = """(module
  (global $g (mut i32) (i32.const 0))
  (func $start
    loop
      global.get $g i32.const 1 i32.add global.set $g
      global.get $g i32.const %d i32.lt_u br_if 0
    end)
  (start $start)
  (func (export "g") (result i32) global.get $g))"""


@pytest.mark.parametrize("mode", MODES)
def test_start_function_under_fuel(mode):
    # the loop region: 4 + 4 = 8 instructions per iteration, 10 iterations
    inst = instance(mode, START % 10, fuel_=1000)
    env = inst.default_exec_env()
    assert env.get_fuel() == 1000 - 80
    assert inst.call("g") == 10
    assert env.get_fuel() == 1000 - 80 - 1
    with pytest.raises(Trap, match="all fuel consumed"):
        instance(mode, START % 1000000, fuel_=5000)
    with pytest.raises(ValueError):
        instance(mode, START % 1, fuel_=-1)


@pytest.mark.parametrize("mode", MODES)
def test_bulk_ops_pay_for_their_size(mode):
    inst = instance(mode, """(module
      (memory 8) (table 300000 funcref)
      (func (export "fill") (param i32)
        i32.const 0 i32.const 0 local.get 0 memory.fill)
      (func (export "copy") (param i32)
        i32.const 0 i32.const 1 local.get 0 memory.copy)
      (func (export "tfill") (param i32)
        i32.const 0 ref.null func local.get 0 table.fill))""")
    # 4 instructions, plus n >> 16
    assert spent(inst, "fill", 65535) == (None, 4)
    assert spent(inst, "fill", 3 * 65536 + 5) == (None, 4 + 3)
    assert spent(inst, "copy", 5 * 65536) == (None, 4 + 5)
    assert spent(inst, "tfill", 4 * 65536) == (None, 4 + 4)
    # charged before it runs: too little fuel stops a huge fill first
    env = inst.create_exec_env()
    env.set_fuel(100)
    with pytest.raises(Trap, match="all fuel consumed"):
        env.call(inst.lookup_function("fill"), -1)
    assert env.get_fuel() == 0


def test_set_fuel_arguments():
    inst = instance("interp", SUM)
    env = inst.create_exec_env()
    with pytest.raises(TypeError):
        env.set_fuel(1.5)
    with pytest.raises(ValueError):
        env.set_fuel(-1)
    with pytest.raises(ValueError):
        env.set_fuel(10, on_exhausted="ignore")
    assert env.get_fuel() is None
    env.set_fuel(0)
    with pytest.raises(Trap, match="all fuel consumed"):
        env.call(inst.lookup_function("sum"), 1)


def test_unmetered_code_is_unchanged():
    """Metering off builds exactly the code it built before: no charge in
    the interpreter's IR, none in the fast tier's source."""
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
    mod = rt.load(wasmtime.wat2wasm(SUM)).module
    defn = mod.funcs[0]
    plain = lower.lower_function(mod, defn)
    metered = lower.lower_function(mod, defn, fuel.region_costs(defn.body))
    assert not [op for op in plain.ir if op[0].startswith("fuel")]
    assert [op for op in metered.ir if op[0] == "fuel"]
    src = translate.function_source(mod, 0)[0]
    assert "_fu" not in src and "fuel" not in src
    assert "fuel_out" in translate.function_source(mod, 0, 0, fuel.region_costs(defn.body))[0]


def test_region_costs_by_hand():
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
    mod = rt.load(wasmtime.wat2wasm(SUM)).module
    # body: 0 block, 1 loop, 2..13 the loop region, 14 end, 15 end,
    # 16 local.get 1, 17 end
    assert fuel.region_costs(mod.funcs[0].body) == {2: 12, 16: 1}
    assert fuel.region_costs(mod.funcs[1].body) == {1: 1}


# -- identical across tiers ----------------------------------------------------

def _gen_body(rng, depth, state):
    """Random structured code over local 0 (x, i32); loops count down a
    local of their own, so everything terminates."""
    out = []
    for _ in range(rng.randint(1, 4)):
        k = rng.randint(0, 8 if depth < 4 else 2)
        if k <= 1:
            out.append("local.get 0 i32.const %d i32.add local.set 0" % rng.randint(1, 9))
        elif k == 2:
            out.append("local.get 0 i32.const 3 i32.mul i32.const 7 i32.xor local.set 0")
        elif k == 3:
            out.append("block %s local.get 0 i32.const %d i32.and br_if 0 %s end" % (
                _gen_body(rng, depth + 1, state), rng.randint(1, 7),
                _gen_body(rng, depth + 1, state)))
        elif k == 4:
            c = state["locals"]
            state["locals"] += 1
            out.append("i32.const %d local.set %d loop %s local.get %d i32.const 1 i32.sub "
                       "local.tee %d br_if 0 end" % (rng.randint(1, 4), c,
                                                    _gen_body(rng, depth + 1, state), c, c))
        elif k == 5:
            out.append("local.get 0 i32.const 1 i32.and if %s else %s end" % (
                _gen_body(rng, depth + 1, state), _gen_body(rng, depth + 1, state)))
        elif k == 6:
            out.append("local.get 0 call $h local.set 0")
        elif k == 7:
            out.append("block block block local.get 0 i32.const 3 i32.rem_u "
                       "br_table 0 1 2 end %s end %s end" % (
                           _gen_body(rng, depth + 1, state), _gen_body(rng, depth + 1, state)))
        else:
            out.append("i32.const 0 i32.const 7 local.get 0 i32.const 255 i32.and "
                       "i32.const 70000 i32.mul "
                       "memory.fill")
    return " ".join(out)


def _gen_module(seed):
    rng = random.Random(seed)
    state = {"locals": 1}
    body = _gen_body(rng, 0, state)
    locs = " ".join(["i32"] * (state["locals"] - 1))
    return """(module (memory 300)
      (func $h (param i32) (result i32)
        local.get 0 i32.const 5 i32.rem_u if (result i32) local.get 0 i32.const 1 i32.add
        else local.get 0 i32.const 2 i32.shr_u end)
      (func (export "f") (param i32) (result i32) %s %s local.get 0))""" % (
        ("(local %s)" % locs) if locs else "", body)


@pytest.mark.parametrize("level,local", [(0, None), (0, True), (0, False), (2, None)])
def test_generated_modules_same_fuel_in_both_tiers(level, local, monkeypatch):
    """Both fast-tier forms (fuel in a local or in the cell), structured
    and flattened, against the interpreter."""
    monkeypatch.setattr(fast, "MIN_LEVEL", level)
    monkeypatch.setattr(translate, "FUEL_LOCAL", local)
    for seed in range(40):
        wat = _gen_module(seed)
        got = []
        for mode in MODES:
            inst = instance(mode, wat)
            got.append([spent(inst, "f", x, budget=10 ** 9) for x in (0, 1, 5, 12345)])
        assert got[0] == got[1], (seed, wat)
        assert all(s > 0 for _, s in got[0])


@needs_spec
def test_spec_core_same_fuel_in_both_tiers():
    """Every instantiation and invoke of the spec core scripts (and every
    fourth SIMD script), metered: the same results and the same fuel left
    in both tiers, and the metered code still passes every command."""
    paths = sorted(glob.glob(os.path.join(SPEC_JSON, "core", "*", "*.json")))
    assert paths
    paths += sorted(glob.glob(os.path.join(SPEC_JSON, "simd", "*", "*.json")))[::4]
    fuel_diff.compare.passed = fuel_diff.compare.failed = 0
    total = 0
    for p in paths:
        n, diffs = fuel_diff.compare(p)
        assert not diffs, (p, diffs[:3])
        total += n
    assert total > 25000
    assert fuel_diff.compare.passed > 50000
    assert fuel_diff.compare.failed == 0


# The 3.0 script lists of tests/test_spec_wasm3.py, metered: the same fuel
# left in both tiers and every command passing, but one: bulk64's
# memory.copy of 2^64-1 bytes costs 2^48 fuel, past the budget, so both
# tiers trap "all fuel consumed" before the bounds check (once per tier).
WASM3_LISTS = [
    # (lists: exception handling and extended constants, legacy
    #  exceptions; ...), at least this many commands compared
    (("EXCEPTIONS", "LEGACY"), 100),
    (("TAIL_CALLS",), 50),
    (("MEMORIES",), 1000),          # multiple memories, memory64, table64
    (("TYPED_REFS",), 500),         # typed function references
]
OUT_OF_FUEL = {"bulk64.json": 2}


@needs_spec
@pytest.mark.parametrize("lists,least", WASM3_LISTS, ids=lambda v: "+".join(v) if type(v) is tuple else str(v))
def test_spec_wasm3_same_fuel_in_both_tiers(lists, least):
    import test_spec_wasm3
    names = []
    for lst in lists:
        names += getattr(test_spec_wasm3, lst)
    paths = []
    for name in names:
        paths += sorted(glob.glob(os.path.join(SPEC_JSON, "wasm3", name, "*.json")))
    assert len(paths) == len(names)
    fuel_diff.compare.passed = fuel_diff.compare.failed = 0
    total = 0
    for p in paths:
        before = fuel_diff.compare.failed
        n, diffs = fuel_diff.compare(p)
        assert not diffs, (p, diffs[:3])
        total += n
        assert fuel_diff.compare.failed - before == OUT_OF_FUEL.get(os.path.basename(p), 0), p
    assert total > least


# -- CLI -------------------------------------------------------------------------

def test_cli_fuel(tmp_path, capsys):
    spin = tmp_path / "spin.wasm"
    spin.write_bytes(wasmtime.wat2wasm('(module (func (export "_start") (loop br 0)))'))
    add = tmp_path / "add.wasm"
    add.write_bytes(wasmtime.wat2wasm(
        """(module (global $g (mut i32) (i32.const 0))
           (func $s i32.const 1 global.set $g) (start $s)
           (func (export "add") (param i32 i32) (result i32)
             local.get 0 local.get 1 i32.add global.get $g i32.add))"""))
    for mode in MODES:
        capsys.readouterr()
        assert cli_main(["run", "--mode", mode, "--fuel", "100000", str(spin)]) == 1
        assert "Exception: all fuel consumed" in capsys.readouterr().err
        # start: 2, add: 5 -> 7 units in all
        assert cli_main(["run", "--mode", mode, "--fuel", "7", "--invoke", "add",
                         str(add), "1", "2"]) == 0
        assert capsys.readouterr().out.strip() == "4"
        assert cli_main(["run", "--mode", mode, "--fuel", "6", "--invoke", "add",
                         str(add), "1", "2"]) == 1
        assert "all fuel consumed" in capsys.readouterr().err
        assert cli_main(["run", "--mode", mode, "--fuel", "-1", str(spin)]) == 2


# -- MicroPython (the interpreter tier's home) ------------------------------------

MP_SCRIPT = """
import sys
sys.path.insert(0, %r)
import wasmbed
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode="interp"))
inst = rt.instantiate(rt.load(bytes.fromhex(%r)), fuel=10000)
env = inst.default_exec_env()
print(inst.call("sum", 10), env.get_fuel())
env.set_fuel(100)
try:
    inst.call("spin")
except wasmbed.Trap as e:
    print(e, env.get_fuel())
"""


def test_fuel_on_micropython():
    import shutil
    import subprocess
    mp = shutil.which("micropython") or os.path.join(os.path.dirname(sys.executable),
                                                     "micropython")
    if not os.path.exists(mp):
        pytest.skip("no micropython binary")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = MP_SCRIPT % (repo, wasmtime.wat2wasm(SUM).hex())
    out = []
    for exe in (mp, sys.executable):
        p = subprocess.run([exe, "-c", script], capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr.decode()
        out.append(p.stdout.decode().split("\n"))
    assert out[0] == out[1]
    assert out[0][0] == "55 %d" % (10000 - sum_cost(10))
    assert out[0][1] == "all fuel consumed 0"


# -- wasi-threads ------------------------------------------------------------------

THREADS = r"""(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (func (export "wasi_thread_start") (param i32 i32)
    i32.const 0 i32.const 1 i32.atomic.store
    local.get 1 if loop br 0 end end)
  (func (export "spawn") (param i32) (result i32) local.get 0 call $spawn)
  (func (export "started") (result i32) i32.const 0 i32.atomic.load)
  (func (export "spin") (loop br 0)))"""


@pytest.mark.parametrize("mode", MODES)
def test_spawned_thread_inherits_what_is_left(mode):
    """A thread spawned from a metered exec env is metered too (with the
    fuel its spawner had left): a runaway thread runs out and its trap
    ends the cluster, so the main thread stops as well."""
    import time
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode, max_thread_num=2))
    mem = rt.create_memory(1, 1, shared=True)
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(THREADS)),
                          imports={"env": {"memory": mem}})
    env = inst.default_exec_env()
    env.set_fuel(20000)
    assert inst.call("spawn", 1) > 0
    t0 = time.monotonic()
    env.set_fuel(10 ** 7)
    with pytest.raises(Trap, match="all fuel consumed"):
        inst.call("spin")
    # stopped by the thread's trap, not by running out itself
    assert env.get_fuel() > 0
    assert time.monotonic() - t0 < 60
    inst.deinstantiate()
    assert inst.cluster.live_threads() == 0


# -- CPython's walls: metered code adds a try block and charges ---------------------

@pytest.mark.parametrize("local", (None, True))
def test_deep_nesting_metered(local, monkeypatch):
    """The translator's deep-nesting cases, metered: the fast tier falls
    back to flatter forms when the extra try block passes a wall, and
    still spends exactly what the interpreter spends."""
    import test_fast_walls as W
    monkeypatch.setattr(translate, "FUEL_LOCAL", local)
    cases = [(W.deep_loops_wat(25), (0, 53)), (W.deep_loops_wat(19), (7,)),
             (W.deep_blocks_wat(250), (0, 125, 300)), (W.deep_ifs_wat(220), (0, -1, 0x5555))]
    for wat, args in cases:
        got = []
        for mode in MODES:
            inst = instance(mode, wat)
            got.append([spent(inst, "f", a, budget=10 ** 9) for a in args])
        assert got[0] == got[1]
