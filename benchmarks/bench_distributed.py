"""Overhead of dask.distributed (run: python benchmarks/bench_distributed.py).

The same scans in one process (numba threads on all cores) and on a LocalCluster of --workers
processes (one numba thread each), wall time with the cluster already started and its workers'
kernels loaded (a warm-up scan first); the cluster start itself is timed separately:
  1. the default zprime-invisible scan (5 masses x --events);
  2. an alp-photons mass x c*tau map (5 masses x 10 c*tau x --events).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import report  # noqa: E402

from belle2sim.channels import get  # noqa: E402
from belle2sim.detector.card import load_card  # noqa: E402
from belle2sim.distributed import client_for, close_client  # noqa: E402
from belle2sim.scan import run_scan  # noqa: E402
from belle2sim.trigger.menu import load_menu  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    card, menu = load_card(), load_menu()
    scans = {"zprime-invisible default scan": (get("zprime-invisible"), None, (0.5, 2.0, 4.0, 6.0, 8.0)),
             "alp-photons 5 x 10 c*tau map": (get("alp-photons"), list(np.logspace(-2, 3, 10)),
                                              (0.5, 1.0, 2.0, 4.0, 8.0))}
    out = {}
    t = time.perf_counter()
    client = client_for(workers=a.workers)
    out["cluster start [s]"] = time.perf_counter() - t
    try:
        for label, (ch, ctaus, masses) in scans.items():
            run_scan(ch, masses[:1], {}, card, menu, 2000, 1, lifetimes_cm=ctaus)  # warm this process
            run_scan(ch, masses[:1], {}, card, menu, 2000, 1, lifetimes_cm=ctaus, client=client)  # and the workers
            t = time.perf_counter()
            run_scan(ch, masses, {}, card, menu, a.events, 1, lifetimes_cm=ctaus)
            one = time.perf_counter() - t
            t = time.perf_counter()
            run_scan(ch, masses, {}, card, menu, a.events, 1, lifetimes_cm=ctaus, client=client)
            many = time.perf_counter() - t
            out[f"{label}: one process [s]"] = one
            out[f"{label}: {a.workers} workers [s]"] = many
            out[f"{label}: ratio workers / one process"] = many / one
    finally:
        close_client(client)
    report(out, a.json)


if __name__ == "__main__":
    main()
