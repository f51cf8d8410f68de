"""In pool mode the pool bounds host RAM (core/host_charge.py): a hostile
module of any shape either fits its charges or fails with PoolExhausted
before the host spends the memory, a 16 MiB pool keeps the process's peak
RSS within 200 MB of an empty runtime's, the runtime stays usable, and the
charges are honest (the host memory tracemalloc sees stays below them)."""

import io
import os
import subprocess
import sys
import tracemalloc

import pytest
import wasmtime

import wasmbed
from wasmbed import PoolExhausted
from wasmbed.core import fast, interp

sys.path.insert(0, os.path.dirname(__file__))
from binary import leb, sleb, vec, name, section, module, functype  # noqa: E402

I32 = 0x7F
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
POOL = 16 << 20
RSS_BOUND_KB = 200 * 1024


def _body(locals_groups, instrs):
    b = vec(leb(n) + bytes([t]) for n, t in locals_groups) + instrs + b"\x0b"
    return leb(len(b)) + b


def _exports(n):
    return section(7, vec([name("f0") + b"\x00" + leb(0),
                           name("fl") + b"\x00" + leb(n - 1)]))


def _funcs(bodies, extra=()):
    n = len(bodies)
    sections = [section(1, vec([functype([], [])])),
                section(3, leb(n) + b"\x00" * n)]
    sections.extend(extra)
    sections.append(_exports(n))
    sections.append(section(10, leb(n) + b"".join(bodies)))
    return module(*sections)


def tiny_functions(total):
    """Functions of 6 instructions each, about `total` bytes."""
    body = _body([], b"\x41\x01\x41\x02\x6a\x1a")
    return _funcs([body] * (total // (len(body) + 1)))


def one_function(total, unit=b"\x20\x00\x41\x01\x6a\x21\x00"):
    """One function repeating `unit` (default: x += 1) to `total` bytes,
    with one page of memory."""
    return _funcs([_body([(1, I32)], unit * (total // len(unit)))],
                  [section(5, vec([b"\x00\x01"]))])


def calls(total):
    """One function of `call 0` over and over, after a return."""
    return _funcs([_body([], b"\x0f" + b"\x10\x00" * (total // 2))])


def many_locals(nfuncs):
    """Functions declaring 50000 locals each (distinct declarations)."""
    return _funcs([_body([(50000 - i, I32)], b"\x20\x00\x1a")
                   for i in range(nfuncs)])


def globals_and_elements(nglobals, nelems, ntables, nrefs=None):
    """`ntables` tables of `nelems` elements, each given an element segment
    naming function 0 `nrefs` (default `nelems`) times, `nglobals` globals."""
    if nrefs is None:
        nrefs = nelems
    tables = section(4, vec([b"\x70\x00" + leb(nelems)] * ntables))
    glob = section(6, leb(nglobals) + (bytes([I32, 1]) + b"\x41\x00\x0b") * nglobals)
    elem = section(9, vec([b"\x02" + leb(t) + b"\x41\x00\x0b\x00" + leb(nrefs)
                           + b"\x00" * nrefs for t in range(ntables)]))
    body = _body([], b"")
    sections = [section(1, vec([functype([], [])])), section(3, vec([b"\x00"])),
                tables, glob, _exports(1), elem, section(10, vec([body]))]
    return module(*sections)


HOSTILE = {
    "tiny_functions_1400k": lambda: tiny_functions(1400 * 1000),
    "one_function_1m": lambda: one_function(1000 * 1000),
    "tiny_functions_150k": lambda: tiny_functions(150 * 1000),
    "one_function_150k": lambda: one_function(150 * 1000),
    "calls_100k": lambda: calls(100 * 1000),
    "loads_100k": lambda: one_function(100 * 1000, b"\x41\x00\x28\x02\x00\x1a"),
    "many_locals_40": lambda: many_locals(40),
    "many_locals_1": lambda: many_locals(1),
    "one_function_6k": lambda: one_function(6000),   # fits, near the limit
    "globals_20k": lambda: globals_and_elements(20000, 10, 1),
    "tables_8x200k": lambda: globals_and_elements(1, 200000, 8, 10),
    "elements_4x20k": lambda: globals_and_elements(1, 20000, 4),
}

SMALL = """(module (memory 1)
  (func (export "f0") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add))"""

CHILD = r"""
import json, resource, sys
sys.path.insert(0, %(here)r)
import test_pool_host_ram as T
import wasmbed
from wasmbed import PoolExhausted
mode = sys.argv[1]
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="pool",
                                           heap_size=T.POOL, mode=mode))
small = T.small_wasm()
free0 = rt.mem_alloc_info()["total_free_size"]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {}
for key in sys.argv[2:]:
    data = T.HOSTILE[key]()
    outcome = "ok"
    mod = inst = None
    try:
        mod = rt.load(data)
        inst = rt.instantiate(mod, stack_size=64 * 1024)
        inst.call("f0")
        inst.call("fl")
    except PoolExhausted as e:
        outcome = "PoolExhausted: %%s" %% e
    except wasmbed.MalformedModule as e:   # the decoder's own bounds
        outcome = "MalformedModule: %%s" %% e
    except wasmbed.Trap as e:   # 50000 locals need more stack than given
        outcome = "Trap: %%s" %% e
    if inst is not None:
        inst.deinstantiate()
    if mod is not None:
        mod.unload()
    del data, mod, inst
    freed = rt.mem_alloc_info()["total_free_size"] == free0
    m2 = rt.load(small)
    i2 = rt.instantiate(m2)
    out[key] = {"outcome": outcome, "freed": freed,
                "small": i2.call("f0", 41),
                "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base}
    i2.deinstantiate()
    m2.unload()
print(json.dumps(out))
"""


def small_wasm():
    return wasmtime.wat2wasm(SMALL)


@pytest.mark.parametrize("mode", ["interp", "fast"])
@pytest.mark.parametrize("keys", [
    ["tiny_functions_1400k", "one_function_1m", "tiny_functions_150k"],
    ["one_function_150k", "calls_100k", "loads_100k"],
    ["many_locals_40", "many_locals_1", "one_function_6k", "globals_20k",
     "tables_8x200k", "elements_4x20k"],
], ids=["big", "code", "data"])
def test_hostile_modules_stay_within_the_pool(mode, keys):
    import json
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-c", CHILD % {"here": HERE}, mode] + keys,
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    res = json.loads(p.stdout.strip().splitlines()[-1])
    for key in keys:
        r = res[key]
        assert r["outcome"] == "ok" or "needs" in r["outcome"] or \
            "allocate memory failed" in r["outcome"] or \
            r["outcome"].startswith("MalformedModule: too many locals") or \
            r["outcome"] == "Trap: call stack exhausted", (key, r)
        assert r["freed"], (key, r)
        assert r["small"] == 42, (key, r)
        assert r["rss_kb"] < RSS_BOUND_KB, (key, r)
    if keys[0] == "tiny_functions_1400k":
        # the 1.4 MB module does not fit: the charge is refused before decoding
        assert "decoding the module" in res[keys[0]]["outcome"]


@pytest.mark.parametrize("fuel", [None, 10 ** 9], ids=["unmetered", "metered"])
def test_translation_that_does_not_fit_is_refused_at_the_first_call(fuel):
    for mode in ("interp", "fast"):
        rt = wasmbed.Runtime(wasmbed.RuntimeConfig(
            mem_alloc_type="pool", heap_size=POOL, mode=mode))
        free0 = rt.mem_alloc_info()["total_free_size"]
        mod = rt.load(one_function(150 * 1000))
        inst = rt.instantiate(mod, stack_size=64 * 1024, fuel=fuel)
        what = "lowering" if mode == "interp" else "translating"
        if fuel is not None and mode == "interp":
            what = "lowering a metered"
        with pytest.raises(PoolExhausted, match=what):
            inst.call("f0")
        with pytest.raises(PoolExhausted):   # still refused, nothing cached
            inst.call("f0")
        inst.deinstantiate()
        mod.unload()
        assert rt.mem_alloc_info()["total_free_size"] == free0
        i2 = rt.instantiate(rt.load(small_wasm()))
        assert i2.call("f0", 1) == 2


# --- honesty: what the host really allocates stays below the charge ------

def _loop_module():
    return wasmtime.wat2wasm("""(module (memory 1) (global $g (mut i32) (i32.const 0))
      (func $leaf (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
      (func (export "f0") (result i32) (local i32 i32)
        (loop $l
          local.get 0 call $leaf global.get $g i32.add global.set $g
          local.get 0 i32.const 4 i32.mul i32.load local.get 1 i32.add local.set 1
          (br_if $l (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
                              (i32.const 100))))
        local.get 1 global.get $g i32.add)
      (func (export "fl") (param i32) (result i32)
        (block $a (block $b (block $c (br_table $a $b $c (local.get 0))))
          (return (i32.const 1)))
        i32.const 2))""")


def _representative():
    with open(os.path.join(REPO, "examples", "hello.wasm"), "rb") as f:
        hello = f.read()
    return [("hello", hello), ("loop", _loop_module()),
            ("tiny_functions", tiny_functions(20000)),
            ("calls", calls(4000)), ("arith", one_function(8000)),
            ("many_locals", many_locals(1)),
            ("tables", globals_and_elements(500, 5000, 2))]


@pytest.mark.parametrize("mode", ["interp", "fast"])
def test_charges_cover_what_the_host_allocates(mode):
    for label, data in _representative():
        rt = wasmbed.Runtime(wasmbed.RuntimeConfig(
            mem_alloc_type="pool", heap_size=64 << 20, mode=mode))
        free0 = rt.mem_alloc_info()["total_free_size"]
        tracemalloc.start()
        try:
            mod = rt.load(data)
            wasi = wasmbed.WasiConfig(args=["x"], stdout=io.BytesIO())
            inst = rt.instantiate(mod, stack_size=16 * 1024, wasi=wasi)
            core = inst.core
            for f in core.funcs:
                if getattr(f, "defn", None) is None or f.instance is not core:
                    continue
                if mode == "interp":
                    interp.compile_function(core, f)
                else:
                    fast.realize(fast.ctx_of(core), f.index)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        charged = free0 - rt.mem_alloc_info()["total_free_size"]
        high = rt.mem_alloc_info()["highmark_size"]
        # the pool's own buffer predates tracemalloc: every byte traced is
        # host memory outside the pool, and must have been charged
        assert peak <= high, (label, peak, high)
        assert charged > 0
        inst.deinstantiate()
        mod.unload()
        assert rt.mem_alloc_info()["total_free_size"] == free0, label


def test_charging_can_be_turned_off_and_then_only_the_old_factor_applies():
    data = one_function(20000)
    used = {}
    for charge in (True, False):
        rt = wasmbed.Runtime(wasmbed.RuntimeConfig(
            mem_alloc_type="pool", heap_size=POOL, charge_host_memory=charge))
        free0 = rt.mem_alloc_info()["total_free_size"]
        mod = rt.load(data)
        used[charge] = free0 - rt.mem_alloc_info()["total_free_size"]
        mod.unload()
        assert rt.mem_alloc_info()["total_free_size"] == free0
    from wasmbed.config import MODULE_METADATA_FACTOR
    assert used[False] < len(data) * (2 + MODULE_METADATA_FACTOR)
    assert used[True] > len(data) * 40
