"""Decay widths and branching fractions of light new bosons coupling to leptons.

L_mu - L_tau gauge boson Z' (coupling g' to mu, tau, nu_mu, nu_tau; vector to charged
leptons, left-handed neutrinos): e.g. Altmannshofer, Gori, Pospelov, Yavin, PRD 89 (2014)
095033; Belle II, PRL 124 (2020) 141801:

    Gamma(Z' -> l l)     = g'^2 M / (12 pi) (1 + 2 m_l^2 / M^2) sqrt(1 - 4 m_l^2 / M^2)
    Gamma(Z' -> nu nubar) = g'^2 M / (24 pi)   per flavour (nu_mu, nu_tau)

Scalar S with Yukawa couplings y_l to charged leptons (muonphilic: y_mu only; leptophilic:
y_l = xi m_l / v): Gamma(S -> l l) = y_l^2 M / (8 pi) (1 - 4 m_l^2 / M^2)^(3/2). A muonphilic
scalar below 2 m_mu, or one with a dark-sector decay, is invisible. Lepton masses from
``particle``; v = (sqrt(2) G_F)^(-1/2) from scipy's CODATA G_F.
"""

import numpy as np
from scipy import constants

from belle2sim import pdgdata

LEPTONS = {"e": 11, "mu": 13, "tau": 15}
V_EW_GeV = (np.sqrt(2) * constants.physical_constants["Fermi coupling constant"][0]) ** -0.5


def _beta(M, m):
    return np.sqrt(max(0.0, 1.0 - 4.0 * m**2 / M**2)) if M > 2 * m else 0.0


def zprime_widths_GeV(M, g):
    """Partial widths of the L_mu - L_tau Z' (GeV), keyed by final state."""
    out = {}
    for name in ("mu", "tau"):
        m = pdgdata.mass_GeV(LEPTONS[name])
        b = _beta(M, m)
        out[name] = g**2 * M / (12 * np.pi) * (1 + 2 * m**2 / M**2) * b if b > 0 else 0.0
    out["nu"] = 2 * g**2 * M / (24 * np.pi)  # nu_mu + nu_tau
    return out


def scalar_widths_GeV(M, couplings):
    """Partial widths of a scalar with Yukawa couplings {lepton name: y} (GeV)."""
    out = {}
    for name, y in couplings.items():
        m = pdgdata.mass_GeV(LEPTONS[name])
        b = _beta(M, m)
        out[name] = y**2 * M / (8 * np.pi) * b**3
    return out


def leptophilic_yukawas(xi):
    """y_l = xi m_l / v for e, mu, tau."""
    return {name: xi * pdgdata.mass_GeV(pdg) / V_EW_GeV for name, pdg in LEPTONS.items()}


def branching_fractions(widths):
    total = sum(widths.values())
    return {k: (v / total if total > 0 else 0.0) for k, v in widths.items()}
