"""Kernel four-vector helpers against the ``vector`` library; beams against the data sheet."""

import numpy as np
import pytest
import vector

from belle2sim import kinematics


def test_boost_matches_vector():
    rng = np.random.default_rng(1)
    for _ in range(50):
        p = rng.normal(size=3) * 3
        m = abs(rng.normal())
        b = rng.normal(size=3)
        b *= 0.9 * rng.random() / np.linalg.norm(b)
        E = np.sqrt(m**2 + p @ p)
        ours = kinematics.boost(p[0], p[1], p[2], E, b[0], b[1], b[2])
        ref = vector.obj(px=p[0], py=p[1], pz=p[2], E=E).boost_beta3(vector.obj(x=b[0], y=b[1], z=b[2]))
        np.testing.assert_allclose(ours, [ref.px, ref.py, ref.pz, ref.E], rtol=1e-10, atol=1e-12)


def test_boost_as_vector_is_vectors_numpy_boost_to_the_bit():
    """kinematics.boost_as_vector: vector's boost_beta3 (NumPy backend, arrays of velocities),
    operation for operation: the same bits, which the selections that replaced vector expressions
    by kernels rely on."""
    import numba

    rng = np.random.default_rng(2)
    p = rng.normal(size=(3, 20_000)) * 3
    t = np.sqrt(np.sum(p**2, axis=0) + rng.uniform(0.0, 2.0, 20_000))
    b = rng.normal(size=(3, 20_000))
    b *= 0.95 * rng.random(20_000) / np.linalg.norm(b, axis=0)

    @numba.njit
    def run(p, t, b, out):
        for i in range(t.shape[0]):
            out[0, i], out[1, i], out[2, i] = kinematics.boost_as_vector(p[0, i], p[1, i], p[2, i], t[i], b[0, i],
                                                                         b[1, i], b[2, i])

    out = np.empty((3, 20_000))
    run(p, t, b, out)
    ref = vector.array({"px": p[0], "py": p[1], "pz": p[2], "E": t}).boost_beta3(
        vector.array({"x": b[0], "y": b[1], "z": b[2]}))
    for got, want in zip(out, (ref.px, ref.py, ref.pz)):
        assert np.array_equal(got, np.asarray(want))


def test_direction_has_requested_angle():
    n = np.array([0.2, -0.3, 0.9])
    n /= np.linalg.norm(n)
    for c, phi in [(0.3, 1.0), (-0.99, 4.0), (1.0, 0.0)]:
        d = np.array(kinematics.direction(n[0], n[1], n[2], c, phi))
        assert np.linalg.norm(d) == pytest.approx(1.0)
        assert d @ n == pytest.approx(c)


def test_beams_reproduce_data_sheet(card):
    """Y4S preset: sqrt(s) = 10.580 GeV; boost beta*gamma = 0.287 at 151 mrad from +z (sheet sec. 1)."""
    beams = card.beams
    assert beams.sqrt_s_GeV == pytest.approx(10.580, abs=0.001)
    b = beams.boost_vector
    beta = np.linalg.norm(b)
    assert beta / np.sqrt(1 - beta**2) == pytest.approx(0.287, abs=0.001)
    assert np.arctan2(b[0], b[2]) == pytest.approx(0.151, abs=0.001)
    # the CM total momentum vanishes after the boost back
    e, p = beams.nominal_fourvectors()
    tot = [a + c for a, c in zip(e, p)]
    cm = kinematics.boost(*tot, -b[0], -b[1], -b[2])
    np.testing.assert_allclose(cm[:3], 0, atol=1e-12)


def test_packed_beams_hold_the_kernels_sine_and_cosine(card):
    """The crossing angles' sine and cosine are packed once (math, the C library's) instead of
    computed per event in the kernels (np.sin, np.cos there): the same bits, so the same events."""
    import numba

    from belle2sim import beams as b

    @numba.njit
    def kernel_trig(a):
        return np.sin(a), np.cos(a)

    for angle in (card.beams.her_angle_rad, card.beams.ler_angle_rad, 0.0415001, -0.07):
        packed = b.Beams(**{**card.beams.__dict__, "her_angle_rad": angle, "ler_angle_rad": -angle}).packed()
        assert (packed[b.BEAM_SIN_HER], packed[b.BEAM_COS_HER]) == kernel_trig(angle)
        assert (packed[b.BEAM_SIN_LER], packed[b.BEAM_COS_LER]) == kernel_trig(-angle)
