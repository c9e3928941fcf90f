"""e+ e- -> gamma a, a -> gamma gamma: an axion-like particle coupled to photons, tree level.

The ALP couples through L = -(g_agg / 4) a F F~. Through an s-channel photon (Dolan, Ferber,
Hearty, Kahlhoefer, Schmidt-Hoberg, JHEP 12 (2017) 094, arXiv:1709.00009, eq. (2.3)):

    sigma(e+e- -> gamma a) = alpha g_agg^2 / 24 (1 - m_a^2 / s)^3,
    dsigma/dcos(theta) = (3/8) sigma (1 + cos^2 theta)   (massless electrons; theta: photon vs e-)

and the width Gamma(a -> gamma gamma) = g_agg^2 m_a^3 / (64 pi) (same reference, eq. (2.1)).
The tests derive both from the amplitude by explicit Dirac traces. The ALP decays isotropically
in its rest frame (spin 0); where it decays is the job of belle2sim.propagation.

Each event: e- and e+ beams, the recoil photon, the ALP (status 2, decayed), its two photons.
"""

import numpy as np

from belle2sim import rng
from belle2sim._jit import range_kernel
from belle2sim.beams import event_frame
from belle2sim.constants import ALPHA_EM, GEV2_TO_FB, HBARC_GeV_m
from belle2sim.events import STATUS_BEAM, STATUS_DECAYED, STATUS_FINAL, EventBatch
from belle2sim.kinematics import boost, direction

PDG_ALP = 9000005
PARTICLES_PER_EVENT = 6
ALP_SLOT = 3


def cross_section_fb(s, mass, g_agg_per_GeV):
    return GEV2_TO_FB * ALPHA_EM * g_agg_per_GeV**2 / 24.0 * (1.0 - mass**2 / s) ** 3


def dsigma_dcos_fb(cos_theta, s, mass, g_agg_per_GeV):
    return 0.375 * cross_section_fb(s, mass, g_agg_per_GeV) * (1.0 + np.asarray(cos_theta) ** 2)


def width_GeV(mass, g_agg_per_GeV):
    return g_agg_per_GeV**2 * mass**3 / (64.0 * np.pi)


def ctau_cm(mass, g_agg_per_GeV):
    """Proper decay length c tau = hbar c / Gamma (cm)."""
    return HBARC_GeV_m * 100.0 / width_GeV(mass, g_agg_per_GeV)


@range_kernel("numbers")
def _generate(begin, end, seed, numbers, mass, beam, pdg, px, py, pz, E, vx, vy, vz, parent, status):
    for i in range(begin, end):
        her, ler, vtx, sqrt_s, (bx, by, bz), (ex, ey, ez) = event_frame(
            rng.event_key(seed, numbers[i], rng.STAGE_BEAM), beam)
        s = sqrt_s * sqrt_s
        kg = rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR)
        # 1 + c^2 on [-1, 1]: accept-reject on a flat proposal (acceptance 2/3)
        c = 0.0
        for attempt in range(10000):
            c = 2.0 * rng.uniform(kg, 2 * attempt + 1) - 1.0
            if 2.0 * rng.uniform(kg, 2 * attempt + 2) < 1.0 + c * c:
                break
        phi = 2.0 * np.pi * rng.uniform(kg, 0)
        e_gamma = (s - mass * mass) / (2.0 * sqrt_s)
        dx, dy, dz = direction(ex, ey, ez, c, phi)
        g = boost(e_gamma * dx, e_gamma * dy, e_gamma * dz, e_gamma, bx, by, bz)
        a = boost(-e_gamma * dx, -e_gamma * dy, -e_gamma * dz, sqrt_s - e_gamma, bx, by, bz)
        # a -> gamma gamma, isotropic in the ALP frame
        kd = rng.event_key(seed, numbers[i], rng.STAGE_DECAY)
        cd = 2.0 * rng.uniform(kd, 0) - 1.0
        phid = 2.0 * np.pi * rng.uniform(kd, 1)
        sd = np.sqrt(max(1.0 - cd * cd, 0.0))
        h = 0.5 * mass
        ux, uy, uz = sd * np.cos(phid), sd * np.sin(phid), cd
        vax, vay, vaz = a[0] / a[3], a[1] / a[3], a[2] / a[3]
        g1 = boost(h * ux, h * uy, h * uz, h, vax, vay, vaz)
        g2 = boost(-h * ux, -h * uy, -h * uz, h, vax, vay, vaz)

        j = i * 6
        for m in range(6):
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
        pdg[j + 3], status[j + 3] = PDG_ALP, STATUS_DECAYED
        px[j + 3], py[j + 3], pz[j + 3], E[j + 3] = a[0], a[1], a[2], a[3]
        pdg[j + 4], status[j + 4], parent[j + 4] = 22, STATUS_FINAL, 3
        px[j + 4], py[j + 4], pz[j + 4], E[j + 4] = g1[0], g1[1], g1[2], g1[3]
        pdg[j + 5], status[j + 5], parent[j + 5] = 22, STATUS_FINAL, 3
        px[j + 5], py[j + 5], pz[j + 5], E[j + 5] = g2[0], g2[1], g2[2], g2[3]


def generate(seed, first_event, n_events, mass_GeV, beams):
    """``n_events`` events numbered from ``first_event`` (lab frame; the ALP decays at its
    production point until propagated)."""
    batch = EventBatch.empty(n_events, PARTICLES_PER_EVENT, first_number=first_event, zeroed=False)
    _generate(np.uint64(seed), batch.number, float(mass_GeV), beams.packed(), batch.pdg, batch.px, batch.py,
              batch.pz, batch.E, batch.vx, batch.vy, batch.vz, batch.parent, batch.status)
    return batch
