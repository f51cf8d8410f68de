"""Loading a big module with and without the code cache (issue 11: a
20 MB module loads and instantiates in under a second with a warm cache).

Usage:
  python benchmarks/big_module.py [--functions N] [--body BYTES] [--rounds R]
      builds a module of N functions (default 10,000) with bodies of about
      BYTES bytes each (default 2,000: about 20 MB in all), then times, in
      fresh processes, R times each (default 3): a load + instantiate + one
      call with no cache, with a cold cache (an empty directory) and with a
      warm one (the directory the cold run filled). Prints the medians.

Wall time (time.perf_counter), in child processes so that no run sees
another's objects; measured here, never asserted in tests.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
import binary as B  # noqa: E402

CHILD = r"""
import sys, time
import wasmbed
data = open(sys.argv[1], "rb").read()
t = time.perf_counter()
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(
    mode="fast", cache_dir=sys.argv[2] if len(sys.argv) > 2 else None))
inst = rt.instantiate(rt.load(data))
t1 = time.perf_counter()
inst.call("f0", 5)
print(t1 - t, time.perf_counter() - t1)
"""


def build(n, per):
    """n functions (i32) -> i32 of about `per` bytes of arithmetic and
    loads each; exports f0 and the memory."""
    unit = (b"\x41\x07\x6a\x41\x03\x6c"            # i32.const 7 add 3 mul
            b"\x20\x00\x28\x02\x00\x6a")           # local.get 0 load add
    body = B.vec([]) + b"\x20\x00" + unit * max(1, per // len(unit)) + b"\x0b"
    return B.module(
        B.section(1, B.vec([B.functype([0x7F], [0x7F])])),
        B.section(3, B.vec([B.leb(0)] * n)),
        B.section(5, B.vec([b"\x00\x01"])),
        B.section(7, B.vec([B.name("f0") + b"\x00" + B.leb(0),
                            B.name("memory") + b"\x02" + B.leb(0)])),
        B.section(10, B.vec([B.leb(len(body)) + body] * n)))


def child(path, cache=None):
    argv = [sys.executable, "-c", CHILD, path] + ([cache] if cache else [])
    out = subprocess.run(argv, check=True, capture_output=True, text=True)
    load, first_call = out.stdout.split()
    return float(load), float(first_call)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--functions", type=int, default=10000)
    ap.add_argument("--body", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "big.wasm")
        with open(path, "wb") as f:
            f.write(build(a.functions, a.body))
        print("module: %d bytes, %d functions" % (os.path.getsize(path),
                                                   a.functions))
        rows = {"no cache": [], "cold cache": [], "warm cache": []}
        for r in range(a.rounds):
            cache = os.path.join(d, "cache%d" % r)
            rows["no cache"].append(child(path))
            rows["cold cache"].append(child(path, cache))
            rows["warm cache"].append(child(path, cache))
        print("%-11s %22s %12s" % ("", "load + instantiate s", "1st call s"))
        for k, v in rows.items():
            print("%-11s %22.3f %12.3f" % (
                k, statistics.median(x[0] for x in v),
                statistics.median(x[1] for x in v)))


if __name__ == "__main__":
    main()
