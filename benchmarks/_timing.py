"""Shared timing helper of the benchmarks. Importing it makes the benchmark measure the checkout it
lives in, not whichever belle2sim is installed (a baseline checkout's benchmarks measure the
baseline; subprocesses and dask workers inherit it through PYTHONPATH), and sets the allocator as
the command line does (belle2sim/_memory.py: freed chunk buffers are reused, not faulted in again)."""

import json
import os
import sys
import time
from pathlib import Path

CHECKOUT = str(Path(__file__).resolve().parent.parent)
sys.path.insert(0, CHECKOUT)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (CHECKOUT, os.environ.get("PYTHONPATH")) if p)

from belle2sim._memory import keep_freed_memory  # noqa: E402

keep_freed_memory()


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
