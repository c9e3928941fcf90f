"""The selections' track-system kernels, per event (run: python benchmarks/bench_track_systems.py).

Times, on one thread and 1e5 events of random float32 tracks (four per event), what the muon
selections call per chunk (belle2sim/channels/track_selection.py): each track's terms
(``track_terms``), a pair's m^2 and predicted sigma, the recoil against the nominal beams with its
error components (as ``pair_and_recoil_covariance`` makes it), and two pairings of four tracks in a
mass window (``pairings_in_window``, dark Higgsstrahlung's four muons). Best of ``--repeat``
calls each, in ns per event. Run it in two checkouts to compare them.
"""

import argparse
import sys
import timeit
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import report  # noqa: E402

from belle2sim.channels import track_selection as ts  # noqa: E402
from belle2sim.detector.card import load_card  # noqa: E402


class _Tracks:
    def __init__(self, n, rng):
        self.px, self.py, self.pz = (rng.normal(0.0, 1.5, n).astype(np.float32) for _ in range(3))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--json")
    a = ap.parse_args()
    numba.set_num_threads(1)
    card, n = load_card(), a.events
    tracks = _Tracks(4 * n, np.random.default_rng(1))
    pair = [np.arange(k, 4 * n, 4) for k in range(2)]
    four = [np.arange(k, 4 * n, 4) for k in range(4)]
    m_mu = 0.105658
    total = ts.nominal_total(card, n)
    terms_pair, terms_four = ts.track_terms(tracks, pair, m_mu, card), ts.track_terms(tracks, four, m_mu, card)
    work = {
        "track terms, 2 tracks": lambda: ts.track_terms(tracks, pair, m_mu, card),
        "pair m^2 and sigma": lambda: ts.mass_squared_and_sigma(None, None, None, card, terms=terms_pair,
                                                                members=(0, 1)),
        "recoil m^2, sigma and components": lambda: ts._system(tracks, pair, m_mu, card, total, terms_pair,
                                                               range(2), True),
        "two pairings of four tracks in a window": lambda: ts.pairings_in_window(
            terms_four, [((0, 1), (2, 3)), ((0, 3), (2, 1))], 1.0, 2.0, card),
    }
    out = {"events": n}
    for name, call in work.items():
        call()  # (compiled, or loaded from the cache)
        out[f"{name} [ns/event]"] = 1e9 * min(timeit.repeat(call, number=1, repeat=a.repeat)) / n
    report(out, a.json)


if __name__ == "__main__":
    main()
