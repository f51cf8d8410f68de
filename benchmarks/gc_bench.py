"""A GC microbenchmark: build and walk a linked list of structs, fill and
sum an i32 array, on wasmbed's two tiers and (when installed) wasmtime-py,
with the results checked equal. Interleaved rounds, medians; measured
here, never asserted in tests.

Usage: python benchmarks/gc_bench.py [--rounds N] [--n N]
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import wasmbed  # noqa: E402
from wasmbed.wasmtime.wat import wat2wasm  # noqa: E402

WAT = """
(module
  (type $node (struct (field $v i32) (field $next (ref null $node))))
  (type $arr (array (mut i32)))
  ;; a list n, n-1, ..., 1 built by struct.new, then its sum by a walk
  (func (export "list") (param $n i32) (result i32)
    (local $head (ref null $node)) (local $s i32)
    (block $done
      (loop $build
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $head (struct.new $node (local.get $n) (local.get $head)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $build)))
    (block $end
      (loop $walk
        (br_if $end (ref.is_null (local.get $head)))
        (local.set $s (i32.add (local.get $s)
                               (struct.get $node $v (local.get $head))))
        (local.set $head (struct.get $node $next (local.get $head)))
        (br $walk)))
    (local.get $s))
  ;; an array of n i32 filled with i * 3 by array.set, then summed
  (func (export "array") (param $n i32) (result i32)
    (local $a (ref $arr)) (local $i i32) (local $s i32)
    (local.set $a (array.new_default $arr (local.get $n)))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
        (array.set $arr (local.get $a) (local.get $i)
                   (i32.mul (local.get $i) (i32.const 3)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    (local.set $i (i32.const 0))
    (block $summed
      (loop $sum
        (br_if $summed (i32.ge_u (local.get $i) (array.len (local.get $a))))
        (local.set $s (i32.add (local.get $s)
                               (array.get $arr (local.get $a) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $sum)))
    (local.get $s))
)
"""


def wasmbed_runner(wasm, mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    inst = rt.instantiate(rt.load(wasm))
    return lambda name, n: inst.call(name, n)


def wasmtime_runner(wasm):
    try:
        import wasmtime
    except ImportError:
        return None
    cfg = wasmtime.Config()
    cfg.wasm_gc = True
    cfg.wasm_function_references = True
    eng = wasmtime.Engine(cfg)
    store = wasmtime.Store(eng)
    inst = wasmtime.Instance(store, wasmtime.Module(eng, bytes(wasm)), [])
    ex = inst.exports(store)
    return lambda name, n: ex[name](store, n)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--n", type=int, default=20000, help="list and array length")
    a = ap.parse_args(argv)
    wasm = wat2wasm(WAT)
    engines = [("interp", wasmbed_runner(wasm, "interp")),
               ("fast", wasmbed_runner(wasm, "fast"))]
    wt = wasmtime_runner(wasm)
    if wt is not None:
        engines.append(("wasmtime", wt))
    print("%-8s" % "case" + "".join("%12s" % name for name, _ in engines)
          + "   interp/fast")
    for case in ("list", "array"):
        times = dict((name, []) for name, _ in engines)
        results = set()
        for _ in range(a.rounds):
            for name, run in engines:
                t = time.perf_counter()
                results.add(run(case, a.n))
                times[name].append(time.perf_counter() - t)
        if len(results) != 1:
            raise SystemExit("%s: engines disagree: %r" % (case, results))
        med = dict((k, statistics.median(v)) for k, v in times.items())
        print("%-8s" % case + "".join("%11.4fs" % med[name] for name, _ in engines)
              + "   %10.1fx" % (med["interp"] / med["fast"]))


if __name__ == "__main__":
    main()
