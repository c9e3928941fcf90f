"""Where a charged track enters the calorimeter envelope (helix.calorimeter_entry), against a
helix followed step by step in NumPy: barrel and endcap entries, both charges, one-turn loopers."""

import numpy as np
import pytest

from belle2sim.detector.cdc import axial_layers, count_axial_superlayers
from belle2sim.detector.directions import angles_of
from belle2sim.detector.entries import C_B, C_RB, C_ZB, C_ZF, MAX_TURNS
from belle2sim.detector.helix import AXIS_TOLERANCE_CM2, PT_PER_TESLA_CM, calorimeter_entry
from conftest import stored_count_from_axis


def _stepped_entry(v, p, q, b_field, r_barrel, z_fwd, z_bwd):
    """(theta, phi) seen from the origin where the helix from v along p first leaves
    r < r_barrel, z_bwd < z < z_fwd within one turn, found on a fine grid of the turning angle and
    refined by bisection; None if it does not within a turn."""
    pt = np.hypot(p[0], p[1])
    R = pt / (PT_PER_TESLA_CM * b_field)
    s = 1.0 if q > 0 else -1.0  # positive charges turn clockwise seen from +z
    cx, cy = v[0] + s * R * p[1] / pt, v[1] - s * R * p[0] / pt
    psi0 = np.arctan2(v[1] - cy, v[0] - cx)

    def point(alpha):
        psi = psi0 - s * alpha
        return cx + R * np.cos(psi), cy + R * np.sin(psi), v[2] + R * alpha * p[2] / pt

    def outside(alpha):
        x, y, z = point(alpha)
        return (x * x + y * y >= r_barrel ** 2) | (z >= z_fwd) | (z <= z_bwd)

    grid = np.linspace(0.0, 2.0 * np.pi * MAX_TURNS, 20001)
    out = outside(grid)
    if not out.any():
        return None
    hi = grid[np.argmax(out)]
    lo = hi - grid[1]
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if outside(mid) else (mid, hi)
    x, y, z = point(hi)
    return np.arctan2(np.hypot(x, y), z), np.arctan2(y, x)


def _tracks(n, seed):
    rng = np.random.default_rng(seed)
    pt = rng.uniform(0.06, 3.0, n)
    cos_theta = rng.uniform(-0.99, 0.99, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    pz = pt * cos_theta / np.sqrt(1.0 - cos_theta ** 2)
    return np.stack([pt * np.cos(phi), pt * np.sin(phi), pz], axis=1), rng.choice([-1.0, 1.0], n)


@pytest.mark.parametrize("vertex_offset_cm", [0.0, 0.009])
def test_calorimeter_entry_follows_the_helix(card, vertex_offset_cm):
    """Tracks from the beam spot, to the barrel and to both endcap planes: the entry point's angles
    agree with the stepped helix to 1e-9 rad from the axis itself; from 90 um off it, where the
    closed form takes the track as starting on the axis, within 1e-3 rad inside the ECL's polar
    acceptance (a near-tangent barrel crossing turns the offset into ~4e-4 rad; the ECL resolves
    a few mrad), and the same tracks reach the envelope."""
    lo, hi = card.ecl_region_theta_rad()[0, 0], card.ecl_region_theta_rad()[2, 1]
    cp = card.ecl_charged_params()
    b_field, r_barrel, z_fwd, z_bwd = cp[C_B], cp[C_RB], cp[C_ZF], cp[C_ZB]
    momenta, charges = _tracks(300, seed=11)
    rng = np.random.default_rng(5)
    kinds = {"barrel": 0, "endcap": 0, "never": 0}
    worst = 0.0
    for p, q in zip(momenta, charges):
        a = rng.uniform(-np.pi, np.pi)
        v = (vertex_offset_cm * np.cos(a), vertex_offset_cm * np.sin(a), rng.normal(0.0, 0.5))
        theta_p, phi_p = angles_of(p[0], p[1], p[2])
        reached, theta, phi = calorimeter_entry(v[0], v[1], v[2], p[0], p[1], p[2], q, b_field, r_barrel,
                                                z_fwd, z_bwd, MAX_TURNS, theta_p, phi_p)
        expected = _stepped_entry(v, p, q, b_field, r_barrel, z_fwd, z_bwd)
        assert reached == (expected is not None)
        if expected is None:
            kinds["never"] += 1
            continue
        at_barrel = z_bwd < r_barrel / np.tan(expected[0]) < z_fwd if expected[0] != np.pi / 2 else True
        kinds["barrel" if at_barrel else "endcap"] += 1
        dphi = (phi - expected[1] + np.pi) % (2.0 * np.pi) - np.pi
        if lo <= expected[0] <= hi:  # (outside, the deposit is lost: no angle to get right)
            worst = max(worst, abs(theta - expected[0]), abs(dphi))
    assert kinds["barrel"] > 50 and kinds["endcap"] > 50  # both paths exercised
    assert worst < (1e-9 if vertex_offset_cm == 0.0 else 1e-3)


def test_impact_d0_is_the_d0_of_impact_parameters():
    """The CDC trigger takes d0 from impact_d0 and z0 later, only for tracks that pass its cuts:
    impact_d0 must give impact_parameters' d0 bit for bit (charged and neutral, both charges, on
    and off the axis, pt down to zero)."""
    import numba

    from belle2sim.detector.helix import impact_d0, impact_parameters

    @numba.njit
    def both(vx, vy, vz, px, py, pz, q, out):
        for i in range(vx.shape[0]):
            out[i, 0] = impact_d0(vx[i], vy[i], px[i], py[i], q[i], 1.5)
            out[i, 1] = impact_parameters(vx[i], vy[i], vz[i], px[i], py[i], pz[i], q[i], 1.5)[0]

    rs = np.random.default_rng(21)
    n = 50_000
    pt = np.where(rs.random(n) < 0.01, 0.0, 10 ** rs.uniform(-2, 1, n))
    phi = rs.uniform(-np.pi, np.pi, n)
    radius = np.where(rs.random(n) < 0.2, 0.0, 10 ** rs.uniform(-3, 2, n))
    angle = rs.uniform(-np.pi, np.pi, n)
    out = np.empty((n, 2))
    both(radius * np.cos(angle), radius * np.sin(angle), rs.normal(0, 1, n), pt * np.cos(phi), pt * np.sin(phi),
         rs.normal(0, 1, n), rs.choice([-1.0, 0.0, 1.0], n), out)
    assert np.array_equal(out[:, 0], out[:, 1])
    assert np.count_nonzero(out[:, 0]) > 0.7 * n


def test_calorimeter_entries_in_lanes_give_calorimeter_entry_to_the_bit(card):
    """entries.entry_points takes the tracks from the beam axis in vectorised loops
    (helix.entry_from_axis_lanes, the arcsine apart), those produced off it in others
    (helix.entry_off_axis_lanes, and their axial superlayers: cdc.crossing_settled_off_axis_lanes)
    and the rest one by one: every final-state particle it has to place gets calorimeter_entry's
    angles bit for bit, and every charged one produced off the axis count_axial_superlayers'
    count, among a mix of tracks from the axis to the barrel, the endcaps and nowhere (loopers, pT =
    0, pz = 0, one starting on the backward endcap plane), tracks and photons produced off the
    axis, photons from the origin and particles that are not final-state."""
    import numba

    from belle2sim.detector.entries import entry_points

    cp = card.ecl_charged_params()
    b_field, r_barrel, z_fwd, z_bwd = cp[C_B], cp[C_RB], cp[C_ZF], cp[C_ZB]

    @numba.njit
    def one_by_one(vx, vy, vz, px, py, pz, q, theta_p, phi_p, out):
        for i in range(vx.shape[0]):
            reached, theta, phi = calorimeter_entry(vx[i], vy[i], vz[i], px[i], py[i], pz[i], q[i], b_field, r_barrel,
                                                    z_fwd, z_bwd, MAX_TURNS, theta_p[i], phi_p[i])
            out[i, 0] = theta if reached else np.nan
            out[i, 1] = phi

    rs = np.random.default_rng(31)
    n = 40_000
    momenta, charges = _tracks(n, seed=12)
    px, py, pz = momenta.T.copy()
    px[:50] = py[:50] = 0.0  # along the axis: pT = 0
    pz[50:100] = 0.0  # in the transverse plane
    px[100:400] *= 0.03  # loopers
    py[100:400] *= 0.03
    charges[400:8000] = 0.0  # photons, from the origin or produced away from it
    kind = rs.random(n)
    off_axis = kind < 0.3
    radius = np.where(off_axis, 10 ** rs.uniform(-1.5, 2, n), 0.0)
    angle = rs.uniform(-np.pi, np.pi, n)
    vx, vy, vz = radius * np.cos(angle), radius * np.sin(angle), rs.normal(0.0, 0.5, n)
    vx[~off_axis] += rs.uniform(-0.007, 0.007, (~off_axis).sum())  # inside the beam-axis tolerance
    vz[8000], px[8000], py[8000], pz[8000], vx[8000], vy[8000] = z_bwd, 1e-3, 0.0, -1.0, 0.0, 0.0  # on the plane
    # off the axis with px = 0: its production point lies exactly behind its circle's centre, an
    # input the vector atan2 leaves to atan2 (entries.off_axis_tracks then takes it one by one)
    vx[8001], vy[8001], vz[8001], px[8001], py[8001], pz[8001], charges[8001] = 5.0, 3.0, 0.0, 0.0, 0.5, 0.2, 1.0
    status = np.where(rs.random(n) < 0.05, 2, 1).astype(np.int8)
    theta_p, phi_p = (np.array(v) for v in zip(*(angles_of(*m) for m in zip(px, py, pz))))
    expected = np.empty((n, 2))
    one_by_one(vx, vy, vz, px, py, pz, charges, theta_p, phi_p, expected)
    layers = axial_layers(card)
    expected_count = np.array([count_axial_superlayers(*track, b_field, layers, float(len(layers)))
                               for track in zip(vx, vy, vz, px, py, pz, charges)])
    # first without, then with the track that starts on the endcap plane: its chord is 0 at z < 0,
    # an input the vector atan2 leaves to atan2, and the kernel takes every track again one by one
    for with_special in (False, True):
        status[8000] = status[8001] = 1 if with_special else 2
        placed = (status == 1) & ~((charges == 0.0) & (vx * vx + vy * vy + vz * vz < 0.5 ** 2))
        got_theta, got_phi, got_count = np.full(n, -7.0), np.full(n, -7.0), np.full(n, -1, dtype=np.int8)
        entry_points(status, charges, px, py, pz, vx, vy, vz, theta_p, phi_p, cp, layers, got_theta, got_phi, got_count,
                     np.empty(n, dtype=np.uint64), np.empty((13, n)))
        # the axial superlayers of the tracks produced off the axis, counted on the way: count_axial_superlayers';
        # of those from the axis: the same count where the selections settle it, -1 (left to the CDC trigger)
        # exactly where crossing_settled leaves a superlayer to the arcsine
        counted = (status == 1) & (charges != 0.0) & (vx * vx + vy * vy >= AXIS_TOLERANCE_CM2)
        assert np.array_equal(got_count[counted], expected_count[counted])
        prompt = (status == 1) & (charges != 0.0) & ~counted
        stored = np.array([stored_count_from_axis(*track, b_field, layers)
                           for track in zip(vz[prompt], px[prompt], py[prompt], pz[prompt])])
        assert np.array_equal(got_count[prompt], stored)
        settled = stored >= 0
        assert np.array_equal(stored[settled], expected_count[prompt][settled]) and settled.mean() > 0.8
        assert (got_count[~counted & ~prompt] == -1).all()
        assert np.array_equal(got_theta[placed], expected[placed, 0], equal_nan=True)
        assert np.array_equal(np.signbit(got_theta[placed]), np.signbit(expected[placed, 0]))
        assert np.array_equal(got_phi[placed], expected[placed, 1], equal_nan=True)
        assert np.array_equal(np.signbit(got_phi[placed]), np.signbit(expected[placed, 1]))
    # every path exercised: from the axis to the barrel, to an endcap plane and nowhere
    from_axis = placed & (charges != 0.0) & ~off_axis
    theta = expected[from_axis, 0]
    z_entry = r_barrel / np.tan(theta[~np.isnan(theta)])
    assert ((z_entry > z_bwd + 1e-6) & (z_entry < z_fwd - 1e-6)).sum() > 5000
    assert ((z_entry < z_bwd - 1e-6) | (z_entry > z_fwd + 1e-6)).sum() > 1000
    assert 100 < np.isnan(theta).sum() < 0.2 * len(theta)
    assert (~np.isnan(expected[placed & (charges == 0.0), 0])).sum() > 1000  # photons produced away
    # the track at px = 0 was flagged for the scalar path (there, (+0, x < 0): the same angle either way)
    from belle2sim.detector.helix import entry_off_axis_lanes

    @numba.njit
    def flagged(vx, vy, vz, px, py, pz, q):
        return entry_off_axis_lanes(vx, vy, vz, px, py, pz, q, b_field, r_barrel, z_fwd, z_bwd, MAX_TURNS)[3]

    assert flagged(vx[8001], vy[8001], vz[8001], px[8001], py[8001], pz[8001], charges[8001])
    assert not flagged(vx[8001], vy[8001], vz[8001], 1e-3, py[8001], pz[8001], charges[8001])
    # and tracks produced off the axis (taken in selections of their own): barrel, endcaps, nowhere
    theta = expected[placed & (charges != 0.0) & off_axis & (vx * vx + vy * vy >= 1e-4), 0]
    z_entry = r_barrel / np.tan(theta[~np.isnan(theta)])
    assert ((z_entry > z_bwd + 1e-6) & (z_entry < z_fwd - 1e-6)).sum() > 2000
    assert ((z_entry < z_bwd - 1e-6) | (z_entry > z_fwd + 1e-6)).sum() > 300
    assert 30 < np.isnan(theta).sum() < 0.2 * len(theta)
