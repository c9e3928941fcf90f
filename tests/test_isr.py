"""Initial-state radiation: photon spectrum against the radiator, angular pattern against the
eikonal antenna, exact kinematics of the hard process at sqrt(s'), four-momentum conservation."""

import numpy as np
import pytest
from scipy import stats

from belle2sim import pdgdata, rng
from belle2sim.channels import get
from belle2sim.events import STATUS_BEAM
from belle2sim.generators import isr


def _key(seed, i):
    return np.uint64(rng.event_key(np.uint64(seed), np.int64(i), rng.STAGE_ISR))


def _radiator_cdf(x, beta):
    return (1 + 0.75 * beta) * x**beta - beta * (x - x * x / 4)


def test_radiator_normalisation_and_positivity():
    beta = isr.beta_radiator(10.58**2, pdgdata.mass_GeV(11))
    assert beta == pytest.approx(2 / 137.036 / np.pi * (np.log(10.58**2 / 0.000511**2) - 1), rel=1e-3)
    x = np.linspace(1e-6, 0.99, 1000)
    assert np.all(isr.radiator(x, beta) > 0)
    # integral over (0, 1) = 1 + 3 beta / 4 - 3 beta / 4 = 1: the radiator conserves probability
    assert _radiator_cdf(1.0, beta) == pytest.approx(1.0, abs=1e-12)


def test_photon_energy_follows_the_radiator():
    s = 10.58**2
    table = isr.packed(s, pdgdata.mass_GeV(11), lambda s_: 1.0, 3.0)
    beta, x_max = table[0], table[2]
    key = _key(5, 0)
    xs = np.array([isr.draw_x(_key(5, i), table, 0) for i in range(20000)])
    assert key != 0 and xs.max() <= x_max
    cdf = lambda x: _radiator_cdf(np.minimum(x, x_max), beta) / _radiator_cdf(x_max, beta)  # noqa: E731
    assert stats.kstest(xs, cdf).pvalue > 0.01
    # a flat spectrum is rejected
    assert stats.kstest(xs, lambda x: x / x_max).pvalue < 1e-6


def test_cross_section_ratio_reweights_the_spectrum():
    """With sigma(s') / sigma(s) = 1 - x (say), the spectrum is W(x)(1 - x), normalised."""
    s = 10.58**2
    table = isr.packed(s, pdgdata.mass_GeV(11), lambda s_: s_ / s, 3.0)
    beta, x_max = table[0], table[2]
    xs = np.array([isr.draw_x(_key(6, i), table, 0) for i in range(20000)])

    def primitive(x):  # integral of W(t) (1 - t) from 0 to x
        x = np.minimum(x, x_max)
        moment = (1 + 0.75 * beta) * beta / (beta + 1) * x ** (beta + 1) - beta * (x * x / 2 - x**3 / 6)
        return _radiator_cdf(x, beta) - moment

    assert stats.kstest(xs, lambda x: primitive(x) / primitive(x_max)).pvalue > 0.01
    assert stats.kstest(xs, lambda x: _radiator_cdf(np.minimum(x, x_max), beta)
                        / _radiator_cdf(x_max, beta)).statistic > stats.kstest(
        xs, lambda x: primitive(x) / primitive(x_max)).statistic


@pytest.mark.parametrize("gamma", [2.0, 5.0])
def test_photon_angle_follows_the_eikonal_pattern(gamma):
    b = np.sqrt(1 - 1 / gamma**2)

    def primitive(c):
        return 2 * (1 + b * b) / b * np.arctanh(b * c) - (1 - b * b) / b * (1 / (1 - b * c) - 1 / (1 + b * c))

    cdf = lambda c: (primitive(c) - primitive(-1.0)) / (primitive(1.0) - primitive(-1.0))  # noqa: E731
    cs = np.array([isr.draw_cos(_key(7, i), gamma, 0) for i in range(20000)])
    assert stats.kstest(cs, cdf).pvalue > 0.01
    assert stats.kstest(cs, lambda c: 0.5 * (c + 1)).pvalue < 1e-6


def test_draws_are_the_plain_accept_reject():
    """draw_x rejects most attempts before the radiator's power of x (the sigma ratio alone bounds
    the weight); the photon must still be the one the plain accept-reject of the docstring draws,
    and the tabled antenna constants must be the ones draw_cos computes (libm's acosh: NumPy's own
    arccosh differs in the last bit for some gamma)."""
    s = 10.58**2
    table = isr.packed(s, pdgdata.mass_GeV(11), lambda s_: min(s / s_, 3.0), 3.0)  # a rising ratio: rejections
    beta, x_max = table[0], table[2]
    for i in range(300):
        key = _key(8, i)
        for attempt in range(1000):
            x = x_max * float(rng.uniform(key, 2 * attempt)) ** (1.0 / beta)
            w = 1.0 - (1.0 - 0.5 * x) * x ** (1.0 - beta) / (1.0 + 0.75 * beta)
            if rng.uniform(key, 2 * attempt + 1) < w * isr.ratio_at(table, x):
                break
        assert isr.draw_x(key, table, 0) == x
    np.testing.assert_array_equal(table[3:6], isr.antenna_constants(table[1]))
    for gamma in (2.0, 5.0, table[1]):
        keys = [_key(9, i) for i in range(200)]
        assert [isr._draw_cos(k, *isr.antenna_constants(gamma), 0) for k in keys] == \
               [isr.draw_cos(k, gamma, 0) for k in keys]


@pytest.mark.parametrize("name,params", [
    ("dark-photon-invisible", {"mass_GeV": 3.0}),
    ("zprime-invisible", {"mass_GeV": 2.0}),
    ("dark-higgs-invisible", {"mass_GeV": 4.0, "h_mass_GeV": 1.0}),
])
def test_isr_events_conserve_four_momentum(card, name, params):
    ch = get(name)
    b = ch.generate(3, 0, 3000, ch.resolve_parameters(params, card), card)
    final, beams = b.status == 1, b.status == STATUS_BEAM
    for comp in ("E", "px", "py", "pz"):
        a = getattr(b, comp)
        np.testing.assert_allclose(np.add.reduceat(np.where(final, a, 0), b.offsets[:-1]),
                                   np.add.reduceat(np.where(beams, a, 0), b.offsets[:-1]), atol=1e-8)
    # the ISR photon is the last particle of each event; switched off, it is not there
    assert np.all(b.pdg[b.offsets[1:] - 1] == 22)
    off = ch.generate(3, 0, 100, ch.resolve_parameters({**params, "isr": 0}, card), card)
    assert len(off.pdg) == len(b.pdg[: b.offsets[100]]) - 100


def test_hard_photon_energy_is_exact_at_the_reduced_energy(card):
    """e+e- -> gamma_ISR (gamma A'): in the rest frame of Q = P - k_ISR the A' photon carries
    exactly (s' - M^2) / (2 sqrt s')."""
    import vector

    M = 3.0
    ch = get("dark-photon-invisible")
    b = ch.generate(4, 0, 2000, ch.resolve_parameters({"mass_GeV": M}, card), card)
    v = vector.array({"px": b.px, "py": b.py, "pz": b.pz, "E": b.E})
    start = b.offsets[:-1]
    beams = v[start] + v[start + 1]
    k_isr, gamma = v[start + 4], v[start + 2]
    q = beams - k_isr
    sp = np.asarray(q.mass) ** 2
    e_star = np.asarray(gamma.boost_beta3(-q.to_beta3()).E)
    np.testing.assert_allclose(e_star, (sp - M**2) / (2 * np.sqrt(sp)), rtol=1e-7)
    # and the reduced energies are spread by the radiation: some events lose more than 1 %
    assert np.mean(np.sqrt(sp) < 0.99 * np.asarray(beams.mass)) > 0.2
