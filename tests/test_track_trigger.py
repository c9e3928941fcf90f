"""CDC, GRL and KLM trigger bits on hand-built events."""

import numpy as np
import pytest
from scipy import stats

from belle2sim import pdgdata
from belle2sim.simulate import simulate_chunk
from conftest import make_batch


def particle(pdg, p, theta_deg, phi_deg=20.0, vz=0.0):
    m = pdgdata.mass_GeV(pdg) if pdg != 22 else 0.0
    t, f = np.radians(theta_deg), np.radians(phi_deg)
    return (pdg, p * np.sin(t) * np.cos(f), p * np.sin(t) * np.sin(f), p * np.cos(t), np.hypot(p, m), 0.0, 0.0, vz)


def bits_for(card, menu, events, seed=3):
    chunk = simulate_chunk(make_batch(events), card, menu, seed, period="ideal")
    return chunk.bits, chunk.ftdl


def test_two_track_opening_angle_bits(card, menu):
    events = [
        [particle(13, 1.0, 90, 20), particle(-13, 1.0, 90, 200)],   # back to back
        [particle(13, 1.0, 90, 20), particle(-13, 1.0, 90, 80)],    # 60 deg apart
        [particle(13, 1.0, 90, 20), particle(-13, 1.0, 90, 140)],   # 120 deg apart
    ]
    bits, lines = bits_for(card, menu, events)
    assert list(bits["t2"]) == [2, 2, 2]
    assert list(bits["cdc_open90"]) == [1, 0, 1]
    assert list(bits["f2f30"]) == [1, 1, 1]
    assert list(bits["cdc_b2b5"]) == [1, 0, 0]
    assert list(lines["ffo"]) == [True, False, True]
    assert list(lines["ffb"]) == [True, False, False]
    assert list(lines["fff"]) == [False] * 3


@pytest.mark.parametrize("vz", [0.0, 17.0, 30.0, 60.0])
def test_z_vertex_bits_follow_the_resolution(card, menu, vz):
    cdc = menu.inputs["cdc"]
    n = 1500
    bits, _ = bits_for(card, menu, [[particle(13, 1.5, 90, 20, vz=vz)] for _ in range(n)])
    for bit, cut, res in (("t3", cdc["t3_z0_cut_cm"], cdc["t3_z0_resolution_cm"]),
                          ("ty", cdc["ty_z0_cut_cm"], cdc["ty_z0_resolution_cm"]),
                          ("typ", cdc["typ_z0_cut_cm"], cdc["ty_z0_resolution_cm"])):
        p = stats.norm.cdf((cut - vz) / res) - stats.norm.cdf((-cut - vz) / res)
        k = np.sum(np.asarray(bits[bit]) > 0)
        assert abs(k / n - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1e-9, (bit, vz)


def test_typ_needs_momentum(card, menu):
    bits, lines = bits_for(card, menu, [[particle(13, 0.6, 90)], [particle(13, 0.8, 90)]])
    assert list(bits["typ"]) == [0, 1]
    assert list(lines["stt"]) == [False, True]


def test_klm_and_matching_bits(card, menu):
    events = [
        [particle(13, 1.5, 70, 20), particle(-13, 1.5, 110, 200)],  # barrel KLM, forward + backward section
        [particle(13, 1.5, 60, 0), particle(-13, 1.5, 60, 180)],    # back to back in phi, one section (C14b)
        [particle(13, 1.5, 25, 20)],                                # forward endcap KLM
        [particle(13, 0.5, 90, 20)],                                # too soft to reach the KLM
        [particle(22, 2.0, 70, 0), particle(22, 2.0, 110, 180)],   # two photons back to back
        [particle(13, 1.0, 90, 0), particle(22, 1.0, 90, 180)],    # track opposite a photon
    ]
    bits, lines = bits_for(card, menu, events)
    assert list(bits["klm"]) == [2, 2, 0, 0, 0, 1]
    assert list(bits["eklm"]) == [0, 0, 1, 0, 0, 0]
    # newest basf2 KLM_Trig.cc: b2b = triggered sectors in both barrel sections; phi is not compared
    assert list(bits["klmb2b"]) == [1, 0, 0, 0, 0, 0]
    assert list(bits["cdcklm"]) == [2, 2, 0, 0, 0, 1]
    assert list(bits["cdcecl"]) == [2, 2, 0, 1, 0, 1]   # MIP deposits (0.17 GeV) fire a TC
    # d5 with TSIM's binning (int)(phi/10) of the cluster (TC centre) phi: the 1.5 GeV muons of
    # event 0 are bent by 11.5 deg each, their TCs are centred at 27.5 and -172.5 deg: bins 2
    # and -17, |delta| = 19 in 16-20; the continuous 160-200 deg window missed this pair (160 deg)
    assert list(bits["d5"]) == [1, 1, 0, 0, 1, 1]
    assert list(bits["p5"]) == [1, 1, 0, 0, 0, 1]
    assert list(bits["opohem"]) == [0, 0, 0, 0, 0, 1]
    assert list(lines["mu_pair"]) == [True, True, False, False, False, False]
    assert list(lines["mu_b2b"]) == [True, False, False, False, False, False]
    assert list(lines["eklmhit"]) == [False, False, True, False, False, False]
    assert list(lines["g_high"]) == [False, False, False, False, True, False]


def test_track_bhabha_veto(card, menu):
    """e+e- and gamma gamma back to back in the CM both fire the 3D Bhabha bit; only the
    electrons have a pT > 1 GeV track feeding each cluster (trkbha), so only gamma gamma
    passes ggsel."""
    import vector

    b = card.beams.boost_vector
    events = []
    for pdg in (11, 22):
        pair = []
        for sign, code in ((1, pdg), (-1, -pdg if pdg == 11 else 22)):
            t, f = np.radians(80.0 if sign > 0 else 100.0), np.radians(30.0 if sign > 0 else 210.0)
            e = card.beams.sqrt_s_GeV / 2
            v = vector.obj(px=e * np.sin(t) * np.cos(f), py=e * np.sin(t) * np.sin(f), pz=e * np.cos(t), E=e)
            lab = v.boost_beta3(vector.obj(x=b[0], y=b[1], z=b[2]))
            pair.append((code, lab.px, lab.py, lab.pz, lab.E))
        events.append(pair)
    bits, lines = bits_for(card, menu, events)
    assert list(bits["ecl_3dbha"]) == [1, 1]
    assert list(bits["bha_intrk"]) == [1, 1]
    assert list(bits["trkbha"]) == [1, 0]
    assert list(lines["ggsel"]) == [False, True]
    assert list(lines["hie"]) == [False, False]  # both vetoed by bha_veto
