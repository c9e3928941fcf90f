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


@pytest.mark.parametrize("name,mass", [("zprime-tautau", 6.0), ("dark-higgs-visible", 0.5), ("b-to-k-scalar", 1.0)])
def test_charged_channels_do_not_depend_on_chunking_or_threads(card, menu, name, mass):
    """Matrix-element unweighting, tau decays from the bank, tracking and the GRL, the selections'
    kernels (track-system masses and pairings, the B candidate), all keyed by event number: the
    same point whatever the chunk size and the thread count."""
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


def _edge_events(n, rng):
    """Events that sit on the random decisions: vertices near the 3D/neural z0 cuts, pT in the
    trigger-track turn-on, photons near the 100 MeV TC threshold, muons near the KLM match."""
    from belle2sim import pdgdata

    m = pdgdata.mass_GeV(13)
    events = []
    for _ in range(n):
        vz = rng.choice([20.0, 35.0, 15.0]) + rng.normal(0, 1.0)
        pt = rng.uniform(0.3, 0.55)
        th = rng.uniform(40, 120)
        f = rng.uniform(-np.pi, np.pi)
        p = pt / np.sin(np.radians(th))
        mu = (13, pt * np.cos(f), pt * np.sin(f), p * np.cos(np.radians(th)), np.hypot(p, m), 0.0, 0.0, vz)
        mu2 = (-13, 1.5 * np.cos(f + 3), 1.5 * np.sin(f + 3), 0.3, np.sqrt(1.5**2 + 0.09 + m * m), 0.0, 0.0, vz)
        e = rng.uniform(0.09, 0.115)
        g = (22, e * np.cos(f + 1.5), e * np.sin(f + 1.5), 0.0, e)
        events.append([mu, mu2, g])
    return events


def test_random_decisions_do_not_depend_on_chunking_or_threads(card, menu):
    """Input bits and lines after prescale of events near every random cut are the same for
    chunks of 1, 997 and 100000 events and for 1 or 2 threads (every draw is keyed by the event
    number, never by the position in the chunk)."""
    from belle2sim.simulate import simulate_chunk
    from conftest import make_batch

    events = _edge_events(1500, np.random.default_rng(21))
    names = ["t2", "t3", "ty", "typ", "cdcklm", "elow", "clst", "cdcecl"]
    lines = ["fyo", "tt90", "ttt", "mu1", "stt", "f", "bf", "zzv"]

    def run(chunk, threads):
        before = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            bits = {k: [] for k in names + lines}
            for first in range(0, len(events), chunk):
                c = simulate_chunk(make_batch(events[first:first + chunk], first), card, menu, 5)
                for k in names:
                    bits[k].append(np.array(c.bits[k]))
                for k in lines:
                    bits[k].append(np.array(c.psnm[k]))
            return {k: np.concatenate(v) for k, v in bits.items()}
        finally:
            numba.set_num_threads(before)

    ref = run(100_000, min(2, numba.config.NUMBA_NUM_THREADS))
    # the sample does sit on the decisions: none of these is all-or-nothing
    for k in ("t3", "ty", "cdcklm", "tt90", "f"):
        assert 0 < np.mean(ref[k] > 0) < 1, k
    for chunk, threads in ((1, 1), (997, 2), (997, 1)):
        other = run(chunk, threads)
        for k in ref:
            np.testing.assert_array_equal(other[k], ref[k], err_msg=f"{k}, chunk {chunk}, threads {threads}")
