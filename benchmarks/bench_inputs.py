"""External events and Standard Model samples (run: python benchmarks/bench_inputs.py).

  1. reading HepMC3 and LHE files of zprime-mumu events into EventBatch chunks, events/s;
  2. Pythia 8 q qbar generation vs belle2sim's detector + trigger on the same events: the
     detector's cost as a fraction of Pythia's generation time (target under 2 %), one thread
     against Pythia's one core (core time against core time; the fastest of 3), and on all threads;
  3. a full `belle2sim rates` at the default statistics (9 processes x 100k events), wall time.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import best_time, report  # noqa: E402

from belle2sim.channels import get  # noqa: E402
from belle2sim.detector.card import load_card  # noqa: E402
from belle2sim.inputs import open_events  # noqa: E402
from belle2sim.inputs.pythia_sm import PythiaSample  # noqa: E402
from belle2sim.output.hepmc_writer import write_hepmc  # noqa: E402
from belle2sim.simulate import simulate_chunk  # noqa: E402
from belle2sim.trigger.menu import load_menu  # noqa: E402


def _lhe_text(batches):
    out = ["<LesHouchesEvents version=\"3.0\">", "<init>", "11 -11 7.0 4.0 0 0 0 0 3 1", "1.0 0.0 1.0 1", "</init>"]
    for b in batches:
        for i in range(len(b)):
            rows = range(b.offsets[i], b.offsets[i + 1])
            out.append("<event>")
            out.append(f"{len(rows)} 1 1.0 10.58 0.0078 0.118")
            for j in rows:
                st = -1 if b.status[j] == 4 else int(b.status[j])
                mother = b.parent[j] + 1 if b.parent[j] >= 0 else (0 if st == -1 else 1)
                m = np.sqrt(max(b.E[j] ** 2 - b.px[j] ** 2 - b.py[j] ** 2 - b.pz[j] ** 2, 0.0))
                out.append(f"{b.pdg[j]} {st} {mother} 0 0 0 {b.px[j]:.10e} {b.py[j]:.10e} {b.pz[j]:.10e} "
                           f"{b.E[j]:.10e} {m:.10e} 0 9")
            out.append("</event>")
    out.append("</LesHouchesEvents>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--skip-rates", action="store_true")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    card, menu = load_card(), load_menu()
    out = {}
    ch = get("zprime-mumu")
    params = ch.resolve_parameters({"mass_GeV": 2.0}, card)
    batches = [ch.generate(1, f, 10_000, params, card) for f in range(0, a.events, 10_000)]
    with tempfile.TemporaryDirectory() as tmp:
        write_hepmc(batches, Path(tmp) / "e.hepmc3")
        (Path(tmp) / "e.lhe").write_text(_lhe_text(batches))
        for fmt in ("hepmc3", "lhe"):
            t = time.perf_counter()
            n = sum(len(b) for b in open_events(Path(tmp) / f"e.{fmt}", card, chunk_size=10_000))
            out[f"read {fmt} [events/s]"] = n / (time.perf_counter() - t)
    sample = PythiaSample("qqbar", card)
    sample.generate(1, 0, 500)
    # Pythia's own generation: next() per event (re-seeded per event as the sample does), and
    # with belle2sim's conversion of the event record into an EventBatch
    t = time.perf_counter()
    for number in range(a.events):
        sample.pythia.rndm.init(1 + number)
        sample.pythia.next()
    gen = time.perf_counter() - t
    t = time.perf_counter()
    qq = sample.generate(1, 0, a.events)
    gen_converted = time.perf_counter() - t
    det_all = best_time(lambda: simulate_chunk(qq, card, menu, 1), 3)
    numba.set_num_threads(1)
    det = best_time(lambda: simulate_chunk(qq, card, menu, 1), 3)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    out["pythia q qbar generation, next() alone [events/s]"] = a.events / gen
    out["pythia q qbar generation + conversion [events/s]"] = a.events / gen_converted
    out["detector + trigger on q qbar, one thread [events/s]"] = a.events / det
    out[f"detector + trigger on q qbar, {numba.config.NUMBA_NUM_THREADS} threads [events/s]"] = a.events / det_all
    out["particles per q qbar event"] = qq.n_particles / len(qq)
    out["detector cost / Pythia generation, one thread / one core [%]"] = 100 * det / gen
    out["detector cost / (generation + conversion), one thread / one core [%]"] = 100 * det / gen_converted
    if not a.skip_rates:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "belle2sim.cli", "rates", "-q"], check=True, capture_output=True)
        out["belle2sim rates at defaults (9 x 100k events) [s]"] = time.perf_counter() - t
    report(out, a.json)


if __name__ == "__main__":
    main()
