"""Global Reconstruction Logic (GRL) bits: matching between CDC tracks, ECL clusters and KLM.

Definitions after basf2 TRGGRLProjectsModule.cc (data sheet appendix B), with the matching made
exact: a 2D track is matched to an ECL trigger cluster if its own deposit fed that cluster
(the hardware matches in phi; at the trigger's granularity the two agree for isolated tracks).

* cdcecl: 2D tracks matched to a cluster whose polar angle lies in ``cdcecl_cluster_theta_deg``
  (TRGGRLMatchModule: only clusters at 35-126 deg can match); c2gev: matched clusters above
  ``c2gev_energy_GeV``.
* klm / eklm: particles leaving a barrel / endcap KLM hit. cdcklm: 2D tracks matched to a
  barrel KLM hit; the match is a calibrated trigger object (card ``trigger_calibration``:
  efficiency ``klm_match_efficiency`` for tracks in ``klm_match_theta_deg``, none outside; one
  draw per track, muons uncorrelated as arXiv:2403.02841 assumes).
* klmb2b / eklmb2b: KLM hits in both the forward and the backward section of the barrel / in
  both endcaps (newest basf2 KLM_Trig.cc make_trg: a triggered sector in each section; azimuth
  is not compared).
* d5: two trigger clusters back-to-back in lab phi: TSIM bins each cluster's phi,
  (int)(phi_deg / 10), and asks for |delta bin| in ``d5_bins``.
* p5: a 2D track back-to-back with a cluster it did not feed: the track's phi is taken where it
  crosses the ECL face (``ecl_face_radius_cm``; GRL-old: phi_CDC = phi0 -+ (90 deg - acos(r /
  2R))), binned like the clusters, |delta bin| in ``p5_bins``.
* samhem / opohem: exactly one 3D track and a cluster it did not feed, within / beyond
  ``hemisphere_dphi_deg`` of the track in phi (our reading of "same / opposite hemisphere").
* trkbha (track Bhabha): the two clusters of the 3D Bhabha pair are each fed by a 3D track
  with pT above ``track_bhabha_min_pt_GeV`` (the hardware asks for such a track within 15 deg
  in phi of each cluster). DELIBERATELY NOT basf2: TSIM (GRL-old) sets trkbha1/2 false ("not
  ready"); we follow the stated hardware intent.
"""

import math

import numpy as np

from belle2sim import fastmath, rng
from belle2sim._jit import inline, ix, lanes, range_kernel
from belle2sim.trigger.cdc_bits import B_TO_CURVATURE, K_KLM_EFF, K_KLM_HI, K_KLM_LO
from belle2sim.trigger.phi_bins import MASK_BITS, bin_bit, bin_windows, phi_bin, phi_bin_count

GRL_BITS = ("cdcecl", "c2gev", "cdcklm", "klm", "eklm", "klmb2b", "eklmb2b", "d5", "p5",
            "samhem", "opohem", "trkbha")
N_GRL_BITS = len(GRL_BITS)
(G_C2GEV, G_D5_LO, G_D5_HI, G_P5_LO, G_P5_HI, G_HEMI, G_TRKBHA_PT, G_ECL_R, G_BIN,
 G_MATCH_LO, G_MATCH_HI, G_FIELD) = range(12)


def pack_parameters(grl, magnetic_field_T):
    return np.array([grl["c2gev_energy_GeV"], *grl["d5_bins"], *grl["p5_bins"], grl["hemisphere_dphi_deg"],
                     grl["track_bhabha_min_pt_GeV"], grl["ecl_face_radius_cm"], grl["phi_bin_deg"],
                     *np.radians(grl["cdcecl_cluster_theta_deg"]), magnetic_field_T], dtype=np.float64)


@lanes
def phi_at_ecl_face(phi0, pt, q, field_T, radius_cm):
    """Azimuth where a track from the axis crosses radius r: phi0 - q (pi/2 - acos(r / 2R)), that
    is phi0 - q asin(r / 2R); NaN if it curls before (2R < r). Selections only, typed into the
    kernel (a call per track cost four muons ~40 ns per event); fastmath.asin_lanes is asin's bits
    on [-1, 1], where r / 2R lies once the curling tracks are set aside."""
    two_r = 2.0 * 100.0 * pt / (B_TO_CURVATURE * field_T)
    phi = phi0 - q * fastmath.asin_lanes(radius_cm / two_r)
    phi = phi - 2.0 * np.pi if phi > np.pi else (phi + 2.0 * np.pi if phi < -np.pi else phi)
    return np.nan if two_r < radius_cm else phi


@inline
def _dphi_deg(a, b):
    d = abs(a - b) * 180.0 / np.pi
    if d >= 360.0:  # (the float modulo is a library call; azimuths in [-pi, pi] rarely need it)
        d = d % 360.0
    return 360.0 - d if d > 180.0 else d


def cluster_phi_tables(phi_segments, phi_offsets, bin_deg):
    """(phi [rad], TSIM phi bin) of a trigger cluster in each (theta ring, phi segment k) of the
    card: the segment's centre, phi = (k + 1/2) 2 pi / n_segments - pi + offset wrapped into
    (-pi, pi], and its bin as :func:`phi_bins.phi_bin` makes it. They depend on (ring, k) only, so
    the GRL kernel reads them instead of dividing three times per cluster and per cluster pair. IEEE
    doubles in the kernel's order of operations (numba fuses no multiply-add): the kernel's
    numbers, tested against a compiled version."""
    rings, width = len(phi_segments), int(max(phi_segments))
    phi = np.full((rings, width), np.nan)
    bins = np.zeros((rings, width), dtype=np.int64)
    for r in range(rings):
        for k in range(int(phi_segments[r])):
            value = (k + 0.5) * 2.0 * math.pi / float(phi_segments[r]) - math.pi + float(phi_offsets[r])
            phi[r, k] = value - 2.0 * math.pi if value > math.pi else value
            bins[r, k] = int(phi[r, k] * 180.0 / math.pi / bin_deg)
    return phi, bins


@lanes
def _d5_p5_masks(start, heads_stop, n_trk, w_head, w_ring, w_phi, cluster_bin, own, trk_face_bin, window_d5,
                 window_p5, n_bins):
    """(d5, p5) of an event through the bits of its clusters' phi bins (phi_bins.py; n_bins <= 64):
    a cluster pair is back-to-back if the window of the later one holds the bin of an earlier one (d5); a
    track and a cluster it did not feed, if the track's window holds the bin of a cluster other
    than its own (its own cluster's bit is cleared where no other cluster shares the bin). The
    same bits as :func:`_d5_p5_pairs` (tested), without its loop over every pair (their branches
    and exits a guess gets wrong): four muons 139 -> 120 ns per event in the kernel. Typed into the
    kernel (@lanes): as a call, ~10 ns of the gain went to passing its arrays."""
    one = np.uint64(1)
    occupied = shared = np.uint64(0)
    d5 = False
    for h in range(start, heads_stop):
        c = w_head[ix(h)]
        k = bin_bit(cluster_bin[ix(w_ring[ix(c)]), ix(w_phi[ix(c)])], n_bins)
        bit = one << np.uint64(k)
        d5 |= (occupied & window_d5[ix(k)]) != 0
        shared |= occupied & bit
        occupied |= bit
    p5 = False
    for a in range(start, start + n_trk):
        face = trk_face_bin[ix(a)]
        mine = own[ix(a - start)]
        others = occupied
        if mine >= 0:  # (its own cluster: a head of this event)
            mine_bin = cluster_bin[ix(w_ring[ix(mine)]), ix(w_phi[ix(mine)])]
            others &= ~((one << np.uint64(bin_bit(mine_bin, n_bins))) & ~shared)
        p5 |= (face > -1000) & ((others & window_p5[ix(bin_bit(face, n_bins))]) != 0)
    return np.int64(d5), np.int64(p5)


@inline
def _d5_p5_pairs(start, heads_stop, n_trk, w_head, w_ring, w_phi, cluster_bin, own, trk_face_bin, head_bin, d5_lo,
                 d5_hi, p5_lo, p5_hi):
    """(d5, p5) of an event pair by pair: for phi bins finer than :func:`_d5_p5_masks` takes."""
    d5 = p5 = 0
    for h in range(start, heads_stop):
        c = w_head[ix(h)]
        head_bin[ix(h - start)] = cluster_bin[ix(w_ring[ix(c)]), ix(w_phi[ix(c)])]
    for h in range(start, heads_stop):
        c = w_head[ix(h)]
        bin_c = head_bin[ix(h - start)]
        for h2 in range(h + 1, heads_stop):
            d = abs(bin_c - head_bin[ix(h2 - start)])
            d5 |= (d5_lo <= d) & (d <= d5_hi)
        for a in range(start, start + n_trk):  # (a track and a cluster it did not feed)
            d = abs(trk_face_bin[ix(a)] - bin_c)
            p5 |= (own[ix(a - start)] != c) & (trk_face_bin[ix(a)] > -1000) & (p5_lo <= d) & (d <= p5_hi)
    return d5, p5


@range_kernel("offsets")
def grl_bits(begin, end, seed, numbers, offsets, px, py, pz, mom_pt, mom_p, charge, n_2d, trk_particle, trk_phi0, trk_3d, dep_tc,
             w_label, w_E, w_ring, w_phi, w_head, cluster_phi, cluster_bin, dep_theta, klm_hit, event_cells, params,
             calib, trk_face_bin, bits):
    cos_klm_lo, cos_klm_hi = np.cos(calib[K_KLM_LO]), np.cos(calib[K_KLM_HI])
    # per event: each track's own cluster (the label of the cell its deposit fed; -2: none) and each
    # cluster's phi bin, once, for the pair loops below (which followed track -> deposit cell ->
    # label and cluster -> ring, segment -> bin per pair: four muons 191 -> 182 ns, q qbar 339 -> 320)
    own = np.empty(64, dtype=np.int64)  # (grown if needed)
    head_bin = np.empty(64, dtype=np.int64)
    d5_lo, d5_hi, p5_lo, p5_hi = params[G_D5_LO], params[G_D5_HI], params[G_P5_LO], params[G_P5_HI]
    n_bins = phi_bin_count(params[G_BIN])
    window_d5 = bin_windows(d5_lo, d5_hi, n_bins)
    window_p5 = bin_windows(p5_lo, p5_hi, n_bins)
    for i in range(np.uint64(begin), np.uint64(end)):
        start, stop = offsets[i], offsets[i + 1]
        n_trk = n_2d[i]
        cdcecl = c2gev = cdcklm = n3d = 0
        one3d = -1
        key = np.uint64(0)
        if stop - start > own.shape[0]:
            own = np.empty(2 * (stop - start), dtype=np.int64)
            head_bin = np.empty(2 * (stop - start), dtype=np.int64)
        if n_trk > 0:
            key = rng.event_key(seed, numbers[i], rng.STAGE_TRIGGER)
        # a track's matches as selections (whether a track matched a cluster, reached the barrel KLM
        # or passed the KLM match's draw is a coin toss a branch guesses wrong: four muons -7 to -9
        # ns per event); its draw is made whether or not it reached the KLM (a pure function of its
        # counter: the same numbers)
        for a in range(start, start + n_trk):
            j = trk_particle[ix(a)]
            tc = dep_tc[ix(j)]
            own_a = w_label[ix(max(tc, 0))] if tc >= 0 else -2
            own[ix(a - start)] = own_a
            # the cluster's polar angle: the track's own deposit (isolated tracks: the same)
            matched = (own_a >= 0) & (params[G_MATCH_LO] <= dep_theta[ix(j)]) & (dep_theta[ix(j)] <= params[G_MATCH_HI])
            cdcecl += matched
            c2gev += matched & (w_E[ix(max(own_a, 0))] >= params[G_C2GEV])
            pt = mom_pt[ix(j)]  # (directions.momentum_kinematics)
            # the track's phi bin where it crosses the ECL face (for p5), once per track
            phi_face = phi_at_ecl_face(trk_phi0[ix(a)], pt, charge[ix(j)], params[G_FIELD], params[G_ECL_R])
            trk_face_bin[ix(a)] = -1000 if np.isnan(phi_face) else phi_bin(phi_face, params[G_BIN])
            cos_t = pz[ix(j)] / mom_p[ix(j)]
            cdcklm += (klm_hit[ix(j)] == 1) & (cos_klm_hi <= cos_t) & (cos_t <= cos_klm_lo) & (
                rng.uniform(key, 4 * (j - start) + 3) < calib[K_KLM_EFF])
            n3d += trk_3d[ix(a)]
            one3d = a if trk_3d[ix(a)] else one3d
        klm = eklm = 0
        b_fwd = b_bwd = e_fwd = e_bwd = False
        for j in range(np.uint64(start), np.uint64(stop)):  # (unsigned: no wrap-around tests)
            if klm_hit[j] == 1:
                klm += 1
                b_fwd = b_fwd or pz[j] > 0.0
                b_bwd = b_bwd or pz[j] < 0.0
            elif klm_hit[j] == 2:
                eklm += 1
                e_fwd = e_fwd or pz[j] > 0.0
                e_bwd = e_bwd or pz[j] < 0.0
        klmb2b = 1 if (b_fwd and b_bwd) else 0
        eklmb2b = 1 if (e_fwd and e_bwd) else 0
        d5 = p5 = samhem = opohem = 0
        # the event's cluster heads, packed by the ECL trigger at the front of its slots in slot order
        heads_stop = start + event_cells[i, 2]
        if n_bins <= MASK_BITS:
            d5, p5 = _d5_p5_masks(start, heads_stop, n_trk, w_head, w_ring, w_phi, cluster_bin, own, trk_face_bin,
                                  window_d5, window_p5, n_bins)
        else:
            d5, p5 = _d5_p5_pairs(start, heads_stop, n_trk, w_head, w_ring, w_phi, cluster_bin, own, trk_face_bin,
                                  head_bin, d5_lo, d5_hi, p5_lo, p5_hi)
        if n3d == 1:  # (a track and each cluster it did not feed)
            for h in range(start, heads_stop):
                c = w_head[ix(h)]
                if own[ix(one3d - start)] != c:
                    phi_c = cluster_phi[ix(w_ring[ix(c)]), ix(w_phi[ix(c)])]
                    if _dphi_deg(trk_phi0[ix(one3d)], phi_c) > params[G_HEMI]:
                        opohem = 1
                    else:
                        samhem = 1
        trkbha = 0
        if event_cells[i, 0] >= 0:
            fed_a = fed_b = False
            for a in range(start, start + n_trk):
                j = trk_particle[ix(a)]
                if not trk_3d[ix(a)] or px[ix(j)] * px[ix(j)] + py[ix(j)] * py[ix(j)] < params[G_TRKBHA_PT] ** 2:
                    continue
                fed_a = fed_a or own[ix(a - start)] == event_cells[i, 0]
                fed_b = fed_b or own[ix(a - start)] == event_cells[i, 1]
            trkbha = 1 if (fed_a and fed_b) else 0
        # one store per bit (a loop over a tuple of the counts compiled to a slower one per event)
        bits[i, 0] = min(cdcecl, 127)  # int8 counts saturate
        bits[i, 1] = min(c2gev, 127)
        bits[i, 2] = min(cdcklm, 127)
        bits[i, 3] = min(klm, 127)
        bits[i, 4] = min(eklm, 127)
        bits[i, 5] = klmb2b
        bits[i, 6] = eklmb2b
        bits[i, 7] = d5
        bits[i, 8] = p5
        bits[i, 9] = samhem
        bits[i, 10] = opohem
        bits[i, 11] = trkbha
