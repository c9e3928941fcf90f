"""Dirac algebra for tree-level matrix elements, evaluated numerically in numba kernels.

Dirac representation, metric (+, -, -, -). Spinors u(p, s), v(p, s) for a fermion of mass m in
the basis chi_1 = (1, 0), chi_2 = (0, 1) (any orthonormal basis gives the right spin sums:
sum u ubar = pslash + m, sum v vbar = pslash - m, checked in tests/test_helicity.py); massive
vector polarisations: two transverse and the longitudinal (|k|/M, E k/|k| / M).

Amplitudes are built from these and squared numerically: no trace algebra to get wrong, and
the same code serves vector and scalar emission.
"""

import numpy as np

from belle2sim._jit import inline

GAMMA = np.zeros((4, 4, 4), dtype=np.complex128)
_I2 = np.eye(2)
_SIGMA = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=np.complex128)
GAMMA[0, :2, :2] = _I2
GAMMA[0, 2:, 2:] = -_I2
for _k in range(3):
    GAMMA[_k + 1, :2, 2:] = _SIGMA[_k]
    GAMMA[_k + 1, 2:, :2] = -_SIGMA[_k]
METRIC = np.array([1.0, -1.0, -1.0, -1.0])


@inline
def slash(E, px, py, pz, out):
    """out = pslash = E g0 - px g1 - py g2 - pz g3, entry by entry (the products of the real
    components with the 0, +-1, +-i entries of GAMMA are exact, so this is that sum to the bit)."""
    out[0, 0], out[0, 1], out[0, 2], out[0, 3] = E, 0.0, -pz, complex(-px, py)
    out[1, 0], out[1, 1], out[1, 2], out[1, 3] = 0.0, E, complex(-px, -py), pz
    out[2, 0], out[2, 1], out[2, 2], out[2, 3] = pz, complex(px, -py), -E, 0.0
    out[3, 0], out[3, 1], out[3, 2], out[3, 3] = complex(px, py), -pz, 0.0, -E


@inline
def _sigma_p_chi(px, py, pz, s):
    """The basis two-spinor chi_s and (sigma . p) chi_s."""
    c0, c1 = (1.0, 0.0) if s == 0 else (0.0, 1.0)
    return c0, c1, pz * c0 + (px - 1j * py) * c1, (px + 1j * py) * c0 - pz * c1


@inline
def spinor_u(E, px, py, pz, m, s, out):
    """u(p, s) = (sqrt(E + m) chi, (sigma . p) chi / sqrt(E + m)) for s = 0, 1."""
    n = np.sqrt(E + m)
    c0, c1, sp0, sp1 = _sigma_p_chi(px, py, pz, s)
    out[0], out[1] = n * c0, n * c1
    out[2], out[3] = sp0 / n, sp1 / n


@inline
def spinor_v(E, px, py, pz, m, s, out):
    """v(p, s) = ((sigma . p) chi / sqrt(E + m), sqrt(E + m) chi) for s = 0, 1."""
    n = np.sqrt(E + m)
    c0, c1, sp0, sp1 = _sigma_p_chi(px, py, pz, s)
    out[0], out[1] = sp0 / n, sp1 / n
    out[2], out[3] = n * c0, n * c1


@inline
def bar(spinor, out):
    """Dirac adjoint as a row: psi^dagger gamma^0."""
    out[0] = np.conj(spinor[0])
    out[1] = np.conj(spinor[1])
    out[2] = -np.conj(spinor[2])
    out[3] = -np.conj(spinor[3])


@inline
def polarisations(E, kx, ky, kz, M, out):
    """The three polarisation four-vectors (rows of out, shape (3, 4)) of a massive vector."""
    k = np.sqrt(kx * kx + ky * ky + kz * kz)
    if k < 1e-12:
        nx, ny, nz = 0.0, 0.0, 1.0
    else:
        nx, ny, nz = kx / k, ky / k, kz / k
    # transverse: e1 perpendicular to n, e2 = n x e1
    if abs(nz) < 0.9:
        ax, ay, az = -ny, nx, 0.0
    else:
        ax, ay, az = 0.0, -nz, ny
    norm = np.sqrt(ax * ax + ay * ay + az * az)
    ax, ay, az = ax / norm, ay / norm, az / norm
    bx, by, bz = ny * az - nz * ay, nz * ax - nx * az, nx * ay - ny * ax
    out[0, 0], out[0, 1], out[0, 2], out[0, 3] = 0.0, ax, ay, az
    out[1, 0], out[1, 1], out[1, 2], out[1, 3] = 0.0, bx, by, bz
    out[2, 0], out[2, 1], out[2, 2], out[2, 3] = k / M, E * nx / M, E * ny / M, E * nz / M


@inline
def _times_i(z):
    """i z, exactly (what multiplying by the complex constant 1j gives)."""
    return complex(-z.imag, z.real)


@inline
def current(row, mu, col):
    """row . gamma^mu . col (a bilinear such as ubar gamma^mu v): the four non-zero entries of
    each Dirac-representation gamma^mu written out (GAMMA above), summed in row order. Multiplying
    by +-1 or +-i is exact, so this equals the plain 16-term sum to the last bit."""
    if mu == 0:
        return ((row[0] * col[0] + row[1] * col[1]) + (-row[2]) * col[2]) + (-row[3]) * col[3]
    if mu == 1:
        return ((row[0] * col[3] + row[1] * col[2]) + (-row[2]) * col[1]) + (-row[3]) * col[0]
    if mu == 2:
        return (((-_times_i(row[0])) * col[3] + _times_i(row[1]) * col[2]) + _times_i(row[2]) * col[1]) \
            + (-_times_i(row[3])) * col[0]
    return ((row[0] * col[2] + (-row[1]) * col[3]) + (-row[2]) * col[0]) + row[3] * col[1]


@inline
def matvec(m, v, out):
    for a in range(4):
        acc = 0.0 + 0.0j
        for b in range(4):
            acc += m[a, b] * v[b]
        out[a] = acc


@inline
def vecmat(v, m, out):
    for b in range(4):
        acc = 0.0 + 0.0j
        for a in range(4):
            acc += v[a] * m[a, b]
        out[b] = acc


@inline
def matmul(a, b, out):
    for i in range(4):
        for j in range(4):
            acc = 0.0 + 0.0j
            for k in range(4):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc


@inline
def _real_times(f, z):
    """f z for a real f: what the complex product (f + 0i) z gives, in two multiplications."""
    return complex(f * z.real, f * z.imag)


@inline
def slash_matmul(a, b, out):
    """out = a b (4 x 4) for ``a`` with the pattern of a slash of a real four-vector plus a
    multiple of 1: zeros at (0, 1), (1, 0), (2, 3), (3, 2); real diagonal and (0, 2), (1, 3),
    (2, 0), (3, 1); complex (0, 3), (1, 2), (2, 1), (3, 0). The sums of :func:`matmul` in the same
    order, without its products by exact zeros (real or imaginary): the same numbers, with about
    half of the multiplications."""
    for j in range(4):
        b0, b1, b2, b3 = b[0, j], b[1, j], b[2, j], b[3, j]
        out[0, j] = (_real_times(a[0, 0].real, b0) + _real_times(a[0, 2].real, b2)) + a[0, 3] * b3
        out[1, j] = (_real_times(a[1, 1].real, b1) + a[1, 2] * b2) + _real_times(a[1, 3].real, b3)
        out[2, j] = (_real_times(a[2, 0].real, b0) + a[2, 1] * b1) + _real_times(a[2, 2].real, b2)
        out[3, j] = (a[3, 0] * b0 + _real_times(a[3, 1].real, b1)) + _real_times(a[3, 3].real, b3)
