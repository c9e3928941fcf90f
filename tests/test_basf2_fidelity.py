"""Each fixed discrepancy of shared/physics/basf2-trigger-audit.md, at the basf2 value, on the
audit's own cases (C-numbers) where it gives one. Ideal calibration: geometry and logic only."""

import numpy as np
import pytest

from belle2sim.simulate import simulate_chunk
from belle2sim.trigger.cdc_bits import typ_momentum_estimate
from conftest import make_batch, particle as part


def run(card, menu, events):
    chunk = simulate_chunk(make_batch(events), card, menu, 11, period="ideal")
    return chunk.bits, chunk.ftdl


@pytest.mark.parametrize("p,theta_deg,expected", [
    (0.762, 80.0, 0.8),   # audit item 9: quantisation biases 0.762 up to 0.802 -> 0.8
    (0.72, 80.0, 0.7),    # case C13a: typ = 0 in basf2
    (2.0, 60.0, 2.4),     # omega 0.2596 -> 0.22, theta 60 -> 56.2 deg: biased up
])
def test_typ_momentum_estimate_is_quantised_as_grl(menu, p, theta_deg, expected):
    cdc = menu.inputs["cdc"]
    pt, pz = p * np.sin(np.radians(theta_deg)), p * np.cos(np.radians(theta_deg))
    est = typ_momentum_estimate(pt, pz, cdc["typ_omega_bin_per_m"], cdc["typ_theta_bin_rad"], 1.5)
    assert est == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("min_p", [0.8, 0.3, 2.05, 12.65, 12.7, 13.0])
def test_tracks_the_typ_shortcut_accepts_have_the_estimate_above_the_cut(menu, min_p):
    """cdc_trigger_bits skips the quantised estimate for tracks with pT and theta at least
    typ_certain_above's: each such track, near that corner most, has an estimate >= the cut."""
    from belle2sim.trigger.cdc_bits import TYP_SATURATED_GeV, typ_certain_above, typ_estimate_at

    cdc = menu.inputs["cdc"]
    omega_bin, theta_bin = cdc["typ_omega_bin_per_m"], cdc["typ_theta_bin_rad"]
    pt_min, theta_min = typ_certain_above.py_func(min_p, theta_bin)
    if min_p > TYP_SATURATED_GeV:
        assert pt_min == theta_min == np.inf  # (the saturated estimate, 12.7, may be below the cut)
        return
    rng = np.random.default_rng(5)
    pts = np.concatenate([pt_min * (1 + rng.uniform(0, 1e-3, 3000)), pt_min + rng.exponential(2.0, 3000)])
    thetas = np.concatenate([theta_min + rng.uniform(0, 1e-3, 3000), rng.uniform(theta_min, np.pi - 1e-3, 3000)])
    rng.shuffle(thetas)
    est = np.array([typ_estimate_at.py_func(pt, th, omega_bin, theta_bin, 1.5) for pt, th in zip(pts, thetas)])
    assert est.min() >= min_p - 1e-9
    # the shortcut is not loose: tracks just below its pT get estimates below the cut too
    low = [typ_estimate_at.py_func(min_p - 0.05, np.pi / 2, omega_bin, theta_bin, 1.5)]
    assert min(low) < min_p - 1e-9 or min_p + 0.1 >= TYP_SATURATED_GeV


def test_typ_bit_uses_the_quantised_estimate(card, menu):
    bits, _ = run(card, menu, [[part(13, 0.72, 80, 10)], [part(13, 0.762, 80, 10)]])
    assert list(bits["typ"]) == [0, 1]


def test_opening_angle_bins_truncate_toward_zero(card, menu):
    """Case C17a: phi0 = -5 and 85 deg are bins 0 and 8 (|delta| 8): no open90 in basf2,
    although the tracks are 90 deg apart; -15 and 85: bins -1 and 8, |delta| 9: open90."""
    def pair(f1, f2):
        return [part(13, 3.0, 90, f1), part(-13, 3.0, 90, f2)]
    bits, _ = run(card, menu, [pair(-5, 85), pair(-15, 85)])
    assert list(bits["cdc_open90"]) == [0, 1]


def test_icn_counts_theta_id_2_to_15(card, menu):
    """Item 2: getICNFwBr counts theta-ID 2-15: an isolated cluster in ring 1 (15 deg) or
    ring 16 (135 deg) is not counted, one in ring 2 (22 deg) is."""
    bits, _ = run(card, menu, [[part(22, 2.0, 15, 0)], [part(22, 2.0, 22, 0)], [part(22, 2.0, 135, 0)]])
    assert list(bits["clst"]) == [0, 1, 0]


def test_in_track_flag_needs_either_cluster(card, menu):
    """Item 3 (newest getBhabha01): a Bhabha-like photon pair, back to back in the CM at 36 deg,
    has one cluster in ring 3 and one in ring 16 (outside the in-track region 3-15):
    bha_intrk = 1 (older basf2, both clusters: 0)."""
    import vector

    b = card.beams.boost_vector
    e, t = card.beams.sqrt_s_GeV / 2, np.radians(36.0)
    event = []
    for sign in (1, -1):
        cm = vector.obj(px=sign * e * np.sin(t), py=0.0, pz=sign * e * np.cos(t), E=e)
        lab = cm.boost_beta3(vector.obj(x=b[0], y=b[1], z=b[2]))
        event.append((22, lab.px, lab.py, lab.pz, lab.E))
    rings = [np.degrees(np.arctan2(np.hypot(p[1], p[2]), p[3])) for p in event]
    assert 25.8 < rings[0] < 31.4 and 130.7 < rings[1] < 140.1  # theta-ID 3 and 16
    bits, _ = run(card, menu, [event])
    assert bits["ecl_3dbha"][0] == 1
    assert bits["bha_intrk"][0] == 1


@pytest.mark.parametrize("theta_deg,matched", [(34.0, 0), (40.0, 1), (125.0, 1), (127.5, 0)])
def test_cdcecl_matches_clusters_in_35_to_126_deg_only(card, menu, theta_deg, matched):
    """Item 7 (TRGGRLMatchModule): clusters outside 35-126 deg never match (cases C15a-c)."""
    bits, _ = run(card, menu, [[part(11, 3.0, theta_deg, 10)]])
    assert bits["t2"][0] == 1
    assert bits["cdcecl"][0] == matched


def test_p5_takes_the_track_phi_at_the_ecl_face(card, menu):
    """Item 8, case C18b/c: a pT = 0.5 GeV muon at phi0 = 0 reaches r = 126 cm about 35 deg
    away (mu-: +34.6 deg, bin 3); a photon at 175 deg (TC centred at 177.5 deg, bin 17) is then
    14 bins away: no p5 (the phi0 reading fired it). A stiff muon (5 GeV) fires p5."""
    bits, _ = run(card, menu, [[part(13, 0.5, 90, 0), part(22, 1.0, 90, 175)],
                               [part(13, 5.0, 90, 0), part(22, 1.0, 90, 175)]])
    assert list(bits["p5"]) == [0, 1]


def test_ecl_face_azimuth_is_the_arcsine_formula_to_the_bit():
    """grl_bits.phi_at_ecl_face (selections, typed into the GRL kernel) against the formula with
    the scalar arcsine and branches: the same bits, NaN for tracks that curl before the face."""
    import numba

    from belle2sim import fastmath
    from belle2sim.trigger.grl_bits import B_TO_CURVATURE, phi_at_ecl_face

    @numba.njit
    def lanes_form(phi0, pt, q, field_T, r):
        return phi_at_ecl_face(phi0, pt, q, field_T, r)

    @numba.njit
    def branch_form(phi0, pt, q, field_T, r):
        two_r = 2.0 * 100.0 * pt / (B_TO_CURVATURE * field_T)
        if two_r < r:
            return np.nan
        phi = phi0 - q * fastmath.asin(r / two_r)
        if phi > np.pi:
            phi -= 2.0 * np.pi
        elif phi < -np.pi:
            phi += 2.0 * np.pi
        return phi

    rng = np.random.default_rng(3)
    n = 20000
    phi0 = rng.uniform(-np.pi, np.pi, n)
    pt = np.concatenate([rng.uniform(0.05, 0.5, n // 2), rng.exponential(2.0, n // 2)])  # (a third curl)
    q = rng.choice([-1.0, 1.0], n)
    got = np.array([lanes_form(a, b, c, 1.5, 125.0) for a, b, c in zip(phi0, pt, q)])
    want = np.array([branch_form(a, b, c, 1.5, 125.0) for a, b, c in zip(phi0, pt, q)])
    assert np.isnan(want).sum() > n // 10
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


def test_cdcklm2_counts_two_or_more_matches(card, menu):
    """Item 13, case C20: three muons in the barrel fire cdcklm2 (GRL-old: entries > 1)."""
    _, lines = run(card, menu, [[part(13, 2.0, 70, 0), part(-13, 2.0, 90, 120), part(13, 2.0, 100, 240)]])
    assert lines["cdcklm2"][0]


def test_tc_phi_boundaries_of_the_barrel_sit_at_2p5_deg(card, menu):
    """Item 11: barrel TC phi-ID 1 spans 2.5-12.5 deg; two 0.3 GeV photons at 3 and 12 deg share
    a TC (one cluster of 0.6 GeV), at 1 and 4 deg they do not (two TCs, which touch: still one
    cluster, but the most energetic TC alone is 0.3 GeV)."""
    from belle2sim.detector.ecl import simulate_ecl
    from belle2sim import pdgdata as pd

    for phis, same in (((3.0, 12.0), True), ((1.0, 4.0), False)):
        batch = make_batch([[part(22, 0.3, 90, phis[0]), part(22, 0.3, 90, phis[1])]])
        response, charge = pd.classify(batch.pdg)
        dep = simulate_ecl(batch, response, card, 1, charge)
        assert dep.region.tolist() == [2, 2]
        seg = 2 * np.pi / 36
        off = card.tc_phi_offsets_rad()[8]
        tcs = np.floor((dep.phi_rad.astype(float) - off + np.pi) / seg)
        assert (tcs[0] == tcs[1]) == same


def test_gap_showers_feed_the_trigger(card, menu):
    """Item 5, case C22: a 2 GeV photon in the backward (129 deg) or forward (31.6 deg) gap now
    feeds the nearer TC ring (15 or 3, inside the energy sum's theta-ID 2-15); at 130.3 deg the
    nearer ring is 16, outside the sum."""
    bits, _ = run(card, menu, [[part(22, 2.0, 129.0, 0)], [part(22, 2.0, 31.6, 0)], [part(22, 2.0, 130.3, 0)]])
    assert list(bits["ehigh"]) == [1, 1, 0]
    assert bits["lml7"][2] == 1 and bits["clst"][2] == 0  # ring 16: lml7 sees it, ICN does not
