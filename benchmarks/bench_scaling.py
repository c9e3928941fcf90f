"""Thread scaling, measured (run: python benchmarks/bench_scaling.py [--threads 1,2,4,8,16]).

For each workload and thread count: events/s, the speed-up over one thread, and where the time goes:
inside the parallel kernels (every range kernel's call of belle2sim._jit.run_range, and the blocks
of events of event_blocks.py, hand-off to the threads included) or outside them (Python steps,
NumPy, allocation, menu logic: the serial part). Also the cost of one hand-off: a range call of a
kernel that does nothing, per thread count.
Workloads: detector + trigger on single-photon and four-muon events in chunks of the job's
default size (100000 events), on Pythia 8 q qbar events in chunks of 5000 (as many particles),
and the whole efficiency job of zprime-mumu (generation, detector, trigger, selection, counting).
``--scale`` multiplies the event counts (1 for a 16-core machine).

Three ways to use the threads, side by side in one process: "chunks" (each thread takes whole
chunks of the sample, belle2sim/chunk_threads.py), "tasks" (the sample cut as a job cuts its
events: tasks that shrink towards the end, so the threads finish together) and "kernels" (one chunk
at a time, each kernel call shared out over the threads: what the job did before chunks).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import KernelClock, report  # noqa: E402

from belle2sim import _jit  # noqa: E402
from belle2sim.channels import get  # noqa: E402
from belle2sim.chunk_threads import event_tasks, map_tasks  # noqa: E402
from belle2sim.events import _PARTICLE_FIELDS, EventBatch  # noqa: E402
from belle2sim.detector.card import load_card  # noqa: E402
from belle2sim.generators import dark_photon  # noqa: E402
from belle2sim.scan import PointJob, run_point  # noqa: E402
from belle2sim.simulate import simulate_chunk  # noqa: E402
from belle2sim.trigger.menu import load_menu  # noqa: E402

CHUNK = 100_000  # the job's default chunk size


@_jit.range_kernel("values")
def _touch(begin, end, values):
    """A range kernel that does almost nothing: its call time is the hand-off."""
    for i in range(begin, end):
        values[i] += 1.0


def handoff_us(threads, repeat=2000):
    numba.set_num_threads(threads)
    values = np.zeros(threads * _jit.MIN_ITEMS_PER_PIECE)
    for _ in range(50):
        _touch(values)
    t = time.perf_counter()
    for _ in range(repeat):
        _touch(values)
    return (time.perf_counter() - t) / repeat * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cores = numba.config.NUMBA_NUM_THREADS
    default = ",".join(str(n) for n in (1, 2, 4, 8, 16) if n <= cores)
    ap.add_argument("--threads", default=default, help=f"thread counts (default {default})")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the event counts")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", help="comma-separated workload names (default: all)")
    ap.add_argument("--json")
    a = ap.parse_args()
    threads = [int(n) for n in a.threads.split(",")]
    card, menu = load_card(), load_menu()
    clock = KernelClock()

    def n(events):
        return max(CHUNK // 10, int(events * a.scale))

    def chunks(make, total):
        return [make(first, min(CHUNK, total - first)) for first in range(0, total, CHUNK)]

    mumu = get("zprime-mumu")
    p_four = mumu.resolve_parameters({"mass_GeV": 2.0, "isr": 0}, card)
    p_job = mumu.resolve_parameters({"mass_GeV": 2.0}, card)
    samples = {
        "single-photon": lambda: chunks(lambda f, k: dark_photon.generate(1, f, k, 4.0, 5.0, 175.0, card.beams),
                                        n(6_400_000)),
        "four-muon": lambda: chunks(lambda f, k: mumu.generate(1, f, k, p_four, card), n(1_600_000)),
        "q qbar": lambda: _qqbar(card, n(320_000)),
    }
    only = set(a.only.split(",")) if a.only else None
    out = {"cores": cores, "threads": a.threads}
    for t in threads:
        out[f"hand-off, {t} threads [us per range call]"] = handoff_us(t)
    workloads = {}
    for name, make in samples.items():
        if not only or name in only:
            workloads[f"{name} detector+trigger"] = lambda make=make: _sample_ways(make(), card, menu)
    if not only or "job" in only:
        n_job = n(800_000)

        def job_by_kernels():
            job = PointJob(mumu, p_job, card, menu, 1)
            counter = job.new_counter()
            for first in range(0, n_job, CHUNK):
                cut_names = job._chunk(first, min(CHUNK, n_job - first), counter)
            return job.results(counter, cut_names, n_job)  # as run_point: the cross section too

        workloads["zprime-mumu job"] = lambda: (n_job, lambda: run_point(mumu, p_job, card, menu, n_job, 1),
                                                job_by_kernels, None)
    # each workload made and measured in turn, its numbers printed and written as they come: a
    # workload that cannot be made (Pythia without its data folder, say) costs only itself
    for name, make in workloads.items():
        try:
            events, by_chunks, by_kernels, by_tasks = make()
        except Exception as error:  # noqa: BLE001 (reported, and the other workloads go on)
            out[f"{name}: error"] = f"{type(error).__name__}: {error}"
            print(f"# {name}: {out[f'{name}: error']}", flush=True)
            continue
        base = None
        for t in threads:
            for mode, work in (("chunks", by_chunks), ("kernels", by_kernels), ("tasks", by_tasks)):
                if t == 1 and mode != "chunks" or work is None:
                    continue  # (the same work on one thread)
                total, inside = clock.measure(work, t, a.repeat)
                base = base or total
                key = f"{name}: {t} threads" + (f" ({mode})" if t > 1 else "")
                out[f"{key} [M events/s]"] = events / total / 1e6
                out[f"{key} speed-up [x]"] = base / total
                if mode == "kernels" or t == 1:  # (with chunks on threads the kernel times overlap)
                    out[f"{key} outside kernels [% of wall]"] = 100 * (total - inside) / total
                print(f"# {key}: {events / total / 1e6:.3g} M events/s, {base / total:.2f}x", flush=True)
        if a.json:
            Path(a.json).write_text(json.dumps(out, indent=2) + "\n")
    report(out, a.json)


def _sample_ways(data, card, menu):
    """(events, run on threads taking whole chunks, run chunk by chunk with each kernel shared out,
    run on threads taking the sample cut into tasks as a job cuts its events: guided, shrinking
    towards the end, chunk_threads.event_tasks). A sample of 16 chunks is one round of 16 threads,
    whose slowest chunk sets the time; a job's last tasks are small."""
    events = sum(len(c.offsets) - 1 for c in data)
    whole = EventBatch.concatenate(data) if len(data) > 1 else data[0]
    size = len(data[0].offsets) - 1
    data = [_view(whole, first, min(first + size, events)) for first in range(0, events, size)]  # (one copy)
    cuts = {}

    def by_tasks():
        threads = _jit.threads_here()
        if threads not in cuts:  # (made in the warm-up call)
            cuts[threads] = [_view(whole, a, a + k) for a, k in event_tasks(0, events, size, threads)]
        for _ in map_tasks(lambda c: simulate_chunk(c, card, menu, 1), cuts[threads], threads):
            pass

    # each chunk's result dropped as it arrives, as a job counts and drops it: kept, the results
    # of a whole sample (GBs for 6.4e6 single photons) page-fault fresh memory on every run
    def by_chunks():
        for _ in map_tasks(lambda c: simulate_chunk(c, card, menu, 1), data, _jit.threads_here()):
            pass

    def by_kernels():
        for c in data:
            simulate_chunk(c, card, menu, 1)

    return events, by_chunks, by_kernels, by_tasks


def _view(batch, first, last):
    """Events [first, last) of ``batch``, its particle arrays as views."""
    a, b = int(batch.offsets[first]), int(batch.offsets[last])
    view = EventBatch.__new__(EventBatch)
    for f in _PARTICLE_FIELDS:
        setattr(view, f, getattr(batch, f)[a:b])
    view.offsets = batch.offsets[first:last + 1] - a
    view.weight, view.number = batch.weight[first:last], batch.number[first:last]
    return view


def _qqbar(card, events):
    """Pythia 8 q qbar events in chunks of 5000, generated in parallel processes (Pythia is serial)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = CHUNK // 20
    firsts = list(range(0, events, size))
    spawn = multiprocessing.get_context("spawn")  # not fork: this process has threads
    with ProcessPoolExecutor(min(len(firsts), numba.config.NUMBA_NUM_THREADS), mp_context=spawn) as pool:
        return list(pool.map(_qqbar_chunk, [card] * len(firsts), firsts, [min(size, events - f) for f in firsts]))


def _qqbar_chunk(card, first, n):
    from belle2sim.inputs.pythia_sm import PythiaSample

    return PythiaSample("qqbar", card).generate(1, first, n)


if __name__ == "__main__":
    main()
