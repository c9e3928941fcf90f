"""Event generation for e+e- -> l+ l- X (matrix element in radiated_boson.py).

Each event is built in its own CM frame (per-event beam energies), with the process axis along
that event's e- direction, then boosted to the lab. X either leaves unseen (status 1, its own
PDG id) or decays at the production point to a fermion pair, isotropically in its rest frame
(spin correlations between production and decay are not kept). Event layout: e-, e+ beams
(status 4), l-, l+, X, and X's two daughters when it decays; with ISR, the photon last.

ISR (generators/isr.py): per attempt, x is drawn from the radiator W(x) times an envelope E(x) of
the weights (:func:`isr_envelope`, from pilots at several s') and the 3-body point at
sqrt(s') = sqrt(s (1 - x)); the attempt is accepted with |M|^2 dPhi3 (s / s') / E(x), s / s' being
the Born flux 1/(2 s') of the hard process, so (x, final state) follow W(x) dsigma(s') jointly.
An event above the envelope keeps the excess as its weight.
"""

import numpy as np

from belle2sim import pdgdata, rng
from belle2sim._data_cache import computed_once
from belle2sim._jit import range_kernel
from belle2sim.beams import event_frame
from belle2sim.generators import isr as isr_mod
from belle2sim.constants import ALPHA_EM, GEV2_TO_FB
from belle2sim.events import STATUS_BEAM, STATUS_DECAYED, STATUS_FINAL, EventBatch
from belle2sim.generators.radiated_boson import (
    beams_along_z, me2, phase_space_point, polarisations, weights, workspace,
)
from belle2sim.kinematics import boost, perpendicular_basis, two_body_decay

STAGE_PILOT = 101
PILOT_EVENTS = 20_000
MAX_ATTEMPTS = 1_000_000


def weight_summary(seed, stage, n, sqrt_s, m_l, M, kind):
    """(mean, standard deviation, maximum) of the weights |M|^2 dPhi3 / (e^4 g^2) at n phase-space
    points: all that the pilots and the cross section use of them. Kept on disk (_data_cache), keyed
    by the inputs and belle2sim's sources: in a warm zprime-mumu run the 60 weight samples of its six
    points took 0.67 of 2.4 s."""
    m_e = pdgdata.mass_GeV(11)

    def make(*_):
        w = weights(np.uint64(seed), stage, n, sqrt_s, m_e, m_l, M, kind)
        return {"summary": np.array([w.mean(), w.std(), w.max()])}

    inputs = (np.array([seed, stage, n, kind], dtype=np.int64), np.array([sqrt_s, m_e, m_l, M], dtype=np.float64))
    mean, std, largest = computed_once("me_weight_summary", inputs, make, library=None)["summary"]
    return mean, std, largest


def pilot(seed, sqrt_s, m_l, M, kind, n=PILOT_EVENTS):
    """(mean weight, its error, maximum weight) of |M|^2 dPhi3 / (e^4 g^2) at nominal sqrt(s)."""
    mean, std, largest = weight_summary(seed, STAGE_PILOT, n, sqrt_s, m_l, M, kind)
    return mean, std / np.sqrt(n), largest


ENVELOPE_NODES = 9  # x values of the ISR unweighting envelope


def isr_envelope(seed, beams, m_l, M, kind, n=PILOT_EVENTS // 4):
    """(ISR table, bound) for unweighting with ISR. The largest pilot weight |M|^2 dPhi3 s / s' at
    ENVELOPE_NODES values of x (linear in between) is the table's cross-section ratio, so x is
    drawn from W(x) times this envelope and an attempt is accepted with w / (bound ratio(x)): the
    pairs (x, final state) follow W(x) |M|^2 dPhi3 s / s' exactly (the envelope cancels; an
    attempt above it keeps the excess as its weight). A constant bound (the envelope's maximum)
    wasted attempts at small x, where most photons are: at M = 0.5 GeV the bound was 2.0x (Z'),
    3.2x (scalar) the weights there."""
    m_e, s = pdgdata.mass_GeV(11), beams.s_GeV2
    threshold = M + 2 * m_l + 1e-3
    xs = np.linspace(0.0, isr_mod.largest_x(s, threshold), ENVELOPE_NODES)

    def make(*_):  # (the nodes' largest weights, kept on disk as one entry: see weight_summary)
        return {"largest": np.array([weights(np.uint64(seed), STAGE_PILOT + 2 + k, n,
                                             beams.sqrt_s_GeV * np.sqrt(1.0 - x), m_e, m_l, M, kind).max() / (1.0 - x)
                                     for k, x in enumerate(xs)])}

    inputs = (np.array([seed, n, kind], dtype=np.int64), np.array([beams.sqrt_s_GeV, m_e, m_l, M], dtype=np.float64),
              xs)
    largest = computed_once("isr_envelope_nodes", inputs, make, library=None)["largest"]
    table = isr_mod.packed(s, m_e, lambda s_prime: np.interp(1.0 - s_prime / s, xs, largest), threshold)
    # the table's ratio is the envelope over its value at x = 0, capped and scaled to a maximum of
    # one: bound x ratio(x) = envelope(x) (where uncapped) for the bound that makes it so at x = 0
    return table, float(largest[0] / isr_mod.ratio_at.py_func(table, 0.0))


def cross_section_fb(sqrt_s, m_l, M, kind, coupling, seed=12345, n=100_000):
    """sigma(e+e- -> l+l- X) in fb for coupling g (vector) or y (scalar), with its MC error: with
    1e5 points 0.09-0.15 % (vector), 0.13-0.33 % (scalar, pseudoscalar) for M = 0.05-10 GeV."""
    mean, std, _ = weight_summary(seed, STAGE_PILOT + 1, n, sqrt_s, m_l, M, kind)
    norm = (4 * np.pi * ALPHA_EM) ** 2 * coupling**2 / (2 * sqrt_s**2) * GEV2_TO_FB
    return norm * mean, norm * std / np.sqrt(n)


EVENTS_PER_BLOCK = 64  # events sharing one helicity-amplitude workspace


def _blocks_of_events(seed, numbers, *rest):
    return (numbers.shape[0] + EVENTS_PER_BLOCK - 1) // EVENTS_PER_BLOCK


@range_kernel(_blocks_of_events, min_per_piece=4)
def _generate(begin, end, seed, numbers, beam, m_e, m_l, M, kind, w_max, pdg_l, pdg_x, pdg_d, m_d, per_event, isr,
              pdg, px, py, pz, E, vx, vy, vz, parent, status, weight):
    n = numbers.shape[0]
    block = EVENTS_PER_BLOCK
    for blk in range(begin, end):
        ws = workspace()
        pols = np.zeros((3, 4))
        p1, p2 = np.zeros(4), np.zeros(4)
        k1, k2, q = np.zeros(4), np.zeros(4), np.zeros(4)
        for i in range(blk * block, min(n, (blk + 1) * block)):
            her, ler, vtx, sqrt_s0, (bx0, by0, bz0), (nx0, ny0, nz0) = event_frame(
                rng.event_key(seed, numbers[i], rng.STAGE_BEAM), beam)
            key = rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR)
            key_isr = rng.event_key(seed, numbers[i], rng.STAGE_ISR)
            w, envelope = 0.0, 1.0
            k_isr = (0.0, 0.0, 0.0, 0.0)
            sqrt_s, bx, by, bz, nx, ny, nz = sqrt_s0, bx0, by0, bz0, nx0, ny0, nz0
            for attempt in range(MAX_ATTEMPTS):
                base = 8 * attempt
                flux = 1.0
                if isr.shape[0] > 0:
                    x, k_isr, sqrt_s, (bx, by, bz), (nx, ny, nz) = isr_mod.radiate(
                        key_isr, isr, sqrt_s0, bx0, by0, bz0, nx0, ny0, nz0, her, attempt)
                    flux = (sqrt_s0 * sqrt_s0) / (sqrt_s * sqrt_s)
                    envelope = isr_mod.ratio_at(isr, x)
                w = phase_space_point(key, base, sqrt_s, m_l, M, kind, k1, k2, q)
                if w <= 0.0:
                    continue
                beams_along_z(sqrt_s, m_e, p1, p2)
                polarisations(q[0], q[1], q[2], q[3], M, pols)
                w *= me2(p1, p2, k1, k2, q, m_e, m_l, M, kind, pols, 3, ws) * flux
                if rng.uniform(key, base + 5) * w_max * envelope < w:
                    break
            ux, uy, uz, wx, wy, wz = perpendicular_basis(nx, ny, nz)
            weight[i] = max(1.0, w / (w_max * envelope))
            j = i * per_event
            # beams
            pdg[j], status[j] = 11, STATUS_BEAM
            px[j], py[j], pz[j], E[j] = her[0], her[1], her[2], her[3]
            pdg[j + 1], status[j + 1] = -11, STATUS_BEAM
            px[j + 1], py[j + 1], pz[j + 1], E[j + 1] = ler[0], ler[1], ler[2], ler[3]
            # final state: rotate the canonical frame onto the event's axis, boost to the lab
            for slot, vec, code in ((2, k1, pdg_l), (3, k2, -pdg_l), (4, q, pdg_x)):
                cx = vec[1] * ux + vec[2] * wx + vec[3] * nx
                cy = vec[1] * uy + vec[2] * wy + vec[3] * ny
                cz = vec[1] * uz + vec[2] * wz + vec[3] * nz
                lab = boost(cx, cy, cz, vec[0], bx, by, bz)
                pdg[j + slot], status[j + slot] = code, STATUS_FINAL
                px[j + slot], py[j + slot], pz[j + slot], E[j + slot] = lab[0], lab[1], lab[2], lab[3]
            for m in range(per_event):
                vx[j + m], vy[j + m], vz[j + m] = vtx[0], vtx[1], vtx[2]
                parent[j + m] = -1
            if isr.shape[0] > 0:
                g = j + per_event - 1
                pdg[g], status[g] = 22, STATUS_FINAL
                px[g], py[g], pz[g], E[g] = k_isr[0], k_isr[1], k_isr[2], k_isr[3]
            if pdg_d != 0:  # X -> d dbar, isotropic in the X rest frame
                status[j + 4] = STATUS_DECAYED
                kd = rng.event_key(seed, numbers[i], rng.STAGE_DECAY)
                d1, d2 = two_body_decay(E[j + 4], px[j + 4], py[j + 4], pz[j + 4], M, m_d, m_d,
                                        rng.uniform(kd, 0), rng.uniform(kd, 1))
                for slot, d, code in ((5, d1, pdg_d), (6, d2, -pdg_d)):
                    pdg[j + slot], status[j + slot], parent[j + slot] = code, STATUS_FINAL, 4
                    px[j + slot], py[j + slot], pz[j + slot], E[j + slot] = d[0], d[1], d[2], d[3]


def generate(seed, first_event, n_events, beams, lepton_pdg, boson_pdg, M, kind, w_max, decay_pdg=0, isr=None):
    """Events of e+e- -> l+l- X (lab frame). ``decay_pdg`` = 0 keeps X undecayed (invisible);
    otherwise X -> decay_pdg + anti-particle. ``isr``: the table of :func:`isr_envelope` (and
    ``w_max`` its bound), or None."""
    per_event = (7 if decay_pdg else 5) + (1 if isr is not None else 0)
    batch = EventBatch.empty(n_events, per_event, first_number=first_event, zeroed=False)
    m_d = pdgdata.mass_GeV(decay_pdg) if decay_pdg else 0.0
    _generate(np.uint64(seed), batch.number, beams.packed(), pdgdata.mass_GeV(11),
              pdgdata.mass_GeV(lepton_pdg), float(M), int(kind), float(w_max), int(lepton_pdg), int(boson_pdg),
              int(decay_pdg), float(m_d), per_event, np.zeros(0) if isr is None else isr, batch.pdg, batch.px, batch.py, batch.pz, batch.E,
              batch.vx, batch.vy, batch.vz, batch.parent, batch.status, batch.weight)
    return batch
