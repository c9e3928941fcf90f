"""Inelastic dark matter with a dark Higgs: the chi2 three-body decay, widths, two displaced vertices."""

import numpy as np
import pytest
from scipy import integrate, stats

from belle2sim import pdgdata
from belle2sim.channels import get
from belle2sim.generators import idm
from belle2sim.scan import run_point


def test_chi2_width_tends_to_the_small_splitting_limit():
    # Gamma -> 4 eps^2 alpha alpha_D Delta^5 / (15 pi m_A'^4) as Delta / m -> 0 (arXiv:1508.03050)
    ratios = []
    for delta in (0.02, 0.005, 0.001):
        ratios.append(idm.chi2_width_GeV(1.0, 1.0 + delta, 3.0, 1e-3, 0.1)
                      / idm.chi2_width_small_splitting_GeV(1.0, 1.0 + delta, 3.0, 1e-3, 0.1))
    assert abs(ratios[-1] - 1.0) < 0.005
    assert abs(ratios[0] - 1) > abs(ratios[1] - 1) > abs(ratios[2] - 1)  # converges from below
    # scales as eps^2 alpha_D
    assert idm.chi2_width_GeV(1.0, 1.1, 3.0, 2e-3, 0.3) == pytest.approx(
        12 * idm.chi2_width_GeV(1.0, 1.1, 3.0, 1e-3, 0.1), rel=1e-6)


def test_ee_mass_spectrum_follows_the_matrix_element(card):
    m1, delta, m_a = 1.0, 0.15, 3.0
    m2 = m1 + delta
    batch = idm.generate(3, 0, 40000, card.beams, m1, delta, m_a, 0.5)
    e1, e2 = slice(6, None, 11), slice(7, None, 11)
    m_ee = np.sqrt((batch.E[e1] + batch.E[e2]) ** 2 - (batch.px[e1] + batch.px[e2]) ** 2
                   - (batch.py[e1] + batch.py[e2]) ** 2 - (batch.pz[e1] + batch.pz[e2]) ** 2)

    def density(s12):  # dGamma / ds12 from the Dalitz integral of |M|^2 (massless electrons)
        e2_ = np.sqrt(s12) / 2.0
        e3 = (m2 * m2 - s12 - m1 * m1) / (2.0 * np.sqrt(s12))
        p3 = np.sqrt(max(e3 * e3 - m1 * m1, 0.0))
        lo, hi = (e2_ + e3) ** 2 - (e2_ + p3) ** 2, (e2_ + e3) ** 2 - (e2_ - p3) ** 2
        return integrate.quad(lambda s13: idm.chi2_msq(s12, s13, m1, m2, m_a), lo, hi)[0]

    edges = np.linspace(0.0, delta, 16)
    expected = np.array([integrate.quad(lambda m: 2 * m * density(m * m), max(a, 1e-6), b)[0]
                         for a, b in zip(edges[:-1], edges[1:])])
    observed, _ = np.histogram(m_ee, edges)
    expected *= len(m_ee) / expected.sum()
    keep = expected > 20
    chi2 = np.sum((observed[keep] - expected[keep]) ** 2 / expected[keep])
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 0.001
    # the chi2 decay conserves four-momentum and chi1 + e+ e- has the chi2 mass
    for comp in ("px", "py", "pz", "E"):
        x = getattr(batch, comp)
        np.testing.assert_allclose(x[5::11] + x[e1] + x[e2], x[4::11], atol=1e-10)


def test_h_width_from_the_mixing():
    m_h = 0.5
    m_mu, m_e = pdgdata.mass_GeV(13), pdgdata.mass_GeV(11)
    ratio = (m_mu / m_e) ** 2 * (1 - 4 * m_mu**2 / m_h**2) ** 1.5 / (1 - 4 * m_e**2 / m_h**2) ** 1.5
    assert idm.h_mumu_fraction(m_h) == pytest.approx(ratio / (1 + ratio), rel=1e-12)
    assert idm.h_width_GeV(m_h, 2e-3) == pytest.approx(4 * idm.h_width_GeV(m_h, 1e-3))


def test_two_displaced_vertices_and_the_model_lifetimes(card, menu):
    ch = get("idm-dark-higgs")
    params = ch.resolve_parameters({"mass_GeV": 1.0}, card)
    ctau_chi2 = ch.ctau_cm(params, card)
    (pdg_h, ctau_h), = ch.other_long_lived(params, card)
    assert pdg_h == idm.PDG_H and ctau_h == pytest.approx(100 * 1.97327e-16 / idm.h_width_GeV(0.5, 1e-3), rel=1e-4)
    batch = ch.generate(1, 0, 5000, params, card)
    from belle2sim import propagation

    propagation.propagate(batch, idm.PDG_CHI2, card, 1, ctau_cm=ctau_chi2, others=((pdg_h, ctau_h),))
    # both decays moved, each along its own parent's flight direction
    for parent_slot, child in ((4, 6), (8, 9)):
        inside = batch.status[child::11] == 1
        d = np.stack([batch.vx[child::11] - batch.vx[parent_slot::11], batch.vy[child::11] - batch.vy[parent_slot::11],
                      batch.vz[child::11] - batch.vz[parent_slot::11]])[:, inside]
        p = np.stack([batch.px[parent_slot::11], batch.py[parent_slot::11], batch.pz[parent_slot::11]])[:, inside]
        cos = np.sum(d * p, axis=0) / (np.linalg.norm(d, axis=0) * np.linalg.norm(p, axis=0))
        assert np.all(cos > 1 - 1e-9) and inside.mean() > 0.01
    result = run_point(ch, params, card, menu, 20000, 1, lifetimes_cm=[3.0, 3000.0])
    effs = [r.to_dict("mass_GeV")["efficiency"] for r in result]
    assert effs[0] > 5 * effs[1] > 0 or effs[1] == 0.0
    with pytest.raises(Exception, match="opens chi2 -> chi1 mu mu"):
        ch.resolve_parameters({"mass_GeV": 3.0}, card)
