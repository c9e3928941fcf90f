"""Vector-portal channels: Z' widths, generated kinematics, recoil and dimuon peaks."""

import numpy as np
import pytest

from belle2sim import pdgdata
from belle2sim.channels import get
from belle2sim.channels.four_muon_analyses import PAIRINGS, pair_window
from belle2sim.channels.track_selection import opposite_sign_order
from belle2sim.channels.track_selection import mass_squared_and_sigma, nominal_total, track_arrays
from belle2sim.events import STATUS_BEAM
from belle2sim.generators import light_bosons
from belle2sim.simulate import simulate_chunk


@pytest.mark.parametrize("M", [0.05, 0.22, 1.0, 3.6, 4.0, 8.0])
def test_zprime_branching_fractions(M):
    g = 3e-3
    w = light_bosons.zprime_widths_GeV(M, g)
    bf = light_bosons.branching_fractions(w)
    assert sum(bf.values()) == pytest.approx(1.0)
    # analytic ratio Gamma(mu mu) / Gamma(nu nu) = (1 + 2r) sqrt(1 - 4r), r = m^2/M^2 (two nu flavours)
    r = (pdgdata.mass_GeV(13) / M) ** 2
    expected = (1 + 2 * r) * np.sqrt(1 - 4 * r) if r < 0.25 else 0.0
    assert bf["mu"] / bf["nu"] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # far above threshold: 1/3 each for mu, tau, nu
    if M == 8.0:
        assert bf["mu"] == pytest.approx(1 / 3, abs=0.01) and bf["tau"] == pytest.approx(1 / 3, abs=0.02)
    assert w["nu"] == pytest.approx(2 * g**2 * M / (24 * np.pi))


def test_scalar_widths_scale_with_lepton_mass():
    y = light_bosons.leptophilic_yukawas(1.0)
    w = light_bosons.scalar_widths_GeV(8.0, y)
    r = (pdgdata.mass_GeV(15) / pdgdata.mass_GeV(13)) ** 2
    beta3 = lambda m: (1 - 4 * m**2 / 64) ** 1.5  # noqa: E731
    assert w["tau"] / w["mu"] == pytest.approx(r * beta3(pdgdata.mass_GeV(15)) / beta3(pdgdata.mass_GeV(13)))


@pytest.mark.parametrize("name,M", [("zprime-invisible", 2.0), ("zprime-mumu", 1.5), ("leptophilic-scalar", 3.0)])
def test_generated_events_conserve_four_momentum(card, name, M):
    ch = get(name)
    params = ch.resolve_parameters({"mass_GeV": M}, card)
    b = ch.generate(5, 0, 3000, params, card)
    final = b.status == 1
    beams = b.status == STATUS_BEAM
    for comp in ("E", "px", "py", "pz"):
        a = getattr(b, comp)
        np.testing.assert_allclose(np.add.reduceat(np.where(final, a, 0), b.offsets[:-1]),
                                   np.add.reduceat(np.where(beams, a, 0), b.offsets[:-1]), atol=1e-9)
    boson = np.isin(b.pdg, [4900023, 4900025])
    m = np.sqrt(b.E[boson] ** 2 - b.px[boson] ** 2 - b.py[boson] ** 2 - b.pz[boson] ** 2)
    np.testing.assert_allclose(m, M, rtol=1e-6)
    assert b.weight.min() >= 1.0 and np.mean(b.weight > 1) < 0.01


def test_recoil_mass_peak_position_and_width(card, menu):
    """The recoil mass against the muon pair peaks at M_Z' with the width the card predicts."""
    M = 3.0
    ch = get("zprime-invisible")
    params = ch.resolve_parameters({"mass_GeV": M, "isr": 0}, card)
    batch = ch.generate(9, 0, 20_000, params, card)
    chunk = simulate_chunk(batch, card, menu, 9)
    index, count, net = track_arrays(batch, chunk, 2)
    ok = (count == 2) & (net == 0)
    m2, sig = mass_squared_and_sigma(chunk.tracks, [index[ok, 0], index[ok, 1]], pdgdata.mass_GeV(13), card,
                                     total=nominal_total(card, ok.sum()))
    pull = (m2 - M**2) / sig
    core = pull[np.abs(pull) < 4]
    assert len(core) > 0.9 * ok.sum()
    assert np.median(pull) == pytest.approx(0.0, abs=0.05)
    # robust width of the core: 1.4826 MAD
    width = 1.4826 * np.median(np.abs(pull - np.median(pull)))
    assert width == pytest.approx(1.0, abs=0.06)
    assert np.sqrt(np.median(m2[np.abs(pull) < 3])) == pytest.approx(M, abs=0.01)


def test_dimuon_peak_in_four_muon_events(card, menu):
    M = 2.0
    ch = get("zprime-mumu")
    params = ch.resolve_parameters({"mass_GeV": M}, card, "generic")
    batch = ch.generate(4, 0, 5000, params, card)
    chunk = simulate_chunk(batch, card, menu, 4)
    cuts = ch.select(batch, chunk, card, params, "generic")
    four = cuts["four tracks, zero charge"]
    assert four.mean() > 0.5
    assert cuts["mu+mu- pair mass in window"][four].mean() > 0.9
    # two-sided: centred 50 MeV away (many resolutions) the window keeps only chance pairings
    wrong = ch.select(batch, chunk, card, {**params, "mass_GeV": M + 0.05}, "generic")
    assert wrong["mu+mu- pair mass in window"][four].mean() < 0.2


def test_pair_window_shares_track_terms_exactly(card, menu):
    """The four pairings of four muons share each track's error terms (made once): the window is
    bit for bit the one of each pairing computed on its own."""
    ch = get("zprime-mumu")
    params = ch.resolve_parameters({"mass_GeV": 2.0}, card)
    batch = ch.generate(6, 0, 3000, params, card)
    chunk = simulate_chunk(batch, card, menu, 6)
    index, count, _ = track_arrays(batch, chunk, 4)
    ordered = opposite_sign_order(chunk, np.maximum(index, 0))
    m_mu = pdgdata.mass_GeV(13)
    alone = np.zeros(len(ordered), dtype=bool)
    for a, b in PAIRINGS:
        m2, sig = mass_squared_and_sigma(chunk.tracks, [ordered[:, a], ordered[:, b]], m_mu, card)
        alone |= np.abs(m2 - 4.0) < 2.0 * sig
    shared = pair_window(chunk, card, ordered, 2.0, 2.0)
    assert np.array_equal(shared, alone)
    assert 0.3 < shared[count == 4].mean() < 1.0  # (a window that keeps some, not all)


def _recoil_and_photon(batch):
    """sqrt(s') (the mass of l- l+ X, slots 2-4) and the ISR photon's lab energy (last slot)."""
    o = batch.offsets[:-1]
    parts = [o + k for k in (2, 3, 4)]
    total = [sum(getattr(batch, c)[j] for j in parts) for c in ("E", "px", "py", "pz")]
    last = batch.offsets[1:] - 1
    return np.sqrt(total[0] ** 2 - total[1] ** 2 - total[2] ** 2 - total[3] ** 2), batch.E[last]


@pytest.mark.parametrize("kind,M", [(0, 0.5), (1, 0.5)])
def test_isr_envelope_draws_what_a_constant_bound_draws(card, kind, M):
    """With ISR the attempts are unweighted against an envelope in x (isr_envelope: x drawn from
    W(x) E(x), accepted with w / E(x)); the old way, x from W(x) alone against the envelope's
    maximum, must give the same events in distribution: sqrt(s') and the photon energy, chi2 of
    weighted histograms of independent samples."""
    from scipy import stats

    from belle2sim.generators import isr as isr_mod
    from belle2sim.generators import lepton_pair_boson as gen

    m_mu, beams = pdgdata.mass_GeV(13), card.beams
    table, bound = gen.isr_envelope(1, beams, m_mu, M, kind)
    flat = isr_mod.packed(beams.s_GeV2, pdgdata.mass_GeV(11), lambda s: 1.0, M + 2 * m_mu + 1e-3)
    largest = bound * max(isr_mod.ratio_at.py_func(table, x) for x in np.linspace(0.0, table[2], 1000))
    n = 60_000
    new = gen.generate(1, 0, n, beams, 13, 4900023, M, kind, bound, 0, table)
    old = gen.generate(2, 0, n, beams, 13, 4900023, M, kind, largest, 0, flat)
    assert np.mean(old.weight > 1) < 0.01 and np.mean(new.weight > 1) < 0.01
    for a, b in zip(_recoil_and_photon(new), _recoil_and_photon(old)):
        edges = np.quantile(np.concatenate([a, b]), np.linspace(0, 1, 21))
        edges[-1] += 1e-9
        ha, hb = (np.histogram(x, edges, weights=w)[0] for x, w in ((a, new.weight), (b, old.weight)))
        va, vb = (np.histogram(x, edges, weights=w * w)[0] for x, w in ((a, new.weight), (b, old.weight)))
        sa, sb = new.weight.sum(), old.weight.sum()
        chi2 = np.sum((ha / sa - hb / sb) ** 2 / (va / sa**2 + vb / sb**2))
        assert stats.chi2.sf(chi2, 19) > 1e-3, chi2
