"""Commands that show what belle2sim ships and knows: channels, the card, the menu, and the
validation report. Thin: the library does the work."""

import sys

import click


def _fail(exc):
    click.echo(f"belle2sim: error: {exc}", err=True)
    sys.exit(2)


def _shipped_names(kind):
    from belle2sim.resources import shipped_names

    return ", ".join(shipped_names(kind))


@click.command()
@click.argument("name", required=False)
def channels_command(name):
    """List the channels (or one: NAME), their analyses (trigger, what is not modelled) and
    parameters with units and defaults."""
    from belle2sim.channels import available, get
    from belle2sim.errors import Belle2SimError

    try:
        chosen = {name: get(name)} if name else dict(sorted(available().items()))
    except Belle2SimError as exc:
        _fail(exc)
    for cname, ch in chosen.items():
        click.echo(f"{cname}\n  {ch.description}\n  reference: {ch.reference}")
        if ch.long_lived_pdg is not None:
            from belle2sim import pdgdata

            click.echo(f"  long-lived: {pdgdata.name(ch.long_lived_pdg)} ({ch.long_lived_pdg}), decays in flight at the "
                       f"c tau its parameters give; --ctau LIST maps efficiency over mass x c tau")
        for p in ch.parameters:
            tag = (f" [scanned with --mass; default scan {', '.join(f'{m:g}' for m in ch.default_scan)}]"
                   if p.name == ch.scan_parameter else "")
            click.echo(f"    {p.name:<26} default {p.default:<10g} {p.description}{tag}")
        for k, a in enumerate(ch.analyses):
            click.echo(f"  --analysis {a.key}{' (default)' if k == 0 else ''}: {a.title}")
            click.echo(f"      trigger: {a.trigger}   [{a.trigger_source}]")
            if a.window:
                click.echo(f"      signal window: {a.window}")
            for p in a.parameters:
                click.echo(f"      {p.name:<24} default {p.default:<10g} {p.description}")
            for item in a.not_modelled:
                click.echo(f"      not modelled: {item}")
        click.echo("")


def _copy_shipped(kind, name, output):
    from belle2sim import resources
    from belle2sim.errors import Belle2SimError
    from belle2sim.output.atomic import check_writable, write_text

    try:
        path = resources.resolve(kind, name, must_exist=True)
        text = path.read_text()
        if output:
            check_writable(output, "--output")
            write_text(output, text)
            click.echo(f"wrote {output} (from {path})")
        else:
            click.echo(text, nl=False)
    except Belle2SimError as exc:
        _fail(exc)


@click.command()
@click.argument("name", required=False)
@click.option("-o", "--output", default=None, help="Write the card to FILE instead of printing it.")
def card_command(name, output):
    """Print (or write with -o) a shipped detector card, to read or to copy and edit; pass the
    copy back with --detector FILE. NAME: a shipped card [belle2]."""
    _copy_shipped("geometry", name, output)


@click.command()
@click.argument("name", required=False)
@click.option("-o", "--output", default=None, help="Write the menu to FILE instead of printing it.")
@click.option("--explain", "explain_name", default=None, metavar="LINE_OR_BIT",
              help="Say what a line or input bit computes and every number it reads, with its source.")
@click.option("--detector", default=None, help="Detector card for --explain [belle2].")
@click.option("--period", default=None, help="Trigger-object calibration shown by --explain [the card's default].")
def menu_command(name, output, explain_name, detector, period):
    """Print (or write with -o) a shipped trigger menu, to read or to copy and edit; pass the
    copy back with --menu FILE. NAME: a shipped menu [belle2_l1].

    \b
    Example:
      belle2sim menu --explain fyo      # the logic of fyo and the thresholds its bits read
    """
    if explain_name is None:
        _copy_shipped("trigger", name, output)
        return
    from belle2sim.detector.card import load_card
    from belle2sim.errors import Belle2SimError
    from belle2sim.trigger.explain import explain
    from belle2sim.trigger.menu import load_menu

    try:
        click.echo("\n".join(explain(explain_name, load_menu(name), load_card(detector), period)))
    except Belle2SimError as exc:
        _fail(exc)


@click.command()
@click.option("--events", "n_events", type=click.IntRange(1, 10**8), default=20_000, show_default=True,
              help="Events per mass point.")
@click.option("-o", "--output", default="docs/validation.md", show_default=True, help="Markdown file to write.")
@click.option("--detector", default=None, help="Detector card: a path or a shipped name [belle2].")
@click.option("--menu", default=None, help="Trigger menu: a path or a shipped name [belle2_l1].")
def validate_command(n_events, output, detector, menu):
    """Write the validation report: every channel's analysis at the paper's mass points beside
    the published Belle II numbers, the trigger calibrations on their own kind of events, and
    closed-form checks (markdown, regenerated each time)."""
    from tqdm import tqdm

    from belle2sim.detector.card import load_card
    from belle2sim.errors import Belle2SimError
    from belle2sim.output.atomic import check_writable, write_text
    from belle2sim.trigger.menu import load_menu
    from belle2sim.validation import n_points, report

    try:
        check_writable(output, "-o")
        card, menu_obj = load_card(detector), load_menu(menu)
        with tqdm(total=n_events * n_points(), unit="ev", unit_scale=True, file=sys.stderr, desc="validate") as bar:
            text = report(card, menu_obj, n_events, progress=bar.update)
        write_text(output, text)
    except Belle2SimError as exc:
        _fail(exc)
    click.echo(f"wrote {output}")


@click.command()
@click.option("--detector", default=None, help="Detector card: a path or a shipped name [belle2].")
@click.option("--menu", default=None, help="Trigger menu: a path or a shipped name [belle2_l1].")
def warm_up_command(detector, menu):
    """Compile every numba kernel once (each channel and analysis on a few events), so that the first
    real run does not wait for compilation; also makes the Pythia decay samples (tau bank, B-decay
    pools), kept in ~/.cache/belle2sim ($BELLE2SIM_CACHE). Safe to run again: cached kernels load in
    a second. Compiles in one helper process per spare core, up to four ($BELLE2SIM_COMPILE_HELPERS
    sets how many; 0: all in this one), as a first run does."""
    import time

    from belle2sim.detector.card import load_card
    from belle2sim.errors import Belle2SimError
    from belle2sim.trigger.menu import load_menu
    from belle2sim.warmup import warm_up

    try:
        card, menu_ = load_card(detector), load_menu(menu)
    except Belle2SimError as exc:
        _fail(exc)
    t = time.perf_counter()
    try:
        warm_up(card, menu_, progress=lambda name, s: click.echo(f"  {name:<24} {s:6.1f} s", err=True))
    except Belle2SimError as exc:  # (BELLE2SIM_COMPILE_HELPERS not a number of processes)
        _fail(exc)
    click.echo(f"belle2sim: kernels compiled and decay samples made, cached in {time.perf_counter() - t:.0f} s")
