"""Serial fraction of a chunk and its Amdahl bound (run: python benchmarks/bench_serial_fraction.py).

Without a 16-core machine the scaling target is shown this way: every parallel kernel of belle2sim
(each range kernel's call of belle2sim._jit.run_range, which shares its items out over the threads,
and the blocks of events of event_blocks.py) is timed while a workload runs; the time outside them
(Python steps, numpy, allocation, menu evaluation) is the serial part s, the time inside them the
parallel part p (measured with one thread; medians over ``--repeat`` runs, s and p each on its own,
so that the kernels' noise does not leak into s), and Amdahl's bound for N threads is (s + p) / (s +
p / N). Workloads: detector + trigger on single-photon, four-muon and Pythia 8 q qbar events, and
the whole efficiency job of zprime-mumu (generation, detector, trigger, selection, counting).

Amdahl's bound is that of one chunk at a time, each kernel shared out over the threads. A job on
several threads runs otherwise: each thread takes whole tasks (belle2sim/chunk_threads.py), and one
task's serial part runs while the other threads run kernels, which release the GIL. Only the GIL
serialises: with g of a task's s + p seconds holding it, N threads finish at most (s + p) / g tasks
in the time one thread takes for one, and at most N: the "tasks bound" min(N, (s + p) / g). g is
estimated as s (all of it counted as held, though NumPy releases the GIL for large arrays) plus each
kernel call's dispatch, which numba makes with the GIL held before the compiled code releases it
(KernelClock.gil_estimate: a call on an empty range, times the number of calls).
With ``--channels`` (a list, or
``all``), instead the whole job of each channel at the middle point of its default scan, 2e5
events on one thread: its time outside the kernels (selection NumPy, vector, counting, a point's
setup) and Amdahl's bound.
"""

import argparse
import sys
from pathlib import Path

import numba

sys.path.insert(0, str(Path(__file__).parent))
from _timing import KernelClock, report  # noqa: E402

from belle2sim.channels import get  # noqa: E402
from belle2sim.detector.card import load_card  # noqa: E402
from belle2sim.generators import dark_photon  # noqa: E402
from belle2sim.scan import run_point  # noqa: E402
from belle2sim.simulate import simulate_chunk  # noqa: E402
from belle2sim.trigger.menu import load_menu  # noqa: E402

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json")
    ap.add_argument("--repeat", type=int, default=7, help="runs per workload; medians of the time outside and inside "
                                                              "kernels, each on its own [7]")
    ap.add_argument("--channels", help="whole jobs of these channels instead (comma-separated, or 'all')")
    a = ap.parse_args()
    card, menu = load_card(), load_menu()
    clock = KernelClock()
    if a.channels:
        return channel_jobs(a, card, menu, clock)
    mumu = get("zprime-mumu")
    p_mumu = mumu.resolve_parameters({"mass_GeV": 2.0, "isr": 0}, card)
    from belle2sim.inputs.pythia_sm import PythiaSample

    samples = {
        "single-photon": [dark_photon.generate(1, f, 100_000, 4.0, 5.0, 175.0, card.beams) for f in range(0, 1_000_000, 100_000)],
        "four-muon": [mumu.generate(1, f, 100_000, p_mumu, card) for f in range(0, 300_000, 100_000)],
        "q qbar": [PythiaSample("qqbar", card).generate(1, 0, 20_000)],
    }
    n_chunks = {f"{k} detector+trigger": len(v) for k, v in samples.items()}
    job_events, job_chunk = 300_000, 100_000  # (run_point's default chunk: its tasks on one thread)
    n_chunks["zprime-mumu job (3e5 events)"] = job_events // job_chunk
    out = {"cores": numba.config.NUMBA_NUM_THREADS, "repeats": a.repeat}

    def chunk_by_chunk(chunks):
        for c in chunks:  # each result dropped before the next chunk, as a job's tasks do (holding
            simulate_chunk(c, card, menu, 1)  # all ten kept the allocator from reusing their memory)

    workloads = {f"{k} detector+trigger": (lambda chunks=v: chunk_by_chunk(chunks)) for k, v in samples.items()}
    p_job = mumu.resolve_parameters({"mass_GeV": 2.0}, card)
    workloads["zprime-mumu job (3e5 events)"] = lambda: run_point(mumu, p_job, card, menu, job_events, 1,
                                                                  chunk_size=job_chunk)
    for name, work in workloads.items():
        serial, inside1 = clock.split(work, 1, a.repeat)
        t1 = serial + inside1
        t2, _ = clock.measure(work, min(2, numba.config.NUMBA_NUM_THREADS))
        out[f"{name}: 1 thread [s]"] = t1
        out[f"{name}: outside kernels per chunk [ms]"] = 1e3 * serial / n_chunks[name]
        out[f"{name}: 2 threads [s]"] = t2
        out[f"{name}: serial fraction (1 thread)"] = serial / t1
        for n in (2, 16):
            out[f"{name}: Amdahl bound {n} threads [x]"] = t1 / (serial + inside1 / n)
        held = serial + clock.gil_estimate(work)
        out[f"{name}: GIL held (estimate) [% of 1 thread]"] = 100 * held / t1
        out[f"{name}: tasks bound 16 threads [x]"] = min(16.0, t1 / held)
    report(out, a.json)


def channel_jobs(a, card, menu, clock, events=200_000):
    from belle2sim.channels import available

    names = sorted(available()) if a.channels == "all" else a.channels.split(",")
    out = {"cores": numba.config.NUMBA_NUM_THREADS, "events": events}
    for name in names:
        ch = get(name)
        params = ch.resolve_parameters({ch.scan_parameter: ch.default_scan[len(ch.default_scan) // 2]}, card)
        serial, inside1 = clock.split(lambda: run_point(ch, params, card, menu, events, 1), 1, min(a.repeat, 3))
        t1 = serial + inside1
        out[f"{name}: 1 thread [s]"] = t1
        out[f"{name}: outside kernels [ms]"] = 1e3 * serial
        out[f"{name}: serial fraction"] = serial / t1
        out[f"{name}: Amdahl bound 16 threads [x]"] = t1 / (serial + inside1 / 16)
        held = serial + clock.gil_estimate(lambda: run_point(ch, params, card, menu, events, 1))
        out[f"{name}: GIL held (estimate) [% of 1 thread]"] = 100 * held / t1
        out[f"{name}: tasks bound 16 threads [x]"] = min(16.0, t1 / held)
    report(out, a.json)


if __name__ == "__main__":
    main()
