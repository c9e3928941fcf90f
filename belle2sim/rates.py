"""L1 rates of a menu: Standard Model processes through the detector and the trigger.

For each process (built-in tree-level generators, generators/qed.py, taus decayed by the Pythia 8
bank; q qbar from Pythia 8, inputs/pythia_sm.py; B Bbar with Pythia 8 B decays, generators/bbbar.py;
two-photon lepton and quark pairs from Pythia 8's photon fluxes, or lepton pairs inside Iwasaki's
cuts from the built-in equivalent-photon generator, generators/two_photon.py)
N events are simulated; a line's rate is sum over processes of sigma x L x (fraction of
events that fire it after prescale), its statistical error the binomial one; its unique rate counts
events that no other line fires (what dropping it would save); the overlap matrix holds the rate
of events firing both lines; the total L1 rate is the rate of events that fire any line. Compare
with Iwasaki et al., IEEE TNS (2011) Table I (data sheet sec. 7a).

Not simulated (said in the output): beam-induced background (the dominant L1 rate in practice),
two-photon hadron production below W = 2 GeV (gamma gamma -> pi pi, resonances) and through resolved
photons: the total is a lower bound on the physics rate.
"""

from dataclasses import dataclass

import numpy as np

BUDGET_HZ = 30_000.0  # Belle II L1 output budget (data sheet; Iwasaki et al. 2011)
FB_TO_CM2 = 1e-39
THETA_RANGE_DEG = (10.0, 170.0)  # c.m. generation range: covers the ECL acceptance (12.4-155.1 deg lab)
# two-photon processes through Pythia 8's photon fluxes (inputs/pythia_sm.py): every event with
# pT-hat > 0.1 GeV, whatever the lepton angles (12.2 + 7.7 kHz of lepton pairs at 6e35 with the shipped
# menu). The built-in twophoton-ee / twophoton-mumu (generators/two_photon.py) make only events with both
# leptons in Iwasaki's cuts (pT > 0.1 GeV, 17-150 deg: 31.4 + 14.6 nb, as Pythia gives there, tests/
# test_two_photon.py), so their rate (3.9 + 3.1 kHz) misses the events with a lepton outside: optional
DEFAULT_PROCESSES = ("bhabha", "gammagamma", "mumu", "tautau", "qqbar", "bbbar",
                     "twophoton-ee-pythia", "twophoton-mumu-pythia", "twophoton-qqbar-pythia")
TWO_PHOTON = {"twophoton-ee": 11, "twophoton-mumu": 13}
OTHER_PROCESSES = ("bbbar",) + tuple(TWO_PHOTON)
IWASAKI_HZ_AT_8E35 = {"bhabha": "350 (after a 1/100 prescale)", "gammagamma": "19 (after a 1/100 prescale)",
                      "mumu": "640", "tautau": "640", "qqbar": "2200 (2.8 nb continuum)", "bbbar": "960 (1.2 nb)",
                      "twophoton-ee": "~15000 (all two-photon, ~80 nb)", "twophoton-mumu": "~15000 (all two-photon)",
                      "twophoton-qqbar-pythia": "~15000 (all two-photon)", "tautau-pythia": "640",
                      "twophoton-ee-pythia": "~15000 (all two-photon)",
                      "twophoton-mumu-pythia": "~15000 (all two-photon)",
                      "mumu-pythia": "640"}
NOT_SIMULATED = ("beam-induced background",
                 "two-photon hadron production below W = 2 GeV, through resonances or resolved photons",
                 "radiative corrections of the built-in two-body processes (Born cross sections)")


def generation_cuts(process):
    """Where a process's events (and its cross section) are generated, in words."""
    from belle2sim.generators import qed, two_photon

    if process in qed.PROCESSES:
        return f"{THETA_RANGE_DEG[0]:g}-{THETA_RANGE_DEG[1]:g} deg in the c.m."
    lo, hi = two_photon.THETA_RANGE_DEG
    if process in TWO_PHOTON:
        return f"both leptons at pT > {two_photon.MIN_PT_GeV:g} GeV in {lo:g}-{hi:g} deg (lab)"
    if process.startswith("twophoton-"):
        return (f"gamma gamma c.m.: pT-hat > {two_photon.MIN_PT_GeV:g} GeV (quark pairs: W > 2 GeV), "
                f"photon Q2 < {two_photon.Q2_MAX_GeV2:g} GeV^2")
    return "full phase space"


@dataclass
class ProcessCounts:
    name: str
    cross_section_fb: float
    n_generated: int
    fired: np.ndarray      # per line
    unique: np.ndarray     # per line: fired and no other line
    overlap: np.ndarray    # line x line
    any_line: int


class _Source:
    """Chunks of a process's events and its cross section (built-in tree level, or Pythia 8)."""

    def __init__(self, process, card):
        from belle2sim.generators import qed
        from belle2sim.inputs import pythia_sm

        if process not in qed.PROCESSES and process not in pythia_sm.PROCESSES and process not in OTHER_PROCESSES:
            raise ValueError(f"unknown process {process!r}")
        self.process, self.card = process, card
        self.pythia = pythia_sm.PythiaSample(process, card) if process in pythia_sm.PROCESSES else None

    def events(self, n, seed, chunk_size):
        from belle2sim.generators import qed, tau_decays

        for first in range(0, n, chunk_size):
            m = min(chunk_size, n - first)
            if self.pythia is not None:
                yield self.pythia.generate(seed, first, m)
                continue
            if self.process == "bbbar":
                from belle2sim.generators import bbbar

                yield bbbar.generate(seed, first, m, self.card)
                continue
            if self.process in TWO_PHOTON:
                from belle2sim.generators import two_photon

                yield two_photon.generate(seed, first, m, self.card, TWO_PHOTON[self.process])
                continue
            batch = qed.generate(seed, first, m, self.card.beams, self.process, *THETA_RANGE_DEG)
            if self.process == "tautau":
                batch = tau_decays.decay_taus(batch, seed)
            yield batch

    def cross_section_fb(self):
        from belle2sim.generators import qed

        if self.pythia is not None:
            return self.pythia.cross_section_fb()
        if self.process == "bbbar":
            from belle2sim.generators import bbbar

            return bbbar.SIGMA_FB
        if self.process in TWO_PHOTON:
            from belle2sim.generators import two_photon

            return two_photon.pilot(self.card, TWO_PHOTON[self.process])[0]
        return qed.cross_section_fb(self.card.beams.s_GeV2, self.process, *THETA_RANGE_DEG)


def count_process(process, card, menu, n_events, seed=1, chunk_size=100_000, progress=None):
    from belle2sim.simulate import simulate_chunk

    names = list(menu.lines)
    fired = np.zeros(len(names), dtype=np.int64)
    unique = np.zeros(len(names), dtype=np.int64)
    overlap = np.zeros((len(names), len(names)), dtype=np.int64)
    any_line = 0
    source = _Source(process, card)
    for batch in source.events(n_events, seed, chunk_size):
        chunk = simulate_chunk(batch, card, menu, seed)
        m = np.column_stack([chunk.psnm[name] for name in names]).astype(np.float32)
        fired += m.sum(axis=0).astype(np.int64)
        n_fired = m.sum(axis=1)
        unique += m[n_fired == 1].sum(axis=0).astype(np.int64)
        overlap += np.rint(m.T @ m).astype(np.int64)  # counts below 2^24 per chunk: exact in float32
        any_line += int(np.count_nonzero(n_fired))
        if progress:
            progress(len(batch))
    sigma = source.cross_section_fb()
    return ProcessCounts(process, float(sigma), n_events, fired, unique, overlap, any_line)


def rate_document(counts, menu, lumi_cm2s):
    """The JSON-ready rate table (layout in the issue: lines, processes, total, overlaps)."""
    names = list(menu.lines)
    line_rate = np.zeros(len(names))
    line_var = np.zeros(len(names))
    unique_rate = np.zeros(len(names))
    overlap = np.zeros((len(names), len(names)))
    total = total_var = 0.0
    processes, process_rates = {}, {}
    for c in counts:
        scale = c.cross_section_fb * FB_TO_CM2 * lumi_cm2s / c.n_generated  # Hz per simulated event
        f = c.fired / c.n_generated
        line_rate += scale * c.fired
        line_var += (scale * c.n_generated) ** 2 * f * (1 - f) / c.n_generated
        unique_rate += scale * c.unique
        overlap += scale * c.overlap
        a = c.any_line / c.n_generated
        process_rates[c.name] = scale * c.any_line
        total += scale * c.any_line
        total_var += (scale * c.n_generated) ** 2 * a * (1 - a) / c.n_generated
        processes[c.name] = {"cross_section_nb": c.cross_section_fb * 1e-6, "n_generated": c.n_generated,
                             "generated": generation_cuts(c.name),
                             "iwasaki_2011_Hz_at_8e35": IWASAKI_HZ_AT_8E35.get(c.name)}
    active = [k for k in range(len(names)) if line_rate[k] > 0]
    return {
        "lumi_cm2s": lumi_cm2s,
        "menu": {"file": str(menu.path), "sha256": menu.sha256},
        "processes": processes,
        "lines": {names[k]: {"rate_Hz": float(line_rate[k]), "rate_err_Hz": float(np.sqrt(line_var[k])),
                             "unique_rate_Hz": float(unique_rate[k]), "prescale": menu.lines[names[k]].prescale}
                  for k in range(len(names))},
        "overlap_Hz": {"lines": [names[k] for k in active],
                       "rate_Hz": [[float(overlap[a, b]) for b in active] for a in active]},
        "process_rates_Hz": process_rates,
        "total_rate_Hz": total,
        "total_rate_err_Hz": float(np.sqrt(total_var)),
        "budget_Hz": BUDGET_HZ,
        "not_simulated": list(NOT_SIMULATED),
    }


def rate_table(doc, n_lines=15):
    lines = sorted(doc["lines"].items(), key=lambda kv: -kv[1]["rate_Hz"])
    out = [f"L1 rates at L = {doc['lumi_cm2s']:.3g} cm^-2 s^-1, menu {doc['menu']['file']}", ""]
    out.append(f"{'process':<22} {'sigma [nb]':>10} {'events':>9} {'rate [Hz]':>11}   Iwasaki 2011 at 8e35 [Hz]")
    for name, p in doc["processes"].items():
        out.append(f"{name:<22} {p['cross_section_nb']:>10.4g} {p['n_generated']:>9d} "
                   f"{doc['process_rates_Hz'][name]:>11.4g}   {p['iwasaki_2011_Hz_at_8e35']}")
    out += ["", f"{'line':<12} {'prescale':>8} {'rate [Hz]':>11} {'+-':>8} {'unique [Hz]':>12}"]
    for name, r in lines[:n_lines]:
        if r["rate_Hz"] <= 0:
            break
        out.append(f"{name:<12} {r['prescale']:>8d} {r['rate_Hz']:>11.4g} {r['rate_err_Hz']:>8.2g} "
                   f"{r['unique_rate_Hz']:>12.4g}")
    out += ["", f"total L1 rate {doc['total_rate_Hz']:.4g} +- {doc['total_rate_err_Hz']:.2g} Hz "
            f"({100 * doc['total_rate_Hz'] / doc['budget_Hz']:.1f} % of the {doc['budget_Hz'] / 1e3:.0f} kHz budget)",
            "not simulated (the total is a lower bound): " + "; ".join(doc["not_simulated"])]
    return "\n".join(out)
