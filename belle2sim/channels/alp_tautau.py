"""alp-tautau: e+e- -> mu+mu- a, a -> tau+tau-: the ALP reinterpretation of the Belle II
tau-pair resonance search (PRL 131 (2023) 121802, arXiv:2306.12294).

The ALP couples to leptons as a pseudoscalar, i y_l l-bar gamma5 l a, with y_l proportional to
the lepton mass (y_l = y_mu m_l / m_mu); it is radiated from the final-state muons of
e+e- -> mu+mu- (generators/radiated_boson.py, PSEUDOSCALAR: the same two diagrams as the Z' and
the scalar, with a gamma5 vertex). B(a -> tau tau) = m_tau^2 beta_tau / sum_l m_l^2 beta_l
(pseudoscalar: Gamma_ll = y_l^2 m_a beta_l / (8 pi); photon couplings not included). Selection and
trigger: the paper's (A5, the zprime-tautau analysis). The ALP is prompt for any y_mu that gives
a visible rate (c tau << 1 um).
"""

import numpy as np

from belle2sim import pdgdata
from belle2sim.channels import ISR, Channel, Parameter, register
from belle2sim.channels.lepton_pair_boson import MUON, generate_with_isr
from belle2sim.channels.tau_channels import TAU, _check_zprime, zprime_tautau_analysis
from belle2sim.generators import alp
from belle2sim.generators import lepton_pair_boson as lpb
from belle2sim.generators import tau_decays
from belle2sim.generators.radiated_boson import PSEUDOSCALAR


def tau_fraction(m_a):
    """B(a -> tau tau) for lepton couplings proportional to the lepton mass."""
    widths = {}
    for lepton in (11, 13, TAU):
        m = pdgdata.mass_GeV(lepton)
        widths[lepton] = m * m * np.sqrt(1 - 4 * m * m / m_a**2) if m_a > 2 * m else 0.0
    return widths[TAU] / sum(widths.values())


CHANNEL = register(Channel(
    name="alp-tautau",
    description="e+e- -> mu+mu- a, a -> tau+tau- (ALP with mass-proportional lepton couplings)",
    reference="Belle II PRL 131 (2023) 121802 (reinterpretation); Bauer, Neubert, Thamm, JHEP 12 (2017) 044 "
    "[arXiv:1708.00443]",
    parameters=(Parameter("mass_GeV", 5.0, "ALP mass (the scanned parameter)"),
                Parameter("y_mu", 0.01, "pseudoscalar ALP-muon Yukawa y_mu (y_l = y_mu m_l / m_mu)",
                          strictly_positive=True, coupling=True),
                ISR),
    analyses=(zprime_tautau_analysis(),),
    generate=lambda seed, first, n, p, card: tau_decays.decay_taus(
        generate_with_isr(seed, first, n, p, card, PSEUDOSCALAR, alp.PDG_ALP, TAU), seed),
    cross_section_fb=lambda p, card: lpb.cross_section_fb(card.beams.sqrt_s_GeV, pdgdata.mass_GeV(MUON),
                                                          p["mass_GeV"], PSEUDOSCALAR, p["y_mu"])[0],
    check=_check_zprime,
    branching_fraction=lambda p, card: tau_fraction(p["mass_GeV"]),
    default_scan=(4.0, 5.0, 6.0, 7.0, 8.0),
    slow_generator_compile=True,  # the matrix element of e+e- -> mu+mu- X
))
