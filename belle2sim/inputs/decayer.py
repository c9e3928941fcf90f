"""Decay the unstable final-state particles a file left undecayed, with Pythia 8.

A generator's output may stop before hadron decays (MadGraph: pi0, eta, K0S, D mesons...). Each
such particle (c tau below ``STABLE_CTAU_CM``) is handed to Pythia 8 (``ProcessLevel:all = off``,
``next`` at hadron level) with its lab four-momentum; Pythia decays it, and its decay products in turn,
with its own tables and lifetimes (decay vertices included), and the products are appended to the
event with the particle as parent and positions relative to its production point. Pythia's
generator is re-seeded from (seed, event number) for each event, so the result does not depend
on chunking. Taus are left to the Pythia tau bank (generators/tau_decays.py), as for belle2sim's
own events.
"""

import numpy as np

from belle2sim import pdgdata, rng
from belle2sim.errors import UnknownParticleError
from belle2sim.events import STATUS_DECAYED, STATUS_FINAL, EventBatch

STABLE_CTAU_CM = 100.0
_SEED_MAX = 900_000_000
_PYTHIA = {}


def unstable(pdg):
    """True for a particle that decays within STABLE_CTAU_CM and is not a new (registry) state or a tau."""
    a = abs(int(pdg))
    if a in pdgdata.NEW_PARTICLES or a == 15:
        return False
    try:
        return pdgdata.ctau_cm(a) <= STABLE_CTAU_CM
    except UnknownParticleError:
        return False


def _pythia():
    if "p" not in _PYTHIA:
        from belle2sim.generators.pythia_decays import pythia

        _PYTHIA["p"] = pythia("ProcessLevel:all = off", "Random:setSeed = on", "Random:seed = 1",
                              "ParticleDecays:limitTau0 = on", f"ParticleDecays:tau0Max = {10 * STABLE_CTAU_CM}")
    return _PYTHIA["p"]


def decay_unstable(batch, seed):
    """A new EventBatch with every unstable final-state particle decayed (see the module docstring)."""
    todo_ids = {int(x) for x in np.unique(batch.pdg[batch.status == STATUS_FINAL]) if unstable(x)}
    if not todo_ids:
        return batch
    p = _pythia()
    fields = ("pdg", "px", "py", "pz", "E", "vx", "vy", "vz", "parent", "status")
    out = {f: [] for f in fields}
    counts = []
    for i in range(len(batch)):
        start, stop = batch.offsets[i], batch.offsets[i + 1]
        rows = {f: list(getattr(batch, f)[start:stop]) for f in fields}
        todo = [k for k in range(stop - start) if rows["status"][k] == STATUS_FINAL and int(rows["pdg"][k]) in todo_ids]
        if todo:
            key = rng.event_key(np.uint64(seed), int(batch.number[i]), rng.STAGE_DECAY)
            p.rndm.init(1 + int(key % np.uint64(_SEED_MAX)))
            p.event.reset()
            for k in todo:
                m2 = rows["E"][k] ** 2 - rows["px"][k] ** 2 - rows["py"][k] ** 2 - rows["pz"][k] ** 2
                p.event.append(int(rows["pdg"][k]), 1, 0, 0, rows["px"][k], rows["py"][k], rows["pz"][k], rows["E"][k],
                               float(np.sqrt(max(m2, 0.0))))
            if not p.next():  # hadron level only (ProcessLevel:all = off): decays what was appended
                raise RuntimeError(f"Pythia could not decay the unstable particles of event {batch.number[i]}")
            where, root = {}, {}  # Pythia index -> local index in our event / the undecayed particle it comes from
            for slot, k in enumerate(todo):
                where[slot + 1] = root[slot + 1] = k
                rows["status"][k] = STATUS_DECAYED
            for idx in range(len(todo) + 1, p.event.size()):
                part = p.event[idx]
                mother = where.get(part.mother1())
                if mother is None:
                    continue
                where[idx] = len(rows["pdg"])
                root[idx] = root[part.mother1()]
                rows["pdg"].append(part.id())
                rows["px"].append(part.px()), rows["py"].append(part.py()), rows["pz"].append(part.pz())
                rows["E"].append(part.e())
                base = (rows["vx"][root[idx]], rows["vy"][root[idx]], rows["vz"][root[idx]])
                rows["vx"].append(base[0] + 0.1 * part.xProd())
                rows["vy"].append(base[1] + 0.1 * part.yProd())
                rows["vz"].append(base[2] + 0.1 * part.zProd())
                rows["parent"].append(mother)
                rows["status"].append(STATUS_FINAL if part.isFinal() else STATUS_DECAYED)
        for f in fields:
            out[f].extend(rows[f])
        counts.append(len(rows["pdg"]))
    return EventBatch(**{f: np.array(v) for f, v in out.items()}, offsets=np.concatenate([[0], np.cumsum(counts)]),
                      weight=batch.weight.copy(), number=batch.number.copy())
