"""belle2sim.fastmath against numpy: the kernels' angles must not move by more than a few
units in the last place (they are stored in float32, 1e-7, and smeared by mrad)."""

import numba
import numpy as np

from belle2sim import fastmath


@numba.njit(cache=True)
def _atan2_all(y, x, out):
    for i in range(x.shape[0]):
        out[i] = fastmath.atan2(y[i], x[i])


@numba.njit(cache=True)
def _sincos_all(x, sin_out, cos_out):
    for i in range(x.shape[0]):
        sin_out[i], cos_out[i] = fastmath.sincos(x[i])


def _ulps(value, reference):
    return np.abs(value - reference) / np.spacing(np.maximum(np.abs(reference), np.finfo(float).tiny))


def test_atan2_matches_numpy_to_two_ulp_in_every_quadrant_and_scale():
    rs = np.random.default_rng(7)
    n = 400_000
    # magnitudes over 12 decades and every sign combination, so all three reduction ranges
    # (|y/x| below 0.66, up to tan(3 pi / 8), above) and all four quadrants are sampled
    y = rs.normal(size=n) * 10 ** rs.uniform(-6, 6, n)
    x = rs.normal(size=n) * 10 ** rs.uniform(-6, 6, n)
    out = np.empty(n)
    _atan2_all(y, x, out)
    reference = np.arctan2(y, x)
    assert _ulps(out, reference).max() <= 2.0
    assert np.all(np.abs(out) <= np.pi)


def test_atan2_axes_signed_zeros_and_nan():
    # on the axes, at signed zeros (py = -0.0 with px < 0 is at -pi, not +pi: a different trigger
    # phi bin), infinities and NaN, exactly what numpy gives
    y = np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0, 0.0, -0.0, 0.0, 3.0, -3.0, np.nan, 1.0, 1.0, -2.0, -0.0, 1e-320, -1e-320])
    x = np.array([0.0, 0.0, -0.0, -0.0, 0.0, 0.0, 1.0, -1.0, -1.0, -3.0, -3.0, 1.0, np.nan, np.inf, -np.inf, -5.0, -5.0, -5.0])
    out = np.empty(len(x))
    _atan2_all(y, x, out)
    expected = np.arctan2(y, x)
    assert np.array_equal(np.isnan(out), np.isnan(expected))
    ok = ~np.isnan(expected)
    assert np.allclose(out[ok], expected[ok], rtol=0.0, atol=1e-15)
    assert np.array_equal(np.signbit(out[ok]), np.signbit(expected[ok]))


def test_sincos_matches_numpy_and_the_pythagorean_identity():
    rs = np.random.default_rng(8)
    # detector angles (|x| < 2 pi) and sums of them, up to the range the reduction is exact in
    x = np.concatenate([rs.uniform(-2 * np.pi, 2 * np.pi, 200_000), rs.uniform(-1e5, 1e5, 50_000),
                        np.arange(-16, 17) * np.pi / 4])
    s, c = np.empty_like(x), np.empty_like(x)
    _sincos_all(x, s, c)
    scale = np.maximum(1.0, np.abs(x))  # the argument itself carries an error of ulp(x)
    assert np.max(np.abs(s - np.sin(x)) / scale) < 4e-16
    assert np.max(np.abs(c - np.cos(x)) / scale) < 4e-16
    assert np.max(np.abs(s * s + c * c - 1.0)) < 1e-15
    # the quadrant logic: signs right at and between multiples of pi / 4
    assert np.array_equal(np.sign(np.round(s, 12)), np.sign(np.round(np.sin(x), 12)))
    assert np.array_equal(np.sign(np.round(c, 12)), np.sign(np.round(np.cos(x), 12)))


@numba.njit(cache=True)
def _atan2_lanes_all(y, x, out, special):
    for i in range(x.shape[0]):
        out[i] = fastmath.atan2_lanes(y[i], x[i])
        special[i] = fastmath.atan2_special(y[i], x[i])


def test_vector_atan2_gives_atan2s_bits_except_where_it_says_so():
    """atan2_lanes (the selected form that vectorises) is atan2 to the bit, signed zeros
    included, wherever atan2_special is False; the momentum-angle pass, which redoes the special
    inputs through atan2, equals the per-particle angles_of everywhere (axes, zeros, infinities,
    NaN among ordinary momenta)."""
    from types import SimpleNamespace

    from belle2sim.detector import directions

    rs = np.random.default_rng(9)
    n = 200_000
    y = rs.normal(size=n) * 10 ** rs.uniform(-6, 6, n)
    x = rs.normal(size=n) * 10 ** rs.uniform(-6, 6, n)
    edge_y = np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0, 0.0, -0.0, 0.0, np.nan, 1.0, 1.0, -2.0, 1e-320, -1e-320])
    edge_x = np.array([0.0, 0.0, -0.0, -0.0, 0.0, 0.0, 1.0, -1.0, -1.0, 1.0, np.nan, np.inf, -np.inf, -5.0, -5.0])
    y, x = np.concatenate([y, edge_y]), np.concatenate([x, edge_x])
    lanes, special, scalar = np.empty(len(x)), np.empty(len(x), dtype=np.bool_), np.empty(len(x))
    _atan2_lanes_all(y, x, lanes, special)
    _atan2_all(y, x, scalar)
    assert 3 <= special.sum() <= 12  # (0, 0) four ways, the infinities, -0.0 behind the axis
    ordinary = ~special
    assert np.array_equal(lanes[ordinary], scalar[ordinary], equal_nan=True)
    assert np.array_equal(np.signbit(lanes[ordinary]), np.signbit(scalar[ordinary]))
    assert not np.array_equal(lanes[special], scalar[special], equal_nan=True)  # (why they are redone)

    # a batch's momenta with the edge cases scattered in: the vector pass with its redo
    px, py, pz = rs.normal(size=(3, 50_000))
    at = rs.choice(50_000, len(edge_x), replace=False)
    px[at], py[at], pz[at] = edge_x, edge_y, edge_y[::-1]
    px[at[:3]] = py[at[:3]] = 0.0  # along the beam axis: pT = 0
    theta, phi = directions.momentum_angles(SimpleNamespace(px=px, py=py, pz=pz, n_particles=50_000))
    pt = np.sqrt(px * px + py * py)
    for value, (yy, xx) in ((theta, (pt, pz)), (phi, (py, px))):
        expected = np.empty(len(xx))
        _atan2_all(yy, xx, expected)
        assert np.array_equal(value, expected, equal_nan=True)
        assert np.array_equal(np.signbit(value), np.signbit(expected))


@numba.njit(cache=True)
def _mods(x, m, fast, python):
    for i in range(x.shape[0]):
        fast[i] = fastmath.mod(x[i], m)
        python[i] = x[i] % m


def test_mod_is_pythons_remainder_to_the_bit():
    """fastmath.mod skips the division where |x| < m (angle differences) and must still give what
    numba's x % m gives: signed zeros, x = +-m, far outside, infinities and NaN."""
    rs = np.random.default_rng(10)
    m = 2.0 * np.pi
    x = np.concatenate([rs.uniform(-m, m, 100_000), rs.uniform(-1e4, 1e4, 10_000),
                        [0.0, -0.0, m, -m, np.nextafter(m, 0), -np.nextafter(m, 0), 5e-324, -5e-324,
                         np.inf, -np.inf, np.nan, 3 * m, -3 * m]])
    fast, python = np.empty_like(x), np.empty_like(x)
    _mods(x, m, fast, python)
    assert np.array_equal(fast, python, equal_nan=True)
    assert np.array_equal(np.signbit(fast), np.signbit(python))
    assert np.array_equal(python[:-13], np.mod(x[:-13], m))  # (numba's % is NumPy's there)


@numba.njit(cache=True)
def _asin_all(x, out):
    for i in range(x.shape[0]):
        out[i] = fastmath.asin(x[i])


def test_asin_matches_numpy_to_one_ulp_on_both_branches_and_keeps_signs():
    rs = np.random.default_rng(11)
    # the whole domain, the branch point 0.625 from both sides, the ends, tiny and signed zeros
    x = np.concatenate([rs.uniform(-1.0, 1.0, 300_000), np.linspace(-1.0, 1.0, 20_001),
                        [0.625, np.nextafter(0.625, 1.0), -0.625, np.nextafter(-0.625, -1.0)],
                        [1.0, -1.0, 1e-300, -5e-324, 0.0, -0.0]])
    out = np.empty_like(x)
    _asin_all(x, out)
    reference = np.arcsin(x)
    assert _ulps(out, reference).max() <= 1.0
    assert np.array_equal(np.signbit(out), np.signbit(reference))  # asin(-0.0) = -0.0
    outside = np.array([np.nextafter(1.0, 2.0), -2.0, np.nan])
    _asin_all(outside, out[:3])
    assert np.all(np.isnan(out[:3]))


@numba.njit(cache=True, error_model="numpy")
def _asin_and_mod_lanes_all(x, asin_out, m, mod_out, special):
    for i in range(x.shape[0]):
        asin_out[i] = fastmath.asin_lanes(x[i])
        mod_out[i], special[i] = fastmath.mod_lanes(x[i], m)


def test_vector_asin_and_remainder_give_the_scalar_bits():
    """asin_lanes (both branches made, one selected) is asin to the bit, NaN outside [-1, 1];
    mod_lanes is mod to the bit wherever it does not say ``special`` (outside -m < x < 2 m, NaN:
    the callers then take the scalar functions), and says so only there."""
    rs = np.random.default_rng(12)
    x = np.concatenate([rs.uniform(-1.0, 1.0, 200_000), [0.625, np.nextafter(0.625, 1.0), -0.625, 1.0, -1.0, 0.0,
                                                         -0.0, 5e-324, np.nextafter(1.0, 2.0), -3.0, np.nan]])
    m = 2.0 * np.pi
    y = np.concatenate([rs.uniform(-m, 2 * m, 100_000), [0.0, -0.0, m, -m, np.nextafter(m, 0), 2 * m,
                                                         np.nextafter(2 * m, 0), np.inf, np.nan, 3 * m]])
    lanes, scalar = np.empty_like(x), np.empty_like(x)
    _asin_and_mod_lanes_all(x, lanes, m, np.empty_like(x), np.empty(len(x), dtype=np.bool_))
    _asin_all(x, scalar)
    assert np.array_equal(lanes.view(np.int64)[~np.isnan(scalar)], scalar.view(np.int64)[~np.isnan(scalar)])
    assert np.array_equal(np.isnan(lanes), np.isnan(scalar)) and np.isnan(scalar[-3:]).all()
    wrapped, special, python = np.empty_like(y), np.empty(len(y), dtype=np.bool_), np.empty_like(y)
    _asin_and_mod_lanes_all(y, np.empty_like(y), m, wrapped, special)
    _mods(y, m, np.empty_like(y), python)
    assert np.array_equal(special, ~((-m < y) & (y < 2 * m)))
    assert np.array_equal(wrapped.view(np.int64)[~special], python.view(np.int64)[~special])


@numba.njit(cache=True)
def _sincos_lanes_all(x, sin_out, cos_out, sin_alone):
    for i in range(x.shape[0]):
        sin_out[i], cos_out[i] = fastmath.sincos_lanes(x[i])
        sin_alone[i] = fastmath.sin_lanes(x[i])


def test_vector_sine_and_cosine_give_sincos_bits():
    """sincos_lanes and sin_lanes (every step a selection, for vectorised loops) are sincos to the
    bit: across the octants, on both sides of each multiple of pi/4 where the reduction switches,
    signed zeros and NaN."""
    rs = np.random.default_rng(17)
    octants = np.arange(-80, 81) * np.pi / 4
    x = np.concatenate([rs.uniform(-100.0, 100.0, 200_000), 10 ** rs.uniform(-300, 2, 20_000),
                        octants, np.nextafter(octants, np.inf), np.nextafter(octants, -np.inf),
                        [0.0, -0.0, np.nan, 5e-324, -5e-324]])
    lanes_sin, lanes_cos, sin_alone = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    sine, cosine = np.empty_like(x), np.empty_like(x)
    _sincos_lanes_all(x, lanes_sin, lanes_cos, sin_alone)
    _sincos_all(x, sine, cosine)
    number = ~np.isnan(x)
    for lanes, reference in ((lanes_sin, sine), (lanes_cos, cosine), (sin_alone, sine)):
        assert np.array_equal(lanes.view(np.int64)[number], reference.view(np.int64)[number])
        assert np.isnan(lanes[~number]).all()
