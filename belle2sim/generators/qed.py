"""Standard Model e+e- -> two-body processes at tree level (lowest order, no radiation):

* mu+mu- and tau+tau- (s-channel photon, massive final state, massless electrons):
  dsigma/dcos = (pi alpha^2 / 2s) beta [(1 + c^2) + (1 - beta^2)(1 - c^2)]   (Peskin & Schroeder 5.1)
* gamma gamma: dsigma/dcos = (2 pi alpha^2 / s) (1 + c^2) / (1 - c^2), x 1/2 for identical photons
  (Peskin & Schroeder eq. 5.105, massless electrons)
* Bhabha e+e- -> e+e-: dsigma/dOmega = (alpha^2 / 4s) ((3 + c^2) / (1 - c))^2 (s and t channels,
  massless; e.g. Peskin & Schroeder problem 5.2), c = cos of the e- angle to the e- beam.

Generated inside the c.m. polar range [theta_min, theta_max] of the first particle (the e-, mu-,
tau- or one photon), where the cross section is quoted (closed forms below). The forward peaks
are sampled from a proposal (1/(1 - c^2) for gamma gamma, 1/(1 - c)^2 for Bhabha) and unweighted
exactly. Without radiative corrections these Born numbers are below the measured-style ones of
the Physics Book (e.g. gamma gamma(gamma) 4.99 nb for 10-170 deg, data sheet sec. 7b): the tests
compare them, and say so.

Event layout: e-, e+ (beams), then the pair (e-/mu-/tau-/photon first).
"""

import numpy as np

from belle2sim import pdgdata, rng
from belle2sim._jit import range_kernel
from belle2sim.beams import event_frame
from belle2sim.constants import ALPHA_EM, GEV2_TO_FB
from belle2sim.events import STATUS_BEAM, STATUS_FINAL, EventBatch
from belle2sim.kinematics import boost, direction, two_body_momentum

FERMION_PAIR, GAMMA_GAMMA, BHABHA = 0, 1, 2
PROCESSES = {"mumu": (FERMION_PAIR, 13), "tautau": (FERMION_PAIR, 15), "gammagamma": (GAMMA_GAMMA, 22),
             "bhabha": (BHABHA, 11)}


def dsigma_dcos_fb(c, s, process):
    kind, pdg = PROCESSES[process]
    c = np.asarray(c, dtype=float)
    if kind == FERMION_PAIR:
        beta2 = 1 - 4 * pdgdata.mass_GeV(pdg) ** 2 / s
        return GEV2_TO_FB * np.pi * ALPHA_EM**2 / (2 * s) * np.sqrt(beta2) * ((1 + c**2) + (1 - beta2) * (1 - c**2))
    if kind == GAMMA_GAMMA:
        return GEV2_TO_FB * 0.5 * 2 * np.pi * ALPHA_EM**2 / s * (1 + c**2) / (1 - c**2)
    return GEV2_TO_FB * np.pi * ALPHA_EM**2 / (2 * s) * ((3 + c**2) / (1 - c)) ** 2


def _primitive(c, s, process):
    kind, pdg = PROCESSES[process]
    if kind == FERMION_PAIR:
        beta2 = 1 - 4 * pdgdata.mass_GeV(pdg) ** 2 / s
        pref = np.pi * ALPHA_EM**2 / (2 * s) * np.sqrt(beta2)
        return pref * (c + c**3 / 3 + (1 - beta2) * (c - c**3 / 3))
    if kind == GAMMA_GAMMA:
        return 0.5 * 2 * np.pi * ALPHA_EM**2 / s * (-c + np.log((1 + c) / (1 - c)))
    x = 1 - c  # (3 + c^2)^2 / (1 - c)^2 = x^2 - 4x + 12 - 16/x + 16/x^2, dc = -dx
    return -np.pi * ALPHA_EM**2 / (2 * s) * (x**3 / 3 - 2 * x**2 + 12 * x - 16 * np.log(x) - 16 / x)


def cross_section_fb(s, process, theta_min_deg, theta_max_deg):
    """Closed-form integral of :func:`dsigma_dcos_fb` over the c.m. polar range (fb)."""
    c_lo, c_hi = np.cos(np.radians(theta_max_deg)), np.cos(np.radians(theta_min_deg))
    return GEV2_TO_FB * (_primitive(c_hi, s, process) - _primitive(c_lo, s, process))


@range_kernel("numbers")
def _generate(begin, end, seed, numbers, beam, kind, pdg_first, mass, c_lo, c_hi, pdg, px, py, pz, E, vx, vy, vz,
              parent, status):
    a_lo, a_hi = np.arctanh(c_lo), np.arctanh(c_hi)
    b_lo, b_hi = 1.0 / (1.0 - c_lo), 1.0 / (1.0 - c_hi)
    for i in range(begin, end):
        her, ler, vtx, sqrt_s, (bx, by, bz), (ex, ey, ez) = event_frame(
            rng.event_key(seed, numbers[i], rng.STAGE_BEAM), beam)
        key = rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR)
        s = sqrt_s * sqrt_s
        beta2 = 1.0 - 4.0 * mass * mass / s
        c = 0.0
        for attempt in range(100000):
            u, v = rng.uniform(key, 2 * attempt + 10), rng.uniform(key, 2 * attempt + 11)
            if kind == FERMION_PAIR:
                c = c_lo + (c_hi - c_lo) * u
                ok = 2.0 * v < (1.0 + c * c) + (1.0 - beta2) * (1.0 - c * c)
            elif kind == GAMMA_GAMMA:
                c = np.tanh(a_lo + (a_hi - a_lo) * u)
                ok = 2.0 * v < 1.0 + c * c
            else:
                c = 1.0 - 1.0 / (b_lo + (b_hi - b_lo) * u)
                ok = 16.0 * v < (3.0 + c * c) ** 2
            if ok:
                break
        q = two_body_momentum(sqrt_s, mass, mass)
        e = 0.5 * sqrt_s
        dx, dy, dz = direction(ex, ey, ez, c, 2.0 * np.pi * rng.uniform(key, 0))
        first = boost(q * dx, q * dy, q * dz, e, bx, by, bz)
        second = boost(-q * dx, -q * dy, -q * dz, e, bx, by, bz)
        j = 4 * i
        for m in range(4):
            vx[j + m], vy[j + m], vz[j + m] = vtx[0], vtx[1], vtx[2]
            parent[j + m] = -1
        pdg[j], status[j] = 11, STATUS_BEAM
        px[j], py[j], pz[j], E[j] = her[0], her[1], her[2], her[3]
        pdg[j + 1], status[j + 1] = -11, STATUS_BEAM
        px[j + 1], py[j + 1], pz[j + 1], E[j + 1] = ler[0], ler[1], ler[2], ler[3]
        pdg[j + 2], status[j + 2] = pdg_first, STATUS_FINAL
        px[j + 2], py[j + 2], pz[j + 2], E[j + 2] = first[0], first[1], first[2], first[3]
        pdg[j + 3], status[j + 3] = pdg_first if pdg_first == 22 else -pdg_first, STATUS_FINAL
        px[j + 3], py[j + 3], pz[j + 3], E[j + 3] = second[0], second[1], second[2], second[3]


def generate(seed, first_event, n_events, beams, process, theta_min_deg, theta_max_deg):
    """``n_events`` events of ``process`` (see PROCESSES), lab frame; taus left for tau_decays."""
    kind, pdg_first = PROCESSES[process]
    mass = 0.0 if pdg_first == 22 else pdgdata.mass_GeV(pdg_first)
    batch = EventBatch.empty(n_events, 4, first_number=first_event, zeroed=False)
    _generate(np.uint64(seed), batch.number, beams.packed(), kind, pdg_first, mass,
              float(np.cos(np.radians(theta_max_deg))), float(np.cos(np.radians(theta_min_deg))),
              batch.pdg, batch.px, batch.py, batch.pz, batch.E, batch.vx, batch.vy, batch.vz, batch.parent, batch.status)
    return batch
