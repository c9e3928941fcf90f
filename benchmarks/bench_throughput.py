"""Throughput of belle2sim, measured in one process (run: python benchmarks/bench_throughput.py).

Reports, for single-photon (dark-photon-invisible) events:
  1. detector + trigger (PDG classification, ECL response, input bits, FTDL, PSNM) in events/s,
     with all cores and with one thread;
  2. the whole efficiency job per point (generation + detector + trigger + selection);
  3. the numba ECL kernel against a plain-NumPy version of the same step (ratio);
  4. the default table (`belle2sim efficiency dark-photon-invisible`) wall time, start-up
     included, with a warm numba cache.
Each timing is the best of several repetitions (the machine is shared; the minimum is the
least disturbed measurement).
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numba

sys.path.insert(0, str(Path(__file__).parent))

from _timing import best_time, report  # noqa: E402
from numpy_reference import ecl_response_numpy  # noqa: E402

from belle2sim import pdgdata  # noqa: E402
from belle2sim.channels import get  # noqa: E402
from belle2sim.detector.card import load_card  # noqa: E402
from belle2sim.detector.ecl import simulate_ecl  # noqa: E402
from belle2sim.generators import dark_photon  # noqa: E402
from belle2sim.scan import run_point  # noqa: E402
from belle2sim.simulate import simulate_chunk  # noqa: E402
from belle2sim.trigger.menu import load_menu  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=2_000_000, help="events per timed call")
    ap.add_argument("--chunk-size", type=int, default=100_000, help="events per chunk (the job's default)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args()

    card, menu = load_card(), load_menu()
    n = args.events
    batch = dark_photon.generate(1, 0, n, 4.0, 5.0, 175.0, card.beams)
    out = {"events": n, "cores": numba.config.NUMBA_NUM_THREADS, "chunk_size": args.chunk_size}
    # detector + trigger over the events in chunks of the job's default size
    chunks = [dark_photon.generate(1, first, min(args.chunk_size, n - first), 4.0, 5.0, 175.0, card.beams)
              for first in range(0, n, args.chunk_size)]

    def detector_trigger():
        for chunk in chunks:
            simulate_chunk(chunk, card, menu, 1)

    t = best_time(detector_trigger, args.repeat)
    out["detector_trigger_events_per_s"] = n / t
    numba.set_num_threads(1)
    t1 = best_time(detector_trigger, args.repeat)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    out["detector_trigger_events_per_s_1thread"] = n / t1

    response = pdgdata.response_classes(batch.pdg)
    t_numba = best_time(lambda: simulate_ecl(batch, response, card, 1), args.repeat)
    t_numpy = best_time(lambda: ecl_response_numpy(batch, response, card, 1), max(2, args.repeat // 2))
    out["ecl_numba_events_per_s"] = n / t_numba
    out["ecl_numpy_events_per_s"] = n / t_numpy
    out["ecl_numba_over_numpy"] = t_numpy / t_numba

    ch = get("dark-photon-invisible")
    params = ch.resolve_parameters({"mass_GeV": 4.0}, card)
    n_job = min(n, 1_000_000)
    t_job = best_time(lambda: run_point(ch, params, card, menu, n_job, 1), max(2, args.repeat // 2))
    out["efficiency_job_events_per_s"] = n_job / t_job
    # the same job without initial-state radiation (the generator before ISR existed)
    no_isr = ch.resolve_parameters({"mass_GeV": 4.0, "isr": 0}, card)
    t_job = best_time(lambda: run_point(ch, no_isr, card, menu, n_job, 1), max(2, args.repeat // 2))
    out["efficiency_job_no_isr_events_per_s"] = n_job / t_job

    cmd = [sys.executable, "-m", "belle2sim.cli", "efficiency", "dark-photon-invisible", "-q"]
    subprocess.run(cmd, capture_output=True, check=True)  # warm the cache
    walls = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        walls.append(time.perf_counter() - t)
    out["default_table_wall_s"] = min(walls)

    report(out, args.json)


if __name__ == "__main__":
    main()
