"""Threads or processes: the same detector + trigger work in P processes of one thread each
(run: python benchmarks/bench_processes.py [--processes 1,16]).

Each process makes its own chunks, runs one as a warm-up, waits at a barrier with the others,
then times its chunks. Processes share no GIL, only the machine (memory bandwidth, caches, clock):
their speed-up over one process against bench_scaling.py's threads tells how much of the threads'
shortfall is the GIL and how much the machine (compare bench_ceilings.py).
"""

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _timing  # noqa: E402, F401  (this checkout, the allocator)

CHUNK = 100_000


def _work(sample, chunks_per_process, rank, barrier, results):
    import numba

    numba.set_num_threads(1)
    from belle2sim.channels import get
    from belle2sim.detector.card import load_card
    from belle2sim.generators import dark_photon
    from belle2sim.simulate import simulate_chunk
    from belle2sim.trigger.menu import load_menu

    card, menu = load_card(), load_menu()
    if sample == "single-photon":
        def make(first):
            return dark_photon.generate(1, first, CHUNK, 4.0, 5.0, 175.0, card.beams)
    else:
        mumu = get("zprime-mumu")
        p = mumu.resolve_parameters({"mass_GeV": 2.0, "isr": 0}, card)

        def make(first):
            return mumu.generate(1, first, CHUNK, p, card)
    firsts = [(rank * chunks_per_process + k) * CHUNK for k in range(chunks_per_process)]
    chunks = [make(f) for f in firsts]
    simulate_chunk(chunks[0], card, menu, 1)  # warm-up: kernels loaded, buffers faulted in
    barrier.wait()
    t = time.perf_counter()
    for c in chunks:
        simulate_chunk(c, card, menu, 1)
    results[rank] = time.perf_counter() - t


def run(sample, processes, chunks_per_process):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results = ctx.Array("d", processes)
    procs = [ctx.Process(target=_work, args=(sample, chunks_per_process, r, barrier, results))
             for r in range(processes)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"a worker process failed (exit code {p.exitcode})")
    times = list(results)
    return processes * chunks_per_process * CHUNK / max(times), times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--processes", default="1,16")
    ap.add_argument("--chunks", type=int, default=4, help="chunks of 1e5 events per process")
    ap.add_argument("--only", default="single-photon,four-muon")
    a = ap.parse_args()
    for sample in a.only.split(","):
        base = None
        for n in (int(x) for x in a.processes.split(",")):
            rate, times = run(sample, n, a.chunks)
            base = base or rate
            print(f"{sample}: {n:2d} processes: {rate / 1e6:.3f} M events/s, {rate / base:.2f}x "
                  f"(per-process seconds {min(times):.2f}-{max(times):.2f})", flush=True)


if __name__ == "__main__":
    main()
