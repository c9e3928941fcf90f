"""Efficiency uncertainties."""

import numpy as np
import pytest

from belle2sim.maps import Z_1SIGMA, Counter, efficiency_map, wilson_interval


def test_wilson_interval_closed_form():
    # z = 1: p = 0.3, n = 100 -> centre (0.3 + 1/200)/(1.01), half sqrt(0.0021 + 1/40000)/1.01
    lo, hi = wilson_interval(30, 100, z=1.0)
    centre, half = (0.3 + 0.005) / 1.01, np.sqrt(0.3 * 0.7 / 100 + 1 / 40000) / 1.01
    assert lo == pytest.approx(centre - half) and hi == pytest.approx(centre + half)
    lo, hi = wilson_interval(0, 50)
    assert lo == 0 and 0 < hi < 0.05


def test_the_interval_is_the_central_68_27_percent_of_a_normal_to_the_bit():
    """The quantile is written out (importing scipy.special cost every run 0.13 s): it must be the
    number scipy gives, bit for bit, or every error bar in the output moves at the last digit."""
    from scipy.special import ndtri

    assert Z_1SIGMA == float(ndtri(0.5 + 0.6827 / 2))


def test_wilson_coverage():
    rng = np.random.default_rng(3)
    p, n = 0.08, 200
    k = rng.binomial(n, p, 4000)
    lo, hi = wilson_interval(k, n)
    coverage = np.mean((lo <= p) & (p <= hi))
    assert 0.62 < coverage < 0.75


def test_weighted_counter_uses_effective_entries():
    c = Counter()
    w = np.full(100, 2.0)
    c.add_total(w)
    c.add("x", np.arange(100) < 25, w)
    eff, err, _ = c.efficiency("x")
    assert eff == pytest.approx(0.25)
    assert err == pytest.approx(np.sqrt(0.25 * 0.75 / 100), rel=0.05)
    h = efficiency_map([1.0, 2.0, 4.0], [0.1, 0.2, 0.3], [0.01, 0.01, 0.02])
    assert h.values()[2] == pytest.approx(0.3) and h.axes[0].edges[0] == pytest.approx(0.5)


def test_counter_sums_are_exact_whatever_the_weights_and_masks():
    """Unit weights counted as integers, the others summed exactly, the chunk's weights split
    once for all selections: every sum equals math.fsum over the passing events, and a counter
    sent to another process leaves the chunk's weights behind."""
    import math
    import pickle

    r = np.random.default_rng(4)
    c = Counter()
    sums = {}
    for chunk in range(3):
        w = np.where(r.random(5000) < (0.0 if chunk == 1 else 0.01), r.uniform(1.0, 3.0, 5000), 1.0)
        c.add_total(w)
        for name in ("a", "b"):
            mask = r.random(5000) < 0.4
            c.add(name, mask, w)
            sums.setdefault(name, []).extend(w[mask].tolist())
    for name, ws in sums.items():
        unit, other = sum(1 for x in ws if x == 1.0), [x for x in ws if x != 1.0]
        assert 0 < len(other) < 200
        assert c._sums(name) == (unit + math.fsum(other), unit + math.fsum(x * x for x in other))
    assert pickle.loads(pickle.dumps(c))._chunk is None
    assert pickle.loads(pickle.dumps(c))._sums("a") == c._sums("a")


@pytest.mark.parametrize("all_unit", [False, True])
@pytest.mark.parametrize("n_events", [5003, 64, 7])
def test_line_counts_read_in_place_equal_one_selection_at_a_time(n_events, all_unit):
    """Counter.add_lines (the lines of a chunk counted on the packed rows of the menu's registers,
    in place, in any row order, under an event mask) adds to each line what Counter.add would with
    that line's unpacked events: the unit weights by popcount (eight bytes at a time, then the
    tail), the other weights one by one. Rows longer than ceil(n / 8) bytes carry padding that
    must not count."""
    r = np.random.default_rng(n_events)
    n_lines, n_bytes = 11, (n_events + 7) // 8
    matrix = r.integers(0, 256, (n_lines + 2, n_bytes + 5), dtype=np.uint8)  # padding set at random
    rows = r.permutation(n_lines + 2)[:n_lines].astype(np.int64)
    w = np.where(r.random(n_events) < 0.05, r.uniform(1.0, 3.0, n_events), 1.0)
    if all_unit:  # (the usual chunk: every weight 1, no per-weight work)
        w = np.ones(n_events)
    assert all_unit or n_events < 100 or (w != 1.0).any()
    mask = r.random(n_events) < 0.6
    names = [f"line {k}" for k in range(n_lines)]
    packed, one_by_one = Counter(), Counter()
    packed.add_lines(names, matrix, rows, w)
    packed.add_lines(["selected " + x for x in names], matrix, rows, w, mask)
    for name, row in zip(names, rows):
        fired = np.unpackbits(matrix[row], count=n_events).view(np.bool_)
        one_by_one.add(name, fired, w)
        one_by_one.add("selected " + name, fired & mask, w)
    packed.add_total(w)
    one_by_one.add(None, np.ones(n_events, dtype=np.bool_), w)
    for name in names:
        for key in (name, "selected " + name):
            assert packed._sums(key) == one_by_one._sums(key)
    assert packed._sums(None) == one_by_one._sums(None) and packed._sums(None)[0] >= n_events
    assert packed._sums(names[0])[0] > 0
