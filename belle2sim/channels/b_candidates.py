"""B-candidate pieces shared by the B -> K(*) X channels: the prompt kaon system, Mbc and Delta E.

Candidates are truth-matched (the generator's slots): candidate combinatorics is not modelled,
as each channel's ``not_modelled`` says.
"""

import numpy as np

from belle2sim import pdgdata
from belle2sim._jit import inline, range_kernel
from belle2sim.channels.objects import cm_boost_matrix, nan_to_num
from belle2sim.kinematics import matrix_row_times

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


def b_selection(batch, chunk, card, params, signal_index, signal_E, signal_px, signal_py, signal_pz):
    """(prompt K(*) candidate, Mbc and Delta E window) per event: the kaon (and pion) tracks of the
    generator's slots, prompt (|d0|, |z0|) and, for K*0, M(K pi) in the window; the B candidate is
    their four-momentum (pi: pion mass, K: kaon mass; missing tracks count zero) plus the signal's
    (E, px, py, pz)[signal_index[i]] (NaN: zero). One pass in a kernel: as NumPy, ~17 gathers from
    the chunk's particle arrays with the GIL held (b-to-k-scalar ~8 ms per 1e5 events)."""
    kaon_slots, _ = slots(params)
    kaon_mass = np.array([pdgdata.mass_GeV(321), pdgdata.mass_GeV(211)][:len(kaon_slots)])
    e_beam = 0.5 * card.beams.sqrt_s_GeV
    cuts = np.array([PROMPT_TRACK_CM[0], PROMPT_TRACK_CM[1], pdgdata.mass_GeV(313), KSTAR_WINDOW_GeV, e_beam,
                     e_beam**2, MBC_MIN_GeV, DELTA_E_MAX_GeV])  # (e_beam**2 as Python squares it)
    t = chunk.tracks
    n = len(batch)
    prompt, b_cand = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.bool_)
    _b_selection(batch.offsets, np.array(kaon_slots, dtype=np.int64), kaon_mass, t.found, t.d0_cm, t.z0_cm, t.px, t.py,
                 t.pz, np.ascontiguousarray(signal_index, dtype=np.int64), signal_E, signal_px, signal_py, signal_pz,
                 cm_boost_matrix(card), cuts, prompt, b_cand)
    return prompt, b_cand


(C_D0, C_Z0, C_KSTAR_MASS, C_KSTAR_WINDOW, C_E_BEAM, C_E_BEAM2, C_MBC_MIN, C_DELTA_E_MAX) = range(8)


@range_kernel("offsets")
def _b_selection(begin, end, offsets, kaon_slots, kaon_mass, found, d0, z0, px, py, pz, signal_index, signal_E,
                 signal_px, signal_py, signal_pz, boost_matrix, cuts, prompt, b_cand):
    """:func:`b_selection` per event, in the NumPy form's order of operations (the same bits): the
    kaon system summed kaon first, the signal added to it, vector's boost to the c.m. frame
    (objects.cm_boost_matrix); track cuts compared in float32 as NumPy compares the float32 arrays
    with a Python float."""
    d0_max, z0_max = np.float32(cuts[C_D0]), np.float32(cuts[C_Z0])
    e_beam, e_beam2 = cuts[C_E_BEAM], cuts[C_E_BEAM2]
    for i in range(begin, end):
        ok = True
        e = x = y = z = 0.0
        for k in range(kaon_slots.shape[0]):
            j = offsets[i] + kaon_slots[k]
            ok &= found[j] & (abs(d0[j]) < d0_max) & (abs(z0[j]) < z0_max)
            tx, ty, tz = nan_to_num(px[j]), nan_to_num(py[j]), nan_to_num(pz[j])
            m = kaon_mass[k]
            e += np.sqrt(tx * tx + ty * ty + tz * tz + m * m)
            x += tx
            y += ty
            z += tz
        if kaon_slots.shape[0] > 1:  # K*0 -> K+ pi-: M(K pi) in the window (NaN fails, as NumPy's)
            m_kpi = np.sqrt(_not_below_zero(e * e - x * x - y * y - z * z))
            ok &= abs(m_kpi - cuts[C_KSTAR_MASS]) < cuts[C_KSTAR_WINDOW]
        prompt[i] = ok
        s = signal_index[i]
        x, y, z, e = x + nan_to_num(signal_px[s]), y + nan_to_num(signal_py[s]), z + nan_to_num(signal_pz[s]), \
            e + nan_to_num(signal_E[s])
        px_cm, py_cm = matrix_row_times(boost_matrix, 0, x, y, z, e), matrix_row_times(boost_matrix, 1, x, y, z, e)
        pz_cm, e_cm = matrix_row_times(boost_matrix, 2, x, y, z, e), matrix_row_times(boost_matrix, 3, x, y, z, e)
        mbc = np.sqrt(_not_below_zero(e_beam2 - px_cm * px_cm - py_cm * py_cm - pz_cm * pz_cm))
        b_cand[i] = (mbc > cuts[C_MBC_MIN]) & (abs(e_cm - e_beam) < cuts[C_DELTA_E_MAX])


@inline
def _not_below_zero(x):
    """np.maximum(x, 0.0) where the result is compared: NaN stays NaN and fails every cut."""
    return x if not x < 0.0 else 0.0
