"""e+e- -> Upsilon(4S) -> B Bbar with both B decaying generically (Pythia 8 pools), for rates.

Upsilon(4S) at the nominal sqrt(s), at rest in the c.m. frame; B+B- (51.4 %) or B0 B0bar (48.6 %,
PDG RPP 2024, cited by hand); the B direction follows sin^2(theta) about the e- beam (as in
generators/b_meson.py); each B takes one rest-frame decay from the pool of its flavour
(generators/pythia_decays.py), rotated isotropically and boosted. Every random number derives from
(seed, event number). Cross section: sigma(e+e- -> Upsilon(4S)) = 1.110 nb (Physics Book, data
sheet sec. 7b), B(Upsilon(4S) -> B Bbar) taken as 1 (it is above 96 %).
"""

import numpy as np

from belle2sim import pdgdata, rng
from belle2sim._jit import range_kernel
from belle2sim.events import STATUS_BEAM, STATUS_DECAYED, STATUS_FINAL, EventBatch
from belle2sim.generators.pythia_decays import b_decay_pool

SIGMA_FB = 1.110e6
CHARGED_FRACTION = 0.514
N_UNIFORMS = 12


@range_kernel("numbers")
def _uniforms(begin, end, seed, numbers, out):
    for i in range(begin, end):
        key = rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR)
        for k in range(out.shape[1]):
            out[i, k] = rng.uniform(key, k)


def _rotations(u):
    """Isotropic rotation matrices (n, 3, 3) from three uniforms per event (Arvo's method)."""
    theta, phi, z = 2 * np.pi * u[:, 0], 2 * np.pi * u[:, 1], u[:, 2]
    r = np.sqrt(z)
    v = np.stack([np.cos(phi) * r, np.sin(phi) * r, np.sqrt(1 - z)], axis=1)
    rz = np.zeros((len(u), 3, 3))
    rz[:, 0, 0], rz[:, 0, 1], rz[:, 1, 0], rz[:, 1, 1], rz[:, 2, 2] = (np.cos(theta), np.sin(theta), -np.sin(theta),
                                                                       np.cos(theta), 1.0)
    house = np.eye(3)[None] - 2 * v[:, :, None] * v[:, None, :]
    return -np.einsum("nij,njk->nik", house, rz)


def generate(seed, first, n, card):
    import vector

    numbers = np.arange(first, first + n, dtype=np.int64)
    u = np.empty((n, N_UNIFORMS))
    _uniforms(np.uint64(seed), numbers, u)
    charged = u[:, 0] < CHARGED_FRACTION
    b_pdg = np.where(charged, 521, 511)
    m_b = np.where(charged, pdgdata.mass_GeV(521), pdgdata.mass_GeV(511))
    sqrt_s = card.beams.sqrt_s_GeV
    p_star = np.sqrt(np.maximum(sqrt_s**2 / 4 - m_b**2, 0.0))
    # sin^2 theta: c from the cubic's inverse CDF F(c) = (2 + 3c - c^3) / 4
    c = 2 * np.cos((np.arccos(1 - 2 * u[:, 1]) + 4 * np.pi) / 3)
    her, _ = card.beams.nominal_fourvectors()
    beta = card.beams.boost_vector
    her_cm = vector.obj(px=her[0], py=her[1], pz=her[2], E=her[3]).boost_beta3(
        vector.obj(x=-beta[0], y=-beta[1], z=-beta[2]))
    axis = np.array([her_cm.px, her_cm.py, her_cm.pz]) / her_cm.p
    perp1 = np.cross(axis, [0, 1, 0])
    perp1 /= np.linalg.norm(perp1)
    perp2 = np.cross(axis, perp1)
    phi = 2 * np.pi * u[:, 2]
    s = np.sqrt(1 - c**2)
    direction = (c[:, None] * axis + (s * np.cos(phi))[:, None] * perp1 + (s * np.sin(phi))[:, None] * perp2)
    b_cm = vector.array({"px": p_star * direction[:, 0], "py": p_star * direction[:, 1],
                         "pz": p_star * direction[:, 2], "E": np.full(n, sqrt_s / 2)})
    boost = vector.obj(x=beta[0], y=beta[1], z=beta[2])
    b1 = b_cm.boost_beta3(boost)
    b2 = vector.array({"px": -b_cm.px, "py": -b_cm.py, "pz": -b_cm.pz, "E": b_cm.E}).boost_beta3(boost)
    parts = []
    for k, (b_vec, sign) in enumerate(((b1, 1), (b2, -1))):
        pdg = sign * b_pdg
        rows = []
        for flavour in np.unique(pdg):
            off, ids, px, py, pz, E = b_decay_pool(int(flavour), int(seed))
            sel = np.flatnonzero(pdg == flavour)
            pick = np.minimum((u[sel, 3 + k] * (len(off) - 1)).astype(np.int64), len(off) - 2)
            rows.append((sel, off, ids, px, py, pz, E, pick))
        parts.append((b_vec, pdg, rows, _rotations(u[:, 5 + 3 * k: 8 + 3 * k])))
    # assemble: beams, Upsilon(4S), B1, B2, then each B's decay products
    counts = np.full(n, 5, dtype=np.int64)
    for _, _, rows, _ in parts:
        for sel, off, *_, pick in rows:
            counts[sel] += off[pick + 1] - off[pick]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    total = int(offsets[-1])
    a = {f: np.zeros(total) for f in ("px", "py", "pz", "E", "vx", "vy", "vz")}
    pdg_all = np.zeros(total, dtype=np.int32)
    parent = -np.ones(total, dtype=np.int32)
    status = np.zeros(total, dtype=np.int8)
    her, ler = card.beams.nominal_fourvectors()
    tot = card.beams.total_fourvector
    start = offsets[:-1]
    for slot, (vec, code, st) in enumerate(((her, 11, STATUS_BEAM), (ler, -11, STATUS_BEAM),
                                            (tot, 300553, STATUS_DECAYED))):
        for f, v in zip(("px", "py", "pz", "E"), vec):
            a[f][start + slot] = v
        pdg_all[start + slot], status[start + slot] = code, st
    fill = start + 5
    for k, (b_vec, pdg, rows, rot) in enumerate(parts):
        j = start + 3 + k
        a["px"][j], a["py"][j], a["pz"][j], a["E"][j] = b_vec.px, b_vec.py, b_vec.pz, b_vec.E
        pdg_all[j], status[j], parent[j] = pdg, STATUS_DECAYED, 2
        vel = np.stack([b_vec.px, b_vec.py, b_vec.pz]) / b_vec.E
        for sel, off, ids, px, py, pz, E, pick in rows:
            length = off[pick + 1] - off[pick]
            ev = np.repeat(sel, length)
            src = np.concatenate([np.arange(off[q], off[q + 1]) for q in pick]) if len(pick) else np.zeros(0, int)
            within = np.concatenate([np.arange(x) for x in length]) if len(pick) else np.zeros(0, int)
            dest = fill[ev] + within
            p = np.einsum("nij,nj->ni", rot[ev], np.stack([px[src], py[src], pz[src]], axis=1))
            lab = vector.array({"px": p[:, 0], "py": p[:, 1], "pz": p[:, 2], "E": E[src]}).boost_beta3(
                vector.array({"x": vel[0, ev], "y": vel[1, ev], "z": vel[2, ev]}))
            a["px"][dest], a["py"][dest], a["pz"][dest], a["E"][dest] = lab.px, lab.py, lab.pz, lab.E
            pdg_all[dest] = ids[src]  # the pool of this B's own flavour
            status[dest], parent[dest] = STATUS_FINAL, 3 + k
            fill[sel] += length
    return EventBatch(pdg=pdg_all, **a, parent=parent, status=status, offsets=offsets, weight=np.ones(n),
                      number=numbers)

