"""Track systems of the selections (belle2sim/channels/track_selection.py, objects.system): the
kernels against the closed forms they stand for."""

import types

import numpy as np
import pytest

from belle2sim import pdgdata
from belle2sim.channels import objects
from belle2sim.channels.track_selection import (mass_squared_and_sigma, opposite_sign_order, pair_and_recoil_covariance,
                                                track_terms)


def _tracks(n, seed=5):
    """Random float32 track momenta (GeV) in every direction, pT 0.1-5 GeV."""
    r = np.random.default_rng(seed)
    pt, phi = r.uniform(0.1, 5.0, n), r.uniform(-np.pi, np.pi, n)
    pz = pt * np.sinh(r.uniform(-2.0, 2.0, n))
    return types.SimpleNamespace(px=(pt * np.cos(phi)).astype(np.float32), py=(pt * np.sin(phi)).astype(np.float32),
                                 pz=pz.astype(np.float32))


def _propagated(tracks, idx_list, masses, card, total=None):
    """m^2 and its error components the textbook way: (pT, theta, phi) of each track from atan2,
    derivatives of p_vec = pT (cos phi, sin phi, cot theta) with trigonometric functions."""
    t = card.doc["tracking"]
    a, b = t["pt_resolution"]
    E = px = py = pz = 0.0
    parts = []
    for idx, m in zip(idx_list, masses):
        x, y, z = (c[idx].astype(np.float64) for c in (tracks.px, tracks.py, tracks.pz))
        e = np.sqrt(x**2 + y**2 + z**2 + m**2)
        pt, p = np.hypot(x, y), np.sqrt(x**2 + y**2 + z**2)
        theta, phi = np.arctan2(pt, z), np.arctan2(y, x)
        s_pt = pt * np.sqrt((a * pt) ** 2 + (b * e / p) ** 2)
        d = [np.array([np.cos(phi), np.sin(phi), 1 / np.tan(theta)]) * s_pt,
             np.array([0 * pt, 0 * pt, -pt / np.sin(theta) ** 2]) * t["theta_resolution_rad"],
             np.array([-pt * np.sin(phi), pt * np.cos(phi), 0 * pt]) * t["phi_resolution_rad"]]
        parts.append((e, np.array([x, y, z]), d))
        E, px, py, pz = E + e, px + x, py + y, pz + z
    sign, P = 1.0, np.array([px, py, pz])
    if total is not None:
        E, P, sign = total[0] - E, np.array(total[1:]) - P, -1.0
    comps = []
    for e, p, d in parts:
        grad = 2 * sign * (E * p / e - P)
        comps += [np.sum(grad * dk, axis=0) for dk in d]
    if total is not None:
        beams = card.doc["beams"]
        comps += [2 * (E - P[2]) * beams["her_energy_spread_GeV"], 2 * (E + P[2]) * beams["ler_energy_spread_GeV"]]
    return E**2 - np.sum(P**2, axis=0), comps


@pytest.mark.parametrize("recoil", [False, True])
def test_mass_and_its_width_are_the_trigonometric_propagation(card, recoil):
    """The kernel writes cos phi = px/pT, cot theta = pz/pT, sin theta = pT/p: the same numbers
    as the trigonometric form to rounding, for pairs with one mass each and per-event masses."""
    tr = _tracks(4000)
    i0, i1 = np.arange(0, 4000, 2), np.arange(1, 4000, 2)
    m1 = np.where(np.arange(2000) % 3 == 0, 0.000511, 0.105658)
    total = (np.full(2000, 11.0), np.full(2000, 0.0), np.full(2000, 0.0), np.full(2000, 3.0)) if recoil else None
    m2, sig = mass_squared_and_sigma(tr, [i0, i1], [0.105658, m1], card, total=total)
    m2_ref, comps = _propagated(tr, [i0, i1], [0.105658, m1], card, total)
    np.testing.assert_allclose(m2, m2_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sig, np.sqrt(sum(c * c for c in comps)), rtol=1e-10)


def test_pair_and_recoil_covariance_is_the_sum_of_component_products(card):
    tr = _tracks(2000, seed=8)
    i0, i1 = np.arange(0, 2000, 2), np.arange(1, 2000, 2)
    total = (np.full(1000, 11.0), np.zeros(1000), np.zeros(1000), np.full(1000, 3.0))
    a, b, s_a, s_b, cov = pair_and_recoil_covariance(tr, [i0, i1], 0.105658, card, total)
    _, ca = _propagated(tr, [i0, i1], [0.105658] * 2, card)
    _, cb = _propagated(tr, [i0, i1], [0.105658] * 2, card, total)
    np.testing.assert_allclose(cov, sum(x * y for x, y in zip(ca, cb[:6])), rtol=1e-9, atol=1e-12)
    assert np.all(np.abs(cov) <= s_a * s_b * (1 + 1e-12))  # Cauchy-Schwarz


def test_nominal_beams_as_one_column_give_the_per_event_numbers(card):
    """nominal_total's broadcasts travel to the kernel as one column, not n copies: the recoil
    masses, widths and covariances are those of the beams written out per event, bit for bit, and
    the covariance is NumPy's (a * b).sum(axis=0) of the components, bit for bit."""
    from belle2sim.channels.track_selection import _column_dots, _system, nominal_total

    tr = _tracks(3000, seed=9)
    pair = np.arange(3000).reshape(1500, 2)
    one = nominal_total(card, 1500)
    assert all(c.strides == (0,) for c in one)
    written_out = tuple(np.array(c) for c in one)
    for a, b in zip(pair_and_recoil_covariance(tr, pair, 0.105658, card, one),
                    pair_and_recoil_covariance(tr, pair, 0.105658, card, written_out)):
        assert np.array_equal(a, b)
    _, _, ca = _system(tr, pair, 0.105658, card, None, None, None, True)
    _, _, cb = _system(tr, pair, 0.105658, card, one, None, None, True)
    cov = np.empty(1500)
    _column_dots(ca, cb, cov)
    assert np.array_equal(cov, (ca * cb).sum(axis=0))
    assert np.array_equal(pair_and_recoil_covariance(tr, pair, 0.105658, card, one)[4], cov)


def test_recoil_terms_are_the_numpy_steps(card):
    """objects.recoil_terms: the recoil four-vector, its c.m. momentum and pT bit for bit as
    objects.recoil, to_cm and np.hypot; its polar angle as objects.polar_deg to the last bits (libm's
    atan2 instead of NumPy's, whose SIMD version differs in the last bit on some CPUs)."""
    r = np.random.default_rng(2)
    E = r.uniform(0.5, 10.0, 5000)
    px, py, pz = r.normal(size=(3, 5000)) * 2.0
    rec, theta, ref, pt = objects.recoil_terms(card, E, px, py, pz)
    r0 = objects.recoil(card, E, px, py, pz)
    assert all(np.array_equal(a, b) for a, b in zip(rec, r0))
    assert np.array_equal(theta, objects.polar_deg(r0[1], r0[2], r0[3]))
    np.testing.assert_allclose(theta, np.degrees(np.arctan2(np.hypot(r0[1], r0[2]), r0[3])), rtol=1e-14, atol=1e-12)
    _, cx, cy, cz = objects.to_cm(card, *r0)
    assert np.array_equal(ref, np.stack([cx, cy, cz], axis=1)) and np.array_equal(pt, np.hypot(cx, cy))


def test_transverse_is_numpys_hypot():
    """objects.transverse equals np.hypot bit for bit, also for huge, tiny, infinite and NaN
    components (hypot, unlike sqrt(x^2 + y^2), neither overflows nor underflows)."""
    r = np.random.default_rng(4)
    x, y = r.normal(size=(2, 20000)) * np.exp(r.uniform(-300, 300, size=(2, 20000)))
    x[:4], y[:4] = [np.inf, np.nan, 0.0, -1e-310], [1.0, 2.0, -0.0, 1e-310]
    assert np.array_equal(objects.transverse(x, y), np.hypot(x, y), equal_nan=True)


@pytest.mark.parametrize("cuts", [(0.5, 2.0), (0.7, 0.9)])
def test_good_tracks_compare_as_numpy_does_in_float32(cuts):
    """The kernel compares |d0|, |z0| (float32) with the cuts rounded to float32, as NumPy compares a
    float32 array with a Python float; NaN (no track) is never good. Values sit on the float32
    neighbours of the cuts, where a float64 comparison would differ for 0.7 and 0.9 (rounded down
    in float32)."""
    n = 6000
    r = np.random.default_rng(3)
    edge = [np.nextafter(np.float32(c), np.float32(k)) for c in cuts for k in (0, 10)] + [np.float32(c) for c in cuts]
    d0 = r.choice(np.array(edge + [np.nan, -0.05], dtype=np.float32), n) * r.choice([-1, 1], n).astype(np.float32)
    z0 = r.choice(np.array(edge + [np.nan, 0.01], dtype=np.float32), n)
    t = types.SimpleNamespace(found=r.random(n) < 0.8, d0_cm=d0, z0_cm=z0)
    got = objects.good_tracks(types.SimpleNamespace(tracks=t), *cuts)
    with np.errstate(invalid="ignore"):
        ref = t.found & (np.abs(t.d0_cm) < cuts[0]) & (np.abs(t.z0_cm) < cuts[1])
    assert np.array_equal(got, ref) and 0 < got.sum() < n


def test_shared_track_terms_give_each_system_exactly(card):
    """Terms made once for four tracks give every pair bit for bit as the pair made alone."""
    tr = _tracks(4000, seed=3)
    idx = np.arange(4000).reshape(1000, 4)
    terms = track_terms(tr, idx, 0.105658, card)
    for a, b in ((0, 2), (1, 3), (0, 3)):
        shared = mass_squared_and_sigma(tr, None, None, card, terms=terms, members=(a, b))
        alone = mass_squared_and_sigma(tr, [idx[:, a], idx[:, b]], 0.105658, card)
        assert np.array_equal(shared[0], alone[0]) and np.array_equal(shared[1], alone[1])


def test_pairings_in_window_are_the_pairs_windows(card):
    """pairings_in_window: some pairing with each of its pairs inside |m^2 - c| < k sigma, the
    decision of mass_squared_and_sigma on each pair (same numbers, one kernel), with events on
    both sides of the decision."""
    import itertools

    from belle2sim.channels.track_selection import pairings_in_window

    tr = _tracks(6000, seed=12)
    idx = np.arange(6000).reshape(1000, 6)
    masses = np.random.default_rng(2).choice([0.000511, 0.105658, 0.13957], size=(1000, 6))
    terms = track_terms(tr, idx, masses, card)
    pairings = [tuple(zip((0, 1, 2), perm)) for perm in itertools.permutations((3, 4, 5))]
    m2_pairs = {pair: mass_squared_and_sigma(tr, None, None, card, terms=terms, members=pair)
                for pairing in pairings for pair in pairing}
    centre = 10.0  # GeV^2: with these wide random pairs, windows of 30-300 sigma select 0.3-86 %
    for k in (30.0, 100.0, 300.0):
        want = np.zeros(1000, dtype=bool)
        for pairing in pairings:
            want |= np.all([np.abs(m2_pairs[p][0] - centre) < k * m2_pairs[p][1] for p in pairing], axis=0)
        got = pairings_in_window(terms, pairings, centre, k, card)
        assert np.array_equal(got, want)
        assert 0.0 < got.mean() < 1.0


def test_system_four_vector_is_the_sum_in_track_order(card):
    tr = _tracks(3000, seed=4)
    idx = np.arange(3000).reshape(1000, 3)
    masses = np.random.default_rng(1).choice([0.000511, 0.105658, 0.13957], size=(1000, 3))
    chunk = types.SimpleNamespace(tracks=tr)
    got = objects.system(chunk, idx, masses)
    E = px = py = pz = 0.0
    for k in range(3):  # the NumPy form it replaced, bit for bit
        x, y, z = (c[idx[:, k]].astype(float) for c in (tr.px, tr.py, tr.pz))
        E, px, py, pz = E + np.sqrt(x * x + y * y + z * z + masses[:, k] * masses[:, k]), px + x, py + y, pz + z
    for g, ref in zip(got, (E, px, py, pz)):
        assert np.array_equal(g, ref)
    assert np.array_equal(objects.system(chunk, [idx[:, 0], idx[:, 1]], [0.105658, 0.105658])[0],
                          objects.system(chunk, idx[:, :2], 0.105658)[0])


@pytest.mark.parametrize("k", [4, 6])  # the four-muon and the six-track dark Higgs selections
def test_opposite_sign_order_is_numpys_stable_sort_by_charge(k):
    r = np.random.default_rng(2)
    charge = r.choice([-1.0, 0.0, 1.0], size=500)
    idx = r.integers(0, 500, size=(2000, k))
    want = idx[np.arange(2000)[:, None], np.argsort(charge[idx], axis=1, kind="stable")]
    assert np.array_equal(opposite_sign_order(types.SimpleNamespace(charge=charge), idx), want)


def test_to_cm_is_vectors_boost_to_the_bit(card):
    """objects.to_cm applies vector's lab -> c.m. boost in a kernel: the same numbers, to the bit,
    for float64 and float32 inputs; and a c.m. system of total momentum zero stays at rest."""
    import vector

    r = np.random.default_rng(6)
    px, py, pz = r.normal(size=(3, 20_000)) * 3.0
    E = np.sqrt(px**2 + py**2 + pz**2 + r.uniform(0.0, 4.0, 20_000))
    b = card.beams.boost_vector
    for arrays in ((E, px, py, pz), tuple(a.astype(np.float32) for a in (E, px, py, pz))):
        v = vector.array({"px": arrays[1], "py": arrays[2], "pz": arrays[3], "E": arrays[0]}).boost_beta3(
            vector.obj(x=-b[0], y=-b[1], z=-b[2]))
        for got, want in zip(objects.to_cm(card, *arrays), (v.E, v.px, v.py, v.pz)):
            assert np.array_equal(got, np.asarray(want))
    bx, by, bz, bE = card.beams.total_fourvector
    cE, cx, cy, cz = objects.to_cm(card, np.array([bE]), np.array([bx]), np.array([by]), np.array([bz]))
    assert cE[0] == pytest.approx(card.beams.sqrt_s_GeV, rel=1e-12) and max(abs(cx[0]), abs(cy[0]), abs(cz[0])) < 1e-9


def test_photon_summary_takes_missing_reference_directions_as_none(card):
    """objects.photons maps NaN (no track pair) and infinite reference components as np.nan_to_num
    does, inside its kernel: the same numbers as with the cleaned directions, and no photon is
    near a missing direction (largest cosine -2)."""
    from belle2sim.channels import get
    from belle2sim.simulate import simulate_detector

    ch = get("dark-higgs-invisible")
    batch = ch.generate(3, 0, 3000, ch.resolve_parameters({"mass_GeV": 4.0}, card), card)
    chunk = simulate_detector(batch, card, 3)
    ref = np.random.default_rng(8).normal(size=(3000, 3))
    ref[1::11, 1] = np.inf
    ref[2::13, 2] = -np.inf
    ref[3::17, 0] = np.nan  # one component missing: the other two still give a direction
    ref[::7] = np.nan
    got = objects.photons(batch, chunk, card, 0.1, ref)
    want = objects.photons(batch, chunk, card, 0.1, np.nan_to_num(ref))
    for a, b in zip(got, want):
        assert np.array_equal(a, b, equal_nan=True)
    assert np.all(got[2][::7] == -2.0) and np.any(got[0][::7] > 0.1)


def test_c_eta_is_vectors_expression_to_the_bit(card):
    """recoil_analyses.c_eta runs vector's boost_beta3, unit and dot in a kernel: the same numbers
    as the vector expression, to the bit; and |cos eta| is 1 for a mu- along the pair's motion."""
    import vector

    from belle2sim.channels.recoil_analyses import c_eta

    tr = _tracks(6000, seed=9)
    chunk = types.SimpleNamespace(tracks=tr)
    i_neg, i_pos = np.arange(0, 6000, 2), np.arange(1, 6000, 2)
    m_mu = pdgdata.mass_GeV(13)
    neg = objects.to_cm(card, *objects.system(chunk, [i_neg], [m_mu]))
    pos = objects.to_cm(card, *objects.system(chunk, [i_pos], [m_mu]))
    pair = vector.array({"px": neg[1] + pos[1], "py": neg[2] + pos[2], "pz": neg[3] + pos[3], "E": neg[0] + pos[0]})
    mu = vector.array({"px": neg[1], "py": neg[2], "pz": neg[3], "E": neg[0]}).boost_beta3(-pair.to_beta3())
    want = np.abs(np.asarray(mu.to_Vector3D().unit().dot(pair.to_Vector3D().unit())))
    assert np.array_equal(c_eta(card, chunk, i_neg, i_pos), want)
    assert np.all(want <= 1.0 + 1e-12) and 0.3 < np.mean(want) < 0.7  # isotropic-ish random pairs


def test_two_track_trigger_acceptance_is_the_angle_cuts():
    """recoil_analyses._in_trigger_acceptance: both tracks in 37-120 deg and more than dphi apart
    in azimuth, as the NumPy form of the cuts says, for every pair of random tracks."""
    from belle2sim.channels.recoil_analyses import _in_trigger_acceptance

    tr = _tracks(40_000, seed=12)
    chunk = types.SimpleNamespace(tracks=tr)
    i0, i1 = np.arange(0, 40_000, 2), np.arange(1, 40_000, 2)
    px, py, pz = (a.astype(float) for a in (tr.px, tr.py, tr.pz))
    theta = np.degrees(np.arctan2(np.hypot(px, py), pz))
    d = np.abs(np.degrees(np.arctan2(py[i0], px[i0]) - np.arctan2(py[i1], px[i1]))) % 360.0
    for dphi in (30.0, 90.0):
        want = ((theta[i0] >= 37) & (theta[i0] <= 120) & (theta[i1] >= 37) & (theta[i1] <= 120)
                & (np.where(d > 180, 360 - d, d) > dphi))
        got = _in_trigger_acceptance(chunk, i0, i1, dphi)
        assert np.array_equal(got, want) and 0.05 < got.mean() < 0.5


@pytest.mark.parametrize("lepton", [11, 13])
def test_lepton_energy_in_the_tau_frame_is_vectors_boost_to_the_bit(card, lepton):
    """E*_l of the tau -> l alpha selection runs vector's boost of a momentum with a mass in a
    kernel: the same numbers to the bit; and a lepton at rest in the tau frame has E* = m_l."""
    import vector

    from belle2sim.channels.tau_alpha_analysis import lepton_energy_in_tau_frame

    r = np.random.default_rng(lepton)
    lep, had = tuple(r.normal(size=(3, 5000)) * 2.0), tuple(r.normal(size=(3, 5000)) * 3.0)
    m_tau, m_l = pdgdata.mass_GeV(15), pdgdata.mass_GeV(lepton)
    b_tau = np.sqrt(1 - (2 * m_tau / card.beams.sqrt_s_GeV) ** 2)
    norm = np.sqrt(had[0] ** 2 + had[1] ** 2 + had[2] ** 2)
    v = vector.array({"px": lep[0], "py": lep[1], "pz": lep[2], "mass": np.full(5000, m_l)})
    want = np.asarray(v.boost_beta3(vector.array({"x": had[0] / norm * b_tau, "y": had[1] / norm * b_tau,
                                                  "z": had[2] / norm * b_tau})).E)
    assert np.array_equal(lepton_energy_in_tau_frame(card, lepton, lep, had)[0], want)
    # the lepton of each event picked from a longer list by index: the numbers of the gathered list
    which = r.permutation(7000)[:5000]
    longer = np.empty((3, 7000))
    longer[:, which] = lep
    assert np.array_equal(lepton_energy_in_tau_frame(card, lepton, longer, had, which=which)[0], want)
    # a lepton moving with the tau (velocity -b_tau along the hadrons) is at rest in its frame
    p = m_l * b_tau / np.sqrt(1 - b_tau**2)
    at_rest = tuple(-p * c / norm for c in had)
    np.testing.assert_allclose(lepton_energy_in_tau_frame(card, lepton, at_rest, had)[0], m_l, rtol=1e-6)


def test_tau_tag_side_is_the_numpy_form_of_its_cuts():
    """tau_alpha_analysis.tag_side: E/p and sorted-pT cuts of the three tag tracks and their summed
    c.m. four-momentum, bit for bit as the NumPy expressions it replaced (repeated and masked slots,
    events without a signal track, tracks without a momentum)."""
    from belle2sim.channels.tau_alpha_analysis import tag_side

    r = np.random.default_rng(13)
    n_part, n = 5000, 4000
    tr = _tracks(n_part, seed=14)
    tr.px[::97] = np.nan  # (no momentum: nan_to_num makes it 0)
    dep_E = r.uniform(0.0, 3.0, n_part).astype(np.float32)
    cm = r.normal(size=(4, n_part)) * 2.0
    cm[:, ::53] = np.nan  # (NaN masses stay NaN, as np.maximum keeps them)
    idx = r.integers(0, n_part, size=(n, 4))
    idx[::7, 2:] = 0  # fewer than four tracks: slots at particle 0
    lone = np.where(r.random(n) < 0.2, -1, idx[np.arange(n), r.integers(0, 4, n)])
    cuts = np.array([0.08, 0.30, 0.70])
    eop, pt_ok, had, mass = np.empty(n, bool), np.empty(n, bool), np.empty((4, n)), np.empty(n)
    tag_side(idx, lone, tr.px, tr.py, tr.pz, dep_E, cm, cuts, eop, pt_ok, had, mass)
    with np.errstate(all="ignore"):
        sig = np.maximum(lone, 0)
        tag = np.where(idx == sig[:, None], -1, idx)
        mask, tag_idx = tag >= 0, np.maximum(tag, 0)
        tpx, tpy, tpz = (np.nan_to_num(a[tag_idx].astype(float)) for a in (tr.px, tr.py, tr.pz))
        want_eop = np.where(mask, dep_E[tag_idx] / np.sqrt(tpx**2 + tpy**2 + tpz**2) <= 0.8, True).all(axis=1)
        pts = np.sort(np.where(mask, np.hypot(tpx, tpy), np.inf), axis=1)[:, :3]
        want_h = [np.where(mask, cm[row][tag_idx], 0.0).sum(axis=1) for row in (3, 0, 1, 2)]
    assert np.array_equal(eop, want_eop) and np.array_equal(pt_ok, np.all(pts > cuts, axis=1))
    for got, want in zip(had, want_h):
        assert np.array_equal(got, want, equal_nan=True)
    with np.errstate(invalid="ignore"):
        want_mass = np.sqrt(np.maximum(want_h[0] ** 2 - want_h[1] ** 2 - want_h[2] ** 2 - want_h[3] ** 2, 0.0))
    assert np.array_equal(mass, want_mass, equal_nan=True)
    assert 0.05 < np.isnan(mass).mean() < 0.5 and 0.1 < (mass == 0.0).mean() < 0.9
    assert 0.1 < eop.mean() < 0.9 and 0.1 < pt_ok.mean() < 0.99


def test_dark_higgs_ellipse_is_the_mahalanobis_distance():
    """The (M2_mumu, M2_recoil) window's chi2 is d^T C^-1 d with the per-event covariance matrix
    (to rounding), and bit for bit the NumPy expression it replaced."""
    from belle2sim.channels.recoil_analyses import _ellipse_chi2

    r = np.random.default_rng(1)
    n = 2000
    m2, r2 = r.normal(4.0, 1.0, n), r.normal(9.0, 2.0, n)
    s_m, s_r = r.uniform(0.01, 0.5, n), r.uniform(0.01, 0.5, n)
    cov = r.uniform(-0.9, 0.9, n) * s_m * s_r
    chi2 = np.empty(n)
    _ellipse_chi2(m2, r2, s_m, s_r, cov, 4.0, 9.0, chi2)
    d = np.stack([m2 - 4.0, r2 - 9.0], axis=1)
    c = np.stack([np.stack([s_m**2, cov], axis=1), np.stack([cov, s_r**2], axis=1)], axis=1)
    np.testing.assert_allclose(chi2, np.einsum("ni,nij,nj->n", d, np.linalg.inv(c), d), rtol=1e-9)
    dm, dr = m2 - 4.0, r2 - 9.0
    assert np.array_equal(chi2, (dm**2 * s_r**2 - 2 * dm * dr * cov + dr**2 * s_m**2) / (s_m**2 * s_r**2 - cov**2))


def test_vertex_mass_window_is_its_numpy_form(card):
    """The vertex mass window in a kernel: the numbers of the NumPy form it replaced (missing
    daughters with NaN momenta count as pT = 0, vertices without a mass as -1), event by event, on
    masses spread over the window's edges."""
    r = np.random.default_rng(6)
    n = 4000
    tr = _tracks(3 * n, seed=11)
    tr.px[r.random(3 * n) < 0.05] = np.nan
    tr.py[np.isnan(tr.px)] = np.nan
    parent = np.arange(0, 3 * n, 3)
    mass = np.full(3 * n, np.nan)
    mass[parent] = np.where(r.random(n) < 0.1, np.nan, r.normal(1.0, 0.01, n))
    v = types.SimpleNamespace(mass_GeV=mass)
    daughters = (parent + 1, parent + 2)
    got = objects.vertex_mass_window(tr, v, parent, daughters, 1.0, 2.0, card)
    a, b = card.doc["tracking"]["pt_resolution"]
    rel2 = np.zeros(n)
    for k in daughters:
        pt = np.hypot(np.nan_to_num(tr.px[k].astype(float)), np.nan_to_num(tr.py[k].astype(float)))
        rel2 += (a * pt) ** 2 + b**2
    want = np.abs(np.nan_to_num(mass[parent], nan=-1.0) - 1.0) < 2.0 * (0.5 * 1.0 * np.sqrt(rel2) + 1e-4)
    assert np.array_equal(got, want) and 0.2 < want.mean() < 0.9


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 8])
def test_per_event_flag_reductions_equal_numpys(k):
    """channels.per_event counts, ORs and ANDs each event's K flags as one word (K = 1, 2, 4, 8;
    NumPy otherwise): the same answers and types as NumPy's reductions over rows, for C- and
    Fortran-ordered arrays and for rows that are all clear, all set and mixed."""
    from belle2sim.channels import per_event

    r = np.random.default_rng(k)
    flags = r.random((3000, k)) < 0.6
    flags[:5] = False
    flags[5:10] = True
    for f in (flags, np.asfortranarray(flags), flags[::2]):
        for ours, theirs in ((per_event.count, lambda b: b.sum(axis=1)), (per_event.any_set, lambda b: b.any(axis=1)),
                             (per_event.all_set, lambda b: b.all(axis=1))):
            got, expected = ours(f), theirs(f)
            assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert per_event.all_set(flags)[5:10].all() and not per_event.any_set(flags)[:5].any()
