"""Plain-NumPy version of the ECL response step, the baseline the numba kernel is measured
against (same physics: acceptance, gaps, basf2 resolution, cluster threshold; no merging, which
single-photon events do not need). Random numbers come from numpy's generator, so the numbers
differ event by event but not in distribution."""

import numpy as np

from belle2sim import pdgdata


def _resolution(params, region, energy):
    row = params[np.clip(region - 1, 0, 2)]
    e = np.maximum(energy, row[:, 4])
    return row[:, 0] / e + row[:, 1] / np.sqrt(e) + row[:, 2] / e**0.25 + row[:, 3]


def ecl_response_numpy(batch, response, card, seed):
    rng = np.random.default_rng(seed)
    visible = (batch.status == 1) & ((response == pdgdata.PHOTON) | (response == pdgdata.ELECTRON))
    pt = np.hypot(batch.px, batch.py)
    theta = np.arctan2(pt, batch.pz)
    phi = np.arctan2(batch.py, batch.px)
    bounds = card.ecl_region_theta_rad()
    region = np.zeros(batch.n_particles, dtype=np.int8)
    for r in range(3):
        region[(theta >= bounds[r, 0]) & (theta <= bounds[r, 1])] = r + 1
    region[~visible] = 0
    seen = region > 0
    e = batch.E[seen]
    reg = region[seen]
    z = rng.standard_normal((3, len(e)))
    energy = np.zeros(batch.n_particles)
    theta_s = np.zeros(batch.n_particles)
    phi_s = np.zeros(batch.n_particles)
    energy[seen] = np.maximum(0, e * (1 + 0.01 * _resolution(card.ecl_resolution("energy"), reg, e) * z[0]))
    theta_s[seen] = theta[seen] + 1e-3 * _resolution(card.ecl_resolution("theta"), reg, e) * z[1]
    p = phi[seen] + 1e-3 * _resolution(card.ecl_resolution("phi"), reg, e) * z[2]
    phi_s[seen] = np.arctan2(np.sin(p), np.cos(p))
    is_cluster = seen & (energy >= card.doc["ecl"]["cluster_min_energy_GeV"])
    return energy, theta_s, phi_s, region, is_cluster
