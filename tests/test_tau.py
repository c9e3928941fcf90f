"""Tau decays from the Pythia bank, tau-pair production, and the tau channels."""

import numpy as np
import pytest
from scipy import stats

from belle2sim import pdgdata
from belle2sim.channels import get
from belle2sim.events import EventBatch, STATUS_BEAM
from belle2sim.generators import tau_decays, tau_pair


@pytest.fixture(scope="module")
def bank():
    return tau_decays.load_bank()


def test_bank_branching_fractions_match_pdg(bank):
    """Leptonic fractions of the bank against the PDG (tau -> e nu nu 17.82 %, mu nu nu 17.39 %,
    PDG 2024), binomial 5 sigma; and every decay carries the full tau mass."""
    n = len(bank)
    per = np.repeat(np.arange(n), np.diff(bank.offsets))
    for lepton, bf in ((11, 0.1782), (13, 0.1739)):
        k = len(np.unique(per[bank.pdg == lepton]))
        assert abs(k / n - bf) < 5 * np.sqrt(bf * (1 - bf) / n)
    e = np.add.reduceat(bank.p4[:, 3], bank.offsets[:-1])
    np.testing.assert_allclose(e, bank.tau_mass_GeV, rtol=1e-9)
    assert abs(bank.tau_mass_GeV - pdgdata.mass_GeV(15)) < 1e-3


def test_installed_bank_is_pythias_and_read_without_it(monkeypatch, tmp_path):
    """The bank installed with belle2sim is the one Pythia makes: the first 300 taus made again with
    the same seed match it (the same modes and particles; momenta to 1e-12, the last bits may
    differ with another CPU's maths library); and an empty cache reads it instead of running
    Pythia."""
    from belle2sim._data_cache import pythia_version

    installed = tau_decays.SHIPPED_BANKS / f"{tau_decays.bank_name()}.npz"
    if not installed.exists():
        pytest.skip(f"no installed bank for Pythia {pythia_version()} (remake it: python -m belle2sim.generators.tau_decays)")
    with np.load(installed) as stored:
        offsets, pdg, p4 = stored["offsets"], stored["pdg"], stored["p4"]
        assert len(offsets) - 1 == tau_decays.DEFAULT_BANK_SIZE
        again = tau_decays.make_bank(300)  # (three Pythia events of 100 taus, as the bank's first three)
        np.testing.assert_array_equal(again.offsets, offsets[:301])
        np.testing.assert_array_equal(again.pdg, pdg[:offsets[300]])
        np.testing.assert_allclose(again.p4, p4[:offsets[300]], rtol=1e-12, atol=1e-15)
        assert again.tau_mass_GeV == float(stored["tau_mass_GeV"])
    monkeypatch.setenv("BELLE2SIM_CACHE", str(tmp_path))
    monkeypatch.setattr(tau_decays, "_LOADED", {})
    monkeypatch.setattr(tau_decays, "make_bank", lambda *a, **k: pytest.fail("Pythia ran: the installed bank was not read"))
    bank = tau_decays.load_bank()
    np.testing.assert_array_equal(bank.p4, p4)
    assert list(tmp_path.iterdir()) == []  # (nothing copied into the cache)


def test_tau_pair_angular_distribution_and_cross_section(card):
    b = tau_pair.generate(8, 0, 30_000, card.beams, 11, 0.0)
    m = pdgdata.mass_GeV(15)
    s = card.beams.s_GeV2
    beta = np.sqrt(1 - 4 * m**2 / s)
    sig = tau_pair.cross_section_fb(s, m)
    # sigma = 4 pi alpha^2 / 3s at high energy; with beta: x beta (3 - beta^2) / 2
    from belle2sim.constants import ALPHA_EM, GEV2_TO_FB

    assert sig == pytest.approx(GEV2_TO_FB * 4 * np.pi * ALPHA_EM**2 / (3 * s) * beta * (3 - beta**2) / 2)
    import vector

    tot = [np.add.reduceat(np.where(b.status == STATUS_BEAM, getattr(b, c), 0), b.offsets[:-1]) for c in ("px", "py", "pz", "E")]
    bv = vector.array({"x": -tot[0] / tot[3], "y": -tot[1] / tot[3], "z": -tot[2] / tot[3]})
    t = vector.array({k: getattr(b, k)[b.pdg == 15] for k in ("px", "py", "pz", "E")}).boost_beta3(bv)
    e = vector.array({k: getattr(b, k)[(b.pdg == 11) & (b.status == STATUS_BEAM)] for k in ("px", "py", "pz", "E")}).boost_beta3(bv)
    c = (t.px * e.px + t.py * e.py + t.pz * e.pz) / (t.p * e.p)
    a = 1 - beta**2

    def cdf(x):  # integral of (1 + x^2) + a (1 - x^2), normalised
        f = lambda y: y + y**3 / 3 + a * (y - y**3 / 3)  # noqa: E731
        return (f(x) - f(-1)) / (f(1) - f(-1))

    assert stats.kstest(c, cdf).pvalue > 1e-3


@pytest.mark.parametrize("m_alpha", [0.0, 1.0])
def test_signal_lepton_energy_in_tau_frame_is_two_body(card, m_alpha):
    b = tau_pair.generate(2, 0, 2000, card.beams, 13, m_alpha)
    sig_tau = (np.abs(b.pdg) == 15) & (b.status == 2)
    lep = np.abs(b.pdg) == 13
    import vector

    tau = vector.array({k: getattr(b, k)[sig_tau] for k in ("px", "py", "pz", "E")})
    mu = vector.array({k: getattr(b, k)[lep] for k in ("px", "py", "pz", "E")})
    e_star = mu.boost_beta3(-tau.to_beta3()).E
    m_tau, m_mu = pdgdata.mass_GeV(15), pdgdata.mass_GeV(13)
    np.testing.assert_allclose(e_star, (m_tau**2 + m_mu**2 - m_alpha**2) / (2 * m_tau), rtol=1e-9)


def test_decays_conserve_four_momentum_and_do_not_depend_on_chunking(card, bank):
    b = tau_pair.generate(4, 0, 3000, card.beams, 11, 0.3)
    whole = tau_decays.decay_taus(b, 4, bank)
    final, beams = whole.status == 1, whole.status == STATUS_BEAM
    for comp in ("E", "px", "py", "pz"):
        a = getattr(whole, comp)
        np.testing.assert_allclose(np.add.reduceat(np.where(final, a, 0), whole.offsets[:-1]),
                                   np.add.reduceat(np.where(beams, a, 0), whole.offsets[:-1]), atol=1e-9)
    parts = EventBatch.concatenate([tau_decays.decay_taus(tau_pair.generate(4, f, 1000, card.beams, 11, 0.3), 4, bank)
                                    for f in (0, 1000, 2000)])
    np.testing.assert_array_equal(parts.px, whole.px)
    np.testing.assert_array_equal(parts.pdg, whole.pdg)
    # self-conjugate daughters of tau+ keep their ids (no "-111" or "-22")
    assert not np.isin(whole.pdg, [-22, -111, -130, -310]).any()


def test_zprime_tautau_recoil_selection(card, menu):
    from belle2sim.simulate import simulate_chunk

    ch = get("zprime-tautau")
    params = ch.resolve_parameters({"mass_GeV": 6.0, "isr": 0}, card, "generic")
    b = ch.generate(3, 0, 4000, params, card)
    cuts = ch.select(b, simulate_chunk(b, card, menu, 3), card, params, "generic")
    four = cuts["four tracks, zero charge"]
    assert four.mean() > 0.3
    # for four-track events the recoil against the radiating muons sits at M_Z' (two-sided: a
    # window centred 0.3 GeV away keeps almost none of them)
    assert cuts["recoil mass in window"][four].mean() > 0.8
    wrong = ch.select(b, simulate_chunk(b, card, menu, 3), card, {**params, "mass_GeV": 6.3}, "generic")
    assert wrong["recoil mass in window"][four].mean() < 0.15
