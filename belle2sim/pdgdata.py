"""PDG data, from the ``particle`` package, plus a small registry of new (dark-sector) states.

Nothing here hard-codes a Standard Model mass, charge or lifetime: they come from ``particle``
(which speaks MeV and mm; converted here to GeV and cm, the basf2 convention). New particles
that the PDG tables do not hold (dark photon, Z', dark scalar, ALP, dark-matter states) are
registered in :data:`NEW_PARTICLES` with their charge and whether the detector can see them;
their masses are parameters of the channel, carried by each event's four-vectors.

Every particle is sorted into a *response class*, the one fact the detector kernels need.
"""

from functools import lru_cache

import numpy as np

from belle2sim.errors import UnknownParticleError

# Response classes, as seen by the detector kernels.
INVISIBLE = 0
PHOTON = 1
ELECTRON = 2
MUON = 3
CHARGED_HADRON = 4
NEUTRAL_HADRON = 5

RESPONSE_NAMES = {
    INVISIBLE: "invisible",
    PHOTON: "photon",
    ELECTRON: "electron",
    MUON: "muon",
    CHARGED_HADRON: "charged hadron",
    NEUTRAL_HADRON: "neutral hadron",
}

# id -> (name, charge in e, visible to the detector?). Ids follow the generators these
# particles usually come from: Pythia's Hidden Valley gauge boson (4900022/4900023), MadGraph's
# dark-matter and ALP models (9000005, 52), so files from those tools read as they are.
NEW_PARTICLES = {
    4900022: ("A'", 0, False),
    4900023: ("Z'", 0, False),
    4900025: ("h'", 0, False),
    9000005: ("a", 0, False),
    52: ("chi", 0, False),
    1000022: ("chi1", 0, False),
    1000023: ("chi2", 0, False),
}

_NEUTRINOS = {12, 14, 16}


@lru_cache(maxsize=None)
def _pdg_particle(pdgid):
    from particle import Particle
    from particle.particle import ParticleNotFound, InvalidParticle

    try:
        return Particle.from_pdgid(int(pdgid))
    except (ParticleNotFound, InvalidParticle, ValueError) as exc:
        raise UnknownParticleError(
            f"PDG id {pdgid} is neither in the PDG tables (particle package) nor in "
            f"belle2sim's registry of new particles (belle2sim.pdgdata.NEW_PARTICLES)"
        ) from exc


def name(pdgid):
    """Human-readable name of a particle."""
    if pdgid in NEW_PARTICLES:
        return NEW_PARTICLES[pdgid][0]
    return _pdg_particle(pdgid).name


def mass_GeV(pdgid):
    """PDG mass in GeV (``particle`` gives MeV)."""
    if abs(pdgid) in NEW_PARTICLES:
        raise UnknownParticleError(f"{name(abs(pdgid))} ({pdgid}) has no PDG mass: it is a channel parameter")
    m = _pdg_particle(pdgid).mass
    if m is None:
        raise UnknownParticleError(f"PDG id {pdgid} has no mass in the PDG tables")
    return m * 1e-3


def charge(pdgid):
    """Electric charge in units of e."""
    if abs(pdgid) in NEW_PARTICLES:
        return NEW_PARTICLES[abs(pdgid)][1]
    return _pdg_particle(pdgid).charge


def ctau_cm(pdgid):
    """Proper decay length c*tau in cm (``particle`` gives mm); inf for stable particles."""
    p = _pdg_particle(pdgid)
    if p.ctau is None:
        return np.inf
    return p.ctau * 0.1


@lru_cache(maxsize=None)
def response_class(pdgid):
    """How the detector sees this particle: one of INVISIBLE, PHOTON, ELECTRON, ..."""
    a = abs(int(pdgid))
    if a in NEW_PARTICLES:
        _, q, visible = NEW_PARTICLES[a]
        return INVISIBLE if not visible else (CHARGED_HADRON if q else NEUTRAL_HADRON)
    if a in _NEUTRINOS:
        _pdg_particle(pdgid)
        return INVISIBLE
    if a == 22:
        return PHOTON
    if a == 11:
        return ELECTRON
    if a == 13:
        return MUON
    q = charge(pdgid)
    return CHARGED_HADRON if q != 0 else NEUTRAL_HADRON


def _dense_index(table_keys, half_width):
    """Row of each key k in [-half_width, half_width) of the sorted ``table_keys`` at k + half_width,
    -1 for keys not in the table: the common PDG ids (|id| < 1024: leptons, photons, light and heavy
    mesons) found by one load instead of a binary search."""
    dense = np.full(2 * half_width, -1, dtype=np.int32)
    inside = (table_keys >= -half_width) & (table_keys < half_width)
    dense[table_keys[inside] + half_width] = np.flatnonzero(inside)
    return dense


class _Table:
    """A growing sorted table pdg id -> (response class, charge), so that classifying millions
    of particles is one parallel binary search instead of a sort (np.unique) per chunk; ids with
    |id| < DENSE_HALF_WIDTH (the common particles) are found by one load from a dense index.
    Threads taking chunks share it: the arrays are replaced together as one tuple, read once per
    call, so a lookup never mixes the rows of two versions."""

    DENSE_HALF_WIDTH = 1024

    def __init__(self):
        ids = np.zeros(0, dtype=np.int64)
        self._state = (ids, np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.float64),
                       _dense_index(ids, self.DENSE_HALF_WIDTH))

    def __call__(self, pdg):
        from belle2sim._lookup import lookup2

        pdg = np.ascontiguousarray(pdg).ravel()
        if pdg.dtype.type not in (np.int32, np.int64):  # (types, not dtypes: no conversion per chunk)
            pdg = pdg.astype(np.int64)
        response = np.empty(len(pdg), dtype=np.int8)
        charge_ = np.empty(len(pdg), dtype=np.float64)
        state = self._state
        found, missing = lookup2(pdg, *state, response, charge_)
        if missing:
            ids, responses, charges, _ = state
            new = np.unique(pdg[~found])
            ids = np.concatenate([ids, new])
            order = np.argsort(ids)
            responses = np.concatenate([responses, np.array([response_class(int(p)) for p in new], dtype=np.int8)])
            charges = np.concatenate([charges, np.array([charge(int(p)) for p in new], dtype=np.float64)])
            ids = ids[order]
            state = (ids, responses[order], charges[order], _dense_index(ids, self.DENSE_HALF_WIDTH))
            self._state = state
            lookup2(pdg, *state, response, charge_)
        return response, charge_


_TABLE = _Table()


def classify(pdg):
    """(response classes int8, charges float64 in e) for an array of PDG ids, in one pass.

    Raises UnknownParticleError naming the first id that is in neither table."""
    return _TABLE(pdg)


def response_classes(pdg):
    """Vectorised :func:`response_class` (int8 array)."""
    return _TABLE(pdg)[0]


def charges(pdg):
    """Vectorised :func:`charge` (float64 array, units of e)."""
    return _TABLE(pdg)[1]
