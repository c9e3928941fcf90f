"""First-run compilation: say when it happens, and let users do it ahead (``belle2sim warm-up``).

numba compiles belle2sim's kernels on their first call and caches the machine code on disk
(``cache=True``); a fresh installation's first run of a channel spends most of its time there.
:func:`needs_compiling` looks for the cache index of the kernels every run uses; :func:`warm_up`
runs every channel briefly (each analysis, and a lifetime axis where there is one) so that all
kernels are compiled once, before any real run.
"""

import importlib
import os
import time

# kernels every efficiency run calls: if their cache index is missing, this run compiles
SENTINELS = (("belle2sim.detector.ecl", "ecl_response"), ("belle2sim.detector.tracking", "track_response"),
             ("belle2sim.trigger.ecl_bits", "ecl_trigger_bits"), ("belle2sim.trigger.cdc_bits", "cdc_trigger_bits"))


def needs_compiling():
    """True if a sentinel kernel has no numba cache index yet (a first run on this installation)."""
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
