"""Threads or processes: the same detector + trigger work in P processes of one thread each
(run: python benchmarks/bench_processes.py [--processes 1,16]).

Each process makes its own chunks (``--events`` in chunks of ``--chunk-size``), runs one as a warm-up, waits at a barrier with the others,
then times its chunks. Processes share no GIL, only the machine (memory bandwidth, caches, clock):
their speed-up over one process against bench_scaling.py's threads tells how much of the threads'
shortfall is the GIL and how much the machine (compare bench_ceilings.py). The time inside
kernels per event (every range kernel's call, dispatch included), on 1 and on P processes and for
small and large chunks, says whether kernels slow down for want of memory bandwidth: a chunk of a
few thousand events keeps the arrays one kernel hands to the next in the core's own cache.
"""

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import KernelClock  # noqa: E402  (importing it: this checkout, the allocator)

CHUNK = 100_000


def _work(sample, events, chunk_size, rank, barrier, results, kernel_seconds):
    import numba

    numba.set_num_threads(1)
    from belle2sim.channels import get
    from belle2sim.detector.card import load_card
    from belle2sim.generators import dark_photon
    from belle2sim.simulate import simulate_chunk
    from belle2sim.trigger.menu import load_menu

    clock = KernelClock()
    card, menu = load_card(), load_menu()
    if sample == "single-photon":
        def make(first, n):
            return dark_photon.generate(1, first, n, 4.0, 5.0, 175.0, card.beams)
    else:
        mumu = get("zprime-mumu")
        p = mumu.resolve_parameters({"mass_GeV": 2.0, "isr": 0}, card)

        def make(first, n):
            return mumu.generate(1, first, n, p, card)
    begin = rank * events
    chunks = [make(f, min(chunk_size, begin + events - f)) for f in range(begin, begin + events, chunk_size)]
    simulate_chunk(chunks[0], card, menu, 1)  # warm-up: kernels loaded, buffers faulted in
    barrier.wait()
    clock.seconds = 0.0
    t = time.perf_counter()
    for c in chunks:
        simulate_chunk(c, card, menu, 1)
    results[rank] = time.perf_counter() - t
    kernel_seconds[rank] = clock.seconds


def run(sample, processes, events, chunk_size):
    """(events/s of all processes together, each process's seconds, each one's seconds in kernels)."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results, kernel_seconds = ctx.Array("d", processes), ctx.Array("d", processes)
    procs = [ctx.Process(target=_work, args=(sample, events, chunk_size, r, barrier, results, kernel_seconds))
             for r in range(processes)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"a worker process failed (exit code {p.exitcode})")
    times = list(results)
    return processes * events / max(times), times, list(kernel_seconds)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--processes", default="1,16")
    ap.add_argument("--events", type=int, default=400_000, help="events per process")
    ap.add_argument("--chunk-size", default=str(CHUNK), help="events per chunk (comma-separated: several)")
    ap.add_argument("--only", default="single-photon,four-muon")
    a = ap.parse_args()
    for sample in a.only.split(","):
        for chunk_size in (int(x) for x in a.chunk_size.split(",")):
            base = None
            for n in (int(x) for x in a.processes.split(",")):
                rate, times, inside = run(sample, n, a.events, chunk_size)
                base = base or rate
                print(f"{sample}, chunks of {chunk_size}: {n:2d} processes: {rate / 1e6:.3f} M events/s, "
                      f"{rate / base:.2f}x (per-process seconds {min(times):.2f}-{max(times):.2f}; in kernels "
                      f"{sum(inside) / n / a.events * 1e9:.1f} ns per event)", flush=True)


if __name__ == "__main__":
    main()
