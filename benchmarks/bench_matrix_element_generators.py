"""Generation speed of the six matrix-element channels (run: python
benchmarks/bench_matrix_element_generators.py [--baseline DIR]).

For each channel (e+e- -> mu+mu- X, generators/lepton_pair_boson.py) and mass: microseconds per
generated event on one thread (ISR on, as the channel runs; best of --repeat), and the attempts
an event needs, max / mean of the pilot's weights (the unweighting's cost; without ISR). With
--baseline DIR (another belle2sim checkout) the same numbers from that checkout, measured in a
subprocess alternating with this one, and the ratio baseline / this.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

if os.environ.get("BENCH_CHILD_CHECKOUT"):  # a baseline's subprocess: its belle2sim, imported first
    sys.path.insert(0, os.environ["BENCH_CHILD_CHECKOUT"])
    import belle2sim  # noqa: F401
sys.path.insert(0, str(Path(__file__).parent))
from _timing import CHECKOUT, best_time, report  # noqa: E402

CHANNELS = "zprime-mumu,zprime-invisible,zprime-tautau,muonphilic-scalar,leptophilic-scalar,alp-tautau"
MASSES = "0.5,1,2,4,8"


def measure(channels, masses, events, repeat):
    """{channel: {mass: (us per event, attempts per event)}} for the belle2sim on sys.path."""
    import numba

    numba.set_num_threads(1)
    from belle2sim import pdgdata
    from belle2sim.channels import get
    from belle2sim.channels.lepton_pair_boson import MUON
    from belle2sim.detector.card import load_card
    from belle2sim.generators import lepton_pair_boson as gen
    from belle2sim.generators import radiated_boson as rb

    card = load_card()
    kinds = {"muonphilic-scalar": rb.SCALAR, "leptophilic-scalar": rb.SCALAR, "alp-tautau": rb.PSEUDOSCALAR}
    out = {}
    for name in channels:
        ch = get(name)
        out[name] = {}
        for mass in masses:
            try:
                params = ch.resolve_parameters({"mass_GeV": mass}, card)
            except Exception:  # noqa: BLE001 (a mass outside the channel's range)
                continue
            seconds = best_time(lambda: ch.generate(1, 0, events, params, card), repeat)
            mean, _, largest = gen.pilot(1, card.beams.sqrt_s_GeV, pdgdata.mass_GeV(MUON), mass,
                                         kinds.get(name, rb.VECTOR))
            out[name][str(mass)] = (seconds / events * 1e6, largest / mean)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--channels", default=CHANNELS)
    ap.add_argument("--masses", default=MASSES, help=f"GeV, comma-separated [{MASSES}]")
    ap.add_argument("--events", type=int, default=20_000, help="events per timed call")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline", help="another belle2sim checkout, measured in a subprocess")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json")
    a = ap.parse_args()
    channels, masses = a.channels.split(","), [float(m) for m in a.masses.split(",")]
    if a.child:  # (a checkout's numbers, as JSON on stdout)
        import belle2sim

        assert str(Path(belle2sim.__file__).resolve()).startswith(os.environ["BENCH_CHILD_CHECKOUT"])
        print(json.dumps(measure(channels, masses, a.events, a.repeat)))
        return
    runs = {"this": [], "baseline": []}
    for _ in range(2 if a.baseline else 1):  # alternating: the same machine load for both
        for label, checkout in (("this", CHECKOUT), ("baseline", a.baseline)):
            if checkout is None:
                continue
            env = dict(os.environ, BENCH_CHILD_CHECKOUT=str(Path(checkout).resolve()))
            command = [sys.executable, __file__, "--child", "--channels", a.channels, "--masses", a.masses,
                       "--events", str(a.events), "--repeat", str(a.repeat)]
            runs[label].append(json.loads(subprocess.run(command, env=env, check=True, capture_output=True,
                                                         text=True).stdout.splitlines()[-1]))
    out = {}
    for name in channels:
        for mass in runs["this"][0][name]:
            best = min(r[name][mass][0] for r in runs["this"])
            out[f"{name} {mass} GeV: us per event, attempts"] = f"{best:7.2f}   {runs['this'][0][name][mass][1]:6.2f}"
            if runs["baseline"]:
                base = min(r[name][mass][0] for r in runs["baseline"])
                out[f"{name} {mass} GeV: baseline, ratio"] = (
                    f"{base:7.2f}   {runs['baseline'][0][name][mass][1]:6.2f}   {base / best:5.2f}x")
    report(out, a.json)


if __name__ == "__main__":
    main()
