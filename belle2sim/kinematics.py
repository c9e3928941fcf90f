"""Scalar four-vector helpers for the hot kernels (inlined into them by numba).

Outside the kernels, use ``vector``; these exist because a kernel cannot call it. Each formula is
written once here and tested against ``vector`` in tests/test_kinematics.py.
"""

import numpy as np

from belle2sim._jit import inline


@inline
def boost(px, py, pz, E, bx, by, bz):
    """Four-vector seen from a frame in which the original frame moves with velocity b.

    With b = P/E of a system's total momentum, this takes a four-vector from that system's rest
    frame to the frame where it has momentum P (e.g. CM -> lab); -b goes back.
    """
    b2 = bx * bx + by * by + bz * bz
    if b2 <= 0.0:
        return px, py, pz, E
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = bx * px + by * py + bz * pz
    g2 = (gamma - 1.0) / b2
    k = g2 * bp + gamma * E
    return px + k * bx, py + k * by, pz + k * bz, gamma * (E + bp)


@inline
def perpendicular_basis(nx, ny, nz):
    """Two unit vectors u, v with (u, v, n) right-handed, for a unit vector n."""
    if abs(nz) < 0.9:
        ax, ay, az = 0.0, 0.0, 1.0
    else:
        ax, ay, az = 1.0, 0.0, 0.0
    # u = a x n, normalised; v = n x u
    ux = ay * nz - az * ny
    uy = az * nx - ax * nz
    uz = ax * ny - ay * nx
    norm = np.sqrt(ux * ux + uy * uy + uz * uz)
    ux /= norm
    uy /= norm
    uz /= norm
    vx = ny * uz - nz * uy
    vy = nz * ux - nx * uz
    vz = nx * uy - ny * ux
    return ux, uy, uz, vx, vy, vz


@inline
def direction(nx, ny, nz, cos_theta, phi):
    """Unit vector at polar angle acos(cos_theta) and azimuth phi around axis n."""
    ux, uy, uz, vx, vy, vz = perpendicular_basis(nx, ny, nz)
    sin_theta = np.sqrt(max(0.0, 1.0 - cos_theta * cos_theta))
    cp = np.cos(phi) * sin_theta
    sp = np.sin(phi) * sin_theta
    return (cos_theta * nx + cp * ux + sp * vx,
            cos_theta * ny + cp * uy + sp * vy,
            cos_theta * nz + cp * uz + sp * vz)


@inline
def two_body_momentum(sqrt_s, m1, m2):
    """Momentum of either daughter in the rest frame of a two-body decay of mass sqrt_s."""
    s = sqrt_s * sqrt_s
    lam = (s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2)
    return np.sqrt(max(lam, 0.0)) / (2.0 * sqrt_s)


@inline
def two_body_decay(E, px, py, pz, M, m1, m2, u_cos, u_phi):
    """Isotropic decay of a particle (E, p, mass M) into masses m1, m2, given two uniforms;
    returns the daughters' four-vectors (px, py, pz, E) in the frame of the parent's momentum."""
    p = two_body_momentum(M, m1, m2)
    c = 2.0 * u_cos - 1.0
    s = np.sqrt(max(0.0, 1.0 - c * c))
    f = 2.0 * np.pi * u_phi
    qx, qy, qz = p * s * np.cos(f), p * s * np.sin(f), p * c
    bx, by, bz = px / E, py / E, pz / E
    d1 = boost(qx, qy, qz, np.sqrt(p * p + m1 * m1), bx, by, bz)
    d2 = boost(-qx, -qy, -qz, np.sqrt(p * p + m2 * m2), bx, by, bz)
    return d1, d2


@inline
def boost_as_vector(x, y, z, t, bx, by, bz):
    """(x', y', z') of vector's boost_beta3 of (x, y, z, t) by velocity (bx, by, bz), operation for
    operation as vector's NumPy backend does it (its 4x4 matrix, rows summed in x, y, z, t order):
    the same numbers to the bit, where a selection replaces a vector expression by a kernel."""
    bp2 = bx * bx + by * by + bz * bz
    gamma = 1.0 / np.sqrt(1.0 - bp2)
    bgam = gamma * gamma / (1.0 + gamma)
    xx, yy, zz = 1.0 + bgam * bx * bx, 1.0 + bgam * by * by, 1.0 + bgam * bz * bz
    xy, xz, yz = bgam * bx * by, bgam * bx * bz, bgam * by * bz
    xt, yt, zt = gamma * bx, gamma * by, gamma * bz
    return (xx * x + xy * y + xz * z + xt * t, xy * x + yy * y + yz * z + yt * t,
            xz * x + yz * y + zz * z + zt * t)


@inline
def polar_angle_deg(x, y, z):
    """Polar angle [deg] of (x, y, z): libm's atan2 of (hypot(x, y), z), the same on every CPU
    (NumPy's SIMD arctan2 differs in the last bit on some)."""
    return np.degrees(np.arctan2(np.hypot(x, y), z))


@inline
def matrix_row_times(m, r, x, y, z, t):
    """Row r of a 4x4 matrix m (columns x, y, z, t) times (x, y, z, t), summed in that order (as
    vector sums its transformation rows: objects.cm_boost_matrix)."""
    return m[r, 0] * x + m[r, 1] * y + m[r, 2] * z + m[r, 3] * t
