"""The polar angle and azimuth of each particle's momentum, computed once per chunk.

The ECL, tracking and CDC-trigger kernels all need theta = atan2(pT, pz) and phi = atan2(py, px) of
a particle's momentum; the ECL kernel computes them for every final-state particle it or a later
kernel can use and writes them out (EclDeposits.momentum_theta_rad / momentum_phi_rad), so the later
kernels read instead of computing them again (up to five atan2 per charged particle before, two
now). Deposits built by hand (tests, the warm-up) get them from :func:`momentum_angles`
(EclDeposits.momentum_angles chooses).
Both use :func:`angles_of`, so the numbers are the same either way.
"""

import numpy as np

from belle2sim import fastmath
from belle2sim._jit import inline, range_kernel


@inline
def angles_of(px, py, pz):
    """(theta, phi) of a momentum [rad]: atan2(pT, pz) and atan2(py, px)."""
    pt = np.sqrt(px * px + py * py)
    return fastmath.atan2(pt, pz), fastmath.atan2(py, px)


@range_kernel("px", min_per_piece=4096)
def _angles(begin, end, px, py, pz, theta, phi):
    for j in range(begin, end):
        theta[j], phi[j] = angles_of(px[j], py[j], pz[j])


def momentum_angles(batch):
    """(theta, phi) arrays [rad] of every particle of ``batch``."""
    theta, phi = np.empty(batch.n_particles), np.empty(batch.n_particles)
    _angles(batch.px, batch.py, batch.pz, theta, phi)
    return theta, phi
