"""Channels with a light boson X radiated in e+e- -> mu+ mu- X (the vector-portal searches).

* zprime-invisible: L_mu - L_tau Z' -> nu nubar; signature a muon pair and nothing else, with
  a peak in the mass recoiling against it (Belle II, PRL 124 (2020) 141801; PRL 130 (2023)
  231801, arXiv:2212.03066).
* zprime-mumu: Z' -> mu+ mu- in four-muon events (Belle II, PRD 109 (2024) 112015).
* muonphilic-scalar: a scalar coupling to muons only, decaying invisibly (the reinterpretation
  of the invisible search: same topology).
* leptophilic-scalar: y_l = xi m_l / v, decaying to mu+ mu- in four-muon events (the
  reinterpretation of the four-muon search).

Selections (after those analyses, simplified to what this model can see): the tracks, muon
identification, no extra ECL energy, and the mass window in units of the per-event resolution
predicted from the card (channels/track_selection.py).
"""

from functools import lru_cache

import numpy as np

from belle2sim import pdgdata
from belle2sim.channels import ISR, Analysis, Channel, Parameter, register
from belle2sim.channels import four_muon_analyses, per_event, recoil_analyses
from belle2sim.channels.track_selection import (
    extra_energy, mass_squared_and_sigma, nominal_total, track_arrays,
)
from belle2sim.errors import ParameterError
from belle2sim.generators import light_bosons
from belle2sim.generators import lepton_pair_boson as gen
from belle2sim.generators.radiated_boson import SCALAR, VECTOR

MUON = 13
PDG_ZPRIME, PDG_SCALAR = 4900023, 4900025


@lru_cache(maxsize=64)
def _w_max(seed, sqrt_s, M, kind):
    return gen.pilot(seed, sqrt_s, pdgdata.mass_GeV(MUON), M, kind)[2]


_ISR_CACHE = {}


def isr_setup(seed, beams, M, kind):
    """(ISR table, unweighting bound) for e+e- -> mu+mu- X at this mass, computed once."""
    key = (seed, beams.sqrt_s_GeV, M, kind)
    if key not in _ISR_CACHE:
        _ISR_CACHE[key] = gen.isr_envelope(seed, beams, pdgdata.mass_GeV(MUON), M, kind)
    return _ISR_CACHE[key]


def generate_with_isr(seed, first, n, params, card, kind, boson_pdg, decay_pdg):
    M = params["mass_GeV"]
    if params.get("isr"):
        table, w_max = isr_setup(seed, card.beams, M, kind)
        return gen.generate(seed, first, n, card.beams, MUON, boson_pdg, M, kind, w_max, decay_pdg, table)
    return gen.generate(seed, first, n, card.beams, MUON, boson_pdg, M, kind,
                        _w_max(seed, card.beams.sqrt_s_GeV, M, kind), decay_pdg)


def _check(params, card):
    M, m = params["mass_GeV"], pdgdata.mass_GeV(MUON)
    if M <= 0:
        raise ParameterError(f"mass_GeV must be > 0 for a massive boson, got {M}")
    if M >= card.beams.sqrt_s_GeV - 2 * m:
        raise ParameterError(f"mass_GeV = {M} is not below sqrt(s) - 2 m_mu = "
                             f"{card.beams.sqrt_s_GeV - 2 * m:.4f} GeV (card {card.path.name})")


def _check_visible(params, card):
    _check(params, card)
    if params["mass_GeV"] <= 2 * pdgdata.mass_GeV(MUON):
        raise ParameterError(f"mass_GeV = {params['mass_GeV']} is below the mu+mu- threshold: "
                             f"the boson cannot decay to the four-muon final state")


def _muon_ids(tracks, index):
    ok = index >= 0
    return per_event.count(np.where(ok, tracks.muon_id[np.maximum(index, 0)], False))


def _select_invisible(batch, chunk, card, params):
    index, count, net = track_arrays(batch, chunk, 2)
    two = (count == 2) & (net == 0)
    i0, i1 = np.maximum(index[:, 0], 0), np.maximum(index[:, 1], 0)
    n_mu = _muon_ids(chunk.tracks, index)
    extra = np.empty(len(batch))
    extra_energy(batch.offsets, chunk.deposits.is_cluster, chunk.deposits.energy_GeV, chunk.tracks.found, extra)
    m2, sig = mass_squared_and_sigma(chunk.tracks, [i0, i1], pdgdata.mass_GeV(MUON), card,
                                     total=nominal_total(card, len(batch)))
    window = np.abs(m2 - params["mass_GeV"] ** 2) < params["window_nsigma"] * sig
    return {"two tracks, opposite charge": two,
            "muon ID": n_mu >= params["min_muon_id"],
            "extra ECL energy below cut": extra < params["extra_energy_max_GeV"],
            "recoil mass in window": window}


def _select_four_muons(batch, chunk, card, params):
    index, count, net = track_arrays(batch, chunk, 4)
    four = (count == 4) & (net == 0)
    idx = np.maximum(index, 0)
    m_mu = pdgdata.mass_GeV(MUON)
    m2_all, _ = mass_squared_and_sigma(chunk.tracks, idx, m_mu, card)
    near = np.abs(np.sqrt(np.maximum(m2_all, 0)) - card.beams.sqrt_s_GeV) < params["m4_window_GeV"]
    window = four_muon_analyses.pair_window(chunk, card, four_muon_analyses.opposite_sign_order(chunk, idx),
                                            params["mass_GeV"], params["window_nsigma"])
    return {"four tracks, zero charge": four,
            "muon ID": _muon_ids(chunk.tracks, index) >= params["min_muon_id"],
            "four-track mass near sqrt(s)": near,
            "mu+mu- pair mass in window": window}


def _parameters(coupling_name, coupling_default, coupling_text):
    """The physics parameters of a radiated-boson channel: mass and coupling."""
    return (Parameter("mass_GeV", 1.0, "boson mass (the scanned parameter)"),
            Parameter(coupling_name, coupling_default, coupling_text, strictly_positive=True, coupling=True),
            ISR)


def generic(four_muons, trigger, trigger_source):
    """The simplified selection (tracks, muon ID, topology, mass window) as an Analysis."""
    topology = (Parameter("m4_window_GeV", 0.5, "|m(4 tracks) - sqrt(s)| below this (GeV)") if four_muons else
                Parameter("extra_energy_max_GeV", 0.4, "largest ECL energy not from the two tracks (GeV)"))
    return Analysis(
        key="generic", title="simplified selection: tracks, muon ID, " + (
            "four-track mass, dimuon mass window" if four_muons else "no extra ECL energy, recoil-mass window"),
        trigger=trigger, trigger_source=trigger_source,
        select=_select_four_muons if four_muons else _select_invisible,
        parameters=(Parameter("window_nsigma", 2.0, "mass window half-width in units of the predicted resolution",
                              strictly_positive=True),
                    Parameter("min_muon_id", 2.0 if four_muons else 1.0, "tracks that must pass muon ID",
                              integer=True, maximum=4.0 if four_muons else 2.0),
                    topology),
        window="+-window_nsigma per-event predicted resolution",
        not_modelled=("background-suppression cuts and multivariate stages of the published analyses",))


def _make(name, description, reference, kind, boson_pdg, decay_pdg, coupling, parameters, analyses, bf, check):
    def generate(seed, first, n, params, card):
        return generate_with_isr(seed, first, n, params, card, kind, boson_pdg, decay_pdg)

    def sigma(params, card):
        return gen.cross_section_fb(card.beams.sqrt_s_GeV, pdgdata.mass_GeV(MUON), params["mass_GeV"], kind,
                                    coupling(params))[0]

    return register(Channel(name=name, description=description, reference=reference, parameters=parameters,
                            generate=generate, cross_section_fb=sigma, analyses=analyses, check=check,
                            branching_fraction=lambda params, card: bf(params),
                            default_scan=(0.5, 1.0, 2.0, 4.0, 6.0, 8.0), slow_generator_compile=True))


def _zprime_bf(final):
    return lambda p: light_bosons.branching_fractions(light_bosons.zprime_widths_GeV(p["mass_GeV"], p["g_prime"]))[final]


def _leptophilic_bf(p):
    widths = light_bosons.scalar_widths_GeV(p["mass_GeV"], light_bosons.leptophilic_yukawas(p["xi"]))
    return light_bosons.branching_fractions(widths)["mu"]


def _y_mu(p):
    return light_bosons.leptophilic_yukawas(p["xi"])["mu"]


_INVISIBLE = (recoil_analyses.A3, recoil_analyses.A1, generic(False, recoil_analyses.A3.trigger,
                                                                 recoil_analyses.A3.trigger_source))
_FOUR_MUONS = (four_muon_analyses.A7, generic(True, four_muon_analyses.A7.trigger, four_muon_analyses.A7.trigger_source))

_make("zprime-invisible", "e+e- -> mu+mu- Z' (L_mu - L_tau), Z' -> nu nubar: recoil mass against mu+mu-",
      "Belle II PRL 124 (2020) 141801; PRL 130 (2023) 231801", VECTOR, PDG_ZPRIME, 0, lambda p: p["g_prime"],
      _parameters("g_prime", 0.01, "L_mu - L_tau gauge coupling g'"), _INVISIBLE,
      _zprime_bf("nu"), _check)
_make("zprime-mumu", "e+e- -> mu+mu- Z', Z' -> mu+mu-: a dimuon peak in four-muon events",
      "Belle II PRD 109 (2024) 112015", VECTOR, PDG_ZPRIME, MUON, lambda p: p["g_prime"],
      _parameters("g_prime", 0.01, "L_mu - L_tau gauge coupling g'"), _FOUR_MUONS,
      _zprime_bf("mu"), _check_visible)
_make("muonphilic-scalar", "e+e- -> mu+mu- S, S invisible (muon-only Yukawa): recoil mass against mu+mu-",
      "Belle II PRL 130 (2023) 231801 (reinterpretation)", SCALAR, PDG_SCALAR, 0, lambda p: p["y_mu"],
      _parameters("y_mu", 0.01, "scalar-muon Yukawa coupling"), _INVISIBLE,
      lambda p: 1.0, _check)
_make("leptophilic-scalar", "e+e- -> mu+mu- S, S -> mu+mu- (Yukawa xi m_l / v): dimuon peak in four-muon events",
      "Belle II PRD 109 (2024) 112015 (reinterpretation)", SCALAR, PDG_SCALAR, MUON, _y_mu,
      _parameters("xi", 100.0, "leptophilic coupling xi (y_l = xi m_l / v)"), _FOUR_MUONS,
      _leptophilic_bf, _check_visible)
