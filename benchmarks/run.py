"""The benchmark harness in one command: the real programs on every engine
(benchmarks/programs.py: per-run, load, cold and per-unit tables, CPython
for WASI when present) and the kernels of benchmarks/kernels.wat on every
engine against their plain-Python twins (benchmarks/fast_calls.py), in one
run on one machine.

Usage:
  python benchmarks/run.py [--rounds R] [--tiny] [--write] [programs.py options]
      prints the markdown; --write also puts it into benchmarks/RESULTS.md
      between the "harness" markers of its "Harness run (all engines)"
      section (made at the top when missing); the text around the markers
      is left alone

Kernels: each round calls every engine's instance once per kernel in turn
(pywasm and ppci: --slow-rounds calls); the median wall seconds
(time.perf_counter: a call of compiled code is too short for this
machine's CPU clock, which read 0 for some of wasmtime's) of a call,
the module loaded and the kernel run once before, untimed. An engine
that cannot run a kernel gets the reason in its cell.
Benchmarks are measured here, never asserted in tests.
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import engines      # noqa: E402
import fast_calls   # noqa: E402
import programs     # noqa: E402

RESULTS = os.path.join(HERE, "RESULTS.md")
TITLE = "## Harness run (all engines)"
BEGIN, END = "<!-- harness:begin -->", "<!-- harness:end -->"
TINY_N = {"fib": 12, "sum_loop": 2000, "mem_i32": 2000, "calls": 2000}
UNITS = {"fib": ("call", lambda n: 2 * programs._fib(n + 1) - 1),
         "sum_loop": ("iteration", lambda n: n), "mem_i32": ("element", lambda n: n),
         "calls": ("call", lambda n: n)}


def measure_kernels(engs, rounds, slow_rounds, limit, tiny):
    """-> [(kernel, n, {engine: median seconds or reason})]."""
    with open(fast_calls.WASM, "rb") as f:
        data = f.read()
    out = []
    for name, twin, n in fast_calls.KERNELS:
        n = TINY_N[name] if tiny else n
        want = twin(n)
        fns, res, times = {}, {}, {}
        for e in engs:
            try:
                f = twin if e == "python" else engines.function(e, data, name)
                dt, got = programs.limited(lambda: f(n), limit, time.perf_counter)
                if got & fast_calls.M != want:
                    raise engines.Unsupported("wrong result %r" % (got,))
                fns[e] = f
                times[e] = [dt] if e in programs.SLOW else []
            except programs.Timeout:
                res[e] = "timeout (>%d CPU s)" % limit
            except Exception as exc:
                res[e] = engines.reason(exc)
                print("kernel %s: %s: %s" % (name, e, res[e]), file=sys.stderr)
        for _ in range(rounds):
            for e in list(fns):
                if e in programs.SLOW and len(times[e]) >= slow_rounds:
                    continue
                try:
                    times[e].append(programs.limited(lambda: fns[e](n), limit,
                                                     time.perf_counter)[0])
                except programs.Timeout:
                    fns.pop(e)
        for e in times:
            res[e] = statistics.median(times[e])
        print("kernel %-9s %s" % (name, "  ".join(
            "%s %s" % (e, programs._fmt(res.get(e))) for e in engs)), file=sys.stderr)
        out.append((name, n, res))
    return out


def kernels_table(results, engs):
    cols = [e for e in programs.ENGINES if e in engs]
    ratios = [("%s/python" % e, e, "python") for e in cols if e != "python" and "python" in cols]
    rows = [([name, str(n)] + [programs._fmt(r.get(c)) for c in cols], r)
            for name, n, r in results]
    tab = programs._ratio_table(["kernel", "n"] + ["%s s" % c for c in cols], rows, ratios)
    head = ["kernel", "unit", "units"] + ["%s µs" % c for c in cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, n, r in results:
        unit, count = UNITS[name]
        k = count(n)
        lines.append("| " + " | ".join([name, unit, str(k)] + [
            "%.3g" % (r[c] / k * 1e6) if isinstance(r.get(c), float) else "-"
            for c in cols]) + " |")
    return tab + "\n\nPer unit, microseconds:\n\n" + "\n".join(lines)


def write_results(text):
    """Puts `text` between the markers of RESULTS.md's harness section."""
    with open(RESULTS) as f:
        doc = f.read()
    block = BEGIN + "\n" + text.strip() + "\n" + END
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
    else:
        at = doc.index("\n## ") + 1
        doc = doc[:at] + TITLE + "\n\n`python benchmarks/run.py --write`:\n\n" + block + \
            "\n\n" + doc[at:]
    with open(RESULTS, "w") as f:
        f.write(doc)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    programs.add_args(ap)
    ap.add_argument("--no-kernels", action="store_true", help="the programs only")
    ap.add_argument("--no-programs", action="store_true", help="the kernels only")
    ap.add_argument("--write", action="store_true",
                    help="also write the tables into benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    engs = programs.pick_engines(ap, args.engines)
    parts = [programs.machine()]
    if not args.no_programs:
        parts += ["### Programs", programs.run_programs(args, programs.pick_programs(ap, args),
                                                        engs)]
    if not args.no_kernels:
        k = measure_kernels(engs, args.rounds, args.slow_rounds, args.limit, args.tiny)
        parts += ["### Kernels (benchmarks/kernels.wat against plain-Python twins)",
                  "median wall seconds of one call, %d interleaved rounds (pywasm, ppci: %d)"
                  % (args.rounds, args.slow_rounds), kernels_table(k, engs)]
    text = "\n\n".join(parts)
    print(text)
    if args.write:
        write_results(text)


if __name__ == "__main__":
    main()
