"""e+ e- -> l+ l- X with X radiated from the final-state lepton line, tree level.

X is a vector (coupling g' l-bar gamma^mu l X_mu: the L_mu - L_tau Z'), a scalar (coupling
y l-bar l S: muonphilic / leptophilic scalars) or a pseudoscalar (an ALP: i y l-bar gamma5 l a;
PSEUDOSCALAR_DERIVATIVE is the same ALP written with the derivative coupling
(y / 2m) d_mu a l-bar gamma^mu gamma5 l, which for on-shell leptons gives the same amplitude: the
tests use it as an independent check). X does not couple to electrons, so the two
diagrams are emission from the l- and from the l+ leg of e+e- -> gamma* -> l+l-:

    M = e^2 g / s' * [vbar(p2) gamma_rho u(p1)] * ubar(k1) [ G (k1s + qs + m) gamma^rho / D1
                                                           + gamma^rho (-k2s - qs + m) G / D2 ] v(k2)

with G = eps*slash (vector), 1 (scalar), gamma5 (pseudoscalar; the overall i drops out of |M|^2) or
q-slash gamma5 / (2 m) (derivative form), D_i = M^2 + 2 k_i.q, s' = (p1 + p2)^2 (Bollini et al.,
and e.g. the L_mu - L_tau analysis of Belle II, PRL 124 (2020) 141801, which uses the same
two diagrams). Lepton and electron masses are kept. The squared amplitude is summed numerically
over spins and X polarisations (generators/helicity.py).

Phase space: dPhi3 = dPhi2(sqrt s; m_ll, M) dm_ll^2 / 2pi dPhi2(m_ll; m, m) with
u = s + M^2 - m_ll^2 = 2 sqrt(s) E_X sampled uniformly in log u (flattens the soft-X rise of a
vector; a scalar's or pseudoscalar's spectrum is harder: mostly uniformly in u), the X direction
uniform, and the l- direction in the l+l- rest frame uniform in azimuth about X's direction there,
its polar angle from a mixture of uniform and the two collinear peaks 1 / D1, 1 / D2
(:func:`collinear_peaks`: a light X is radiated along a lepton; with a uniform angle alone a
0.5 GeV Z' event needed ~20 attempts, now ~3). Events are unweighted against
the largest weight of a pilot run (weights above it are kept with weight w / w_max > 1).
"""

import numpy as np

from belle2sim import rng
from belle2sim._jit import inline, inline_owning, range_kernel
from belle2sim.generators.helicity import (
    bar, current, matmul, matvec, polarisations, slash, slash_matmul, spinor_u, spinor_v, vecmat,
)
from belle2sim.kinematics import boost, perpendicular_basis, two_body_momentum

VECTOR, SCALAR, PSEUDOSCALAR, PSEUDOSCALAR_DERIVATIVE = 0, 1, 2, 3


@inline
def _dot(a, b):
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


@inline
def _over(z, d):
    """z / d for a real d, component-wise (numba would divide by the complex d + 0i)."""
    return complex(z.real / d, z.imag / d)


@inline_owning
def workspace():
    """Scratch arrays for :func:`me2` (allocate once per thread block; the last holds the beams
    of the electron currents kept in the first)."""
    return (np.zeros((2, 2, 4), np.complex128), np.zeros(4, np.complex128), np.zeros(4, np.complex128),
            np.zeros(4, np.complex128), np.zeros((2, 4), np.complex128), np.zeros((2, 4), np.complex128),
            np.zeros((4, 4), np.complex128), np.zeros((4, 4), np.complex128), np.zeros((4, 4), np.complex128),
            np.zeros((4, 4), np.complex128), np.zeros((4, 4), np.complex128), np.zeros((4, 4), np.complex128),
            np.zeros(4, np.complex128), np.zeros((2, 4), np.complex128), np.zeros((3, 4)))


@inline_owning
def _gamma5_vertex(q, m_l, derivative, out, scratch):
    """gamma5 (Dirac representation: off-diagonal identity blocks), or q-slash gamma5 / (2 m_l)."""
    for x in range(4):
        for y in range(4):
            out[x, y] = 0.0
    for d in range(2):
        out[d, d + 2] = 1.0
        out[d + 2, d] = 1.0
    if derivative:
        slash(q[0], q[1], q[2], q[3], scratch)
        g5 = out.copy()
        matmul(scratch, g5, out)
        for x in range(4):
            for y in range(4):
                out[x, y] = out[x, y] / (2.0 * m_l)


@inline
def me2(p1, p2, k1, k2, q, m_e, m_l, M, kind, pols, n_pol, ws):
    """Spin-averaged |M|^2 / (e^4 g^2) for four-vectors (E, px, py, pz).

    ``pols`` (n_pol rows) are the X polarisation vectors to sum over (ignored for a scalar);
    the physical ones come from helicity.polarisations.
    """
    L, ue, ve, vbar, ub1, v2, S1, S2, G, B1, B2, T, a, b, beams_of_L = ws
    # electron currents L[s1, s2, mu] = vbar(p2) gamma^mu u(p1); kept while the beams stay the
    # same (a pilot run, or events without ISR): the same numbers, computed once
    same_beams = beams_of_L[2, 0] == 1.0
    for c in range(4):
        same_beams = same_beams and beams_of_L[0, c] == p1[c] and beams_of_L[1, c] == p2[c]
    if not same_beams:
        for s1 in range(2):
            spinor_u(p1[0], p1[1], p1[2], p1[3], m_e, s1, ue)
            for s2 in range(2):
                spinor_v(p2[0], p2[1], p2[2], p2[3], m_e, s2, ve)
                bar(ve, vbar)
                for mu in range(4):
                    L[s1, s2, mu] = current(vbar, mu, ue)
        for c in range(4):
            beams_of_L[0, c], beams_of_L[1, c] = p1[c], p2[c]
        beams_of_L[2, 0] = 1.0
    for r in range(2):
        spinor_u(k1[0], k1[1], k1[2], k1[3], m_l, r, ue)
        bar(ue, ub1[r])
        spinor_v(k2[0], k2[1], k2[2], k2[3], m_l, r, v2[r])
    d1 = M * M + 2.0 * _dot(k1, q)
    d2 = M * M + 2.0 * _dot(k2, q)
    slash(k1[0] + q[0], k1[1] + q[1], k1[2] + q[2], k1[3] + q[3], S1)
    slash(-k2[0] - q[0], -k2[1] - q[1], -k2[2] - q[2], -k2[3] - q[3], S2)
    for d in range(4):
        S1[d, d] += m_l
        S2[d, d] += m_l
    total = 0.0
    n = n_pol if kind == VECTOR else 1
    for p in range(n):
        if kind == SCALAR:
            for x in range(4):
                for y in range(4):
                    B1[x, y] = _over(S1[x, y], d1)
                    B2[x, y] = _over(S2[x, y], d2)
        else:
            if kind == VECTOR:
                slash(pols[p, 0], pols[p, 1], pols[p, 2], pols[p, 3], G)  # real polarisations
            else:
                _gamma5_vertex(q, m_l, kind == PSEUDOSCALAR_DERIVATIVE, G, T)
            if kind == VECTOR:
                slash_matmul(G, S1, T)  # G is the slash of a real polarisation vector
            else:
                matmul(G, S1, T)
            for x in range(4):
                for y in range(4):
                    B1[x, y] = _over(T[x, y], d1)
            slash_matmul(S2, G, T)  # S2 = -(k2 + q)slash + m
            for x in range(4):
                for y in range(4):
                    B2[x, y] = _over(T[x, y], d2)
        for r2 in range(2):
            matvec(B2, v2[r2], b[r2])  # once per spin, not once per spin pair
        for r1 in range(2):
            vecmat(ub1[r1], B1, a)
            for r2 in range(2):
                J0 = current(a, 0, v2[r2]) + current(ub1[r1], 0, b[r2])
                J1 = current(a, 1, v2[r2]) + current(ub1[r1], 1, b[r2])
                J2 = current(a, 2, v2[r2]) + current(ub1[r1], 2, b[r2])
                J3 = current(a, 3, v2[r2]) + current(ub1[r1], 3, b[r2])
                for s1 in range(2):
                    for s2 in range(2):
                        amp = (L[s1, s2, 0] * J0 - L[s1, s2, 1] * J1 - L[s1, s2, 2] * J2
                               - L[s1, s2, 3] * J3)
                        total += amp.real * amp.real + amp.imag * amp.imag
    s_photon = _dot(p1, p1) + _dot(p2, p2) + 2.0 * _dot(p1, p2)
    return 0.25 * total / (s_photon * s_photon)


@inline
def beams_along_z(sqrt_s, m_e, p1, p2):
    """e- (p1) along +z and e+ (p2) along -z in the canonical CM frame of the amplitude."""
    pe = np.sqrt(0.25 * sqrt_s * sqrt_s - m_e * m_e)
    p1[0], p1[1], p1[2], p1[3] = 0.5 * sqrt_s, 0.0, 0.0, pe
    p2[0], p2[1], p2[2], p2[3] = 0.5 * sqrt_s, 0.0, 0.0, -pe


# share of the l- angle drawn uniformly; the rest follows the two collinear peaks 1 / D1, 1 / D2.
# Pilot weights' largest / mean (1e5 points, vector / scalar): uniform alone 19 / 77 at M = 0.5 GeV,
# 3.2 / 7.4 at 2, 1.7 / 3.9 at 4 GeV; with 0.2: 2.2 / 9.0, 1.8 / 5.5, 1.5 / 4.6
UNIFORM_SHARE = 0.2
# share of u = 2 sqrt(s) E_X drawn uniformly (the rest uniform in log u, which flattens a vector's
# soft 1 / E_X rise); a scalar's or pseudoscalar's spectrum is harder: its weights rose ~4x from the
# lowest to the highest E_X decile with log u alone. Largest / mean weight of 1e5 scalar points at
# M = 0.5 / 2 / 8 GeV: log u alone 9.0 / 5.5 / 3.6; 0.5 uniform 5.1 / 4.3 / 3.6; 0.8 uniform 4.1 /
# 3.8 / 3.5 (1.0: 3.6 / 3.5 / 3.5, but nothing left for a soft rise at small M). Vector: no gain.
LINEAR_U_SHARE_VECTOR = 0.0
LINEAR_U_SHARE_SCALAR = 0.8


@inline
def collinear_peaks(A, B, u_channel, u_cos):
    """(cos theta*, density / uniform density) of the l- direction in the l+l- rest frame, theta*
    from X's direction there: with D1 = A - B cos, D2 = A + B cos (the propagators M^2 + 2 k.q),
    a mixture of uniform (UNIFORM_SHARE) and 1 / D1, 1 / D2 (the rest, half each). A > B >= 0."""
    if B <= 1e-12 * A:
        return 2.0 * u_cos - 1.0, 1.0
    low, high = A - B, A + B
    log_ratio = np.log(high / low)
    if u_channel < UNIFORM_SHARE:
        c = 2.0 * u_cos - 1.0
    else:
        c = (A - low * np.exp(u_cos * log_ratio)) / B  # D1 = low (high / low)^u: density 1 / D1
        c = min(1.0, max(-1.0, c))
        if u_channel < 0.5 * (1.0 + UNIFORM_SHARE):
            c = -c  # the l+ peak
    # each peak's density is B / (D log_ratio), the uniform one 1/2: the mixture over 1/2
    peaks = B / log_ratio * (1.0 / (A - B * c) + 1.0 / (A + B * c))
    return c, UNIFORM_SHARE + (1.0 - UNIFORM_SHARE) * peaks


@inline
def phase_space_point(key, base, sqrt_s, m_l, M, kind, out_k1, out_k2, out_q):
    """One 3-body point in the canonical CM frame (e- along +z); returns the weight
    dPhi3 / (d random numbers). Uses the uniforms base ... base + 4, base + 6 and base + 7."""
    s = sqrt_s * sqrt_s
    u_min = 2.0 * sqrt_s * M
    u_max = s + M * M - 4.0 * m_l * m_l
    if u_max <= u_min:
        return 0.0
    log_range = np.log(u_max) - np.log(u_min)
    linear_share = LINEAR_U_SHARE_VECTOR if kind == VECTOR else LINEAR_U_SHARE_SCALAR
    if linear_share > 0.0 and rng.uniform(key, base + 7) < linear_share:
        u = u_min + (u_max - u_min) * rng.uniform(key, base)
    else:
        u = np.exp(np.log(u_min) + log_range * rng.uniform(key, base))
    m_ll2 = s + M * M - u
    m_ll = np.sqrt(max(m_ll2, 4.0 * m_l * m_l))
    pq = two_body_momentum(sqrt_s, m_ll, M)
    cq = 2.0 * rng.uniform(key, base + 1) - 1.0
    fq = 2.0 * np.pi * rng.uniform(key, base + 2)
    sq = np.sqrt(max(0.0, 1.0 - cq * cq))
    nx, ny, nz = sq * np.cos(fq), sq * np.sin(fq), cq
    out_q[1], out_q[2], out_q[3] = pq * nx, pq * ny, pq * nz
    out_q[0] = np.sqrt(pq * pq + M * M)
    # l- in the l+l- rest frame, where X moves along the same n (the boost is along n), at angle
    # theta* from n: D1 = M^2 + 2 k1.q = A - B cos theta*, with k1 = (m_ll / 2, pl)
    pl = two_body_momentum(m_ll, m_l, m_l)
    e_l = np.sqrt(pl * pl + m_l * m_l)
    eq_pair = (s - m_ll * m_ll - M * M) / (2.0 * m_ll)
    pq_pair = np.sqrt(max(eq_pair * eq_pair - M * M, 0.0))
    cl, density = collinear_peaks(M * M + m_ll * eq_pair, 2.0 * pl * pq_pair, rng.uniform(key, base + 6),
                                  rng.uniform(key, base + 3))
    fl = 2.0 * np.pi * rng.uniform(key, base + 4)
    sl = np.sqrt(max(0.0, 1.0 - cl * cl))
    ux, uy, uz, wx, wy, wz = perpendicular_basis(nx, ny, nz)
    a1, a2 = sl * np.cos(fl), sl * np.sin(fl)
    dx, dy, dz = cl * nx + a1 * ux + a2 * wx, cl * ny + a1 * uy + a2 * wy, cl * nz + a1 * uz + a2 * wz
    e_pair = sqrt_s - out_q[0]
    bx, by, bz = -out_q[1] / e_pair, -out_q[2] / e_pair, -out_q[3] / e_pair
    a = boost(pl * dx, pl * dy, pl * dz, e_l, bx, by, bz)
    c = boost(-pl * dx, -pl * dy, -pl * dz, e_l, bx, by, bz)
    out_k1[1], out_k1[2], out_k1[3], out_k1[0] = a[0], a[1], a[2], a[3]
    out_k2[1], out_k2[2], out_k2[3], out_k2[0] = c[0], c[1], c[2], c[3]
    # the mixture's density in u: linear_share uniform, the rest uniform in log u
    jac = 1.0 / (linear_share / (u_max - u_min) + (1.0 - linear_share) / (u * log_range))
    return jac / (2.0 * np.pi) * pq / (4.0 * np.pi * sqrt_s) * pl / (4.0 * np.pi * m_ll) / density


POINTS_PER_BLOCK = 256  # phase-space points sharing one helicity-amplitude workspace


def weights(seed, stage, n, sqrt_s, m_e, m_l, M, kind):
    """Event weights |M|^2 dPhi3 / (e^4 g^2) at n phase-space points (pilot runs, integrals)."""
    out = np.empty(n)
    _weights_blocks(seed, stage, n, sqrt_s, m_e, m_l, M, kind, out)
    return out


def _blocks(n):
    return (n + POINTS_PER_BLOCK - 1) // POINTS_PER_BLOCK


@range_kernel(lambda seed, stage, n, *rest: _blocks(n), min_per_piece=1)
def _weights_blocks(begin, end, seed, stage, n, sqrt_s, m_e, m_l, M, kind, out):
    block = POINTS_PER_BLOCK
    for blk in range(begin, end):
        ws = workspace()
        pols = np.zeros((3, 4))
        p1, p2 = np.zeros(4), np.zeros(4)
        beams_along_z(sqrt_s, m_e, p1, p2)
        k1, k2, q = np.zeros(4), np.zeros(4), np.zeros(4)
        for i in range(blk * block, min(n, (blk + 1) * block)):
            key = rng.event_key(seed, i, stage)
            w = phase_space_point(key, 0, sqrt_s, m_l, M, kind, k1, k2, q)
            if w > 0.0:
                polarisations(q[0], q[1], q[2], q[3], M, pols)
                w *= me2(p1, p2, k1, k2, q, m_e, m_l, M, kind, pols, 3, ws)
            out[i] = w


def me2_at(k1s, k2s, qs, pols, sqrt_s, m_e, m_l, M, kind):
    """|M|^2 / (e^4 g^2) at given final-state momenta (rows (E, px, py, pz), canonical CM frame
    with e- along +z). ``pols`` (n, n_pol, 4) are the X polarisations to sum over."""
    out = np.empty(k1s.shape[0])
    _me2_blocks(k1s, k2s, qs, pols, sqrt_s, m_e, m_l, M, kind, out)
    return out


@range_kernel(lambda k1s, *rest: _blocks(k1s.shape[0]), min_per_piece=1)
def _me2_blocks(begin, end, k1s, k2s, qs, pols, sqrt_s, m_e, m_l, M, kind, out):
    n = k1s.shape[0]
    block = POINTS_PER_BLOCK
    for blk in range(begin, end):
        ws = workspace()
        p1, p2 = np.zeros(4), np.zeros(4)
        beams_along_z(sqrt_s, m_e, p1, p2)
        for i in range(blk * block, min(n, (blk + 1) * block)):
            out[i] = me2(p1, p2, k1s[i], k2s[i], qs[i], m_e, m_l, M, kind, pols[i], pols.shape[1], ws)


def physical_polarisations(qs, M):
    """(n, 3, 4) physical polarisation vectors of X for momenta qs (rows E, px, py, pz)."""
    out = np.zeros((qs.shape[0], 3, 4))
    _polarisations_of(qs, M, out)
    return out


@range_kernel("qs")
def _polarisations_of(begin, end, qs, M, out):
    for i in range(begin, end):
        polarisations(qs[i, 0], qs[i, 1], qs[i, 2], qs[i, 3], M, out[i])
