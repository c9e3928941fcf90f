"""The efficiency job: a channel at a list of masses, through detector, trigger and selection.

For every mass point, events numbered 0..N-1 are generated in chunks; each event's randomness
depends only on (seed, event number, stage), so the numbers do not depend on the chunk size or
the thread count. Efficiencies are fractions of *generated* events (the generated phase space is
recorded), so that a yield is cross_section_fb x luminosity x efficiency x branching fraction.

The trigger is the analysis's own (its paper's logic over lines and input bits), or one the
user gives; the efficiency counts events that pass the offline selection AND fire it. Beside it
each point records the trigger efficiency on generated events, on selected events (the number
the papers measure), each line's efficiency on selected events and what each line of the
trigger alone contributes.
"""

from dataclasses import dataclass

import numpy as np

from belle2sim import _jit, warmup
from belle2sim.canned import select_canned
from belle2sim.chunk_threads import job_tasks, map_tasks
from belle2sim.maps import Counter
from belle2sim.simulate import add_trigger, simulate_detector
from belle2sim.trigger.analysis import is_or_of_lines, or_terms_packed, resolve, trigger_terms

TRIGGER = "trigger"


def _defined(x):
    """JSON has no NaN: an undefined fraction (no selected events) is null."""
    return None if x != x else x

SELECTED = "offline selection"
TOTAL = "selection and trigger"


@dataclass
class PointResult:
    params: dict
    n_generated: int
    counter: Counter
    cut_flow: list
    lines: list
    trigger_lines: list
    cross_section_fb: float
    branching_fraction: float

    def to_dict(self, scan_parameter):
        c = self.counter
        eff, err, (lo, hi) = c.efficiency(TOTAL)
        trig, trig_err, _ = c.efficiency(TRIGGER)
        sel_trig, sel_trig_err = c.ratio(TOTAL, SELECTED)
        total, total2 = c._sums(None)
        lifetime = {}
        if "ctau_cm" in self.params:
            lifetime = {"ctau_cm": self.params["ctau_cm"],
                        "lifetime_from": self.params.get("lifetime_from", "model"),
                        "n_effective": total * total / total2 if total2 > 0 else 0.0}
        return {
            scan_parameter: self.params[scan_parameter],
            **lifetime,
            "n_generated": self.n_generated,
            "efficiency": eff,
            "efficiency_err": err,
            "efficiency_interval_68": [lo, hi],
            "selection_efficiency": c.efficiency(SELECTED)[0],
            "trigger_efficiency": trig,
            "trigger_efficiency_err": trig_err,
            "trigger_efficiency_selected": _defined(sel_trig),
            "trigger_efficiency_selected_err": _defined(sel_trig_err),
            "lines": {name: c.efficiency("line " + name)[0] for name in self.lines},
            "lines_selected": {name: _defined(c.ratio("selected line " + name, SELECTED)[0]) for name in self.lines},
            "lines_unique": {name: _defined(c.ratio("unique " + name, SELECTED)[0]) for name in self.trigger_lines},
            "cut_flow": {name: c.efficiency(name)[0] for name in self.cut_flow},
            "cross_section_fb": self.cross_section_fb,
            "branching_fraction": self.branching_fraction,
            "parameters": dict(self.params),
        }


class PointJob:
    """One parameter point of a scan, runnable in pieces: :meth:`run_range` simulates events
    [first, last) into a counter (any process, any order; counters merge exactly), :meth:`results`
    turns the merged counter into PointResults.

    ``analysis``: an Analysis of the channel (None: its default); ``trigger``: an AnalysisTrigger
    replacing the analysis's; ``period``: the trigger-calibration preset (None: the analysis's
    period, else the card's default). A channel with a long-lived particle decays it in flight at
    the model's c tau, or at each of ``lifetimes_cm`` (one sample, reweighted: propagation.py)."""

    def __init__(self, channel, params, card, menu, seed, analysis=None, trigger=None, period=None,
                 lifetimes_cm=None):
        from belle2sim.trigger.analysis import AnalysisTrigger

        self.channel, self.params, self.card, self.menu, self.seed = channel, params, card, menu, seed
        self.analysis = analysis or channel.analysis()
        self.trigger = trigger or AnalysisTrigger(self.analysis.trigger, self.analysis.trigger_source)
        self.period = period or self.analysis.period
        self.ast, trigger_lines = resolve(self.trigger, menu)
        self.trigger_lines = tuple(trigger_lines)
        self._unique_labels = ["unique " + name for name in self.trigger_lines]
        self._or_trigger = is_or_of_lines(self.ast, self.trigger_lines)
        self.llp = channel.long_lived_pdg
        if lifetimes_cm is not None and self.llp is None:
            from belle2sim.errors import ParameterError

            raise ParameterError(f"channel {channel.name} has no long-lived particle: --ctau does not apply")
        self.lifetimes_cm = None if lifetimes_cm is None else [float(x) for x in lifetimes_cm]
        self.model_ctau = float(channel.ctau_cm(params, card)) if self.llp is not None else None
        self.others = tuple(channel.other_long_lived(params, card)) if channel.other_long_lived else ()

    def new_counter(self):
        from belle2sim.maps import LifetimeCounter

        return LifetimeCounter(len(self.lifetimes_cm)) if self.lifetimes_cm is not None else Counter()

    def run_range(self, first_event, last_event, chunk_size, counter, progress=None):
        """Simulate events [first_event, last_event) in chunks into ``counter``; returns the cut
        names. With several threads each takes whole chunks into a counter of its own, merged here
        (exactly: belle2sim/chunk_threads.py)."""
        threads = _jit.threads_here()
        lead, tasks = job_tasks(first_event, last_event, chunk_size, threads)
        cut_names = None
        if lead is not None:
            # here, its kernels shared over the threads: a point's pilot run, ISR table, decay
            # pools and first compilations are made once, not by every thread at once
            first, n = lead
            cut_names = self._chunk(first, n, counter)
            if progress is not None:
                progress(n)
        for (_, n), (part, cut_names) in map_tasks(self._chunk_apart, tasks, threads):
            counter.merge(part)
            if progress is not None:
                progress(n)
        return cut_names

    def _chunk_apart(self, task):
        """(counter, cut names) of one task of events, counted apart (for a thread of its own)."""
        part = self.new_counter()
        return part, self._chunk(*task, part)

    def _chunk(self, first, n, counter):
        return self._process(self.channel.generate(self.seed, first, n, self.params, self.card), counter)

    def _process(self, batch, counter, chunk=None):
        """Count one batch; ``chunk``: its detector and trigger result when already simulated (events
        from a file, shared by the points of a scan of a channel without a long-lived particle)."""
        from belle2sim import propagation

        params, card, seed = self.params, self.card, self.seed
        lifetimes_cm = self.lifetimes_cm
        lifetime_axis = lifetimes_cm is not None
        n = len(batch)
        if self.llp is not None and chunk is None:
            others = self.others
            if lifetime_axis:
                ell = propagation.propagate(batch, self.llp, card, seed, reference_cm=lifetimes_cm, others=others)
                if np.all(batch.weight == 1.0):
                    counter.begin_chunk_fixed(*propagation.fixed_point_weights(
                        ell, lifetimes_cm, lifetimes_cm, counter.SCALE, counter.SCALE2))
                else:
                    counter.begin_chunk(propagation.lifetime_weights(ell, lifetimes_cm, lifetimes_cm) * batch.weight)
            else:
                propagation.propagate(batch, self.llp, card, seed, ctau_cm=self.model_ctau, others=others)
        if chunk is None:
            # (a first run: its selection's kernels compile while the helper compiles the detector's)
            warmup.compile_ahead(("selection", self.channel.name, self.analysis.key),
                                 warmup.selection_ahead(self._select_canned))
            menu = self.menu  # (then the trigger's jobs the helper has not claimed: warmup.take_trigger_jobs)
            warmup.compile_ahead(("trigger", id(menu)), lambda: warmup.take_trigger_jobs(card, menu))
            chunk = simulate_detector(batch, card, seed)
        warmup.wait_for_detector_compile(warmup.SELECTION_JOB)  # (a first run whose helpers compile it)
        # the selection before the trigger, which it does not read: on a first run this process
        # compiles the selection's kernels while the helper process still compiles the trigger's
        cuts = self.analysis.select(batch, chunk, card, params)
        if chunk.bits is None:
            add_trigger(chunk, batch, card, self.menu, seed, self.period)
        w = batch.weight
        counter.add_total(w)
        packed_terms = self._or_trigger and not lifetime_axis
        if packed_terms:  # (every analysis's trigger: the events each line fires alone stay packed)
            fired, alone_rows = or_terms_packed(self.trigger_lines, chunk.psnm)
            fired = np.unpackbits(fired, count=n).view(np.bool_)
        else:
            fired, unique = trigger_terms(self.ast, self.trigger_lines, chunk.bits, chunk.psnm)
        passed = np.ones(n, dtype=np.bool_)
        for name, mask in cuts.items():
            passed &= mask
            counter.add(name, passed, w)
        names = chunk.ftdl.names()
        labels, selected_labels = self._line_labels(names)
        if lifetime_axis:  # every line at every c tau: integer sums over the packed lines
            counter.add_packed(labels, chunk.ftdl.stacked(names, copy=False))
            counter.add_packed(selected_labels, chunk.psnm.stacked(names, copy=False), np.packbits(passed))
        else:  # all lines at once on the packed bits, read in place (no per-line pass over the events)
            counter.add_lines(labels, *chunk.ftdl.matrix_rows(names), w)
            counter.add_lines(selected_labels, *chunk.psnm.matrix_rows(names), w, passed)
        if packed_terms:
            counter.add_lines(self._unique_labels, alone_rows, np.arange(len(alone_rows)), w, passed)
        else:
            for name, alone in unique.items():
                counter.add("unique " + name, passed & alone, w)
        counter.add(TRIGGER, fired, w)
        counter.add(SELECTED, passed, w)
        counter.add(TOTAL, passed & fired, w)
        return list(cuts)

    def _select_canned(self):
        """The selection on canned events with empty detector output: compiles its kernels."""
        return select_canned(self.analysis, self.card, self.params, self.seed)

    def _line_labels(self, names):
        """The counter's labels of the lines ``names`` and of the selected events firing them,
        made once per set of lines (not per chunk)."""
        made = getattr(self, "_labels", None)
        if made is None or (made[0] is not names and made[0] != names):
            made = (names, ["line " + name for name in names], ["selected line " + name for name in names])
            self._labels = made  # (one store: threads taking chunks see one set or the other)
        return made[1], made[2]

    def results(self, counter, cut_names, n_events):
        """PointResult (a list of them, one per c tau, on a lifetime axis) from a merged counter."""
        channel, params, card = self.channel, self.params, self.card

        def result(point_params, point_counter):
            return PointResult(
                params=point_params, n_generated=n_events, counter=point_counter,
                cut_flow=cut_names + [TOTAL], lines=list(self.menu.lines), trigger_lines=list(self.trigger_lines),
                cross_section_fb=float(channel.cross_section_fb(params, card)),
                branching_fraction=float(channel.branching_fraction(params, card)),
            )

        if self.lifetimes_cm is not None:
            return [result({**params, "ctau_cm": ct, "lifetime_from": "reweighted"}, counter.view(k))
                    for k, ct in enumerate(self.lifetimes_cm)]
        if self.llp is not None:
            return result({**params, "ctau_cm": self.model_ctau, "lifetime_from": "model"}, counter)
        return result(params, counter)


def run_point(channel, params, card, menu, n_events, seed, chunk_size=100_000, progress=None,
              analysis=None, trigger=None, period=None, lifetimes_cm=None):
    """Simulate one parameter point in this process; returns a PointResult, or with
    ``lifetimes_cm`` a list of them, one per proper decay length (see :class:`PointJob`)."""
    job = PointJob(channel, params, card, menu, seed, analysis, trigger, period, lifetimes_cm)
    counter = job.new_counter()
    cut_names = job.run_range(0, n_events, chunk_size, counter, progress)
    return job.results(counter, cut_names, n_events)


def run_scan(channel, scan_values, overrides, card, menu, n_events, seed, chunk_size=100_000,
             progress=None, analysis=None, trigger=None, period=None, lifetimes_cm=None, client=None,
             threads=1):
    """All points of a scan (with ``lifetimes_cm``: mass x lifetime, mass-major); parameters are
    validated for every point before anything runs. With a dask.distributed ``client`` the
    points' event ranges run as tasks on its workers (belle2sim/distributed.py), with identical
    numbers."""
    analysis = analysis or channel.analysis()
    points = [channel.resolve_parameters({**overrides, channel.scan_parameter: value}, card, analysis.key)
              for value in scan_values]
    if client is not None:
        from belle2sim.distributed import run_jobs

        jobs = [PointJob(channel, p, card, menu, seed, analysis, trigger, period, lifetimes_cm) for p in points]
        per_point = run_jobs(client, jobs, n_events, chunk_size, progress, threads=threads)
    else:
        per_point = [run_point(channel, p, card, menu, n_events, seed, chunk_size, progress, analysis, trigger,
                               period, lifetimes_cm) for p in points]
    results = []
    for r in per_point:
        results.extend(r if isinstance(r, list) else [r])
    return results


def scan_document(channel, results, card, menu, seed, n_events, overrides, analysis=None, trigger=None,
                  period=None):
    """The JSON-ready description of a scan (see README for the layout)."""
    from belle2sim import __version__
    from belle2sim.trigger.analysis import AnalysisTrigger

    analysis = analysis or channel.analysis()
    trigger = trigger or AnalysisTrigger(analysis.trigger, analysis.trigger_source)
    first = results[0].params
    return {
        "belle2sim_version": __version__,
        "channel": channel.name,
        "description": channel.description,
        "reference": channel.reference,
        "analysis": analysis.key,
        "analysis_title": analysis.title,
        "signal_window": analysis.window,
        "not_modelled": list(analysis.not_modelled),
        "trigger": trigger.to_dict(),
        "trigger_calibration_period": card.resolve_period(period or analysis.period),
        "seed": seed,
        "events_per_point": n_events,
        "detector_card": {"file": str(card.path), "sha256": card.sha256},
        "trigger_menu": {"file": str(menu.path), "sha256": menu.sha256,
                         "unprescaled_lines": menu.unprescaled()},
        "sqrt_s_GeV": card.beams.sqrt_s_GeV,
        "coupling": channel.couplings(first),
        "phase_space": channel.phase_space(first),
        "cross_section": channel.cross_section_kind(first),
        "parameters_set": dict(overrides),
        "long_lived": None if channel.long_lived_pdg is None else {
            "pdg": channel.long_lived_pdg,
            "decays_outside": "a decay beyond the ECL inner surface (r > barrel radius or z outside the endcap "
                              "planes) leaves only the invisible long-lived particle; such events count as "
                              "generated and fail any selection that needs its decay products",
            "lifetime_axis": "ctau_cm per point; 'reweighted': one sample per mass, exact lifetime weights "
                             "(propagation.py), uncertainties from n_effective"},
        "units": {"mass_GeV": "GeV", "cross_section_fb": "fb", "ctau_cm": "cm", "efficiency": "fraction of generated events",
                  "trigger_efficiency_selected": "fraction of events passing the offline selection"},
        "points": [r.to_dict(channel.scan_parameter) for r in results],
    }
