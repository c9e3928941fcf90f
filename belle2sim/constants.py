"""Physical constants and unit conversions (from scipy.constants, CODATA; nothing typed in)."""

from scipy import constants as _c

ALPHA_EM = _c.fine_structure  # alpha(0), the coupling of a real photon
# (hbar c)^2 in GeV^2 fb: converts a cross section in GeV^-2 to fb (1 fb = 1e-43 m^2).
HBARC_GeV_m = _c.hbar * _c.c / (_c.e * 1e9)
GEV2_TO_FB = HBARC_GeV_m**2 / 1e-43
