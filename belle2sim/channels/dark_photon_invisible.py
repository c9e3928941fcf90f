"""dark-photon-invisible: e+e- -> gamma A', A' -> invisible (the single-photon search).

Generator: belle2sim.generators.dark_photon (tree level, Essig et al. arXiv:1309.5084).
Selection, after the single-photon searches of BaBar (PRL 119 (2017) 131804, arXiv:1702.03327)
and the Belle II Physics Book (arXiv:1808.10567, sec. 16.1.2): one photon in the ECL acceptance,
no other cluster above ``extra_cluster_max_GeV`` (lab), no charged track, and the photon's CM
energy within ``window_nsigma`` ECL resolution widths of E* = (s - M^2) / (2 sqrt s).
"""

import numpy as np

from belle2sim.channels import ISR, Analysis, Channel, Parameter, register
from belle2sim.channels.single_photon import single_photon_cuts
from belle2sim.errors import ParameterError
from belle2sim.generators import dark_photon

PARAMETERS = (
    Parameter("mass_GeV", 1.0, "A' mass (the scanned parameter)"),
    Parameter("epsilon", 1.0, "kinetic mixing; cross sections scale as epsilon^2", strictly_positive=True,
              coupling=True),
    Parameter("theta_gamma_cm_min_deg", 5.0, "generated photon CM polar angle, lower edge (deg)",
              phase_space=True),
    Parameter("theta_gamma_cm_max_deg", 175.0, "generated photon CM polar angle, upper edge (deg)",
              phase_space=True),
    ISR,
)
SELECTION = (
    Parameter("extra_cluster_max_GeV", 0.1, "no other ECL cluster above this lab energy (GeV)"),
    Parameter("window_nsigma", 2.0, "half-width of the E*_gamma window in ECL resolution units",
              strictly_positive=True),
)


def _check(params, card):
    sqrt_s = card.beams.sqrt_s_GeV
    if params["mass_GeV"] >= sqrt_s:
        raise ParameterError(f"mass_GeV = {params['mass_GeV']} is not below sqrt(s) = {sqrt_s:.4f} GeV "
                             f"(card {card.path.name}): e+e- -> gamma A' is closed")
    lo, hi = params["theta_gamma_cm_min_deg"], params["theta_gamma_cm_max_deg"]
    if not 0.0 < lo < hi < 180.0:
        raise ParameterError(f"photon CM polar range [{lo}, {hi}] deg must satisfy 0 < min < max < 180")


def _generate(seed, first, n, params, card):
    return dark_photon.generate(seed, first, n, params["mass_GeV"], params["theta_gamma_cm_min_deg"],
                                params["theta_gamma_cm_max_deg"], card.beams, bool(params["isr"]))


def _cross_section(params, card):
    return dark_photon.cross_section_fb(
        card.beams.s_GeV2, params["mass_GeV"], params["epsilon"],
        np.cos(np.radians(params["theta_gamma_cm_max_deg"])),
        np.cos(np.radians(params["theta_gamma_cm_min_deg"])))


def _select(batch, chunk, card, params):
    n = len(batch)
    one_photon, no_track, window = (np.zeros(n, dtype=np.bool_) for _ in range(3))
    e_cm = np.zeros(n)
    e_expected = dark_photon.photon_energy_cm_GeV(card.beams.s_GeV2, params["mass_GeV"])
    deposits = chunk.deposits
    single_photon_cuts(batch.offsets, chunk.tracks.found, deposits.is_cluster, deposits.energy_GeV,
                       deposits.theta_rad, deposits.phi_rad, deposits.region, card.beams.boost_vector,
                       card.ecl_resolution("energy"), float(params["extra_cluster_max_GeV"]),
                       float(e_expected), float(params["window_nsigma"]),
                       one_photon, no_track, window, e_cm)
    return {"one photon in ECL acceptance": one_photon,
            "no charged track": no_track,
            "E*_gamma in window": window}


CHANNEL = register(Channel(
    name="dark-photon-invisible",
    description="e+e- -> gamma A', A' -> invisible: one photon of CM energy (s - M^2)/(2 sqrt s)",
    reference="Essig et al., JHEP 11 (2013) 167 [arXiv:1309.5084]; BaBar PRL 119 (2017) 131804",
    parameters=PARAMETERS,
    generate=_generate,
    cross_section_fb=_cross_section,
    analyses=(Analysis(
        key="generic", title="one photon at E* = (s - M^2)/(2 sqrt s), nothing else (after BaBar PRL 119 (2017) "
        "131804 and the Belle II Physics Book sec. 16.1.2)",
        trigger="lml1 or lml2 or lml4 or lml6 or lml7 or lml13",
        trigger_source="ftd_0036 ECL low-multiplicity lines for one energetic cluster (TrgEclMaster "
        "makeLowMultiTriggerBit) [OURS: no Belle II single-photon paper was available]",
        select=_select, parameters=SELECTION,
        window="+-window_nsigma ECL energy resolutions around E*_gamma (c.m.)",
        not_modelled=("no published Belle II single-photon selection was available: generic selection",
                      "beam-background photons and the ECL timing cut")),),
    check=_check,
))
