"""Nothing super-linear in module size: for each kind of large module
(tests/modgen.py) and each phase a module goes through (decode, validate,
lower to the interpreter's IR, translate to Python source for the fast
tier, instantiate), twice the input must cost at most about 2.5 times as
much. (br_table_wide is the case that caught br_table translation being
O(labels x targets): 1.3 s instead of 0.11 s at n = 5000.)

CPU time (time.process_time) with the garbage collector off, the median of
several runs; a phase too quick to time reliably is repeated the same
number of times at both sizes.
A case that fails is measured once more, with more runs, before it counts
(the machine may be busy)."""
import gc
import statistics
import time

import pytest

import modgen
import wasmbed
from wasmbed.core.decode import decode_module
from wasmbed.core.validate import validate_module
from wasmbed.core.lower import lower_function
from wasmbed.core.translate import function_source

MAX_RATIO = 2.5
MIN_SAMPLE = 0.04      # seconds one timed sample should take at least

# base size per generator: big enough for stable ratios, small enough that
# the slowest phase at twice the size stays well under 2 s
SIZES = {
    "many_funcs": 1500, "huge_func": 1500, "many_locals": 3000,
    "deep_nesting": 2000, "br_table": 1500, "br_table_wide": 2500,
    "long_chain": 3000,
    "deep_stack": 3000, "many_datas": 3000, "many_elems": 3000,
}


def _decoded(data):
    return decode_module(data)


def _validated(data):
    m = decode_module(data)
    validate_module(m)
    return m


# phase -> (prepare(bytes) -> state, run(state), fresh): a fresh state for
# every run, or one state run again and again
def _run_decode(data):
    decode_module(data)


def _run_validate(m):
    validate_module(m)


def _run_lower(m):
    for f in m.funcs:
        lower_function(m, f)


def _run_translate(m):
    # the fast tier's own work (Python source); compile() is CPython's
    base = m.num_imported_funcs
    for i in range(len(m.funcs)):
        function_source(m, base + i)


def _prep_instantiate(data):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system"))
    return rt, rt.load(data)


def _run_instantiate(state):
    rt, mod = state
    rt.instantiate(mod, stack_size=1 << 20).deinstantiate()


PHASES = {
    "decode": (lambda d: d, _run_decode, False),
    "validate": (_decoded, _run_validate, True),
    "lower": (_validated, _run_lower, True),
    "translate": (_validated, _run_translate, True),
    "instantiate": (_prep_instantiate, _run_instantiate, False),
}

CODE = ("decode", "validate", "lower", "translate")
# the phases whose work grows with each generator's n
RELEVANT = {
    "many_funcs": CODE + ("instantiate",),
    "many_datas": ("decode", "validate", "instantiate"),
    "many_elems": ("decode", "validate", "instantiate"),
}


def _sample(phase, data, reps):
    prep, run, fresh = PHASES[phase]
    if fresh:
        states = [prep(data) for _ in range(reps)]
    else:
        states = [prep(data)] * reps
    # the collector off while timing: its passes over everything the
    # harness keeps alive would be timed too, and they grow with it
    gc.collect()
    gc.disable()
    try:
        t = time.process_time()
        for s in states:
            run(s)
        return time.process_time() - t
    finally:
        gc.enable()


def measure(gen, phase, n, runs=3):
    """-> (seconds at n, seconds at 2n): medians of `runs` samples."""
    small, big = gen(n), gen(2 * n)
    reps = 1
    while True:
        t = _sample(phase, small, reps)
        if t >= MIN_SAMPLE or reps >= 256:
            break
        reps *= 2
    ts, tb = [], []
    for _ in range(runs):
        ts.append(_sample(phase, small, reps))
        tb.append(_sample(phase, big, reps))
    return statistics.median(ts), statistics.median(tb)


CASES = [(g, p) for g in SIZES for p in RELEVANT.get(g, CODE)]


@pytest.mark.parametrize("gen,phase", CASES, ids=["%s-%s" % c for c in CASES])
def test_twice_the_input_costs_at_most_about_twice(gen, phase):
    n = SIZES[gen]
    a, b = measure(modgen.GENERATORS[gen], phase, n)
    for _ in range(3):      # maybe noise (2 cores, xdist): again, more runs
        if b <= MAX_RATIO * a:
            break
        a, b = measure(modgen.GENERATORS[gen], phase, n, runs=7)
    assert b <= MAX_RATIO * a, "%s %s: %.3fs at n=%d, %.3fs at 2n (x%.2f)" % (
        gen, phase, a, n, b, b / a)


def test_the_generated_modules_run_the_same_on_both_tiers():
    """The generators make what they say (so the timings are of real
    modules): each runs and gives the same result in both tiers."""
    for name, gen in modgen.GENERATORS.items():
        data = gen(64)
        out = []
        for mode in ("interp", "fast"):
            rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode=mode))
            inst = rt.instantiate(rt.load(data), stack_size=1 << 20)
            f = inst.lookup_function("f")
            out.append(inst.call("f", 5) if f.type.params else inst.call("f"))
        assert out[0] == out[1], name
    # spot checks against values computed here
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system"))
    inst = rt.instantiate(rt.load(modgen.many_funcs(300)), stack_size=1 << 20)
    assert inst.call("f") == 300
    inst = rt.instantiate(rt.load(modgen.br_table(100)), stack_size=1 << 20)
    assert inst.call("f", 7) == 7 + sum(range(7, 100))
    assert inst.call("f", 250) == 250 + sum(range(50, 100))
    assert inst.call("f", 1000) == 1000 + sum(range(99, 100))
