"""Published selections: signal windows by their predicted containment (two-sided), and cuts
at and around their thresholds on hand-built events."""

import numpy as np
import pytest
from scipy import stats

from belle2sim import pdgdata
from belle2sim.channels import get
from belle2sim.channels.recoil_analyses import c_eta
from belle2sim.simulate import simulate_chunk
from conftest import make_batch, particle as _muon


def cut(cuts, prefix):
    (name,) = [k for k in cuts if k.startswith(prefix)]
    return cuts[name]


def passed_before(cuts, prefix):
    ok = np.ones(len(next(iter(cuts.values()))), dtype=bool)
    for k, v in cuts.items():
        if k.startswith(prefix):
            return ok
        ok &= v
    raise KeyError(prefix)


def signal(card, menu, channel, analysis, params, n=6000, seed=3):
    ch = get(channel)
    p = ch.resolve_parameters(params, card, analysis)
    batch = ch.generate(seed, 0, n, p, card)
    chunk = simulate_chunk(batch, card, menu, seed)
    return ch, p, batch, chunk


@pytest.mark.parametrize("channel,analysis,params,window,containment", [
    ("zprime-invisible", "2212.03066", {"mass_GeV": 3.0, "isr": 0}, "M2_recoil within", stats.chi2.cdf(4, 1)),
    ("zprime-invisible", "1912.11276", {"mass_GeV": 5.0, "isr": 0}, "M_recoil within", stats.chi2.cdf(4, 1)),
    ("dark-higgs-invisible", "2207.00509", {"mass_GeV": 6.0, "h_mass_GeV": 1.0, "isr": 0}, "inside the 2-sigma",
     stats.chi2.cdf(4, 2)),
])
def test_window_keeps_its_predicted_containment(card, menu, channel, analysis, params, window, containment):
    """Without ISR the window keeps the Gaussian fraction (1D: 95.4%, 2D ellipse: 86.5%) of the
    events that passed the cuts before it; centred on a wrong mass it keeps almost none."""
    ch, p, batch, chunk = signal(card, menu, channel, analysis, params)
    cuts = ch.select(batch, chunk, card, p, analysis)
    before = passed_before(cuts, window)
    frac = cut(cuts, window)[before].mean()
    n = before.sum()
    assert n > 300
    assert abs(frac - containment) < 4 * np.sqrt(containment * (1 - containment) / n) + 0.01
    for shift in (-0.3, 0.3):
        wrong = ch.select(batch, chunk, card, {**p, "mass_GeV": p["mass_GeV"] + shift}, analysis)
        assert cut(wrong, window)[before].mean() < 0.1


def test_2212_03066_muon_pt_threshold(card, perfect_card, menu):
    """'transverse momenta larger than 0.4 GeV/c' (cut 1), on both sides of 0.4 GeV."""
    ch = get("zprime-invisible")
    p = ch.resolve_parameters({"mass_GeV": 3.0}, card)
    events = [[_muon(13, pt, 90, 0), _muon(-13, 2.0, 90, 150)] for pt in (0.39, 0.41, 0.6)]
    batch = make_batch(events)
    cuts = ch.select(batch, simulate_chunk(batch, perfect_card, menu, 2, period="ideal"), card, p)
    assert list(cut(cuts, "both muons pT > 0.4")) == [False, True, True]
    assert list(cut(cuts, "both in the trigger acceptance")) == [True, True, True]


def _four_muons(total_mass, n_events):
    """Four muons at rest-frame-symmetric momenta, total mass total_mass, at rest in the lab."""
    events = []
    for k in range(n_events):
        e = total_mass / 4
        p = np.sqrt(e * e - pdgdata.mass_GeV(13) ** 2)
        dirs = [(60, 0), (120, 180), (80, 90 + 7 * k), (100, 270 + 7 * k)]
        # two back-to-back pairs: total momentum zero
        dirs = [(70, 10 * k), (110, 180 + 10 * k), (90, 90 + 10 * k), (90, 270 + 10 * k)]
        events.append([_muon(pdg, p, t, f) for pdg, (t, f) in zip((13, -13, 13, -13), dirs)])
    return make_batch(events)


@pytest.mark.parametrize("m4,inside", [(9.9, False), (10.1, True), (10.9, True), (11.1, False)])
def test_2403_02841_four_muon_mass_window(card, perfect_card, menu, m4, inside):
    """'invariant mass M(4mu) between 10 GeV/c2 and 11 GeV/c2' (cut 1)."""
    ch = get("zprime-mumu")
    p = ch.resolve_parameters({"mass_GeV": 2.0}, card)
    batch = _four_muons(m4, 3)
    cuts = ch.select(batch, simulate_chunk(batch, perfect_card, menu, 2, period="ideal"), card, p)
    assert list(cut(cuts, "exactly four tracks, zero net charge, M(4mu)")) == [inside] * 3


@pytest.mark.parametrize("m4,inside", [(9.3, True), (9.7, False)])
def test_2306_12294_four_track_mass_cut(card, perfect_card, menu, m4, inside):
    """'M(4 tracks) be below 9.5 GeV/c2' (cut 4)."""
    ch = get("zprime-tautau")
    p = ch.resolve_parameters({"mass_GeV": 5.0}, card)
    batch = _four_muons(m4, 3)
    cuts = ch.select(batch, simulate_chunk(batch, perfect_card, menu, 2, period="ideal"), card, p)
    assert list(cut(cuts, "M(4 tracks) < 9.5")) == [inside] * 3


def test_c_eta_is_the_helicity_cosine(card, perfect_card, menu):
    """C_eta = |cos eta|: 1 when the mu- flies along the dimuon direction in the pair frame, 0
    when perpendicular; uniform for an unpolarised A' (the paper's statement)."""
    import vector

    b = card.beams.boost_vector
    events = []
    for cos_eta in (1.0, 0.0, 0.5):
        pair = vector.obj(px=0.0, py=2.0, pz=0.0, mass=3.0)  # c.m. frame
        q = np.sqrt(1.5**2 - pdgdata.mass_GeV(13) ** 2)
        sin_eta = np.sqrt(1 - cos_eta**2)
        neg = vector.obj(px=q * sin_eta, py=q * cos_eta, pz=0.0, mass=pdgdata.mass_GeV(13)).boost_p4(pair)
        pos = vector.obj(px=-q * sin_eta, py=-q * cos_eta, pz=0.0, mass=pdgdata.mass_GeV(13)).boost_p4(pair)
        ev = []
        for pdg, v in ((13, neg), (-13, pos)):
            lab = v.boost_beta3(vector.obj(x=b[0], y=b[1], z=b[2]))
            ev.append((pdg, lab.px, lab.py, lab.pz, lab.E))
        events.append(ev)
    batch = make_batch(events)
    chunk = simulate_chunk(batch, perfect_card, menu, 1, period="ideal")
    values = c_eta(card, chunk, np.array([0, 2, 4]), np.array([1, 3, 5]))
    np.testing.assert_allclose(values, [1.0, 0.0, 0.5], atol=0.01)
    ch = get("dark-higgs-invisible")
    p = ch.resolve_parameters({"mass_GeV": 5.0, "h_mass_GeV": 1.0, "isr": 0}, card)
    b2 = ch.generate(4, 0, 3000, p, card)
    ck = simulate_chunk(b2, card, menu, 4)
    cuts = ch.select(b2, ck, card, p)
    ok = cut(cuts, "both identified as muons") & cut(cuts, "track quality")
    # uniform C_eta: the 0.9 cut keeps 90% (before the other cuts shape it)
    frac = cut(cuts, "C_eta < 0.9")[ok].mean()
    assert abs(frac - 0.9) < 4 * np.sqrt(0.09 / ok.sum()) + 0.01


def test_thrust_and_3x1_hemispheres():
    """Thrust of closed configurations: back to back T = 1; a planar cross T = 1/sqrt(2); a
    3x1 event has its lone track found."""
    from belle2sim.channels.tau_alpha_analysis import thrust_3x1

    px = np.array([1.0, -1.0, 1.0, 0.0, -1.0, 0.0, 3.0, -1.0, -1.0, -1.0])
    py = np.array([0.0, 0.0, 0.0, 1.0, 0.0, -1.0, 0.0, 0.2, -0.2, 0.0])
    pz = np.zeros(10)
    offsets = np.array([0, 2, 6, 10])
    use = np.ones(10, dtype=bool)
    t, side, lone = np.empty(3), np.empty(3, dtype=np.int64), np.empty(3, dtype=np.int64)
    thrust_3x1(offsets, px, py, pz, use, use, t, side, lone)
    np.testing.assert_allclose(t[:2], [1.0, 1 / np.sqrt(2)])
    assert lone[2] == 6 and lone[0] == -1


def test_tau_alpha_selection_on_signal(card, menu):
    """arXiv:2212.03634: the cut flow runs in the paper's order and the E*_l window holds the
    two-body line, whose position moves with m_alpha (wrong mass: the window empties)."""
    ch = get("tau-to-lepton-alpha")
    p = ch.resolve_parameters({"mass_GeV": 1.0, "lepton_pdg": 13}, card)
    batch = ch.generate(5, 0, 20000, p, card)
    chunk = simulate_chunk(batch, card, menu, 5)
    cuts = ch.select(batch, chunk, card, p)
    names = list(cuts)
    assert names[0].startswith("exactly four tracks") and names[-1].startswith("E*_l within")
    before = passed_before(cuts, "E*_l within")
    assert before.sum() > 200
    right = cut(cuts, "E*_l within")[before].mean()
    wrong = cut(ch.select(batch, chunk, card, {**p, "mass_GeV": 1.6}), "E*_l within")[before].mean()
    assert right > 0.4 and wrong < 0.5 * right


def _recoil_events(card, recoil_mass, thetas_deg, p_recoil=2.0):
    """Two muons whose recoil (nominal beams minus the pair) has the given mass and lab polar
    angles: the pair is beams - recoil, split back to back (perpendicular to its motion)."""
    import vector

    bx, by, bz, bE = card.beams.total_fourvector
    beams = vector.obj(px=bx, py=by, pz=bz, E=bE)
    m_mu = pdgdata.mass_GeV(13)
    events = []
    for th in thetas_deg:
        t = np.radians(th)
        rec = vector.obj(px=p_recoil * np.sin(t) * np.cos(0.3), py=p_recoil * np.sin(t) * np.sin(0.3),
                         pz=p_recoil * np.cos(t), mass=recoil_mass)
        pair = beams - rec
        q = np.sqrt(pair.mass**2 / 4 - m_mu**2)
        ev = []
        for sign, pdg in ((1, 13), (-1, -13)):
            mu = vector.obj(px=0.0, py=sign * q, pz=0.0, mass=m_mu).boost_p4(pair)
            ev.append((pdg, mu.px, mu.py, mu.pz, mu.E))
        events.append(ev)
    return make_batch(events)


@pytest.mark.parametrize("analysis,prefix,thetas,expected", [
    ("1912.11276", "recoil theta in [32, 125]", (31.5, 32.5, 124.5, 125.5), (False, True, True, False)),
    ("2212.03066", "recoil theta in [34, 123]", (33.5, 34.5, 88.5, 90.0, 91.5, 122.5, 123.5),
     (False, True, True, False, True, True, False)),
])
def test_recoil_polar_angle_cuts_at_their_edges(card, perfect_card, menu, analysis, prefix, thetas, expected):
    """arXiv:1912.11276 cut 2 (32-125 deg when M_recoil < 3 GeV) and arXiv:2212.03066 cut 3
    (34-123 deg minus the 89-91 deg ECL gap when M2_recoil < 4 GeV2), half a degree either side."""
    ch = get("zprime-invisible")
    p = ch.resolve_parameters({"mass_GeV": 1.0}, card, analysis)
    batch = _recoil_events(card, 1.0, thetas)
    cuts = ch.select(batch, simulate_chunk(batch, perfect_card, menu, 2, period="ideal"), card, p, analysis)
    assert cut(cuts, "exactly two good tracks").all()
    assert tuple(cut(cuts, prefix)) == expected


@pytest.mark.parametrize("channel,analysis,prefix,extra", [
    ("dark-higgs-invisible", "2207.00509", "track quality", {"h_mass_GeV": 1.0}),
    ("zprime-invisible", "2212.03066", "exactly two good tracks", {}),
    ("zprime-invisible", "1912.11276", "exactly two good tracks", {}),
])
def test_exactly_two_opposite_tracks(card, perfect_card, menu, channel, analysis, prefix, extra):
    """Two opposite tracks pass; four tracks of zero charge, two of one sign, or one track do not."""
    ch = get(channel)
    p = ch.resolve_parameters({"mass_GeV": 4.0, **extra}, card, analysis)
    mp, mm = _muon(13, 2.0, 70, 0), _muon(-13, 2.0, 100, 170)
    events = [[mp, mm], [mp, mm, _muon(13, 1.5, 80, 90), _muon(-13, 1.5, 95, 260)], [mp, _muon(13, 2.0, 100, 170)],
              [mp]]
    batch = make_batch(events)
    cuts = ch.select(batch, simulate_chunk(batch, perfect_card, menu, 2, period="ideal"), card, p, analysis)
    assert list(cut(cuts, prefix)) == [True, False, False, False]
