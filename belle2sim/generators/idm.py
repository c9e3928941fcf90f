"""Inelastic dark matter with a dark Higgs: e+e- -> A' h', A' -> chi1 chi2, chi2 -> chi1 e+e-,
h' -> mu+ mu-; the chi2 and the h' are long-lived.

* Production: dark Higgsstrahlung through an s-channel A' (Batell, Pospelov, Ritz, PRD 79 (2009)
  115008; the cross section and angular law of generators/dark_higgs.py), without ISR.
* A' -> chi1 chi2: two-body, isotropic (B(A' -> chi1 chi2) = 1 for alpha_D >> alpha eps^2).
* chi2 -> chi1 e+ e- through an off-shell A' (vector current chi1-bar gamma^mu chi2, Dirac
  traces with massless electrons in the amplitude, physical masses in the kinematics):

      sum |M|^2 = (4 pi alpha eps^2)(4 pi alpha_D) / (m_ee^2 - m_A'^2)^2
                  x 32 [(k.q1)(p.q2) + (k.q2)(p.q1) - m1 m2 (q1.q2)]

  (p chi2, k chi1, q1, q2 the leptons), averaged over the chi2 spin. The width is this integrated
  over the Dalitz plot (:func:`chi2_width_GeV`); for Delta << m_chi, m_A' it tends to
  4 eps^2 alpha alpha_D Delta^5 / (15 pi m_A'^4) (Izaguirre, Krnjaic, Schuster, Toro, PRD 92 (2015)
  095014, arXiv:1508.03050), which the tests check. Events: e+e- mass drawn by accept-reject on
  |M|^2 x phase space, angles from the amplitude.
* h' -> mu+ mu- (isotropic). Its width from the h'-Higgs mixing sin(theta):
  Gamma(h' -> l l) = sin^2(theta) G_F m_l^2 m_h' beta^3 / (4 sqrt 2 pi); only e and mu are
  included (exact below 2 m_pi; above, hadronic widths would shorten the lifetime: not modelled).

Event layout: e-, e+, A', chi1, chi2, chi1 (from chi2), e-, e+, h', mu-, mu+.
"""

import numpy as np
from scipy import constants

from belle2sim import pdgdata, rng
from belle2sim._data_cache import computed_once
from belle2sim._jit import inline, range_kernel
from belle2sim.beams import event_frame
from belle2sim.constants import ALPHA_EM
from belle2sim.events import STATUS_BEAM, STATUS_DECAYED, STATUS_FINAL, EventBatch
from belle2sim.generators.dark_higgs import _write, production
from belle2sim.kinematics import boost, direction, two_body_momentum

PDG_A, PDG_H, PDG_CHI1, PDG_CHI2 = 4900022, 4900025, 1000022, 1000023
PARTICLES_PER_EVENT = 11
G_FERMI = constants.physical_constants["Fermi coupling constant"][0]


def chi2_msq(s12, s13, m1, m2, m_ap):
    """sum |M|^2 / ((4 pi alpha eps^2)(4 pi alpha_D)) for chi2 -> chi1 e+ e-, in the Dalitz
    invariants s12 = m_ee^2, s13 = (k + q1)^2 (massless electrons), summed over all spins."""
    kq1 = 0.5 * (s13 - m1 * m1)
    s23 = m2 * m2 + m1 * m1 - s12 - s13
    kq2 = 0.5 * (s23 - m1 * m1)
    pq1 = kq1 + 0.5 * s12
    pq2 = kq2 + 0.5 * s12
    return 32.0 * (kq1 * pq2 + kq2 * pq1 - m1 * m2 * 0.5 * s12) / (s12 - m_ap * m_ap) ** 2


def chi2_width_GeV(m1, m2, m_ap, epsilon, alpha_d):
    """Gamma(chi2 -> chi1 e+ e-): |M|^2 integrated over the Dalitz plot (massless electrons)."""
    def s13_range(s12):
        # Dalitz boundaries for massless particles 1 (e-) and 2 (e+) and mass m1 (particle 3... chi1)
        e2 = np.sqrt(s12) / 2.0  # e- energy in the e+e- frame
        e3 = (m2 * m2 - s12 - m1 * m1) / (2.0 * np.sqrt(s12))  # chi1 energy in that frame
        p3 = np.sqrt(max(e3 * e3 - m1 * m1, 0.0))
        return (e2 + e3) ** 2 - (e2 + p3) ** 2, (e2 + e3) ** 2 - (e2 - p3) ** 2

    from scipy import integrate  # (here: importing it costs every run of every channel 0.14 s)

    value, _ = integrate.dblquad(lambda s13, s12: chi2_msq(s12, s13, m1, m2, m_ap), 1e-12, (m2 - m1) ** 2,
                                 lambda s12: s13_range(s12)[0], lambda s12: s13_range(s12)[1],
                                 epsabs=0.0, epsrel=1e-7)
    couplings = (4 * np.pi * ALPHA_EM * epsilon**2) * (4 * np.pi * alpha_d)
    return couplings * value * 0.5 / (2.0 * m2) / (128.0 * np.pi**3 * m2 * m2)


def chi2_width_small_splitting_GeV(m1, m2, m_ap, epsilon, alpha_d):
    """The Delta << m, m_A' limit 4 eps^2 alpha alpha_D Delta^5 / (15 pi m_A'^4) (arXiv:1508.03050)."""
    return 4 * epsilon**2 * ALPHA_EM * alpha_d * (m2 - m1) ** 5 / (15 * np.pi * m_ap**4)


def h_width_GeV(m_h, sin_theta):
    """Gamma(h' -> e e) + Gamma(h' -> mu mu) from the mixing with the Higgs."""
    total = 0.0
    for lepton in (11, 13):
        m_l = pdgdata.mass_GeV(lepton)
        if m_h > 2 * m_l:
            beta = np.sqrt(1 - 4 * m_l**2 / m_h**2)
            total += sin_theta**2 * G_FERMI * m_l**2 * m_h * beta**3 / (4 * np.sqrt(2) * np.pi)
    return total


def h_mumu_fraction(m_h):
    """B(h' -> mu mu) with the e and mu widths only."""
    m_e = pdgdata.mass_GeV(11)
    gamma_ee = G_FERMI * m_e**2 * m_h * (1 - 4 * m_e**2 / m_h**2) ** 1.5 / (4 * np.sqrt(2) * np.pi)
    total = h_width_GeV(m_h, 1.0)
    return (total - gamma_ee) / total


@inline
def _msq_event(m_ee2, k, p, q1, q2, m1, m2, m_ap):
    def dot(a, b):
        return a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2]
    return 32.0 * (dot(k, q1) * dot(p, q2) + dot(k, q2) * dot(p, q1) - m1 * m2 * dot(q1, q2)) / (m_ee2 - m_ap * m_ap) ** 2


@range_kernel("numbers")
def _generate(begin, end, seed, numbers, beam, m_a, m_h, m1, m2, m_e, m_mu, w_max, pdg, px, py, pz, E, vx, vy, vz,
              parent, status):
    out = (pdg, px, py, pz, E, vx, vy, vz, parent, status)
    for i in range(begin, end):
        her, ler, vtx, sqrt_s, (bx, by, bz), (ax, ay, az) = event_frame(
            rng.event_key(seed, numbers[i], rng.STAGE_BEAM), beam)
        a_vec, h_vec = production(rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR), sqrt_s, m_a, m_h,
                                  bx, by, bz, ax, ay, az)
        j = i * 11
        _write(out, j, (her[0], her[1], her[2], her[3]), 11, STATUS_BEAM, -1, vtx)
        _write(out, j + 1, (ler[0], ler[1], ler[2], ler[3]), -11, STATUS_BEAM, -1, vtx)
        _write(out, j + 2, a_vec, PDG_A, STATUS_DECAYED, -1, vtx)
        kd = rng.event_key(seed, numbers[i], rng.STAGE_DECAY)
        # A' -> chi1 chi2, isotropic in the A' frame
        q = two_body_momentum(m_a, m1, m2)
        ux, uy, uz = direction(0.0, 0.0, 1.0, 2.0 * rng.uniform(kd, 0) - 1.0, 2.0 * np.pi * rng.uniform(kd, 1))
        va = (a_vec[0] / a_vec[3], a_vec[1] / a_vec[3], a_vec[2] / a_vec[3])
        c1 = boost(q * ux, q * uy, q * uz, np.sqrt(q * q + m1 * m1), va[0], va[1], va[2])
        c2 = boost(-q * ux, -q * uy, -q * uz, np.sqrt(q * q + m2 * m2), va[0], va[1], va[2])
        _write(out, j + 3, c1, PDG_CHI1, STATUS_FINAL, 2, vtx)
        _write(out, j + 4, c2, PDG_CHI2, STATUS_DECAYED, 2, vtx)
        # chi2 -> chi1 e+ e- in the chi2 frame: m_ee, then the two two-body decays, accept-reject
        kc = rng.event_key(seed, numbers[i], rng.STAGE_THREE_BODY)
        lo, hi = 2.0 * m_e, m2 - m1
        chi, em, ep = (0.0, 0.0, 0.0, m1), (0.0, 0.0, 0.0, m_e), (0.0, 0.0, 0.0, m_e)
        for attempt in range(100000):
            b0 = 8 * attempt
            m_ee = lo + (hi - lo) * rng.uniform(kc, b0)
            p1 = two_body_momentum(m2, m1, m_ee)
            p2 = two_body_momentum(m_ee, m_e, m_e)
            wx, wy, wz = direction(0.0, 0.0, 1.0, 2.0 * rng.uniform(kc, b0 + 1) - 1.0,
                                   2.0 * np.pi * rng.uniform(kc, b0 + 2))
            ex_, ey_, ez_ = direction(0.0, 0.0, 1.0, 2.0 * rng.uniform(kc, b0 + 3) - 1.0,
                                      2.0 * np.pi * rng.uniform(kc, b0 + 4))
            e_v = np.sqrt(p1 * p1 + m_ee * m_ee)
            vv = (-p1 * wx / e_v, -p1 * wy / e_v, -p1 * wz / e_v)
            chi = (p1 * wx, p1 * wy, p1 * wz, np.sqrt(p1 * p1 + m1 * m1))
            e_e = np.sqrt(p2 * p2 + m_e * m_e)
            em = boost(p2 * ex_, p2 * ey_, p2 * ez_, e_e, vv[0], vv[1], vv[2])
            ep = boost(-p2 * ex_, -p2 * ey_, -p2 * ez_, e_e, vv[0], vv[1], vv[2])
            w = _msq_event(m_ee * m_ee, chi, (0.0, 0.0, 0.0, m2), em, ep, m1, m2, m_a) * p1 * p2
            if rng.uniform(kc, b0 + 5) * w_max < w:
                break
        v2 = (c2[0] / c2[3], c2[1] / c2[3], c2[2] / c2[3])
        _write(out, j + 5, boost(chi[0], chi[1], chi[2], chi[3], v2[0], v2[1], v2[2]), PDG_CHI1, STATUS_FINAL, 4, vtx)
        _write(out, j + 6, boost(em[0], em[1], em[2], em[3], v2[0], v2[1], v2[2]), 11, STATUS_FINAL, 4, vtx)
        _write(out, j + 7, boost(ep[0], ep[1], ep[2], ep[3], v2[0], v2[1], v2[2]), -11, STATUS_FINAL, 4, vtx)
        # h' -> mu- mu+, isotropic
        _write(out, j + 8, h_vec, PDG_H, STATUS_DECAYED, -1, vtx)
        qh = two_body_momentum(m_h, m_mu, m_mu)
        hx, hy, hz = direction(0.0, 0.0, 1.0, 2.0 * rng.uniform(kd, 2) - 1.0, 2.0 * np.pi * rng.uniform(kd, 3))
        vh = (h_vec[0] / h_vec[3], h_vec[1] / h_vec[3], h_vec[2] / h_vec[3])
        e_mu = np.sqrt(qh * qh + m_mu * m_mu)
        _write(out, j + 9, boost(qh * hx, qh * hy, qh * hz, e_mu, vh[0], vh[1], vh[2]), 13, STATUS_FINAL, 8, vtx)
        _write(out, j + 10, boost(-qh * hx, -qh * hy, -qh * hz, e_mu, vh[0], vh[1], vh[2]), -13, STATUS_FINAL, 8, vtx)


def _w_max(m1, m2, m_a, m_e):
    """Upper bound of |M|^2 x p1 x p2 over the phase space: a scan of m_ee and angles, times 1.5
    (|M|^2 is a smooth polynomial in the momenta; the bound is checked by the tests' shapes)."""
    rng_ = np.random.default_rng(12345)
    best = 0.0
    for m_ee in np.linspace(2 * m_e, m2 - m1, 400)[1:-1]:
        p1 = two_body_momentum(m2, m1, m_ee)
        p2 = two_body_momentum(m_ee, m_e, m_e)
        for _ in range(40):
            w_dir = rng_.normal(size=3)
            w_dir /= np.linalg.norm(w_dir)
            e_dir = rng_.normal(size=3)
            e_dir /= np.linalg.norm(e_dir)
            e_v = np.hypot(p1, m_ee)
            vv = -p1 * w_dir / e_v
            chi = (*(p1 * w_dir), np.hypot(p1, m1))
            e_e = np.hypot(p2, m_e)
            em = boost(*(p2 * e_dir), e_e, *vv)
            ep = boost(*(-p2 * e_dir), e_e, *vv)
            best = max(best, _msq_event(m_ee**2, chi, (0.0, 0.0, 0.0, m2), em, ep, m1, m2, m_a) * p1 * p2)
    return 1.5 * best


def generate(seed, first_event, n_events, beams, m1, delta, m_a, m_h):
    m_e, m_mu = pdgdata.mass_GeV(11), pdgdata.mass_GeV(13)
    m2 = m1 + delta
    batch = EventBatch.empty(n_events, PARTICLES_PER_EVENT, first_number=first_event, zeroed=False)
    _generate(np.uint64(seed), batch.number, beams.packed(), float(m_a), float(m_h), float(m1), float(m2), m_e, m_mu,
              _w_max_cached(float(m1), float(m2), float(m_a)), batch.pdg, batch.px, batch.py, batch.pz, batch.E,
              batch.vx, batch.vy, batch.vz, batch.parent, batch.status)
    return batch


_W_MAX = {}


def _w_max_cached(m1, m2, m_a):
    """:func:`_w_max`, kept in memory and on disk (_data_cache, keyed by belle2sim's sources): its
    scan calls compiled helpers from Python 16 thousand times, ~0.3 s a point, most of a warm run."""
    key = (m1, m2, m_a)
    if key not in _W_MAX:
        m_e = pdgdata.mass_GeV(11)
        stored = computed_once("idm_w_max", (np.array([m1, m2, m_a, m_e], dtype=np.float64),),
                               lambda _: {"w_max": np.array([_w_max(m1, m2, m_a, m_e)])}, library=None)
        _W_MAX[key] = float(stored["w_max"][0])
    return _W_MAX[key]
