"""ECL trigger input bits on hand-built deposits, at and around each threshold."""

import numpy as np
import pytest

from belle2sim.detector.ecl import EclDeposits
from belle2sim.detector.tracking import simulate_tracks
from belle2sim.trigger.bits import compute_input_bits
from conftest import make_batch, massless


def lab_from_cm(card, e_cm, theta_cm_deg, phi_cm_deg):
    """(E, theta_deg, phi_deg) in the lab of a massless particle given in the nominal CM."""
    import vector

    t, f = np.radians(theta_cm_deg), np.radians(phi_cm_deg)
    v = vector.obj(px=e_cm * np.sin(t) * np.cos(f), py=e_cm * np.sin(t) * np.sin(f), pz=e_cm * np.cos(t), E=e_cm)
    b = card.beams.boost_vector
    lab = v.boost_beta3(vector.obj(x=b[0], y=b[1], z=b[2]))
    return lab.E, np.degrees(lab.theta), np.degrees(lab.phi)


def bits_for(card, menu, events):
    """Input bits for events given as lists of exact photon deposits (E_lab, theta_deg, phi_deg)."""
    batch = make_batch([[massless(22, e, np.radians(t), np.radians(f)) for e, t, f in ev] or
                        [(12, 0, 0, 1, 1)] for ev in events])
    dep = EclDeposits(batch.n_particles)
    for arr in (dep.energy_GeV, dep.theta_rad, dep.phi_rad, dep.region, dep.is_cluster):
        arr[:] = 0
    j = 0
    for ev in events:
        for e, t, f in ev:
            dep.energy_GeV[j], dep.theta_rad[j], dep.phi_rad[j] = e, np.radians(t), np.radians(f)
            dep.region[j] = 2
            dep.is_cluster[j] = True
            j += 1
        j += 0 if ev else 1
    charge = np.zeros(batch.n_particles)
    tracks = simulate_tracks(batch, np.ones(batch.n_particles, dtype=np.int8), charge, dep, card, 1)
    return compute_input_bits(batch, dep, charge, tracks, card, menu, 1, period="ideal")


@pytest.mark.parametrize("bit,threshold", [("elow", 0.5), ("ehigh", 1.0), ("elum", 3.0)])
def test_energy_sum_thresholds(card, menu, bit, threshold):
    b = bits_for(card, menu, [[(threshold * 0.98, 90, 10)], [(threshold * 1.02, 90, 10)]])
    assert list(b[bit]) == [0, 1]


def test_energy_sum_excludes_extreme_forward_and_backward(card, menu):
    # theta-ID 1 (15 deg), 16 (135 deg), 17 (150 deg) are outside the E_tot sum; 3 (28 deg) is in
    b = bits_for(card, menu, [[(2.0, 15, 0)], [(2.0, 135, 0)], [(2.0, 150, 0)], [(2.0, 28, 0)]])
    assert list(b["ehigh"]) == [0, 0, 0, 1]


def test_tc_threshold_and_cluster_counting(card, menu):
    thr = card.doc["ecl_trigger"]["tc_threshold_GeV"]
    b = bits_for(card, menu, [
        [(0.9 * thr, 90, 0)],                      # below the TC threshold: nothing
        [(0.3, 90, 0), (0.3, 60, 120)],            # two separate clusters
        [(0.3, 90, 0), (0.3, 90, 10)],             # neighbouring TCs in phi: one cluster
        [(0.3, 90, 0), (0.3, 150, 180)],           # backward endcap not in the ICN count
        [(0.3, 70, 0), (0.3, 90, 90), (0.3, 110, 180), (0.3, 40, 270)],
    ])
    assert list(b["clst"]) == [0, 2, 1, 1, 4]


def _b2b_cm(card, e1, e2, theta=80.0, phi=30.0):
    return [lab_from_cm(card, e1, theta, phi), lab_from_cm(card, e2, 180 - theta, phi + 180)]


def test_3d_bhabha_veto(card, menu):
    b = bits_for(card, menu, [
        _b2b_cm(card, 5.2, 5.2),          # both > 3 GeV, one > 4.5 GeV: Bhabha
        _b2b_cm(card, 4.2, 4.2),          # none above 4.5 GeV
        _b2b_cm(card, 5.2, 2.7),          # one below 3 GeV
        [lab_from_cm(card, 5.2, 80, 30), lab_from_cm(card, 5.2, 100, 120)],  # not back-to-back
    ])
    assert list(b["ecl_3dbha"]) == [1, 0, 0, 0]
    assert list(b["bha_veto"]) == [1, 0, 0, 0]
    assert list(b["ehigh"]) == [1, 1, 1, 1]


def test_bhabha_veto_removes_the_vetoed_lines(card, menu):
    """hie = ehigh and !bha_veto: the Bhabha pair fires ehigh but not hie; bha3d (prescaled,
    checked before prescale) is the Bhabha line itself; lume carries no veto."""
    from belle2sim.simulate import simulate_chunk
    from conftest import make_batch, massless

    events = [_b2b_cm(card, 5.2, 5.2), _b2b_cm(card, 4.2, 4.2)]
    batch = make_batch([[massless(22, e, np.radians(t), np.radians(f)) for e, t, f in ev] for ev in events])
    lines = simulate_chunk(batch, card, menu, 1, period="ideal").ftdl
    assert list(lines["hie"]) == [False, True]
    assert list(lines["bha3d"]) == [True, False]
    assert list(lines["lume"]) == [True, True]


def test_ecl_mumu(card, menu):
    b = bits_for(card, menu, [_b2b_cm(card, 0.25, 0.25), _b2b_cm(card, 2.5, 0.25),
                              [lab_from_cm(card, 0.25, 80, 30), lab_from_cm(card, 0.25, 100, 150)]])
    assert list(b["ecl_mumu"]) == [1, 0, 0]


def test_single_photon_lml_bits(card, menu):
    b = bits_for(card, menu, [
        [lab_from_cm(card, 2.2, 90, 0)],    # barrel, > 2 GeV CM: lml1
        [lab_from_cm(card, 1.8, 90, 0)],    # barrel, 1-2 GeV CM: lml6, not lml1
        [(3.0, 23, 0)],                     # theta-ID 2: lml2 (and lml7)
        [(4.0, 15, 0)],                     # theta-ID 1: lml4
        [lab_from_cm(card, 1.8, 90, 0), (0.4, 60, 120)],  # a second cluster > 300 MeV kills lml6
    ])
    assert list(b["lml1"]) == [1, 0, 0, 0, 0]
    assert list(b["lml6"]) == [1, 1, 0, 0, 0]  # >= 1 GeV CM includes the 2.2 GeV photon
    assert list(b["lml2"]) == [0, 0, 1, 0, 0]
    assert list(b["lml7"]) == [0, 0, 1, 0, 0]
    assert list(b["lml4"]) == [0, 0, 0, 1, 0]
    assert list(b["lml11"]) == [0, 1, 0, 0, 1]
    assert list(b["lml3"]) == [0] * 5 and list(b["lml5"]) == [0] * 5


def test_pair_lml_bits(card, menu):
    high = [lab_from_cm(card, 0.8, 70, 0), lab_from_cm(card, 0.8, 110, 180)]
    e_lab = [high[0][0], high[1][0]]
    assert min(e_lab) > 0.25
    low = [(0.2, high[0][1], high[0][2]), high[1]]
    b = bits_for(card, menu, [high, low, [lab_from_cm(card, 0.8, 70, 0), lab_from_cm(card, 0.8, 110, 90)]])
    assert list(b["lml8"]) == [1, 0, 0]
    assert list(b["lml9"]) == [0, 1, 0]
    assert list(b["lml10"]) == [1, 1, 0]


def test_multi_cluster_lml_bits(card, menu):
    three = [(0.35, 60, 0), (0.2, 90, 120), (0.2, 110, 240)]
    b = bits_for(card, menu, [
        three,                                            # lml0: 3 clusters, one > 300 MeV
        [(0.25, 60, 0), (0.2, 90, 120), (0.2, 110, 240)],  # none > 300 MeV
        [(0.6, 60, 0), (0.2, 90, 120), (0.2, 110, 240)],   # lml12: one > 500 MeV in theta-ID 2-16
        [lab_from_cm(card, 0.7, 75, 0)],                  # lml13: theta-ID 6-11, > 0.5 GeV CM, alone
        [lab_from_cm(card, 0.7, 75, 0), (0.35, 120, 180)],  # ... not alone
    ])
    assert list(b["lml0"]) == [1, 0, 1, 0, 0]
    assert list(b["lml12"]) == [0, 0, 1, 0, 0]
    assert list(b["lml13"]) == [0, 0, 1, 1, 0]  # event 2: the 0.6 GeV cluster is alone above 0.3


def test_deposits_in_different_rings_never_share_a_cell(card, menu):
    """Two photons at the same azimuth in non-adjacent rings (60 and 100 deg) are two trigger
    cells and two clusters; in one ring and neighbouring phi they are one cluster."""
    b = bits_for(card, menu, [[(0.5, 60, 47), (0.5, 100, 47)], [(0.5, 100, 47), (0.5, 60, 47)],
                              [(0.5, 90, 47), (0.5, 90, 52)]])
    assert list(b["clst"]) == [2, 2, 1]


def test_events_of_many_particles_find_the_same_cells(card, menu):
    """An event of more than MANY_PARTICLES particles finds each deposit's trigger cell in a table,
    a smaller one by comparing with the cells made before: the same deposits, alone or beside
    empty particles, give the same bits (deposits sharing a cell, neighbouring cells and rings)."""
    from belle2sim.trigger.ecl_bits import MANY_PARTICLES

    rng = np.random.default_rng(7)
    events = [[(float(rng.uniform(0.02, 1.5)), float(rng.choice([40, 60, 61, 90, 91, 120])),
                float(rng.choice([0, 1, 5, 10, 47, 180, 181]))) for _ in range(rng.integers(2, MANY_PARTICLES + 1))]
              for _ in range(400)]
    events = [ev[:-2] + _b2b_cm(card, 5.0, 4.5) if k % 4 == 0 else ev for k, ev in enumerate(events)]
    padded = [ev + [(0.0, 90, 0)] * (MANY_PARTICLES + 1 - len(ev)) for ev in events]
    few, many = bits_for(card, menu, events), bits_for(card, menu, padded)
    assert max(few["clst"]) >= 3 and 0.1 < np.mean(few["ecl_3dbha"]) < 0.5  # clusters and Bhabha pairs
    np.testing.assert_array_equal(few.matrix, many.matrix)


def test_the_ring_look_up_answers_as_the_binary_search(card):
    """The trigger cell's ring comes from a table of polar-angle cells; cells that hold a ring
    boundary or a gap's midpoint defer to the search. Checked on random angles, on every edge
    and gap midpoint, and one float32 step either side of them (deposit angles are float32)."""
    import numba

    from belle2sim.trigger.ecl_bits import _ring_of, _ring_of_cell
    from belle2sim.trigger.ecl_tc_tables import ring_lookup

    @numba.njit
    def both(thetas, cells, per_rad, edges, out):
        for i in range(thetas.shape[0]):
            out[i, 0] = _ring_of(thetas[i], edges)
            out[i, 1] = _ring_of_cell(thetas[i], cells, per_rad, edges)

    edges = card.tc_theta_edges_rad()
    cells, per_rad = ring_lookup(edges)
    special = np.concatenate([edges.ravel(), 0.5 * (edges[:-1, 1] + edges[1:, 0])]).astype(np.float32)
    thetas = np.concatenate([np.random.default_rng(4).uniform(-0.05, np.pi + 0.05, 300_000).astype(np.float32),
                             special, np.nextafter(special, np.float32(0)), np.nextafter(special, np.float32(4))])
    out = np.empty((len(thetas), 2), dtype=np.int64)
    both(thetas, cells, per_rad, edges, out)
    assert np.array_equal(out[:, 0], out[:, 1])
    assert 0 < (cells < 0).sum() < 0.02 * len(cells)  # the table decides almost every cell


@pytest.mark.parametrize("bin_deg", [10.0, 7.5, 3.0])
def test_cluster_phi_tables_are_the_kernels_numbers(card, bin_deg):
    """The GRL reads each trigger cluster's phi and TSIM phi bin from tables made in Python: bit
    for bit what the kernel computed per cluster, checked against that computation compiled (a
    segment index of the kernel's int16 type, every ring and segment of the card)."""
    import numba

    from belle2sim.trigger.grl_bits import cluster_phi_tables
    from belle2sim.trigger.phi_bins import phi_bin

    @numba.njit
    def compiled(segments, offsets, bin_deg, phi, bins):
        for r in range(segments.shape[0]):
            for k in range(segments[r]):
                value = (np.int16(k) + 0.5) * 2.0 * np.pi / segments[r] - np.pi + offsets[r]
                phi[r, k] = value - 2.0 * np.pi if value > np.pi else value
                bins[r, k] = phi_bin(phi[r, k], bin_deg)

    segments, offsets = card.tc_phi_segments(), card.tc_phi_offsets_rad()
    phi, bins = cluster_phi_tables(segments, offsets, bin_deg)
    ref_phi, ref_bins = np.full_like(phi, np.nan), np.zeros_like(bins)
    compiled(segments, offsets, bin_deg, ref_phi, ref_bins)
    assert np.array_equal(phi, ref_phi, equal_nan=True) and np.array_equal(bins, ref_bins)
    assert np.all(np.abs(phi[~np.isnan(phi)]) <= np.pi)
    assert np.abs(bins).max() < 180 / bin_deg < len(np.unique(bins))  # truncation toward zero: bin 0 is twice as wide


def test_two_menus_on_one_card_keep_their_own_trigger_kernel_arguments(tmp_path, card, menu):
    """The trigger kernels' arguments are gathered once per (menu, period) and kept on the card:
    a second menu with another ehigh threshold, used in turn with the first, gets its own."""
    from belle2sim import resources
    from belle2sim.trigger.menu import load_menu

    text = resources.shipped("trigger", "belle2_l1.toml").read_text()
    assert "ehigh_threshold_GeV = 1.0 " in text
    path = tmp_path / "menu.toml"
    path.write_text(text.replace("ehigh_threshold_GeV = 1.0 ", "ehigh_threshold_GeV = 3.5 "))
    other = load_menu(path)
    events = [[(1.5, 90, 10)], [(4.0, 90, 10)]]
    for _ in range(2):
        assert list(bits_for(card, menu, events)["ehigh"]) == [1, 1]
        assert list(bits_for(card, other, events)["ehigh"]) == [0, 1]


def test_trigger_scratch_is_reused_for_equal_lengths_and_made_anew_for_others():
    """scratch_arrays: the same views for the same length (one look-up per chunk), new views of
    the right length and types otherwise, and each thread its own."""
    import threading

    from belle2sim._workspace import scratch_arrays

    types = (np.int8, np.float32, np.float64)
    a = scratch_arrays("test_set", 100, types)
    assert [x.dtype for x in a] == [np.dtype(t) for t in types] and all(len(x) == 100 for x in a)
    assert all(x is y for x, y in zip(a, scratch_arrays("test_set", 100, types)))
    b = scratch_arrays("test_set", 250, types)
    assert all(len(x) == 250 for x in b)
    other = []
    thread = threading.Thread(target=lambda: other.append(scratch_arrays("test_set", 250, types)))
    thread.start()
    thread.join()
    assert not any(np.shares_memory(x, y) for x, y in zip(b, other[0]))


@pytest.mark.parametrize("min_dphi_deg", [160.0, 170.0, 90.0, 0.0, 180.0, 200.0])
def test_the_pair_window_never_skips_a_pair_the_exact_test_keeps(min_dphi_deg):
    """The cluster-pair loop tests only pairs whose azimuths lie strictly inside
    _pair_window_rad's (near, far): every pair outside it must fail dphi > min_dphi exactly as the
    kernel computes dphi (random c.m. azimuths, and differences a few ulps around both edges,
    where the rounding of the degrees' conversion decides); nearly all failing pairs are skipped."""
    import numba

    from belle2sim.trigger.ecl_bits import _dphi_deg, _pair_window_rad

    @numba.njit
    def outcome(a, b, m, out):
        near, far = _pair_window_rad(m)
        for i in range(a.shape[0]):
            x = abs(a[i] - b[i])
            out[i, 0] = (x > near) & (x < far)  # tested by the kernel
            out[i, 1] = _dphi_deg(a[i], b[i]) > m  # passes the exact test

    rng = np.random.default_rng(11)
    n_random = 400_000
    a, b = [rng.uniform(-np.pi, np.pi, n_random)], [rng.uniform(-np.pi, np.pi, n_random)]
    steps = np.arange(-2000, 2001) * 4 * np.finfo(float).eps  # relative steps around each edge
    for edge in np.radians([min_dphi_deg, 360.0 - min_dphi_deg]):
        if 0.0 < edge < 2.0 * np.pi * (1.0 - 1e-6):
            start = rng.uniform(-np.pi, np.pi - edge * (1.0 + 1e-6), len(steps))
            a.append(start)
            b.append(start + edge * (1.0 + steps))
    a, b = np.concatenate(a), np.concatenate(b)
    out = np.empty((len(a), 2), dtype=np.bool_)
    outcome(a, b, min_dphi_deg, out)
    tested, passes = out[:, 0], out[:, 1]
    assert not np.any(passes & ~tested)  # no pair that passes is ever skipped
    failing = ~passes[:n_random]
    if failing.sum() > 1000:
        assert (tested[:n_random] & failing).sum() < 0.001 * failing.sum()
    if 0.0 < min_dphi_deg < 180.0:
        assert 0.01 < passes[:n_random].mean() < 0.99
        edge_pairs = passes[n_random:]
        assert 0.2 < edge_pairs.mean() < 0.8  # the edges were hit: both outcomes there


@pytest.fixture(scope="module")
def menu_counting_every_ring(tmp_path_factory):
    """The menu with clst counting the clusters of every theta ring (1-17, as TSIM's GRL-old does;
    the shipped menu follows the hardware's 2-15): every cluster of an event shows in clst."""
    from belle2sim import resources
    from belle2sim.trigger.menu import load_menu

    text = resources.shipped("trigger", "belle2_l1.toml").read_text()
    assert text.count("icn = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]") == 1
    path = tmp_path_factory.mktemp("menu") / "menu.toml"
    path.write_text(text.replace("icn = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]", "icn = " + str(
        list(range(1, 18)))))
    return load_menu(path)


# clump centres (theta, phi deg), two far apart per event: the barrel (one segmentation), the
# endcaps (16 / 32 cells per ring), and the gaps, where 32 cells meet 36 with another phi offset
@pytest.mark.parametrize("centres", [((65, 0), (105, 180)), ((21, 30), (141, 200)), ((31, 90), (128, 270))])
def test_events_of_many_cells_cluster_as_their_parts(card, menu_counting_every_ring, centres):
    """Events of more than MANY_CELLS trigger cells find each cell's touching neighbours in a
    table, smaller ones test each pair: two clumps of cells far apart, each of at most MANY_CELLS
    cells, make as many clusters together (the table) as apart (each pair in turn)."""
    from belle2sim.trigger.ecl_bits import MANY_CELLS

    rng = np.random.default_rng(9)

    def clump(theta, phi):
        n = int(rng.integers(MANY_CELLS // 2 + 1, MANY_CELLS + 1))
        return [(0.3, theta + rng.uniform(-12, 12), phi + rng.uniform(-25, 25)) for _ in range(n)]

    pairs = [(clump(*centres[0]), clump(*centres[1])) for _ in range(150)]
    together = bits_for(card, menu_counting_every_ring, [a + b for a, b in pairs])
    apart = bits_for(card, menu_counting_every_ring, [ev for pair in pairs for ev in pair])
    counts = np.asarray(apart["clst"]).reshape(-1, 2)
    assert np.array_equal(np.asarray(together["clst"]), counts.sum(axis=1))
    assert counts.max() > counts.min() >= 1 and np.mean(counts.sum(axis=1) > MANY_CELLS // 2) > 0.3



def test_fired_neighbours_through_ring_masks_cluster_as_the_table(monkeypatch, card, menu_counting_every_ring):
    """Busy events find each fired cell's fired neighbours through bit masks of the rings below, its
    own and above (ecl_tc_tables.tc_near_masks); a card with more than 64 cells in a ring has no
    masks and reads the neighbour table: both give every ECL bit of the same events (clumps in the
    barrel, the endcaps and the gaps, energies about the TC threshold), and the masks hold exactly
    the table's neighbours."""
    from belle2sim.detector.card import load_card
    from belle2sim.trigger import ecl_tc_tables
    from belle2sim.trigger.bits import ECL_BITS

    segments = card.tc_phi_segments()
    table = ecl_tc_tables.tc_neighbours(segments, card.tc_phi_offsets_rad())
    masks = ecl_tc_tables.tc_near_masks(table, segments)
    first = np.concatenate([[0], np.cumsum(segments)])
    ring = np.repeat(np.arange(len(segments)), segments)
    from_masks = [{int(first[ring[t] - 1 + m] + f) for m in range(3) for f in range(64) if int(masks[t, m]) >> f & 1}
                  for t in range(len(table))]
    assert from_masks == [{int(u) for u in row if u >= 0} for row in table]
    rng = np.random.default_rng(4)
    events = [[(rng.uniform(0.05, 0.4), theta + rng.uniform(-15, 15), phi + rng.uniform(-40, 40))
               for _ in range(int(rng.integers(7, 25)))]
              for theta, phi in [((65, 0), (21, 30), (31, 90), (141, 200), (128, 270))[k % 5] for k in range(400)]]
    by_masks = bits_for(card, menu_counting_every_ring, events)
    monkeypatch.setattr(ecl_tc_tables, "RING_MASK_BITS", 8)
    plain = load_card()  # (its tables made anew, without masks)
    by_table = bits_for(plain, menu_counting_every_ring, events)
    assert plain is not card and plain.cached("tc_lut", None)[-1].shape == (0, 3)
    for bit in ECL_BITS:
        assert np.array_equal(np.asarray(by_masks[bit]), np.asarray(by_table[bit])), bit
    assert np.mean(np.asarray(by_masks["clst"]) > 1) > 0.3

def test_tc_neighbours_are_the_cells_the_touching_test_joins(card):
    """The table of each cell's touching neighbours holds exactly the pairs of cells in the same or
    neighbouring theta rings that the kernel's test joins (centres at most half their widths'
    sum apart around the circle, made here one pair at a time in Python floats); the relation is
    symmetric, a barrel cell touches 3 + 2 + 3 cells, and cells meeting only at a corner (ring 1's
    22.5 deg cells and ring 2's 11.25 deg ones) touch."""
    import math

    from belle2sim.trigger.ecl_bits import TOUCH_MARGIN_RAD
    from belle2sim.trigger.ecl_tc_tables import tc_neighbours

    segments, offsets = card.tc_phi_segments(), card.tc_phi_offsets_rad()
    table = tc_neighbours(segments, offsets)
    first = np.concatenate([[0], np.cumsum(segments)])
    cells = [(r, f) for r in range(len(segments)) for f in range(segments[r])]
    width = [2.0 * math.pi / int(n) for n in segments]
    pairs = set()
    for t, (r, f) in enumerate(cells):
        for u, (r2, f2) in enumerate(cells):
            if t == u or abs(r - r2) > 1:
                continue
            d = abs(((f + 0.5) * width[r] + offsets[r]) - ((f2 + 0.5) * width[r2] + offsets[r2]))
            if min(d, 2.0 * math.pi - d) <= 0.5 * (width[r] + width[r2]) + TOUCH_MARGIN_RAD:
                pairs.add((t, u))
    listed = {(t, int(u)) for t in range(len(cells)) for u in table[t] if u >= 0}
    assert listed == pairs and all((u, t) in listed for t, u in listed)
    counts = (table >= 0).sum(axis=1)
    assert set(counts[first[4]:first[14]]) == {8}  # (barrel rings between barrel rings)
    # the forward endcap's first ring: 16 cells of 22.5 deg over 32 of 11.25 deg, the same edges:
    # two cells under it, and one at each corner
    assert set(counts[:16]) == {2 + 4}


@pytest.mark.parametrize("window", [(16, 20), (0, 2), (1, 1), (5, 40), (3.5, 17.2)])
def test_d5_p5_from_bin_masks_equal_the_pair_loop(card, window):
    """The GRL finds d5 and p5 through 64-bit masks of its clusters' phi bins where the bins fit
    (10 deg: 39 bins with a margin); the pair loop is kept for finer bins. On 4000 random events
    (0-12 clusters, some sharing a bin; 0-8 tracks, each feeding one of them, none (-1, -2) or
    curling (-1000)), with the card's real cluster bins, both give the same bits: windows that
    include |delta bin| = 0 (clusters in one bin, a track against its own cluster's bin), a width
    of one, wider than the bins, fractional edges."""
    from belle2sim.trigger.grl_bits import _d5_p5_masks, _d5_p5_pairs, cluster_phi_tables
    from belle2sim.trigger.phi_bins import bin_windows, phi_bin_count

    bin_deg = 10.0
    n_bins = phi_bin_count(bin_deg)
    segments, offsets = card.tc_phi_segments(), card.tc_phi_offsets_rad()
    _, cluster_bin = cluster_phi_tables(segments, offsets, bin_deg)
    lo, hi = float(window[0]), float(window[1])
    windows = bin_windows(lo, hi, n_bins)
    rng = np.random.default_rng(11)
    n_slots = 40
    w_ring = rng.integers(0, len(segments), n_slots).astype(np.int16)
    w_phi = np.array([rng.integers(0, segments[r]) for r in w_ring], dtype=np.int16)
    w_phi[1::4] = w_phi[0::4]  # (neighbouring slots often share a segment, so a bin)
    w_ring[1::4] = w_ring[0::4]
    head_bin = np.empty(n_slots, dtype=np.int64)
    found = np.zeros((2, 2), dtype=np.int64)
    for _ in range(4000):
        n_heads, n_trk = rng.integers(0, 13), rng.integers(0, 9)
        w_head = rng.permutation(n_slots)[:n_heads].astype(np.int64)
        choices = np.concatenate([w_head, [-1, -2]])
        own = rng.choice(choices, n_trk).astype(np.int64)
        face = rng.integers(-18, 19, n_trk).astype(np.int64)
        face[rng.random(n_trk) < 0.1] = -1000
        masks = _d5_p5_masks(0, n_heads, n_trk, w_head, w_ring, w_phi, cluster_bin, own, face, windows, windows,
                             n_bins)
        pairs = _d5_p5_pairs(0, n_heads, n_trk, w_head, w_ring, w_phi, cluster_bin, own, face, head_bin, lo, hi, lo,
                             hi)
        assert tuple(masks) == tuple(pairs), (w_head, own, face)
        found[0, pairs[0]] += 1
        found[1, pairs[1]] += 1
    assert found.min() > 50  # both answers met for both bits


@pytest.mark.parametrize("bin_deg", [10.0, 7.5, 6.0, 3.0])
def test_the_grl_bin_range_holds_every_azimuth(bin_deg):
    """The masks' bin range (2 (int(180 / bin) + 1) + 1 bins, centred) holds the bin of every
    azimuth in [-pi, pi], the float edges included; 10 deg bins fit a 64-bit mask, 3 deg not."""
    import numba

    from belle2sim.trigger.phi_bins import phi_bin, phi_bin_count

    n_bins = phi_bin_count(bin_deg)
    phi = np.concatenate([np.linspace(-np.pi, np.pi, 100001), [np.nextafter(np.pi, 0), -np.nextafter(np.pi, 0)]])
    bins = numba.njit(lambda p, b: [phi_bin(x, b) for x in p])(phi, bin_deg)
    assert max(abs(b) for b in bins) <= n_bins // 2 - 1
    assert (n_bins <= 64) == (bin_deg >= 6.0)
