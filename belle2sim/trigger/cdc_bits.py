"""CDC trigger input bits (TSIM: basf2 CDCTrigger2DFinderModule, TRGGRLProjectsModule).

* t2: 2D Hough tracks: charged tracks with pT above the Hough-plane limit that cross at least
  ``t2_min_axial_superlayers`` of the five axial superlayers inside the wire volume.
* t3: 2D tracks whose 3D-fitter z0 is within ``t3_z0_cut_cm``; ty: neural tracks with
  |z0| < ``ty_z0_cut_cm``; typ: at least one neural track with |z0| < ``typ_z0_cut_cm`` and
  p > ``typ_min_momentum_GeV``. Trigger z0 = true z0 smeared with the 3D-fitter or neural
  resolution of the menu.
* cdc_open90, f2f30, cdc_b2b5: a pair of 2D tracks whose phi0 (binned in ``phi_bin_deg``)
  differ by a number of bins inside the menu's window (TSIM's Trk_open90 etc.).

The 2D tracks of each event are also written, packed at the front of the event's particle
slots, to ``trk_particle`` (their particle index) and ``trk_phi0``, for the GRL matching (the
t2 column says how many there are).
Track-finding inefficiency of the trigger itself is not modelled (the geometry decides).
"""

import numpy as np
from numba import prange

from belle2sim import rng
from belle2sim._jit import inline, kernel
from belle2sim.detector.cdc import count_axial_superlayers

CDC_BITS = ("t2", "t3", "ty", "typ", "cdc_open90", "f2f30", "cdc_b2b5")
N_CDC_BITS = len(CDC_BITS)
(P_PT, P_AXIAL, P_T3_CUT, P_T3_RES, P_TY_CUT, P_TY_RES, P_TYP_CUT, P_TYP_P, P_BIN,
 P_O90_LO, P_O90_HI, P_F30_LO, P_F30_HI, P_B2B_LO, P_B2B_HI) = range(15)


def pack_parameters(cdc):
    return np.array([cdc["t2_min_pt_GeV"], cdc["t2_min_axial_superlayers"], cdc["t3_z0_cut_cm"],
                     cdc["t3_z0_resolution_cm"], cdc["ty_z0_cut_cm"], cdc["ty_z0_resolution_cm"],
                     cdc["typ_z0_cut_cm"], cdc["typ_min_momentum_GeV"], cdc["phi_bin_deg"],
                     *cdc["open90_bins"], *cdc["f2f30_bins"], *cdc["b2b5_bins"]], dtype=np.float64)


@inline
def _in_window(b1, b2, lo, hi):
    d = abs(b1 - b2)
    return lo <= d <= hi


@kernel(parallel=True)
def cdc_trigger_bits(seed, numbers, offsets, status, charge, px, py, pz, vx, vy, vz, geo, axial_radii,
                     params, trk_particle, trk_phi0, trk_3d, bits):
    n_events = offsets.shape[0] - 1
    nbins = int(round(360.0 / params[P_BIN]))
    for i in prange(n_events):
        key = rng.event_key(seed, numbers[i], rng.STAGE_TRIGGER)
        start = offsets[i]
        n2d = n3d = nnn = 0
        typ = 0
        for j in range(start, offsets[i + 1]):
            if status[j] != 1 or charge[j] == 0.0:
                continue
            pt = np.sqrt(px[j] * px[j] + py[j] * py[j])
            if pt < params[P_PT]:
                continue
            n_ax = count_axial_superlayers(vx[j], vy[j], vz[j], px[j], py[j], pz[j], charge[j],
                                           geo, axial_radii, params[P_AXIAL])
            if n_ax < params[P_AXIAL]:
                continue
            slot = start + n2d
            n2d += 1
            phi0 = np.arctan2(py[j], px[j])
            trk_particle[slot] = j
            trk_phi0[slot] = phi0
            z0 = vz[j] - (vx[j] * px[j] + vy[j] * py[j]) / pt * pz[j] / pt
            local = j - start
            z3 = z0 + params[P_T3_RES] * rng.normal(key, 2 * local)
            znn = z0 + params[P_TY_RES] * rng.normal(key, 2 * local + 1)
            trk_3d[slot] = abs(z3) < params[P_T3_CUT]
            if trk_3d[slot]:
                n3d += 1
            if abs(znn) < params[P_TY_CUT]:
                nnn += 1
            p = np.sqrt(pt * pt + pz[j] * pz[j])
            if abs(znn) < params[P_TYP_CUT] and p > params[P_TYP_P]:
                typ = 1
        open90 = f30 = b2b = 0
        for a in range(start, start + n2d):
            ba = int(np.floor((trk_phi0[a] + np.pi) * nbins / (2.0 * np.pi))) % nbins
            for b in range(a + 1, start + n2d):
                bb = int(np.floor((trk_phi0[b] + np.pi) * nbins / (2.0 * np.pi))) % nbins
                if _in_window(ba, bb, params[P_O90_LO], params[P_O90_HI]):
                    open90 = 1
                if _in_window(ba, bb, params[P_F30_LO], params[P_F30_HI]):
                    f30 = 1
                if _in_window(ba, bb, params[P_B2B_LO], params[P_B2B_HI]):
                    b2b = 1
        bits[i, 0] = min(n2d, 127)  # int8 counts saturate
        bits[i, 1] = min(n3d, 127)
        bits[i, 2] = min(nnn, 127)
        bits[i, 3] = typ
        bits[i, 4] = open90
        bits[i, 5] = f30
        bits[i, 6] = b2b
