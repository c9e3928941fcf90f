"""b-to-k-scalar: B+ -> K+ S and B0 -> K*0(-> K+ pi-) S, S -> e e, mu mu, pi pi, K K, long-lived.

Generator: belle2sim.generators.b_meson (Upsilon(4S) -> B Bbar; the other B from Pythia 8). The
scalar's c tau is a parameter (the search is model independent: limits on B(B -> K S) x
B(S -> x x) vs mass and c tau); --ctau maps it.

Yields need no outside arithmetic: ``cross_section_fb`` = sigma(e+e- -> Upsilon(4S)) x
B(Upsilon(4S) -> B Bbar of the mode's charge) x 2 (either B may decay to the signal), and
``branching_fraction`` = the reference B(B -> K(*) S) x B(S -> x x) x B(K*0 -> K+ pi-), so
yield = cross_section_fb x luminosity x efficiency x branching_fraction.

Selection: after Belle II, PRD 108 (2023) L111104, arXiv:2306.02830. Its text was not available
here (shared/physics/analyses.md, "Not found"): the cuts below are belle2sim's reading of such a
search [OURS], named as such in the JSON; the paper's numbers are not used.
"""

import numpy as np

from belle2sim import pdgdata
from belle2sim.channels import Analysis, Channel, Parameter, b_candidates, register
from belle2sim.channels.objects import vertex_mass_window
from belle2sim.errors import ParameterError
from belle2sim.generators import b_meson

SIGMA_UPSILON4S_FB = 1.110e6   # nb -> fb; Belle II Physics Book arXiv:1808.10567 (data sheet sec. 7b)
# PDG (RPP 2024), Upsilon(4S) branching fractions: B+B- 51.4 %, B0 B0bar 48.6 % [cited by hand: not
# in the data sheet]
UPSILON_TO_PAIR = {"K+": 0.514, "K*0": 0.486}
KSTAR_TO_K_PI = 2.0 / 3.0      # isospin: K*0 -> K+ pi- is 2/3 of K*0 -> K pi (K*0 -> K pi ~ 100 %)

PARAMETERS = (
    Parameter("mass_GeV", 1.0, "scalar mass (the scanned parameter)"),
    Parameter("ctau_cm", 1.0, "scalar proper decay length c tau (cm); --ctau maps several", strictly_positive=True),
    Parameter("mode", 0.0, "0: B+ -> K+ S, 1: B0 -> K*0(-> K+ pi-) S", choices=(0.0, 1.0)),
    Parameter("decay_pdg", 13.0, "S -> x+ x- with x = 11 (e), 13 (mu), 211 (pi), 321 (K)",
              choices=tuple(float(x) for x in b_meson.SCALAR_DECAYS)),
    Parameter("reference_bf", 1e-6, "reference B(B -> K(*) S) x B(S -> x x) for the yield", strictly_positive=True,
              coupling=True),
)
SELECTION = (
    Parameter("window_nsigma", 2.0, "half-width of the M(x x) window in predicted resolution units",
              strictly_positive=True),
)
VERTEX_RADIUS_CM = (0.05, 60.0)  # [OURS]; the card's vertex_min_radius_cm applies too


def _mode(params):
    return b_candidates.mode(params)


def _check(params, card):
    mode = _mode(params)
    b, k, _ = b_meson.MODES[mode]
    m_x = pdgdata.mass_GeV(int(params["decay_pdg"]))
    hi = pdgdata.mass_GeV(b) - pdgdata.mass_GeV(k)
    if not 2 * m_x < params["mass_GeV"] < hi:
        raise ParameterError(f"mass_GeV = {params['mass_GeV']} must be between 2 m_x = {2 * m_x:.4f} and "
                             f"m_B - m_K = {hi:.4f} GeV for B -> {mode} S, S -> x x (x = {int(params['decay_pdg'])})")


def _select(batch, chunk, card, params):
    start = batch.offsets[:-1]
    _, s_slot = b_candidates.slots(params)
    s_idx = start + s_slot
    x_idx = (s_idx + 1, s_idx + 2)
    t, v = chunk.tracks, chunk.vertices
    # 1. a displaced vertex of the S: two found tracks, radius in range
    radius_cm = v.radius_cm[s_idx]
    vertex = v.found[s_idx] & (radius_cm > VERTEX_RADIUS_CM[0]) & (radius_cm < VERTEX_RADIUS_CM[1])
    vertex &= (v.n_tracks[s_idx] >= 2)
    # 2. its tracks identified as the decay's particles (leptons); hadrons: no ID modelled
    x = int(params["decay_pdg"])
    if x == 11:
        ident = t.electron_id[x_idx[0]] & t.electron_id[x_idx[1]]
    elif x == 13:
        ident = t.muon_id[x_idx[0]] & t.muon_id[x_idx[1]]
    else:
        ident = np.ones(len(batch), dtype=np.bool_)
    # 3. prompt kaon (and pion) tracks; 4. B candidate: K(*) + vertex
    prompt, b_cand = b_candidates.b_selection(batch, chunk, card, params, s_idx, v.E, v.px, v.py, v.pz)
    # 5. M(x x) window: predicted resolution from the tracks' pT resolution [OURS]
    window = vertex_mass_window(t, v, s_idx, x_idx, params["mass_GeV"], params["window_nsigma"], card)
    return {"displaced vertex (2 tracks, 0.05 < r < 60 cm)": vertex,
            "vertex tracks identified (e: E/p, mu: KLM)": ident,
            "prompt K+ (K*0 -> K+ pi-) candidate": prompt,
            "Mbc > 5.27 GeV, |Delta E| < 0.1 GeV": b_cand,
            "M(x x) in window": window}


ANALYSIS = Analysis(
    key="2306.02830",
    title="after Belle II, B -> K(*) S with a long-lived scalar, PRD 108 (2023) L111104 (text not read: cuts are "
    "belle2sim's [OURS])",
    trigger="fff or ffo or hie",
    trigger_source="[OURS] the paper's trigger was not read; B Bbar events fire the standard three-track, two-track "
    "and ECL energy-sum lines",
    select=_select, parameters=SELECTION, needs_generator_layout=True,
    window="+-window_nsigma predicted M(x x) resolutions around m_S [OURS]",
    not_modelled=("the paper's cut values (text not available): vertex radius, B-candidate windows, particle ID "
                  "and prompt-track definitions are belle2sim's choices [OURS]",
                  "candidate combinatorics: the kaon and the vertex are the true ones (truth-matched candidate)",
                  "kaon and pion identification; muon ID below 0.7 GeV/c",
                  "photon-conversion and K0S / Lambda vetoes and backgrounds (no conversions simulated)",
                  "K*0 width; B0-B0bar mixing of the other B",
                  "decays inside the ECL volume (treated as outside the detector)"),
)


def _generate(seed, first, n, params, card):
    return b_meson.generate_batch(seed, first, n, _mode(params), params["mass_GeV"], int(params["decay_pdg"]),
                                  card.beams)


def _branching(params, card):
    return params["reference_bf"] * (KSTAR_TO_K_PI if _mode(params) == "K*0" else 1.0)


CHANNEL = register(Channel(
    name="b-to-k-scalar",
    description="B -> K(*) S, S -> x+ x- displaced (x = e, mu, pi, K); the other B generic (Pythia 8)",
    reference="Belle II, PRD 108 (2023) L111104 [arXiv:2306.02830]; Kachanovich, Nierste, Nisandzic, "
    "arXiv:2003.01788 (the scalar's phenomenology)",
    parameters=PARAMETERS,
    generate=_generate,
    cross_section_fb=lambda params, card: SIGMA_UPSILON4S_FB * UPSILON_TO_PAIR[_mode(params)] * 2.0,
    branching_fraction=_branching,
    analyses=(ANALYSIS,),
    check=_check,
    default_scan=(0.5, 1.0, 2.0, 3.0, 4.0),
    cross_section_note="sigma(e+e- -> Upsilon(4S)) = 1.110 nb (Belle II Physics Book, measured line shape at the "
    "nominal sqrt(s)) x B(Upsilon(4S) -> B Bbar of the mode's charge) x 2 (either B can decay to the signal)",
    long_lived_pdg=b_meson.PDG_SCALAR,
    ctau_cm=lambda params, card: params["ctau_cm"],
))
