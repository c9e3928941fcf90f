"""Tracks: finding threshold, resolution pulls, lepton ID vs momentum, charged ECL deposits."""

import numpy as np
import pytest
from scipy import stats

from belle2sim import pdgdata
from belle2sim.detector.ecl import simulate_ecl
from belle2sim.detector.tracking import simulate_tracks
from conftest import make_batch


def particle(pdg, p, theta_deg, phi=0.3):
    m = pdgdata.mass_GeV(pdg)
    t = np.radians(theta_deg)
    return (pdg, p * np.sin(t) * np.cos(phi), p * np.sin(t) * np.sin(phi), p * np.cos(t), np.hypot(p, m))


def run(card, events, seed=2):
    batch = make_batch(events)
    response, charge = pdgdata.classify(batch.pdg)
    dep = simulate_ecl(batch, response, card, seed, charge)
    return batch, dep, simulate_tracks(batch, response, charge, dep, card, seed)


def binomial_ok(k, n, p, z=5):
    return abs(k / n - p) <= z * np.sqrt(p * (1 - p) / n) + 1e-12


def test_finding_threshold_and_plateau(card):
    t = card.doc["tracking"]
    n = 4000
    for pt, expected in [(0.9 * t["min_pt_GeV"], 0.0), (0.5, t["finding_efficiency"])]:
        _, _, trk = run(card, [[particle(13, pt, 90)] for _ in range(n)])
        assert binomial_ok(trk.found.sum(), n, expected), pt
    # outside the CDC polar acceptance nothing is found
    _, _, trk = run(card, [[particle(13, 1.0, 12)] for _ in range(200)])
    assert not trk.found.any()


@pytest.mark.parametrize("pdg,p,theta", [(13, 1.0, 90), (13, 4.0, 50), (211, 0.3, 120)])
def test_momentum_resolution_pulls(card, pdg, p, theta):
    n = 4000
    batch, _, trk = run(card, [[particle(pdg, p, theta)] for _ in range(n)], seed=4)
    ok = trk.found
    pt_true = np.hypot(batch.px, batch.py)[ok]
    pt_reco = np.hypot(trk.px[ok], trk.py[ok])  # momenta are only written for found tracks
    a, b = card.doc["tracking"]["pt_resolution"]
    beta = p / batch.E[ok]
    sigma = pt_true * np.sqrt((a * pt_true) ** 2 + (b / beta) ** 2)
    pull = (pt_reco - pt_true) / sigma
    assert abs(pull.mean()) < 0.1 and abs(pull.std() - 1) < 0.05
    assert stats.kstest(pull, "norm").pvalue > 1e-4
    theta_reco = np.arctan2(pt_reco, trk.pz[ok])
    tpull = (theta_reco - np.radians(theta)) / card.doc["tracking"]["theta_resolution_rad"]
    assert abs(tpull.std() - 1) < 0.05


def test_muon_id_versus_momentum(card):
    k = card.doc["klm"]
    n = 4000
    for p, expected in [(0.5, 0.0), (0.69, 0.0), (1.0, k["muon_efficiency"]), (3.0, k["muon_efficiency"])]:
        _, _, trk = run(card, [[particle(13, p, 80)] for _ in range(n)])
        eff = trk.found.mean()
        assert binomial_ok(trk.muon_id.sum(), n, expected * eff), p
    _, _, trk = run(card, [[particle(211, 2.0, 80)] for _ in range(n)])
    assert binomial_ok(trk.muon_id.sum(), n, k["pion_fake_rate"] * trk.found.mean())
    # forward of the KLM endcap (18 deg) a muon is never identified
    _, _, trk = run(card, [[particle(13, 3.0, 17.5)] for _ in range(300)])
    assert not trk.muon_id.any()


def test_electron_id(card):
    e = card.doc["electron_id"]
    n = 3000
    _, dep, trk = run(card, [[particle(11, 2.0, 80)] for _ in range(n)])
    eop = dep.energy_GeV / 2.0
    assert np.median(eop) == pytest.approx(1.0, abs=0.02)
    assert binomial_ok(trk.electron_id.sum(), n, e["efficiency"] * trk.found.mean(), z=6)
    _, _, trk = run(card, [[particle(13, 2.0, 80)] for _ in range(n)])
    assert not trk.electron_id.any()  # a muon's E/p ~ 0.1 never passes


def test_charged_deposits_and_barrel_reach(card):
    c = card.doc["ecl_charged"]
    n = 2000
    _, dep, _ = run(card, [[particle(13, 2.0, 90)] for _ in range(n)])
    assert np.mean(dep.energy_GeV) == pytest.approx(c["mip_energy_GeV"], rel=0.03)
    # barrel reach: pT > 0.3 B r / 2 = 0.281 GeV at 125 cm (AcceptanceVariables: pT > 0.28 GeV)
    _, dep, _ = run(card, [[particle(13, 0.27, 90)], [particle(13, 0.30, 90)]])
    assert list(dep.region) == [0, 2]
    # a charged deposit sits where the helix enters: phi is bent away from the momentum phi
    _, dep, _ = run(card, [[particle(13, 0.5, 90, phi=0.0)], [particle(-13, 0.5, 90, phi=0.0)]])
    # mu- (pdg 13) turns counter-clockwise seen from +z; the bend is asin(r / 2R) = 0.60 rad
    assert dep.phi_rad[0] == pytest.approx(0.597, abs=0.01) and dep.phi_rad[1] == pytest.approx(-0.597, abs=0.01)


def test_momentum_angles_are_computed_once_and_the_same(card, menu):
    """simulate_ecl computes the momentum angles, pT and p once for the ECL, tracking and trigger
    kernels: the very numbers the per-particle computation gives (tau decays: charged pions,
    photons, neutrinos), and tracks and input bits identical with deposits made by hand."""
    import copy

    from belle2sim.channels import get
    from belle2sim.detector.directions import angles_of, momentum_angles
    from belle2sim.trigger.bits import compute_input_bits

    ch = get("zprime-tautau")
    params = ch.resolve_parameters({"mass_GeV": 4.0}, card)
    batch = ch.generate(5, 0, 3000, params, card)
    response, charge = pdgdata.classify(batch.pdg)
    dep = simulate_ecl(batch, response, card, 5, charge)
    angles = (dep.momentum_theta_rad, dep.momentum_phi_rad)
    used = (batch.status == 1) & ((response != pdgdata.INVISIBLE) | (charge != 0))
    alone = momentum_angles(batch)
    assert used.sum() > 10_000 and (charge[used] != 0).sum() > 3000
    per_particle = np.array([[angles_of(*p) for p in zip(batch.px, batch.py, batch.pz)]]).reshape(-1, 2).T
    for written, computed, single in zip(angles, alone, per_particle):
        assert np.array_equal(written, computed) and np.array_equal(written, single)
    pt = np.sqrt(batch.px * batch.px + batch.py * batch.py)  # (the kernels' formulae, element-wise)
    assert np.array_equal(dep.momentum_pt_GeV, pt)
    assert np.array_equal(dep.momentum_p_GeV, np.sqrt(pt * pt + batch.pz * batch.pz))
    by_hand = copy.copy(dep)  # the same deposits, as if made by hand: the angles are computed
    by_hand.momentum_theta_rad = by_hand.momentum_phi_rad = None
    by_hand.momentum_pt_GeV = by_hand.momentum_p_GeV = None
    assert by_hand.momentum_angles(batch)[0] is not dep.momentum_theta_rad
    given, computed = (simulate_tracks(batch, response, charge, d, card, 5) for d in (dep, by_hand))
    for name, array in vars(given).items():
        assert np.array_equal(array, getattr(computed, name), equal_nan=True), name
    bits = [compute_input_bits(batch, d, charge, given, card, menu, 5).matrix for d in (dep, by_hand)]
    assert np.array_equal(*bits)


def test_tracks_smeared_in_lanes_are_the_draws_formula_to_the_bit(card):
    """The found tracks are smeared in vectorised loops whose normal draws leave the ziggurat's
    rare ones (~2.7 % of draws, ~13 % of tracks) to a second, one-by-one pass: every track's
    momentum and impact parameters must be the resolution formula applied to draws 8 k + 1..5 of
    its event's key (rng.normal, fastmath.sincos), bit for bit in float32, for the tracks with a
    rare draw as for the others; tracks from the axis with their straight-line impact parameters,
    tracks produced off it with their helix's (helix.impact_parameters) and, beyond the VXD, the
    card's CDC-only widths; photons mixed in."""
    import numba

    from belle2sim import fastmath, rng
    from belle2sim.detector.directions import momentum_angles
    from belle2sim.detector.helix import AXIS_TOLERANCE_CM2, impact_parameters, impact_parameters_lanes
    from belle2sim.detector.tracking import (D_SIG_D0, D_SIG_Z0, D_VXD_R, T_A, T_B, T_B_FIELD, T_SIG_D0, T_SIG_PHI,
                                             T_SIG_THETA, T_SIG_Z0)

    @numba.njit
    def formula(seed, numbers, offsets, found, q, px, py, pz, E, vx, vy, vz, theta, phi, tp, disp, out, rare):
        for i in range(offsets.shape[0] - 1):
            key = rng.event_key(seed, numbers[i], rng.STAGE_TRACKS)
            for j in range(offsets[i], offsets[i + 1]):
                if not found[j]:
                    continue
                k = 8 * (j - offsets[i])
                pt = np.sqrt(px[j] * px[j] + py[j] * py[j])
                beta = np.sqrt(pt * pt + pz[j] * pz[j]) / E[j]
                rel = np.sqrt((tp[T_A] * pt) ** 2 + (tp[T_B] / beta) ** 2)
                pt_r = pt * (1.0 + rel * rng.normal(key, k + 1))
                sin_th, cos_th = fastmath.sincos(theta[j] + tp[T_SIG_THETA] * rng.normal(key, k + 2))
                sin_ph, cos_ph = fastmath.sincos(phi[j] + tp[T_SIG_PHI] * rng.normal(key, k + 3))
                sin_phi, cos_phi = fastmath.sincos(phi[j])
                d0_true = vx[j] * sin_phi - vy[j] * cos_phi
                z0_true = vz[j] - (vx[j] * cos_phi + vy[j] * sin_phi) * pz[j] / pt
                sig_d0, sig_z0 = tp[T_SIG_D0], tp[T_SIG_Z0]
                r2 = vx[j] * vx[j] + vy[j] * vy[j]
                if r2 >= AXIS_TOLERANCE_CM2:
                    d0_true, z0_true = impact_parameters(vx[j], vy[j], vz[j], px[j], py[j], pz[j], q[j], tp[T_B_FIELD])
                    if np.sqrt(r2) > disp[D_VXD_R]:
                        sig_d0, sig_z0 = disp[D_SIG_D0], disp[D_SIG_Z0]
                out[j, 0], out[j, 1], out[j, 2] = pt_r * cos_ph, pt_r * sin_ph, pt_r * cos_th / sin_th
                out[j, 3] = d0_true + sig_d0 * rng.normal(key, k + 4)
                out[j, 4] = z0_true + sig_z0 * rng.normal(key, k + 5)
                for m in range(1, 6):
                    rare[j] |= rng.normal_lanes(key, k + m)[1]

    rs = np.random.default_rng(8)
    events = []
    for _ in range(3000):
        event = []
        for _ in range(rs.integers(1, 9)):
            pdg = rs.choice([13, -13, 211, -211, 11, 22])
            p, theta_deg = rs.uniform(0.2, 5.0), rs.uniform(20.0, 150.0)
            spot = (rs.uniform(-0.006, 0.006), rs.uniform(-0.006, 0.006), rs.normal(0.0, 0.4))
            if rs.random() < 0.2:  # produced off the axis, inside and beyond the VXD
                spot = (rs.uniform(0.02, 20.0), rs.uniform(-20.0, 20.0), spot[2])
            event.append(particle(pdg, p, theta_deg, rs.uniform(-np.pi, np.pi)) + spot)
        events.append(event)
    # off the axis along +y (px = 0): its production point lies exactly behind its circle's centre, an
    # input the vector atan2 leaves to atan2 (the tracking then takes impact_parameters one by one)
    events += [[(211, 0.0, 1.0, 0.3, 1.05, 4.0, 1.0, 0.0)] for _ in range(40)]
    batch, _, trk = run(card, events, seed=6)
    theta, phi = momentum_angles(batch)
    expected, rare = np.full((batch.n_particles, 5), np.nan), np.zeros(batch.n_particles, dtype=np.bool_)
    charge = pdgdata.charges(batch.pdg)
    formula(np.uint64(6), batch.number, batch.offsets, trk.found, charge, batch.px, batch.py, batch.pz, batch.E,
            batch.vx, batch.vy, batch.vz, theta, phi, card.tracking_params(), card.displaced_params(), expected, rare)
    r2 = batch.vx ** 2 + batch.vy ** 2
    on_axis, off_axis = trk.found & (r2 < AXIS_TOLERANCE_CM2), trk.found & (r2 >= AXIS_TOLERANCE_CM2)
    assert on_axis.sum() > 8000 and 0.05 < rare[on_axis].mean() < 0.25  # both passes exercised
    assert off_axis.sum() > 1000 and rare[off_axis].any() and off_axis[-40:].any()
    flagged = numba.njit(lambda vx, vy, vz, px, py, pz, q, b: impact_parameters_lanes(vx, vy, vz, px, py, pz, q, b)[2])
    assert flagged(4.0, 1.0, 0.0, 0.0, 1.0, 0.3, 1.0, 1.5) and not flagged(4.0, 1.0, 0.0, 1e-3, 1.0, 0.3, 1.0, 1.5)
    assert (off_axis & (r2 > card.doc["displaced"]["vxd_outer_radius_cm"] ** 2)).sum() > 100
    found = on_axis | off_axis
    for column, values in enumerate((trk.px, trk.py, trk.pz, trk.d0_cm, trk.z0_cm)):
        assert np.array_equal(values[found], expected[found, column].astype(np.float32))
