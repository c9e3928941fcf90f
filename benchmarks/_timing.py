"""Shared timing helper of the benchmarks."""

import time


def best_time(fn, repeat):
    """Shortest of ``repeat`` timed calls after one warm-up call (compilation, caches): on a
    shared machine the minimum is the least disturbed measurement."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
