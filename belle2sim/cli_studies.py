"""The study commands of the belle2sim CLI: rates, menu comparisons and threshold scans, external
events (simulate) and Standard Model samples (background)."""

import sys

import click

from belle2sim.cli_files import _fail


@click.command()
@click.option("--menu", default=None, help="Trigger menu: a path or a shipped name [belle2_l1].")
@click.option("--detector", default=None, help="Detector card: a path or a shipped name [belle2].")
@click.option("--lumi", type=click.FloatRange(min=0.0, min_open=True), default=6e35, show_default=True,
              help="Instantaneous luminosity in cm^-2 s^-1.")
@click.option("--events", "n_events", type=click.IntRange(1, 10**8), default=100_000, show_default=True,
              help="Events simulated per process.")
@click.option("--processes", default=None,
              help="Comma-separated processes [defaults: bhabha, gammagamma, mumu, tautau, qqbar, bbbar, "
                   "twophoton-ee-pythia, twophoton-mumu-pythia, twophoton-qqbar-pythia]. bhabha, gammagamma, mumu, "
                   "tautau: built-in, tree level; qqbar, mumu-pythia, tautau-pythia: Pythia 8; bbbar: Upsilon(4S), "
                   "Pythia 8 B decays; twophoton-{ee,mumu,qqbar}-pythia: Pythia 8's photon fluxes (pT-hat > 0.1 GeV); "
                   "twophoton-ee, twophoton-mumu: built-in generator, only events with both leptons in 17-150 deg.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True)
@click.option("-o", "--output", default=None, help="Write the rate table as JSON.")
@click.option("--plot", default=None, help="Bar chart of the line rates (FILE.png/.pdf/.svg).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def rates_command(menu, detector, lumi, n_events, processes, seed, output, plot, quiet):
    """L1 rate of a menu from Standard Model processes: per line (after prescale) with its error,
    what each line alone adds, the overlaps, and the total against the 30 kHz budget.

    \b
    Example:
      belle2sim rates --menu my_menu.toml --lumi 6e35 -o rates.json --plot rates.png

    Tree-level Bhabha, gamma gamma, mu mu, tau tau, Pythia 8 q qbar and B Bbar, two-photon lepton and
    quark pairs: beam background and soft two-photon hadron production are not simulated, so the
    total is a lower bound (the output says so)."""
    import json

    from tqdm import tqdm

    from belle2sim import rates
    from belle2sim.detector.card import load_card
    from belle2sim.errors import Belle2SimError
    from belle2sim.generators.qed import PROCESSES as BUILT_IN
    from belle2sim.inputs.pythia_sm import PROCESSES as PYTHIA
    from belle2sim.output.atomic import OutputSet, check_writable
    from belle2sim.trigger.menu import load_menu

    names = list(rates.DEFAULT_PROCESSES) if processes is None else [p.strip() for p in processes.split(",") if p.strip()]
    known = list(BUILT_IN) + list(PYTHIA) + list(rates.OTHER_PROCESSES)
    unknown = [p for p in names if p not in known]
    if unknown or not names:
        _fail(f"--processes: unknown {', '.join(unknown) or 'empty list'} (known: {', '.join(known)})")
    try:
        for path, what in ((output, "-o"), (plot, "--plot")):
            if path:
                check_writable(path, what)
        card, menu_ = load_card(detector), load_menu(menu)
        with tqdm(total=n_events * len(names), unit="ev", unit_scale=True, disable=quiet, file=sys.stderr,
                  desc="rates") as bar:
            counts = [rates.count_process(p, card, menu_, n_events, seed, progress=bar.update) for p in names]
        doc = rates.rate_document(counts, menu_, lumi)
        with OutputSet() as outputs:
            if output:
                outputs.temporary(output).write_text(json.dumps(doc, indent=2) + "\n")
            if plot:
                from belle2sim.output.plots import plot_rates

                plot_rates(doc, outputs.temporary(plot), str(plot))
            outputs.commit()
    except Belle2SimError as exc:
        _fail(exc)
    click.echo(rates.rate_table(doc))


@click.command()
@click.argument("process")
@click.option("--events", "n_events", type=click.IntRange(1, 10**8), default=10_000, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True)
@click.option("--detector", default=None, help="Detector card (its beams): a path or a shipped name [belle2].")
@click.option("-o", "--output", required=True, help="HepMC3 file to write.")
def background_command(process, n_events, seed, detector, output):
    """Write Standard Model events as HepMC3 for reuse elsewhere (SuperKEKB lab frame). PROCESS:
    bhabha, gammagamma, mumu, tautau (tree level, c.m. polar range 10-170 deg) or qqbar,
    mumu-pythia (Pythia 8), bbbar (Upsilon(4S) -> B Bbar, Pythia 8 B decays), twophoton-ee,
    twophoton-mumu (equivalent-photon approximation)."""
    from belle2sim import rates
    from belle2sim.detector.card import load_card
    from belle2sim.errors import Belle2SimError
    from belle2sim.generators.qed import PROCESSES as BUILT_IN
    from belle2sim.inputs.pythia_sm import PROCESSES as PYTHIA
    from belle2sim.output.atomic import check_writable
    from belle2sim.output.hepmc_writer import write_hepmc

    known = list(BUILT_IN) + list(PYTHIA) + list(rates.OTHER_PROCESSES)
    if process not in known:
        _fail(f"unknown process '{process}' (known: {', '.join(known)})")
    try:
        check_writable(output, "-o")
        card = load_card(detector)
        source = rates._Source(process, card)
        n = write_hepmc(source.events(n_events, seed, 50_000), output,
                        cross_section_pb=lambda: (1e-3 * source.cross_section_fb(), 0.0))
    except Belle2SimError as exc:
        _fail(exc)
    click.echo(f"wrote {n} {process} events to {output} (sigma = {source.cross_section_fb() * 1e-6:.4g} nb, "
               f"generated: {rates.generation_cuts(process)})")


@click.command()
@click.argument("events_file", metavar="FILE")
@click.option("-o", "--output", required=True,
              help="Per-event output: a ROOT file (.root, tree 'events') or Parquet (.parquet).")
@click.option("--menu", default=None, help="Trigger menu: a path or a shipped name [belle2_l1].")
@click.option("--detector", default=None, help="Detector card: a path or a shipped name [belle2].")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True)
@click.option("--events", "max_events", type=click.IntRange(1, 10**9), default=None, help="Read at most N events.")
@click.option("--chunk-size", type=click.IntRange(1, 10**7), default=100_000, show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def simulate_command(events_file, output, menu, detector, seed, max_events, chunk_size, quiet):
    """Run detector and trigger on FILE (HepMC3 or LHE, optionally .gz) and write per-event results:
    input bits, output lines before and after prescale, reconstructed tracks (with muon and electron
    ID) and clusters, as a ROOT tree (-o out.root) or Parquet (-o out.parquet, read with
    awkward.from_parquet). Prints the trigger cut flow and each line's fraction of events."""
    import json

    from tqdm import tqdm

    from belle2sim.detector.card import load_card
    from belle2sim.errors import Belle2SimError
    from belle2sim.output.atomic import atomic_path, check_writable
    from belle2sim.simulate_file import simulate_file
    from belle2sim.trigger.menu import load_menu

    fmt = "root" if output.lower().endswith(".root") else "parquet" if output.lower().endswith(".parquet") else None
    if fmt is None:
        _fail(f"-o {output}: the per-event output is a ROOT file (.root) or Parquet (.parquet)")
    try:
        check_writable(output, "-o")
        card, menu_ = load_card(detector), load_menu(menu)
        with atomic_path(output) as tmp, tqdm(unit="ev", unit_scale=True, disable=quiet, file=sys.stderr,
                                              desc="simulate") as bar:
            summary = simulate_file(events_file, card, menu_, str(tmp), seed, chunk_size, bar.update, max_events, fmt)
    except Belle2SimError as exc:
        _fail(exc)
    for warning in summary["input"]["warnings"]:
        click.echo(f"belle2sim: warning: {events_file}: {warning}", err=True)
    click.echo(json.dumps(summary, indent=2))


def _study_options(f):
    for opt in reversed((
        click.option("--channel", required=True, help="Channel whose analysis trigger gives the signal efficiency."),
        click.option("--mass", "masses", default=None, help="Comma-separated masses [the channel's default scan]."),
        click.option("--lumi", type=click.FloatRange(min=0.0, min_open=True), default=6e35, show_default=True,
                     help="Luminosity for the rates, cm^-2 s^-1."),
        click.option("--rate-events", type=click.IntRange(1, 10**8), default=50_000, show_default=True,
                     help="Events per Standard Model process."),
        click.option("--events", "signal_events", type=click.IntRange(1, 10**8), default=50_000, show_default=True,
                     help="Signal events per mass."),
        click.option("--processes", default=None, help="Comma-separated processes [rates' defaults]."),
        click.option("--detector", default=None, help="Detector card [belle2]."),
        click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True),
        click.option("-o", "--output", default=None, help="Write the study as JSON."),
    )):
        f = opt(f)
    return f


def _study_setup(channel, masses, processes, detector):
    from belle2sim.channels import get
    from belle2sim.detector.card import load_card

    from belle2sim.rates import DEFAULT_PROCESSES

    ch = get(channel)
    mass_values = sorted(float(x) for x in masses.split(",")) if masses else list(ch.default_scan)
    names = list(DEFAULT_PROCESSES) if processes is None else [p.strip() for p in processes.split(",") if p.strip()]
    return ch, mass_values, names, load_card(detector)


def _write_json(output, doc):
    import json

    from belle2sim.output.atomic import write_text

    if output:
        write_text(output, json.dumps(doc, indent=2) + "\n")


@click.command()
@click.argument("menu_a")
@click.argument("menu_b")
@_study_options
def compare_menus_command(menu_a, menu_b, channel, masses, lumi, rate_events, signal_events, processes, detector,
                          seed, output):
    """Two menus side by side: L1 rates (total, and the lines whose rate changed) and the signal
    efficiency of CHANNEL with its analysis trigger, on the same events.

    \b
    Example:
      belle2sim menu -o mine.toml      # edit a threshold in mine.toml, then
      belle2sim compare-menus belle2_l1 mine.toml --channel zprime-mumu --mass 1,4"""
    from belle2sim import menu_study
    from belle2sim.errors import Belle2SimError
    from belle2sim.trigger.menu import load_menu

    try:
        if output:
            from belle2sim.output.atomic import check_writable

            check_writable(output, "-o")
        ch, mass_values, names, card = _study_setup(channel, masses, processes, detector)
        menus = [load_menu(menu_a), load_menu(menu_b)]
        rows = menu_study.compare(card, menus, ch, mass_values, names, rate_events, signal_events, seed, lumi)
        _write_json(output, {"channel": ch.name, "lumi_cm2s": lumi, "menus": rows})
    except Belle2SimError as exc:
        _fail(exc)
    click.echo(menu_study.comparison_table(rows, ch, [menu_a, menu_b]))


@click.command()
@click.argument("menu")
@click.argument("key")
@click.option("--values", required=True, help="Comma-separated values of KEY (e.g. 0.5,1.0,1.5).")
@click.option("--plot", default=None, help="Rate vs signal efficiency (FILE.png/.pdf/.svg).")
@_study_options
def scan_threshold_command(menu, key, values, plot, channel, masses, lumi, rate_events, signal_events, processes,
                           detector, seed, output):
    """L1 rate and CHANNEL's signal efficiency versus one menu parameter KEY (a dotted key of the
    menu file, e.g. inputs.ecl.ehigh_threshold_GeV or lines.lml4.prescale): the trade-off curve.

    \b
    Example:
      belle2sim scan-threshold belle2_l1 inputs.ecl.ehigh_threshold_GeV --values 0.5,1,1.5,2 \\
          --channel alp-photons --mass 1 --plot ehigh.png"""
    from belle2sim import menu_study
    from belle2sim.errors import Belle2SimError
    from belle2sim.trigger.menu import load_menu

    try:
        value_list = [float(v) for v in values.split(",")]
    except ValueError:
        _fail(f"--values must be comma-separated numbers, got {values!r}")
    try:
        for path, what in ((output, "-o"), (plot, "--plot")):
            if path:
                from belle2sim.output.atomic import check_writable

                check_writable(path, what)
        ch, mass_values, names, card = _study_setup(channel, masses, processes, detector)
        rows = menu_study.scan_threshold(card, load_menu(menu), key, value_list, ch, mass_values, names, rate_events,
                                         signal_events, seed, lumi)
        _write_json(output, {"channel": ch.name, "key": key, "lumi_cm2s": lumi, "points": rows})
        if plot:
            from belle2sim.output.plots import plot_threshold_scan

            plot_threshold_scan(rows, key, ch.name, plot)
    except Belle2SimError as exc:
        _fail(exc)
    click.echo(menu_study.comparison_table(rows, ch, [f"{key.rsplit('.', 1)[-1]}={v:g}" for v in value_list]))
