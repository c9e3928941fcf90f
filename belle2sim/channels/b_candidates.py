"""B-candidate pieces shared by the B -> K(*) X channels: the prompt kaon system, Mbc and Delta E.

Candidates are truth-matched (the generator's slots): candidate combinatorics is not modelled,
as each channel's ``not_modelled`` says.
"""

import numpy as np

from belle2sim import pdgdata
from belle2sim.channels.objects import to_cm

MBC_MIN_GeV = 5.27          # [OURS]
DELTA_E_MAX_GeV = 0.1       # [OURS]
KSTAR_WINDOW_GeV = 0.05     # [OURS] |M(K pi) - m_K*|
PROMPT_TRACK_CM = (0.5, 2.0)     # |d0|, |z0| of the kaon (and pion) [OURS]
MODE_NAMES = ("K+", "K*0")


def mode(params):
    return MODE_NAMES[int(params["mode"])]


def slots(params):
    """Positions in each event (generators/b_meson.py layout): kaon (and pion), the boson."""
    if mode(params) == "K+":
        return (5,), 6
    return (6, 7), 8


def kaon_system(batch, chunk, params):
    """(prompt-candidate mask, lab (E, px, py, pz) of the kaon system) from the reconstructed tracks."""
    start = batch.offsets[:-1]
    t = chunk.tracks
    kaon_slots, _ = slots(params)
    k_idx = [start + k for k in kaon_slots]
    prompt = np.ones(len(batch), dtype=np.bool_)
    for k in k_idx:
        prompt &= t.found[k] & (np.abs(t.d0_cm[k]) < PROMPT_TRACK_CM[0]) & (np.abs(t.z0_cm[k]) < PROMPT_TRACK_CM[1])
    masses = [pdgdata.mass_GeV(321)] + ([pdgdata.mass_GeV(211)] if len(k_idx) > 1 else [])
    comp = [np.zeros(len(batch)) for _ in range(4)]
    for k, m in zip(k_idx, masses):
        p = [np.nan_to_num(np.asarray(getattr(t, c)[k], dtype=float)) for c in ("px", "py", "pz")]
        comp[0] += np.sqrt(p[0] ** 2 + p[1] ** 2 + p[2] ** 2 + m * m)
        for c in range(3):
            comp[c + 1] += p[c]
    if len(k_idx) > 1:
        m_kpi = np.sqrt(np.maximum(comp[0] ** 2 - comp[1] ** 2 - comp[2] ** 2 - comp[3] ** 2, 0.0))
        prompt &= np.abs(m_kpi - pdgdata.mass_GeV(313)) < KSTAR_WINDOW_GeV
    return prompt, comp


def b_candidate(card, E, px, py, pz):
    """Mbc > MBC_MIN_GeV and |Delta E| < DELTA_E_MAX_GeV for a lab four-momentum."""
    e_cm, px_cm, py_cm, pz_cm = to_cm(card, E, px, py, pz)
    e_beam = 0.5 * card.beams.sqrt_s_GeV
    mbc = np.sqrt(np.maximum(e_beam**2 - px_cm**2 - py_cm**2 - pz_cm**2, 0.0))
    return (mbc > MBC_MIN_GeV) & (np.abs(e_cm - e_beam) < DELTA_E_MAX_GeV)
