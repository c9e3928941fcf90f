"""Trigger bits and lines from both sides of their thresholds, with vetoes on and off, at polar
angles where lab and CM, p and pT, barrel and endcap differ. Each row says what basf2
(TrgEclMaster.cc, TrgEclBhabha.cc, CDCTrigger2DFinderModule, AcceptanceVariables.cc) defines."""

import numpy as np

from belle2sim.simulate import simulate_chunk
from conftest import make_batch, particle as part


def cm_pair(card, pdg, e_cm, e_cm2, theta_cm_deg, phi_deg=30.0):
    """Two particles back to back in the nominal CM with energies e_cm, e_cm2, in the lab."""
    import vector

    b = card.beams.boost_vector
    out = []
    for sign, e in ((1, e_cm), (-1, e_cm2)):
        t, f = np.radians(theta_cm_deg), np.radians(phi_deg)
        v = vector.obj(px=sign * e * np.sin(t) * np.cos(f), py=sign * e * np.sin(t) * np.sin(f),
                       pz=sign * e * np.cos(t), E=e).boost_beta3(vector.obj(x=b[0], y=b[1], z=b[2]))
        out.append((pdg, v.px, v.py, v.pz, v.E))
    return out


def run(card, menu, events):
    chunk = simulate_chunk(make_batch(events), card, menu, 13, period="ideal")
    return chunk.bits, chunk.ftdl


# (row, event, bit, expected, what basf2 defines)
def _rows(card):
    return [
        ("t2 pT 0.31 at 40 deg (p 0.48)", [part(13, 0.31 / np.sin(np.radians(40)), 40)], "t2", 1,
         "2D finder minPt 0.3 GeV is a cut on pT"),
        ("t2 pT 0.29 at 40 deg (p 0.45)", [part(13, 0.29 / np.sin(np.radians(40)), 40)], "t2", 0,
         "p > 0.3 but pT < 0.3: not found"),
        ("KLM barrel pT 0.65 at 50 deg", [part(13, 0.85, 50)], "klm", 1, "BKLM: pT > 0.6 GeV"),
        ("KLM barrel pT 0.57 at 50 deg", [part(13, 0.75, 50)], "klm", 0, "p > 0.7 but pT < 0.6"),
        ("Bhabha pair 5.29 / 5.29 GeV CM", cm_pair(card, 22, 5.29, 5.29, 80), "ecl_3dbha", 1,
         "both > 3 GeV CM, one > 4.5 GeV CM"),
        ("pair 4.2 / 4.2 GeV CM", cm_pair(card, 22, 4.2, 4.2, 80), "ecl_3dbha", 0,
         "both above 3 GeV but none above 4.5 GeV"),
        ("pair 5.0 / 2.5 GeV CM", cm_pair(card, 22, 5.0, 2.5, 80), "ecl_3dbha", 0, "one below 3 GeV"),
        ("pair 1.5 / 1.5 GeV CM", cm_pair(card, 22, 1.5, 1.5, 80), "ecl_mumu", 1, "both below 2 GeV CM"),
        ("pair 2.5 / 1.5 GeV CM", cm_pair(card, 22, 2.5, 1.5, 80), "ecl_mumu", 0, "one above 2 GeV CM"),
        # lml1: a cluster above 2 GeV in the CM in theta-ID 4-14: the CM, not the lab, decides
        # (the boost makes backward photons harder in the CM: E_CM / E_lab about 1.18 at 115 deg and phi 190 deg, 0.82 at 40 deg)
        ("1.95 GeV lab photon at 115 deg, phi 190 (CM 2.3)", [part(22, 1.95, 115, 190)], "lml1", 1, "E_CM > 2 GeV"),
        ("2.3 GeV lab photon at 40 deg (CM 1.89)", [part(22, 2.3, 40)], "lml1", 0, "E_lab > 2 but E_CM < 2"),
        # lml0: >= 3 clusters, one > 0.3 GeV lab, and no 3D Bhabha (the veto)
        ("three clusters, no Bhabha", [part(22, 0.5, 60, 0), part(22, 0.2, 80, 120), part(22, 0.2, 100, 240)],
         "lml0", 1, "n >= 3, one > 0.3 GeV"),
        ("Bhabha pair plus a third cluster", cm_pair(card, 22, 5.29, 5.29, 80) + [part(22, 0.5, 60, 120)],
         "lml0", 0, "vetoed by the 3D Bhabha bit"),
        ("three clusters below 0.3 GeV", [part(22, 0.25, 60, 0), part(22, 0.2, 80, 120), part(22, 0.2, 100, 240)],
         "lml0", 0, "no cluster above 0.3 GeV"),
        # lml2 (endcap cluster > 2 GeV CM, not Bhabha) vs lml3 (the same, Bhabha-tagged)
        ("3 GeV photon at 22 deg", [part(22, 3.0, 22)], "lml2", 1, "theta-ID 2, E_CM > 2 GeV, no Bhabha"),
        ("3 GeV photon at 22 deg", [part(22, 3.0, 22)], "lml3", 0, "lml3 needs the Bhabha tag"),
        # TC threshold 100 MeV: a 95 MeV photon makes no energy, 0.6 GeV makes elow
        ("0.6 GeV photon at 90 deg", [part(22, 0.6, 90)], "elow", 1, "E_tot > 0.5 GeV"),
        ("0.45 GeV photon at 90 deg", [part(22, 0.45, 90)], "elow", 0, "E_tot < 0.5 GeV"),
        ("1.1 GeV photon in ring 1 (14 deg)", [part(22, 1.1, 14)], "ehigh", 0, "E_tot sums theta-ID 2-15 only"),
    ]


def test_trigger_table(card, menu):
    rows = _rows(card)
    bits, _ = run(card, menu, [r[1] for r in rows])
    failures = [(name, bit, int(bits[bit][k]), want, why) for k, (name, _, bit, want, why) in enumerate(rows)
                if int(bits[bit][k] > 0) != want]
    assert not failures


def test_every_input_bit_of_every_event_is_written(card, menu, monkeypatch):
    """The input-bit matrix is allocated unset (no zeroing pass per chunk): the subsystem kernels
    write every bit of every event and _finish_bits zeroes the bits nothing sets (veto). A matrix
    full of garbage must give the bits of a zeroed one, for events of every kind (photons,
    muons, taus, displaced vertices, B decays), with the displaced-vertex menu too."""
    import pytest

    from belle2sim.channels import get
    from belle2sim.trigger import bits as bits_module
    from belle2sim.trigger.menu import load_menu

    def garbage(shape, dtype, order):
        return np.full(shape, 77, dtype=dtype, order=order)

    displaced = load_menu("belle2_l1_displaced")
    for name in ("dark-photon-invisible", "zprime-mumu", "zprime-tautau", "idm-dark-higgs", "b-to-k-scalar"):
        ch = get(name)
        params = ch.resolve_parameters({ch.scan_parameter: ch.default_scan[len(ch.default_scan) // 2]}, card)
        batch = ch.generate(3, 0, 2000, params, card)
        for m in (menu, displaced):
            made = []
            for fill in (np.zeros, garbage):
                monkeypatch.setattr(bits_module, "_unset_matrix", fill)
                made.append(simulate_chunk(batch, card, m, 3).bits.matrix)
            assert (made[0] != 77).all()
            for k, bit in enumerate(bits_module.INPUT_BITS):
                np.testing.assert_array_equal(made[1][:, k], made[0][:, k], err_msg=f"{name}: bit {bit}")
    with pytest.raises(AssertionError):  # (the check has teeth: a column nothing writes keeps the garbage)
        monkeypatch.setattr(bits_module, "_NEVER_SET", np.zeros(0, dtype=np.int64))
        np.testing.assert_array_equal(simulate_chunk(batch, card, menu, 3).bits["veto"], 0)
