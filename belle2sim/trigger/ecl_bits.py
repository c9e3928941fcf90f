"""ECL trigger input bits (the TSIM definitions of basf2 TrgEclMaster.cc), as a numba kernel.

Deposits are summed into trigger cells (TCs: 17 theta rings x phi segments, from the card);
a TC fires above the card's TC threshold. Touching fired TCs form one trigger cluster whose
energy is their sum and whose position is its most energetic TC. CM energies and angles use the
nominal beam boost, through per-TC look-up tables as in the hardware. From these:

* E_tot = sum of fired TCs in theta-ID ``energy_sum_theta_ids`` (lab): elow / ehigh / elum.
* clst = number of clusters in theta-ID ``icn`` (menu): the ECL's isolated-cluster number
  getICNFwBr() counts theta-ID 2-15 ("except for the most inner", newest TrgEclCluster.cc);
  TSIM's GRL-old instead counts the TRGECLCluster array over theta-ID 1-17. The menu follows
  the ECL hardware definition (2-15); a menu study may set 1-17.
* ecl_3dbha (= bha_veto): a cluster pair back-to-back in the CM (dphi, theta sum windows) with
  both CM energies above the lower and one above the upper veto threshold.
* bha_intrk: either cluster of the 3D Bhabha pair lies in theta-ID ``bha_intrk`` (newest
  TrgEclBhabha::getBhabha01, m_3DBhabhaVetoInTrackThetaRegion = {3, 15}; older basf2 versions
  asked for both).
* ecl_mumu: back-to-back pair, both clusters below ``mumu_max_energy_GeV`` (CM). The direction of
  this cut is our reading of TrgEclBhabha::getmumu (muons are minimum-ionising).
* lml0-lml13: the low-multiplicity bits exactly as coded in TrgEclMaster::makeLowMultiTriggerBit
  (lml3 and lml5 are the 3D-Bhabha-*tagged* versions of lml2 and lml4, as in the code; the header
  comment repeats lml2's text for lml3).

TC phi boundaries: ring r's first TC starts at ``phi_offset_deg[r]`` (card; barrel 2.5 deg from
TrgEclMapping::getTCPosition). Deposits in the ECL barrel-endcap gaps feed the nearer ring.

Not modelled: timing windows, the 6-cluster readout limit, the 2D (Belle-type) Bhabha bits,
TSIM's ICN pattern (a TC counts if neither its upper nor left neighbour fires; we take
connected components, so diagonal neighbours form one cluster), the 4-bit quantisation of the
lab/CM energy look-up table (thresholds differ by <= 6 %), shower spreading over TCs.
"""

import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

from belle2sim._jit import inline, ix, range_kernel

ECL_BITS = ("elow", "ehigh", "elum", "clst", "ecl_3dbha", "ecl_mumu", "bha_intrk") + tuple(f"lml{i}" for i in range(14))
N_ECL_BITS = len(ECL_BITS)

# packed float parameters
(P_ELOW, P_EHIGH, P_ELUM, P_BV_DPHI, P_BV_TSUM_LO, P_BV_TSUM_HI, P_BV_E_LO, P_BV_E_HI,
 P_MM_DPHI, P_MM_TSUM_LO, P_MM_TSUM_HI, P_MM_E_MAX, P_LAB0, P_LAB1, P_LAB2, P_CM0, P_CM1, P_CM2,
 P_LML8_DPHI, P_LML10_DPHI, P_LML10_TSUM_LO, P_LML10_TSUM_HI, P_TC_THRESHOLD) = range(23)
N_PARAMS = 23
# theta-ID sets (rows of a boolean mask indexed by theta-ID 1..17)
SETS = ("energy_sum", "icn", "lml1", "lml2", "lml4", "lml6", "lml7", "lml12", "lml13", "bha_intrk")
(S_ESUM, S_ICN, S_LML1, S_LML2, S_LML4, S_LML6, S_LML7, S_LML12, S_LML13, S_INTRK) = range(len(SETS))


@inline
def _ring_of(theta, edges):
    """TC theta ring index 0..16 containing theta (nearest ring if theta fell between rings)."""
    n = edges.shape[0]
    lo, hi = 0, n  # binary search: last ring whose lower edge is <= theta
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if edges[mid, 0] <= theta:
            lo = mid
        else:
            hi = mid
    r = lo
    if theta < edges[r, 0] or theta < edges[r, 1] or r == n - 1:
        return r
    # in a gap between ring r and r + 1: take the nearer one
    return r if theta - edges[r, 1] < edges[r + 1, 0] - theta else r + 1


@inline
def _head(label, j):
    """Head slot of j's cluster (union-find root), halving the path on the way."""
    while label[ix(j)] != j:
        label[ix(j)] = label[ix(label[ix(j)])]
        j = label[ix(j)]
    return j


@inline
def _union(label, energy, j, k):
    """Join the clusters of cells j and k: the head with more energy heads both (equal: j's)."""
    hj, hk = _head(label, j), _head(label, k)
    if hj != hk:
        if energy[ix(hj)] >= energy[ix(hk)]:
            label[ix(hk)] = hj
        else:
            label[ix(hj)] = hk


@inline
def _dphi_deg(a, b):
    d = abs(a - b) * 180.0 / np.pi
    return 360.0 - d if d > 180.0 else d


PAIR_WINDOW_MARGIN = 1e-9  # relative; the rounding of _dphi_deg is ~4e-16


@inline
def _pair_window_rad(min_dphi_deg):
    """(near, far) in radians: two azimuths |a - b| <= near or >= far apart certainly give
    _dphi_deg(a, b) <= min_dphi_deg (widened by a margin far above the rounding), so only pairs
    strictly in between need the exact test."""
    return (min_dphi_deg * np.pi / 180.0 * (1.0 - PAIR_WINDOW_MARGIN),
            (360.0 - min_dphi_deg) * np.pi / 180.0 * (1.0 + PAIR_WINDOW_MARGIN))


MANY_CELLS = 6  # events with more find each cell's touching neighbours in a table
TOUCH_MARGIN_RAD = 1e-9  # two cells touch up to this far apart (the rounding of their centres: 1e-15 rad)
MANY_PARTICLES = 12  # events with more particles find their deposits' cells in a table


@inline
def _ring_of_cell(theta, cells, per_rad, edges):
    """:func:`_ring_of` through the look-up of :func:`ecl_tc_tables.ring_lookup` (the search where it
    says -1)."""
    if theta >= 0.0:
        c = int(theta * per_rad)
        if c < cells.shape[0] and cells[c] >= 0:
            return np.int64(cells[c])
    return _ring_of(theta, edges)


@range_kernel("offsets")
def ecl_trigger_bits(begin, end, offsets, dep_E, dep_theta, dep_phi, dep_region, ring_edges, phi_segments,
                     phi_offsets, tc_first, tc_cm_factor, tc_theta_cm, tc_phi_cm, ring_cells, cells_per_rad,
                     tc_neighbours, tc_near_masks, params, sets, w_ring, w_phi, w_E,
                     w_label, w_ecm, w_tcm, w_pcm, w_centre, w_head, dep_tc, event_cells, bits):
    """Fill ``bits`` (n_events, N_ECL_BITS). ``w_*`` are scratch arrays, one slot per particle;
    after the call, slots [start, start + n) of an event hold its trigger cells, w_label the
    slot of each cell's cluster head (-1: cell below threshold), dep_tc[j] the cell slot
    that particle j's deposit went to (-1: none); event_cells[i, :2] the head slots of the 3D
    Bhabha cluster pair (-1 if none), for the GRL track-Bhabha veto, and event_cells[i, 2] the
    number of the event's clusters (for the GRL's cluster loops over w_head). w_centre (float64
    scratch): phi centre of each fired cell. w_head, w_ecm, w_tcm, w_pcm: the event's cluster heads
    packed at the front of its slots (slot, c.m. energy, theta, phi), for the pair loop and the GRL.
    ``tc_neighbours``: the TCs each TC touches (ecl_tc_tables.tc_neighbours, -1 padded), and as bit
    masks of the rings below, its own and above (ecl_tc_tables.tc_near_masks; no rows: the table)."""
    min_dphi = min(params[P_LML8_DPHI], params[P_LML10_DPHI], params[P_BV_DPHI], params[P_MM_DPHI])
    near_rad, far_rad = _pair_window_rad(min_dphi)
    # one cluster's partners that may pass, or one cell's touching neighbours (grown if needed)
    partners = np.empty(max(64, tc_neighbours.shape[1]), dtype=np.int64)
    # the thresholds as local numbers: LLVM cannot keep array elements in registers across the
    # kernel's stores (they might alias), and the cluster loops read them per cluster and per pair
    lab0, lab1, lab2, cm0, cm1, cm2 = (params[P_LAB0], params[P_LAB1], params[P_LAB2], params[P_CM0],
                                       params[P_CM1], params[P_CM2])
    lml8_dphi, lml10_dphi, lml10_lo, lml10_hi = (params[P_LML8_DPHI], params[P_LML10_DPHI],
                                                 params[P_LML10_TSUM_LO], params[P_LML10_TSUM_HI])
    bv_dphi, bv_lo, bv_hi, bv_e_lo, bv_e_hi = (params[P_BV_DPHI], params[P_BV_TSUM_LO], params[P_BV_TSUM_HI],
                                               params[P_BV_E_LO], params[P_BV_E_HI])
    mm_dphi, mm_lo, mm_hi, mm_e_max = params[P_MM_DPHI], params[P_MM_TSUM_LO], params[P_MM_TSUM_HI], params[P_MM_E_MAX]
    tc_threshold = params[P_TC_THRESHOLD]
    ring_width = np.empty(phi_segments.shape[0])  # phi width of a ring's cells
    for r in range(phi_segments.shape[0]):
        ring_width[r] = 2.0 * np.pi / phi_segments[r]
    # each cell's slot in the event being made (-1: none yet), for events of many particles: a
    # deposit then finds its cell by one look-up instead of comparing it with every cell made
    # before it (q qbar events: 1.65 -> 1.56 us); the few deposits of other events compare
    slot_of_tc = np.full(tc_first[-1], -1, dtype=np.int64)
    # a busy event's fired cells, one word of phi-segment bits per ring (and an empty one on each side)
    by_masks = tc_near_masks.shape[0] > 0
    fired_rings = np.zeros(phi_segments.shape[0] + 2, dtype=np.uint64)
    for i in range(np.uint64(begin), np.uint64(end)):
        start, stop = offsets[i], offsets[i + 1]
        many = stop - start > MANY_PARTICLES
        # 1. deposits -> trigger cells, packed at the front of the event's scratch slots
        # (later loops run over the few fired cells, not over every particle of the event)
        n_tc = 0
        for j in range(np.uint64(start), np.uint64(stop)):  # (unsigned: no wrap-around test per index)
            dep_tc[j] = -1
            w_label[j] = -1
            if dep_region[j] == 0 or dep_E[j] <= 0.0:
                continue
            r = _ring_of_cell(dep_theta[j], ring_cells, cells_per_rad, ring_edges)
            nseg = phi_segments[ix(r)]
            f = int(np.floor((dep_phi[j] - phi_offsets[ix(r)] + np.pi) / (2.0 * np.pi) * nseg))
            if not 0 <= f < nseg:  # (the integer modulo only where needed: a division costs)
                f %= nseg
            if many:  # the cell's slot by one look-up
                tc = tc_first[ix(r)] + f
                k = slot_of_tc[ix(tc)]
                if k < 0:
                    slot_of_tc[ix(tc)] = k = start + n_tc
            else:  # by comparing with the few cells made before
                k = start + n_tc
                for m in range(start, start + n_tc):
                    if w_ring[ix(m)] == r and w_phi[ix(m)] == f:
                        k = m
                        break
            if k < start + n_tc:  # a cell the event already has
                w_E[ix(k)] += dep_E[j]
            else:
                w_ring[ix(k)], w_phi[ix(k)], w_E[ix(k)] = r, f, dep_E[j]
                n_tc += 1
            dep_tc[j] = k
        stop = start + n_tc
        listed = n_tc > MANY_CELLS  # (its cells find their neighbours in the table, step 3)
        if listed and not many:
            for k in range(start, stop):
                slot_of_tc[ix(tc_first[ix(w_ring[ix(k)])] + w_phi[ix(k)])] = k
        elif many and not listed:  # (the table clean for the next event)
            for k in range(start, stop):
                slot_of_tc[ix(tc_first[ix(w_ring[ix(k)])] + w_phi[ix(k)])] = -1
        # 2. fired TCs, energy sum
        etot = 0.0
        for j in range(start, stop):  # (selections: whether a cell fires is a coin toss a branch guesses
            # wrong, q qbar events ~-20 ns per event in this kernel)
            fired = w_E[ix(j)] >= tc_threshold
            w_label[ix(j)] = j if fired else -1
            etot += np.float64(w_E[ix(j)]) if fired & (sets[S_ESUM, ix(w_ring[ix(j)] + 1)] != 0) else 0.0
        bits[i, 0] = etot > params[P_ELOW]
        bits[i, 1] = etot > params[P_EHIGH]
        bits[i, 2] = etot > params[P_ELUM]
        # 3. touching TCs -> one cluster (label = slot of its most energetic TC; equal energies:
        # the first found), by union-find over the touching pairs (j, k) of fired cells, j < k,
        # taken in slot order. One cell is its own cluster: these loops and the next run over
        # events of two cells or more (single-photon events: 37 -> 33 ns per event)
        several = stop if n_tc > 1 else start
        if n_tc > partners.shape[0]:
            partners = np.empty(2 * n_tc, dtype=np.int64)
        if listed:
            # many cells: each fired cell's fired neighbours, through the slot of each of the event's
            # cells (every pair tested: q qbar 1116 -> 901 ns per event), in slot order as the pairs
            # below; through the ring masks an AND per ring, not a look-up and a test for each of the
            # table's 8 neighbours, most not fired (q qbar 592 -> 539 ns, the same clusters)
            if by_masks:
                for j in range(start, stop):
                    fired_rings[ix(w_ring[ix(j)] + 1)] |= np.uint64(w_label[ix(j)] >= 0) << np.uint64(w_phi[ix(j)])
            for j in range(start, stop):
                if w_label[ix(j)] < 0:
                    continue
                ring_j = np.int64(w_ring[ix(j)])
                tc = tc_first[ix(ring_j)] + w_phi[ix(j)]
                n_near = 0
                for m in range(3 if by_masks else tc_neighbours.shape[1]):
                    if by_masks:  # ring ring_j - 1 + m: its fired neighbours there, from the lowest segment up
                        near = fired_rings[ix(ring_j + m)] & tc_near_masks[ix(tc), ix(m)]
                    else:  # a table entry: one neighbour, fired or not
                        near = np.uint64(1) if tc_neighbours[ix(tc), ix(m)] >= 0 else np.uint64(0)
                        if near == 0:
                            break  # (the row's padding)
                    while near != np.uint64(0):
                        if by_masks:
                            k = slot_of_tc[ix(tc_first[ix(ring_j - 1 + m)] + np.int64(trailing_zeros(near)))]
                        else:
                            k = slot_of_tc[ix(tc_neighbours[ix(tc), ix(m)])]
                        near &= near - np.uint64(1)
                        if k > j and w_label[ix(k)] >= 0:
                            q = n_near  # (in slot order: a few at most, most often none)
                            while q > 0 and partners[ix(q - 1)] > k:
                                partners[ix(q)] = partners[ix(q - 1)]
                                q -= 1
                            partners[ix(q)] = k
                            n_near += 1
                for q in range(n_near):
                    _union(w_label, w_E, j, partners[ix(q)])
            for k in range(start, stop):  # (the tables clean for the next event)
                slot_of_tc[ix(tc_first[ix(w_ring[ix(k)])] + w_phi[ix(k)])] = -1
            fired_rings[:] = 0
        else:
            # few cells: each pair in turn, each ring's phi width once per call and each cell's
            # centre once, not once per pair
            for j in range(start, several):
                if w_label[ix(j)] >= 0:
                    ring = ix(w_ring[ix(j)])
                    w_centre[ix(j)] = (w_phi[ix(j)] + 0.5) * ring_width[ring] + phi_offsets[ring]
            for j in range(start, several):
                if w_label[ix(j)] < 0:
                    continue
                rj, wj, cj = w_ring[ix(j)], ring_width[ix(w_ring[ix(j)])], w_centre[ix(j)]
                for k in range(j + 1, stop):
                    if w_label[ix(k)] < 0 or abs(rj - w_ring[ix(k)]) > 1:
                        continue
                    d = abs(cj - w_centre[ix(k)])
                    d = min(d, 2.0 * np.pi - d)
                    if d <= 0.5 * (wj + ring_width[ix(w_ring[ix(k)])]) + TOUCH_MARGIN_RAD:
                        _union(w_label, w_E, j, k)
        for j in range(start, several):
            if w_label[ix(j)] >= 0:
                w_label[ix(j)] = _head(w_label, j)
        # 4. cluster energies (at the label slot) and CM kinematics of the cluster centre
        for j in range(start, several):
            if w_label[ix(j)] >= 0 and w_label[ix(j)] != j:
                w_E[ix(w_label[ix(j)])] += w_E[ix(j)]
        n_cl = n_icn = n300 = n216 = n500_611 = n500_216 = 0
        n2 = n2_414 = n2_2316 = n2_117 = n1_415 = n1_2316 = 0
        for j in range(start, stop):
            if w_label[ix(j)] != j:
                continue  # not a cluster head
            r = w_ring[ix(j)]
            tid = r + 1
            tc = tc_first[ix(r)] + w_phi[ix(j)]
            e = w_E[ix(j)]
            ce = e * tc_cm_factor[ix(tc)]
            # packed at the front, in slot order (the pair loop then meets no cell that is not a
            # head: one unpredictable test per pair less; q qbar events 1.60-1.65 -> 1.38-1.41 us in
            # this kernel, four muons unchanged)
            h = start + n_cl
            w_head[ix(h)] = j
            w_ecm[ix(h)] = ce
            w_tcm[ix(h)] = tc_theta_cm[ix(tc)]
            w_pcm[ix(h)] = tc_phi_cm[ix(tc)]
            n_cl += 1
            n_icn += sets[S_ICN, ix(tid)]
            if e > lab1:
                n300 += 1
            n216 += sets[S_LML12, ix(tid)]
            if ce > cm2:
                n500_611 += sets[S_LML13, ix(tid)]
            if e > lab0:
                n500_216 += sets[S_LML12, ix(tid)]
            if ce > cm0:
                n2 += 1
                n2_414 += sets[S_LML1, ix(tid)]
                n2_2316 += sets[S_LML2, ix(tid)]
                n2_117 += sets[S_LML4, ix(tid)]
            if ce > cm1:
                n1_415 += sets[S_LML6, ix(tid)]
                n1_2316 += sets[S_LML7, ix(tid)]
        # 5. cluster pairs
        pair_high = pair_low = pair_3d = bhabha = mumu = bha_intrk = 0
        event_cells[i, 0] = -1
        event_cells[i, 1] = -1
        event_cells[i, 2] = n_cl
        heads_stop = start + n_cl
        for a in range(start, heads_stop if n_cl > 1 else start):  # (pairs: two clusters at least)
            j = w_head[ix(a)]
            # the partners whose azimuths may be far enough apart, listed without a branch (a q qbar
            # event has ~46 pairs, and a test per pair mispredicts), then those pairs in the same order
            # as before, the exact test first
            pa, n_partners = w_pcm[ix(a)], 0
            for b in range(a + 1, heads_stop):
                x = abs(pa - w_pcm[ix(b)])
                partners[ix(n_partners)] = b
                n_partners += (x > near_rad) & (x < far_rad)
            for t in range(n_partners):
                b = partners[ix(t)]
                dphi = _dphi_deg(w_pcm[ix(a)], w_pcm[ix(b)])
                if dphi <= min_dphi:
                    continue  # every pair condition below asks for more
                k = w_head[ix(b)]
                tsum = (w_tcm[ix(a)] + w_tcm[ix(b)]) * 180.0 / np.pi
                ej, ek = w_E[ix(j)], w_E[ix(k)]
                cj, ck = w_ecm[ix(a)], w_ecm[ix(b)]
                # the counters without branches (& of the comparisons, not `and`: two-jet events make
                # many back-to-back pairs whose outcomes a branch would guess wrong)
                high_j, high_k = ej > lab2, ek > lab2
                wide = dphi > lml8_dphi
                pair_high += wide & high_j & high_k
                pair_low += wide & (((ej < lab2) & high_k) | (high_j & (ek < lab2)))
                pair_3d += (dphi > lml10_dphi) & (lml10_lo < tsum) & (tsum < lml10_hi)
                mumu |= (dphi > mm_dphi) & (mm_lo < tsum) & (tsum < mm_hi) & (cj < mm_e_max) & (ck < mm_e_max)
                if ((dphi > bv_dphi) & (bv_lo < tsum) & (tsum < bv_hi) & (cj > bv_e_lo) & (ck > bv_e_lo)
                        & (max(cj, ck) > bv_e_hi)):
                    bhabha = 1
                    event_cells[i, 0], event_cells[i, 1] = j, k
                    if sets[S_INTRK, ix(w_ring[ix(j)] + 1)] or sets[S_INTRK, ix(w_ring[ix(k)] + 1)]:
                        bha_intrk = 1
        bits[i, 3] = min(n_icn, 127)  # int8 counts saturate
        bits[i, 4] = bhabha
        bits[i, 5] = mumu
        bits[i, 6] = bha_intrk
        lml = 7
        bits[i, lml + 0] = n_cl >= 3 and n300 >= 1 and bhabha == 0
        bits[i, lml + 1] = n2_414 > 0
        bits[i, lml + 2] = n2_2316 > 0 and bhabha == 0
        bits[i, lml + 3] = n2_2316 > 0 and bhabha != 0
        bits[i, lml + 4] = n2_117 > 0 and bhabha == 0
        bits[i, lml + 5] = n2_117 > 0 and bhabha != 0
        bits[i, lml + 6] = n1_415 == 1 and n300 == 1
        bits[i, lml + 7] = n1_2316 == 1 and n300 == 1
        bits[i, lml + 8] = pair_high > 0 and n2 == 0
        bits[i, lml + 9] = pair_low > 0 and n2 == 0
        bits[i, lml + 10] = pair_3d > 0 and n2 == 0
        bits[i, lml + 11] = n2 == 0
        bits[i, lml + 12] = n216 >= 3 and n500_216 >= 1 and bhabha == 0
        bits[i, lml + 13] = n500_611 == 1 and n300 == 1


def pack_parameters(ecl_inputs, tc_threshold_GeV):
    """Menu table [inputs.ecl] -> (float params, theta-ID set mask (len(SETS), 18))."""
    p = np.zeros(N_PARAMS)
    m = ecl_inputs
    p[P_ELOW], p[P_EHIGH], p[P_ELUM] = (m["elow_threshold_GeV"], m["ehigh_threshold_GeV"],
                                        m["elum_threshold_GeV"])
    p[P_BV_DPHI] = m["bhabha_veto_dphi_min_deg"]
    p[P_BV_TSUM_LO], p[P_BV_TSUM_HI] = m["bhabha_veto_theta_sum_deg"]
    p[P_BV_E_LO], p[P_BV_E_HI] = m["bhabha_veto_cm_energy_GeV"]
    p[P_MM_DPHI] = m["mumu_dphi_min_deg"]
    p[P_MM_TSUM_LO], p[P_MM_TSUM_HI] = m["mumu_theta_sum_deg"]
    p[P_MM_E_MAX] = m["mumu_max_cm_energy_GeV"]
    p[P_LAB0], p[P_LAB1], p[P_LAB2] = m["lml_lab_energy_GeV"]
    p[P_CM0], p[P_CM1], p[P_CM2] = m["lml_cm_energy_GeV"]
    p[P_LML8_DPHI] = m["lml8_dphi_min_deg"]
    p[P_LML10_DPHI] = m["lml10_dphi_min_deg"]
    p[P_LML10_TSUM_LO], p[P_LML10_TSUM_HI] = m["lml10_theta_sum_deg"]
    p[P_TC_THRESHOLD] = tc_threshold_GeV
    sets = np.zeros((len(SETS), 18), dtype=np.int64)
    for row, name in enumerate(SETS):
        sets[row, m["theta_ids"][name]] = 1
    return p, sets
