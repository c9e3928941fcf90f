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


MAX_EVENTS = 10**10        # per point: beyond this a run takes days on any machine
MAX_CHUNK = 10**7          # events held in memory at once
MAX_SEED = 2**63 - 1       # the seed is a 64-bit key


def _fail(exc):
    click.echo(f"belle2sim: error: {exc}", err=True)
    sys.exit(2)


def _parse_floats(text, what):
    items = [x.strip() for x in text.split(",")]
    if any(not x for x in items):
        raise click.BadParameter(f"{what} {text!r} has an empty entry")
    try:
        values = [float(x) for x in items]
    except ValueError:
        raise click.BadParameter(f"{what} must be comma-separated numbers, got {text!r}") from None
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise click.BadParameter(f"{what} {text!r} repeats {', '.join(f'{v:g}' for v in repeated)}")
    return sorted(values)  # points in order of the scanned value (tables, plots)


def _parse_params(items):
    out = {}
    for item in items:
        if "=" not in item:
            raise click.BadParameter(f"--param expects NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        out[name.strip()] = value.strip()
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.version_option(__version__, prog_name="belle2sim")
@click.option("--cite", is_flag=True, is_eager=True, expose_value=False,
              callback=lambda ctx, p, v: (click.echo(CITATION), ctx.exit()) if v else None,
              help="Print how to cite belle2sim and exit.")
@click.pass_context
def main(ctx):
    """Fast simulation of Belle II and its L1 trigger for dark-sector searches.

    \b
    Typical use:
      belle2sim channels [NAME]                            # what can be simulated
      belle2sim card -o my_card.toml; belle2sim menu -o my_menu.toml   # copies to edit
      belle2sim menu --explain fyo                         # what a line reads, and from where
      belle2sim efficiency dark-photon-invisible           # efficiency table, defaults
      belle2sim efficiency dark-photon-invisible --mass 0.5,2,4,6,8 --events 200000 \\
          -o eff.json --plot eff.png

    Units: GeV, cm, ns (c = 1). Detector numbers come from a card (geometry/*.toml), trigger
    lines from a menu (trigger/*.toml); both are plain files with a source for every number.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@main.command()
@click.argument("channel", required=False)
@click.option("--input", "input_path", default=None, metavar="FILE",
              help="Events from a file (HepMC3 or LHE, optionally .gz) instead of the channel's generator; "
                   "the channel (or --selection) gives the selection and trigger.")
@click.option("--selection", default=None, metavar="CHANNEL",
              help="With --input: the built-in channel whose analysis is applied (same as CHANNEL).")
@click.option("--mass", "masses", default=None,
              help="Comma-separated masses in GeV (the scanned parameter) [the channel's default scan, "
                   "see 'belle2sim channels'].")
@click.option("--ctau", "lifetimes", default=None, metavar="LIST",
              help="Comma-separated proper decay lengths c*tau in cm, for a channel with a long-lived "
                   "particle: a mass x c*tau map from one sample per mass, reweighted exactly to each "
                   "c*tau [the c*tau its couplings give].")
@click.option("--events", "n_events", type=int, default=None,
              help="Events generated per mass point [100000]; with --input, read at most this many [all].")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=1, show_default=True,
              help="Random seed: same seed, same numbers, whatever --threads, --chunk-size or --workers.")
@click.option("--detector", default=None,
              help="Detector card: a path or a shipped name [belle2]; 'belle2sim card -o FILE' copies it.")
@click.option("--menu", default=None,
              help="Trigger menu: a path or a shipped name [belle2_l1]; 'belle2sim menu -o FILE' copies it.")
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
@click.option("--compare-menu", "compare_menu", default=None, metavar="MENU",
              help="Run the scan again with this menu (path or shipped name, e.g. belle2_l1_displaced), the "
                   "analysis trigger OR the lines it adds, and show both with their ratio.")
@click.option("--threads", type=int, default=None,
              help="Threads [all cores]; each takes whole chunks of events at a time. A first run's compile "
                   "helpers stay below it too ($BELLE2SIM_COMPILE_HELPERS sets their number).")
@click.option("--workers", type=click.IntRange(1, 1024), default=None,
              help="Run the scan's points and event ranges on a dask.distributed LocalCluster of N worker "
                   "processes (same numbers as one process for the same seed).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on an existing dask.distributed cluster (e.g. tcp://host:8786) instead.")
@click.option("--chunk-size", type=int, default=100_000, show_default=True,
              help="Events per chunk (memory only: at most one chunk per thread in memory at once; "
                   "results do not depend on it).")
@click.option("-o", "--output", default=None,
              help="Write the scan to FILE.json, FILE.csv or FILE.root (efficiency maps as histograms).")
@click.option("--plot", default=None, help="Plot efficiency vs mass to FILE.png/.pdf/.svg.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON document instead of the table.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def efficiency(channel, input_path, selection, masses, lifetimes, n_events, seed, detector, menu, params, analysis, trigger_logic, period,
               compare_menu, threads, workers, scheduler, chunk_size, output, plot, as_json, quiet):
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

    if selection and channel and selection != channel:
        _fail(f"CHANNEL {channel} and --selection {selection} disagree: give one")
    channel = channel or selection
    if not channel:
        _fail("missing CHANNEL (or --selection CHANNEL with --input FILE); 'belle2sim channels' lists them")
    if selection and not input_path:
        _fail("--selection goes with --input FILE (without a file, give the channel as CHANNEL)")
    max_events = n_events if input_path else None
    n_events = 100_000 if n_events is None else n_events
    mass_values = _parse_floats(masses, "--mass") if masses is not None else None
    ctau_values = _parse_floats(lifetimes, "--ctau") if lifetimes is not None else None
    if ctau_values is not None and min(ctau_values) <= 0:
        _fail(f"--ctau: every c*tau must be > 0 cm, got {min(ctau_values):g}")
    overrides = _parse_params(params)
    if not 0 < n_events <= MAX_EVENTS:
        _fail(f"--events must be between 1 and {MAX_EVENTS:.0e} per point, got {n_events}")
    if not 0 < chunk_size <= MAX_CHUNK:
        _fail(f"--chunk-size must be between 1 and {MAX_CHUNK:.0e}, got {chunk_size}")
    if output and not output.lower().endswith((".json", ".csv", ".root")):
        _fail(f"-o {output}: the output must end in .json, .csv or .root")
    if plot and not plot.lower().endswith((".png", ".pdf", ".svg")):
        _fail(f"--plot {plot}: the plot must end in .png, .pdf or .svg")
    try:
        from belle2sim.output.atomic import check_writable

        for path, what in ((output, "-o"), (plot, "--plot")):
            if path:
                check_writable(path, what)
        _run_efficiency(channel, mass_values, n_events, seed, detector, menu, overrides, threads,
                        chunk_size, output, plot, as_json, quiet, analysis, trigger_logic, period, ctau_values,
                        compare_menu, workers, scheduler, input_path, max_events)
    except Belle2SimError as exc:
        _fail(exc)


def _run_efficiency(channel_name, mass_values, n_events, seed, detector, menu_name, overrides,
                    threads, chunk_size, output, plot, as_json, quiet, analysis_key, trigger_logic, period,
                    ctau_values=None, compare_menu=None, workers=None, scheduler=None, input_path=None,
                    max_events=None):
    import gc

    from tqdm import tqdm

    from belle2sim._jit import set_threads
    from belle2sim.channels import get
    from belle2sim.detector.card import load_card
    from belle2sim.errors import ParameterError
    from belle2sim.output import tables
    from belle2sim.output.atomic import OutputSet
    from belle2sim.scan import run_scan, scan_document
    from belle2sim.trigger.menu import load_menu

    channel = get(channel_name)
    if channel.scan_parameter in overrides:
        raise ParameterError(f"{channel.scan_parameter} is the scanned parameter: set it with --mass, not --param")
    if mass_values is None:
        mass_values = list(channel.default_scan)
    if ctau_values is not None and channel.long_lived_pdg is None:
        raise ParameterError(f"--ctau: channel {channel.name} has no long-lived particle (channels with one: "
                             "'belle2sim channels' marks them)")
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
    runs = [(menu, trigger)]
    if compare_menu is not None:
        from belle2sim.trigger.analysis import extended

        other = load_menu(compare_menu)
        runs.append((other, extended(trigger, menu, other)))
        resolve(runs[1][1], other)
    set_threads(threads)
    from belle2sim.warmup import TRACKS_FIRST, needs_compiling, start_trigger_compile

    if needs_compiling():
        if not quiet:
            click.echo("belle2sim: first run on this installation (or after an edit of its sources): compiling the "
                       "numba kernels (once, about 10-30 s; 'belle2sim warm-up' compiles all of them ahead)", err=True)
        if not (workers or scheduler):
            # in a second process, while this one compiles the rest
            start_trigger_compile(detector_too=False if input_path else (
                True if channel.slow_generator_compile else TRACKS_FIRST), selection=None if input_path else (
                _selection_job(channel, analysis, card, {**overrides, channel.scan_parameter: mass_values[0]})),
                threads=threads)
    total = None if input_path else n_events * len(mass_values) * len(runs)
    if input_path and (workers or scheduler):
        raise ParameterError("--input reads the file in this process: --workers / --scheduler do not apply")
    docs = []
    client = None
    if workers or scheduler:
        from belle2sim.distributed import client_for

        client = client_for(workers or 1, scheduler)
        where = scheduler or f"a local cluster of {workers} worker processes"
        if not quiet:
            click.echo(f"belle2sim: running on {where} ({client.dashboard_link or 'no dashboard'})", err=True)
    # the ~240k objects made so far (numba's types, the card, the menu) live to the end: out of the
    # collector's full scans, which held the GIL for 0.25 s per job (0.08 s now)
    gc.freeze()
    try:
        with tqdm(total=total, unit="ev", unit_scale=True, disable=quiet or (total is not None and total < 200_000),
                  file=sys.stderr, desc=channel.name) as bar:
            for run_menu, run_trigger in runs:
                if input_path:
                    from belle2sim.external import run_input

                    results, info = run_input(input_path, channel, mass_values, overrides, card, run_menu, seed,
                                              chunk_size, bar.update, analysis, run_trigger, period, ctau_values,
                                              max_events)
                    docs.append(scan_document(channel, results, card, run_menu, seed, info.n_events, overrides,
                                              analysis, run_trigger, period))
                    docs[-1]["input"] = info.to_dict()
                    for warning in info.warnings:
                        click.echo(f"belle2sim: warning: {input_path}: {warning}", err=True)
                    continue
                results = run_scan(channel, mass_values, overrides, card, run_menu, n_events, seed,
                                   chunk_size, progress=bar.update, analysis=analysis, trigger=run_trigger,
                                   period=period, lifetimes_cm=ctau_values, client=client, threads=threads or 1)
                docs.append(scan_document(channel, results, card, run_menu, seed, n_events, overrides, analysis,
                                          run_trigger, period))
    finally:
        if client is not None:
            from belle2sim.distributed import close_client

            close_client(client)
    doc = docs[0]
    if len(docs) > 1:
        doc["comparison"] = docs[1]
    with OutputSet() as outputs:  # all files are written first, then renamed into place together
        if output:
            tables.write(doc, output, outputs)
        if plot:
            from belle2sim.output.plots import plot_scan

            plot_scan(doc, plot, outputs)
        outputs.commit()
    click.echo(tables.to_json(doc) if as_json else tables.terminal_table(doc), nl=not as_json)


def _selection_job(channel, analysis, card, point):
    """A call compiling the run's selection on canned events, for a first run's compile helpers
    (warmup.start_trigger_compile: where there are cores to spare)."""
    from belle2sim.canned import select_canned

    return lambda: select_canned(analysis, card, channel.resolve_parameters(point, card, analysis.key))


def _force_exit(exit_code):
    import os

    from belle2sim.output.atomic import remove_live_temporaries
    from belle2sim.warmup import stop_helper

    remove_live_temporaries()
    stop_helper()  # (os._exit skips the exit handlers)
    sys.stderr.write("\nbelle2sim: interrupted\n")
    sys.stderr.flush()
    os._exit(exit_code)


def _arm_watchdog(exit_code, grace_s=3.0):
    """Exit for sure after a signal. The exception a signal handler raises is swallowed when it lands
    inside a ctypes callback (numba's compiler runs in them) and the run would go on: such an
    exception reaches ``sys.unraisablehook``, which exits at once; and if the normal unwinding has
    not ended the process within ``grace_s`` for any other reason, a timer does."""
    import threading

    def _unraisable(info):
        if issubclass(info.exc_type, (KeyboardInterrupt, SystemExit)):
            _force_exit(exit_code)
        # anything else now comes from objects torn down on the way out (numba's LLVM handles): the
        # run is ending on a signal, so it is not news to the user

    sys.unraisablehook = _unraisable
    timer = threading.Timer(grace_s, _force_exit, args=(exit_code,))
    timer.daemon = True
    timer.start()


def run():
    """Console entry point: one error style, SIGINT exits 130, SIGTERM cleans up and exits 143."""
    import signal

    def _terminate(signum, frame):
        _arm_watchdog(128 + signum)
        raise SystemExit(128 + signum)  # unwinds: temporary outputs are removed on the way

    def _interrupt(signum, frame):
        _arm_watchdog(130)
        raise KeyboardInterrupt

    from belle2sim._compile_overheads import own_process
    from belle2sim._frame_stack import with_room
    from belle2sim._memory import keep_freed_memory

    own_process()  # (numba's compilation, as belle2sim's own processes have it)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _interrupt)
    keep_freed_memory()
    try:
        with_room(main, standalone_mode=False)  # (numba's compiler: _frame_stack.py)
    except SystemExit as exc:
        if exc.code in (128 + signal.SIGTERM,):  # a signal: outputs already cleaned up while unwinding
            _force_exit(exc.code)  # skip the interpreter's teardown of half-built compiler objects
        raise
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.UsageError as exc:
        hint = f" (see 'belle2sim {exc.ctx.command.name} --help')" if exc.ctx and exc.ctx.parent else ""
        click.echo(f"belle2sim: error: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("belle2sim: interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        _force_exit(130)  # says "interrupted"; skips the teardown of half-built compiler objects


from belle2sim.cli_files import (  # noqa: E402
    card_command, channels_command, menu_command, validate_command, warm_up_command,
)
from belle2sim.cli_studies import (  # noqa: E402
    background_command, compare_menus_command, rates_command, scan_threshold_command, simulate_command,
)

main.add_command(channels_command, "channels")
main.add_command(card_command, "card")
main.add_command(menu_command, "menu")
main.add_command(validate_command, "validate")
main.add_command(warm_up_command, "warm-up")
main.add_command(rates_command, "rates")
main.add_command(background_command, "background")
main.add_command(simulate_command, "simulate")
main.add_command(compare_menus_command, "compare-menus")
main.add_command(scan_threshold_command, "scan-threshold")

if __name__ == "__main__":
    run()
