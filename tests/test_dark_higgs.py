"""Dark Higgsstrahlung: cross section against the numerical amplitude, angular shape, decays."""

import numpy as np
import pytest
from scipy import integrate, stats

from belle2sim import pdgdata
from belle2sim.channels import get
from belle2sim.constants import ALPHA_EM, GEV2_TO_FB
from belle2sim.events import STATUS_BEAM
from belle2sim.generators import dark_higgs, dark_photon_decays, helicity


def _me2_numeric(cos_theta, s, m_a, m_h):
    """(1/4) sum |vbar gamma^mu u eps*_mu|^2 over spins and A' polarisations (couplings stripped),
    with the same Dirac algebra as the generators."""
    sq = np.sqrt(s)
    me = pdgdata.mass_GeV(11)
    pe = np.sqrt(s / 4 - me**2)
    k = np.sqrt((s - (m_a + m_h) ** 2) * (s - (m_a - m_h) ** 2)) / (2 * sq)
    st = np.sqrt(1 - cos_theta**2)
    ka = np.array([np.sqrt(k**2 + m_a**2), k * st, 0.0, k * cos_theta])
    pols = np.zeros((3, 4))
    helicity.polarisations(*ka, m_a, pols)
    u, v, vb = (np.zeros(4, complex) for _ in range(3))
    total = 0.0
    for s1 in range(2):
        helicity.spinor_u(sq / 2, 0.0, 0.0, pe, me, s1, u)
        for s2 in range(2):
            helicity.spinor_v(sq / 2, 0.0, 0.0, -pe, me, s2, v)
            helicity.bar(v, vb)
            cur = np.array([helicity.current(vb, mu, u) for mu in range(4)])
            for e in pols:
                amp = cur[0] * e[0] - cur[1:] @ e[1:]
                total += abs(amp) ** 2
    return total / 4, k


@pytest.mark.parametrize("m_a,m_h", [(0.5, 0.2), (2.0, 5.0), (4.0, 1.0)])
def test_cross_section_against_numerical_amplitude(card, m_a, m_h):
    s = card.beams.s_GeV2
    eps, alpha_d = 1e-3, 0.1
    # |M|^2 = e^2 eps^2 (2 g_D m_A')^2 / (s - m_A'^2)^2 x (spin/polarisation sum)
    coupling = 4 * np.pi * ALPHA_EM * eps**2 * 4 * (4 * np.pi * alpha_d) * m_a**2 / (s - m_a**2) ** 2

    def dsigma(c):
        m2, k = _me2_numeric(c, s, m_a, m_h)
        return GEV2_TO_FB * coupling * m2 * k / (16 * np.pi * s**1.5)

    numeric, _ = integrate.quad(dsigma, -1, 1, epsrel=1e-9)
    assert dark_higgs.cross_section_fb(s, m_a, m_h, eps, alpha_d) == pytest.approx(numeric, rel=1e-5)


def test_angular_distribution(card):
    m_a, m_h = 2.0, 5.0
    b = dark_higgs.generate(3, 0, 30_000, card.beams, m_a, m_h, False, {13: 1.0})
    import vector

    beams = (b.status == STATUS_BEAM).reshape(-1, 6)
    tot = [np.add.reduceat(np.where(b.status == STATUS_BEAM, getattr(b, c), 0), b.offsets[:-1])
           for c in ("px", "py", "pz", "E")]
    beta = vector.array({"x": tot[0] / tot[3], "y": tot[1] / tot[3], "z": tot[2] / tot[3]})
    a = b.pdg == dark_higgs.PDG_A
    el = (b.pdg == 11) & (b.status == STATUS_BEAM)
    va = vector.array({"px": b.px[a], "py": b.py[a], "pz": b.pz[a], "E": b.E[a]}).boost_beta3(-beta)
    ve = vector.array({"px": b.px[el], "py": b.py[el], "pz": b.pz[el], "E": b.E[el]}).boost_beta3(-beta)
    c = (va.px * ve.px + va.py * ve.py + va.pz * ve.pz) / (va.p * ve.p)
    assert beams.sum() == 2 * 30_000
    s = card.beams.s_GeV2
    k2 = (s - (m_a + m_h) ** 2) * (s - (m_a - m_h) ** 2) / (4 * s)
    A = k2 / (2 * m_a**2)
    norm = 2 + 4 * A / 3

    def cdf(x):
        return ((x + 1) + A * ((x + 1) - (x**3 + 1) / 3)) / norm

    assert stats.kstest(c, cdf).pvalue > 1e-3
    assert stats.kstest(c, "uniform", args=(-1, 2)).pvalue < 1e-6


@pytest.mark.parametrize("m", [0.05, 0.3, 0.77, 1.5, 5.0])
def test_dark_photon_branching_fractions(m):
    bf = dark_photon_decays.branching_fractions(m)
    assert sum(bf.values()) == pytest.approx(1.0)
    # lepton widths: Gamma_l / Gamma_e = sqrt(1 - 4 r) (1 + 2 r), r = m_l^2 / m^2 (vector decay)
    r = (pdgdata.mass_GeV(13) / m) ** 2
    expected_mu_over_e = np.sqrt(1 - 4 * r) * (1 + 2 * r) if r < 0.25 else 0.0
    assert bf.get("mu", 0.0) / bf["e"] == pytest.approx(expected_mu_over_e, rel=1e-3)
    if m > 2:
        # far above thresholds: hadrons R times one lepton, R from the parton model (>= 2)
        assert bf["hadrons"] / bf["mu"] == pytest.approx(dark_photon_decays.r_ratio(m), rel=1e-3)


@pytest.mark.parametrize("name,M,h", [("dark-higgs-invisible", 1.0, 0.3), ("dark-higgs-visible", 0.5, 2.0)])
def test_generated_events_conserve_four_momentum(card, name, M, h):
    ch = get(name)
    b = ch.generate(2, 0, 2000, ch.resolve_parameters({"mass_GeV": M, "h_mass_GeV": h}, card), card)
    final, beams = b.status == 1, b.status == STATUS_BEAM
    for comp in ("E", "px", "py", "pz"):
        a = getattr(b, comp)
        np.testing.assert_allclose(np.add.reduceat(np.where(final, a, 0), b.offsets[:-1]),
                                   np.add.reduceat(np.where(beams, a, 0), b.offsets[:-1]), atol=1e-9)
    if name == "dark-higgs-visible":
        # six charged daughters per event (and the ISR photon)
        charged = final & (b.pdg != 22)
        assert np.all(np.add.reduceat(charged.astype(int), b.offsets[:-1]) == 6)
        assert np.all(np.add.reduceat((final & (b.pdg == 22)).astype(int), b.offsets[:-1]) == 1)


def test_visible_channel_rejects_kinematically_closed_decay(card):
    from belle2sim.errors import ParameterError

    with pytest.raises(ParameterError, match="must exceed 2 x mass_GeV"):
        get("dark-higgs-visible").resolve_parameters({"mass_GeV": 2.0, "h_mass_GeV": 3.0}, card)


def test_mass_hypothesis_prefers_electron_then_muon_then_pion():
    """The six-track selection's mass hypothesis per track: electron if identified as one, else muon
    if identified as one, else pion (the NumPy form it replaced: muons set, then electrons over them)."""
    import types

    from belle2sim import pdgdata
    from belle2sim.channels.dark_higgs import _hypothesis

    r = np.random.default_rng(4)
    tracks = types.SimpleNamespace(muon_id=r.random(500) < 0.4, electron_id=r.random(500) < 0.3)
    idx = r.integers(0, 500, size=(800, 6))
    want = np.full(idx.shape, pdgdata.mass_GeV(211))
    want[tracks.muon_id[idx]] = pdgdata.mass_GeV(13)
    want[tracks.electron_id[idx]] = pdgdata.mass_GeV(11)
    assert np.array_equal(_hypothesis(tracks, idx), want)
