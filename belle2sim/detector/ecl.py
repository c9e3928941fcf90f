"""ECL response: which particles make a cluster, and how well it is measured.

Photons and electrons shower and deposit their energy (E/p ~ 1); other classes leave no
cluster here (muon and hadron deposits come with the tracking model). A deposit is seen if its
polar angle lies in the forward endcap, the barrel or the backward endcap of the card; in the
gaps between them (31.4-32.2 deg and 128.7-130.7 deg) and outside 12.4-155.1 deg it is lost.

Smearing follows the basf2 low-background covariance parametrisation, per region:
sigma_E/E[%], sigma_theta[mrad], sigma_phi[mrad] = a/E + b/sqrt(E) + c/E^(1/4) + d, evaluated
at max(E, E_min) (the card's min_energy_GeV, where basf2 switches to a constant).

Deposits closer than ``merge_angle_rad`` merge (energies add, the more energetic one keeps its
direction). Every deposit feeds the trigger cells; only merged deposits above
``cluster_min_energy_GeV`` become offline clusters.

The direction of a deposit is its momentum direction: fine for particles from the beam spot.
(Displaced photons need the ECL surface geometry: left to the long-lived-particle work.)
"""

import numpy as np
from numba import prange

from belle2sim import rng
from belle2sim._jit import inline, kernel
from belle2sim.pdgdata import ELECTRON, PHOTON

REGION_NONE, REGION_FORWARD, REGION_BARREL, REGION_BACKWARD = 0, 1, 2, 3


@inline
def ecl_region(theta, region_theta):
    """1 forward endcap, 2 barrel, 3 backward endcap, 0 gap or outside (region_theta: (3, 2) rad)."""
    for r in range(3):
        if region_theta[r, 0] <= theta <= region_theta[r, 1]:
            return r + 1
    return 0


@inline
def resolution(params, region, energy):
    """a/E + b/sqrt(E) + c/E^(1/4) + d for one region row (a, b, c, d, E_min)."""
    row = params[region - 1]
    e = max(energy, row[4])
    return row[0] / e + row[1] / np.sqrt(e) + row[2] / np.sqrt(np.sqrt(e)) + row[3]


@kernel(parallel=True)
def ecl_response(seed, numbers, offsets, status, response, px, py, pz, E,
                 region_theta, res_energy, res_theta, res_phi, cluster_min_energy, merge_angle,
                 dep_E, dep_theta, dep_phi, dep_region, is_cluster):
    """Fill per-particle deposit arrays (energy GeV, theta, phi rad, region) and cluster flags."""
    n_events = numbers.shape[0]
    for i in prange(n_events):
        key = rng.event_key(seed, numbers[i], rng.STAGE_ECL)
        start, stop = offsets[i], offsets[i + 1]
        for j in range(start, stop):
            dep_E[j] = 0.0
            dep_region[j] = 0
            is_cluster[j] = False
            if status[j] != 1 or (response[j] != PHOTON and response[j] != ELECTRON):
                continue
            pt = np.sqrt(px[j] * px[j] + py[j] * py[j])
            theta = np.arctan2(pt, pz[j])
            region = ecl_region(theta, region_theta)
            if region == 0:
                continue
            e_true = E[j]
            local = j - start
            sig_e = 0.01 * resolution(res_energy, region, e_true) * e_true
            sig_t = 1e-3 * resolution(res_theta, region, e_true)
            sig_p = 1e-3 * resolution(res_phi, region, e_true)
            dep_E[j] = max(0.0, e_true + sig_e * rng.normal(key, 3 * local))
            dep_theta[j] = theta + sig_t * rng.normal(key, 3 * local + 1)
            phi = np.arctan2(py[j], px[j]) + sig_p * rng.normal(key, 3 * local + 2)
            dep_phi[j] = np.arctan2(np.sin(phi), np.cos(phi))
            dep_region[j] = region
        # merge close deposits into the more energetic one
        for j in range(start, stop):
            if dep_region[j] == 0:
                continue
            for k in range(j + 1, stop):
                if dep_region[k] == 0:
                    continue
                st_j, st_k = np.sin(dep_theta[j]), np.sin(dep_theta[k])
                cos_a = (st_j * st_k * np.cos(dep_phi[j] - dep_phi[k])
                         + np.cos(dep_theta[j]) * np.cos(dep_theta[k]))
                if cos_a > np.cos(merge_angle):
                    hi, lo = (j, k) if dep_E[j] >= dep_E[k] else (k, j)
                    dep_E[hi] += dep_E[lo]
                    dep_E[lo] = 0.0
                    dep_region[lo] = 0
        for j in range(start, stop):
            is_cluster[j] = dep_region[j] != 0 and dep_E[j] >= cluster_min_energy


class EclDeposits:
    """Per-particle ECL output (aligned with the EventBatch particle arrays)."""

    def __init__(self, n_particles):
        self.energy_GeV = np.zeros(n_particles)
        self.theta_rad = np.zeros(n_particles)
        self.phi_rad = np.zeros(n_particles)
        self.region = np.zeros(n_particles, dtype=np.int8)
        self.is_cluster = np.zeros(n_particles, dtype=np.bool_)


def simulate_ecl(batch, response, card, seed):
    """Run the ECL kernel on an EventBatch; ``response`` = pdgdata.response_classes(batch.pdg)."""
    out = EclDeposits(batch.n_particles)
    ecl = card.doc["ecl"]
    ecl_response(np.uint64(seed), batch.number, batch.offsets, batch.status, response,
                 batch.px, batch.py, batch.pz, batch.E,
                 card.ecl_region_theta_rad(), card.ecl_resolution("energy"),
                 card.ecl_resolution("theta"), card.ecl_resolution("phi"),
                 float(ecl["cluster_min_energy_GeV"]), float(ecl["merge_angle_rad"]),
                 out.energy_GeV, out.theta_rad, out.phi_rad, out.region, out.is_cluster)
    return out
