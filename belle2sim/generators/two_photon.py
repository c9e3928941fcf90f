"""Two-photon lepton pairs e+e- -> e+e- l+l- (l = e, mu) in the equivalent-photon approximation.

Each beam radiates a quasi-real photon of energy fraction x with the Weizsaecker-Williams spectrum
(leading logarithm, Budnev et al., Phys. Rept. 15 (1975) 181):

    f(x) = alpha / (2 pi x) [1 + (1 - x)^2] ln(Q2_max / Q2_min),  Q2_min = m_e^2 x^2 / (1 - x),

with Q2_max = ``Q2_MAX_GeV2`` (1 GeV^2, ASSUMPTION: the scattered e+- stay below the detector's
acceptance; photon transverse momenta are neglected: collinear photons). The photons collide at
W^2 = 2 k1.k2 (crossing angle included) and make a lepton pair with the Breit-Wheeler law

    dsigma/dcos = (2 pi alpha^2 beta / W^2) [1 + 2 beta^2 (1 - c^2) - beta^4 - beta^4 (1 - c^2)^2]
                  / (1 - beta^2 c^2)^2

(c: the lepton angle to photon 1 in the gamma gamma frame; it integrates to the Breit-Wheeler total,
checked by the tests). Generation cuts: both leptons with lab pT >= 0.1 GeV and polar angle in
17-150 deg (the definition of Iwasaki et al.'s ~80 nb of two-photon processes). x1, x2 are drawn
log-uniformly above X_MIN, the lepton angle from the envelope 1 / (1 - b^2 c^2) within the angles
that can pass the pT cut, and the events unweighted against a pilot run; the cross section is the
mean weight of a fixed pilot sample (stated with its error): 31.4 +- 0.3 nb (e+e-) and 14.6 +- 0.1
nb (mu+mu-) in the cuts, where Pythia 8's own photon fluxes (virtual photons, its Q2 sampling) give
the same within 1 % (tests/test_two_photon.py). The missing hadronic final states (gamma gamma -> pi
pi, ...) are stated wherever its rate is shown. The scattered e+- are kept (final state, along
the beams, energies (1 - x) E_beam).
"""

import numpy as np

from belle2sim import pdgdata, rng
from belle2sim._jit import inline, range_kernel
from belle2sim.constants import ALPHA_EM, GEV2_TO_FB
from belle2sim.events import STATUS_BEAM, STATUS_FINAL, EventBatch
from belle2sim.kinematics import boost, direction

Q2_MAX_GeV2 = 1.0
X_MIN = 1e-4
MIN_PT_GeV = 0.1
THETA_RANGE_DEG = (17.0, 150.0)  # both leptons inside the CDC's polar acceptance (as Iwasaki et al.)
COS_MIN, COS_MAX = np.cos(np.radians(THETA_RANGE_DEG[1])), np.cos(np.radians(THETA_RANGE_DEG[0]))
PILOT = 400_000
MAX_ATTEMPTS = 2000
PT_STAR_FRACTION = 0.5  # tests/test_two_photon.py: 0.25 gives the same cross section


@inline
def flux(x, m_e):
    """Weizsaecker-Williams photon spectrum f(x) (0 where Q2_min reaches Q2_max)."""
    q2_min = m_e * m_e * x * x / (1.0 - x)
    if q2_min >= Q2_MAX_GeV2:
        return 0.0
    return ALPHA_EM / (2.0 * np.pi * x) * (1.0 + (1.0 - x) ** 2) * np.log(Q2_MAX_GeV2 / q2_min)


@inline
def breit_wheeler(w, m):
    """Total sigma(gamma gamma -> l+ l-) in GeV^-2 at gamma gamma mass w (0 below threshold)."""
    if w <= 2.0 * m:
        return 0.0
    b2 = 1.0 - 4.0 * m * m / (w * w)
    b = np.sqrt(b2)
    return np.pi * ALPHA_EM ** 2 / (2.0 * m * m) * (1.0 - b2) * (
        (3.0 - b2 * b2) * np.log((1.0 + b) / (1.0 - b)) - 2.0 * b * (2.0 - b2))


@inline
def _angular_shape(c, b2):
    s2 = 1.0 - c * c
    return (1.0 + 2.0 * b2 * s2 - b2 * b2 - b2 * b2 * s2 * s2) / (1.0 - b2 * c * c) ** 2


@inline
def sample_cos(b2, c_max, key, counter):
    """(c, factor): cos of l- to photon 1 in the gamma gamma frame, drawn in |c| <= c_max from the
    envelope 1 / (1 - b^2 c^2) (atanh(b c) uniform: exact even for e+e- pairs, whose forward peak
    is ~1e5 times the central value), and the factor that makes the event weight
    dsigma/dcos / envelope density: 2 atanh(b c_max) shape(c) (1 - b^2 c^2) / b, times
    2 pi alpha^2 beta / W^2 (applied by the caller). shape (1 - b^2 c^2) <= 2 for every beta."""
    b = np.sqrt(b2)
    t_max = 0.5 * np.log((1.0 + b * c_max) / (1.0 - b * c_max))
    c = np.tanh((2.0 * rng.uniform(key, counter) - 1.0) * t_max) / b
    return c, 2.0 * t_max * _angular_shape(c, b2) * (1.0 - b2 * c * c) / b


def dsigma_dcos_GeV2(c, w, m):
    """Breit-Wheeler dsigma/dcos (GeV^-2); integrates to :func:`breit_wheeler`."""
    b2 = 1 - 4 * m * m / w**2
    return 2 * np.pi * ALPHA_EM**2 * np.sqrt(b2) / w**2 * _angular_shape(np.asarray(c, dtype=float), b2)


@range_kernel("numbers")
def _candidates(begin, end, seed, numbers, stage_counter, her, ler, m_e, m, log_x_min, pt_star_min, out):
    """One candidate per event (its own counters): x1, x2, c, phi, the weight, and the lab
    four-vectors of the two leptons (columns 5-12); weight 0 below threshold or outside the cuts."""
    for i in range(begin, end):
        key = rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR)
        base = 8 * stage_counter
        x1 = np.exp(log_x_min * (1.0 - rng.uniform(key, base)))
        x2 = np.exp(log_x_min * (1.0 - rng.uniform(key, base + 1)))
        out[i, 4] = 0.0
        k1 = (x1 * her[0], x1 * her[1], x1 * her[2], x1 * her[3])
        k2 = (x2 * ler[0], x2 * ler[1], x2 * ler[2], x2 * ler[3])
        w2 = 2.0 * (k1[3] * k2[3] - k1[0] * k2[0] - k1[1] * k2[1] - k1[2] * k2[2])
        w = np.sqrt(max(w2, 0.0))
        p = 0.5 * w * np.sqrt(max(1.0 - 4.0 * m * m / max(w2, 1e-300), 0.0))
        # leptons below pt_star_min (PT_STAR_FRACTION x the pT cut) in the gamma gamma frame cannot
        # pass it in the lab (the frame's transverse motion from the crossing angle shifts pT by far less): only
        # |c| <= c_max is generated, and its share of the angular law is in the weight
        if w <= 2.0 * m or p <= pt_star_min:
            continue
        b2 = 1.0 - 4.0 * m * m / w2
        c_max = np.sqrt(1.0 - (pt_star_min / p) ** 2)
        c, angular = sample_cos(b2, c_max, key, base + 2)
        weight = flux(x1, m_e) * flux(x2, m_e) * 2.0 * np.pi * ALPHA_EM ** 2 / w2 * np.sqrt(b2) * angular
        phi = 2.0 * np.pi * rng.uniform(key, base + 4)
        # leptons in the gamma gamma frame about photon 1's direction there, then to the lab
        te = k1[3] + k2[3]
        vx, vy, vz = (k1[0] + k2[0]) / te, (k1[1] + k2[1]) / te, (k1[2] + k2[2]) / te
        a = boost(k1[0], k1[1], k1[2], k1[3], -vx, -vy, -vz)
        an = np.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])
        dx, dy, dz = direction(a[0] / an, a[1] / an, a[2] / an, c, phi)
        for col, sign in ((5, 1.0), (9, -1.0)):
            lab = boost(sign * p * dx, sign * p * dy, sign * p * dz, 0.5 * w, vx, vy, vz)
            out[i, col], out[i, col + 1], out[i, col + 2], out[i, col + 3] = lab[0], lab[1], lab[2], lab[3]
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = x1, x2, c, phi
        inside = True
        for col in (5, 9):
            pt = np.sqrt(out[i, col] ** 2 + out[i, col + 1] ** 2)
            cos = out[i, col + 2] / np.sqrt(pt * pt + out[i, col + 2] ** 2)
            inside = inside and pt >= MIN_PT_GeV and COS_MIN <= cos <= COS_MAX
        if inside:
            out[i, 4] = weight * x1 * x2 * log_x_min * log_x_min


def _pilot(card, lepton, seed, pt_star_fraction=PT_STAR_FRACTION):
    her, ler = card.beams.nominal_fourvectors()
    out = np.empty((PILOT, 13))
    _candidates(np.uint64(seed), np.arange(PILOT, dtype=np.int64), 0, np.array(her), np.array(ler),
                pdgdata.mass_GeV(11), pdgdata.mass_GeV(lepton), np.log(X_MIN), pt_star_fraction * MIN_PT_GeV, out)
    w = out[:, 4]
    return w.mean(), w.std() / np.sqrt(PILOT), w.max()


_PILOTS = {}


def pilot(card, lepton, seed=777):
    """(cross section fb, its MC error fb, largest weight) from a fixed pilot sample."""
    key = (card.sha256, lepton, seed)
    if key not in _PILOTS:
        mean, err, w_max = _pilot(card, lepton, seed)
        _PILOTS[key] = (GEV2_TO_FB * mean, GEV2_TO_FB * err, w_max)
    return _PILOTS[key]


def generate(seed, first, n, card, lepton):
    """``n`` unweighted e+e- -> e+e- l+l- events (lab): beams, scattered e-, e+, then l-, l+."""
    _, _, w_max = pilot(card, lepton)
    her, ler = card.beams.nominal_fourvectors()
    numbers = np.arange(first, first + n, dtype=np.int64)
    chosen = np.full((n, 13), np.nan)
    pending = np.arange(n)
    for attempt in range(MAX_ATTEMPTS):
        if not len(pending):
            break
        out = np.empty((len(pending), 13))
        _candidates(np.uint64(seed), numbers[pending], attempt + 1, np.array(her), np.array(ler),
                    pdgdata.mass_GeV(11), pdgdata.mass_GeV(lepton), np.log(X_MIN), PT_STAR_FRACTION * MIN_PT_GeV, out)
        u = np.empty(len(pending))
        _accept_uniform(np.uint64(seed), numbers[pending], attempt + 1, u)
        ok = u * w_max < out[:, 4]
        chosen[pending[ok]] = out[ok]
        pending = pending[~ok]
    if len(pending):
        raise RuntimeError(f"two-photon generation: {len(pending)} events not accepted in {MAX_ATTEMPTS} attempts")
    batch = EventBatch.empty(n, 6, first_number=first)
    j = np.arange(n) * 6
    for slot, vec, code, st in ((0, her, 11, STATUS_BEAM), (1, ler, -11, STATUS_BEAM)):
        batch.px[j + slot], batch.py[j + slot], batch.pz[j + slot], batch.E[j + slot] = vec
        batch.pdg[j + slot], batch.status[j + slot] = code, st
    for slot, vec, frac, code in ((2, her, chosen[:, 0], 11), (3, ler, chosen[:, 1], -11)):
        for comp, v in zip(("px", "py", "pz", "E"), vec):
            getattr(batch, comp)[j + slot] = (1.0 - frac) * v
        batch.pdg[j + slot], batch.status[j + slot] = code, STATUS_FINAL
    for slot, col, code in ((4, 5, lepton), (5, 9, -lepton)):
        for k, comp in enumerate(("px", "py", "pz", "E")):
            getattr(batch, comp)[j + slot] = chosen[:, col + k]
        batch.pdg[j + slot], batch.status[j + slot] = code, STATUS_FINAL
    batch.parent[:] = -1
    return batch


@range_kernel("numbers")
def _accept_uniform(begin, end, seed, numbers, stage_counter, out):
    for i in range(begin, end):
        out[i] = rng.uniform(rng.event_key(seed, numbers[i], rng.STAGE_GENERATOR), 8 * stage_counter + 7)
