"""CDC 2D-track count (t2): pT reach and polar acceptance of the axial superlayers."""

import numpy as np
import pytest

from belle2sim import pdgdata
from belle2sim.detector.helix import PT_PER_TESLA_CM, first_crossing
from belle2sim.simulate import simulate_chunk
from conftest import make_batch, stored_count_from_axis


def bits_for(card, menu, events):
    return simulate_chunk(make_batch(events), card, menu, seed=5, period="ideal").bits


def t2_for(card, menu, tracks):
    return bits_for(card, menu, [[t] for t in tracks])["t2"]


def muon(pt, theta_deg, phi=0.4, vertex=(0, 0, 0)):
    m = pdgdata.mass_GeV(13)
    p = pt / np.sin(np.radians(theta_deg))
    return (13, pt * np.cos(phi), pt * np.sin(phi), p * np.cos(np.radians(theta_deg)), np.hypot(p, m), *vertex)


def test_curvature_constant():
    # pT = 0.3 B R  (GeV, T, m): 0.2998 GeV per T per m
    assert PT_PER_TESLA_CM * 100 == pytest.approx(0.29979, rel=1e-4)


def test_pt_threshold_and_reach(card, menu):
    # the outermost axial SL (106.6 cm) is the 5th; 4 of 5 need r = 84.75 cm: pT > 0.3*1.5*0.4238 = 0.19 GeV,
    # so the 0.3 GeV Hough limit decides
    assert list(t2_for(card, menu, [muon(0.29, 90), muon(0.31, 90), muon(2.0, 90)])) == [0, 1, 1]


def test_polar_acceptance(card, menu):
    # 4 of 5 axial SLs need SL6 (84.75 cm) inside the wires: with the CDC.xml end plates a stiff
    # track crosses SL6 for 29.0-128.4 deg (basf2-trigger-audit.md item 1; the linear envelope
    # used before gave 33.5-125 deg)
    thetas = [15, 28, 30, 60, 120, 128, 129.5, 140]
    assert list(t2_for(card, menu, [muon(1.0, t) for t in thetas])) == [0, 0, 1, 1, 1, 1, 0, 0]


@pytest.mark.parametrize("r_cm,z_lo,z_hi", [(16.8, -31.21, 57.21), (36.52, -57.895, 121.501),
                                            (111.14, -72.4, 157.9), (41.045, -58.7725, 133.3255)])
def test_wire_z_extent_follows_cdc_xml(card, r_cm, z_lo, z_hi):
    """The end plates at the CDC.xml layers (and halfway between layers 14 and 19)."""
    from belle2sim.detector.cdc import z_extent

    lo, hi = z_extent(r_cm, card.cdc_geometry())
    assert (lo, hi) == (pytest.approx(z_lo, abs=1e-6), pytest.approx(z_hi, abs=1e-6))


def test_first_crossing_geometry():
    # a track from the origin reaches radius r at transverse arc 2R asin(r / 2R)
    pt, b, r = 0.5, 1.5, 50.0
    R = pt / (PT_PER_TESLA_CM * b)
    reached, z, arc = first_crossing(0.0, 0.0, 0.0, pt, 0.0, pt, 1.0, b, r)
    assert reached
    assert arc == pytest.approx(2 * R * np.arcsin(r / (2 * R)))
    assert z == pytest.approx(arc)  # pz = pT
    assert not first_crossing(0.0, 0.0, 0.0, pt, 0.0, 0.0, 1.0, b, 2.01 * R)[0]
    # a track born at r = 30 cm going outwards crosses 40 cm but, moving outward first, also 20 cm later
    reached, _, arc40 = first_crossing(30.0, 0.0, 0.0, 5.0, 0.0, 0.0, -1.0, b, 40.0)
    assert reached and arc40 == pytest.approx(10.0, rel=1e-3)


def test_the_arc_bounds_give_the_same_crossings_as_the_arcsine(card):
    """crosses_from_axis decides most crossings from bounds on the arc length instead of the
    arcsine: it must answer exactly as crosses_between, including tracks that curl just short of
    a layer or cross it right at an end-plate."""
    import numba

    from belle2sim.detector.cdc import axial_layers, crosses_between, crosses_from_axis

    @numba.njit
    def both(vz, px, py, pz, q, field, layers, out):
        for i in range(vz.shape[0]):
            for k in range(layers.shape[0]):
                r, lo, hi = layers[k, 0], layers[k, 1], layers[k, 2]
                out[i, k, 0] = crosses_between(0.0, 0.0, vz[i], px[i], py[i], pz[i], q[i], field, r, lo, hi)
                out[i, k, 1] = crosses_from_axis(vz[i], px[i], py[i], pz[i], q[i], field, r, lo, hi)

    layers = axial_layers(card)
    field = card.doc["cdc"]["magnetic_field_T"]
    rs = np.random.default_rng(3)
    n = 200_000
    pt = 10 ** rs.uniform(-1.3, 0.7, n)  # 0.05-5 GeV: curlers to stiff tracks
    theta = np.arccos(rs.uniform(-1, 1, n))
    phi = rs.uniform(-np.pi, np.pi, n)
    vz = rs.normal(0, 1.0, n)
    out = np.zeros((n, len(layers), 2), dtype=np.bool_)
    both(vz, pt * np.cos(phi), pt * np.sin(phi), pt / np.tan(theta), rs.choice([-1.0, 1.0], n), field, layers, out)
    assert np.array_equal(out[..., 0], out[..., 1])
    # the sample reaches both kinds of failure and success, so the comparison covers them
    crossed = out[..., 0]
    assert 0.2 < crossed.mean() < 0.9
    curled = pt[:, None] < PT_PER_TESLA_CM * field * layers[:, 0] / 2
    assert (~crossed & ~curled).sum() > 1000  # through an end-plate
    assert curled.sum() > 1000


def _random_directions(rs, n):
    """(pt GeV, theta, phi) of n tracks: pt log-uniform in 0.05-5 GeV, isotropic."""
    return 10 ** rs.uniform(-1.3, 0.7, n), np.arccos(rs.uniform(-1, 1, n)), rs.uniform(-np.pi, np.pi, n)


def test_superlayer_counts_equal_the_layer_by_layer_count(card):
    """count_axial_superlayers settles most layers of a track from the axis with multiplications
    (crossing_settled) and makes an off-axis track's circle once for all layers: it must count
    exactly as asking crosses_from_axis / first_crossing layer by layer, also for tracks that
    cross a layer within a micron of an end-plate, where the shortcut has to defer; off-axis tracks
    produced inside every superlayer skip the outer wall's crossing, which never decides for them."""
    import numba

    from belle2sim.detector.cdc import (OUTER_MARGIN_CM, axial_layers, count_axial_superlayers,
                                        crosses_from_axis, crossing_settled)
    from belle2sim.detector.helix import curvature_radius_cm

    @numba.njit
    def reference(vx, vy, vz, px, py, pz, q, field, layers, enough):
        n = 0
        if vx * vx + vy * vy < 1e-4:
            for k in range(layers.shape[0]):
                if not crosses_from_axis(vz, px, py, pz, q, field, layers[k, 0], layers[k, 1], layers[k, 2]):
                    return n
                n += 1
                if n >= enough:
                    return n
            return n
        left, _, arc_out = first_crossing(vx, vy, vz, px, py, pz, q, field, layers[-1, 0] + OUTER_MARGIN_CM)
        for k in range(layers.shape[0]):
            reached, z, arc = first_crossing(vx, vy, vz, px, py, pz, q, field, layers[k, 0])
            if reached and layers[k, 1] <= z <= layers[k, 2] and (not left or arc <= arc_out):
                n += 1
                if n >= enough:
                    return n
        return n

    @numba.njit
    def compare(vx, vy, vz, px, py, pz, q, enough, field, layers, counts, settled):
        for i in range(vx.shape[0]):
            counts[i, 0] = count_axial_superlayers(vx[i], vy[i], vz[i], px[i], py[i], pz[i], q[i], field, layers, enough[i])
            counts[i, 1] = reference(vx[i], vy[i], vz[i], px[i], py[i], pz[i], q[i], field, layers, enough[i])
            pt = np.sqrt(px[i] ** 2 + py[i] ** 2)
            two_r = 2.0 * curvature_radius_cm(pt, field)
            for k in range(layers.shape[0]):
                r, lo, hi = layers[k, 0], layers[k, 1], layers[k, 2]
                answer = crossing_settled(vz[i], r, lo, hi, two_r, 1.0 / two_r, pz[i] / pt)
                exact = crosses_from_axis(vz[i], px[i], py[i], pz[i], q[i], field, r, lo, hi)
                settled[i, k] = answer if answer < 0 or answer == exact else 9  # 9: a wrong shortcut

    layers = axial_layers(card)
    field = card.doc["cdc"]["magnetic_field_T"]
    rs = np.random.default_rng(11)
    n = 120_000
    pt, theta, phi = _random_directions(rs, n)
    vz = rs.normal(0, 1.0, n)
    pz = pt / np.tan(theta)
    # a third of the tracks from the axis are aimed at an end-plate of a random superlayer, missing
    # it by 0 to 1e-4 cm either way (the exact crossing z: arc 2R asin(r / 2R) along pz / pt)
    aimed = rs.random(n) < 1 / 3
    k = rs.integers(0, len(layers), n)
    r = layers[k, 0]
    two_r = 2 * pt / (PT_PER_TESLA_CM * field)
    reach = aimed & (r < two_r)
    arc = two_r[reach] * np.arcsin(r[reach] / two_r[reach])
    plate = np.where(rs.random(reach.sum()) < 0.5, layers[k[reach], 1], layers[k[reach], 2])
    miss = rs.choice([0.0, 1e-9, 1e-8, 1e-7, 1e-6, 2e-6, 1e-4], reach.sum()) * rs.choice([-1.0, 1.0], reach.sum())
    pz[reach] = (plate + miss - vz[reach]) * pt[reach] / arc
    # a third produced off the axis (decays in flight), 0.02-80 cm from it
    off = ~aimed & (rs.random(n) < 0.5)
    radius = np.where(off, rs.uniform(0.02, 80.0, n), 0.0)
    angle = rs.uniform(-np.pi, np.pi, n)
    vx, vy = radius * np.cos(angle), radius * np.sin(angle)
    q = rs.choice([-1.0, 1.0], n)
    enough = rs.integers(1, len(layers) + 1, n).astype(np.float64)
    counts = np.zeros((n, 2), dtype=np.int64)
    settled = np.zeros((n, len(layers)), dtype=np.int64)
    compare(vx, vy, vz, pt * np.cos(phi), pt * np.sin(phi), pz, q, enough, field, layers, counts, settled)
    assert np.array_equal(counts[:, 0], counts[:, 1])
    assert not (settled == 9).any()
    # every kind of answer occurs: crossed, not crossed, deferred near an end-plate; off-axis counts 0-5
    from_axis = ~off
    assert (settled[from_axis] == 1).sum() > 10_000 and (settled[from_axis] == 0).sum() > 10_000
    assert (settled[reach] == -1).sum() > 1000
    assert set(np.unique(counts[off, 0])) >= {0, 1, 2, 3}


def test_off_axis_crossings_settled_without_atan2_are_the_exact_ones(card):
    """crossing_settled_off_axis answers for a track produced inside a superlayer from one arcsine
    per layer: wherever it answers, first_crossing (two atan2 per layer) must agree, also for tracks
    aimed at an end-plate and missing it by 1e-9 to 1e-4 cm, where it has to defer. Its form in
    selections (and the circle's) gives the same answers (and numbers)."""
    import numba

    from belle2sim.detector.cdc import (INSIDE_MARGIN_CM, axial_layers, crossing_settled_off_axis,
                                        crossing_settled_off_axis_lanes, off_axis_circle_lanes)
    from belle2sim.detector.helix import helix_circle
    from belle2sim import fastmath

    @numba.njit(error_model="numpy")
    def compare(vx, vy, vz, px, py, pz, q, field, layers, out):
        inside_r2 = (layers[0, 0] - INSIDE_MARGIN_CM) ** 2
        for i in range(vx.shape[0]):
            pt, R, s, cx, cy, d, _, _, psi0 = helix_circle(vx[i], vy[i], px[i], py[i], q[i], field)
            delta = psi0 - fastmath.atan2(-cy, -cx)
            if delta > np.pi:
                delta -= 2.0 * np.pi
            elif delta < -np.pi:
                delta += 2.0 * np.pi
            # the same numbers in selections, for the vectorised loops of entries.calorimeter_entries
            lanes = off_axis_circle_lanes(vx[i], vy[i], px[i], py[i], pz[i], q[i], field, inside_r2)
            same_circle = lanes[5] and lanes[:5] == (R, s, d, delta, pz[i] / pt)
            for k in range(layers.shape[0]):
                r, lo, hi = layers[k, 0], layers[k, 1], layers[k, 2]
                answer = crossing_settled_off_axis(vz[i], r, lo, hi, R, s, d, delta, pz[i] / pt)
                reached, z, _ = first_crossing(vx[i], vy[i], vz[i], px[i], py[i], pz[i], q[i], field, r)
                exact = 1 if reached and lo <= z <= hi else 0
                out[i, k] = answer if answer < 0 or answer == exact else 9  # 9: a wrong answer
                if not same_circle or crossing_settled_off_axis_lanes(vz[i], r, lo, hi, R, s, d, delta,
                                                                      pz[i] / pt) != answer:
                    out[i, k] = 8  # 8: the selections differ

    layers = axial_layers(card)
    field = card.doc["cdc"]["magnetic_field_T"]
    rs = np.random.default_rng(12)
    n = 100_000
    pt, theta, phi = _random_directions(rs, n)
    q = rs.choice([-1.0, 1.0], n)
    radius = rs.uniform(0.01, layers[0, 0] - INSIDE_MARGIN_CM, n)
    angle = rs.uniform(-np.pi, np.pi, n)
    vx, vy, vz = radius * np.cos(angle), radius * np.sin(angle), rs.normal(0, 2.0, n)
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt / np.tan(theta)
    # half of them aimed at an end-plate of a random superlayer: the arc to it, R (Delta + s delta)
    # (the function's own formula, in NumPy), sets pz so that z misses the plate by 0 to 1e-4 cm
    k = rs.integers(0, len(layers), n)
    R = pt / (PT_PER_TESLA_CM * field)
    s = np.where(q > 0, 1.0, -1.0)
    cx, cy = vx + s * R * py / pt, vy - s * R * px / pt
    d = np.hypot(cx, cy)
    cos_d = (d**2 + R**2 - layers[k, 0] ** 2) / (2 * d * R)
    delta = np.angle(np.exp(1j * (np.arctan2(vy - cy, vx - cx) - np.arctan2(-cy, -cx))))
    arc = R * (np.arccos(np.clip(cos_d, -1, 1)) + s * delta)
    aimed = (rs.random(n) < 0.5) & (np.abs(cos_d) < 0.99)
    plate = np.where(rs.random(n) < 0.5, layers[k, 1], layers[k, 2])
    miss = rs.choice([0.0, 1e-9, 1e-8, 1e-7, 1e-6, 2e-6, 1e-4], n) * rs.choice([-1.0, 1.0], n)
    pz = np.where(aimed, (plate + miss - vz) * pt / arc, pz)
    out = np.zeros((n, len(layers)), dtype=np.int64)
    compare(vx, vy, vz, px, py, pz, q, field, layers, out)
    assert not (out == 9).any() and not (out == 8).any()
    assert (out == 1).sum() > 50_000 and (out == 0).sum() > 50_000  # settled both ways, mostly
    assert (out[aimed & (np.abs(miss) <= 1e-6)] == -1).sum() > 1000  # deferred at the end-plates
    assert (out[~aimed] == -1).mean() < 0.01  # the shortcut settles nearly every other crossing


def test_tracking_counts_every_superlayer_of_displaced_particles_for_the_trigger(card, menu):
    """The tracking stores, for each charged particle produced off the beam axis, every axial
    superlayer it crosses; the CDC trigger reads that count instead of following the circle again.
    It must be the full count (no early stop: the trigger's thresholds are the menu's), -1 for
    neutral particles; the tracks from the axis get theirs from the calorimeter entries (entries.py:
    count_from_axis' count, or -1 where the arcsine settles a superlayer), and the trigger's bits must
    be those of the count made here (displaced pions over the chamber's radii, prompt muons and
    photons beside them)."""
    from belle2sim.detector.cdc import axial_layers, count_axial_superlayers
    from belle2sim.detector.ecl import simulate_ecl
    from belle2sim.detector.tracking import simulate_tracks

    rs = np.random.default_rng(4)
    events = []
    for _ in range(400):
        event = [(13, 1.0, 0.5, 0.3, 1.2), (22, 0.0, 0.8, 0.2, 0.82)]
        for _ in range(2):
            r, a = rs.uniform(0.2, 120.0), rs.uniform(0, 2 * np.pi)
            p = rs.uniform(0.1, 2.0, 3) * rs.choice([-1, 1], 3)
            e = np.sqrt((p ** 2).sum() + 0.1396 ** 2)
            event.append((rs.choice([211, -211]), *p, e, r * np.cos(a), r * np.sin(a), rs.uniform(-50, 50)))
        events.append(event)
    batch = make_batch(events)
    response, charge = pdgdata.classify(batch.pdg)
    tracks = simulate_tracks(batch, response, charge, simulate_ecl(batch, response, card, 5, charge), card, 5)
    layers, field = axial_layers(card), card.doc["cdc"]["magnetic_field_T"]
    off_axis = (batch.vx ** 2 + batch.vy ** 2 >= 1e-4) & (charge != 0)
    expected = [count_axial_superlayers(batch.vx[j], batch.vy[j], batch.vz[j], batch.px[j], batch.py[j], batch.pz[j],
                                        charge[j], field, layers, 5.0) if off_axis[j] else
                stored_count_from_axis(batch.vz[j], batch.px[j], batch.py[j], batch.pz[j], field, layers)
                if charge[j] != 0 else -1
                for j in range(batch.n_particles)]
    assert np.array_equal(tracks.axial_superlayers, expected)
    counts = tracks.axial_superlayers[off_axis]
    assert (counts == 0).any() and (counts == 5).any() and ((counts > 0) & (counts < 5)).any()
    # the trigger reads the stored count: with every displaced pion's count set to zero, the 2D
    # tracks are the prompt muons' only (one per event at most)
    from belle2sim.simulate import add_trigger, simulate_detector

    t2 = np.asarray(simulate_chunk(batch, card, menu, seed=5).bits["t2"])
    chunk = simulate_detector(batch, card, 5)
    chunk.tracks.axial_superlayers[off_axis] = 0
    t2_none = np.asarray(add_trigger(chunk, batch, card, menu, 5).bits["t2"])
    assert (t2 > 1).any() and t2_none.max() <= 1 and (t2_none <= t2).all()
