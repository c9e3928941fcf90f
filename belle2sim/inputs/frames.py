"""Which frame a file's events are in, and the boost of c.m.-frame events to the SuperKEKB lab.

c.m.: the two beams have (within 1e-4) equal energies and opposite momenta. lab: their energies are
SuperKEKB's (card ``beams``) within 1 %. Anything else: kept as it is, with a warning. A c.m.-frame
event is rotated so that its e- beam points along the e- beam's direction in SuperKEKB's c.m. frame
(the crossing angle included), then boosted with the nominal c.m. velocity (``vector``).
"""

from dataclasses import dataclass, field

import numpy as np

from belle2sim.errors import InputFileError
from belle2sim.events import STATUS_BEAM


@dataclass
class Frame:
    name: str
    sqrt_s_GeV: float
    warnings: list = field(default_factory=list)


def _beams(batch, where):
    is_beam = batch.status == STATUS_BEAM
    counts = np.add.reduceat(is_beam.astype(int), batch.offsets[:-1]) if len(batch) else np.zeros(0)
    if np.any(counts != 2):
        ev = int(np.argmax(counts != 2))
        raise InputFileError(f"{where}: event {batch.number[ev]} has {counts[ev]} beam particles, expected 2 (e- and e+)")
    idx = np.flatnonzero(is_beam).reshape(-1, 2)
    em = np.where(batch.pdg[idx[:, 0]] == 11, idx[:, 0], idx[:, 1])
    ep = np.where(batch.pdg[idx[:, 0]] == 11, idx[:, 1], idx[:, 0])
    if not (np.all(batch.pdg[em] == 11) and np.all(batch.pdg[ep] == -11)):
        ev = int(np.argmax((batch.pdg[em] != 11) | (batch.pdg[ep] != -11)))
        raise InputFileError(f"{where}: event {batch.number[ev]}: the beams are not e- and e+")
    return em, ep


def classify_frame(batch, card, where):
    em, ep = _beams(batch, where)
    e_m, e_p = batch.E[em], batch.E[ep]
    p_tot = np.stack([batch.px[em] + batch.px[ep], batch.py[em] + batch.py[ep], batch.pz[em] + batch.pz[ep]])
    e_tot = e_m + e_p
    sqrt_s = float(np.median(np.sqrt(np.maximum(e_tot**2 - np.sum(p_tot**2, axis=0), 0.0))))
    warnings = []
    nominal = card.beams.sqrt_s_GeV
    if abs(sqrt_s - nominal) > 1e-3 * nominal:
        warnings.append(f"sqrt(s) = {sqrt_s:.4f} GeV differs from SuperKEKB's {nominal:.4f} GeV (card)")
    her, ler = card.beams.nominal_fourvectors()
    if np.all(np.abs(e_m - e_p) < 1e-4 * e_tot) and np.all(np.linalg.norm(p_tot, axis=0) < 1e-4 * e_tot):
        return Frame("c.m.", sqrt_s, warnings)
    if np.all(np.abs(e_m - her[3]) < 0.01 * her[3]) and np.all(np.abs(e_p - ler[3]) < 0.01 * ler[3]):
        return Frame("lab", sqrt_s, warnings)
    warnings.append(f"beams of {np.median(e_m):.3f} (e-) and {np.median(e_p):.3f} GeV (e+) are neither a c.m. "
                    "frame nor SuperKEKB's: events kept as they are")
    return Frame("other", sqrt_s, warnings)


def _rotation_to(axis):
    """Rotation matrix taking +z to the unit vector ``axis`` (Rodrigues)."""
    z = np.array([0.0, 0.0, 1.0])
    v = np.cross(z, axis)
    s, c = np.linalg.norm(v), float(np.dot(z, axis))
    if s < 1e-15:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + k + k @ k * ((1 - c) / s**2)


def to_lab(batch, card):
    """Rotate and boost a c.m.-frame batch into the SuperKEKB lab (in place). The e- beam of the
    file is taken along +z or -z (whichever it is) and turned onto SuperKEKB's c.m. e- direction."""
    import vector

    beta = card.beams.boost_vector
    px, py, pz, e = card.beams.nominal_fourvectors()[0]
    her = vector.obj(px=px, py=py, pz=pz, E=e)
    her_cm = her.boost_beta3(vector.obj(x=-beta[0], y=-beta[1], z=-beta[2]))
    axis = np.array([her_cm.px, her_cm.py, her_cm.pz]) / her_cm.p
    em, _ = _beams(batch, "")
    sign = np.sign(batch.pz[em])
    sign_per_particle = np.repeat(np.where(sign == 0, 1.0, sign), np.diff(batch.offsets))
    rot = _rotation_to(axis)
    p = np.stack([batch.px, batch.py, batch.pz * sign_per_particle, batch.px * 0.0])
    p[:3] = rot @ p[:3]
    v = np.stack([batch.vx, batch.vy, batch.vz * sign_per_particle])
    v = rot @ v
    p4 = vector.array({"px": p[0], "py": p[1], "pz": p[2], "E": batch.E}).boost_beta3(
        vector.obj(x=beta[0], y=beta[1], z=beta[2]))
    batch.px, batch.py, batch.pz, batch.E = (np.ascontiguousarray(np.asarray(x, dtype=np.float64))
                                             for x in (p4.px, p4.py, p4.pz, p4.E))
    batch.vx, batch.vy, batch.vz = (np.ascontiguousarray(x) for x in v)
    return batch
