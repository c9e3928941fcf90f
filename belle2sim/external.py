"""A built-in channel's selection and trigger on events from a file (``efficiency --input``).

The file's events go through the same propagation (if the channel has a long-lived particle),
detector, trigger and the channel's analysis as the channel's own events. The file is read once;
each chunk's detector response serves every scanned value (the mass hypothesis only sets the
signal windows), except for channels with a long-lived particle, whose decays depend on the point. Efficiencies are fractions of the
file's events; the cross section is the one the file states (LHE init XSECUP, HepMC
GenCrossSection), else null; the branching fraction is 1 (the file's events carry their decays).
"""

import copy

from belle2sim.errors import ParameterError


def run_input(path, channel, scan_values, overrides, card, menu, seed, chunk_size=100_000, progress=None,
              analysis=None, trigger=None, period=None, lifetimes_cm=None, max_events=None):
    """(results, SourceInfo) for the file ``path`` under ``channel``'s analysis."""
    from belle2sim.inputs import open_events
    from belle2sim.scan import PointJob
    from belle2sim.simulate import simulate_chunk

    analysis = analysis or channel.analysis()
    if analysis.needs_generator_layout:
        raise ParameterError(f"the {analysis.key} selection of {channel.name} picks truth-matched candidates from "
                             f"belle2sim's own event layout: it cannot run on events from a file")
    points = [channel.resolve_parameters({**overrides, channel.scan_parameter: v}, card, analysis.key)
              for v in scan_values]
    jobs = [PointJob(channel, params, card, menu, seed, analysis, trigger, period, lifetimes_cm) for params in points]
    counters = [job.new_counter() for job in jobs]
    cut_names = [None] * len(jobs)
    source = open_events(path, card, chunk_size, seed, max_events)
    for batch in source:  # one pass over the file for every point
        if channel.long_lived_pdg is None:  # the same detector response for every mass hypothesis
            shared = simulate_chunk(batch, card, menu, seed, jobs[0].period)
            for k, job in enumerate(jobs):
                cut_names[k] = job._process(batch, counters[k], shared)
        else:  # decays in flight depend on the point: each its own copy
            for k, job in enumerate(jobs):
                cut_names[k] = job._process(copy.deepcopy(batch), counters[k])
        if progress is not None:
            progress(len(batch))
    info = source.info
    results = []
    for job, counter, names in zip(jobs, counters, cut_names):
        out = job.results(counter, names, info.n_events)
        for r in out if isinstance(out, list) else [out]:
            r.cross_section_fb = None if info.cross_section_pb is None else 1e3 * info.cross_section_pb
            r.branching_fraction = 1.0
            results.append(r)
    return results, info
