"""b-to-k-alp: B+ -> K+ a and B0 -> K*0(-> K+ pi-) a, a -> gamma gamma, the ALP possibly long-lived.

Generator: belle2sim.generators.b_meson (the other B from Pythia 8) with the ALP (9000005) as the
boson. Its width to photons follows from g_agg (Gamma = g^2 m^3 / (64 pi), generators/alp.py);
--ctau maps its lifetime. Photons from a displaced decay reach the ECL at the angles they really
have (non-pointing) and close pairs merge into one cluster.

Yields: sigma(e+e- -> Upsilon(4S)) x B(Upsilon(4S) -> pair) x 2 x the reference
B(B -> K(*) a) x B(a -> gamma gamma) (x B(K*0 -> K+ pi-)), as for b-to-k-scalar.

Selection: belle2sim's [OURS], after the strategy of BaBar, PRL 128 (2022) 131802 [arXiv:2111.01800]
(a prompt kaon system, two photons, a B candidate, the diphoton mass): BaBar's cut values, its
pi0/eta/eta' vetoes and its BDT are not used.
"""

import numpy as np

from belle2sim import pdgdata
from belle2sim._jit import inline, range_kernel
from belle2sim.channels import Analysis, Channel, Parameter, b_candidates, register
from belle2sim.channels.b_to_k_scalar import KSTAR_TO_K_PI, SIGMA_UPSILON4S_FB, UPSILON_TO_PAIR
from belle2sim.channels.objects import nan_to_num
from belle2sim.detector.ecl import resolution
from belle2sim.errors import ParameterError
from belle2sim.generators import alp, b_meson

PARAMETERS = (
    Parameter("mass_GeV", 1.0, "ALP mass (the scanned parameter)"),
    Parameter("g_agg_per_GeV", 1e-4, "ALP-photon coupling (GeV^-1): sets c tau unless --ctau is given",
              strictly_positive=True),
    Parameter("mode", 0.0, "0: B+ -> K+ a, 1: B0 -> K*0(-> K+ pi-) a", choices=(0.0, 1.0)),
    Parameter("reference_bf", 1e-6, "reference B(B -> K(*) a) x B(a -> gamma gamma) for the yield",
              strictly_positive=True, coupling=True),
)
SELECTION = (
    Parameter("window_nsigma", 2.0, "half-width of the M^2(gamma gamma) window in predicted resolution units",
              strictly_positive=True),
    Parameter("photon_min_GeV", 0.1, "photon energy threshold (lab)"),
)


def _check(params, card):
    b, k, _ = b_meson.MODES[b_candidates.mode(params)]
    hi = pdgdata.mass_GeV(b) - pdgdata.mass_GeV(k)
    if not 0.0 < params["mass_GeV"] < hi:
        raise ParameterError(f"mass_GeV = {params['mass_GeV']} must be in (0, m_B - m_K = {hi:.4f}) GeV")


@inline
def _energy_resolution_percent(table, region, energy):
    """sigma_E / E [%] of the ECL model (detector/ecl.py's ``resolution``); region 0: no deposit,
    100 %; the energy kept above 1e-9 GeV for a card without a minimum energy."""
    if region <= 0:
        return 100.0
    return resolution(table, min(region, 3), max(nan_to_num(energy), 1e-9))


@inline
def _photon_terms(j, is_cluster, energy, theta, phi, region, e_min, res):
    """(a cluster above e_min (float32 comparison, as numpy's), E, px, py, pz from the cluster
    pointing to the origin (missing: zero), squared relative energy resolution) of particle j."""
    e, th, ph = nan_to_num(energy[j]), nan_to_num(theta[j]), nan_to_num(phi[j])
    f = 0.01 * _energy_resolution_percent(res, region[j], energy[j])
    return (is_cluster[j] and energy[j] > e_min, e, e * np.sin(th) * np.cos(ph), e * np.sin(th) * np.sin(ph),
            e * np.cos(th), f * f)


@range_kernel(lambda g0, *rest: g0.shape[0])
def _photon_pair(begin, end, g0, g1, is_cluster, energy, theta, phi, region, e_min, res, photons, gg, rel2):
    """Per event, the two ALP photons' clusters (particles g0[i], g1[i]): both above e_min, their
    summed four-momentum (E, px, py, pz) and the sum of their squared relative energy resolutions
    (ECL model), each sum the first photon's term plus the second's (numpy's numbers)."""
    for i in range(begin, end):
        ok0, e0, x0, y0, z0, f0 = _photon_terms(g0[i], is_cluster, energy, theta, phi, region, e_min, res)
        ok1, e1, x1, y1, z1, f1 = _photon_terms(g1[i], is_cluster, energy, theta, phi, region, e_min, res)
        photons[i] = ok0 and ok1
        gg[0, i], gg[1, i], gg[2, i], gg[3, i] = e0 + e1, x0 + x1, y0 + y1, z0 + z1
        rel2[i] = f0 + f1


def _select(batch, chunk, card, params):
    start = batch.offsets[:-1]
    _, a_slot = b_candidates.slots(params)
    n = len(batch)
    d = chunk.deposits
    # 1. both ALP photons reconstructed as separate clusters above threshold; their four-vectors
    photons, gg, rel2 = np.empty(n, dtype=np.bool_), np.empty((4, n)), np.empty(n)
    _photon_pair(start + a_slot + 1, start + a_slot + 2, d.is_cluster, d.energy_GeV, d.theta_rad, d.phi_rad,
                 d.region, np.float32(params["photon_min_GeV"]), card.ecl_resolution("energy"), photons, gg, rel2)
    # 2. prompt kaon system; 3. B candidate: K(*) + the photon pair
    prompt, b_cand = b_candidates.b_selection(batch, chunk, card, params, np.arange(n), gg[0], gg[1], gg[2], gg[3])
    # 4. M^2(gamma gamma) window: energy resolution of both photons (ECL model) [OURS]
    m2 = np.maximum(gg[0] ** 2 - gg[1] ** 2 - gg[2] ** 2 - gg[3] ** 2, 0.0)
    window = np.abs(m2 - params["mass_GeV"] ** 2) < params["window_nsigma"] * np.sqrt(rel2) * np.maximum(m2, 1e-6)
    return {"two photon clusters above threshold": photons,
            "prompt K+ (K*0 -> K+ pi-) candidate": prompt,
            "Mbc > 5.27 GeV, |Delta E| < 0.1 GeV": b_cand,
            "M^2(gamma gamma) in window": window}


ANALYSIS = Analysis(
    key="generic",
    title="B -> K(*) a, a -> gamma gamma: prompt kaon system, two photons, B candidate, diphoton mass [OURS], "
    "after the strategy of BaBar arXiv:2111.01800",
    trigger="fff or ffo or hie",
    trigger_source="[OURS] B Bbar events fire the standard three-track, two-track and ECL energy-sum lines",
    select=_select, parameters=SELECTION, needs_generator_layout=True,
    window="+-window_nsigma predicted M^2(gamma gamma) resolutions (photon energies) around m_a^2 [OURS]",
    not_modelled=("no Belle II B -> K a(gamma gamma) paper was available: generic selection [OURS]",
                  "BaBar's pi0 / eta / eta' vetoes and BDT", "B0 -> K0S a (the K0S flight is not propagated)",
                  "candidate combinatorics: the kaon and the photons are the true ones",
                  "photon conversions in the material; decays inside the ECL volume (treated as outside)"),
)


def _generate(seed, first, n, params, card):
    return b_meson.generate_batch(seed, first, n, b_candidates.mode(params), params["mass_GeV"], 22, card.beams,
                                  llp_pdg=alp.PDG_ALP)


CHANNEL = register(Channel(
    name="b-to-k-alp",
    description="B -> K(*) a, a -> gamma gamma, prompt or displaced; the other B generic (Pythia 8)",
    reference="Izaguirre, Lin, Shuve, PRL 118 (2017) 111802 [arXiv:1611.09355]; BaBar, PRL 128 (2022) 131802 "
    "[arXiv:2111.01800]",
    parameters=PARAMETERS,
    generate=_generate,
    cross_section_fb=lambda params, card: SIGMA_UPSILON4S_FB * UPSILON_TO_PAIR[b_candidates.mode(params)] * 2.0,
    branching_fraction=lambda params, card: params["reference_bf"] * (
        KSTAR_TO_K_PI if b_candidates.mode(params) == "K*0" else 1.0),
    analyses=(ANALYSIS,),
    check=_check,
    default_scan=(0.2, 0.5, 1.0, 2.0, 3.0, 4.0),
    cross_section_note="sigma(e+e- -> Upsilon(4S)) = 1.110 nb (Belle II Physics Book, measured line shape at the "
    "nominal sqrt(s)) x B(Upsilon(4S) -> B Bbar of the mode's charge) x 2 (either B can decay to the signal)",
    long_lived_pdg=alp.PDG_ALP,
    ctau_cm=lambda params, card: alp.ctau_cm(params["mass_GeV"], params["g_agg_per_GeV"]),
))
