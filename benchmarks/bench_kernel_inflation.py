"""Where many threads lose their speed-up, kernel by kernel (run: python
benchmarks/bench_kernel_inflation.py [--threads 1,16] [--scale 1]).

Each thread takes whole chunks (as a job does, belle2sim/chunk_threads.py). Every range kernel's
call is timed in the thread that makes it (its wall time: argument typing under the GIL, the
compiled loop, the return), so a kernel's thread-seconds per event on T threads against one thread
says how much it slows down when T run at once: kernels whose arrays stream from memory slow down
with the memory bandwidth (compare bench_ceilings.py's triad), arithmetic ones with the clock only
(its compute kernel), calls with many arguments with the GIL. Also the part of each task outside
the kernels (Python steps, NumPy, allocation), and the bytes of array arguments each kernel is
handed per event: an upper bound of what it moves (a kernel may skip arrays of absent particles),
which over the wall time of T threads gives the bandwidth the workload would need.
"""

import argparse
import collections
import sys
import threading
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import report  # noqa: E402
from bench_scaling import CHUNK, _qqbar  # noqa: E402

from belle2sim import _jit  # noqa: E402
from belle2sim.channels import get  # noqa: E402
from belle2sim.chunk_threads import map_tasks  # noqa: E402
from belle2sim.detector.card import load_card  # noqa: E402
from belle2sim.generators import dark_photon  # noqa: E402
from belle2sim.simulate import simulate_chunk  # noqa: E402
from belle2sim.trigger.menu import load_menu  # noqa: E402


class PerKernelClock:
    """Thread-seconds and argument bytes per kernel, summed over all threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()
        def timing(call):
            # (run_range(compiled, n_items, *args) and, for the blocks of events of event_blocks.py,
            # call_range(compiled, begin, end, *args))
            def timed(compiled, *args, **kwargs):
                t = time.perf_counter()
                try:
                    return call(compiled, *args, **kwargs)
                finally:
                    dt = time.perf_counter() - t
                    name = getattr(compiled, "__name__", repr(compiled))
                    with self._lock:
                        self.seconds[name] += dt
                        self.bytes[name] += _array_bytes(args)

            return timed

        for name in ("run_range", "call_range"):  # (a baseline checkout may lack the second)
            if hasattr(_jit, name):
                setattr(_jit, name, timing(getattr(_jit, name)))

    def reset(self):
        self.seconds = collections.Counter()
        self.bytes = collections.Counter()


def _array_bytes(args):
    total = 0
    for a in args:
        if isinstance(a, np.ndarray):
            total += a.nbytes
        elif isinstance(a, tuple):
            total += _array_bytes(a)
    return total


def measure(clock, chunks, card, menu, threads, repeat):
    """(wall s, task thread-seconds, per-kernel thread-seconds, per-kernel bytes): best of
    ``repeat`` after a warm-up, all on ``threads`` threads taking whole chunks."""
    numba.set_num_threads(threads)
    task_seconds = [0.0]
    lock = threading.Lock()

    def task(c):
        t = time.perf_counter()
        simulate_chunk(c, card, menu, 1)
        with lock:
            task_seconds[0] += time.perf_counter() - t

    def run():
        for _ in map_tasks(task, chunks, threads):
            pass

    run()
    best = None
    for _ in range(repeat):
        clock.reset()
        task_seconds[0] = 0.0
        t = time.perf_counter()
        run()
        wall = time.perf_counter() - t
        if best is None or wall < best[0]:
            best = (wall, task_seconds[0], dict(clock.seconds), dict(clock.bytes))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cores = numba.config.NUMBA_NUM_THREADS
    ap.add_argument("--threads", default=f"1,{cores}", help=f"two thread counts (default 1,{cores})")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the event counts (1: rounds of 16 chunks)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=CHUNK, help="events per chunk, single photons and four muons")
    ap.add_argument("--only", help="comma-separated: single-photon,four-muon,q qbar (default: all)")
    ap.add_argument("--json")
    a = ap.parse_args()
    one, many = (int(n) for n in a.threads.split(","))
    card, menu = load_card(), load_menu()
    clock = PerKernelClock()

    def n(events):
        return max(CHUNK // 10, int(events * a.scale))

    def chunks(make, total, size=a.chunk_size):
        return [make(first, min(size, total - first)) for first in range(0, total, size)]

    mumu = get("zprime-mumu")
    p_four = mumu.resolve_parameters({"mass_GeV": 2.0, "isr": 0}, card)
    samples = {
        "single-photon": lambda: chunks(lambda f, k: dark_photon.generate(1, f, k, 4.0, 5.0, 175.0, card.beams),
                                        n(6_400_000)),
        "four-muon": lambda: chunks(lambda f, k: mumu.generate(1, f, k, p_four, card), n(1_600_000)),
        "q qbar": lambda: _qqbar(card, n(320_000)),
    }
    only = set(a.only.split(",")) if a.only else set(samples)
    out = {"cores": cores}
    for name, make in samples.items():
        if name not in only:
            continue
        data = make()
        events = sum(len(c.offsets) - 1 for c in data)
        runs = {t: measure(clock, data, card, menu, t, a.repeat) for t in (one, many)}
        (w1, task1, k1, b1), (wn, taskn, kn, bn) = runs[one], runs[many]
        out[f"{name}: events, chunks"] = f"{events}, {len(data)}"
        out[f"{name}: speed-up {many} vs {one} threads [x]"] = w1 / wn
        out[f"{name}: thread-seconds per event, all tasks [ns] ({one} / {many} threads)"] = \
            f"{task1 / events * 1e9:.1f} / {taskn / events * 1e9:.1f} ({taskn / task1:.2f}x)"
        out1 = task1 - sum(k1.values())
        outn = taskn - sum(kn.values())
        out[f"{name}: outside kernels [ns/event]"] = \
            f"{out1 / events * 1e9:.1f} / {outn / events * 1e9:.1f} ({outn / max(out1, 1e-12):.2f}x)"
        total_bytes = sum(bn.values())
        out[f"{name}: array bytes handed to kernels [B/event]"] = total_bytes / events
        out[f"{name}: ... over the wall time on {many} threads [GB/s]"] = total_bytes / wn / 1e9
        for k in sorted(k1, key=lambda k: -kn.get(k, 0.0)):
            out[f"{name}:   {k} [ns/event, B/event]"] = (
                f"{k1[k] / events * 1e9:7.1f} / {kn.get(k, 0.0) / events * 1e9:7.1f} "
                f"({kn.get(k, 0.0) / k1[k]:.2f}x), {b1[k] / events:6.0f} B")
        print(f"# {name} done", flush=True)
    report(out, a.json)


if __name__ == "__main__":
    main()
