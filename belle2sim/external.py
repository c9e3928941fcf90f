"""A built-in channel's selection and trigger on events from a file (``efficiency --input``).

The file's events go through the same propagation (if the channel has a long-lived particle),
detector, trigger and the channel's analysis as the channel's own events; one pass over the file per
scanned value (the mass hypothesis sets the signal windows). Efficiencies are fractions of the
file's events; the cross section is the one the file states (LHE init XSECUP, HepMC
GenCrossSection), else null; the branching fraction is 1 (the file's events carry their decays).
"""

from belle2sim.errors import ParameterError


def run_input(path, channel, scan_values, overrides, card, menu, seed, chunk_size=100_000, progress=None,
              analysis=None, trigger=None, period=None, lifetimes_cm=None, max_events=None):
    """(results, SourceInfo) for the file ``path`` under ``channel``'s analysis."""
    from belle2sim.inputs import open_events
    from belle2sim.scan import PointJob

    analysis = analysis or channel.analysis()
    if analysis.needs_generator_layout:
        raise ParameterError(f"the {analysis.key} selection of {channel.name} picks truth-matched candidates from "
                             f"belle2sim's own event layout: it cannot run on events from a file")
    points = [channel.resolve_parameters({**overrides, channel.scan_parameter: v}, card, analysis.key)
              for v in scan_values]
    results, info = [], None
    for params in points:
        job = PointJob(channel, params, card, menu, seed, analysis, trigger, period, lifetimes_cm)
        source = open_events(path, card, chunk_size, seed, max_events)
        counter = job.new_counter()
        cut_names = job.run_source(source, counter, progress)
        info = source.info
        out = job.results(counter, cut_names, info.n_events)
        for r in out if isinstance(out, list) else [out]:
            r.cross_section_fb = None if info.cross_section_pb is None else 1e3 * info.cross_section_pb
            r.branching_fraction = 1.0
            results.append(r)
    return results, info
