"""Initial-state radiation: one photon per event from the e+e- structure function.

Energy: the photon takes x = 2 E_gamma / sqrt(s) (event c.m.) from the Kuraev-Fadin radiator
at leading order with soft-photon exponentiation (E. A. Kuraev, V. S. Fadin, Sov. J. Nucl.
Phys. 41 (1985) 466, eq. (28); the same form as in the radiative-return generators, e.g.
Rodrigo et al., Eur. Phys. J. C 24 (2002) 71, arXiv:hep-ph/0112184):

    W(x) = beta x^(beta - 1) (1 + 3 beta / 4) - beta (1 - x / 2),
    beta = (2 alpha / pi) (ln(s / m_e^2) - 1),

times the Born cross section of the hard process at the reduced energy, sigma(s (1 - x)) /
sigma(s) (tabulated per point, linear in x between nodes, capped at RATIO_CAP): x is drawn
from W(x) sigma(s(1-x)) by accept-reject. The constant factor 1 + (alpha/pi)(pi^2/3 - 1/2) of the
radiator changes the rate, not the shape; the cross sections belle2sim quotes stay Born.

Angle: the soft-photon (eikonal) pattern of the e+e- antenna,

    dN / dcos(theta) ~ 2 (1 + b^2) / (1 - b^2 c^2) - (1 - b^2) [1 / (1 - b c)^2 + 1 / (1 + b c)^2],

b the beam velocity in the c.m., theta from the e- beam (Peskin & Schroeder eq. (6.16) summed
over both legs). With c = tanh(y) / b, y uniform in (-acosh gamma, acosh gamma), the
acceptance weight is exactly 1 - cosh(2 y) / (2 gamma^2 - 1), with no cancellation near the
beams. Most photons go down the beam pipe (theta ~ 1 / gamma); hard photons at large angle
are rare but they exist as photons in the detector, as the analyses' photon vetoes need.

The hard process is then generated in the rest frame of Q = P_beams - k with sqrt(s') =
sqrt(s (1 - x)), its polar axis the e- beam direction seen from that frame.
"""

import math

import numpy as np

from belle2sim import rng
from belle2sim._jit import inline
from belle2sim.constants import ALPHA_EM
from belle2sim.kinematics import boost, direction

X_NODES = 64


def beta_radiator(s_GeV2, m_e_GeV):
    return 2.0 * ALPHA_EM / np.pi * (np.log(s_GeV2 / m_e_GeV**2) - 1.0)


def radiator(x, beta):
    """W(x) of the module docstring (x in (0, 1))."""
    x = np.asarray(x, dtype=float)
    return beta * x ** (beta - 1.0) * (1.0 + 0.75 * beta) - beta * (1.0 - 0.5 * x)


# sigma(s') / sigma(s) is capped here: near the threshold of a hard process with its own photon
# (gamma A'), that photon becomes soft and the tree-level sigma(s') diverges; without the cap the
# accept-reject would spend its time there. The cap under-weights only the tail s' -> threshold.
RATIO_CAP = 4.0


def ratio_table(sigma_of_s, s_GeV2, x_max):
    """Nodes x in [0, x_max] and min(sigma(s (1 - x)) / sigma(s), RATIO_CAP), scaled to a maximum
    of one, for the accept-reject."""
    x = np.linspace(0.0, x_max, X_NODES)
    sigma0 = sigma_of_s(s_GeV2)
    if sigma0 <= 0:
        raise ValueError("the hard process is closed at the nominal sqrt(s)")
    r = np.array([min(max(sigma_of_s(s_GeV2 * (1.0 - xi)), 0.0) / sigma0, RATIO_CAP) for xi in x])
    return x, r / r.max()


HEADER = 6  # [beta, gamma_e, x_max, acosh(gamma_e), beam velocity b, 2 gamma_e^2 - 1] before the nodes


def antenna_constants(gamma):
    """(acosh gamma, b, 2 gamma^2 - 1) of :func:`draw_cos`, computed once per table instead of per
    photon: math.acosh is the C library's, as the kernels' (NumPy's own arccosh can differ in the
    last bit), and the rest is the kernels' arithmetic in their order."""
    return math.acosh(gamma), np.sqrt(1.0 - 1.0 / (gamma * gamma)), 2.0 * gamma * gamma - 1.0


def largest_x(s_GeV2, threshold_GeV):
    """The table's x_max: 1 % of the way below the hard process's threshold sqrt(s')."""
    return 0.99 * (1.0 - threshold_GeV**2 / s_GeV2)


def packed(s_GeV2, m_e_GeV, sigma_of_s, threshold_GeV):
    """Everything the kernels need: [beta, gamma_e, x_max, antenna constants, nodes..., ratios...].
    ``threshold_GeV``: the smallest sqrt(s') at which the hard process is open (x stays 1 % of
    x_max below it)."""
    beta = beta_radiator(s_GeV2, m_e_GeV)
    gamma = np.sqrt(s_GeV2) / (2.0 * m_e_GeV)
    x_max = largest_x(s_GeV2, threshold_GeV)
    x, r = ratio_table(sigma_of_s, s_GeV2, x_max)
    return np.concatenate([[beta, gamma, x_max], antenna_constants(gamma), x, r])


@inline
def ratio_at(table, x):
    """The table's cross-section ratio at x (linear between nodes, scaled to a maximum of one): the
    factor by which draw_x weights W(x)."""
    n = (table.shape[0] - HEADER) // 2
    x_max = table[2]
    f = x / x_max * (n - 1)
    k = min(int(f), n - 2)
    t = f - k
    return table[HEADER + n + k] * (1.0 - t) + table[HEADER + n + k + 1] * t


@inline
def draw_x(key, table, counter0):
    """x from W(x) sigma(s(1-x)) on (0, x_max], using draws counter0.. of key."""
    beta, x_max = table[0], table[2]
    for attempt in range(100000):
        u = rng.uniform(key, counter0 + 2 * attempt)
        x = x_max * u ** (1.0 / beta)
        ratio = ratio_at(table, x)
        v = rng.uniform(key, counter0 + 2 * attempt + 1)
        if v >= ratio:
            continue  # w below is <= 1, so v >= w * ratio too: rejected without w's power of x
        # W(x) / (beta x^(beta-1) (1 + 3 beta / 4)) <= 1, times the sigma ratio <= 1
        w = 1.0 - (1.0 - 0.5 * x) * x ** (1.0 - beta) / (1.0 + 0.75 * beta)
        if v < w * ratio:
            return x
    return 0.0


@inline
def draw_cos(key, gamma, counter0):
    """cos(theta) of the photon to the e- beam, from the eikonal antenna pattern."""
    return _draw_cos(key, np.arccosh(gamma), np.sqrt(1.0 - 1.0 / (gamma * gamma)), 2.0 * gamma * gamma - 1.0,
                     counter0)


@inline
def _draw_cos(key, a, b, two_gamma2_1, counter0):
    """:func:`draw_cos` given :func:`antenna_constants`."""
    for attempt in range(100000):
        y = a * (2.0 * rng.uniform(key, counter0 + 2 * attempt) - 1.0)
        if rng.uniform(key, counter0 + 2 * attempt + 1) < 1.0 - np.cosh(2.0 * y) / two_gamma2_1:
            return min(max(np.tanh(y) / b, -1.0), 1.0)
    return 0.0


@inline
def radiate(key, table, sqrt_s, bx, by, bz, ax, ay, az, her, stream=0):
    """One ISR photon for an event of c.m. energy sqrt_s, c.m. velocity (bx, by, bz) in the lab
    and e- axis (ax, ay, az) in the c.m. Returns (x, photon lab four-vector (px, py, pz, E),
    sqrt(s'), velocity of the hard system in the lab, e- axis in the hard system's frame); x for a
    generator whose acceptance divides by the table's ratio at x (:func:`ratio_at`).
    Uses draws of ``key`` (an rng.STAGE_ISR key); ``stream`` selects an independent set of
    draws (a generator that redraws the photon per attempt passes the attempt number)."""
    base = stream << 24
    x = draw_x(key, table, base)
    c = _draw_cos(key, table[3], table[4], table[5], base + (1 << 20))
    w = 0.5 * x * sqrt_s
    dx, dy, dz = direction(ax, ay, az, c, 2.0 * np.pi * rng.uniform(key, base + (1 << 21)))
    k_lab = boost(w * dx, w * dy, w * dz, w, bx, by, bz)
    q_lab = boost(-w * dx, -w * dy, -w * dz, sqrt_s - w, bx, by, bz)
    sqrt_sp = np.sqrt(max(sqrt_s * (sqrt_s - 2.0 * w), 0.0))
    qbx, qby, qbz = q_lab[0] / q_lab[3], q_lab[1] / q_lab[3], q_lab[2] / q_lab[3]
    ex, ey, ez, _ = boost(her[0], her[1], her[2], her[3], -qbx, -qby, -qbz)
    n = np.sqrt(ex * ex + ey * ey + ez * ez)
    return x, k_lab, sqrt_sp, (qbx, qby, qbz), (ex / n, ey / n, ez / n)
