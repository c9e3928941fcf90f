"""Dark Higgsstrahlung channels, e+e- -> A' h' (generators/dark_higgs.py).

* dark-higgs-invisible: A' -> mu+mu-, h' invisible (m_h' < m_A', long-lived). Selection after
  Belle II, PRL 130 (2023) 071804: two opposite-charge tracks, muon ID, no extra ECL energy,
  the dimuon mass at m_A' and the recoil mass at m_h' (both in units of the predicted width).
* dark-higgs-visible: h' -> A' A' (m_h' > 2 m_A'), each A' -> e+e-, mu+mu- or pi+pi-: three
  pairs at one mass (BaBar, PRL 114 (2015) 211801; Belle, PRL 114 (2015) 211801 companion).
  Selection: six tracks of zero charge, total mass near sqrt(s), and a split into three
  opposite-charge pairs all within the window of m_A' (mass hypothesis from lepton ID, pion
  otherwise). The branching fraction reported is that of the generated A' modes, cubed.
"""

import itertools

import numpy as np

from belle2sim import pdgdata
from belle2sim._jit import range_kernel
from belle2sim.channels import ISR, Analysis, Channel, Parameter, register
from belle2sim.channels.recoil_analyses import A4
from belle2sim.channels.track_selection import (extra_energy, mass_squared_and_sigma, nominal_total,
                                                opposite_sign_order, pairings_in_window, track_arrays, track_terms)
from belle2sim.errors import ParameterError
from belle2sim.generators import dark_higgs, dark_photon_decays

_COMMON = (
    Parameter("mass_GeV", 1.0, "A' mass (the scanned parameter)"),
    Parameter("epsilon", 1e-3, "kinetic mixing", strictly_positive=True, coupling=True),
    Parameter("alpha_D", 0.1, "dark coupling alpha_D = g_D^2 / 4 pi", strictly_positive=True, coupling=True),
    ISR,
)
_WINDOW = Parameter("window_nsigma", 3.0, "mass windows in units of the predicted resolution", strictly_positive=True)


def _masses(params):
    return params["mass_GeV"], params["h_mass_GeV"]


def _check_common(params, card):
    m_a, m_h = _masses(params)
    if m_a <= 0 or m_h <= 0:
        raise ParameterError(f"masses must be > 0 (mass_GeV = {m_a}, h_mass_GeV = {m_h})")
    if m_a + m_h >= card.beams.sqrt_s_GeV:
        raise ParameterError(f"m_A' + m_h' = {m_a + m_h} GeV is not below sqrt(s) = {card.beams.sqrt_s_GeV:.4f} GeV")


def _check_invisible(params, card):
    _check_common(params, card)
    if params["mass_GeV"] <= 2 * pdgdata.mass_GeV(13):
        raise ParameterError(f"mass_GeV = {params['mass_GeV']}: A' -> mu+mu- needs m_A' > 2 m_mu")


def _check_visible(params, card):
    _check_common(params, card)
    m_a, m_h = _masses(params)
    if m_h <= 2 * m_a:
        raise ParameterError(f"h_mass_GeV = {m_h} must exceed 2 x mass_GeV = {2 * m_a} for h' -> A' A'")
    if not _visible_modes(m_a):
        raise ParameterError(f"mass_GeV = {m_a}: no generated A' decay mode (e, mu, pi pi) is open")


def _visible_modes(m_a):
    bf = dark_photon_decays.branching_fractions(m_a)
    return {pdg: bf[name] for name, pdg in (("e", 11), ("mu", 13), ("pipi", 211)) if bf.get(name, 0) > 0}


def _sigma(params, card):
    m_a, m_h = _masses(params)
    return dark_higgs.cross_section_fb(card.beams.s_GeV2, m_a, m_h, params["epsilon"], params["alpha_D"])


def _select_invisible(batch, chunk, card, params):
    m_a, m_h = _masses(params)
    index, count, net = track_arrays(batch, chunk, 2)
    i0, i1 = np.maximum(index[:, 0], 0), np.maximum(index[:, 1], 0)
    n_mu = chunk.tracks.muon_id[i0].astype(int) + chunk.tracks.muon_id[i1].astype(int)
    extra = np.empty(len(batch))
    extra_energy(batch.offsets, chunk.deposits.is_cluster, chunk.deposits.energy_GeV, chunk.tracks.found, extra)
    m_mu = pdgdata.mass_GeV(13)
    k = params["window_nsigma"]
    m2, s2 = mass_squared_and_sigma(chunk.tracks, [i0, i1], m_mu, card)
    r2, sr = mass_squared_and_sigma(chunk.tracks, [i0, i1], m_mu, card, total=nominal_total(card, len(batch)))
    return {"two tracks, opposite charge": (count == 2) & (net == 0),
            "muon ID": n_mu >= 1,
            "extra ECL energy below cut": extra < params["extra_energy_max_GeV"],
            "dimuon mass in window": np.abs(m2 - m_a**2) < k * s2,
            "recoil mass in window": np.abs(r2 - m_h**2) < k * sr}


@range_kernel("idx")
def _hypotheses(begin, end, idx, muon_id, electron_id, m_e, m_mu, m_pi, out):
    for i in range(begin, end):
        for k in range(idx.shape[1]):
            j = idx[i, k]
            out[i, k] = m_e if electron_id[j] else (m_mu if muon_id[j] else m_pi)


def _hypothesis(tracks, idx):
    """Mass hypothesis of tracks idx (n, K): electron if identified as one, else muon if
    identified as one, else pion."""
    m = np.empty(idx.shape)
    _hypotheses(np.ascontiguousarray(idx, dtype=np.int64), tracks.muon_id, tracks.electron_id,
                pdgdata.mass_GeV(11), pdgdata.mass_GeV(13), pdgdata.mass_GeV(211), m)
    return m


def _select_visible(batch, chunk, card, params):
    m_a = params["mass_GeV"]
    index, count, net = track_arrays(batch, chunk, 6)
    idx = np.maximum(index, 0)
    tr = chunk.tracks
    masses = _hypothesis(tr, idx)
    m2_all, _ = mass_squared_and_sigma(tr, idx, masses, card)
    near = np.abs(np.sqrt(np.maximum(m2_all, 0)) - card.beams.sqrt_s_GeV) < 0.5
    ordered = opposite_sign_order(chunk, idx)  # three negatives first (a stable sort by charge)
    m_ord = _hypothesis(tr, ordered)  # (a track's hypothesis is its own: the masses reordered)
    terms = track_terms(tr, ordered, m_ord, card)  # each track's terms once, for its three pairings
    # the six ways to pair the three negatives with the three positives (nine distinct pairs)
    pairings = [tuple(zip((0, 1, 2), perm)) for perm in itertools.permutations((3, 4, 5))]
    good = pairings_in_window(terms, pairings, m_a**2, params["window_nsigma"], card)
    return {"six tracks, zero charge": (count == 6) & (net == 0),
            "six-track mass near sqrt(s)": near,
            "three pairs at m_A'": good}


register(Channel(
    name="dark-higgs-invisible",
    description="e+e- -> A' h', A' -> mu+mu-, h' invisible: dimuon peak at m_A' and recoil at m_h'",
    reference="Batell, Pospelov, Ritz PRD 79 (2009) 115008; Belle II PRL 130 (2023) 071804",
    parameters=_COMMON + (Parameter("h_mass_GeV", 0.2, "dark Higgs mass (invisible: below m_A')"),),
    analyses=(A4, Analysis(
        key="generic", title="simplified selection: two tracks, muon ID, no extra ECL energy, both mass windows",
        trigger=A4.trigger, trigger_source=A4.trigger_source, select=_select_invisible,
        parameters=(_WINDOW, Parameter("extra_energy_max_GeV", 0.4, "largest ECL energy not from the two tracks (GeV)")),
        window="+-window_nsigma in M2_mumu and in M2_recoil, separately",
        not_modelled=("the published cut list (see --analysis 2207.00509)",))),
    generate=lambda seed, first, n, p, card: dark_higgs.generate(seed, first, n, card.beams, p["mass_GeV"],
                                                                 p["h_mass_GeV"], False, {13: 1.0}, bool(p["isr"])),
    cross_section_fb=_sigma, check=_check_invisible,
    branching_fraction=lambda p, card: dark_photon_decays.branching_fractions(p["mass_GeV"])["mu"],
    default_scan=(0.5, 1.0, 2.0, 4.0, 6.0),
))
register(Channel(
    name="dark-higgs-visible",
    description="e+e- -> A' h', h' -> A' A', A' -> e+e-/mu+mu-/pi+pi-: three pairs at one mass",
    reference="Batell, Pospelov, Ritz PRD 79 (2009) 115008; BaBar PRL 108 (2012) 211801",
    parameters=_COMMON + (Parameter("h_mass_GeV", 3.0, "dark Higgs mass (visible: above 2 m_A')"),),
    generate=lambda seed, first, n, p, card: dark_higgs.generate(seed, first, n, card.beams, p["mass_GeV"],
                                                                 p["h_mass_GeV"], True, _visible_modes(p["mass_GeV"]),
                                                                 bool(p["isr"])),
    cross_section_fb=_sigma, check=_check_visible,
    analyses=(Analysis(
        key="generic", title="six tracks of zero charge at sqrt(s), three opposite-charge pairs at m_A' (no Belle II "
        "analysis published; after BaBar PRL 108 (2012) 211801)",
        trigger="fff", trigger_source="ftd_0036 three-track line fff (t2 >= 3) [OURS: no paper states this search's "
        "Belle II trigger]", select=_select_visible, parameters=(_WINDOW,),
        window="+-window_nsigma per-event predicted resolution on each pair's m2",
        not_modelled=("no published Belle II selection exists: generic six-track selection",)),),
    branching_fraction=lambda p, card: sum(_visible_modes(p["mass_GeV"]).values()) ** 3,
    default_scan=(0.1, 0.3, 0.5, 1.0, 1.4),
))
