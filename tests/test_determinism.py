"""Same seed, same numbers: independent of chunk size and thread count."""

import numba
import numpy as np
import pytest

from belle2sim.channels import get
from belle2sim.scan import run_point


def _point(card, menu, chunk_size, seed=7, n=15_838):
    ch = get("dark-photon-invisible")
    params = ch.resolve_parameters({"mass_GeV": 4.0}, card)
    return run_point(ch, params, card, menu, n, seed, chunk_size).to_dict("mass_GeV")


def test_chunk_size_does_not_change_results(card, menu):
    a = _point(card, menu, 1000)
    b = _point(card, menu, 7919)
    assert a == b
    assert 0 < a["efficiency"] < 1


def test_thread_count_does_not_change_results(card, menu):
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        a = _point(card, menu, 5000)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        b = _point(card, menu, 5000)
    finally:
        numba.set_num_threads(before)
    assert a == b


def test_different_seeds_differ_within_errors(card, menu):
    a = _point(card, menu, 5000, seed=1)
    b = _point(card, menu, 5000, seed=2)
    assert a["efficiency"] != b["efficiency"]
    assert abs(a["efficiency"] - b["efficiency"]) < 5 * np.hypot(a["efficiency_err"], b["efficiency_err"])


def test_event_can_be_regenerated_alone(card):
    """Event 1234 is the same whether generated in a batch from 0 or on its own."""
    from belle2sim.generators import dark_photon

    big = dark_photon.generate(3, 0, 2000, 1.0, 5, 175, card.beams)
    one = dark_photon.generate(3, 1234, 1, 1.0, 5, 175, card.beams)
    sl = slice(big.offsets[1234], big.offsets[1235])
    np.testing.assert_array_equal(big.px[sl], one.px)
    np.testing.assert_array_equal(big.E[sl], one.E)


@pytest.mark.parametrize("name,mass", [("zprime-tautau", 6.0), ("dark-higgs-visible", 0.5)])
def test_charged_channels_do_not_depend_on_chunking_or_threads(card, menu, name, mass):
    """Matrix-element unweighting, tau decays from the bank, tracking and the GRL, all keyed by
    event number: the same point whatever the chunk size and the thread count."""
    ch = get(name)
    params = ch.resolve_parameters({"mass_GeV": mass}, card)
    a = run_point(ch, params, card, menu, 6000, 11, 1000).to_dict("mass_GeV")
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        b = run_point(ch, params, card, menu, 6000, 11, 7919).to_dict("mass_GeV")
    finally:
        numba.set_num_threads(before)
    assert a == b
    assert 0 < a["efficiency"] < 1
