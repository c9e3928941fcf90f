"""e+e- -> l+l- X matrix element: spin sums, gauge invariance, soft limit, cross section."""

import numpy as np
import pytest

from belle2sim import pdgdata
from belle2sim.generators import helicity
from belle2sim.generators import radiated_boson as rb

ME, MMU = pdgdata.mass_GeV(11), pdgdata.mass_GeV(13)
SQRT_S = 10.58


def test_spinor_completeness():
    p = np.array([2.0, 0.3, -0.4, 1.1])
    m = np.sqrt(p[0] ** 2 - p[1:] @ p[1:])
    u, v, ub = np.zeros(4, complex), np.zeros(4, complex), np.zeros(4, complex)
    su, sv = np.zeros((4, 4), complex), np.zeros((4, 4), complex)
    for s in range(2):
        helicity.spinor_u(*p, m, s, u)
        helicity.bar(u, ub)
        su += np.outer(u, ub)
        helicity.spinor_v(*p, m, s, v)
        helicity.bar(v, ub)
        sv += np.outer(v, ub)
    ps = np.zeros((4, 4), complex)
    helicity.slash(*p, ps)
    np.testing.assert_allclose(su, ps + m * np.eye(4), atol=1e-12)
    np.testing.assert_allclose(sv, ps - m * np.eye(4), atol=1e-12)


def test_polarisation_sum_is_minus_g_plus_kk():
    q = np.array([3.0, 0.5, 1.0, -2.0])
    M = np.sqrt(q[0] ** 2 - q[1:] @ q[1:])
    e = np.zeros((3, 4))
    helicity.polarisations(*q, M, e)
    g = np.diag(helicity.METRIC)
    np.testing.assert_allclose(sum(np.outer(x, x) for x in e), -g + np.outer(q, q) / M**2, atol=1e-12)


def _points(n, M, kind=rb.VECTOR, seed=3):
    """Phase-space points in the canonical frame from the generator's own sampler."""
    import numba

    @numba.njit
    def draw(n):
        k1, k2, q = np.zeros((n, 4)), np.zeros((n, 4)), np.zeros((n, 4))
        for i in range(n):
            key = rb.rng.event_key(np.uint64(seed), i, 2)
            rb.phase_space_point(key, 0, SQRT_S, MMU, M, kind, k1[i], k2[i], q[i])
        return k1, k2, q

    return draw(n)


def test_ward_identity():
    """The vector couples to a conserved current: replacing eps by q gives zero."""
    M = 0.8
    k1, k2, q = _points(200, M)
    phys = rb.me2_at(k1, k2, q, rb.physical_polarisations(q, M), SQRT_S, ME, MMU, M, rb.VECTOR)
    gauge = rb.me2_at(k1, k2, q, (q / M)[:, None, :], SQRT_S, ME, MMU, M, rb.VECTOR)
    assert (phys > 0).all()
    assert np.max(gauge / phys) < 1e-20


_METRIC = np.diag(helicity.METRIC)


def _dot(x, y):
    return x @ _METRIC @ y


def _soft_ratios(kind, soft_factor, M=1e-4, n=50):
    """3-body |M|^2 / (|M_2|^2 x soft_factor(k1, k2, q)) at n points with a soft boson of mass M:
    the muon pair rescaled to the full sqrt(s) (the soft boson takes ~nothing), the boson 1 MeV."""
    k1, _, _ = _points(n, 1.0)
    beam = np.array([SQRT_S / 2, 0, 0, SQRT_S / 2])
    s = SQRT_S**2
    ratio = []
    for a in k1:
        pa = a[1:] / np.linalg.norm(a[1:]) * np.sqrt((SQRT_S / 2) ** 2 - MMU**2)
        k1s = np.array([SQRT_S / 2, *pa])
        k2s = np.array([SQRT_S / 2, *-pa])
        d = np.array([0.3, -0.2, 0.5])
        qv = 1e-3 * d / np.linalg.norm(d)
        q = np.array([np.sqrt(qv @ qv + M**2), *qv])
        m3 = rb.me2_at(k1s[None], k2s[None], q[None], rb.physical_polarisations(q[None], M), SQRT_S, ME, MMU, M,
                       kind)[0]
        # |M_2|^2 / e^4 for e+e- -> mu+mu- (massless e, massive mu), averaged:
        t, u = _dot(beam - k1s, beam - k1s), _dot(beam - k2s, beam - k2s)
        m2 = 2 * ((t - MMU**2) ** 2 + (u - MMU**2) ** 2 + 2 * MMU**2 * s) / s**2
        ratio.append(m3 / (m2 * soft_factor(k1s, k2s, q)))
    return np.array(ratio)


def test_soft_emission_factorises():
    """For a soft, light vector the 3-body |M|^2 tends to |M_2|^2 x the eikonal factor
    -(k1/(k1.q) - k2/(k2.q))^2 (summed over polarisations with -g)."""
    def eikonal(k1, k2, q):
        j = k1 / _dot(k1, q) - k2 / _dot(k2, q)
        return -_dot(j, j)

    np.testing.assert_allclose(_soft_ratios(rb.VECTOR, eikonal), 1.0, rtol=5e-3)


@pytest.mark.parametrize("kind,M", [(rb.VECTOR, 0.5), (rb.VECTOR, 4.0), (rb.SCALAR, 0.5), (rb.SCALAR, 2.0), (rb.PSEUDOSCALAR, 6.0)])
def test_cross_section_two_phase_space_methods(kind, M):
    """Integral of |M|^2 with the generator's log-u sampling against flat sampling of the
    l- momentum first (a different parametrisation of the same phase space)."""
    n = 400_000
    w = rb.weights(np.uint64(5), 2, n, SQRT_S, ME, MMU, M, kind)
    first = w.mean()
    err1 = w.std() / np.sqrt(n)
    # method 2: l- with |k1| uniform and isotropic, then the (l+ X) system decays isotropically
    rng = np.random.default_rng(7)
    m = MMU
    s = SQRT_S**2
    kmax = np.sqrt(((s + m**2 - (m + M) ** 2) / (2 * SQRT_S)) ** 2 - m**2)
    kk = kmax * rng.random(n)
    c, f = 2 * rng.random(n) - 1, 2 * np.pi * rng.random(n)
    sn = np.sqrt(1 - c**2)
    e1 = np.sqrt(kk**2 + m**2)
    k1 = np.stack([e1, kk * sn * np.cos(f), kk * sn * np.sin(f), kk * c], axis=1)
    rest = np.stack([SQRT_S - e1, -k1[:, 1], -k1[:, 2], -k1[:, 3]], axis=1)
    m23 = np.sqrt(np.maximum(rest[:, 0] ** 2 - (rest[:, 1:] ** 2).sum(1), 0))
    ok = m23 > m + M
    lam = (m23**2 - (m + M) ** 2) * (m23**2 - (m - M) ** 2)
    pstar = np.sqrt(np.maximum(lam, 0)) / (2 * np.where(ok, m23, 1))
    c2, f2 = 2 * rng.random(n) - 1, 2 * np.pi * rng.random(n)
    s2 = np.sqrt(1 - c2**2)
    import vector

    qrest = vector.array({"px": pstar * s2 * np.cos(f2), "py": pstar * s2 * np.sin(f2), "pz": pstar * c2,
                          "mass": np.full(n, M)})
    beta = vector.array({"x": rest[:, 1] / rest[:, 0], "y": rest[:, 2] / rest[:, 0], "z": rest[:, 3] / rest[:, 0]})
    ql = qrest.boost_beta3(beta)
    q = np.stack([ql.E, ql.px, ql.py, ql.pz], axis=1)
    k2 = rest - q
    # dPhi3 = d3k1/((2pi)^3 2E1) dPhi2(m23; m, M), dPhi2 = p*/(16 pi^2 m23) dOmega
    jac = (4 * np.pi * kmax * kk**2 / ((2 * np.pi) ** 3 * 2 * e1)) * (pstar / (16 * np.pi**2 * np.where(ok, m23, 1))) * 4 * np.pi
    me = rb.me2_at(k1[ok], k2[ok], q[ok], rb.physical_polarisations(q[ok], M), SQRT_S, ME, MMU, M, kind)
    w2 = np.zeros(n)
    w2[ok] = me * jac[ok]
    second, err2 = w2.mean(), w2.std() / np.sqrt(n)
    assert abs(first - second) < 4 * np.hypot(err1, err2), (first, err1, second, err2)
    assert err1 / first < 0.01


@pytest.mark.parametrize("A,B", [(50.0, 49.75), (3.0, 1.0), (1.0, 1e-14)])
def test_collinear_peaks_draw_the_density_they_return(A, B):
    """The l- angle sampler: cos theta* follows the mixture's CDF (uniform share and the two 1/D
    peaks, integrated by hand: ln((A+B)/(A-Bc)) / L and ln((A+Bc)/(A-B)) / L), and the weight it
    returns (uniform density over its density) averages to 1 over its own draws."""
    from scipy import stats
    import numba

    @numba.njit
    def draw(u1, u2):
        c, density = np.empty(u1.size), np.empty(u1.size)
        for i in range(u1.size):
            c[i], density[i] = rb.collinear_peaks(A, B, u1[i], u2[i])
        return c, density

    rs = np.random.default_rng(17)
    n = 200_000
    c, density = draw(rs.random(n), rs.random(n))
    a = rb.UNIFORM_SHARE

    def cdf(x):
        if B <= 1e-12 * A:  # no peak to follow: uniform
            return (x + 1) / 2
        peaks = (np.log((A + B) / (A - B * x)) + np.log((A + B * x) / (A - B))) / np.log((A + B) / (A - B))
        return a * (x + 1) / 2 + (1 - a) / 2 * peaks

    assert stats.kstest(c, cdf).pvalue > 1e-3
    weight = 1.0 / density
    assert abs(weight.mean() - 1.0) <= 4 * weight.std() / np.sqrt(n)
    assert np.all((c >= -1) & (c <= 1))


def test_soft_scalar_emission_factorises():
    """Independent of the amplitude code: a soft scalar radiated with Yukawa coupling y = 1 from
    the muon and the antimuon multiplies |M_2|^2 by m_mu^2 (1/(k1.q) + 1/(k2.q))^2. Derived from
    the Feynman rules: u-bar(k1) (k1-slash + m) = 2 m u-bar(k1) and (-k2-slash + m) v(k2) = 2 m v(k2),
    so both legs enter with the same sign (a vector's eikonal factor has opposite signs)."""
    def scalar(k1, k2, q):
        return MMU**2 * (1 / _dot(k1, q) + 1 / _dot(k2, q)) ** 2

    np.testing.assert_allclose(_soft_ratios(rb.SCALAR, scalar), 1.0, rtol=5e-3)


def test_pseudoscalar_yukawa_equals_the_derivative_coupling():
    """The ALP amplitude with i y gamma5 and with (y / 2m) q-slash gamma5 agree for on-shell leptons
    (two independent vertex forms through the same spinor code), point by point; and for a light
    radiating lepton the pseudoscalar and the scalar rates coincide (chirality), for a heavy one
    they differ by terms of order m_l^2."""
    from belle2sim import pdgdata

    m_e, m_mu = pdgdata.mass_GeV(11), pdgdata.mass_GeV(13)
    for M in (0.3, 4.0, 8.0):
        w_p = rb.weights(np.uint64(5), 91, 1500, 10.58, m_e, m_mu, M, rb.PSEUDOSCALAR)
        w_d = rb.weights(np.uint64(5), 91, 1500, 10.58, m_e, m_mu, M, rb.PSEUDOSCALAR_DERIVATIVE)
        np.testing.assert_allclose(w_p, w_d, rtol=1e-9, atol=0)
    light = [rb.weights(np.uint64(6), 92, 4000, 10.58, m_e, 1e-3, 2.0, kind).sum()
             for kind in (rb.PSEUDOSCALAR, rb.SCALAR)]
    assert light[0] / light[1] == pytest.approx(1.0, abs=2e-3)
    heavy = [rb.weights(np.uint64(6), 92, 4000, 10.58, m_e, 1.777, 6.0, kind).sum()
             for kind in (rb.PSEUDOSCALAR, rb.SCALAR)]
    assert abs(heavy[0] / heavy[1] - 1.0) > 0.05


def test_alp_tau_branching_fraction():
    from belle2sim.channels.alp_tautau import tau_fraction
    from belle2sim import pdgdata

    m_tau, m_mu = pdgdata.mass_GeV(15), pdgdata.mass_GeV(13)
    assert tau_fraction(3.0) == 0.0  # below 2 m_tau
    assert 0.95 < tau_fraction(4.0) < 1
    beta = lambda m, M: np.sqrt(1 - 4 * m * m / M**2)  # noqa: E731
    ratio_mu = m_mu**2 * beta(m_mu, 8.0) / (m_tau**2 * beta(m_tau, 8.0))
    assert 1 / tau_fraction(8.0) - 1 == pytest.approx(ratio_mu, rel=1e-3)  # electrons add 2e-5 of it


def test_written_out_dirac_algebra_equals_the_gamma_matrix_sums_to_the_bit():
    """slash, slash_matmul and current skip products by exact zeros and by +-1, +-i: they must give
    the plain sums over GAMMA, bit for bit (the generated events depend on the weights' last bits
    only through accept / reject, but the determinism promise is bitwise)."""
    rs = np.random.default_rng(11)
    g = helicity.GAMMA
    s, t, out, ref = (np.zeros((4, 4), np.complex128) for _ in range(4))
    for _ in range(200):
        E, px, py, pz, m = rs.normal(size=5) * 10 ** rs.uniform(-3, 1, 5)
        helicity.slash(E, px, py, pz, s)
        assert np.array_equal(s, E * g[0] - px * g[1] - py * g[2] - pz * g[3])
        for d in range(4):
            s[d, d] += m  # the propagator numerator keeps the slash pattern
        b = rs.normal(size=(4, 4)) + 1j * rs.normal(size=(4, 4))
        helicity.slash_matmul(s, b, out)
        helicity.matmul(s, b, ref)
        assert np.array_equal(out, ref)
        row, col = rs.normal(size=4) + 1j * rs.normal(size=4), rs.normal(size=4) + 1j * rs.normal(size=4)
        for mu in range(4):
            acc = 0j
            for a in range(4):
                for c in range(4):
                    if g[mu, a, c] != 0:
                        acc += row[a] * g[mu, a, c] * col[c]
            assert helicity.current(row, mu, col) == acc
