"""Calibrated trigger objects reproduce the statements they were calibrated on, on the kind of
events each paper measured them with (shared/physics/analyses.md, calibration table)."""

import numpy as np
import pytest

from belle2sim import pdgdata
from belle2sim.simulate import simulate_chunk
from conftest import make_batch


def _particle(pdg, p, theta_deg, phi_deg):
    m = pdgdata.mass_GeV(abs(pdg)) if pdg != 22 else 0.0
    t, f = np.radians(theta_deg), np.radians(phi_deg)
    return (pdg, p * np.sin(t) * np.cos(f), p * np.sin(t) * np.sin(f), p * np.cos(t), np.hypot(p, m))


def _mumu_gamma(n, rng, theta_range=(40.0, 115.0), photon=True):
    """mu+ mu- (gamma)-like events: two 1.5-4 GeV muons in the trigger acceptance, opening > 100
    deg in phi, and a barrel photon above 1 GeV."""
    events = []
    for _ in range(n):
        f1 = rng.uniform(-180, 180)
        f2 = f1 + 180 + rng.uniform(-70, 70)
        ev = [_particle(13, rng.uniform(1.5, 4), rng.uniform(*theta_range), f1),
              _particle(-13, rng.uniform(1.5, 4), rng.uniform(*theta_range), f2)]
        if photon:
            ev.append(_particle(22, rng.uniform(1.2, 3.0), rng.uniform(45, 115), f1 + 90))
        events.append(ev)
    return make_batch(events)


def _binomial_ok(k, n, p, tol):
    return abs(k / n - p) <= tol + 3 * np.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("period,logic,expected,tol", [
    ("2018", "t2b >= 2 and t2b_open90", 0.79, 0.05),      # arXiv:1912.11276 p. 6: (79 +- 5)%
    ("2019-2021", "tt90", 0.89, 0.01),                    # arXiv:2207.00509 p. 3: 89%
])
def test_two_track_trigger_reproduces_its_calibration(card, menu, period, logic, expected, tol):
    from belle2sim.trigger import logic as lg

    n = 6000
    batch = _mumu_gamma(n, np.random.default_rng(5), photon=False)
    chunk = simulate_chunk(batch, card, menu, 7, period=period)
    space = {**chunk.bits, **{k: v.view(np.int8) for k, v in chunk.psnm.items()}}
    fired = lg.evaluate(lg.parse(logic), space)
    assert _binomial_ok(fired.sum(), n, expected, tol)
    # the ideal trigger fires on every such event: the calibration is what lowers it
    ideal = simulate_chunk(batch, card, menu, 7, period="ideal")
    assert ideal.psnm["tt90"].mean() == 1.0


def test_energy_sum_reproduces_barrel_calibration(card, menu):
    """arXiv:1912.11276 p. 6: the ECL trigger is (96 +- 1)% in the barrel for mu mu gamma
    events with E_gamma > 1 GeV."""
    n = 6000
    chunk = simulate_chunk(_mumu_gamma(n, np.random.default_rng(6)), card, menu, 8, period="2018")
    assert _binomial_ok(np.sum(chunk.bits["ehigh"] > 0), n, 0.96, 0.01)
    assert np.all(chunk.bits["elow"] >= chunk.bits["ehigh"])  # nested thresholds stay nested


def _four_tracks(n, rng, pt_soft):
    events = []
    for _ in range(n):
        phis = rng.uniform(-180, 180) + np.array([0, 95, 185, 275])
        thetas = rng.uniform(50, 110, 4)
        pts = [pt_soft, pt_soft, 1.5, 2.0]
        events.append([_particle(211 if k % 2 else -211, pt / np.sin(np.radians(t)), t, f)
                       for k, (pt, t, f) in enumerate(zip(pts, thetas, phis))])
    return make_batch(events)


def test_three_track_plateau_and_turn_on(card, menu):
    """arXiv:2403.02841 sec. IV.A: the three-track trigger reaches a plateau close to 100%
    when the two softest tracks have pT > 0.5 GeV/c; below, data is lower than an ideal finder."""
    n = 4000
    plateau = simulate_chunk(_four_tracks(n, np.random.default_rng(1), 0.6), card, menu, 2, period="2019-2021")
    assert plateau.psnm["ttt"].mean() > 0.97
    soft = simulate_chunk(_four_tracks(n, np.random.default_rng(1), 0.35), card, menu, 2, period="2019-2021")
    ideal = simulate_chunk(_four_tracks(n, np.random.default_rng(1), 0.35), card, menu, 2, period="ideal")
    assert soft.psnm["ttt"].mean() < 0.6 < ideal.psnm["ttt"].mean()


@pytest.mark.parametrize("theta_deg,expected", [(60.0, 0.90), (110.0, 0.90), (45.0, 0.0), (122.0, 0.0)])
def test_single_muon_plateau_in_polar_range(card, menu, theta_deg, expected):
    """arXiv:2403.02841 sec. IV.A: single-muon trigger plateau about 90% in 51-117 deg."""
    n = 4000
    rng = np.random.default_rng(3)
    batch = make_batch([[_particle(13, 2.5, theta_deg, f)] for f in rng.uniform(-180, 180, n)])
    chunk = simulate_chunk(batch, card, menu, 4, period="2019-2021")
    assert _binomial_ok(chunk.psnm["mu1"].sum(), n, expected, 0.0)


def test_muons_fire_single_muon_trigger_independently(card, menu):
    """Events with two muons: 1 - (1 - 0.9)^2 = 0.99 (the paper's no-correlation rule)."""
    n = 6000
    rng = np.random.default_rng(4)
    batch = make_batch([[_particle(13, 2.5, 70, f), _particle(-13, 2.5, 100, f + 150)]
                        for f in rng.uniform(-180, 180, n)])
    chunk = simulate_chunk(batch, card, menu, 9, period="2019-2021")
    assert _binomial_ok(chunk.psnm["mu1"].sum(), n, 0.99, 0.0)
    counts = np.bincount(chunk.bits["cdcklm"], minlength=3) / n
    np.testing.assert_allclose(counts, [0.01, 0.18, 0.81], atol=0.02)


def test_unknown_period_is_an_error(card):
    from belle2sim.errors import CardError

    with pytest.raises(CardError, match="no trigger-calibration period '2017'.*2018"):
        card.trigger_calibration("2017")
