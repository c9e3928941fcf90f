"""Standard Model two-body processes and menu rates."""

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate, stats

from belle2sim import rates
from belle2sim.generators import qed


@pytest.mark.parametrize("process", list(qed.PROCESSES))
def test_cross_sections_and_angular_laws(card, process):
    s = card.beams.s_GeV2
    lo, hi = 20.0, 160.0
    c_lo, c_hi = np.cos(np.radians(hi)), np.cos(np.radians(lo))
    closed = qed.cross_section_fb(s, process, lo, hi)
    numeric = integrate.quad(lambda c: qed.dsigma_dcos_fb(c, s, process), c_lo, c_hi, epsrel=1e-10)[0]
    assert closed == pytest.approx(numeric, rel=1e-9)
    # generated c.m. angles of the first particle follow dsigma/dcos (KS against the closed-form CDF)
    batch = qed.generate(3, 0, 20000, card.beams, process, lo, hi)
    import vector

    first = vector.array({"px": batch.px[2::4], "py": batch.py[2::4], "pz": batch.pz[2::4], "E": batch.E[2::4]})
    beam = vector.array({"px": batch.px[0::4], "py": batch.py[0::4], "pz": batch.pz[0::4], "E": batch.E[0::4]})
    total = vector.array({c: getattr(batch, c)[0::4] + getattr(batch, c)[1::4] for c in ("px", "py", "pz", "E")})
    cm_first, cm_beam = first.boostCM_of(total), beam.boostCM_of(total)
    cos = cm_first.to_3D().unit().dot(cm_beam.to_3D().unit())
    cdf = lambda c: (qed._primitive(np.clip(c, c_lo, c_hi), s, process) - qed._primitive(c_lo, s, process)) / (  # noqa: E731
        qed._primitive(c_hi, s, process) - qed._primitive(c_lo, s, process))
    assert stats.kstest(np.asarray(cos), cdf).pvalue > 0.001


def test_born_numbers_against_the_physics_book(card):
    """Born cross sections below the radiatively corrected Physics Book ones (data sheet 7b), within 10 %."""
    s = card.beams.s_GeV2
    assert qed.cross_section_fb(s, "bhabha", 10, 170) / 300e6 == pytest.approx(1.0, abs=0.10)
    assert qed.cross_section_fb(s, "gammagamma", 10, 170) / 4.99e6 == pytest.approx(0.95, abs=0.06)
    assert qed.cross_section_fb(s, "mumu", 0.0001, 179.9999) == pytest.approx(4 * np.pi * 0.0072973525 ** 2 / (3 * s)
                                                                           * 0.3893794e12 * 1.0, rel=2e-3)


def test_rates_are_consistent_and_chunk_independent(card, menu):
    a = [rates.count_process(p, card, menu, 4000, seed=2, chunk_size=4000) for p in ("bhabha", "mumu")]
    b = [rates.count_process(p, card, menu, 4000, seed=2, chunk_size=777) for p in ("bhabha", "mumu")]
    doc_a, doc_b = rates.rate_document(a, menu, 6e35), rates.rate_document(b, menu, 6e35)
    assert doc_a == doc_b
    lines = doc_a["lines"]
    assert all(r["unique_rate_Hz"] <= r["rate_Hz"] + 1e-9 for r in lines.values())
    top = max(r["rate_Hz"] for r in lines.values())
    # the total (any line) is at least the largest line and at most the sum of lines
    assert top - 1e-6 <= doc_a["total_rate_Hz"] <= sum(r["rate_Hz"] for r in lines.values()) + 1e-6
    names = doc_a["overlap_Hz"]["lines"]
    matrix = np.array(doc_a["overlap_Hz"]["rate_Hz"])
    np.testing.assert_allclose(np.diag(matrix), [lines[n]["rate_Hz"] for n in names])
    assert np.allclose(matrix, matrix.T)
    # a prescale of 0 removes a line's rate
    from belle2sim.trigger.menu import Menu

    busiest = max(lines, key=lambda n: lines[n]["rate_Hz"])
    off = Menu(path=menu.path, sha256="x", doc=menu.doc, lines=dict(menu.lines))
    from dataclasses import replace

    off.lines[busiest] = replace(menu.lines[busiest], prescale=0)
    doc_off = rates.rate_document([rates.count_process("bhabha", card, off, 2000, seed=2)], off, 6e35)
    assert doc_off["lines"][busiest]["rate_Hz"] == 0.0


def test_rates_and_background_commands(tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "belle2sim.cli", *args], capture_output=True, text=True,
                              cwd=tmp_path)

    out = cli("rates", "--events", "2000", "--processes", "bhabha,mumu", "-q", "-o", "r.json", "--plot", "r.png")
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "r.json").read_text())
    assert set(doc["processes"]) == {"bhabha", "mumu"} and doc["lumi_cm2s"] == 6e35
    assert "30 kHz budget" in out.stdout and (tmp_path / "r.png").stat().st_size > 0
    bad = cli("rates", "--processes", "two-photon")
    assert bad.returncode == 2 and "unknown" in bad.stderr
    bg = cli("background", "gammagamma", "--events", "50", "-o", "gg.hepmc3")
    assert bg.returncode == 0, bg.stderr
    from belle2sim.detector.card import load_card
    from belle2sim.inputs import open_events

    card = load_card()
    source = open_events(tmp_path / "gg.hepmc3", card)
    (batch,) = list(source)
    assert len(batch) == 50 and np.all(batch.pdg[2::4] == 22)
    # the file carries the process cross section (pb), so a re-read sample gives yields
    expected_pb = 1e-3 * qed.cross_section_fb(card.beams.s_GeV2, "gammagamma", *rates.THETA_RANGE_DEG)
    assert source.info.cross_section_pb == pytest.approx(expected_pb, rel=1e-9)


def test_pythia_samples_chunk_independent_and_cross_sections_match(card):
    from belle2sim.inputs.pythia_sm import PythiaSample

    qq = PythiaSample("qqbar", card)
    whole = qq.generate(4, 0, 600)
    part = qq.generate(4, 300, 300)
    np.testing.assert_array_equal(whole.pdg[whole.offsets[300]:], part.pdg)
    np.testing.assert_array_equal(whole.px[whole.offsets[300]:], part.px)
    # beams at SuperKEKB's nominal energies, crossing angle included; final states conserve four-momentum
    her, ler = card.beams.nominal_fourvectors()
    beams = whole.status == 4
    np.testing.assert_allclose(whole.E[beams][0::2], her[3], rtol=1e-9)
    ev = np.repeat(np.arange(len(whole)), np.diff(whole.offsets))
    final = whole.status == 1
    for comp, total in zip(("px", "py", "pz", "E"), card.beams.total_fourvector):
        x = getattr(whole, comp)
        np.testing.assert_allclose(np.bincount(ev[final], x[final], len(whole)), total, atol=2e-3)
    assert 10 < np.diff(whole.offsets).mean() < 40
    # Pythia's mu mu and tau tau cross sections (ISR, Z included) against the Born closed form of the
    # built-in generators (tau decays off: Pythia's cross section is set by the hard process)
    for name, ours in (("mumu-pythia", "mumu"), ("tautau-pythia", "tautau")):
        sample = PythiaSample(name, card, extra_settings=("HadronLevel:all = off",))
        sample.generate(1, 0, 3000)
        born = qed.cross_section_fb(card.beams.s_GeV2, ours, 1e-4, 180 - 1e-4)
        assert sample.cross_section_fb() == pytest.approx(born, rel=0.06)


def test_menu_studies_see_a_prescale_and_a_threshold(card, menu, tmp_path):
    """A prescale of 100 on the busiest Bhabha line lowers the total rate and leaves a track-triggered
    signal alone; raising the ECL energy-sum threshold can only lower the rate of the lines that read it."""
    from belle2sim import menu_study
    from belle2sim.channels import get
    from belle2sim.trigger.menu import with_value

    ch = get("zprime-mumu")
    prescaled = with_value(menu, "lines.lml4.prescale", 100)
    a, b = menu_study.compare(card, [menu, prescaled], ch, [2.0], ["bhabha"], 3000, 2000, 1, 6e35)
    assert b["total_rate_Hz"] < a["total_rate_Hz"]
    assert b["lines"]["lml4"]["rate_Hz"] < 0.05 * a["lines"]["lml4"]["rate_Hz"] + 1e-9
    assert a["signal"][0]["efficiency"] == b["signal"][0]["efficiency"]  # ttt or mu1: untouched
    rows = menu_study.scan_threshold(card, menu, "inputs.ecl.ehigh_threshold_GeV", [0.5, 2.0, 4.0], ch, [2.0],
                                     ["bhabha", "mumu"], 2000, 500, 1, 6e35)
    hie = [r["lines"]["hie"]["rate_Hz"] for r in rows]
    assert hie[0] >= hie[1] >= hie[2]
    assert "total L1 rate" in menu_study.comparison_table(rows, ch, ["0.5", "2", "4"])
    with pytest.raises(Exception, match="no key"):
        with_value(menu, "inputs.ecl.no_such_key", 1.0)


def test_bbbar_events_conserve_and_do_not_depend_on_chunking(card):
    from belle2sim import pdgdata
    from belle2sim.generators import bbbar

    whole = bbbar.generate(2, 0, 2000, card)
    half = bbbar.generate(2, 1000, 1000, card)
    np.testing.assert_array_equal(whole.pdg[whole.offsets[1000]:], half.pdg)
    ev = np.repeat(np.arange(len(whole)), np.diff(whole.offsets))
    final = whole.status == 1
    for comp, total in zip(("px", "py", "pz", "E"), card.beams.total_fourvector):
        x = getattr(whole, comp)
        np.testing.assert_allclose(np.bincount(ev[final], x[final], len(whole)), total, atol=2e-3)
    assert np.all(np.bincount(ev[final], pdgdata.charges(whole.pdg)[final], len(whole)) == 0)
    b = whole.pdg[whole.offsets[:-1] + 3]
    assert abs(np.mean(np.abs(b) == 521) - bbbar.CHARGED_FRACTION) < 4 * np.sqrt(0.25 / 2000)
    # B momentum in the Upsilon(4S) frame (at rest in the c.m.): the two-body value
    import vector

    beta = card.beams.boost_vector
    bv = vector.array({"px": whole.px[whole.offsets[:-1] + 3], "py": whole.py[whole.offsets[:-1] + 3],
                       "pz": whole.pz[whole.offsets[:-1] + 3], "E": whole.E[whole.offsets[:-1] + 3]})
    p_cm = bv.boost_beta3(vector.obj(x=-beta[0], y=-beta[1], z=-beta[2])).p
    m = np.where(np.abs(b) == 521, pdgdata.mass_GeV(521), pdgdata.mass_GeV(511))
    np.testing.assert_allclose(p_cm, np.sqrt(card.beams.sqrt_s_GeV ** 2 / 4 - m ** 2), rtol=1e-6)


def test_two_photon_pairs_in_the_equivalent_photon_approximation(card):
    from belle2sim import pdgdata
    from belle2sim.generators import two_photon as tp

    m = pdgdata.mass_GeV(13)
    for w in (0.25, 1.0, 6.0):  # the sampled angular law integrates to the Breit-Wheeler total
        total = integrate.quad(lambda c: tp.dsigma_dcos_GeV2(c, w, m), -1, 1)[0]
        assert total == pytest.approx(tp.breit_wheeler(w, m), rel=1e-8)
    assert tp.breit_wheeler(0.2, m) == 0.0  # below threshold
    # the spectrum: alpha/(2 pi x) (1 + (1-x)^2) ln(Q2_max / Q2_min), Q2_min = m_e^2 x^2 / (1 - x)
    m_e, x = pdgdata.mass_GeV(11), 0.3
    assert tp.flux(x, m_e) == pytest.approx(0.0072973525693 / (2 * np.pi * x) * (1 + 0.7**2)
                                            * np.log(tp.Q2_MAX_GeV2 * 0.7 / (m_e**2 * x**2)), rel=1e-9)
    whole = tp.generate(3, 0, 3000, card, 13)
    part = tp.generate(3, 1500, 1500, card, 13)
    np.testing.assert_array_equal(whole.px[6 * 1500:], part.px)
    lep = np.concatenate([np.arange(4, 6 * 3000, 6), np.arange(5, 6 * 3000, 6)])
    pt = np.hypot(whole.px[lep], whole.py[lep])
    theta = np.degrees(np.arctan2(pt, whole.pz[lep]))
    assert pt.min() >= tp.MIN_PT_GeV and theta.min() >= 17.0 and theta.max() <= 150.0
    ev = np.repeat(np.arange(3000), 6)
    final = whole.status == 1
    for comp, total in zip(("px", "py", "pz", "E"), card.beams.total_fourvector):
        x = getattr(whole, comp)
        np.testing.assert_allclose(np.bincount(ev[final], x[final], 3000), total, atol=1e-9)
    sigma, err, _ = tp.pilot(card, 13)
    assert err < 0.02 * sigma
