"""Channels with tau leptons (tau decays: Pythia 8 bank, generators/tau_decays.py).

* zprime-tautau: e+e- -> mu+mu- Z', Z' -> tau+tau- (Belle II, PRL 131 (2023) 121802). The
  mass recoiling against the radiating muon pair is the tau-pair mass, M_Z', neutrinos or not.
  Selection: four tracks of zero charge, muon ID, and an opposite-charge pair whose recoil
  mass lies in the window (predicted width, channels/track_selection.py).
* tau-to-lepton-alpha: e+e- -> tau+tau-, one tau -> l alpha with alpha invisible (Belle II,
  PRL 130 (2023) 181803). Selection: 3x1 topology (one track alone in its CM hemisphere, three
  in the other), lepton ID on the lone track, and its energy in the approximate tau rest frame
  (tau along minus the three-prong momentum, E_tau = sqrt(s)/2) within a window of the
  two-body value E* = (m_tau^2 + m_l^2 - m_alpha^2) / (2 m_tau).
"""

import numpy as np

from belle2sim import pdgdata
from belle2sim.channels import Analysis, Channel, Parameter, register
from belle2sim.channels import objects as obj
from belle2sim.channels import per_event
from belle2sim.channels.four_muon_analyses import PAIRINGS, opposite_sign_order, pair_window
from belle2sim.channels.tau_alpha_analysis import lepton_energy_in_tau_frame, select_2212_03634
from belle2sim.channels import ISR
from belle2sim.channels.lepton_pair_boson import MUON, PDG_ZPRIME, generate_with_isr
from belle2sim.channels.track_selection import mass_squared_and_sigma, nominal_total, track_arrays
from belle2sim.errors import ParameterError
from belle2sim.generators import lepton_pair_boson as lpb
from belle2sim.generators import light_bosons, tau_decays, tau_pair
from belle2sim.generators.radiated_boson import VECTOR

TAU = 15


def _check_zprime(params, card):
    M = params["mass_GeV"]
    lo, hi = 2 * pdgdata.mass_GeV(TAU), card.beams.sqrt_s_GeV - 2 * pdgdata.mass_GeV(MUON)
    if not lo < M < hi:
        raise ParameterError(f"mass_GeV = {M} must lie between 2 m_tau = {lo:.4f} and sqrt(s) - 2 m_mu = {hi:.4f} GeV")


def _generate_zprime(seed, first, n, params, card):
    return tau_decays.decay_taus(generate_with_isr(seed, first, n, params, card, VECTOR, PDG_ZPRIME, TAU), seed)


def _select_zprime(batch, chunk, card, params):
    index, count, net = track_arrays(batch, chunk, 4)
    idx = np.maximum(index, 0)
    window = pair_window(chunk, card, opposite_sign_order(chunk, idx), params["mass_GeV"], params["window_nsigma"],
                         total=nominal_total(card, len(batch)))
    n_mu = per_event.count(np.where(index >= 0, chunk.tracks.muon_id[idx], False))
    return {"four tracks, zero charge": (count == 4) & (net == 0),
            "muon ID": n_mu >= params["min_muon_id"],
            "recoil mass in window": window}


def _select_2306_12294(batch, chunk, card, params):
    """arXiv:2306.12294v2 p. 4 (A5), cut by cut."""
    with np.errstate(all="ignore"):
        tr = chunk.tracks
        good = obj.good_tracks(chunk, 0.5, 2.0)
        index, count, net = obj.gather(batch, chunk, tr.found, 4)
        idx = np.maximum(index, 0)
        ordered = opposite_sign_order(chunk, idx)
        mu = tr.muon_id[ordered]
        tag_pair = np.zeros(len(batch), dtype=bool)
        for a, b in PAIRINGS:
            tag_pair |= mu[:, a] & mu[:, b]
        # mass hypotheses from identification: mu, else e, else pi
        masses = np.where(tr.muon_id[idx], pdgdata.mass_GeV(MUON),
                          np.where(tr.electron_id[idx], pdgdata.mass_GeV(11), pdgdata.mass_GeV(211)))
        E4 = obj.system(chunk, idx, masses)
        m4 = np.sqrt(np.maximum(E4[0]**2 - E4[1]**2 - E4[2]**2 - E4[3]**2, 0.0))
        total = nominal_total(card, len(batch))
        window = np.zeros(len(batch), dtype=bool)
        for a, b in PAIRINGS:
            m2, sig = mass_squared_and_sigma(tr, [ordered[:, a], ordered[:, b]], pdgdata.mass_GeV(MUON), card,
                                             total=total)
            window |= mu[:, a] & mu[:, b] & (np.abs(m2 - params["mass_GeV"] ** 2) < params["window_nsigma"] * sig)
        return {
            "track quality |d0| < 0.5 cm, |z0| < 2 cm": (count == 4) & per_event.all_set(good[idx]),
            "exactly four tracks, zero net charge, an opposite-sign pair identified as muons":
                (count == 4) & (net == 0) & tag_pair,
            "M(4 tracks) < 9.5 GeV": m4 < 9.5,
            "M_recoil(mumu) of a tagging pair within +-%g sigma" % params["window_nsigma"]: window,
        }


def zprime_tautau_analysis():
    """The A5 analysis (arXiv:2306.12294), shared with the ALP reinterpretation (alp_tautau.py)."""
    return Analysis(
        key="2306.12294", title="Belle II, tau+tau- resonance in e+e- -> mu+mu- tau+tau-, 62.8 fb^-1 (PRL 131 (2023) 121802)",
        trigger="ttt or mu1", trigger_source="arXiv:2306.12294v2 p. 3: three tracks in 37-120 deg OR single muon "
        "(CDC track matched to KLM signals in 51-117 deg)",
        select=_select_2306_12294, period="2019-2021",
        parameters=(Parameter("window_nsigma", 2.0, "recoil window in units of the predicted resolution",
                              strictly_positive=True),),
        window="recoil mass against an opposite-sign muon pair within +-2 sigma of M^2, sigma the per-event "
               "predicted resolution [OURS: stands in for the unbinned fit over 40 resolutions]",
        not_modelled=("MLP selection (8 MLPs, 14 inputs) [MVA]",
                      "one-prong-only tau decays are not required explicitly (the four-track cut does it)",
                      "muon ID below 0.7 GeV/c (CDC/ECL): only KLM muon ID is modelled"))


register(Channel(
    name="zprime-tautau",
    description="e+e- -> mu+mu- Z', Z' -> tau+tau-: recoil mass against a muon pair in four-track events",
    reference="Belle II PRL 131 (2023) 121802",
    parameters=(Parameter("mass_GeV", 5.0, "Z' mass (the scanned parameter)"),
                Parameter("g_prime", 0.01, "L_mu - L_tau gauge coupling g'", strictly_positive=True, coupling=True),
                ISR),
    analyses=(zprime_tautau_analysis(),
        Analysis(key="generic", title="simplified selection: four tracks, muon ID, recoil window",
                 trigger="ttt or mu1", trigger_source="arXiv:2306.12294v2 p. 3", select=_select_zprime,
                 period="2019-2021",
                 parameters=(Parameter("window_nsigma", 3.0, "recoil window in units of the predicted resolution",
                                       strictly_positive=True),
                             Parameter("min_muon_id", 1.0, "tracks that must pass muon ID", integer=True,
                                       maximum=4.0)),
                 window="+-window_nsigma per-event predicted resolution",
                 not_modelled=("the published cut list (see --analysis 2306.12294)",))),
    generate=_generate_zprime,
    cross_section_fb=lambda p, card: lpb.cross_section_fb(card.beams.sqrt_s_GeV, pdgdata.mass_GeV(MUON),
                                                          p["mass_GeV"], VECTOR, p["g_prime"])[0],
    check=_check_zprime,
    branching_fraction=lambda p, card: light_bosons.branching_fractions(
        light_bosons.zprime_widths_GeV(p["mass_GeV"], p["g_prime"]))["tau"],
    default_scan=(4.0, 5.0, 6.0, 7.0, 8.0),
    slow_generator_compile=True,  # the matrix element of e+e- -> mu+mu- X
))


def _lepton(params):
    return int(params["lepton_pdg"])


def _check_alpha(params, card):
    if _lepton(params) not in (11, 13) or params["lepton_pdg"] != int(params["lepton_pdg"]):
        raise ParameterError(f"lepton_pdg must be 11 (e) or 13 (mu), got {params['lepton_pdg']}")
    m_max = pdgdata.mass_GeV(TAU) - pdgdata.mass_GeV(_lepton(params))
    if params["mass_GeV"] >= m_max:
        raise ParameterError(f"mass_GeV = {params['mass_GeV']}: tau -> l alpha needs m_alpha < m_tau - m_l = {m_max:.4f} GeV")


def _select_alpha(batch, chunk, card, params):
    with np.errstate(all="ignore"):  # slots of events without four tracks are meaningless
        return _alpha_cuts(batch, chunk, card, params)


def _alpha_cuts(batch, chunk, card, params):
    import vector

    tr = chunk.tracks
    index, count, net = track_arrays(batch, chunk, 4)
    idx = np.maximum(index, 0)
    b = card.beams.boost_vector
    # tracks in the nominal CM frame (pion hypothesis for the directions)
    cm = vector.array({"px": tr.px[idx], "py": tr.py[idx], "pz": tr.pz[idx],
                       "mass": np.full(idx.shape, pdgdata.mass_GeV(211))}).boost_beta3(
        vector.obj(x=-b[0], y=-b[1], z=-b[2]))
    px, py, pz = np.asarray(cm.px), np.asarray(cm.py), np.asarray(cm.pz)
    lone = np.full(len(batch), -1)
    for s in range(4):
        others = [k for k in range(4) if k != s]
        alone = np.all([px[:, s] * px[:, k] + py[:, s] * py[:, k] + pz[:, s] * pz[:, k] < 0 for k in others], axis=0)
        lone = np.where((lone < 0) & alone, s, lone)
    rows, s = np.arange(len(batch)), np.maximum(lone, 0)
    lepton = _lepton(params)
    ident = (tr.electron_id if lepton == 11 else tr.muon_id)[idx[rows, s]]
    p3 = [np.sum(np.where(np.arange(4) != s[:, None], c, 0), axis=1) for c in (px, py, pz)]
    e_star, two_body = lepton_energy_in_tau_frame(card, lepton, (px[rows, s], py[rows, s], pz[rows, s]), p3)
    expected = two_body(params["mass_GeV"])
    return {"3x1 topology": (count == 4) & (net == 0) & (lone >= 0),
            "lepton ID on the lone track": ident,
            "E* of the lepton in window": np.abs(e_star - expected) < params["estar_window_GeV"]}


register(Channel(
    name="tau-to-lepton-alpha",
    description="e+e- -> tau+tau-, tau -> l alpha (alpha invisible): lepton energy in the tau frame, 3x1 events",
    reference="Belle II PRL 130 (2023) 181803",
    parameters=(Parameter("mass_GeV", 0.5, "alpha mass (the scanned parameter)"),
                Parameter("lepton_pdg", 11.0, "charged lepton of the signal decay: 11 or 13", choices=(11.0, 13.0)),
                Parameter("br_l_alpha", 1e-3, "branching fraction B(tau -> l alpha) per tau", strictly_positive=True,
                          coupling=True)),
    analyses=(Analysis(
        key="2212.03634", title="Belle II, tau -> l alpha (alpha invisible), 62.8 fb^-1 (PRL 130 (2023) 181803)",
        trigger="lml0", trigger_source="arXiv:2212.03634v2 p. 3: >= 3 ECL clusters, one above 0.3 GeV, the rest "
        "above 0.1 GeV, topology inconsistent with Bhabha (ftd_0036 lml0)", select=select_2212_03634,
        period="2019-2021",
        parameters=(Parameter("estar_window_GeV", 0.15, "half-width of the E*_l window (GeV)", strictly_positive=True),),
        window="+-estar_window_GeV around the two-body E*_l in the tau pseudo-rest frame [OURS: stands in for the "
               "binned fit of x_l = E*_l / (m_tau / 2)]",
        not_modelled=("tag-side vertex compatibility (not quantified in the paper)",
                      "lepton-ID working point (not given): the card's e / mu ID efficiencies are used",
                      "data/MC lepton-ID and pi0 corrections (Table II)")),
        Analysis(
        key="generic", title="3x1 topology, lepton ID on the lone track, E* window in the approximate tau frame",
        trigger="lml0", trigger_source="arXiv:2212.03634v2 p. 3: >= 3 ECL clusters, one above 0.3 GeV, the rest "
        "above 0.1 GeV, not Bhabha-like (ftd_0036 lml0)", select=_select_alpha, period="2019-2021",
        parameters=(Parameter("estar_window_GeV", 0.15, "half-width of the E* window (GeV)", strictly_positive=True),),
        window="+-estar_window_GeV around the two-body E* [OURS: stands in for the binned fit of x_l]",
        not_modelled=("the published cut list (see --analysis 2212.03634)",))),
    generate=lambda seed, first, n, p, card: tau_decays.decay_taus(
        tau_pair.generate(seed, first, n, card.beams, _lepton(p), p["mass_GeV"]), seed),
    cross_section_fb=lambda p, card: tau_pair.cross_section_fb(card.beams.s_GeV2, pdgdata.mass_GeV(TAU)),
    check=_check_alpha,
    branching_fraction=lambda p, card: 2 * p["br_l_alpha"],
    default_scan=(0.0, 0.5, 1.0, 1.5),
))
