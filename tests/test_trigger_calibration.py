"""Calibrated trigger objects reproduce the statements they were calibrated on, on the kind of
events each paper measured them with (shared/physics/analyses.md, calibration table; the event
builders are the validation report's)."""

import numpy as np
import pytest

from belle2sim.simulate import simulate_chunk
from belle2sim.validation import four_track_events, particle, mumu_gamma_events, single_muon_events
from conftest import make_batch


def _binomial_ok(k, n, p, tol):
    return abs(k / n - p) <= tol + 3 * np.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("period,logic,expected,tol", [
    ("2018", "t2b >= 2 and t2b_open90", 0.79, 0.05),      # arXiv:1912.11276 p. 6: (79 +- 5)%
    ("2019-2021", "tt90", 0.89, 0.01),                    # arXiv:2207.00509 p. 3: 89%
])
def test_two_track_trigger_reproduces_its_calibration(card, menu, period, logic, expected, tol):
    from belle2sim.trigger import logic as lg

    n = 6000
    batch = mumu_gamma_events(n, np.random.default_rng(5), photon=False)
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
    chunk = simulate_chunk(mumu_gamma_events(n, np.random.default_rng(6)), card, menu, 8, period="2018")
    assert _binomial_ok(np.sum(chunk.bits["ehigh"] > 0), n, 0.96, 0.01)
    assert np.all(chunk.bits["elow"] >= chunk.bits["ehigh"])  # nested thresholds stay nested


def test_three_track_plateau_and_turn_on(card, menu):
    """arXiv:2403.02841 sec. IV.A: the three-track trigger reaches a plateau close to 100%
    when the two softest tracks have pT > 0.5 GeV/c; below, data is lower than an ideal finder."""
    n = 4000
    plateau = simulate_chunk(four_track_events(n, np.random.default_rng(1), 0.6), card, menu, 2, period="2019-2021")
    assert plateau.psnm["ttt"].mean() > 0.97
    soft = simulate_chunk(four_track_events(n, np.random.default_rng(1), 0.35), card, menu, 2, period="2019-2021")
    ideal = simulate_chunk(four_track_events(n, np.random.default_rng(1), 0.35), card, menu, 2, period="ideal")
    assert soft.psnm["ttt"].mean() < 0.6 < ideal.psnm["ttt"].mean()


@pytest.mark.parametrize("theta_deg,expected", [(60.0, 0.90), (110.0, 0.90), (45.0, 0.0), (122.0, 0.0)])
def test_single_muon_plateau_in_polar_range(card, menu, theta_deg, expected):
    """arXiv:2403.02841 sec. IV.A: single-muon trigger plateau about 90% in 51-117 deg."""
    n = 4000
    batch = single_muon_events(n, np.random.default_rng(3), theta_deg)
    chunk = simulate_chunk(batch, card, menu, 4, period="2019-2021")
    assert _binomial_ok(chunk.psnm["mu1"].sum(), n, expected, 0.0)


def test_muons_fire_single_muon_trigger_independently(card, menu):
    """Events with two muons: 1 - (1 - 0.9)^2 = 0.99 (the paper's no-correlation rule)."""
    n = 6000
    rng = np.random.default_rng(4)
    batch = make_batch([[particle(13, 2.5, 70, f), particle(-13, 2.5, 100, f + 150)]
                        for f in rng.uniform(-180, 180, n)])
    chunk = simulate_chunk(batch, card, menu, 9, period="2019-2021")
    assert _binomial_ok(chunk.psnm["mu1"].sum(), n, 0.99, 0.0)
    counts = np.bincount(chunk.bits["cdcklm"], minlength=3) / n
    np.testing.assert_allclose(counts, [0.01, 0.18, 0.81], atol=0.02)


def test_unknown_period_is_an_error(card):
    from belle2sim.errors import CardError

    with pytest.raises(CardError, match="no trigger-calibration period '2017'.*2018"):
        card.trigger_calibration("2017")
