"""The polar angle and azimuth of each particle's momentum, computed once per chunk.

The ECL, tracking and CDC-trigger kernels all need theta = atan2(pT, pz) and phi = atan2(py, px) of
a particle's momentum; simulate_ecl computes them for every particle of the chunk in one loop that
LLVM vectorises (:func:`momentum_angles`, 3.5 ns a particle) and keeps them with the deposits
(EclDeposits.momentum_theta_rad / momentum_phi_rad), so the kernels read them (two scalar atan2 in
the ECL kernel cost ~25 ns a particle). Deposits built by hand
(tests, the warm-up) get them from :func:`momentum_angles` (EclDeposits.momentum_angles chooses).
The vector loop and :func:`angles_of` give the same bits (fastmath.atan2_lanes).
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
def _angles(begin, end, px, py, pz, theta, phi, pt_out, p_out):
    # every particle in one loop that LLVM vectorises (selections, no branches; unsigned indices, as
    # numba tests signed ones for wrap-around): 3.5 instead of 25 ns a particle, the same bits;
    # the rare inputs where the vector form differs are counted and done again through atan2
    special = 0
    for j in range(np.uint64(begin), np.uint64(end)):
        pt = np.sqrt(px[j] * px[j] + py[j] * py[j])
        pt_out[j], p_out[j] = pt, np.sqrt(pt * pt + pz[j] * pz[j])
        theta[j] = fastmath.atan2_lanes(pt, pz[j])
        phi[j] = fastmath.atan2_lanes(py[j], px[j])
        special += fastmath.atan2_special(pt, pz[j]) | fastmath.atan2_special(py[j], px[j])
    if special > 0:  # (beams along the axis in external events: pT = 0, phi of (0, 0))
        for j in range(begin, end):
            pt = np.sqrt(px[j] * px[j] + py[j] * py[j])
            if fastmath.atan2_special(pt, pz[j]) | fastmath.atan2_special(py[j], px[j]):
                theta[j], phi[j] = angles_of(px[j], py[j], pz[j])


angles_kernel = _angles.kernel  # (the loop over particles [begin, end): a step of ecl.ecl_steps)


def momentum_kinematics(batch):
    """(theta, phi [rad], pT, p [GeV]) arrays of every particle of ``batch``: pT = sqrt(px^2 + py^2)
    and p = sqrt(pT^2 + pz^2), as the GRL kernel made them for each track (the same bits), made here
    in the vector loop instead: their square roots began each track's chain of dependent steps
    there (four muons 97 -> 87 ns per event in the GRL). The CDC trigger reads p for its tracks'
    cos theta (four muons 102 -> 95 ns, q qbar 304 -> 297), and pT since the kernels run in blocks of
    events whose rows stay in the cache (event_blocks.py: 95-99 -> 91-93, q qbar 298-302 -> 281-284;
    over whole chunks, no faster); the tracking reads both too (four muons 639-646 -> 635-641 ns per
    event in simulate_chunk, q qbar -4 to -7: its square roots began each track's chain as well)."""
    n = batch.n_particles
    theta, phi, pt, p = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    _angles(batch.px, batch.py, batch.pz, theta, phi, pt, p)
    return theta, phi, pt, p


def momentum_angles(batch):
    """(theta, phi) arrays [rad] of every particle of ``batch``."""
    return momentum_kinematics(batch)[:2]
