"""The ``belle2sim`` command. Thin: parsing, progress and printing; all logic is in the library.

Nothing heavy is imported at start-up (numba kernels load when a command needs them), so
``belle2sim --version`` answers at once.
"""

import sys

import click

from belle2sim import __version__

CITATION = """belle2sim: fast parametric simulation of Belle II and its Level-1 trigger.
Please cite the sources of the numbers you rely on: the detector card (geometry/belle2.toml)
and trigger menu (trigger/belle2_l1.toml) name them table by table (basf2, Belle II papers).
@software{belle2sim, title = {belle2sim}, version = {%s}}""" % __version__


def _fail(exc):
    click.echo(f"belle2sim: error: {exc}", err=True)
    sys.exit(2)


def _parse_floats(text, what):
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"{what} must be comma-separated numbers, got {text!r}") from None
    if not values:
        raise click.BadParameter(f"{what} is empty")
    return values


def _parse_params(items):
    out = {}
    for item in items:
        if "=" not in item:
            raise click.BadParameter(f"--param expects NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        out[name.strip()] = value.strip()
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="belle2sim")
@click.option("--cite", is_flag=True, is_eager=True, expose_value=False,
              callback=lambda ctx, p, v: (click.echo(CITATION), ctx.exit()) if v else None,
              help="Print how to cite belle2sim and exit.")
def main():
    """Fast simulation of Belle II and its L1 trigger for dark-sector searches.

    \b
    Typical use:
      belle2sim channels                                   # what can be simulated
      belle2sim efficiency dark-photon-invisible           # efficiency table, defaults
      belle2sim efficiency dark-photon-invisible --mass 0.5,2,4,6,8 --events 200000 \\
          -o eff.json --plot eff.png

    Units: GeV, cm, ns (c = 1). Detector numbers come from a card (geometry/*.toml), trigger
    lines from a menu (trigger/*.toml); both are plain files with a source for every number.
    """


@main.command()
def channels():
    """List the channels, their analyses (trigger, what is not modelled) and parameters."""
    from belle2sim.channels import available

    for name, ch in sorted(available().items()):
        click.echo(f"{name}\n  {ch.description}\n  reference: {ch.reference}")
        for p in ch.parameters:
            tag = (f" [scanned with --mass; default scan {', '.join(f'{m:g}' for m in ch.default_scan)}]"
                   if p.name == ch.scan_parameter else "")
            click.echo(f"    {p.name:<26} default {p.default:<10g} {p.description}{tag}")
        for k, a in enumerate(ch.analyses):
            default = " (default)" if k == 0 else ""
            click.echo(f"  --analysis {a.key}{default}: {a.title}")
            click.echo(f"      trigger: {a.trigger}   [{a.trigger_source}]")
            if a.window:
                click.echo(f"      signal window: {a.window}")
            for p in a.parameters:
                click.echo(f"      {p.name:<24} default {p.default:<10g} {p.description}")
            for item in a.not_modelled:
                click.echo(f"      not modelled: {item}")
        click.echo("")


@main.command()
@click.argument("channel")
@click.option("--mass", "masses", default=None,
              help="Comma-separated masses in GeV (the scanned parameter) [the channel's default scan, "
                   "see 'belle2sim channels'].")
@click.option("--events", "n_events", type=int, default=100_000, show_default=True,
              help="Events generated per mass point.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: same seed, same numbers, whatever --threads or --chunk-size.")
@click.option("--detector", default=None, help="Detector card: a path or a shipped name [belle2].")
@click.option("--menu", default=None, help="Trigger menu: a path or a shipped name [belle2_l1].")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set a channel parameter (repeatable); 'belle2sim channels' lists them.")
@click.option("--analysis", default=None, metavar="ARXIV_ID",
              help="Which published analysis the selection and trigger follow [the channel's newest; "
                   "'generic' = simplified selection]; 'belle2sim channels' lists them.")
@click.option("--trigger", "trigger_logic", default=None, metavar="LOGIC",
              help="Replace the analysis trigger: logic over menu lines and input bits, e.g. "
                   "'tt90 or hie'; 'any' = OR of all unprescaled lines.")
@click.option("--period", default=None,
              help="Trigger-object calibration of the card (2018, 2019-2021, ideal) [the analysis's data period].")
@click.option("--threads", type=int, default=None, help="Numba threads [all cores].")
@click.option("--chunk-size", type=int, default=100_000, show_default=True,
              help="Events per chunk (memory only; results do not depend on it).")
@click.option("-o", "--output", default=None, help="Write the scan to FILE.json or FILE.csv.")
@click.option("--plot", default=None, help="Plot efficiency vs mass to FILE.png/.pdf/.svg.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON document instead of the table.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def efficiency(channel, masses, n_events, seed, detector, menu, params, analysis, trigger_logic, period,
               threads, chunk_size, output, plot, as_json, quiet):
    """Efficiency of CHANNEL vs mass: selection, trigger lines and their OR.

    \b
    Example:
      belle2sim efficiency dark-photon-invisible --mass 0.5,2,4,6,8 --events 200000 \\
          --param epsilon=1e-3 -o eff.json --plot eff.png

    Efficiencies are fractions of generated events that pass the analysis's offline
    selection AND fire its trigger (the trigger its paper used, from the menu's lines and
    input bits, with trigger objects calibrated to Belle II data for its run period). The
    JSON records the generated phase space and the Born cross section (fb) for the reference
    coupling, so that yield = cross_section_fb x luminosity x efficiency x branching_fraction,
    and the trigger efficiency on selected events with the lines that carry it.
    """
    from belle2sim.errors import Belle2SimError

    mass_values = _parse_floats(masses, "--mass") if masses is not None else None
    overrides = _parse_params(params)
    if n_events <= 0:
        _fail(f"--events must be positive, got {n_events}")
    if chunk_size <= 0:
        _fail(f"--chunk-size must be positive, got {chunk_size}")
    if output and not output.lower().endswith((".json", ".csv")):
        _fail(f"-o {output}: the output must end in .json or .csv")
    if plot and not plot.lower().endswith((".png", ".pdf", ".svg")):
        _fail(f"--plot {plot}: the plot must end in .png, .pdf or .svg")
    try:
        _run_efficiency(channel, mass_values, n_events, seed, detector, menu, overrides, threads,
                        chunk_size, output, plot, as_json, quiet, analysis, trigger_logic, period)
    except Belle2SimError as exc:
        _fail(exc)


def _run_efficiency(channel_name, mass_values, n_events, seed, detector, menu_name, overrides,
                    threads, chunk_size, output, plot, as_json, quiet, analysis_key, trigger_logic, period):
    from tqdm import tqdm

    from belle2sim._jit import set_threads
    from belle2sim.channels import get
    from belle2sim.detector.card import load_card
    from belle2sim.output import tables
    from belle2sim.scan import run_scan, scan_document
    from belle2sim.trigger.menu import load_menu

    channel = get(channel_name)
    if mass_values is None:
        mass_values = list(channel.default_scan)
    from belle2sim.trigger.analysis import AnalysisTrigger, resolve

    card = load_card(detector)
    menu = load_menu(menu_name)
    analysis = channel.analysis(analysis_key)
    trigger = (AnalysisTrigger(trigger_logic, "user (--trigger)") if trigger_logic is not None
               else AnalysisTrigger(analysis.trigger, analysis.trigger_source))
    resolve(trigger, menu)
    card.resolve_period(period or analysis.period)
    for value in mass_values:  # validate every point before spending time
        channel.resolve_parameters({**overrides, channel.scan_parameter: value}, card, analysis.key)
    set_threads(threads)
    total = n_events * len(mass_values)
    with tqdm(total=total, unit="ev", unit_scale=True, disable=quiet or total < 200_000,
              file=sys.stderr, desc=channel.name) as bar:
        results = run_scan(channel, mass_values, overrides, card, menu, n_events, seed,
                           chunk_size, progress=bar.update, analysis=analysis, trigger=trigger, period=period)
    doc = scan_document(channel, results, card, menu, seed, n_events, overrides, analysis, trigger, period)
    if output:
        tables.write(doc, output)
    if plot:
        from belle2sim.output.plots import plot_scan

        plot_scan(doc, plot)
    click.echo(tables.to_json(doc) if as_json else tables.terminal_table(doc), nl=not as_json)


@main.command()
@click.option("--events", "n_events", type=int, default=20_000, show_default=True,
              help="Events per mass point.")
@click.option("-o", "--output", default="docs/validation.md", show_default=True, help="Markdown file to write.")
@click.option("--detector", default=None, help="Detector card: a path or a shipped name [belle2].")
@click.option("--menu", default=None, help="Trigger menu: a path or a shipped name [belle2_l1].")
def validate(n_events, output, detector, menu):
    """Write the validation report: every channel's analysis at the paper's mass points beside
    the published Belle II numbers, the trigger calibrations on their own kind of events, and
    closed-form checks (markdown, regenerated each time)."""
    from tqdm import tqdm

    from belle2sim.detector.card import load_card
    from belle2sim.errors import Belle2SimError
    from belle2sim.output.atomic import write_text
    from belle2sim.trigger.menu import load_menu
    from belle2sim.validation import n_points, report

    if n_events <= 0:
        _fail(f"--events must be positive, got {n_events}")
    try:
        card, menu_obj = load_card(detector), load_menu(menu)
        total = n_events * n_points()
        with tqdm(total=total, unit="ev", unit_scale=True, file=sys.stderr, desc="validate") as bar:
            text = report(card, menu_obj, n_events, progress=bar.update)
        write_text(output, text)
    except Belle2SimError as exc:
        _fail(exc)
    click.echo(f"wrote {output}")


if __name__ == "__main__":
    main()
