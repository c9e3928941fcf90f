"""Generator e+e- -> gamma A': exact kinematics, angular shape, cross section."""

import numpy as np
import pytest
from scipy import integrate, stats

from belle2sim.events import STATUS_BEAM
from belle2sim.generators import dark_photon

MASS = 3.0


@pytest.fixture(scope="module")
def batch(card):
    return dark_photon.generate(seed=11, first_event=0, n_events=40_000, mass_GeV=MASS,
                                theta_min_deg=5.0, theta_max_deg=175.0, beams=card.beams)


def _per_event_cm(batch):
    """Boost vectors of each event's own CM, from its two beam particles (status 4)."""
    beams = batch.status == STATUS_BEAM
    p = np.stack([batch.px, batch.py, batch.pz, batch.E])[:, beams].reshape(4, -1, 2).sum(axis=2)
    return p[:3] / p[3], p[3] ** 2 - (p[:3] ** 2).sum(axis=0)


def _to_cm(batch, index, beta):
    import vector

    v = vector.array({"px": batch.px[index], "py": batch.py[index], "pz": batch.pz[index], "E": batch.E[index]})
    return v.boost_beta3(vector.array({"x": -beta[0], "y": -beta[1], "z": -beta[2]}))


def test_photon_cm_energy_is_exact_event_by_event(batch):
    beta, s = _per_event_cm(batch)
    gamma = _to_cm(batch, batch.pdg == 22, beta)
    np.testing.assert_allclose(gamma.E, (s - MASS**2) / (2 * np.sqrt(s)), rtol=1e-9)
    # the beam energy spread makes s vary from event to event
    assert np.std(np.sqrt(s)) > 1e-3


def test_four_momentum_is_conserved(batch):
    beams = batch.status == STATUS_BEAM
    for comp in ("px", "py", "pz", "E"):
        a = getattr(batch, comp)
        initial = a[beams].reshape(-1, 2).sum(axis=1)
        final = a[~beams].reshape(-1, 2).sum(axis=1)
        np.testing.assert_allclose(final, initial, atol=1e-9)
    dark = batch.pdg == dark_photon.PDG_DARK_PHOTON
    m2 = batch.E[dark] ** 2 - batch.px[dark] ** 2 - batch.py[dark] ** 2 - batch.pz[dark] ** 2
    np.testing.assert_allclose(np.sqrt(m2), MASS, rtol=1e-6)


def test_polar_angle_follows_matrix_element(batch, card):
    """KS test of cos(theta*) (photon vs e- in the CM) against the analytic CDF."""
    beta, s = _per_event_cm(batch)
    gamma = _to_cm(batch, batch.pdg == 22, beta)
    electron = _to_cm(batch, (batch.pdg == 11) & (batch.status == STATUS_BEAM), beta)
    cos_t = (gamma.px * electron.px + gamma.py * electron.py + gamma.pz * electron.pz) / (gamma.p * electron.p)
    s0 = card.beams.s_GeV2
    lo, hi = np.cos(np.radians(175.0)), np.cos(np.radians(5.0))
    total = dark_photon.cross_section_fb(s0, MASS, 1.0, lo, hi)

    def cdf(c):
        return dark_photon.cross_section_fb(s0, MASS, 1.0, lo, np.clip(c, lo, hi)) / total

    result = stats.kstest(cos_t, cdf)
    assert result.pvalue > 1e-3, result
    # and a wrong shape (flat) is rejected with the same statistics
    assert stats.kstest(cos_t, stats.uniform(lo, hi - lo).cdf).pvalue < 1e-6


@pytest.mark.parametrize("mass", [0.0, 0.5, 5.0, 10.0])
def test_cross_section_matches_numerical_integration(card, mass):
    s = card.beams.s_GeV2
    lo, hi = np.cos(np.radians(170.0)), np.cos(np.radians(10.0))
    numeric, _ = integrate.quad(lambda c: dark_photon.dsigma_dcos_fb(c, s, mass, 1e-3), lo, hi, epsabs=0,
                                epsrel=1e-10)
    assert dark_photon.cross_section_fb(s, mass, 1e-3, lo, hi) == pytest.approx(numeric, rel=1e-8)


def test_massless_limit_is_twice_qed_gamma_gamma(card):
    """At M = 0, A' production is e+e- -> gamma gamma (Peskin & Schroeder eq. 5.105) with one
    photon replaced; for distinguishable photons the rate is the QED one times epsilon^2, i.e.
    dsigma/dcos = 2 pi alpha^2 / s (1 + c^2) / (1 - c^2)."""
    from belle2sim.constants import ALPHA_EM, GEV2_TO_FB

    s = card.beams.s_GeV2
    c = np.linspace(-0.9, 0.9, 7)
    expected = GEV2_TO_FB * 2 * np.pi * ALPHA_EM**2 / s * (1 + c**2) / (1 - c**2)
    np.testing.assert_allclose(dark_photon.dsigma_dcos_fb(c, s, 0.0, 1.0), expected, rtol=1e-12)


def test_selection_window_covers_the_resolution(card, menu):
    """Among one-photon events, the +-n sigma E*_gamma window keeps the Gaussian fraction
    erf(n / sqrt 2) (the beam-energy spread, ~5 MeV, is small against the ECL width)."""
    from scipy.special import erf

    from belle2sim.channels import get
    from belle2sim.simulate import simulate_chunk

    ch = get("dark-photon-invisible")
    for n_sigma in (1.0, 2.0):
        params = ch.resolve_parameters({"mass_GeV": 4.0, "window_nsigma": n_sigma, "isr": 0,
                                        "theta_gamma_cm_min_deg": 60, "theta_gamma_cm_max_deg": 110}, card)
        b = ch.generate(21, 0, 20_000, params, card)
        cuts = ch.select(b, simulate_chunk(b, card, menu, 21), card, params)
        one = cuts["one photon in ECL acceptance"]
        frac = cuts["E*_gamma in window"][one].mean()
        expected = erf(n_sigma / np.sqrt(2))
        assert abs(frac - expected) < 0.02, (n_sigma, frac, expected)


@pytest.mark.parametrize("mass", [0.5, 2.0, 5.0, 8.0, 10.0])
def test_cross_section_against_the_drell_yan_form(card, mass):
    """Independent of the module's formula: e+e- -> gamma A' is q qbar -> g gamma* with the
    couplings swapped, spin-averaged |M|^2 = 2 e^4 eps^2 (t/u + u/t + 2 M^2 s / (t u)) for
    massless fermions (Ellis, Stirling, Webber, QCD and collider physics, table 7.1 form), and
    dsigma/dcos = |M|^2 / (32 pi s) (1 - M^2 / s). Several masses: the mass dependence counts."""
    from scipy import integrate

    from belle2sim.constants import ALPHA_EM, GEV2_TO_FB

    s = card.beams.s_GeV2
    e4 = (4 * np.pi * ALPHA_EM) ** 2

    def mandelstam(c):
        t = -(s - mass**2) * (1 - c) / 2
        u = -(s - mass**2) * (1 + c) / 2
        m2 = 2 * e4 * (t / u + u / t + 2 * mass**2 * s / (t * u))
        return GEV2_TO_FB * m2 / (32 * np.pi * s) * (1 - mass**2 / s)

    for c in (-0.9, -0.3, 0.0, 0.5, 0.95):
        assert dark_photon.dsigma_dcos_fb(c, s, mass, 1.0) == pytest.approx(mandelstam(c), rel=1e-10)
    lo, hi = np.cos(np.radians(175)), np.cos(np.radians(5))
    assert dark_photon.cross_section_fb(s, mass, 1.0, lo, hi) == pytest.approx(
        integrate.quad(mandelstam, lo, hi, epsabs=0, epsrel=1e-10)[0], rel=1e-8)
