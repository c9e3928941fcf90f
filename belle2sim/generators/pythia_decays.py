"""Generic B-meson decays from Pythia 8 (pythia8mc), as a pool of rest-frame decays.

Pythia 8 decays a B at rest (``ProcessLevel:all = off``; its decay tables, which include
K0S and Lambda decays at the decay point) POOL_SIZE times; each event then takes one decay from
the pool, chosen by its own counter-based random number, rotated isotropically and boosted to its
B. The pool depends only on the flavour and the seed, so results do not depend on chunking or
threads. With POOL_SIZE = 20000 distinct decays the pool's own statistics are far below an
efficiency's (the other B enters only through the trigger and the vetoes). A pool takes ~1.5 s
to make (Pythia's next() and the copy of its record, ~75 us per decay): made once per machine and
kept on disk (belle2sim/_data_cache.py), then read in milliseconds.
"""

import os
from functools import lru_cache

import numpy as np

from belle2sim._data_cache import cached_arrays, pythia_version

POOL_SIZE = 20_000
POOL_VERSION = 1  # (raise when b_decay_pool's settings or layout change: older files are then not read)
_POOL_FIELDS = ("offsets", "pdg", "px", "py", "pz", "E")


def pythia(*settings, forced=None):
    """An initialised, quiet Pythia 8 instance (pythia8mc) with ``settings``; a refused setting or
    a failed initialisation is an error naming it. Every Pythia of belle2sim is made here.
    ``forced``: {parameter: value} set past the range Pythia declares for it (Settings::forceParm);
    each use says why next to it."""
    import pythia8mc

    p = pythia8mc.Pythia("", False)
    if not p.settings.isFlag("Print:quiet"):  # (no settings at all: every setting would be refused)
        raise RuntimeError("Pythia 8 found none of its settings: its data folder (share/Pythia8/xmldoc of "
                           "the pythia8mc installation) is missing or not where Pythia looks; set "
                           f"PYTHIA8DATA to that folder (now: {os.environ.get('PYTHIA8DATA', 'unset')})")
    for setting in ("Print:quiet = on", "Next:numberCount = 0") + settings:
        if not p.readString(setting):
            raise RuntimeError(f"Pythia refused the setting {setting!r}")
    for name, value in (forced or {}).items():
        p.settings.forceParm(name, float(value))
        if p.settings.parm(name) != float(value):
            raise RuntimeError(f"Pythia did not take {name} = {value}")
    if not p.init():
        raise RuntimeError(f"Pythia failed to initialise with {settings}")
    return p


@lru_cache(maxsize=8)
def b_decay_pool(pdg, seed):
    """(offsets, pdg, px, py, pz, E) of the final-state particles of POOL_SIZE decays of a B
    (``pdg``) at rest (GeV): from the disk cache, or made (:func:`make_b_decay_pool`) and cached."""
    name = f"b_decay_pool_v{POOL_VERSION}_{int(pdg)}_n{POOL_SIZE}_seed{int(seed)}_pythia{pythia_version()}"
    pool = cached_arrays(name, _POOL_FIELDS, lambda: dict(zip(_POOL_FIELDS, make_b_decay_pool(pdg, seed))))
    return tuple(pool[field] for field in _POOL_FIELDS)


def make_b_decay_pool(pdg, seed):
    """:func:`b_decay_pool` made with Pythia 8."""
    pythia_ = pythia("ProcessLevel:all = off", "Random:setSeed = on",
                     f"Random:seed = {1 + (int(seed) * 7919 + abs(int(pdg))) % 900_000_000}", "Check:event = on")
    mass = pythia_.particleData.m0(int(pdg))
    ids, mom, counts = [], [], []
    event = pythia_.event
    while len(counts) < POOL_SIZE:
        event.reset()
        event.append(int(pdg), 1, 0, 0, 0.0, 0.0, 0.0, mass, mass)
        if not pythia_.next():
            continue
        n = 0
        for particle in event.particles():  # (the record in one call: 1.96 -> 1.53 s a pool, measured)
            if particle.isFinal():
                ids.append(particle.id())
                mom.append((particle.px(), particle.py(), particle.pz(), particle.e()))
                n += 1
        counts.append(n)
    mom = np.array(mom, dtype=np.float64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return offsets, np.array(ids, dtype=np.int32), mom[:, 0].copy(), mom[:, 1].copy(), mom[:, 2].copy(), mom[:, 3].copy()
