"""Host bytes per byte of function body, per stage and instruction shape.

    PYTHONPATH=. python benchmarks/host_ram.py [--size BYTES] [SHAPE...]

For each shape a module with one function whose body repeats a short
instruction pattern to about --size bytes (default 20000) is decoded and
validated, lowered and closed over (interp tier) and translated, compiled
and bound (fast tier); tracemalloc gives the bytes retained and the peak
of each stage, divided by the body's size. These figures set the rates of
wasmbed/core/host_charge.py (which charges the worst shape plus a margin).
"""

import gc
import sys
try:
    import tracemalloc
except ImportError:   # MicroPython: only the generators are used
    tracemalloc = None

sys.path.insert(0, ".")
sys.path.insert(0, "tests")
from binary import leb, sleb, vec, name, section, module, functype  # noqa: E402

I32, I64, F64 = 0x7F, 0x7E, 0x7C

# name: (locals, repeated unit, prefix, suffix, needs memory)
SHAPES = {
    "nop": ([], b"\x01", b"", b""),
    "const_drop": ([], b"\x41\x01\x1a", b"", b""),
    "const_big_drop": ([], b"\x41" + sleb(123456789) + b"\x1a", b"", b""),
    "i64_big_drop": ([], b"\x42" + sleb(-(1 << 62)) + b"\x1a", b"", b""),
    "f64_drop": ([], b"\x44" + b"\x1f\x85\xebQ\xb8\x1e\t@" + b"\x1a", b"", b""),
    "get_set": ([(1, I32)], b"\x20\x00\x21\x00", b"", b""),
    "get_add_set": ([(1, I32)], b"\x20\x00\x41\x01\x6a\x21\x00", b"", b""),
    "tee": ([(1, I32)], b"\x20\x00\x22\x00\x1a", b"", b""),
    "push_many": ([(1, I32)], b"\x20\x00", b"", None),    # suffix: adds
    "load": ([], b"\x41\x00\x28\x02\x00\x1a", b"", b""),
    "store": ([], b"\x41\x00\x41\x00\x36\x02\x00", b"", b""),
    "block_end": ([], b"\x02\x40\x0b", b"", b""),
    "loop_end": ([], b"\x03\x40\x0b", b"", b""),
    "if_end": ([], b"\x41\x00\x04\x40\x0b", b"", b""),
    "nest_block": ([], b"\x02\x40", b"", None),          # suffix: ends
    "br_if": ([], b"\x41\x00\x0d\x00", b"", b""),
    "block_br": ([], b"\x02\x40\x0c\x00\x0b", b"", b""),
    "call": ([], b"\x10\x01", b"", b""),
    "call_indirect": ([], b"\x41\x00\x11\x00\x00", b"", b""),
    "global": ([], b"\x23\x00\x24\x00", b"", b""),
    "select": ([], b"\x41\x01\x41\x02\x41\x03\x1b\x1a", b"", b""),
    "br_table": ([], b"\x00", b"\x02\x40\x41\x00\x0e", None),  # labels
    "unreachable_tail": ([], b"\x41\x01\x1a", b"\x00", b""),
    "many_locals": ([(50000, I32)], b"\x20\x00\x1a", b"", b""),
    "memory_fill": ([], b"\x41\x00\x41\x00\x41\x00\xfc\x0b\x00", b"", b""),
}


def body_of(shape, size):
    locs, unit, prefix, suffix = SHAPES[shape]
    if shape == "push_many":
        k = size // 3
        instrs = unit * k + b"\x6a" * (k - 1) + b"\x1a"
    elif shape == "nest_block":
        k = min(size // 3, 5000)
        instrs = unit * k + b"\x0b" * k
    elif shape == "br_table":
        k = size - 8
        instrs = prefix + leb(k) + unit * k + b"\x00\x0b"
    else:
        instrs = prefix + unit * (size // len(unit)) + suffix
    return vec(leb(n) + bytes([t]) for n, t in locs) + instrs + b"\x0b"


def module_of(shape, size):
    body = body_of(shape, size)
    types = section(1, vec([functype([], [])]))
    funcs = section(3, vec([b"\x00", b"\x00"]))
    table = section(4, vec([b"\x70\x00\x01"]))
    mem = section(5, vec([b"\x00\x01"]))
    glob = section(6, vec([bytes([I32, 1]) + b"\x41\x00\x0b"]))
    elem = section(9, vec([b"\x00\x41\x00\x0b\x01\x01"]))
    codes = section(10, vec([leb(len(body)) + body, b"\x02\x00\x0b"]))
    return module(types, funcs, table, mem, glob, elem, codes), len(body)


def measure(shape, size, mode):
    import wasmbed
    from wasmbed.core import interp, fast
    data, nbody = module_of(shape, size)
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode=mode))
    gc.collect()
    tracemalloc.start()
    mod = rt.load(data)
    cur_load, peak_load = tracemalloc.get_traced_memory()
    i1 = rt.instantiate(mod)
    i2 = rt.instantiate(mod)
    gc.collect()
    tracemalloc.reset_peak()
    c0 = tracemalloc.get_traced_memory()[0]
    if mode == "interp":
        interp.compile_function(i1.core, i1.core.funcs[0])
    else:
        fast.realize(fast.ctx_of(i1.core), 0)
    gc.collect()
    c1, p1 = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    if mode == "interp":
        interp.compile_function(i2.core, i2.core.funcs[0])
    else:
        fast.realize(fast.ctx_of(i2.core), 0)
    gc.collect()
    c2, p2 = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    from wasmbed.core import host_charge as H
    defn = mod.module.funcs[0]
    nd = len(data)
    if mode == "interp":
        ch_first = H.lower_cost(defn) + H.closure_cost(defn)
        ch_first_peak = ch_first
        ch_again = H.closure_cost(defn)
    else:
        ch_first = H.code_cost(defn)
        ch_first_peak = H.translate_cost(defn)
        ch_again = H.bind_cost(defn) + 2 * H.FAST_FUNC_CHARGE
    ch_load = nd + H.load_cost(nd) + H.decoded_locals_cost(mod.module)
    return {"body": nbody,
            "ratios": (ch_load / max(1.0, peak_load), ch_first / max(1.0, c1 - c0),
                       ch_first_peak / max(1.0, p1 - c0),
                       ch_again / max(1.0, p2 - c1)),
            "load": cur_load / nbody, "load_peak": peak_load / nbody,
            "first": (c1 - c0) / nbody, "first_peak": (p1 - c0) / nbody,
            "again": (c2 - c1) / nbody, "again_peak": (p2 - c1) / nbody}


def main(argv):
    size = 20000
    if "--size" in argv:
        i = argv.index("--size")
        size = int(argv[i + 1])
        del argv[i:i + 2]
    shapes = argv or list(SHAPES)
    print("bytes per body byte; then charged / measured (load peak, first kept, "
          "first peak, again peak)")
    print("%-16s %6s | %6s %6s | %-6s %7s %7s %7s %7s | ratios" % (
        "shape", "body", "load", "peak", "tier", "first", "peak", "again", "peak"))
    for shape in shapes:
        for mode in ("interp", "fast"):
            r = measure(shape, size, mode)
            print("%-16s %6d | %6.1f %6.1f | %-6s %7.1f %7.1f %7.1f %7.1f | %s" % (
                shape, r["body"], r["load"], r["load_peak"], mode, r["first"],
                r["first_peak"], r["again"], r["again_peak"],
                " ".join("%.1f" % x for x in r["ratios"])))
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
