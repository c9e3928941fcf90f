"""CDC trigger input bits (TSIM: basf2 CDCTrigger2DFinderModule, TRGGRLProjectsModule).

t2 = number of 2D Hough tracks: charged tracks with pT above the Hough-plane limit that cross at
least ``t2_min_axial_superlayers`` of the five axial superlayers (basf2 ``minHits = 4``).
Track-finding inefficiency of the trigger itself is not modelled (the geometry decides).
"""

import numpy as np
from numba import prange

from belle2sim._jit import kernel
from belle2sim.detector.cdc import count_axial_superlayers

CDC_BITS = ("t2",)
N_CDC_BITS = len(CDC_BITS)


@kernel(parallel=True)
def cdc_trigger_bits(offsets, status, charge, px, py, pz, vx, vy, vz, geo, axial_radii,
                     t2_min_pt, t2_min_axial, bits):
    n_events = offsets.shape[0] - 1
    for i in prange(n_events):
        n2d = 0
        for j in range(offsets[i], offsets[i + 1]):
            if status[j] != 1 or charge[j] == 0.0:
                continue
            pt = np.sqrt(px[j] * px[j] + py[j] * py[j])
            if pt < t2_min_pt:
                continue
            n_ax = count_axial_superlayers(vx[j], vy[j], vz[j], px[j], py[j], pz[j], charge[j],
                                           geo, axial_radii)
            if n_ax >= t2_min_axial:
                n2d += 1
        bits[i, 0] = min(n2d, 127)  # int8 counts saturate
