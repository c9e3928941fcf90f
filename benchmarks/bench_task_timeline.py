"""Where a job's threads lose time (run: python benchmarks/bench_task_timeline.py [CHANNEL EVENTS]).

Times every task of a job (thread, start, end) on one thread and on all cores: the wall time, the
lead task (one-time setup, run before the threads start), the busy share of threads x wall (idle:
the tail of the last round), and each task's microseconds per event on many threads against one
(tasks slower than alone: the GIL held per task, memory bandwidth, a shared machine). Jobs with
their tasks cut as now (guided: shrinking towards the end) and as before (equal tasks in whole
rounds); then detector + trigger on single-photon events in chunks of 100k and of 25k events
(four times the tasks: the fixed cost per task).
"""
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _timing  # noqa: F401,E402 (allocator, this checkout)
import numba  # noqa: E402
from belle2sim import _jit
from belle2sim.channels import get
from belle2sim.detector.card import load_card
from belle2sim.trigger.menu import load_menu
from belle2sim.scan import PointJob, run_point
from belle2sim.chunk_threads import map_tasks
from belle2sim.generators import dark_photon
from belle2sim.simulate import simulate_chunk

card, menu = load_card(), load_menu()
rec = []
orig = PointJob._chunk
def chunk(self, first, n, counter):
    t = time.perf_counter(); r = orig(self, first, n, counter)
    rec.append((threading.current_thread().name, t, time.perf_counter(), n)); return r
PointJob._chunk = chunk
mumu = get(sys.argv[1] if len(sys.argv) > 1 else "zprime-mumu")
p = mumu.resolve_parameters({"mass_GeV": 2.0}, card)
N = int(float(sys.argv[2])) if len(sys.argv) > 2 else 800_000

def summary(label, rec, t0, wall, threads):
    busy = sum(b - a for _, a, b, _ in rec)
    lead = [r for r in rec if not r[0].startswith("belle2sim-chunk")]
    rest = [r for r in rec if r[0].startswith("belle2sim-chunk")]
    us = [(b - a) / n * 1e6 for _, a, b, n in rest] or [(b - a) / n * 1e6 for _, a, b, n in lead]
    last_start = max((a for _, a, _, _ in rest), default=t0) - t0
    first_end = min((b for _, _, b, _ in rest), default=t0) - t0
    print(f"{label}: wall {wall:.3f} s, tasks {len(rec)}, lead {sum(b-a for _,a,b,_ in lead):.3f} s, "
          f"busy/(threads*wall) {busy/threads/wall:.3f}, us/event per task min/med/max "
          f"{min(us):.2f}/{sorted(us)[len(us)//2]:.2f}/{max(us):.2f}, last task start {last_start:.3f}, "
          f"end of last {max(b for _,_,b,_ in rec)-t0:.3f}", flush=True)

from belle2sim import chunk_threads
GUIDED, MIN_TASK = chunk_threads.event_tasks, chunk_threads.MIN_TASK_EVENTS


def equal_rounds(first, last, chunk_size, threads, rounds=3, min_task=10_000):
    """The former cut (until 2026-11-28): equal tasks in whole rounds of ``threads``, at least three."""
    n = last - first
    if n <= 0:
        return []
    if threads > 1:
        chunk_size = min(chunk_size, max(min_task, chunk_threads.IN_FLIGHT_EVENTS // threads))
    n_tasks = -(-n // chunk_size)
    if threads > 1:
        whole = min(max(rounds, -(-n_tasks // threads)), n // min_task // threads) * threads
        n_tasks = max(n_tasks, whole or min(threads, n // min_task))
    bounds = [first + n * k // n_tasks for k in range(n_tasks + 1)]
    return [(a, b - a) for a, b in zip(bounds[:-1], bounds[1:])]


ALL = numba.config.NUMBA_NUM_THREADS
for t, cut in ((1, "guided"), (ALL, "equal rounds"), (ALL, "guided"), (1, "guided"), (ALL, "equal rounds"),
               (ALL, "guided")):
    chunk_threads.event_tasks = GUIDED if cut == "guided" else equal_rounds
    chunk_threads.MIN_TASK_EVENTS = MIN_TASK if cut == "guided" else 10_000
    t = min(t, numba.config.NUMBA_NUM_THREADS); numba.set_num_threads(t)
    run_point(mumu, p, card, menu, 50_000, 1)  # warm
    rec.clear(); t0 = time.perf_counter(); run_point(mumu, p, card, menu, N, 1); wall = time.perf_counter() - t0
    summary(f"{mumu.name} job {N} events, {t} threads, {cut}", list(rec), t0, wall, t)
chunk_threads.event_tasks, chunk_threads.MIN_TASK_EVENTS = GUIDED, MIN_TASK

chunks = [dark_photon.generate(1, f, 100_000, 4.0, 5.0, 175.0, card.beams) for f in range(0, 6_400_000, 100_000)]
small = [dark_photon.generate(1, f, 25_000, 4.0, 5.0, 175.0, card.beams) for f in range(0, 6_400_000, 25_000)]
for t, sample in ((1, chunks), (ALL, chunks), (ALL, small), (1, chunks), (ALL, chunks), (ALL, small)):
    t = min(t, numba.config.NUMBA_NUM_THREADS); numba.set_num_threads(t)
    size = len(sample[0].offsets) - 1
    rec.clear()
    def one(c):
        a = time.perf_counter(); simulate_chunk(c, card, menu, 1)
        rec.append((threading.current_thread().name if t > 1 else "belle2sim-chunk-main", a, time.perf_counter(), size))
    list(map_tasks(one, sample[:16], _jit.threads_here()))
    rec.clear(); t0 = time.perf_counter(); list(map_tasks(one, sample, _jit.threads_here())); wall = time.perf_counter() - t0
    summary(f"single-photon det+trig 6.4e6 in chunks of {size}, {t} threads", list(rec), t0, wall, t)
