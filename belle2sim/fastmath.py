"""Inverse-trigonometric and trigonometric functions for the per-particle kernels.

The C library's atan2, sin, cos and asin are correctly rounded at a price (about 20 ns for atan2
here, 11 ns for asin and acos, with slow paths for hard cases); a kernel that takes a few of them
per particle spends a third of its time there. asin here takes 5.6 ns in a loop of independent
calls, ~1 ns a track in a vector loop (asin_lanes): the GRL's ECL-face azimuth and the helix's
crossing of a radius from the axis (calorimeter entries, CDC superlayers) take it. It is within 1
ulp of the C library's (which differs between libm versions); switching the helix's arcsine to it
left every stored deposit, track and trigger bit of 1.1 M particles unchanged (the float64 entry
angle moves by an ulp in ~10 % of tracks, far below the float32 it is stored in). These are the
Cephes rational and polynomial approximations (S. L. Moshier, *Methods and Programs for
Mathematical Functions*, 1989; the same coefficients as Go's math package), accurate to a few
units in the last place of a double: 1e-15 rad, far below any resolution and below the float32
(1e-7) in which the detector stores its angles.
tests/test_fastmath.py checks them against numpy over the whole range.

Valid for finite arguments; sin/cos for |x| < 1e6 rad (the reduction keeps the argument's
absolute accuracy there). NaN in, NaN out.
"""

import numpy as np

from belle2sim._jit import inline, lanes

_PI = np.pi
_PI_2 = np.pi / 2
_PI_4 = np.pi / 4
_TAN_3PI_8 = 2.41421356237309504880
_MORE_BITS = 6.123233995736765886130e-17  # pi/2 = _PI_2 + _MORE_BITS

# atan(x) = x + x^3 P(x^2) / Q(x^2) on |x| <= 0.66
_P0, _P1, _P2, _P3, _P4 = (-8.750608600031904122785e-01, -1.615753718733365076637e+01,
                           -7.500855792314704667340e+01, -1.228866684490136173410e+02,
                           -6.485021904942025371773e+01)
_Q0, _Q1, _Q2, _Q3, _Q4 = (2.485846490142306297962e+01, 1.650270098316988542046e+02,
                           4.328810604912902668951e+02, 4.853903996359136964868e+02,
                           1.945506571482613964425e+02)

# asin(x) = x + x^3 P(x^2) / Q(x^2) on |x| <= 0.625; beyond, from z = 1 - |x|: R(z) / S(z)
_AP0, _AP1, _AP2, _AP3, _AP4, _AP5 = (4.253011369004428248960e-3, -6.019598008014123785661e-1,
                                      5.444622390564711410273e0, -1.626247967210700244449e1,
                                      1.956261983317594739197e1, -8.198089802484824371615e0)
_AQ0, _AQ1, _AQ2, _AQ3, _AQ4 = (-1.474091372988853791896e1, 7.049610280856842141659e1,
                                -1.471791292232726029859e2, 1.395105614657485689735e2,
                                -4.918853881490881290097e1)
_AR0, _AR1, _AR2, _AR3, _AR4 = (2.967721961301243206100e-3, -5.634242780008963776856e-1,
                                6.968710824104713396794e0, -2.556901049652824852289e1,
                                2.853665548261061424989e1)
_AS0, _AS1, _AS2, _AS3 = (-2.194779531642920639778e1, 1.470656354026814941758e2,
                          -3.838770957603691357202e2, 3.424398657913078477438e2)

# sin and cos on |z| <= pi/4
_S0, _S1, _S2, _S3, _S4, _S5 = (1.58962301576546568060e-10, -2.50507477628578072866e-8,
                                2.75573136213857245213e-6, -1.98412698295895385996e-4,
                                8.33333333332211858878e-3, -1.66666666666666307295e-1)
_C0, _C1, _C2, _C3, _C4, _C5 = (-1.13585365213876817300e-11, 2.08757008419747316778e-9,
                                -2.75573141792967388112e-7, 2.48015872888517045348e-5,
                                -1.38888888888730564116e-3, 4.16666666666665929218e-2)
# pi/4 split in three parts for an exact argument reduction
_DP1, _DP2, _DP3 = 7.85398125648498535156e-1, 3.77489470793079817668e-8, 2.69515142907905952645e-15
_FOUR_OVER_PI = 4.0 / np.pi


@inline
def _atan_reduced(x):
    z = x * x
    z = z * ((((_P0 * z + _P1) * z + _P2) * z + _P3) * z + _P4) / (
        ((((z + _Q0) * z + _Q1) * z + _Q2) * z + _Q3) * z + _Q4)
    return x * z + x


@inline
def atan(x):
    """arctan, branch-free: the three ranges of the reduction are selected, not branched on
    (particle directions are random, so branches would be mispredicted half of the time)."""
    a = abs(x)
    big = a > _TAN_3PI_8
    mid = a > 0.66
    # reduced argument and offset: x, (x - 1)/(x + 1) + pi/4, or -1/x + pi/2
    num = -1.0 if big else (a - 1.0 if mid else a)
    den = a if big else (a + 1.0 if mid else 1.0)
    offset = (_PI_2 + _MORE_BITS) if big else ((_PI_4 + 0.5 * _MORE_BITS) if mid else 0.0)
    r = offset + _atan_reduced(num / den)
    return -r if x < 0.0 else r


@inline
def atan2(y, x):
    """Angle of (x, y) in [-pi, pi], as numpy's arctan2, signed zeros included (a particle at
    py = -0.0 with px < 0 is at -pi, as the C library says)."""
    # rare cases to the C library: (0, 0), infinities, and y = +-0 behind the axis (+-pi by the
    # sign of the zero). Three separate tests: folded into one, LLVM stops if-converting the rest
    if x == 0.0 and y == 0.0:
        return np.arctan2(y, x)
    if np.isinf(x):
        return np.arctan2(y, x)
    if y == 0.0 and x < 0.0:
        return np.arctan2(y, x)
    q = atan(y / x)
    if x < 0.0:
        q += _PI if q <= 0.0 else -_PI
    return q


@inline
def asin(x):
    """arcsin on [-1, 1] (Cephes asin.c; NaN outside): within 1 ulp of the C library's."""
    a = abs(x)
    if a > 1.0:
        return np.nan
    if a > 0.625:  # pi/2 - 2 asin(sqrt((1 - a) / 2)), the last in extra precision
        zz = 1.0 - a
        p = zz * ((((_AR0 * zz + _AR1) * zz + _AR2) * zz + _AR3) * zz + _AR4) / (
            (((zz + _AS0) * zz + _AS1) * zz + _AS2) * zz + _AS3)
        zz = np.sqrt(zz + zz)
        z = (_PI_4 - zz) - (zz * p - _MORE_BITS) + _PI_4
        return -z if x < 0.0 else z
    zz = x * x  # (odd in x: the sign, signed zeros included, comes through)
    return x * (zz * (((((_AP0 * zz + _AP1) * zz + _AP2) * zz + _AP3) * zz + _AP4) * zz + _AP5) / (
        ((((zz + _AQ0) * zz + _AQ1) * zz + _AQ2) * zz + _AQ3) * zz + _AQ4)) + x


@lanes
def asin_lanes(x):
    """:func:`asin` with every step a selection (both of its ranges made, one taken), for loops
    LLVM vectorises: the same operations, so the same bits."""
    a = abs(x)
    zz = 1.0 - a  # |x| > 0.625: pi/2 - 2 asin(sqrt((1 - a) / 2))
    p = zz * ((((_AR0 * zz + _AR1) * zz + _AR2) * zz + _AR3) * zz + _AR4) / (
        (((zz + _AS0) * zz + _AS1) * zz + _AS2) * zz + _AS3)
    zz = np.sqrt(zz + zz)
    outer = (_PI_4 - zz) - (zz * p - _MORE_BITS) + _PI_4
    outer = -outer if x < 0.0 else outer
    zz = x * x
    inner = x * (zz * (((((_AP0 * zz + _AP1) * zz + _AP2) * zz + _AP3) * zz + _AP4) * zz + _AP5) / (
        ((((zz + _AQ0) * zz + _AQ1) * zz + _AQ2) * zz + _AQ3) * zz + _AQ4)) + x
    return np.nan if a > 1.0 else (outer if a > 0.625 else inner)


@inline
def mod(x, m):
    """x % m (Python's remainder, as numba computes it) for m > 0, without its division, floor and
    fmod where |x| < m, the usual case of an angle difference: the same bits (a zero remainder is
    +0.0 as numba makes it), x % m elsewhere."""
    if 0.0 < x < m:
        return x
    if -m < x < 0.0:
        return x + m
    if x == 0.0:
        return 0.0
    return x % m


@inline
def mod_lanes(x, m):
    """(:func:`mod`'s x % m, special) with every step a selection, for loops LLVM vectorises: the
    same bits where -m < x < 2 m (an angle difference, shifted by up to one period: there x % m is
    x, x + m or x - m, the last exact), ``special`` elsewhere (NaN included): there the caller
    takes :func:`mod`."""
    inside = (0.0 < x) & (x < m)
    below = (-m < x) & (x < 0.0)
    above = (m <= x) & (x < 2.0 * m)
    wrapped = x if inside else (x + m if below else (x - m if above else 0.0))
    return wrapped, ~(inside | below | above | (x == 0.0))


@inline
def atan2_lanes(y, x):
    """:func:`atan2` with every step a selection, for loops LLVM should vectorise (a particle's
    two angles in a loop of their own: 25 -> 3.5 ns, measured; atan2's branches to the C library
    keep a loop scalar). The same operations, so the same bits, except where
    :func:`atan2_special` says so: there the caller takes :func:`atan2`."""
    q = atan(y / x)
    turned = q + (_PI if q <= 0.0 else -_PI)
    return turned if x < 0.0 else q


@inline
def atan2_special(y, x):
    """The inputs where :func:`atan2_lanes` differs from :func:`atan2`: (0, 0), an infinite x, a
    zero y behind the axis (and NaN: both give NaN)."""
    return ((x == 0.0) & (y == 0.0)) | np.isinf(x) | ((y == 0.0) & (x < 0.0))  # (no branches)


@inline
def sincos(x):
    """(sin x, cos x) with one argument reduction."""
    negative_sin = x < 0.0
    a = -x if negative_sin else x
    j = np.int64(a * _FOUR_OVER_PI)
    y = np.float64(j)
    if j & 1:  # map zeros to the origin
        j += 1
        y += 1.0
    j &= 7
    if j > 3:
        j -= 4
        negative_sin = not negative_sin
        negative_cos = True
    else:
        negative_cos = False
    if j > 1:
        negative_cos = not negative_cos
    z = ((a - y * _DP1) - y * _DP2) - y * _DP3
    zz = z * z
    c = 1.0 - 0.5 * zz + zz * zz * (((((_C0 * zz + _C1) * zz + _C2) * zz + _C3) * zz + _C4) * zz + _C5)
    s = z + z * zz * (((((_S0 * zz + _S1) * zz + _S2) * zz + _S3) * zz + _S4) * zz + _S5)
    if j == 1 or j == 2:
        s, c = c, s
    return (-s if negative_sin else s), (-c if negative_cos else c)


@inline
def sin_lanes(x):
    """sin x of :func:`sincos` with every step a selection, for loops LLVM should vectorise: the
    same operations, so the same bits."""
    return sincos_lanes(x)[0]


@inline
def sincos_lanes(x):
    """:func:`sincos` with every step a selection, for loops LLVM should vectorise: the same
    operations, so the same bits."""
    negative_sin = x < 0.0
    a = -x if negative_sin else x
    j = np.int64(a * _FOUR_OVER_PI)
    odd = (j & 1) != 0
    y = np.float64(j) + (1.0 if odd else 0.0)  # (j + 1 exactly: j < 2**53)
    j = (j + (1 if odd else 0)) & 7
    high = j > 3
    j = j - 4 if high else j
    negative_sin = negative_sin != high
    negative_cos = high != (j > 1)
    z = ((a - y * _DP1) - y * _DP2) - y * _DP3
    zz = z * z
    c = 1.0 - 0.5 * zz + zz * zz * (((((_C0 * zz + _C1) * zz + _C2) * zz + _C3) * zz + _C4) * zz + _C5)
    s = z + z * zz * (((((_S0 * zz + _S1) * zz + _S2) * zz + _S3) * zz + _S4) * zz + _S5)
    swap = (j == 1) | (j == 2)
    s, c = (c if swap else s), (s if swap else c)
    return (-s if negative_sin else s), (-c if negative_cos else c)
