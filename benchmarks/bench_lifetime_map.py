"""Cost of the lifetime axis (run: python benchmarks/bench_lifetime_map.py).

  1. a mass x c*tau map of alp-photons: --masses masses (0.2-9.5 GeV) x --lifetimes c*tau values
     (1e-3 - 1e4 cm, log-spaced) with --events events per mass, wall time (target: 20 x 30 x 1e5 in
     under 2 minutes on 2 cores);
  2. the same masses at one c*tau (the model's, no reweighting), and the ratio of 1 to 2 (target:
     the 30-lifetime axis costs under 2x one lifetime);
  3. the same for b-to-k-scalar (Pythia 8 pool for the other B) at 5 masses.
Each is timed once after a warm-up run on a small sample (compilation, the Pythia pool).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import report  # noqa: E402

from belle2sim.channels import get
from belle2sim.detector.card import load_card
from belle2sim.scan import run_scan
from belle2sim.trigger.menu import load_menu


def _time(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--masses", type=int, default=20)
    ap.add_argument("--lifetimes", type=int, default=30)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    card, menu = load_card(), load_menu()
    out = {}
    ctaus = list(np.logspace(-3, 4, a.lifetimes))
    for name, masses in (("alp-photons", np.linspace(0.2, 9.5, a.masses)),
                         ("b-to-k-scalar", np.linspace(0.5, 4.0, 5))):
        ch = get(name)
        run_scan(ch, masses[:1], {}, card, menu, 2000, 1, lifetimes_cm=ctaus[:2])  # warm-up
        run_scan(ch, masses[:1], {}, card, menu, 2000, 1)
        t_map = _time(lambda: run_scan(ch, masses, {}, card, menu, a.events, 1, lifetimes_cm=ctaus))
        t_one = _time(lambda: run_scan(ch, masses, {}, card, menu, a.events, 1))
        out[f"{name}: {len(masses)} masses x {len(ctaus)} c*tau, {a.events:.0e} ev/mass [s]"] = t_map
        out[f"{name}: {len(masses)} masses x 1 c*tau [s]"] = t_one
        out[f"{name}: cost of the lifetime axis (ratio)"] = t_map / t_one
    report(out, a.json)


if __name__ == "__main__":
    main()
