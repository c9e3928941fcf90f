"""Generic B-meson decays from Pythia 8 (pythia8mc), as a pool of rest-frame decays.

Pythia 8 decays a B at rest (``ProcessLevel:all = off``; its decay tables, which include
K0S and Lambda decays at the decay point) POOL_SIZE times; each event then takes one decay from
the pool, chosen by its own counter-based random number, rotated isotropically and boosted to its
B. The pool depends only on the flavour and the seed, so results do not depend on chunking or
threads. With POOL_SIZE = 20000 distinct decays the pool's own statistics are far below an
efficiency's (the other B enters only through the trigger and the vetoes).
"""

from functools import lru_cache

import numpy as np

POOL_SIZE = 20_000


@lru_cache(maxsize=8)
def b_decay_pool(pdg, seed):
    """(offsets, pdg, px, py, pz, E) of the final-state particles of POOL_SIZE decays of a B
    (``pdg``) at rest (GeV)."""
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for setting in ("ProcessLevel:all = off", "Print:quiet = on", "Random:setSeed = on",
                    f"Random:seed = {1 + (int(seed) * 7919 + abs(int(pdg))) % 900_000_000}",
                    "Next:numberCount = 0", "Check:event = on"):
        pythia.readString(setting)
    pythia.init()
    mass = pythia.particleData.m0(int(pdg))
    ids, mom, counts = [], [], []
    while len(counts) < POOL_SIZE:
        pythia.event.reset()
        pythia.event.append(int(pdg), 1, 0, 0, 0.0, 0.0, 0.0, mass, mass)
        if not pythia.next():
            continue
        n = 0
        for k in range(pythia.event.size()):
            particle = pythia.event[k]
            if particle.isFinal():
                ids.append(particle.id())
                mom.append((particle.px(), particle.py(), particle.pz(), particle.e()))
                n += 1
        counts.append(n)
    mom = np.array(mom, dtype=np.float64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return offsets, np.array(ids, dtype=np.int32), mom[:, 0].copy(), mom[:, 1].copy(), mom[:, 2].copy(), mom[:, 3].copy()
