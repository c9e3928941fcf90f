"""Dark-photon decay widths: e+e-, mu+mu- and hadrons through the R ratio.

Gamma(A' -> l l) = alpha eps^2 m / 3 (1 + 2 r) sqrt(1 - 4 r), r = m_l^2 / m^2;
Gamma(A' -> hadrons) = alpha eps^2 m / 3 R(m) (e.g. Batell, Pospelov, Ritz, PRD 79 (2009) 115008).

R(m) here is a parametrisation, not data: below 1.1 GeV the pi+pi- contribution
R = beta_pi^3 |F_pi|^2 / 4 with a rho Breit-Wigner form factor F = m_rho^2 / (m_rho^2 - s -
i m_rho Gamma_rho) (rho, pi masses and width from ``particle``; omega and phi peaks are not
included); above it the parton-model value sum 3 Q_q^2 (2 for u, d, s; 10/3 above 2 m_D).
Only e+e-, mu+mu-, tau+tau- and pi+pi- final states are generated; multi-hadron A' decays above
1.1 GeV are not (their branching fraction is reported, events are not made).
"""

import numpy as np

from belle2sim import pdgdata

PI, RHO, D0 = 211, 113, 421
GENERATED = {"e": 11, "mu": 13, "tau": 15, "pipi": 211}
R_PARTON_LIGHT = 3 * (4 / 9 + 1 / 9 + 1 / 9)
R_PARTON_CHARM = R_PARTON_LIGHT + 3 * 4 / 9
PIPI_REGION_MAX_GeV = 1.1


def r_ratio(m):
    """The R-ratio parametrisation described in the module docstring."""
    m_pi = pdgdata.mass_GeV(PI)
    if m <= 2 * m_pi:
        return 0.0
    if m < PIPI_REGION_MAX_GeV:
        m_rho = pdgdata.mass_GeV(RHO)
        from particle import Particle

        g_rho = Particle.from_pdgid(RHO).width * 1e-3
        s = m * m
        f2 = m_rho**4 / ((m_rho**2 - s) ** 2 + (m_rho * g_rho) ** 2)
        return 0.25 * (1 - 4 * m_pi**2 / s) ** 1.5 * f2
    return R_PARTON_CHARM if m > 2 * pdgdata.mass_GeV(D0) else R_PARTON_LIGHT


def widths_over_alpha_eps2(m):
    """Partial widths / (alpha eps^2) in GeV: e, mu, tau, hadrons (pipi below 1.1 GeV)."""
    out = {}
    for name in ("e", "mu", "tau"):
        ml = pdgdata.mass_GeV(GENERATED[name])
        r = ml**2 / m**2
        out[name] = m / 3 * (1 + 2 * r) * np.sqrt(1 - 4 * r) if r < 0.25 else 0.0
    had = m / 3 * r_ratio(m)
    out["pipi" if m < PIPI_REGION_MAX_GeV else "hadrons"] = had
    return out


def branching_fractions(m):
    w = widths_over_alpha_eps2(m)
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}
