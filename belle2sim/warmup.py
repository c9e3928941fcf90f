"""First-run compilation: say when it happens, and let users do it ahead (``belle2sim warm-up``).

numba compiles belle2sim's kernels on their first call and caches the machine code on disk
(``cache=True``); a fresh installation's first run of a channel spends most of its time there.
:func:`needs_compiling` looks for the cache index of the kernels every run uses; :func:`warm_up`
runs every channel briefly (each analysis, and a lifetime axis where there is one) so that all
kernels are compiled once, before any real run.
"""

import atexit
import importlib
import os
import shutil
import threading
import time

from belle2sim._helper_processes import HELPERS_SETTING, MAX_COMPILE_HELPERS, helper_count, start_helpers  # noqa: F401
from belle2sim.canned import canned_events, empty_detector_output

# kernels every efficiency run calls: if their cache index is missing, this run compiles
SENTINELS = (("belle2sim.detector.ecl", "ecl_response"), ("belle2sim.detector.tracking", "track_response"),
             ("belle2sim.trigger.ecl_bits", "ecl_trigger_bits"), ("belle2sim.trigger.cdc_bits", "cdc_trigger_bits"))


def needs_compiling():
    """True if a sentinel kernel has no numba cache index yet (a first run on this installation, or the
    first after an edit of the sources: belle2sim._cache_guard dropped the old kernels)."""
    for module, name in SENTINELS:
        dispatcher = getattr(importlib.import_module(module), name)
        dispatcher = getattr(dispatcher, "kernel", dispatcher)  # event kernels wrap their dispatcher
        try:
            index = dispatcher._cache._cache_file._index_path
        except AttributeError:  # a numba without this layout: say nothing rather than guess
            return False
        if not os.path.exists(index):
            return True
    return False


def warm_up(card, menu, progress=None, events=300):
    """Run every channel's analyses on a few events (and a two-value lifetime axis for channels with a
    long-lived particle): compiles and caches every kernel. Returns {channel: seconds}.

    On a cache to fill, a helper process (one per spare core, up to MAX_COMPILE_HELPERS) compiles the
    trigger kernels and then takes channels from the back of the list while this one takes them from
    the front (each claimed with a file), so that every core compiles until the end."""
    from belle2sim.channels import available

    names = sorted(available())
    helper = start_trigger_compile(channels_after=(names, events))
    timings = {}
    for name in names:
        if helper is not None and not _claim(helper[1], CHANNEL_JOB + name):
            break  # (the helper has this channel and the ones after it)
        timings[name] = _warm_channel(name, card, menu, events)
        if progress:
            progress(name, timings[name])
    if helper is not None:
        process, claims = helper[0], helper[1]
        process.wait()
        for name in names[len(timings):]:
            try:  # the helper's time for it, or (had it failed) this process does it now
                with open(os.path.join(claims, CHANNEL_JOB + name + ".done")) as f:
                    timings[name] = float(f.read())
            except (OSError, ValueError):
                timings[name] = _warm_channel(name, card, menu, events)
            if progress:
                progress(name, timings[name])
        shutil.rmtree(claims, ignore_errors=True)
    return timings


CHANNEL_JOB = "channel-"  # claim names of the warm-up's channels


def _warm_channel(name, card, menu, events):
    """Seconds to run channel ``name``'s analyses on a few events (and a lifetime axis)."""
    from belle2sim.channels import available
    from belle2sim.scan import run_point

    ch = available()[name]
    t = time.perf_counter()
    for analysis in ch.analyses:
        params = ch.resolve_parameters({ch.scan_parameter: ch.default_scan[len(ch.default_scan) // 2]}, card,
                                       analysis.key)
        run_point(ch, params, card, menu, events, 1, analysis=analysis)
        if ch.long_lived_pdg is not None:
            run_point(ch, params, card, menu, events, 1, analysis=analysis, lifetimes_cm=[1.0, 10.0])
    return time.perf_counter() - t


def warm_channels_from_back(claims, names, events):
    """The warm-up helper's second part: the channels ``names`` from the back, each unless the main
    process claimed it; its time written into the claim's done file."""
    from belle2sim.detector.card import load_card
    from belle2sim.trigger.menu import load_menu

    card, menu = load_card(), load_menu()
    for name in reversed(names):
        if not _claim(claims, CHANNEL_JOB + name):
            continue  # (another helper's, or the main process's: then so are all the ones before it)
        seconds = _warm_channel(name, card, menu, events)
        with open(os.path.join(claims, CHANNEL_JOB + name + ".done"), "w") as f:
            f.write(repr(seconds))


# --- first run: the trigger kernels compile in a second process ---------------------------------
#
# A first run compiles, one after the other, its channel's generator, the detector kernels, the
# trigger kernels and its selection. The trigger kernels need only arrays of the right types, not
# real detector output: a helper process compiles them on canned events with empty detector output
# while this process compiles the generator and the detector, and the first chunk waits for the
# helper before it enters the trigger (its kernels then load from numba's cache). The helper's
# work is a list of jobs (:func:`trigger_compile_jobs`), each claimed with a file before it is
# done: the helper takes them in order, and a main process that waits for the helper (for a detector
# kernel, or at the trigger) takes those not claimed yet in the same order, the longest first (instead
# of waiting with one core idle). The numbers do not depend on it: the same kernels, compiled by one
# process or the other.

_HELPER = None  # (the helper process, its claims directory, detector_too, warms channels after)
_HELPER_LOCK = threading.Lock()
_STARTED = []  # (process, claims directory) of each helper started, until stop_helper


def stop_helper():
    """End the helper process if it still runs, and remove its claims directory. Registered at exit
    (a run that stopped before its trigger), and called by the CLI on a signal: it leaves with
    ``os._exit``, which skips the exit handlers, and the helper went on compiling for ~15 s after
    the run had ended, leaving its claims in the temporary directory. A kernel cut short is not
    cached: numba writes each cache file whole, then renames it."""
    while _STARTED:
        process, claims = _STARTED.pop()
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except Exception:  # (it did not stop: subprocess.TimeoutExpired, or TimeoutError from a fork's)
                process.kill()
                process.wait()
        shutil.rmtree(claims, ignore_errors=True)


TRACKS_FIRST = "tracks"  # detector_too for a channel whose generator compiles fast: the tracking kernel only


def trigger_compile_jobs(card, menu, detector_too=False, selection=None):
    """[(name, call)]: what a first run's helper compiles (or loads), in its order, on canned events
    with empty (zero) detector output, where only the argument types matter: ``detector_too`` (True),
    the ECL and tracking kernels on the same events, or (TRACKS_FIRST) the tracking kernel alone;
    ``selection`` (a call), the run's selection on canned events;
    then each input-bit kernel (made with every array zeroed, so each runs alone), the prescale
    kernel and the menu program. The vertexing kernel is left to the first displaced channel."""
    import numpy as np

    from belle2sim.detector.ecl import simulate_ecl
    from belle2sim.detector.tracking import simulate_tracks
    from belle2sim.trigger.bits import compile_menu_program, ftdl, input_bit_kernel_calls, psnm

    batch = canned_events()
    n = batch.n_particles
    response, charge, deposits, tracks = empty_detector_output(batch)
    jobs = []
    if detector_too is True:
        # (on events from the beam spot: the kernel of tracks produced off the axis, ~2-4 s of
        # compilation, is left to the first chunk that has such tracks)
        on_axis = canned_events(displaced=False)
        jobs.append(("ecl", lambda: simulate_ecl(on_axis, response, card, 1, charge)))
    if detector_too is True or detector_too == TRACKS_FIRST:  # (on empty deposits: only their types matter)
        jobs.append(("tracks", lambda: simulate_tracks(batch, response, charge, deposits, card, 1)))
    if selection is not None:  # (the run's selection on canned events, by a helper on a core to spare)
        jobs.append((SELECTION_JOB, selection))
    calls, bits = input_bit_kernel_calls(batch, deposits, np.zeros(n), tracks, card, menu, 1, zeroed=True)
    calls += [("prescale", lambda: psnm(ftdl(dict(bits), menu), menu, 1, batch.number)),  # (a plain mapping of
              ("menu_program", lambda: compile_menu_program(menu))]  # the bits: the NumPy evaluator)
    # the longest first: the helper and the main process each take the longest job left when they are
    # free (take_trigger_jobs). Without the detector in the helper (events from a file), the CDC trigger
    # first: it compiles the on-axis superlayer count (with the helix's crossings) and the impact
    # parameters that the main process's tracking calls too, so they are in numba's cache before the
    # tracking needs them
    return jobs + sorted(calls, key=lambda job: (
        not (detector_too is False and job[0] == "cdc_trigger"),
        LONGEST_FIRST.index(job[0]) if job[0] in LONGEST_FIRST else len(LONGEST_FIRST)))


# the trigger's compile jobs by their time on the 2-core VM (ECL trigger ~2.9 s, GRL ~1.9, CDC trigger
# ~1.3, menu program ~1.0, prescale ~0.6, the rest less). Taken from the two ends of a list instead,
# the ECL trigger fell last to whichever process reached it: zprime-mumu or dark-photon-invisible ~1 s
# later
LONGEST_FIRST = ("ecl_trigger", "grl", "cdc_trigger", "menu_program", "prescale")


def _claim(claims, name):
    """True for the first process to claim job ``name`` (a file made exclusively); True without a
    claims directory (no second process)."""
    if claims is None:
        return True
    try:
        os.close(os.open(os.path.join(claims, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False
    except OSError:
        return True  # (a directory gone or not writable: do it, as without a helper)


def compile_trigger_kernels(detector_too=False, claims=None, selection=None):
    """The helper's work: the jobs of :func:`trigger_compile_jobs` in order, each unless the main
    process has claimed it (``claims``: the directory of claim files)."""
    from belle2sim.detector.card import load_card
    from belle2sim.trigger.menu import load_menu

    for name, call in trigger_compile_jobs(load_card(), load_menu(), detector_too, selection):
        if _claim(claims, name):
            call()
            if claims is not None:
                _claim(claims, name + ".done")


def start_trigger_compile(detector_too=False, channels_after=None, selection=None, threads=None):
    """On a first run, compile the trigger kernels in a helper process, or in several where there are
    cores to spare (:func:`helper_count`; each takes the jobs not claimed yet, and one of them the ECL
    kernels from the start, as ``detector_too`` True). Returns at once, with the helper: (process
    (a _helper_processes.ProcessGroup of several), claims directory, detector_too, channels_after); None
    without one.
    ``detector_too``: True, the detector kernels first (Channel.slow_generator_compile). A channel
    whose generator compiles for ~10 s (zprime-mumu: the matrix element) reaches the detector only
    after the helper has compiled the trigger; one whose generator compiles in a few seconds would
    wait for the helper's ECL kernels instead (dark-photon-invisible, measured: 11.7 -> 15.8 s), but
    reaches the tracking only after its ECL kernels (~7 s in): TRACKS_FIRST, the helper compiles the
    tracking kernel first, and that part of the detector's compilation leaves the main process.
    ``channels_after`` (the warm-up's channel names and events per channel): the helper then warms
    channels from the back (:func:`warm_channels_from_back`). ``selection`` (a call compiling the
    run's selection, :func:`canned.select_canned`): a job of the helpers too where there are several
    (forks only: a new interpreter has not the call). ``threads``: the run's --threads, which bounds
    the helpers too (:func:`helper_count`)."""
    global _HELPER, _SELECTION_IN_HELPER
    import tempfile

    if _HELPER is None and needs_compiling():
        count = helper_count(threads)
        if count == 0:
            return None
        if count > 1 and detector_too == TRACKS_FIRST:
            detector_too = True  # (a helper of its own for the ECL kernels, from the start)
        selection = selection if count > 1 else None  # (one helper has the trigger's jobs to do)
        claims = tempfile.mkdtemp(prefix="belle2sim-compile-")
        code = ("from belle2sim._compile_overheads import own_process; own_process(); "
                "from belle2sim._frame_stack import with_room; from belle2sim.warmup import _helper_work; "
                f"with_room(_helper_work, {detector_too!r}, {claims!r}, "
                f"{None if channels_after is None else (list(channels_after[0]), int(channels_after[1]))!r})")
        process, forks_only = start_helpers(count, lambda: _helper_work(detector_too, claims, channels_after, selection),
                                            code)
        _HELPER = (process, claims, detector_too, channels_after is not None)
        # (a new interpreter cannot take the call: then the run compiles its selection)
        _SELECTION_IN_HELPER = selection is not None and forks_only
        _STARTED.append((process, claims))
        atexit.register(stop_helper)  # (a run that never reached the trigger)
        return _HELPER
    return None


def _helper_work(detector_too, claims, channels_after, selection=None):
    """What the helper process does: the compile jobs, then (a warm-up's) channels from the back."""
    compile_trigger_kernels(detector_too=detector_too, claims=claims, selection=selection)
    if channels_after is not None:
        names, events = channels_after
        warm_channels_from_back(claims, list(names), int(events))


def _wait_done(process, claims, names):
    """Until each job of ``names`` has its done marker, or the helper has exited."""
    for name in names:
        while process.poll() is None and not os.path.exists(os.path.join(claims, name + ".done")):
            time.sleep(0.02)


SELECTION_JOB = "selection"
DETECTOR_JOBS = ("ecl", "tracks", SELECTION_JOB)  # (the jobs a run waits for before its trigger)
_SELECTION_IN_HELPER = False  # (whether the helpers have the run's selection among their jobs)
_DETECTOR_LOCK = threading.Lock()
_DETECTOR_SETTLED = set()  # (the detector jobs this process has claimed or waited for)


def wait_for_detector_compile(name):
    """Before the first call of detector kernel ``name`` ("ecl", "tracks"; or before the first
    selection, "selection", where the helpers have it), beside a helper that compiles it too: if the helper has not started it, it is claimed here (the run compiles it, the
    helper skips it); if the helper is doing it, it is waited for, not compiled a second time (on a
    slow machine the main process reached the tracking while the helper was still compiling it, and
    both compiled it)."""
    helper = _HELPER
    if helper is None or name in _DETECTOR_SETTLED or not _helper_has(helper, name):
        return
    with _DETECTOR_LOCK:  # (once per process and kernel: threads taking the first chunks wait here)
        if name in _DETECTOR_SETTLED:
            return
        process, claims = helper[0], helper[1]
        if not _claim(claims, name):
            if not os.path.exists(os.path.join(claims, name + ".done")):
                _compile_ahead()  # (the helper is at it: this process compiles what it needs later)
            _wait_done(process, claims, [name])
        _DETECTOR_SETTLED.add(name)


def _helper_has(helper, name):
    """Whether ``helper``'s jobs include job ``name`` (a detector job, or the selection)."""
    return _SELECTION_IN_HELPER if name == SELECTION_JOB else (helper[2] is True or helper[2] == name)


def selection_ahead(call):
    """``call`` (compiling the run's selection) as a call to compile ahead: made unless a helper has
    claimed the selection (then the helper makes it; claimed here, the done marker follows it)."""
    def ahead():
        helper = _HELPER
        if helper is None or not _helper_has(helper, SELECTION_JOB):
            call()
        elif _claim(helper[1], SELECTION_JOB):
            try:
                call()
            finally:
                _claim(helper[1], SELECTION_JOB + ".done")

    return ahead


_AHEAD = {}  # key -> call, compiled while waiting for the helper (None once made)
_AHEAD_LOCK = threading.Lock()


def compile_ahead(key, call):
    """On a first run beside a helper process, register ``call`` (key: made once per process),
    which compiles kernels this process needs later (e.g. a selection's, run on canned events with
    empty detector output): made instead of waiting idle for a detector kernel the helper compiles
    (zprime-mumu's main process waited ~2.7 s for the tracking kernel, then compiled its
    selection's kernels for ~2.5 s). Without a helper, nothing to do."""
    if _HELPER is None:
        return
    with _AHEAD_LOCK:
        _AHEAD.setdefault(key, call)


def _compile_ahead():
    """Make the registered calls not made yet. A call that fails compiles nothing ahead: its kernels
    compile on their first real call, as without this."""
    with _AHEAD_LOCK:
        calls = [(key, call) for key, call in _AHEAD.items() if call is not None]
        for key, _ in calls:
            _AHEAD[key] = None
    for _, call in calls:
        try:
            call()
        except Exception:  # (best effort; tests/test_cli_newcomer.py: every shipped selection takes them)
            pass


def take_trigger_jobs(card, menu):
    """Beside a helper process: take the trigger jobs it has not claimed, longest first as it does
    (:func:`trigger_compile_jobs`), until none is left or the helper is done; returns the jobs. Made
    before the first trigger call, and earlier as a call compiled ahead (scan.py) while this process
    waits for a detector kernel the helper compiles (zprime-mumu's main process idled ~1.7 s there)."""
    helper = _HELPER
    if helper is None:
        return []
    process, claims, detector_too = helper[0], helper[1], helper[2]
    jobs = trigger_compile_jobs(card, menu, detector_too)
    for name, call in jobs:
        if process.poll() is not None:
            break  # (the helper is done: what is left compiles at its first real call, as without one)
        if name not in DETECTOR_JOBS and _claim(claims, name):
            call()
            _claim(claims, name + ".done")
    return jobs


def wait_for_trigger_compile(card=None, menu=None):
    """Before the first trigger call: if the helper still runs, take the jobs it has not claimed (with
    ``card`` and ``menu``: :func:`take_trigger_jobs`), then wait for the ones it has; their kernels then load
    from the cache (had it failed, this process compiles them as it needs them). Threads taking
    chunks all wait."""
    global _HELPER
    if _HELPER is not None:
        with _HELPER_LOCK:
            if _HELPER is not None:
                process, claims, detector_too, channels_after = _HELPER
                if process.poll() is None and card is not None and menu is not None:
                    jobs = take_trigger_jobs(card, menu)
                    _wait_done(process, claims, [name for name, _ in jobs if name not in DETECTOR_JOBS])
                if not channels_after:  # (a warm-up's helper goes on with channels: warm_up waits)
                    process.wait()
                    shutil.rmtree(claims, ignore_errors=True)
                _HELPER = None
                with _AHEAD_LOCK:  # (calls never made: nothing left to wait for)
                    _AHEAD.clear()
