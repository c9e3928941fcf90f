"""The two-photon lepton-pair generator: the sampled angular law and the cross section in cuts."""

import numpy as np
import pytest
from scipy import integrate

from belle2sim import pdgdata, rng
from belle2sim.generators import two_photon as tp


@pytest.mark.parametrize("lepton, w", [(11, 0.5), (11, 4.0), (13, 0.3), (13, 3.0)])
@pytest.mark.parametrize("c_max", [1.0, 0.9])
def test_angle_sampling_reproduces_breit_wheeler(lepton, w, c_max):
    """The importance-sampled angle (envelope 1/(1 - b^2 c^2), weight dsigma/dcos / envelope) gives
    the Breit-Wheeler law: its weighted total and the weighted share of central and forward angles
    equal the integrals of dsigma/dcos, the e+e- forward peak included (an accept-reject against the
    peak height once gave up on it and returned uniform angles: 9x too many e+e- pairs in the cuts)."""
    m = pdgdata.mass_GeV(lepton)
    b2 = 1 - 4 * m * m / w**2
    norm = 2 * np.pi * tp.ALPHA_EM ** 2 * np.sqrt(b2) / w**2
    keys = [np.uint64(rng.event_key(np.uint64(5), i, rng.STAGE_GENERATOR)) for i in range(20_000)]
    c, factor = np.array([tp.sample_cos(b2, c_max, k, 10) for k in keys]).T
    assert np.abs(c).max() <= c_max
    weight = norm * factor

    def law(lo, hi):
        return integrate.quad(lambda x: tp.dsigma_dcos_GeV2(x, w, m), lo, hi, points=[-1 + 1e-6, 1 - 1e-6],
                              limit=500, epsrel=1e-10)[0]

    err = weight.std() / np.sqrt(len(weight))
    assert abs(weight.mean() - law(-c_max, c_max)) < 4 * err
    if c_max == 1.0:
        assert law(-1, 1) == pytest.approx(tp.breit_wheeler(w, m), rel=1e-6)
    for lo, hi in ((-0.5, 0.5), (0.8, c_max)):
        inside = (c >= lo) & (c <= hi)
        share = np.mean(weight * inside)
        share_err = np.std(weight * inside) / np.sqrt(len(weight))
        assert abs(share - law(lo, min(hi, c_max))) < 4 * share_err + 1e-12 * share


def test_angular_cut_in_the_pair_frame_loses_nothing(card):
    """Only angles whose gamma-gamma-frame pT reaches half the pT cut are generated: halving that
    bound again leaves the cross section in the cuts unchanged (the pilots share their x draws)."""
    for lepton in (11, 13):
        half, half_err, _ = tp._pilot(card, lepton, 777, 0.5)
        quarter, quarter_err, _ = tp._pilot(card, lepton, 777, 0.25)
        assert abs(half - quarter) < 3 * np.hypot(half_err, quarter_err)


def _pairs_in_cuts(batch, lepton):
    """Events whose final state has an l- and an l+ with pT > 0.1 GeV in 17-150 deg (lab)."""
    ev = np.repeat(np.arange(len(batch)), np.diff(batch.offsets))
    pt = np.hypot(batch.px, batch.py)
    theta = np.degrees(np.arctan2(pt, batch.pz))
    good = (batch.status == 1) & (pt >= 0.1) & (theta >= 17) & (theta <= 150)
    neg = np.bincount(ev[good & (batch.pdg == lepton)], minlength=len(batch)) > 0
    pos = np.bincount(ev[good & (batch.pdg == -lepton)], minlength=len(batch)) > 0
    return neg & pos


@pytest.mark.parametrize("lepton", [11, 13])
def test_cross_section_in_cuts_matches_pythia_photon_fluxes(card, lepton):
    """The built-in generator and Pythia 8's lepton-to-photon fluxes (its own Q2 sampling, virtual
    photons, massless-lepton matrix element) agree on sigma(e+e- -> e+e- l+l-) in Iwasaki's cuts."""
    from belle2sim.inputs.pythia_sm import PythiaSample

    sigma, err, _ = tp.pilot(card, lepton)
    sample = PythiaSample({11: "twophoton-ee-pythia", 13: "twophoton-mumu-pythia"}[lepton], card)
    n = 6000
    accepted = _pairs_in_cuts(sample.generate(4, 0, n), lepton).mean()
    pythia_fb = sample.cross_section_fb() * accepted
    pythia_err = pythia_fb * np.sqrt((1 - accepted) / (accepted * n))
    assert abs(pythia_fb - sigma) < 3 * np.hypot(err, pythia_err), (sigma * 1e-6, pythia_fb * 1e-6)
    # the built-in events lie in the cuts by construction (generation cuts)
    assert _pairs_in_cuts(tp.generate(4, 0, 500, card, lepton), lepton).all()
