"""Per-operation cost of the pool allocator.

Run:  python benchmarks/pool_alloc_bench.py [--quick]
Also runs under MicroPython (timing with time.ticks_us), e.g.
      micropython benchmarks/pool_alloc_bench.py --quick
with the repository on sys.path (the script adds its parent directory).

Each line prints microseconds per operation (best of several repeats).
"""

import sys

try:
    from time import perf_counter as _clock

    def now_us():
        return _clock() * 1e6
except ImportError:                      # MicroPython
    from time import ticks_us, ticks_diff
    _T0 = ticks_us()

    def now_us():
        return ticks_diff(ticks_us(), _T0)

_parts = __file__.rsplit("/", 2)
sys.path.insert(0, _parts[0] if len(_parts) == 3 else ("." if len(_parts) == 2 else ".."))

from wasmbed.pool_alloc import Pool, HEADER_SIZE  # noqa: E402

QUICK = "--quick" in sys.argv
REPEAT = 3 if QUICK else 5


def best(fn, ops):
    """Best time of REPEAT runs of fn(), in microseconds per op."""
    times = []
    for _ in range(REPEAT):
        t0 = now_us()
        fn()
        times.append(now_us() - t0)
    return min(times) / ops


class Lock:
    """Stand-in for a platform mutex (acquire/release), host independent."""

    def acquire(self, timeout_ns=-1):
        return True

    def release(self):
        pass


def lcg(seed):
    state = [seed]

    def rnd(n):
        state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return (state[0] >> 8) % n
    return rnd


def bench_pair(size, n, mutex=None):
    """alloc(size) immediately followed by free: the hottest path."""
    p = Pool(bytearray(1 << 16), mutex)
    alloc = p.alloc
    free = p.free

    def run():
        for _ in range(n):
            free(alloc(size))
    return best(run, n)


def bench_fill_drain(size, count, rnd_order=True):
    """count allocs of size, then free them all (shuffled): alloc and free
    timed separately."""
    p = Pool(bytearray(count * (size + 40) + 8192))
    rnd = lcg(7)
    offs = [0] * count
    order = list(range(count))
    if rnd_order:
        for i in range(count - 1, 0, -1):
            j = rnd(i + 1)
            order[i], order[j] = order[j], order[i]
    t_alloc = []
    t_free = []
    for _ in range(REPEAT):
        t0 = now_us()
        for i in range(count):
            offs[i] = p.alloc(size)
        t1 = now_us()
        for i in order:
            p.free(offs[i])
        t2 = now_us()
        t_alloc.append(t1 - t0)
        t_free.append(t2 - t1)
    return min(t_alloc) / count, min(t_free) / count


def bench_mixed(n):
    """Random sizes 0..4000, random frees: a fragmented steady state."""
    p = Pool(bytearray(1 << (18 if QUICK else 20)))
    rnd = lcg(11)
    live = []
    ops = [0]

    def run():
        for _ in range(n):
            if live and (rnd(2) or len(live) > 150):
                p.free(live.pop(rnd(len(live))))
            else:
                size = rnd(64) if rnd(3) else rnd(4000)
                live.append(p.alloc(size))
            ops[0] += 1
        while live:
            p.free(live.pop())
            ops[0] += 1
    t = best(run, 1)
    return t / (ops[0] / REPEAT)


def bench_realloc_grow(pages, n):
    """memory.grow-like: realloc a block up one 64 KiB page at a time, in
    place (nothing behind it), zeroing the new page."""
    page = 65536
    p = Pool(bytearray(page * (pages + 2)))

    def run():
        for _ in range(n):
            off = p.alloc(page)
            for k in range(2, pages + 1):
                off = p.realloc(off, k * page, zero=True)
            p.free(off)
    return best(run, n * (pages - 1))


def bench_realloc_move(size, n):
    """realloc that must move (the next chunk is used): alloc, copy, free."""
    p = Pool(bytearray(size * 4 + 4096))

    def run():
        for _ in range(n):
            a = p.alloc(size)
            g = p.alloc(16)
            a = p.realloc(a, size * 2)
            p.free(a)
            p.free(g)
    return best(run, n)


def bench_calloc(size, n):
    p = Pool(bytearray(size * 2 + 4096))

    def run():
        for _ in range(n):
            p.free(p.calloc(size))
    return best(run, n)


def main():
    k = 1 if QUICK else 4
    print("pool allocator, us/op (best of %d); overhead per block: %d bytes"
          % (REPEAT, HEADER_SIZE))
    print("alloc+free pair, 64 B             %7.2f" % bench_pair(64, 2000 * k))
    print("alloc+free pair, 64 B, mutex      %7.2f" % bench_pair(64, 2000 * k, Lock()))
    print("alloc+free pair, 1000 B           %7.2f" % bench_pair(1000, 2000 * k))
    for size in (32, 200, 3000):
        a, f = bench_fill_drain(size, 200 if QUICK else 2000)
        print("fill/drain %5d B: alloc %6.2f  free (shuffled) %6.2f" % (size, a, f))
    print("mixed sizes, per op               %7.2f" % bench_mixed(1000 * k))
    print("realloc grow in place by 64 KiB   %7.2f  (incl. zeroing the page)"
          % bench_realloc_grow(4 if QUICK else 16, 2 * k))
    print("realloc move 4 KiB -> 8 KiB       %7.2f  (alloc+copy+free, +2 ops)"
          % bench_realloc_move(4096, 200 * k))
    print("calloc+free 64 KiB                %7.2f" % bench_calloc(65536, 50 * k))


main()
