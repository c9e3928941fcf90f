"""The efficiency job: a channel at a list of masses, through detector, trigger and selection.

For every mass point, events numbered 0..N-1 are generated in chunks; each event's randomness
depends only on (seed, event number, stage), so the numbers do not depend on the chunk size or
the thread count. Efficiencies are fractions of *generated* events (the generated phase space is
recorded), so that a yield is cross_section_fb x luminosity x efficiency x branching fraction.
"""

from dataclasses import dataclass

import numpy as np

from belle2sim.maps import Counter
from belle2sim.simulate import simulate_chunk

TRIGGER = "trigger (OR of unprescaled lines)"
TOTAL = "selection and trigger"


@dataclass
class PointResult:
    params: dict
    n_generated: int
    counter: Counter
    cut_flow: list
    lines: list
    cross_section_fb: float
    branching_fraction: float

    def to_dict(self, scan_parameter):
        eff, err, (lo, hi) = self.counter.efficiency(TOTAL)
        trig, trig_err, _ = self.counter.efficiency(TRIGGER)
        return {
            scan_parameter: self.params[scan_parameter],
            "n_generated": self.n_generated,
            "efficiency": eff,
            "efficiency_err": err,
            "efficiency_interval_68": [lo, hi],
            "trigger_efficiency": trig,
            "trigger_efficiency_err": trig_err,
            "lines": {name: self.counter.efficiency("line " + name)[0] for name in self.lines},
            "cut_flow": {name: self.counter.efficiency(name)[0] for name in self.cut_flow},
            "cross_section_fb": self.cross_section_fb,
            "branching_fraction": self.branching_fraction,
            "parameters": dict(self.params),
        }


def run_point(channel, params, card, menu, n_events, seed, chunk_size=100_000, progress=None):
    """Simulate one parameter point; returns a PointResult."""
    counter = Counter()
    unprescaled = menu.unprescaled()
    cut_names = None
    for first in range(0, n_events, chunk_size):
        n = min(chunk_size, n_events - first)
        batch = channel.generate(seed, first, n, params, card)
        chunk = simulate_chunk(batch, card, menu, seed)
        w = batch.weight
        counter.add_total(w)
        trig = np.zeros(n, dtype=np.bool_)
        for name in unprescaled:
            trig |= chunk.psnm[name]
        for name, fired in chunk.ftdl.items():
            counter.add("line " + name, fired, w)
        cuts = channel.select(batch, chunk, card, params)
        cut_names = list(cuts)
        passed = np.ones(n, dtype=np.bool_)
        for name, mask in cuts.items():
            passed &= mask
            counter.add(name, passed, w)
        counter.add(TRIGGER, trig, w)
        counter.add(TOTAL, passed & trig, w)
        if progress is not None:
            progress(n)
    return PointResult(
        params=params, n_generated=n_events, counter=counter,
        cut_flow=cut_names + [TOTAL], lines=list(menu.lines),
        cross_section_fb=float(channel.cross_section_fb(params, card)),
        branching_fraction=float(channel.branching_fraction(params, card)),
    )


def run_scan(channel, scan_values, overrides, card, menu, n_events, seed, chunk_size=100_000,
             progress=None):
    """All points of a scan; parameters are validated for every point before anything runs."""
    points = []
    for value in scan_values:
        points.append(channel.resolve_parameters({**overrides, channel.scan_parameter: value}, card))
    return [run_point(channel, p, card, menu, n_events, seed, chunk_size, progress) for p in points]


def scan_document(channel, results, card, menu, seed, n_events, overrides):
    """The JSON-ready description of a scan (see README for the layout)."""
    from belle2sim import __version__

    first = results[0].params
    return {
        "belle2sim_version": __version__,
        "channel": channel.name,
        "description": channel.description,
        "reference": channel.reference,
        "seed": seed,
        "events_per_point": n_events,
        "detector_card": {"file": str(card.path), "sha256": card.sha256},
        "trigger_menu": {"file": str(menu.path), "sha256": menu.sha256,
                         "unprescaled_lines": menu.unprescaled()},
        "sqrt_s_GeV": card.beams.sqrt_s_GeV,
        "coupling": channel.couplings(first),
        "phase_space": channel.phase_space(first),
        "parameters_set": dict(overrides),
        "units": {"mass_GeV": "GeV", "cross_section_fb": "fb", "efficiency": "fraction of generated events"},
        "points": [r.to_dict(channel.scan_parameter) for r in results],
    }
