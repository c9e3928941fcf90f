"""B -> K(*) S at the Upsilon(4S): kinematics, conservation laws, the other B, the selection."""

import numpy as np
import pytest
from scipy import stats

from belle2sim import pdgdata
from belle2sim.channels import get
from belle2sim.generators import b_meson
from belle2sim.kinematics import two_body_momentum
from belle2sim.scan import run_point


def _p4(batch, idx):
    return np.stack([batch.px[idx], batch.py[idx], batch.pz[idx], batch.E[idx]])


def _mass(p):
    return np.sqrt(np.maximum(p[3] ** 2 - p[0] ** 2 - p[1] ** 2 - p[2] ** 2, 0.0))


def _to_rest(p, frame):
    """Boost four-vectors p (4, n) into the rest frame of ``frame`` (4, n)."""
    b = frame[:3] / frame[3]
    b2 = np.sum(b * b, axis=0)
    g = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(b * p[:3], axis=0)
    g2 = np.where(b2 > 0, (g - 1.0) / np.where(b2 > 0, b2, 1.0), 0.0)
    space = p[:3] + (g2 * bp - g * p[3]) * b
    return np.vstack([space, g * (p[3] - bp)])


@pytest.fixture(scope="module")
def kstar_events(card):
    return b_meson.generate_batch(5, 0, 20000, "K*0", 1.5, 13, card.beams)


def test_b_momentum_and_angle_in_the_upsilon_frame(kstar_events):
    b = kstar_events
    start = b.offsets[:-1]
    ups = _p4(b, start + 2)
    m_b = pdgdata.mass_GeV(511)
    b_rest = _to_rest(_p4(b, start + 3), ups)
    p_star = np.linalg.norm(b_rest[:3], axis=0)
    np.testing.assert_allclose(p_star, [two_body_momentum(m, m_b, m_b) for m in _mass(ups)], rtol=1e-6, atol=1e-7)
    # sin^2 theta about the e- beam, in the Upsilon(4S) frame: dN/dcos = 3/4 (1 - c^2)
    beam = _to_rest(_p4(b, start), ups)
    cos = np.sum(beam[:3] * b_rest[:3], axis=0) / (np.linalg.norm(beam[:3], axis=0) * p_star)
    cdf = lambda c: 0.5 + 0.75 * (c - c**3 / 3)  # noqa: E731
    assert stats.kstest(cos, cdf).pvalue > 0.01
    assert stats.kstest(cos, stats.uniform(-1, 2).cdf).pvalue < 1e-6  # a flat law would be told apart


def test_two_body_momenta_and_daughter_masses(kstar_events):
    b = kstar_events
    start = b.offsets[:-1]
    m_b, m_ks, m_s = pdgdata.mass_GeV(511), pdgdata.mass_GeV(313), 1.5
    bsig = _p4(b, start + 3)
    kstar, scalar = _p4(b, start + 5), _p4(b, start + 8)
    np.testing.assert_allclose(np.linalg.norm(_to_rest(kstar, bsig)[:3], axis=0), two_body_momentum(m_b, m_ks, m_s),
                               rtol=1e-6)
    np.testing.assert_allclose(_mass(kstar + scalar), m_b, rtol=1e-9)
    np.testing.assert_allclose(_mass(_p4(b, start + 6) + _p4(b, start + 7)), m_ks, rtol=1e-9)
    np.testing.assert_allclose(_mass(_p4(b, start + 9) + _p4(b, start + 10)), m_s, rtol=1e-9)
    # K*0 -> K+ pi- is longitudinal: cos^2 of the helicity angle
    k_rest = _to_rest(_p4(b, start + 6), kstar)
    ks_dir = _to_rest(kstar, bsig)[:3]
    cos_h = np.sum(k_rest[:3] * ks_dir, axis=0) / (np.linalg.norm(k_rest[:3], axis=0) * np.linalg.norm(ks_dir, axis=0))
    assert stats.kstest(cos_h, lambda c: 0.5 * (1 + c**3)).pvalue > 0.01


def test_every_event_conserves_four_momentum_and_charge(kstar_events):
    b = kstar_events
    ev = np.repeat(np.arange(len(b)), np.diff(b.offsets))
    final, beams = b.status == 1, b.status == 4
    for comp in ("px", "py", "pz", "E"):
        x = getattr(b, comp)
        diff = np.bincount(ev[final], x[final], len(b)) - np.bincount(ev[beams], x[beams], len(b))
        assert np.abs(diff).max() < 1e-3  # Pythia's and the PDG's B masses differ by ~1e-5 GeV
    charge = pdgdata.charges(b.pdg)
    assert np.all(np.bincount(ev[final], charge[final], len(b)) == 0)
    # both flavours of signal B, in equal numbers
    flavour = np.sign(b.pdg[b.offsets[:-1] + 3])
    assert abs(flavour.mean()) < 4 / np.sqrt(len(b))


def test_mass_range_is_checked(card):
    ch = get("b-to-k-scalar")
    with pytest.raises(Exception, match="must be between"):
        ch.resolve_parameters({"mass_GeV": 0.2, "decay_pdg": 211}, card)  # below 2 m_pi
    with pytest.raises(Exception, match="must be between"):
        ch.resolve_parameters({"mass_GeV": 5.0}, card)  # above m_B - m_K


def test_selection_falls_with_lifetime_and_finds_the_b(card, menu):
    ch = get("b-to-k-scalar")
    params = ch.resolve_parameters({"mass_GeV": 2.0, "decay_pdg": 211}, card)
    points = [p.to_dict("mass_GeV") for p in run_point(ch, params, card, menu, 8000, 2, lifetimes_cm=[1.0, 300.0])]
    assert points[0]["efficiency"] > 5 * points[1]["efficiency"]
    flow = points[0]["cut_flow"]
    # a truth-matched B candidate has Mbc at the B mass: the B cut keeps most events that reach it
    names = list(flow)
    assert flow[names[3]] > 0.9 * flow[names[2]]
    assert points[0]["cross_section_fb"] == pytest.approx(1.110e6 * 0.514 * 2)


def test_b_to_k_alp_resolution_matches_the_ecl_model_and_lifetime_drops_it(card, menu):
    from belle2sim.channels.b_to_k_alp import _energy_resolution_percent
    from belle2sim.detector.ecl import resolution

    table = card.ecl_resolution("energy")
    energies = np.array([0.05, 0.3, 1.0, 3.0], dtype=np.float32)
    for region in (1, 2, 3):
        got = [_energy_resolution_percent(table, region, e) for e in energies]
        np.testing.assert_allclose(got, [resolution(table, region, float(e)) for e in energies], rtol=1e-6)
    ch = get("b-to-k-alp")
    params = ch.resolve_parameters({"mass_GeV": 1.0}, card)
    batch = ch.generate(4, 0, 2000, params, card)
    a = batch.offsets[:-1] + 6
    assert np.all(batch.pdg[a] == 9000005) and np.all(batch.pdg[a + 1] == 22) and np.all(batch.pdg[a + 2] == 22)
    np.testing.assert_allclose(_mass(_p4(batch, a + 1) + _p4(batch, a + 2)), 1.0, rtol=1e-9, atol=1e-9)
    points = [p.to_dict("mass_GeV") for p in run_point(ch, params, card, menu, 6000, 2, lifetimes_cm=[0.01, 100.0])]
    assert points[0]["efficiency"] > 0.5 and points[1]["efficiency"] < 0.1 * points[0]["efficiency"]


def test_alp_photon_pair_is_the_numpy_form_of_the_selection(card):
    """b-to-k-alp's photon step in a kernel: the cluster flags (float32 threshold, as numpy
    compares), the summed energies and squared relative resolutions bit for bit as the NumPy form
    it replaced, the momenta to the last bits (libm's sin/cos instead of numpy's); missing clusters
    (NaN angles, region 0) count zero energy and 100 % resolution."""
    from belle2sim.channels.b_to_k_alp import _photon_pair

    r = np.random.default_rng(7)
    n = 3000
    energy = r.uniform(0.0, 3.0, 2 * n).astype(np.float32)
    theta, phi = r.uniform(0.2, 2.7, 2 * n).astype(np.float32), r.uniform(-np.pi, np.pi, 2 * n).astype(np.float32)
    region = r.integers(0, 4, 2 * n).astype(np.int8)
    missing = region == 0
    energy[missing], theta[missing], phi[missing] = 0.0, np.nan, np.nan
    is_cluster = ~missing & (r.random(2 * n) < 0.9)
    g0, g1 = np.arange(0, 2 * n, 2), np.arange(1, 2 * n, 2)
    res = card.ecl_resolution("energy")
    photons, gg, rel2 = np.empty(n, dtype=np.bool_), np.empty((4, n)), np.empty(n)
    _photon_pair(g0, g1, is_cluster, energy, theta, phi, region, np.float32(0.7), res, photons, gg, rel2)
    want_ok, want_rel2, want = np.ones(n, dtype=np.bool_), np.zeros(n), []
    for j in (g0, g1):
        want_ok &= is_cluster[j] & (energy[j] > 0.7)
        e = np.nan_to_num(energy[j].astype(float))
        th, ph = np.nan_to_num(theta[j].astype(float)), np.nan_to_num(phi[j].astype(float))
        want.append((e, e * np.sin(th) * np.cos(ph), e * np.sin(th) * np.sin(ph), e * np.cos(th)))
        row = res[np.clip(region[j], 1, 3) - 1]
        r2 = 1.0 / np.sqrt(np.maximum(np.maximum(e, row[:, 4]), 1e-9))
        value = row[:, 0] * r2 * r2 + row[:, 1] * r2 + row[:, 2] * np.sqrt(r2) + row[:, 3]
        want_rel2 += (0.01 * np.where(region[j] > 0, value, 100.0)) ** 2
    assert np.array_equal(photons, want_ok) and 0 < photons.sum() < n
    assert np.array_equal(gg[0], want[0][0] + want[1][0]) and np.array_equal(rel2, want_rel2)
    for c in (1, 2, 3):
        np.testing.assert_allclose(gg[c], want[0][c] + want[1][c], rtol=1e-14, atol=1e-14)


def _b_selection_numpy(batch, chunk, card, params, signal):
    """The NumPy form b_candidates.b_selection replaced (kaon system, then Mbc and Delta E)."""
    from belle2sim.channels import b_candidates as bc
    from belle2sim.channels.objects import to_cm

    start, t = batch.offsets[:-1], chunk.tracks
    k_idx = [start + k for k in bc.slots(params)[0]]
    prompt = np.ones(len(batch), dtype=np.bool_)
    for k in k_idx:
        prompt &= t.found[k] & (np.abs(t.d0_cm[k]) < bc.PROMPT_TRACK_CM[0]) & (np.abs(t.z0_cm[k]) < bc.PROMPT_TRACK_CM[1])
    comp = [np.zeros(len(batch)) for _ in range(4)]
    for k, m in zip(k_idx, [pdgdata.mass_GeV(321), pdgdata.mass_GeV(211)]):
        p = [np.nan_to_num(np.asarray(getattr(t, c)[k], dtype=float)) for c in ("px", "py", "pz")]
        comp[0] += np.sqrt(p[0] ** 2 + p[1] ** 2 + p[2] ** 2 + m * m)
        for c in range(3):
            comp[c + 1] += p[c]
    if len(k_idx) > 1:
        m_kpi = np.sqrt(np.maximum(comp[0] ** 2 - comp[1] ** 2 - comp[2] ** 2 - comp[3] ** 2, 0.0))
        prompt &= np.abs(m_kpi - pdgdata.mass_GeV(313)) < bc.KSTAR_WINDOW_GeV
    e_cm, px_cm, py_cm, pz_cm = to_cm(card, *(c + np.nan_to_num(s) for c, s in zip(comp, signal)))
    e_beam = 0.5 * card.beams.sqrt_s_GeV
    mbc = np.sqrt(np.maximum(e_beam**2 - px_cm**2 - py_cm**2 - pz_cm**2, 0.0))
    return prompt, (mbc > bc.MBC_MIN_GeV) & (np.abs(e_cm - e_beam) < bc.DELTA_E_MAX_GeV)


@pytest.mark.parametrize("mode", [0.0, 1.0])
def test_b_candidate_kernel_is_the_numpy_form_of_the_selection(card, mode):
    """b_candidates.b_selection (one kernel) against the NumPy form it replaced, event by event, on
    B -> K(*) S events through the detector; with tracks lost (NaN momenta, d0, z0), a signal
    four-vector missing (NaN) and one off by an infinity: the same events pass each cut."""
    from belle2sim.channels import b_candidates
    from belle2sim.simulate import simulate_detector

    ch = get("b-to-k-scalar")
    params = ch.resolve_parameters({"mass_GeV": 1.5, "mode": mode, "ctau_cm": 0.01}, card)
    batch = ch.generate(11, 0, 4000, params, card)
    chunk = simulate_detector(batch, card, 11)
    t = chunk.tracks
    r = np.random.default_rng(3)
    lost = b_candidates.slots(params)[0][-1] + batch.offsets[:-1][r.random(len(batch)) < 0.1]
    t.found[lost] = False
    for c in ("px", "py", "pz", "d0_cm", "z0_cm"):
        getattr(t, c)[lost] = np.nan
    # the signal: the true scalar's four-momentum (the vertex's is missing for most of these events)
    s_idx = batch.offsets[:-1] + b_candidates.slots(params)[1]
    signal = [getattr(batch, c)[s_idx].copy() for c in ("E", "px", "py", "pz")]
    signal[0][r.random(len(batch)) < 0.05] = np.nan
    signal[3][:3] = [np.inf, -np.inf, np.nan]
    got = b_candidates.b_selection(batch, chunk, card, params, np.arange(len(batch)), *signal)
    with np.errstate(over="ignore", invalid="ignore"):  # (the infinities: inf - inf)
        want = _b_selection_numpy(batch, chunk, card, params, signal)
    for g, w in zip(got, want):
        assert np.array_equal(g, w)
        assert 0.2 * len(batch) < w.sum() < len(batch)  # (cuts that keep and cut events)
