"""ECL response: acceptance, gaps, resolution pulls, merging, cluster threshold."""

import numba
import numpy as np
import pytest
from scipy import stats

from belle2sim import pdgdata
from belle2sim.detector import ecl
from conftest import make_batch, massless


def _run(card, events, seed=3):
    batch = make_batch(events)
    return batch, ecl.simulate_ecl(batch, pdgdata.response_classes(batch.pdg), card, seed)


@pytest.mark.parametrize("theta_deg,region", [
    (11.0, 0), (13.0, 1), (31.0, 1), (31.8, 2), (32.6, 2), (90.0, 2), (128.0, 2),
    (129.7, 2), (131.5, 3), (154.0, 3), (157.0, 0),
])
def test_regions_and_gaps(card, theta_deg, region):
    """Photons outside 12.4-155.1 deg are lost; in the barrel/endcap gaps (31.4-32.2,
    128.7-130.7 deg) basf2 reconstructs them with the barrel resolution (region 2)."""
    _, dep = _run(card, [[massless(22, 2.0, np.radians(theta_deg))]])
    assert dep.region[0] == region
    assert dep.is_cluster[0] == (region != 0)


def test_invisible_and_neutrinos_leave_nothing(card):
    _, dep = _run(card, [[massless(12, 2.0, 1.5), (4900022, 0.0, 0.0, 1.0, 2.0)]])
    assert not dep.is_cluster.any()


@pytest.mark.parametrize("theta_deg,region", [(20.0, 1), (90.0, 2), (140.0, 3)])
@pytest.mark.parametrize("energy", [0.1, 1.0, 4.0])
def test_resolution_pulls_have_unit_width(card, theta_deg, region, energy):
    n = 4000
    theta, phi = np.radians(theta_deg), 0.3
    _, dep = _run(card, [[massless(22, energy, theta, phi)] for _ in range(n)], seed=17)
    res = card.ecl_resolution
    a = [ecl.resolution(res(q), region, energy) for q in ("energy", "theta", "phi")]
    pulls = {
        "E": (dep.energy_GeV - energy) / (0.01 * a[0] * energy),
        "theta": (dep.theta_rad - theta) / (1e-3 * a[1]),
        "phi": (dep.phi_rad - phi) / (1e-3 * a[2]),
    }
    for name, pull in pulls.items():
        assert abs(pull.mean()) < 5 / np.sqrt(n), name
        assert abs(pull.std() - 1) < 0.05, name
        assert stats.kstest(pull, "norm").pvalue > 1e-4, name


def test_resolution_matches_data_sheet_values(card):
    """Evaluated basf2 parametrisation, data sheet sec. 3: barrel 3.27% at 0.1 GeV, 2.04% at 1,
    1.72% at 7 GeV; barrel sigma_theta 3.8 mrad at 1 GeV, sigma_phi 4.5 mrad at 1 GeV."""
    e = card.ecl_resolution("energy")
    assert ecl.resolution(e, 2, 0.1) == pytest.approx(3.27, abs=0.01)
    assert ecl.resolution(e, 2, 1.0) == pytest.approx(2.04, abs=0.01)
    assert ecl.resolution(e, 2, 7.0) == pytest.approx(1.72, abs=0.01)
    assert ecl.resolution(card.ecl_resolution("theta"), 2, 1.0) == pytest.approx(3.8, abs=0.05)
    assert ecl.resolution(card.ecl_resolution("phi"), 2, 1.0) == pytest.approx(4.5, abs=0.05)
    # below 22 MeV basf2 uses the constant 4.67 % (barrel)
    assert ecl.resolution(e, 2, 0.01) == pytest.approx(4.67, abs=0.01)


def test_close_photons_merge_and_far_ones_do_not(card):
    merge = card.doc["ecl"]["merge_angle_rad"]
    close = [massless(22, 1.0, 1.5, 0.0), massless(22, 0.5, 1.5, 0.3 * merge)]
    far = [massless(22, 1.0, 1.5, 0.0), massless(22, 0.5, 1.5, 5 * merge)]
    _, dep = _run(card, [close, far])
    assert dep.is_cluster[:2].sum() == 1
    assert dep.energy_GeV[:2].sum() == pytest.approx(1.5, rel=0.05)
    assert dep.is_cluster[2:].sum() == 2


def test_cluster_energy_threshold(card):
    threshold = card.doc["ecl"]["cluster_min_energy_GeV"]
    events = [[massless(22, threshold * f, 1.5)] for f in (0.3, 3.0)]
    _, dep = _run(card, events)
    assert not dep.is_cluster[0]
    assert dep.is_cluster[1]


def test_charged_pions_interact_with_the_card_probability(card):
    """A charged pion showers in the ECL with probability 1 - exp(-0.8) (0.8 interaction lengths
    of CsI); otherwise it leaves a MIP deposit near 0.17 GeV."""
    n = 6000
    p = 3.0
    m = pdgdata.mass_GeV(211)
    events = [[(211, 0.0, p, 0.0, np.hypot(p, m))] for _ in range(n)]
    _, dep = _run(card, events, seed=5)
    e = dep.energy_GeV[dep.region > 0]
    mip = np.abs(e - card.doc["ecl_charged"]["mip_energy_GeV"]) < 0.1
    expected = np.exp(-card.doc["ecl_charged"]["hadron_interaction_lengths"])
    # showers deposit 0.2-0.7 of the kinetic energy (0.58-2.0 GeV): well separated from the MIP peak
    assert abs(mip.mean() - expected) < 4 * np.sqrt(expected * (1 - expected) / len(e))


@numba.njit(cache=True)
def _apart_all(theta_1, theta_2, phi_1, phi_2, angle, out):
    far = ecl._far_in_phi(angle)
    for i in range(theta_1.shape[0]):
        out[i] = ecl._apart_in_phi(theta_1[i], theta_2[i], phi_1[i], phi_2[i], far)


def test_pairs_told_apart_by_phi_are_farther_than_the_angle():
    """The merging skips the sines and cosines of pairs that _apart_in_phi says are farther apart
    than the merge angle (plus margin): it must never say so of a pair that is not (the merging
    would then miss it), and it should say so of most pairs that are far apart in phi."""
    rs = np.random.default_rng(5)
    n = 400_000
    angle = 0.0446  # the card's merge angle plus THETA_MARGIN_RAD
    # float32 angles as the deposits store them, over and beyond the ECL's polar range, close in
    # theta (the pairs the theta test lets through), phi differences from 0 to pi, across -pi/pi
    theta_1 = rs.uniform(-0.05, np.pi + 0.05, n).astype(np.float32)
    theta_2 = (theta_1 + rs.uniform(-angle, angle, n)).astype(np.float32)
    phi_1 = rs.uniform(-np.pi, np.pi, n).astype(np.float32)
    dphi = np.where(rs.uniform(size=n) < 0.5, rs.uniform(0.0, 0.3, n), rs.uniform(0.0, np.pi, n))
    phi_2 = np.angle(np.exp(1j * (phi_1 + rs.choice([-1.0, 1.0], n) * dphi))).astype(np.float32)
    apart = np.empty(n, dtype=np.bool_)
    _apart_all(theta_1, theta_2, phi_1, phi_2, angle, apart)
    t1, t2, p1, p2 = (a.astype(np.float64) for a in (theta_1, theta_2, phi_1, phi_2))
    cos_d = np.sin(t1) * np.sin(t2) * np.cos(p1 - p2) + np.cos(t1) * np.cos(t2)
    d = np.arccos(np.clip(cos_d, -1.0, 1.0))
    assert not np.any(apart & (d <= angle))
    assert (d <= angle).sum() > 1000  # (the sample holds pairs to merge)
    inside = (t1 > 0.2) & (t1 < np.pi - 0.2) & (d > 3 * angle)  # inside the ECL's polar range
    assert apart[inside].mean() > 0.8


def test_deposits_merge_as_pair_by_pair(card):
    """The kernel packs each event's deposits and lists each one's neighbours in theta before the
    merge test. Clumps of 2-15 photons (chains of merges, equal energies, neighbours across
    phi = +-pi): the kernel's deposits equal those of the merging done pair by pair in Python (in
    float32 angles, as stored) on its deposits left unmerged (the same draws on a card whose merge
    angle is zero)."""
    import copy

    from belle2sim.detector.card import DetectorCard

    rng = np.random.default_rng(5)
    merge = card.doc["ecl"]["merge_angle_rad"]
    events = []
    for _ in range(40):
        theta0, phi0 = rng.uniform(0.6, 2.4), rng.choice([0.0, np.pi - 0.3 * merge, 1.0])
        n = int(rng.integers(2, 16))
        events.append([massless(22, float(rng.choice([0.2, 0.5, 0.5, 1.3])), theta0 + rng.uniform(-2, 2) * merge,
                                phi0 + rng.uniform(-2, 2) * merge) for _ in range(n)])
    doc = copy.deepcopy(card.doc)
    doc["ecl"]["merge_angle_rad"] = 0.0
    batch, unmerged = _run(DetectorCard(path=card.path, sha256="no merging", doc=doc), events)
    _, merged = _run(card, events)
    energy, region = unmerged.energy_GeV.astype(np.float64), unmerged.region.copy()
    cos_merge, undecided = np.cos(merge), 0
    for i in range(len(events)):
        for j in range(batch.offsets[i], batch.offsets[i + 1]):
            for k in range(j + 1, batch.offsets[i + 1]):
                if region[j] == 0 or region[k] == 0:
                    continue
                t1, t2 = np.float64(unmerged.theta_rad[j]), np.float64(unmerged.theta_rad[k])
                f1, f2 = np.float64(unmerged.phi_rad[j]), np.float64(unmerged.phi_rad[k])
                cos_a = np.sin(t1) * np.sin(t2) * np.cos(f1 - f2) + np.cos(t1) * np.cos(t2)
                undecided += abs(cos_a - cos_merge) < 1e-12  # (rounding would decide: none here)
                if cos_a > cos_merge:
                    hi, lo = (j, k) if energy[j] >= energy[k] else (k, j)
                    energy[hi] += energy[lo]
                    energy[lo], region[lo] = 0.0, 0
    assert undecided == 0
    n_merged = np.count_nonzero(merged.region == 0)
    assert 0.3 * len(region) < n_merged < len(region) - 40  # many merges, and chains of them
    np.testing.assert_array_equal(merged.region, region)
    np.testing.assert_allclose(merged.energy_GeV, energy, rtol=1e-6)


def test_ecl_region_at_every_edge(card):
    """ecl_region (selections, no branch) against the rule read plainly: the first of forward
    endcap, barrel, backward endcap whose closed polar range holds theta, else the barrel for the
    gaps between the endcaps, else none; on a grid over [0, pi], every edge of the card and the
    floats next to it, and NaN (no angle: none)."""
    from belle2sim.detector.ecl import ecl_region

    ranges = card.ecl_region_theta_rad()
    edges = np.unique(ranges)
    theta = np.concatenate([np.linspace(0.0, np.pi, 20001), edges, np.nextafter(edges, 0.0),
                            np.nextafter(edges, 4.0), [np.nan]])
    got = numba.njit(lambda t, r: [ecl_region(x, r) for x in t])(theta, ranges)

    def plain(x):
        for r in range(3):
            if ranges[r, 0] <= x <= ranges[r, 1]:
                return r + 1
        return 2 if ranges[0, 1] < x < ranges[2, 0] else 0

    assert got == [plain(x) for x in theta]
    assert {0, 1, 2, 3} == set(got)
