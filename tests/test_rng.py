"""Counter-based random numbers: distributions and independence of streams."""

import numba
import numpy as np
from scipy import stats

from belle2sim import rng


@numba.njit
def _draw(seed, events, stage, count, normal):
    out = np.empty((events.shape[0], count))
    for i in range(events.shape[0]):
        k = rng.event_key(seed, events[i], stage)
        for c in range(count):
            out[i, c] = rng.normal(k, c) if normal else rng.uniform(k, c)
    return out


def test_uniform_and_normal_shapes():
    ev = np.arange(20_000)
    u = _draw(np.uint64(1), ev, rng.STAGE_ECL, 3, False)
    assert (u > 0).all() and (u < 1).all()
    assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-3
    z = _draw(np.uint64(1), ev, rng.STAGE_ECL, 3, True)
    assert stats.kstest(z.ravel(), "norm").pvalue > 1e-3


def test_streams_are_uncorrelated():
    ev = np.arange(20_000)
    a = _draw(np.uint64(1), ev, rng.STAGE_ECL, 2, False)
    b = _draw(np.uint64(1), ev, rng.STAGE_GENERATOR, 2, False)
    c = _draw(np.uint64(2), ev, rng.STAGE_ECL, 2, False)
    shifted = _draw(np.uint64(1), ev + 1, rng.STAGE_ECL, 2, False)
    for x, y in [(a[:, 0], a[:, 1]), (a[:, 0], b[:, 0]), (a[:, 0], c[:, 0]), (a[:, 0], shifted[:, 0])]:
        assert abs(np.corrcoef(x, y)[0, 1]) < 0.03
    np.testing.assert_array_equal(a, _draw(np.uint64(1), ev, rng.STAGE_ECL, 2, False))


def test_ziggurat_tails_match_the_normal_distribution():
    """The ziggurat's slow paths (outer layers, tail beyond 3.44) must give the right tail
    fractions; binomial tolerance of 5 sigma on 10^6 draws."""
    z = _draw(np.uint64(9), np.arange(100_000), rng.STAGE_TRACKS, 10, True).ravel()
    n = len(z)
    for cut in (1.0, 2.0, 3.0, 3.44, 4.0):
        p = 2 * stats.norm.sf(cut)
        observed = np.mean(np.abs(z) > cut)
        assert abs(observed - p) < 5 * np.sqrt(p * (1 - p) / n) + 1e-6, cut
    assert abs(stats.skew(z)) < 0.01 and abs(stats.kurtosis(z)) < 0.02


@numba.njit
def _normal_both(key, n, lanes, slow, scalar):
    for i in range(n):
        lanes[i], slow[i] = rng.normal_lanes(key, i)
        scalar[i] = rng.normal(key, i)


def test_vector_normal_is_the_ziggurat_draw_wherever_it_does_not_defer():
    """normal_lanes (selections only, for vectorised loops) gives normal's bits on every draw it
    does not flag; it flags the draws outside the ziggurat's rectangles (Marsaglia & Tsang's 128
    layers: 2.76 % of draws, as the layer table says), and among those the values differ (why they are drawn
    again)."""
    n = 400_000
    lanes, slow, scalar = np.empty(n), np.empty(n, dtype=np.bool_), np.empty(n)
    _normal_both(np.uint64(0x1234567), n, lanes, slow, scalar)
    assert np.array_equal(lanes[~slow].view(np.int64), scalar[~slow].view(np.int64))
    # a draw is in layer iz's rectangle with probability K[iz] / 2**31 (|hz| uniform, iz its low bits)
    expected = 1.0 - np.mean(np.minimum(rng._ZIG_K, 2 ** 31) / 2 ** 31)
    assert abs(slow.mean() - expected) < 5 * np.sqrt(expected * (1 - expected) / n)
    assert 0.02 < expected < 0.03
    assert (lanes[slow] != scalar[slow]).mean() > 0.3


@numba.njit(cache=False)
def _draws_by_definition(key, counters):
    """uniform and normal of ``counters`` through the counters' hashes made here (mix64), and through
    rng's (tables for small counters)."""
    out = np.empty((counters.shape[0], 4))
    for i in range(counters.shape[0]):
        c = counters[i]
        out[i, 0] = rng.uniform(key, c)
        out[i, 1] = rng.uniform_mixed(key, rng.mix64(np.uint64(c)))
        out[i, 2] = rng.normal(key, c)
        h = rng.mix64(key ^ rng.mix64(np.uint64(c) ^ rng._GOLDEN))
        hz = rng._signed32(h)
        iz = hz & 127
        out[i, 3] = hz * rng._ZIG_W[iz] if abs(hz) < rng._ZIG_K[iz] else rng._normal_slow_path(h, hz, iz)
    return out


def test_counter_tables_give_the_draws_of_the_hash():
    """The hashes of small counters come from tables (made in NumPy): every draw is the one the
    counter's hash made in the kernel gives, on both sides of the tables' end and for the large
    counters of the displaced-vertex finder (2**41 + slot)."""
    counters = np.concatenate([np.arange(0, 3000, dtype=np.int64), 2**41 + np.arange(5, dtype=np.int64)])
    assert rng.MIXED_COUNTERS < 3000
    for key in (np.uint64(0), np.uint64(0x9E3779B97F4A7C15), np.uint64(0xDEADBEEF12345678)):
        out = _draws_by_definition(key, counters)
        np.testing.assert_array_equal(out[:, 0], out[:, 1])
        np.testing.assert_array_equal(out[:, 2], out[:, 3])
