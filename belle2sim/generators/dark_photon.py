"""e+ e- -> gamma A' with a massive dark photon A' (kinetic mixing epsilon), tree level.

Differential cross section in the CM frame, massless electrons, theta = angle between the photon
and the incoming e- (Essig, Mardon, Papucci, Volansky, Zhong, JHEP 11 (2013) 167,
arXiv:1309.5084, eq. (2.2); same form as e+e- -> gamma Z with the Z replaced by A'):

    dsigma/dcos(theta) = (2 pi alpha^2 eps^2 / s) (1 - M^2/s)
                         * [ (1 + cos^2 theta) + 4 s M^2 / (s - M^2)^2 ] / sin^2 theta

alpha = alpha(0) (both photon vertices couple to on-shell or nearly on-shell vectors). The
photon carries E* = (s - M^2) / (2 sqrt s) exactly. Collinear emission diverges, so events are
generated in a photon CM polar range [theta_min, theta_max] (the channel's phase space); the
cross section is quoted over that range. With ``isr`` an initial-state photon is radiated first
(generators/isr.py) and the process above happens at sqrt(s'); the photon range then refers to
the hard system's rest frame, and the quoted cross section stays the Born one at sqrt(s).

Sampling: proposal 1/sin^2 theta (inverse CDF c = tanh(u)), exact accept-reject with
probability [(1 + c^2) + K] / (2 + K) >= 1/2, K = 4 s M^2 / (s - M^2)^2.
"""

from functools import lru_cache

import numpy as np

from belle2sim import rng
from belle2sim._jit import range_kernel
from belle2sim.beams import event_frame
from belle2sim.generators import isr as isr_mod
from belle2sim.constants import ALPHA_EM, GEV2_TO_FB
from belle2sim.events import STATUS_BEAM, STATUS_FINAL, EventBatch
from belle2sim.kinematics import boost, direction

PDG_DARK_PHOTON = 4900022
PARTICLES_PER_EVENT = 4  # e- beam, e+ beam, photon, A'


def _k(s, mass):
    return 4.0 * s * mass**2 / (s - mass**2) ** 2


def dsigma_dcos_fb(cos_theta, s, mass, epsilon):
    """dsigma/dcos(theta_gamma*) in fb."""
    c = np.asarray(cos_theta, dtype=float)
    pref = 2.0 * np.pi * ALPHA_EM**2 * epsilon**2 / s * (1.0 - mass**2 / s)
    return GEV2_TO_FB * pref * ((1.0 + c**2) + _k(s, mass)) / (1.0 - c**2)


def cross_section_fb(s, mass, epsilon, cos_min, cos_max):
    """Integral of :func:`dsigma_dcos_fb` over cos_min < cos(theta_gamma*) < cos_max, closed form.

    Uses  int [(1 + c^2) + K] / (1 - c^2) dc = -c + (1 + K/2) ln((1 + c) / (1 - c)).
    """
    pref = 2.0 * np.pi * ALPHA_EM**2 * epsilon**2 / s * (1.0 - mass**2 / s)
    k = _k(s, mass)

    def primitive(c):
        return -c + (1.0 + 0.5 * k) * np.log((1.0 + c) / (1.0 - c))

    return GEV2_TO_FB * pref * (primitive(cos_max) - primitive(cos_min))


def photon_energy_cm_GeV(s, mass):
    """Exact CM photon energy of the two-body final state."""
    return (s - mass**2) / (2.0 * np.sqrt(s))


@range_kernel("numbers")
def _generate(begin, end, seed, numbers, mass, cos_min, cos_max, beam, isr, per_event, pdg, px, py, pz, E, vx, vy,
              vz, parent, status):
    a_min = np.arctanh(cos_min)
    a_max = np.arctanh(cos_max)
    for i in range(begin, end):
        her, ler, vtx, sqrt_s, (bx, by, bz), (ex, ey, ez) = event_frame(
            rng.event_key(seed, numbers[i], rng.STAGE_BEAM), beam)
        k_isr = (0.0, 0.0, 0.0, 0.0)
        if isr.shape[0] > 0:
            _, k_isr, sqrt_s, (bx, by, bz), (ex, ey, ez) = isr_mod.radiate(
                rng.event_key(seed, numbers[i], rng.STAGE_ISR), isr, sqrt_s, bx, by, bz, ex, ey, ez, her)
        s = sqrt_s * sqrt_s
        kg = rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR)
        k = 4.0 * s * mass * mass / ((s - mass * mass) ** 2)
        c = 0.0
        for attempt in range(10000):
            c = np.tanh(a_min + (a_max - a_min) * rng.uniform(kg, 2 * attempt + 1))
            if rng.uniform(kg, 2 * attempt + 2) * (2.0 + k) < (1.0 + c * c) + k:
                break
        phi = 2.0 * np.pi * rng.uniform(kg, 0)
        e_gamma = (s - mass * mass) / (2.0 * sqrt_s)
        dx, dy, dz = direction(ex, ey, ez, c, phi)
        g = boost(e_gamma * dx, e_gamma * dy, e_gamma * dz, e_gamma, bx, by, bz)
        a = boost(-e_gamma * dx, -e_gamma * dy, -e_gamma * dz, sqrt_s - e_gamma, bx, by, bz)

        j = i * per_event
        for m in range(per_event):
            vx[j + m] = vtx[0]
            vy[j + m] = vtx[1]
            vz[j + m] = vtx[2]
            parent[j + m] = -1
        pdg[j], status[j] = 11, STATUS_BEAM
        px[j], py[j], pz[j], E[j] = her[0], her[1], her[2], her[3]
        pdg[j + 1], status[j + 1] = -11, STATUS_BEAM
        px[j + 1], py[j + 1], pz[j + 1], E[j + 1] = ler[0], ler[1], ler[2], ler[3]
        pdg[j + 2], status[j + 2] = 22, STATUS_FINAL
        px[j + 2], py[j + 2], pz[j + 2], E[j + 2] = g[0], g[1], g[2], g[3]
        pdg[j + 3], status[j + 3] = PDG_DARK_PHOTON, STATUS_FINAL
        px[j + 3], py[j + 3], pz[j + 3], E[j + 3] = a[0], a[1], a[2], a[3]
        if per_event > 4:
            pdg[j + 4], status[j + 4] = 22, STATUS_FINAL
            px[j + 4], py[j + 4], pz[j + 4], E[j + 4] = k_isr[0], k_isr[1], k_isr[2], k_isr[3]


def isr_table(beams, mass_GeV, cos_min, cos_max):
    return _isr_table(float(beams.s_GeV2), float(mass_GeV), float(cos_min), float(cos_max))


@lru_cache(maxsize=64)  # once per point, not per chunk: ~0.3 ms of Python under the GIL (read only)
def _isr_table(s_GeV2, mass_GeV, cos_min, cos_max):
    from belle2sim import pdgdata

    return isr_mod.packed(s_GeV2, pdgdata.mass_GeV(11),
                          lambda s: cross_section_fb(s, mass_GeV, 1.0, cos_min, cos_max) if s > mass_GeV**2 else 0.0,
                          mass_GeV + 1e-3)


def generate(seed, first_event, n_events, mass_GeV, theta_min_deg, theta_max_deg, beams, isr=False):
    """Generate ``n_events`` events numbered from ``first_event``; returns an EventBatch (lab).
    With ``isr`` each event also holds its initial-state photon (the last particle)."""
    per_event = PARTICLES_PER_EVENT + (1 if isr else 0)
    batch = EventBatch.empty(n_events, per_event, first_number=first_event, zeroed=False)
    cos_min = np.cos(np.radians(theta_max_deg))
    cos_max = np.cos(np.radians(theta_min_deg))
    table = isr_table(beams, float(mass_GeV), cos_min, cos_max) if isr else np.zeros(0)
    _generate(np.uint64(seed), batch.number, float(mass_GeV), cos_min, cos_max, beams.packed(), table, per_event,
              batch.pdg, batch.px, batch.py, batch.pz, batch.E, batch.vx, batch.vy, batch.vz,
              batch.parent, batch.status)
    return batch
