"""CDC trigger input bits (TSIM: basf2 CDCTrigger2DFinderModule, TRGGRLProjectsModule).

* t2: 2D Hough tracks: charged tracks with pT above the Hough-plane limit that cross at least
  ``t2_min_axial_superlayers`` of the five axial superlayers inside the wire volume.
  Each such track is then found with the data-calibrated efficiency of a trigger track
  (card ``trigger_calibration``: a plateau, reached linearly from zero between the two pT
  values of ``track_turn_on_pt_GeV``); one draw per track, so the tracks of an event are
  uncorrelated.
* t3: 2D tracks whose 3D-fitter z0 is within ``t3_z0_cut_cm``; ty: neural tracks with
  |z0| < ``ty_z0_cut_cm``; typ: at least one neural track with |z0| < ``typ_z0_cut_cm`` and a
  momentum estimate above ``typ_min_momentum_GeV``, quantised as TSIM does it (GRL-old:
  omega in bins of ``typ_omega_bin_per_m``, theta in bins of ``typ_theta_bin_rad``, both
  truncated, p in truncated 0.1 GeV units). Trigger z0 = true z0 smeared with the 3D-fitter or
  neural resolution of the menu.
* cdc_open90, f2f30, cdc_b2b5: a pair of 2D tracks whose phi0 bins differ by a number of bins
  inside the menu's window. Bins as TSIM makes them: (int)(phi0_deg / 10), truncated toward
  zero with phi0 in [-180, 180], and |delta bin| without wrap-around.
* t2b, t2b_open90, t2b_open30 (belle2sim, not ftd_0036 input bits): the same for 2D tracks with
  polar angle in ``restricted_theta_deg``, the "pair of tracks in a restricted polar-angle
  acceptance, theta in [37, 120] deg" of the two- and three-track triggers of Belle II's
  2019-2021 analyses (arXiv:2212.03066, 2207.00509, 2306.12294, 2403.02841). The hardware
  measures theta with the 3D fitter; here the true polar angle is used.

* 2D acceptance in d0: the Hough finder assumes tracks from the origin; a displaced track
  (production point off the beam axis) whose helix passes farther than ``t2_max_d0_cm`` from
  the axis is not found. z0 of displaced tracks follows the helix to its closest approach.
* tdv, dvtx (proposed displaced-vertex bit; only in a menu with ``[inputs.displaced]``, e.g.
  trigger/belle2_l1_displaced.toml, else 0): tdv counts tracks of a displaced 2D finder
  (pT >= ``min_pt_GeV``, d0 inside ``d0_window_cm``, at least ``min_axial_superlayers`` axial
  superlayers, the calibrated per-track efficiency); dvtx = at least one opposite-charge pair of
  them. See the menu for the design and its sources.

The 2D tracks of each event are also written, packed at the front of the event's particle
slots, to ``trk_particle`` (their particle index) and ``trk_phi0``, for the GRL matching (the
t2 column says how many there are).
"""

import numpy as np

from belle2sim import fastmath, rng
from belle2sim._jit import inline, ix, range_kernel
from belle2sim.detector.cdc import count_from_axis_in_caller
from belle2sim.detector.helix import AXIS_TOLERANCE_CM2, PT_PER_TESLA_CM, impact_d0, impact_parameters
from belle2sim.trigger.phi_bins import phi_bin

CDC_BITS = ("t2", "t3", "ty", "typ", "cdc_open90", "f2f30", "cdc_b2b5", "t2b", "t2b_open90", "t2b_open30",
            "tdv", "dvtx")
N_CDC_BITS = len(CDC_BITS)
(P_PT, P_AXIAL, P_T3_CUT, P_T3_RES, P_TY_CUT, P_TY_RES, P_TYP_CUT, P_TYP_P, P_BIN,
 P_O90_LO, P_O90_HI, P_F30_LO, P_F30_HI, P_B2B_LO, P_B2B_HI, P_TYP_OMEGA_BIN, P_TYP_THETA_BIN,
 P_RESTRICT_COS_LO, P_RESTRICT_COS_HI,  # cos of the restricted range's low / high angle
 P_FIELD, P_T2_MAX_D0, P_DV_ON, P_DV_PT, P_DV_AXIAL, P_DV_D0_LO, P_DV_D0_HI) = range(26)
DV_COUNTER = 1 << 41  # draw counters of the displaced finder: DV_COUNTER + particle slot
# layout of DetectorCard.trigger_calibration()
(K_TRK_EFF, K_TRK_PT_LO, K_TRK_PT_HI, K_ESUM_EFF, K_KLM_EFF, K_KLM_LO, K_KLM_HI) = range(7)
B_TO_CURVATURE = PT_PER_TESLA_CM * 100.0  # pT [GeV] = 0.3 B [T] R [m]
TYP_SATURATED_GeV = 12.7  # the GRL-old estimate of a straight track, where it saturates (TSIM's value)


def pack_parameters(cdc, magnetic_field_T, displaced=None):
    """The menu's [inputs.cdc] (and, for a menu with the displaced-vertex bit, [inputs.displaced])."""
    dv = [0.0] * 5 if displaced is None else [
        1.0, displaced["min_pt_GeV"], displaced["min_axial_superlayers"], *displaced["d0_window_cm"]]
    return np.array([cdc["t2_min_pt_GeV"], cdc["t2_min_axial_superlayers"], cdc["t3_z0_cut_cm"],
                     cdc["t3_z0_resolution_cm"], cdc["ty_z0_cut_cm"], cdc["ty_z0_resolution_cm"],
                     cdc["typ_z0_cut_cm"], cdc["typ_min_momentum_GeV"], cdc["phi_bin_deg"],
                     *cdc["open90_bins"], *cdc["f2f30_bins"], *cdc["b2b5_bins"],
                     cdc["typ_omega_bin_per_m"], cdc["typ_theta_bin_rad"],
                     *np.cos(np.radians(cdc["restricted_theta_deg"])), magnetic_field_T, cdc["t2_max_d0_cm"],
                     *dv], dtype=np.float64)


@inline
def trigger_track_efficiency(pt, calib):
    """Data-calibrated efficiency of one 2D trigger track of transverse momentum pt."""
    lo, hi = calib[K_TRK_PT_LO], calib[K_TRK_PT_HI]
    ramp = 1.0 if pt >= hi else max(0.0, (pt - lo) / (hi - lo))
    return calib[K_TRK_EFF] * ramp


@inline
def typ_momentum_estimate(pt, pz, omega_bin, theta_bin, field_T):
    """GRL-old momentum estimate in GeV: omega = 1/R (1/m) and theta truncated to their bins,
    p = int(10 x 0.3 B / omega / sin theta) / 10 (truncated 0.1 GeV units)."""
    return typ_estimate_at(pt, fastmath.atan2(pt, pz), omega_bin, theta_bin, field_T)


@inline
def typ_estimate_at(pt, theta, omega_bin, theta_bin, field_T):
    """:func:`typ_momentum_estimate` for a track of polar angle theta = atan2(pt, pz)."""
    omega = B_TO_CURVATURE * field_T / pt
    omega_q = int(omega / omega_bin) * omega_bin
    s, _ = fastmath.sincos(int(theta / theta_bin) * theta_bin)
    if s <= 0.0:
        return 0.0
    if omega_q <= 0.0:
        return TYP_SATURATED_GeV  # a straight track
    return int(10.0 * B_TO_CURVATURE * field_T / omega_q / s) / 10.0


@inline
def typ_certain_above(min_momentum, theta_bin):
    """(pT, theta): a track with at least this pT [GeV] and polar angle [rad] certainly has a
    :func:`typ_estimate_at` >= ``min_momentum``, so the kernel need not make it (its divisions and
    sine: four muons 173 -> 156 ns per event in the CDC trigger). The estimate is at least pT - 0.1: the truncated curvature is
    at most the true one, the sine of the truncated angle at most 1, and the 0.1 GeV truncation
    takes at most 0.1; the angle keeps that sine above zero (the estimate is 0 there); a relative
    1e-6 covers the rounding. A minimum above the saturated estimate gets no such tracks."""
    if min_momentum > TYP_SATURATED_GeV:
        return np.inf, np.inf
    return (min_momentum + 0.1) * (1.0 + 1e-6) + 1e-6, 2.0 * theta_bin


@range_kernel("offsets")
def cdc_trigger_bits(begin, end, seed, numbers, offsets, status, charge, px, py, pz, vx, vy, vz, mom_theta, mom_phi,
                     mom_pt, mom_p, layers, params, calib, axial_superlayers, trk_particle, trk_phi0, trk_3d, trk_in,
                     bits):
    field_T = params[P_FIELD]
    typ_certain_pt, typ_certain_theta = typ_certain_above(params[P_TYP_P], params[P_TYP_THETA_BIN])
    bins = np.empty(64, dtype=np.int64)  # the phi bins of an event's 2D tracks (grown if needed)
    o90_lo, o90_hi, f30_lo, f30_hi = params[P_O90_LO], params[P_O90_HI], params[P_F30_LO], params[P_F30_HI]
    b2b_lo, b2b_hi = params[P_B2B_LO], params[P_B2B_HI]
    for i in range(np.uint64(begin), np.uint64(end)):
        key, keyed = np.uint64(0), False  # the event's key, made at its first charged particle
        start = offsets[i]
        n2d = n3d = nnn = 0
        typ = 0
        n_dv = n_dv_pos = 0
        for j in range(np.uint64(start), np.uint64(offsets[i + 1])):  # (unsigned: no wrap-around tests)
            if status[j] != 1 or charge[j] == 0.0:
                continue
            if not keyed:
                key, keyed = rng.event_key(seed, numbers[i], rng.STAGE_TRIGGER), True
            pt = mom_pt[j]  # (directions.momentum_kinematics: the same bits)
            local = np.int64(j) - start
            displaced = vx[j] * vx[j] + vy[j] * vy[j] >= AXIS_TOLERANCE_CM2
            d0 = 0.0
            if displaced:
                # (d0 now, z0 only for a track that passes the cuts below: its two atan2)
                d0 = impact_d0(vx[j], vy[j], px[j], py[j], charge[j], field_T)
                # the proposed displaced finder (a Hough plane with d0): its own tracks
                if params[P_DV_ON] > 0.0 and pt >= params[P_DV_PT] and \
                        params[P_DV_D0_LO] <= abs(d0) <= params[P_DV_D0_HI] and \
                        axial_superlayers[j] >= params[P_DV_AXIAL] and \
                        rng.uniform(key, DV_COUNTER + local) < trigger_track_efficiency(pt, calib):
                    n_dv += 1
                    if charge[j] > 0:
                        n_dv_pos += 1
            if pt < params[P_PT] or abs(d0) > params[P_T2_MAX_D0]:
                continue
            # (counted by the calorimeter entries (entries.py), off the axis and from it; here for the
            # tracks from the axis they left at -1: those only the arcsine settles, or deposits made by hand)
            n_ax = np.int64(axial_superlayers[j]) if displaced or axial_superlayers[j] >= 0 else \
                count_from_axis_in_caller(vz[j], px[j], py[j], pz[j], charge[j], field_T, layers, params[P_AXIAL])
            if n_ax < params[P_AXIAL]:
                continue
            if rng.uniform(key, 4 * local + 2) >= trigger_track_efficiency(pt, calib):
                continue
            if displaced:
                z0 = impact_parameters(vx[j], vy[j], vz[j], px[j], py[j], pz[j], charge[j], field_T)[1]
            else:
                z0 = vz[j] - (vx[j] * px[j] + vy[j] * py[j]) / pt * pz[j] / pt
            slot = start + n2d
            n2d += 1
            phi0 = mom_phi[j]
            trk_particle[ix(slot)] = j
            trk_phi0[ix(slot)] = phi0
            # restricted polar range from the cosine (no atan2 per pair below)
            cos_t = pz[j] / mom_p[j]  # (directions.momentum_kinematics: the same bits)
            # (&, not a chained comparison: whether a track lies in the range is a coin toss a branch
            # guesses wrong)
            trk_in[ix(slot)] = (params[P_RESTRICT_COS_HI] <= cos_t) & (cos_t <= params[P_RESTRICT_COS_LO])
            z3 = z0 + params[P_T3_RES] * rng.normal(key, 4 * local)
            znn = z0 + params[P_TY_RES] * rng.normal(key, 4 * local + 1)
            trk_3d[ix(slot)] = abs(z3) < params[P_T3_CUT]
            if trk_3d[ix(slot)]:
                n3d += 1
            if abs(znn) < params[P_TY_CUT]:
                nnn += 1
            if typ == 0 and abs(znn) < params[P_TYP_CUT] and (
                    (pt >= typ_certain_pt and mom_theta[j] >= typ_certain_theta) or typ_estimate_at(
                        pt, mom_theta[j], params[P_TYP_OMEGA_BIN], params[P_TYP_THETA_BIN], field_T)
                    >= params[P_TYP_P] - 1e-9):
                typ = 1
        open90 = f30 = b2b = b_open90 = b_open30 = False
        nb = 0
        if n2d > bins.shape[0]:
            bins = np.empty(2 * n2d, dtype=np.int64)
        for a in range(n2d):  # (each track's bin once, not once per pair)
            bins[ix(a)] = phi_bin(trk_phi0[ix(start + a)], params[P_BIN])
        # each pair's windows as selections (whether a pair's bins lie in a window is a coin toss a branch
        # guesses wrong; with the track's range above, four muons -2 to -8 ns per event, q qbar -5 to -9)
        for a in range(start, start + n2d):
            ba = bins[ix(a - start)]
            in_a = trk_in[ix(a)]
            nb += in_a
            for b in range(a + 1, start + n2d):
                d = abs(ba - bins[ix(b - start)])
                both = in_a & trk_in[ix(b)]
                in_90 = (o90_lo <= d) & (d <= o90_hi)
                in_30 = (f30_lo <= d) & (d <= f30_hi)
                open90 |= in_90
                b_open90 |= in_90 & both
                f30 |= in_30
                b_open30 |= in_30 & both
                b2b |= (b2b_lo <= d) & (d <= b2b_hi)
        bits[i, 0] = min(n2d, 127)  # int8 counts saturate
        bits[i, 1] = min(n3d, 127)
        bits[i, 2] = min(nnn, 127)
        bits[i, 3] = typ
        bits[i, 4] = open90
        bits[i, 5] = f30
        bits[i, 6] = b2b
        bits[i, 7] = min(nb, 127)
        bits[i, 8] = b_open90
        bits[i, 9] = b_open30
        bits[i, 10] = min(n_dv, 127)
        bits[i, 11] = 1 if 0 < n_dv_pos < n_dv else 0  # an opposite-charge pair of displaced tracks
