"""e+ e- -> tau+ tau- through one photon, with one tau -> l alpha (alpha invisible).

dsigma/dcos(theta) is proportional to (1 + cos^2 theta) + (1 - beta^2) sin^2 theta, and
sigma = (4 pi alpha^2 / 3 s) beta (3 - beta^2) / 2 (massive fermion pair, massless electrons;
e.g. Peskin & Schroeder sec. 5.1). No ISR, no Z. The signal tau (tau- or tau+ with equal
probability) decays isotropically in its rest frame to l alpha with
p* = lambda^1/2(m_tau^2, m_l^2, m_alpha^2) / 2 m_tau; the other tau is left for
tau_decays.decay_taus. Event layout: beams (2), tau-, tau+, l, alpha.
"""

import numpy as np

from belle2sim import pdgdata, rng
from belle2sim._jit import range_kernel
from belle2sim.beams import event_frame
from belle2sim.constants import ALPHA_EM, GEV2_TO_FB
from belle2sim.events import STATUS_BEAM, STATUS_DECAYED, STATUS_FINAL, EventBatch
from belle2sim.kinematics import boost, direction, two_body_decay, two_body_momentum

PDG_ALPHA = 9000005  # invisible boson alpha: the ALP-like id of the registry


def cross_section_fb(s, m_tau):
    beta = np.sqrt(1 - 4 * m_tau**2 / s)
    return GEV2_TO_FB * 4 * np.pi * ALPHA_EM**2 / (3 * s) * beta * (3 - beta**2) / 2


@range_kernel("numbers")
def _generate(begin, end, seed, numbers, beam, m_tau, m_l, m_alpha, pdg_l, pdg, px, py, pz, E, vx, vy, vz, parent,
              status):
    for i in range(begin, end):
        her, ler, vtx, sqrt_s, (bx, by, bz), (ax, ay, az) = event_frame(
            rng.event_key(seed, numbers[i], rng.STAGE_BEAM), beam)
        key = rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR)
        beta2 = 1.0 - 4.0 * m_tau * m_tau / (sqrt_s * sqrt_s)
        c = 0.0
        for attempt in range(10000):  # (1 + c^2) + (1 - beta^2)(1 - c^2) <= 2
            c = 2.0 * rng.uniform(key, 2 * attempt + 10) - 1.0
            if rng.uniform(key, 2 * attempt + 11) * 2.0 < (1.0 + c * c) + (1.0 - beta2) * (1.0 - c * c):
                break
        dx, dy, dz = direction(ax, ay, az, c, 2.0 * np.pi * rng.uniform(key, 0))
        k = two_body_momentum(sqrt_s, m_tau, m_tau)
        e_t = 0.5 * sqrt_s
        tm = boost(k * dx, k * dy, k * dz, e_t, bx, by, bz)
        tp = boost(-k * dx, -k * dy, -k * dz, e_t, bx, by, bz)
        j = 6 * i
        rows = ((her[0], her[1], her[2], her[3], 11, STATUS_BEAM),
                (ler[0], ler[1], ler[2], ler[3], -11, STATUS_BEAM),
                (tm[0], tm[1], tm[2], tm[3], 15, STATUS_FINAL),
                (tp[0], tp[1], tp[2], tp[3], -15, STATUS_FINAL))
        for r in range(4):
            px[j + r], py[j + r], pz[j + r], E[j + r] = rows[r][0], rows[r][1], rows[r][2], rows[r][3]
            pdg[j + r], status[j + r], parent[j + r] = rows[r][4], rows[r][5], -1
        signal = 2 if rng.uniform(key, 1) < 0.5 else 3
        status[j + signal] = STATUS_DECAYED
        sign = 1 if signal == 2 else -1
        d1, d2 = two_body_decay(E[j + signal], px[j + signal], py[j + signal], pz[j + signal], m_tau, m_l, m_alpha,
                                rng.uniform(key, 2), rng.uniform(key, 3))
        px[j + 4], py[j + 4], pz[j + 4], E[j + 4] = d1[0], d1[1], d1[2], d1[3]
        px[j + 5], py[j + 5], pz[j + 5], E[j + 5] = d2[0], d2[1], d2[2], d2[3]
        pdg[j + 4], pdg[j + 5] = sign * pdg_l, PDG_ALPHA
        status[j + 4], status[j + 5] = STATUS_FINAL, STATUS_FINAL
        parent[j + 4], parent[j + 5] = signal, signal
        for r in range(6):
            vx[j + r], vy[j + r], vz[j + r] = vtx[0], vtx[1], vtx[2]


def generate(seed, first_event, n_events, beams, lepton_pdg, m_alpha):
    batch = EventBatch.empty(n_events, 6, first_number=first_event, zeroed=False)
    _generate(np.uint64(seed), batch.number, beams.packed(), pdgdata.mass_GeV(15), pdgdata.mass_GeV(lepton_pdg),
              float(m_alpha), int(lepton_pdg), batch.pdg, batch.px, batch.py, batch.pz, batch.E,
              batch.vx, batch.vy, batch.vz, batch.parent, batch.status)
    return batch
