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


class KernelClock:
    """Seconds spent inside belle2sim's parallel kernels: every call of belle2sim._jit.run_range
    (which each range kernel looks up at call time), the hand-off to the threads included, and of
    what runs a chunk's blocks of events (event_blocks.py: _jit.call_range for a block in the
    calling thread, _jit.share_range for the blocks shared out). Each is counted once, in the thread
    that calls it (not the calls nested in it, nor those of belle2sim's worker threads, which run
    the pieces of a call already counted). The rest of a workload's wall time is its serial part
    (Python steps, NumPy, allocation)."""

    def __init__(self):
        import threading

        from belle2sim import _jit

        self.seconds = 0.0
        # every call of a compiled kernel (at any depth, in any thread), and the arguments of its
        # first one: for the GIL a call holds before its compiled code starts (gil_estimate)
        self.kernel_calls, self._sample_args = {}, {}
        local = threading.local()

        def timed(call):
            counted = call.__name__ in ("call_range", "share_range")

            def run(*args, **kwargs):
                compiled = args[0]
                # (each kernel call once: run_range goes through share_range; the pieces of
                # event_blocks.py that share_range runs are Python functions, not kernels)
                if counted and hasattr(compiled, "py_func"):
                    self.kernel_calls[compiled] = self.kernel_calls.get(compiled, 0) + 1
                    if compiled not in self._sample_args:
                        self._sample_args[compiled] = args[3:] if call.__name__ == "call_range" else args[2:]
                depth = getattr(local, "depth", 0)
                if depth or threading.current_thread().name.startswith("belle2sim-"):
                    return call(*args, **kwargs)
                local.depth = 1
                t = time.perf_counter()
                try:
                    return call(*args, **kwargs)
                finally:
                    self.seconds += time.perf_counter() - t
                    local.depth = 0

            return run

        for name in ("run_range", "share_range", "call_range"):  # (a baseline checkout may lack the last two)
            if hasattr(_jit, name):
                setattr(_jit, name, timed(getattr(_jit, name)))

    def runs(self, work, threads, repeat):
        """[(wall seconds, seconds inside kernels)] of ``repeat`` calls of ``work()`` on ``threads``
        threads, after one warm-up call (compilation, caches, workers started)."""
        import gc

        import numba

        numba.set_num_threads(threads)
        work()
        out = []
        for _ in range(repeat):
            self.seconds = 0.0
            gc.collect()
            t = time.perf_counter()
            work()
            out.append((time.perf_counter() - t, self.seconds))
        return out

    def gil_estimate(self, work, repeat=200):
        """Seconds of held GIL inside the kernels' calls in one ``work()`` (one thread): each call's
        dispatch (numba unboxes every argument with the GIL held, before the compiled code releases
        it), estimated as the time of a call of the same kernel on an empty range (its set-up before
        the loop, which runs without the GIL, counted too: an upper estimate) times the kernel's
        number of calls."""
        import numba

        numba.set_num_threads(1)
        self.kernel_calls.clear()
        work()
        held = 0.0
        for compiled, calls in self.kernel_calls.items():
            args = self._sample_args[compiled]
            compiled(0, 0, *args)
            t = time.perf_counter()
            for _ in range(repeat):
                compiled(0, 0, *args)
            held += calls * (time.perf_counter() - t) / repeat
        return held

    def split(self, work, threads, repeat=7):
        """(median seconds outside kernels, median seconds inside them) over ``repeat`` calls of
        ``work()``: each median taken on its own, so that the kernels' noise (most of the time)
        does not leak into the small serial part."""
        import statistics

        runs = self.runs(work, threads, repeat)
        return statistics.median(t - inside for t, inside in runs), statistics.median(inside for _, inside in runs)

    def measure(self, work, threads, repeat=3):
        """(wall seconds, seconds inside kernels) of the fastest of ``repeat`` calls of ``work()``."""
        return min(self.runs(work, threads, repeat))
