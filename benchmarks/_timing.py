"""Shared timing helper of the benchmarks."""

import json
import time
from pathlib import Path


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


def report(out, json_path=None):
    """Print the measurements as an aligned table; also write them as JSON if asked."""
    width = max(map(len, out))
    for k, v in out.items():
        print(f"{k:<{width}}  {v:,.3g}" if isinstance(v, float) else f"{k:<{width}}  {v}")
    if json_path:
        Path(json_path).write_text(json.dumps(out, indent=2) + "\n")
