"""Interleaved timing of two callables: medians of alternating rounds, so
that a noisy machine slows both sides alike. Used by the benchmark scripts;
nothing here is asserted in tests."""
import statistics
import time


def interleaved(a, b, args, rounds):
    """-> (median seconds of a(args), median seconds of b(args))."""
    ta, tb = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        a(args)
        ta.append(time.perf_counter() - t)
        t = time.perf_counter()
        b(args)
        tb.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb)
