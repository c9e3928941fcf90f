"""e+e- -> Upsilon(4S) -> B Bbar with one B -> K(*) S, S -> x+ x-; the other B decays generically.

* Upsilon(4S): produced at each event's sqrt(s) (beam energy spread included), at rest in the c.m.
  frame; B and Bbar back to back with the two-body momentum, polar angle distributed as
  sin^2(theta) about the beam axis (a vector decaying to two pseudoscalars, produced with
  helicity +-1 along the beams).
* The signal B (B+ or B0, or their antiparticles, half each) decays to K+ S (or an ALP a) (spin 0 -> 0 0:
  isotropic) or K*0 S with K*0 -> K+ pi- (a vector from a pseudoscalar with a scalar is
  longitudinal: the K*0 decay angle follows cos^2 of the helicity angle; the K*0 is at its PDG mass,
  its width is not modelled). S -> x+ x- is isotropic (spin 0); the S is the long-lived particle.
* The other B: a generic decay from Pythia 8 (generators/pythia_decays.py).

Masses from the ``particle`` package. Event layout: e-, e+, Upsilon(4S), B_signal, B_other, then
the signal chain (K or K*0, K+, pi-), S, x+, x-, then the other B's decay products.
"""

import numpy as np

from belle2sim import pdgdata, rng
from belle2sim._jit import inline, range_kernel
from belle2sim.beams import event_frame
from belle2sim.events import STATUS_BEAM, STATUS_DECAYED, STATUS_FINAL, EventBatch
from belle2sim.generators.pythia_decays import b_decay_pool
from belle2sim.kinematics import boost, direction, two_body_momentum

PDG_SCALAR = 4900025  # the registry's h' / dark scalar
PDG_UPSILON4S = 300553
MODES = {"K+": (521, 321, 0), "K*0": (511, 313, 1)}  # signal B, kaon system, has a K* decay
SCALAR_DECAYS = (11, 13, 211, 321)


@inline
def _set(arrays, j, pdg_, status_, parent_, p4, vtx):
    pdg, px, py, pz, E, vx, vy, vz, parent, status = arrays
    pdg[j], status[j], parent[j] = pdg_, status_, parent_
    px[j], py[j], pz[j], E[j] = p4[0], p4[1], p4[2], p4[3]
    vx[j], vy[j], vz[j] = vtx[0], vtx[1], vtx[2]


@inline
def _iso(key, counter):
    c = 2.0 * rng.uniform(key, counter) - 1.0
    f = 2.0 * np.pi * rng.uniform(key, counter + 1)
    s = np.sqrt(max(1.0 - c * c, 0.0))
    return s * np.cos(f), s * np.sin(f), c


@inline
def _rotate(key, x, y, z):
    """An isotropic random rotation (Euler angles phi, acos(c), psi) applied to (x, y, z)."""
    phi = 2.0 * np.pi * rng.uniform(key, 40)
    psi = 2.0 * np.pi * rng.uniform(key, 41)
    c = 2.0 * rng.uniform(key, 42) - 1.0
    s = np.sqrt(max(1.0 - c * c, 0.0))
    x1, y1 = np.cos(psi) * x - np.sin(psi) * y, np.sin(psi) * x + np.cos(psi) * y
    y2, z2 = c * y1 - s * z, s * y1 + c * z
    return np.cos(phi) * x1 - np.sin(phi) * y2, np.sin(phi) * x1 + np.cos(phi) * y2, z2


@inline
def sign_flip(pdg, sign):
    """+1, or -1 to conjugate (particles that are their own antiparticle keep their id)."""
    a = abs(pdg)
    if sign > 0 or a == 22 or a == 111 or a == 130 or a == 310 or a == 221 or a == 223 or a == 113 or a == 333:
        return 1
    return -1


@range_kernel("numbers")
def _generate(begin, end, seed, numbers, offsets, beam, m_b, m_kaon_system, kstar, m_k, m_pi, m_s, m_x, x_pdg,
              llp_pdg, b_pdg, k_pdg, pool_off, pool_pdg, pool_px, pool_py, pool_pz, pool_E, pool_choice, pdg, px,
              py, pz, E, vx, vy, vz, parent, status):
    arrays = (pdg, px, py, pz, E, vx, vy, vz, parent, status)
    for i in range(begin, end):
        her, ler, vtx, sqrt_s, (bx, by, bz), (ex, ey, ez) = event_frame(
            rng.event_key(seed, numbers[i], rng.STAGE_BEAM), beam)
        kg = rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR)
        kd = rng.event_key(seed, numbers[i], rng.STAGE_DECAY)
        j = offsets[i]
        _set(arrays, j, 11, STATUS_BEAM, -1, her, vtx)
        _set(arrays, j + 1, -11, STATUS_BEAM, -1, ler, vtx)
        _set(arrays, j + 2, PDG_UPSILON4S, STATUS_DECAYED, -1, boost(0.0, 0.0, 0.0, sqrt_s, bx, by, bz), vtx)
        # B pair: sin^2 theta about the e- axis
        c = 0.0
        for attempt in range(1000):
            c = 2.0 * rng.uniform(kg, 2 * attempt + 10) - 1.0
            if rng.uniform(kg, 2 * attempt + 11) < 1.0 - c * c:
                break
        dx, dy, dz = direction(ex, ey, ez, c, 2.0 * np.pi * rng.uniform(kg, 0))
        q = two_body_momentum(sqrt_s, m_b, m_b)
        e_b = 0.5 * sqrt_s
        sign = 1 if rng.uniform(kg, 1) < 0.5 else -1  # the signal B or its antiparticle
        b_sig = boost(q * dx, q * dy, q * dz, e_b, bx, by, bz)
        b_oth = boost(-q * dx, -q * dy, -q * dz, e_b, bx, by, bz)
        _set(arrays, j + 3, sign * b_pdg, STATUS_DECAYED, 2, b_sig, vtx)
        _set(arrays, j + 4, -sign * b_pdg, STATUS_DECAYED, 2, b_oth, vtx)
        vb = (b_sig[0] / b_sig[3], b_sig[1] / b_sig[3], b_sig[2] / b_sig[3])
        # B -> K(*) S, isotropic in the B frame
        ux, uy, uz = _iso(kd, 0)
        qk = two_body_momentum(m_b, m_kaon_system, m_s)
        kaon = boost(qk * ux, qk * uy, qk * uz, np.sqrt(qk * qk + m_kaon_system ** 2), vb[0], vb[1], vb[2])
        scal = boost(-qk * ux, -qk * uy, -qk * uz, np.sqrt(qk * qk + m_s * m_s), vb[0], vb[1], vb[2])
        n = 5
        _set(arrays, j + n, sign * k_pdg, STATUS_DECAYED if kstar else STATUS_FINAL, 3, kaon, vtx)
        if kstar:
            # K*0 -> K+ pi-, longitudinal: cos(theta_hel)^2 along the K* flight direction (its rest frame)
            ch = 0.0
            for attempt in range(1000):
                ch = 2.0 * rng.uniform(kd, 2 * attempt + 10) - 1.0
                if rng.uniform(kd, 2 * attempt + 11) < ch * ch:
                    break
            # helicity axis: the K*0 direction in the B rest frame (u); decay in the K*0 frame,
            # then K*0 frame -> B frame -> lab
            e_ks = np.sqrt(qk * qk + m_kaon_system ** 2)
            hx, hy, hz = direction(ux, uy, uz, ch, 2.0 * np.pi * rng.uniform(kd, 5))
            qd = two_body_momentum(m_kaon_system, m_k, m_pi)
            vkb = (qk * ux / e_ks, qk * uy / e_ks, qk * uz / e_ks)
            k_b = boost(qd * hx, qd * hy, qd * hz, np.sqrt(qd * qd + m_k * m_k), vkb[0], vkb[1], vkb[2])
            pi_b = boost(-qd * hx, -qd * hy, -qd * hz, np.sqrt(qd * qd + m_pi * m_pi), vkb[0], vkb[1], vkb[2])
            k_p = boost(k_b[0], k_b[1], k_b[2], k_b[3], vb[0], vb[1], vb[2])
            pi_p = boost(pi_b[0], pi_b[1], pi_b[2], pi_b[3], vb[0], vb[1], vb[2])
            _set(arrays, j + 6, sign * 321, STATUS_FINAL, n, k_p, vtx)
            _set(arrays, j + 7, -sign * 211, STATUS_FINAL, n, pi_p, vtx)
            n = 8
        else:
            n = 6
        _set(arrays, j + n, llp_pdg, STATUS_DECAYED, 3, scal, vtx)
        # S -> x+ x-, isotropic
        wx, wy, wz = _iso(kd, 2)
        qx = two_body_momentum(m_s, m_x, m_x)
        ex_ = np.sqrt(qx * qx + m_x * m_x)
        vs = (scal[0] / scal[3], scal[1] / scal[3], scal[2] / scal[3])
        # leptons: pdg 11/13 is the negative one; mesons: 211/321 the positive one
        neg = x_pdg if x_pdg < 100 else -x_pdg
        pos = x_pdg if x_pdg == 22 else -neg  # photons are their own antiparticle
        _set(arrays, j + n + 1, pos, STATUS_FINAL, n, boost(qx * wx, qx * wy, qx * wz, ex_, vs[0], vs[1], vs[2]), vtx)
        _set(arrays, j + n + 2, neg, STATUS_FINAL, n, boost(-qx * wx, -qx * wy, -qx * wz, ex_, vs[0], vs[1], vs[2]), vtx)
        # the other B: one pool decay, rotated and boosted
        vo = (b_oth[0] / b_oth[3], b_oth[1] / b_oth[3], b_oth[2] / b_oth[3])
        k = pool_choice[i]
        first = j + n + 3
        for m in range(pool_off[k + 1] - pool_off[k]):
            src = pool_off[k] + m
            rx, ry, rz = _rotate(kd, pool_px[src], pool_py[src], pool_pz[src])
            p4 = boost(rx, ry, rz, pool_E[src], vo[0], vo[1], vo[2])
            # the pool decays a B of the signal flavour's partner: conjugate the ids if needed
            _set(arrays, first + m, pool_pdg[src] * sign_flip(pool_pdg[src], sign), STATUS_FINAL, 4, p4, vtx)


def generate_batch(seed, first_event, n_events, mode, mass_GeV, decay_pdg, beams, llp_pdg=PDG_SCALAR):
    """EventBatch of ``n_events`` signal events (lab frame); the long-lived boson has id ``llp_pdg``
    (the dark scalar, or the ALP 9000005) and decays to x x (``decay_pdg``; 22: two photons)."""
    b_pdg, k_pdg, kstar = MODES[mode]
    # the pool holds decays of the *other* B when the signal is the particle (sign +1): its antiparticle
    pool = b_decay_pool(-b_pdg, int(seed))
    off = pool[0]
    numbers = np.arange(first_event, first_event + n_events, dtype=np.int64)
    choice = _pool_choice(np.uint64(seed), numbers, len(off) - 1)
    fixed = 5 + (3 if kstar else 1) + 3
    counts = fixed + (off[choice + 1] - off[choice])
    batch = EventBatch.allocate(np.concatenate([[0], np.cumsum(counts)]), numbers, zeroed=False)
    m = pdgdata.mass_GeV
    _generate(np.uint64(seed), batch.number, batch.offsets, beams.packed(), m(b_pdg), m(k_pdg), kstar, m(321),
              m(211), float(mass_GeV), 0.0 if decay_pdg == 22 else m(decay_pdg), int(decay_pdg), int(llp_pdg), b_pdg,
              k_pdg, *pool, choice,
              batch.pdg, batch.px, batch.py, batch.pz, batch.E, batch.vx, batch.vy, batch.vz, batch.parent,
              batch.status)
    return batch


@range_kernel("numbers")
def _pool_choice_kernel(begin, end, seed, numbers, n_pool, out):
    for i in range(begin, end):
        out[i] = min(int(rng.uniform(rng.event_key(seed, numbers[i], rng.STAGE_DECAY), 30) * n_pool), n_pool - 1)


def _pool_choice(seed, numbers, n_pool):
    out = np.empty(len(numbers), dtype=np.int64)
    _pool_choice_kernel(seed, numbers, n_pool, out)
    return out
