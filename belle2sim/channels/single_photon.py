"""Offline selection kernel of single-photon searches (e+e- -> gamma + invisible).

Per event: offline clusters (the ECL's ``is_cluster``) above ``extra_max`` are counted; the event
passes "one photon" if exactly one cluster is above ``extra_max`` and it lies in an ECL region
(outside the ECL nothing makes a cluster; gap showers are reconstructed, as in basf2). The photon's CM energy (nominal boost,
massless) must lie within n_sigma resolution widths of the expected value E*.
"""

import numpy as np

from belle2sim._jit import range_kernel
from belle2sim.detector.ecl import resolution
from belle2sim.kinematics import boost


@range_kernel("offsets")
def single_photon_cuts(begin, end, offsets, track_found, is_cluster, dep_E, dep_theta, dep_phi, dep_region,
                       boost_cm, res_energy, extra_max, e_expected_cm, n_sigma, one_photon, no_track, energy_window,
                       e_cm_out):
    bx, by, bz = -boost_cm[0], -boost_cm[1], -boost_cm[2]
    for i in range(begin, end):
        n_clusters = 0
        best = -1
        tracks = 0
        for j in range(offsets[i], offsets[i + 1]):
            if track_found[j]:
                tracks += 1
            if is_cluster[j] and dep_E[j] > extra_max:
                n_clusters += 1
                best = j
        one_photon[i] = n_clusters == 1
        no_track[i] = tracks == 0
        energy_window[i] = False
        e_cm_out[i] = 0.0
        if best >= 0:
            e = dep_E[best]
            st = np.sin(dep_theta[best])
            _, _, _, ecm = boost(e * st * np.cos(dep_phi[best]), e * st * np.sin(dep_phi[best]),
                                 e * np.cos(dep_theta[best]), e, bx, by, bz)
            e_cm_out[i] = ecm
            sigma = 0.01 * resolution(res_energy, dep_region[best], e) * e_expected_cm
            energy_window[i] = abs(ecm - e_expected_cm) < n_sigma * sigma
