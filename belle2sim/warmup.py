"""First-run compilation: say when it happens, and let users do it ahead (``belle2sim warm-up``).

numba compiles belle2sim's kernels on their first call and caches the machine code on disk
(``cache=True``); a fresh installation's first run of a channel spends most of its time there.
:func:`needs_compiling` looks for the cache index of the kernels every run uses; :func:`warm_up`
runs every channel briefly (each analysis, and a lifetime axis where there is one) so that all
kernels are compiled once, before any real run.
"""

import importlib
import os
import threading
import time

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
    long-lived particle): compiles and caches every kernel. Returns {channel: seconds}."""
    from belle2sim.channels import available
    from belle2sim.scan import run_point

    start_trigger_compile()  # the trigger kernels in a second process while the first channel compiles the rest
    timings = {}
    for name, ch in sorted(available().items()):
        t = time.perf_counter()
        for analysis in ch.analyses:
            params = ch.resolve_parameters({ch.scan_parameter: ch.default_scan[len(ch.default_scan) // 2]}, card,
                                           analysis.key)
            run_point(ch, params, card, menu, events, 1, analysis=analysis)
            if ch.long_lived_pdg is not None:
                run_point(ch, params, card, menu, events, 1, analysis=analysis, lifetimes_cm=[1.0, 10.0])
        timings[name] = time.perf_counter() - t
        if progress:
            progress(name, timings[name])
    return timings


# --- first run: the trigger kernels compile in a second process ---------------------------------
#
# A first run compiles, one after the other, its channel's generator, the detector kernels, the
# trigger kernels and its selection. The trigger kernels need only arrays of the right types, not
# real detector output: a helper process compiles them (and vertexing) on canned events with empty
# detector output while this process compiles the generator and the detector, and the first chunk
# waits for the helper before it enters the trigger (its kernels then load from numba's cache).
# The numbers do not depend on it: the same kernels, compiled by one process or the other.

_HELPER = None
_HELPER_LOCK = threading.Lock()


def canned_events(n_events=6):
    """Identical events holding each response class of the detector: a photon, e+e-, mu+mu-,
    pi+pi- from a displaced vertex, K_L and a neutron (lab frame, GeV, cm)."""
    from belle2sim import pdgdata
    from belle2sim.events import STATUS_FINAL, EventBatch

    particles = ((22, 1.0, 0.4, 1.5), (11, 2.0, 0.1, 0.5), (-11, -2.0, -0.1, 0.2), (13, 1.5, -1.0, 1.0),
                 (-13, -1.5, 1.0, -0.5), (211, 0.8, 0.3, 0.4), (-211, -0.3, 0.8, 0.2), (130, 0.5, 0.5, 1.0),
                 (2112, -0.4, 0.2, 0.9))
    batch = EventBatch.empty(n_events, len(particles))
    for k, (pdg, px, py, pz) in enumerate(particles * n_events):
        batch.pdg[k], batch.px[k], batch.py[k], batch.pz[k] = pdg, px, py, pz
        m = pdgdata.mass_GeV(pdg)
        batch.E[k] = (px * px + py * py + pz * pz + m * m) ** 0.5
        batch.status[k] = STATUS_FINAL
        batch.parent[k] = -1
        if abs(pdg) == 211:
            batch.vx[k], batch.vy[k] = 3.0, 2.0
    return batch


def compile_trigger_kernels(detector_too=False):
    """Compile (or load) the input-bit and prescale kernels on canned events with empty (zero)
    detector output: only the argument types matter; then the menu program (a main process that
    still finds this one running compiles it itself meanwhile: :func:`wait_for_trigger_compile`).
    The vertexing kernel is left to the first displaced channel.
    ``detector_too``: first the ECL and tracking kernels, on the same events, for a main process
    that compiles a slow generator meanwhile (and then finds them in the cache); the menu program
    is then left to the main process, whose path is the shorter one."""
    import numpy as np

    from belle2sim import pdgdata
    from belle2sim.detector.card import load_card
    from belle2sim.detector.ecl import EclDeposits, simulate_ecl
    from belle2sim.detector.tracking import Tracks, simulate_tracks
    from belle2sim.trigger.bits import compile_menu_program, compute_input_bits, ftdl, psnm
    from belle2sim.trigger.menu import load_menu

    card, menu = load_card(), load_menu()
    batch = canned_events()
    n = batch.n_particles
    if detector_too:
        response, charge = pdgdata.classify(batch.pdg)
        simulate_tracks(batch, response, charge, simulate_ecl(batch, response, card, 1, charge), card, 1)
    deposits, tracks = EclDeposits(n), Tracks(n)
    for output in (deposits, tracks):
        for array in vars(output).values():
            if array is not None:  # (the momentum angles: computed when read)
                array.fill(0)
    charge = np.zeros(n)
    bits = compute_input_bits(batch, deposits, charge, tracks, card, menu, 1)
    psnm(ftdl(dict(bits), menu), menu, 1, batch.number)  # (a plain mapping: the NumPy evaluator)
    if not detector_too:
        # a main process that compiles a fast generator reaches the trigger after this helper is
        # done (its own compilation is the longer one): the menu program here, not there
        compile_menu_program(menu)


def start_trigger_compile(detector_too=False):
    """On a first run, compile the trigger kernels in a helper process (returns at once);
    ``detector_too``: the detector kernels first (Channel.slow_generator_compile). A channel whose
    generator compiles for ~10 s (zprime-mumu: the matrix element) reaches the detector only after
    the helper has compiled the trigger; one whose generator compiles in a few seconds would wait
    for the helper's detector kernels instead (dark-photon-invisible, measured: 11.7 -> 15.8 s)."""
    global _HELPER
    import subprocess
    import sys

    if _HELPER is None and needs_compiling():
        code = ("from belle2sim._jit import skip_numba_extensions; skip_numba_extensions(); "
                "from belle2sim.warmup import compile_trigger_kernels; "
                f"compile_trigger_kernels(detector_too={bool(detector_too)})")
        _HELPER = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for_trigger_compile(meanwhile=None):
    """Before the first trigger call: let the helper finish (its kernels then load from the cache;
    had it failed, this process would compile them itself), running ``meanwhile()`` first if it
    has not finished (compile what the helper leaves out). Threads taking chunks all wait."""
    global _HELPER
    if _HELPER is not None:
        with _HELPER_LOCK:
            if _HELPER is not None:
                if meanwhile is not None:
                    meanwhile()
                _HELPER.wait()
                _HELPER = None
