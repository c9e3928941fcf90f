"""Dark Higgsstrahlung e+e- -> A' h' (Batell, Pospelov, Ritz, PRD 79 (2009) 115008):

    sigma = pi alpha alpha_D eps^2 / (3 s) * sqrt(lambda) (lambda + 12 m_A'^2 / s) / (1 - m_A'^2 / s)^2,
    lambda = (1 - (m_A' + m_h')^2 / s) (1 - (m_A' - m_h')^2 / s),

and in the CM dsigma / dcos(theta) is proportional to 1 + k^2 sin^2(theta) / (2 m_A'^2) (k the A'
momentum), from the A' polarisation sum (-g + k k / m^2) contracted with the massless e+e-
current; tests/test_dark_higgs.py integrates the numerical helicity amplitude to check both.

Decays: A' -> e+e- / mu+mu- / pi+pi- with the relative branching fractions of
generators/dark_photon_decays.py (or mu+mu- only), isotropic; h' invisible, or h' -> A' A'
(m_h' > 2 m_A'), isotropic. All decays at the production point.
Event layout: beams (2), A' (status 2) and its pair; then h' (status 1) or h' (status 2) and its
two A' with their pairs; with ISR (generators/isr.py, x weighted by the closed-form
sigma(s') / sigma(s)) the initial-state photon last, the process above happening at sqrt(s').
"""

from functools import lru_cache

import numpy as np

from belle2sim import pdgdata, rng
from belle2sim._jit import inline, range_kernel
from belle2sim.beams import event_frame
from belle2sim.generators import isr as isr_mod
from belle2sim.constants import ALPHA_EM, GEV2_TO_FB
from belle2sim.events import STATUS_BEAM, STATUS_DECAYED, STATUS_FINAL, EventBatch
from belle2sim.kinematics import boost, direction, two_body_decay, two_body_momentum

PDG_A, PDG_H = 4900022, 4900025


def cross_section_fb(s, m_a, m_h, epsilon, alpha_d):
    lam = (1 - (m_a + m_h) ** 2 / s) * (1 - (m_a - m_h) ** 2 / s)
    if lam <= 0:
        return 0.0
    return (GEV2_TO_FB * np.pi * ALPHA_EM * alpha_d * epsilon**2 / (3 * s) * np.sqrt(lam)
            * (lam + 12 * m_a**2 / s) / (1 - m_a**2 / s) ** 2)


@inline
def _write(out, j, vec, code, stat, par, vtx):
    pdg, px, py, pz, E, vx, vy, vz, parent, status = out
    px[j], py[j], pz[j], E[j] = vec[0], vec[1], vec[2], vec[3]
    pdg[j], status[j], parent[j] = code, stat, par
    vx[j], vy[j], vz[j] = vtx[0], vtx[1], vtx[2]


@inline
def _pick(u, cumulative):
    for k in range(cumulative.shape[0]):
        if u < cumulative[k]:
            return k
    return cumulative.shape[0] - 1


@inline
def production(key, sqrt_s, m_a, m_h, bx, by, bz, ax, ay, az):
    """(A', h') lab four-vectors: 1 + A sin^2(theta) about the e- axis (ax, ay, az) in the c.m.
    frame moving with (bx, by, bz), A = k^2 / (2 m_A'^2), by accept-reject against 1 + A."""
    k = two_body_momentum(sqrt_s, m_a, m_h)
    a_coef = k * k / (2.0 * m_a * m_a)
    c = 0.0
    for attempt in range(10000):
        c = 2.0 * rng.uniform(key, 2 * attempt + 10) - 1.0
        if rng.uniform(key, 2 * attempt + 11) * (1.0 + a_coef) < 1.0 + a_coef * (1.0 - c * c):
            break
    dx, dy, dz = direction(ax, ay, az, c, 2.0 * np.pi * rng.uniform(key, 0))
    a_vec = boost(k * dx, k * dy, k * dz, np.sqrt(k * k + m_a * m_a), bx, by, bz)
    h_vec = boost(-k * dx, -k * dy, -k * dz, np.sqrt(k * k + m_h * m_h), bx, by, bz)
    return a_vec, h_vec


@range_kernel("numbers")
def _generate(begin, end, seed, numbers, beam, m_a, m_h, visible, modes_pdg, modes_mass, modes_cum, per_event, isr,
              pdg, px, py, pz, E, vx, vy, vz, parent, status):
    out = (pdg, px, py, pz, E, vx, vy, vz, parent, status)
    for i in range(begin, end):
        her, ler, vtx, sqrt_s, (bx, by, bz), (ax, ay, az) = event_frame(
            rng.event_key(seed, numbers[i], rng.STAGE_BEAM), beam)
        k_isr = (0.0, 0.0, 0.0, 0.0)
        if isr.shape[0] > 0:
            _, k_isr, sqrt_s, (bx, by, bz), (ax, ay, az) = isr_mod.radiate(
                rng.event_key(seed, numbers[i], rng.STAGE_ISR), isr, sqrt_s, bx, by, bz, ax, ay, az, her)
        a_vec, h_vec = production(rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR), sqrt_s, m_a, m_h,
                                  bx, by, bz, ax, ay, az)
        j = i * per_event
        if isr.shape[0] > 0:
            _write(out, j + per_event - 1, k_isr, 22, STATUS_FINAL, -1, vtx)
        _write(out, j, (her[0], her[1], her[2], her[3]), 11, STATUS_BEAM, -1, vtx)
        _write(out, j + 1, (ler[0], ler[1], ler[2], ler[3]), -11, STATUS_BEAM, -1, vtx)
        kd = rng.event_key(seed, numbers[i], rng.STAGE_DECAY)
        # A' candidates: the prompt one, and the two from h' -> A' A'
        _write(out, j + 2, a_vec, PDG_A, STATUS_DECAYED, -1, vtx)
        n_a = 1
        a_slots = (j + 2, 0, 0)
        if visible:
            _write(out, j + 5, h_vec, PDG_H, STATUS_DECAYED, -1, vtx)
            d1, d2 = two_body_decay(h_vec[3], h_vec[0], h_vec[1], h_vec[2], m_h, m_a, m_a,
                                    rng.uniform(kd, 0), rng.uniform(kd, 1))
            _write(out, j + 6, d1, PDG_A, STATUS_DECAYED, 5, vtx)
            _write(out, j + 9, d2, PDG_A, STATUS_DECAYED, 5, vtx)
            n_a = 3
            a_slots = (j + 2, j + 6, j + 9)
        else:
            _write(out, j + 5, h_vec, PDG_H, STATUS_FINAL, -1, vtx)
        for a in range(n_a):
            s_a = a_slots[a]
            mode = _pick(rng.uniform(kd, 10 + 3 * a), modes_cum)
            d1, d2 = two_body_decay(E[s_a], px[s_a], py[s_a], pz[s_a], m_a, modes_mass[mode], modes_mass[mode],
                                    rng.uniform(kd, 11 + 3 * a), rng.uniform(kd, 12 + 3 * a))
            _write(out, s_a + 1, d1, modes_pdg[mode], STATUS_FINAL, s_a - j, vtx)
            _write(out, s_a + 2, d2, -modes_pdg[mode], STATUS_FINAL, s_a - j, vtx)


@lru_cache(maxsize=64)  # once per point, not per chunk (read only)
def _isr_table(s_GeV2, m_a, m_h):
    return isr_mod.packed(s_GeV2, pdgdata.mass_GeV(11), lambda s: cross_section_fb(s, m_a, m_h, 1.0, 1.0),
                          m_a + m_h + 1e-3)


def generate(seed, first_event, n_events, beams, m_a, m_h, visible, modes, isr=False):
    """Events of e+e- -> A' h'; ``modes`` maps A' decay PDG (11, 13, 211) -> relative weight."""
    per_event = (12 if visible else 6) + (1 if isr else 0)
    table = _isr_table(float(beams.s_GeV2), float(m_a), float(m_h)) if isr else np.zeros(0)
    batch = EventBatch.empty(n_events, per_event, first_number=first_event, zeroed=False)
    codes = np.array(list(modes), dtype=np.int64)
    w = np.array([modes[c] for c in codes], dtype=float)
    cum = np.cumsum(w) / w.sum()
    masses = np.array([pdgdata.mass_GeV(int(c)) for c in codes])
    _generate(np.uint64(seed), batch.number, beams.packed(), float(m_a), float(m_h), bool(visible), codes, masses,
              cum, per_event, table, batch.pdg, batch.px, batch.py, batch.pz, batch.E, batch.vx, batch.vy, batch.vz,
              batch.parent, batch.status)
    return batch
