"""Throughput of the charged-particle channels (run: python benchmarks/bench_channels.py).

  1. detector + trigger on four-muon events (zprime-mumu, M = 2 GeV), events/s, 2 threads
     and 1 thread, in chunks of the job's default size;
  2. generation alone for zprime-mumu and zprime-invisible (matrix element + unweighting);
  3. the whole zprime-invisible table (5 masses x --job-events), wall time in this process;
  4. Z' -> tau tau events per second including the tau decays (bank loaded beforehand).
Best of --repeat for 1, 2 and 4; the machine is shared.
"""

import argparse
import sys
import time
from pathlib import Path

import numba

sys.path.insert(0, str(Path(__file__).parent))
from _timing import best_time, report  # noqa: E402

from belle2sim.channels import get
from belle2sim.detector.card import load_card
from belle2sim.generators import tau_decays
from belle2sim.scan import run_scan
from belle2sim.simulate import simulate_chunk
from belle2sim.trigger.menu import load_menu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--chunk-size", type=int, default=100_000)
    ap.add_argument("--job-events", type=int, default=100_000, help="events per mass point of the table")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json")
    args = ap.parse_args()
    card, menu = load_card(), load_menu()
    out = {"cores": numba.config.NUMBA_NUM_THREADS}

    mumu = get("zprime-mumu")
    # four muons and nothing else (ISR off): the same events as before ISR existed
    p = mumu.resolve_parameters({"mass_GeV": 2.0, "isr": 0}, card)
    t0 = time.perf_counter()
    chunks = [mumu.generate(1, f, min(args.chunk_size, args.events - f), p, card)
              for f in range(0, args.events, args.chunk_size)]
    out["zprime_mumu_generation_events_per_s"] = args.events / (time.perf_counter() - t0)

    def detector_trigger():
        for c in chunks:
            simulate_chunk(c, card, menu, 1)

    out["four_muon_detector_trigger_events_per_s"] = args.events / best_time(detector_trigger, args.repeat)
    numba.set_num_threads(1)
    out["four_muon_detector_trigger_events_per_s_1thread"] = args.events / best_time(detector_trigger, args.repeat)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    with_isr = mumu.resolve_parameters({"mass_GeV": 2.0}, card)
    chunks = [mumu.generate(1, f, min(args.chunk_size, args.events - f), with_isr, card)
              for f in range(0, args.events, args.chunk_size)]
    out["four_muon_isr_detector_trigger_events_per_s"] = args.events / best_time(detector_trigger, args.repeat)

    inv = get("zprime-invisible")
    masses = [0.5, 2.0, 4.0, 6.0, 8.0]
    run_scan(inv, masses[:1], {}, card, menu, 1000, 1)  # compile / warm the caches
    t = time.perf_counter()
    run_scan(inv, masses, {}, card, menu, args.job_events, 1)
    out["zprime_invisible_table_wall_s"] = time.perf_counter() - t
    out["zprime_invisible_table_events"] = len(masses) * args.job_events

    taus = get("zprime-tautau")
    pt = taus.resolve_parameters({"mass_GeV": 6.0}, card)
    tau_decays.load_bank()
    n_tau = min(args.events, 200_000)
    out["zprime_tautau_generation_with_tau_decays_events_per_s"] = n_tau / best_time(
        lambda: taus.generate(1, 0, n_tau, pt, card), max(2, args.repeat // 2))

    report(out, args.json)


if __name__ == "__main__":
    sys.exit(main())
