"""Long-lived particles: the decay law, the lifetime axis, displaced tracks, vertices and photons."""

import numpy as np
import pytest
from scipy import stats

from belle2sim import propagation
from belle2sim.channels import get
from belle2sim.detector.ecl import simulate_ecl
from belle2sim.detector.tracking import simulate_tracks
from belle2sim.detector.vertexing import simulate_vertices
from belle2sim.generators import alp
from belle2sim.pdgdata import classify
from belle2sim.scan import run_point
from conftest import make_batch

PION_MASS = 0.13957039


def _llp_batch(n, mass, p, theta_deg=90.0, phi_deg=0.0, daughters=((22, 0.0), (22, 0.0))):
    """n events of one ALP-like parent (status 2) of momentum p along (theta, phi) and two
    daughters decaying back to back along the flight direction... (kinematics from a real decay:
    daughters share the parent's momentum, perpendicular to it in the rest frame)."""
    t, f = np.radians(theta_deg), np.radians(phi_deg)
    u = np.array([np.sin(t) * np.cos(f), np.sin(t) * np.sin(f), np.cos(t)])
    w = np.cross(u, [0.0, 0.0, 1.0]) if abs(u[2]) < 0.9 else np.cross(u, [1.0, 0.0, 0.0])
    w /= np.linalg.norm(w)
    E = np.hypot(p, mass)
    (pdg1, m1), (pdg2, m2) = daughters
    q = np.sqrt((mass**2 - (m1 + m2) ** 2) * (mass**2 - (m1 - m2) ** 2)) / (2 * mass)
    beta = p / E
    gamma = E / mass
    rows = [(alp.PDG_ALP, *(p * u), E)]
    for sign, (pdg, m) in ((1, daughters[0]), (-1, daughters[1])):
        e_rest = np.hypot(q, m)
        plong = gamma * beta * e_rest  # perpendicular emission: only the boost along u
        vec = plong * u + sign * q * w
        rows.append((pdg, *vec, gamma * e_rest))
    batch = make_batch([rows] * n)
    batch.status[0::3] = 2
    batch.parent[1::3] = 0
    batch.parent[2::3] = 0
    return batch


def test_proper_decay_length_is_exponential(card):
    batch = _llp_batch(20000, 1.0, 3.0)
    ell = propagation.propagate(batch, alp.PDG_ALP, card, seed=7, ctau_cm=4.0)[:, 0]
    assert stats.kstest(ell, stats.expon(scale=4.0).cdf).pvalue > 0.01
    # daughters start where the parent decays: L = ell * p / m along the flight direction
    inside = batch.status[1::3] == 1
    assert inside.mean() > 0.9
    np.testing.assert_allclose(batch.vx[1::3][inside], ell[inside] * 3.0, rtol=1e-12)
    np.testing.assert_allclose(batch.vy[2::3][inside], 0.0, atol=1e-12)


def test_decay_fraction_between_two_radii_matches_the_closed_form(card):
    n, bg, ctau = 40000, 2.5, 20.0
    batch = _llp_batch(n, 1.0, bg * 1.0)
    propagation.propagate(batch, alp.PDG_ALP, card, seed=3, ctau_cm=ctau)
    r = batch.vx[1::3]
    produced = batch.status[1::3] == 1
    for r1, r2 in ((0.0, 1.0), (1.0, 13.5), (13.5, 60.0), (60.0, 124.0)):
        frac = np.mean(produced & (r >= r1) & (r < r2))
        expected = propagation.decay_probability_between(r1, r2, bg, ctau)
        assert abs(frac - expected) < 4 * np.sqrt(expected * (1 - expected) / n) + 1e-4, (r1, r2)
    # beyond the ECL inner radius: the parent flies out, its daughters are never produced
    out = ~produced
    assert abs(out.mean() - propagation.decay_probability_between(125.0, np.inf, bg, ctau)) < 0.005
    assert np.all(batch.status[0::3][out] == 1) and np.all(batch.status[2::3][out] == 0)


@pytest.mark.parametrize("ctau", [1e-3, 0.3, 30.0, 3e3])
def test_lifetime_weights_are_normalised_and_exact(card, ctau):
    """Draw from the reference law through the propagation kernel itself; reweighted to any c tau
    (requested or not) the weights average to one and give the exponential's survival beyond 10 cm."""
    n = 200_000
    reference = [0.1, 10.0, 1000.0]
    batch = _llp_batch(n, 1.0, 1.0)
    ell = propagation.propagate(batch, alp.PDG_ALP, card, seed=5, reference_cm=reference)
    w = propagation.lifetime_weights(ell, [ctau], reference)[0]
    l0 = ell[:, 0]
    assert abs(w.mean() - 1.0) < 5 * w.std() / np.sqrt(n)
    beyond = np.sum(w * (l0 > 10.0)) / n
    assert abs(beyond - np.exp(-10.0 / ctau)) < 5 * np.sqrt(np.mean((w * (l0 > 10.0)) ** 2) / n) + 1e-6
    # the kernel's weights are f / g with g the reference density written out independently
    f = np.exp(-l0 / ctau) / ctau
    np.testing.assert_allclose(w, f / np.exp(propagation.reference_log_density(l0, reference)), rtol=1e-9,
                               atol=1e-300)  # denormal tails
    # the reference density integrates to one
    grid = np.logspace(-9, 9, 200_001)
    integral = np.trapezoid(np.exp(propagation.reference_log_density(grid, reference)) * grid, np.log(grid))
    assert integral == pytest.approx(1.0, abs=1e-4)


def test_fixed_point_weights_are_the_float_weights(card):
    from belle2sim.maps import LifetimeCounter

    reference = [0.01, 1.0, 100.0]
    batch = _llp_batch(5000, 0.7, 2.0)
    ell = propagation.propagate(batch, alp.PDG_ALP, card, seed=9, reference_cm=reference)
    ell[::7, 1] = ell[::7, 0] * 3.0  # a second long-lived particle in some events
    w = propagation.lifetime_weights(ell, reference, reference)
    w_int, w2_int = propagation.fixed_point_weights(ell, reference, reference, LifetimeCounter.SCALE,
                                                    LifetimeCounter.SCALE2)
    np.testing.assert_array_equal(w_int, np.rint(w.T * LifetimeCounter.SCALE).astype(np.int64))
    np.testing.assert_array_equal(w2_int, np.rint((w * w).T * LifetimeCounter.SCALE2).astype(np.int64))


def test_lifetime_axis_agrees_with_a_direct_sample(card, menu):
    channel = get("alp-photons")
    mass, ctau = 1.0, 2.0
    g = 1e-3 * np.sqrt(alp.ctau_cm(mass, 1e-3) / ctau)  # the coupling that gives c tau = 2 cm
    params = channel.resolve_parameters({"mass_GeV": mass, "g_agg_per_GeV": g}, card)
    assert channel.ctau_cm(params, card) == pytest.approx(ctau)
    direct = run_point(channel, params, card, menu, 30000, seed=11).to_dict("mass_GeV")
    axis = run_point(channel, params, card, menu, 30000, seed=12, lifetimes_cm=[0.2, ctau, 20.0])
    mapped = axis[1].to_dict("mass_GeV")
    assert mapped["ctau_cm"] == ctau and mapped["lifetime_from"] == "reweighted"
    err = np.hypot(direct["efficiency_err"], mapped["efficiency_err"])
    assert abs(direct["efficiency"] - mapped["efficiency"]) < 3.5 * err
    effs = [p.to_dict("mass_GeV")["efficiency"] for p in axis]
    assert effs[0] > effs[1] > effs[2]  # longer-lived ALPs escape the ECL
    assert 0.25 * 30000 < mapped["n_effective"] < 30000  # each requested c tau keeps >= 3/4 / 3 of the sample


@pytest.mark.parametrize("name,mass", [("alp-photons", 0.5), ("idm-dark-higgs", 1.0)])
def test_lifetime_map_does_not_depend_on_chunk_size_or_threads(card, menu, name, mass):
    import numba

    channel = get(name)
    params = channel.resolve_parameters({"mass_GeV": mass}, card)

    def points(chunk_size):
        return [p.to_dict("mass_GeV") for p in run_point(channel, params, card, menu, 6000, 3, chunk_size=chunk_size,
                                                         lifetimes_cm=[0.1, 10.0])]

    a = points(997)
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        b = points(6000)
    finally:
        numba.set_num_threads(before)
    assert a == b


def test_alp_decay_conserves_four_momentum_and_mass(card):
    batch = alp.generate(1, 0, 2000, 2.5, card.beams)
    a = slice(3, None, 6)
    d1, d2 = slice(4, None, 6), slice(5, None, 6)
    for comp in ("px", "py", "pz", "E"):
        x = getattr(batch, comp)
        np.testing.assert_allclose(x[d1] + x[d2], x[a], rtol=1e-10, atol=1e-10)
    m = np.sqrt(batch.E[a] ** 2 - batch.px[a] ** 2 - batch.py[a] ** 2 - batch.pz[a] ** 2)
    np.testing.assert_allclose(m, 2.5, rtol=1e-9)
    # recoil photon: E* = (s - m^2) / (2 sqrt s) in each event's c.m. frame; total = the beams
    tot = [getattr(batch, c)[2::6] + getattr(batch, c)[3::6] - getattr(batch, c)[0::6] - getattr(batch, c)[1::6]
           for c in ("px", "py", "pz", "E")]
    np.testing.assert_allclose(tot, 0.0, atol=1e-9)


def _gamma_matrices():
    s = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]])]
    z, i2 = np.zeros((2, 2)), np.eye(2)
    g0 = np.block([[i2, z], [z, -i2]])
    return [g0] + [np.block([[z, sk], [-sk, z]]) for sk in s]


def _levi_civita():
    import itertools

    eps = np.zeros((4, 4, 4, 4))
    for perm in itertools.permutations(range(4)):
        eps[perm] = np.linalg.det(np.eye(4)[list(perm)])
    return eps


def test_alp_cross_section_and_width_from_the_amplitude():
    """|M|^2 of e+e- -> gamma* -> gamma a by explicit Dirac traces (vertex g eps^{mu nu rho sigma}
    q_rho k_sigma), integrated numerically, against the closed forms the generator uses."""
    from belle2sim.constants import ALPHA_EM, GEV2_TO_FB

    G = _gamma_matrices()
    metric = np.diag([1.0, -1.0, -1.0, -1.0])
    eps = _levi_civita()  # eps^{0123} = +1
    sqrt_s, m, g = 10.58, 3.0, 1e-3
    s = sqrt_s**2
    e2 = 4 * np.pi * ALPHA_EM

    def slash(p):
        return sum(metric[mu, mu] * p[mu] * G[mu] for mu in range(4))

    def msq(cos_t):
        sin_t = np.sqrt(1 - cos_t**2)
        pm = np.array([sqrt_s / 2, 0, 0, sqrt_s / 2])
        pp = np.array([sqrt_s / 2, 0, 0, -sqrt_s / 2])
        ek = (s - m * m) / (2 * sqrt_s)
        k = np.array([ek, ek * sin_t, 0, ek * cos_t])
        q = pm + pp
        # lepton tensor L^{mu mu'} = Tr[pp/ gamma^mu pm/ gamma^mu']
        L = np.array([[np.trace(slash(pp) @ G[a] @ slash(pm) @ G[b]) for b in range(4)] for a in range(4)]).real
        # V^{mu nu} = eps^{mu nu rho sigma} q_rho k_sigma (lower indices with the metric)
        V = np.einsum("abcd,c,d->ab", eps, metric @ q, metric @ k)
        # sum over photon polarisations: -g_{nu nu'}; the lepton indices lowered with the metric
        T = -np.einsum("ab,ac,bd,cn,dm,nm->", L, metric, metric, V, V, metric)
        return e2 * g * g / s**2 * T / 4  # average over the e+e- spins
    cos = np.linspace(-1, 1, 41)
    vals = np.array([msq(c) for c in cos])
    # shape (1 + cos^2) and normalisation
    np.testing.assert_allclose(vals / vals[20], 1 + cos**2, rtol=1e-9)
    pf_over_pi = 1 - m * m / s
    sigma = np.trapezoid(vals, cos) * 2 * np.pi / (64 * np.pi**2 * s) * pf_over_pi
    assert sigma * GEV2_TO_FB == pytest.approx(alp.cross_section_fb(s, m, g), rel=2e-3)
    # width: |M|^2 of a -> gamma gamma summed over both photon polarisations, by the same tensors
    k1, k2 = np.array([m / 2, 0, 0, m / 2]), np.array([m / 2, 0, 0, -m / 2])
    V = np.einsum("abcd,c,d->ab", eps, metric @ k1, metric @ k2)
    msq_decay = g * g * np.einsum("ab,cd,ac,bd->", V, V, metric, metric)
    gamma = 0.5 * msq_decay / (16 * np.pi * m)  # two-body width, 1/2 for identical photons
    assert alp.width_GeV(m, g) == pytest.approx(gamma, rel=1e-12)


def _displaced_pion(r_cm, pt=1.0, charge=1, phi_deg=0.0):
    f = np.radians(phi_deg)
    return (211 * charge, pt * np.cos(f), pt * np.sin(f), 0.0, np.hypot(pt, PION_MASS), r_cm * np.cos(f),
            r_cm * np.sin(f), 0.0)


@pytest.mark.parametrize("r_cm", [0.0, 5.0, 30.0, 60.0, 80.0, 115.0])
def test_track_finding_falls_with_production_radius_as_the_card_says(card, r_cm):
    n = 20000
    batch = make_batch([[_displaced_pion(r_cm)]] * n)
    response, charge = classify(batch.pdg)
    tracks = simulate_tracks(batch, response, charge, simulate_ecl(batch, response, card, 1, charge), card, 1)
    d = card.doc["displaced"]
    axial = np.array(card.doc["cdc"]["axial_superlayer_radius_cm"])
    crossed = np.sum(axial > r_cm)  # a stiff radial track crosses the superlayers outside r
    if r_cm == 0.0:
        expected = card.doc["tracking"]["finding_efficiency"]
    elif r_cm > d["cdc_outer_radius_cm"] or crossed < d["min_axial_superlayers"]:
        expected = 0.0
    else:
        expected = card.doc["tracking"]["finding_efficiency"] * np.interp(
            r_cm, d["efficiency_radius_cm"], d["relative_efficiency"])
    found = tracks.found.mean()
    assert abs(found - expected) < 4 * np.sqrt(max(expected * (1 - expected), 1e-4) / n)
    if 0 < r_cm < 60 and found > 0:
        # a radial track from r has d0 = 0; its resolution is CDC-only beyond the VXD
        sig = d["cdc_only_d0_resolution_cm"] if r_cm > d["vxd_outer_radius_cm"] else card.doc["tracking"]["d0_resolution_cm"]
        assert np.nanstd(tracks.d0_cm) == pytest.approx(sig, rel=0.05)


def test_helix_impact_parameter_of_a_tangent_track():
    from belle2sim.detector.helix import curvature_radius_cm, impact_parameters

    # a track produced at (0, 30) moving along +x: straight line d0 = 30 cm (axis to the right of
    # the motion: negative sign convention d0 = x uy - y ux = -30); the helix bends toward or away
    d0_line, _ = impact_parameters(0.0, 30.0, 5.0, 1.0, 0.0, 0.5, 0.0, 1.5)
    assert d0_line == pytest.approx(-30.0)
    R = curvature_radius_cm(1.0, 1.5)
    for q in (1.0, -1.0):
        d0, z0 = impact_parameters(0.0, 30.0, 5.0, 1.0, 0.0, 0.5, q, 1.5)
        # centre at (0, 30 - q R): distance to the axis |30 - q R|, d0 = q (|30 - qR| - R)
        assert d0 == pytest.approx(q * (abs(30.0 - q * R) - R), rel=1e-12)
    # on the axis d0 = 0 and z0 = vz
    assert impact_parameters(1e-9, 0.0, 3.0, 0.0, 1.0, 0.2, 1.0, 1.5) == pytest.approx((0.0, 3.0), abs=1e-6)


@pytest.mark.parametrize("r_cm", [0.02, 5.0, 30.0, 70.0])
def test_vertex_efficiency_follows_the_card(card, r_cm):
    n = 20000
    rows = [(alp.PDG_ALP, 0.0, 2.0, 0.0, np.hypot(2.0, 0.5)), _displaced_pion(r_cm, 1.0, 1, 20.0),
            _displaced_pion(r_cm, 1.0, -1, 40.0)]
    batch = make_batch([rows] * n)
    batch.status[0::3] = 2
    batch.parent[1::3] = batch.parent[2::3] = 0
    # both daughters start at the same point: put them on the parent's decay vertex
    batch.vx[1::3] = batch.vx[2::3] = r_cm
    batch.vy[1::3] = batch.vy[2::3] = 0.0
    response, charge = classify(batch.pdg)
    tracks = simulate_tracks(batch, response, charge, simulate_ecl(batch, response, card, 1, charge), card, 1)
    vtx = simulate_vertices(batch, charge, tracks, card, 1)
    d = card.doc["displaced"]
    both = tracks.found[1::3] & tracks.found[2::3]
    expected = 0.0 if r_cm <= d["vertex_min_radius_cm"] else np.interp(r_cm, d["vertex_radius_cm"], d["vertex_efficiency"])
    frac = vtx.found[0::3][both].mean() if both.any() else 0.0
    assert abs(frac - expected) < 4 * np.sqrt(max(expected * (1 - expected), 1e-4) / max(both.sum(), 1))
    assert not vtx.found[0::3][~both].any()


def test_displaced_photon_enters_the_ecl_where_it_really_hits(card):
    # a photon from (0, 50, 0) along +x at 90 deg leaves the r = 125 cm cylinder at y = 50
    batch = make_batch([[(22, 3.0, 0.0, 0.0, 3.0, 0.0, 50.0, 0.0)]] * 2000)
    response, charge = classify(batch.pdg)
    dep = simulate_ecl(batch, response, card, 1, charge)
    r = card.doc["ecl_charged"]["barrel_radius_cm"]
    assert np.mean(dep.phi_rad) == pytest.approx(np.arctan2(50.0, np.sqrt(r * r - 50.0**2)), abs=2e-3)
    # from a vertex outside the ECL it leaves nothing
    outside = make_batch([[(22, 3.0, 0.0, 0.0, 3.0, 0.0, 130.0, 0.0)]])
    assert simulate_ecl(outside, *classify(outside.pdg)[:1], card, 1).region[0] == 0


def test_displaced_vertex_bit_only_in_the_displaced_menu(card):
    from belle2sim.simulate import simulate_chunk
    from belle2sim.trigger.menu import load_menu

    rows = [(alp.PDG_ALP, 0.0, 2.0, 0.0, np.hypot(2.0, 0.5)),
            (211, 1.0, 0.3, 0.2, np.hypot(np.sqrt(1.09 + 0.04), PION_MASS), 0.0, 30.0, 0.0),
            (-211, -1.0, 0.3, -0.2, np.hypot(np.sqrt(1.09 + 0.04), PION_MASS), 0.0, 30.0, 0.0)]
    batch = make_batch([rows] * 3000)
    batch.status[0::3] = 2
    batch.parent[1::3] = batch.parent[2::3] = 0
    standard = simulate_chunk(batch, card, load_menu(), 1, "ideal")
    displaced = simulate_chunk(batch, card, load_menu("belle2_l1_displaced"), 1, "ideal")
    # both tracks pass ~30 cm from the axis: the standard 2D finder (|d0| < 1 cm) misses them
    assert standard.bits["t2"].max() == 0 and standard.bits["dvtx"].max() == 0
    assert displaced.bits["dvtx"].mean() > 0.99
    assert displaced.ftdl["dv"].mean() > 0.99 and "dv" not in standard.ftdl


def test_menu_extension_errors(tmp_path):
    from belle2sim.errors import MenuError
    from belle2sim.trigger.menu import load_menu

    child = tmp_path / "child.toml"
    child.write_text('[menu]\nname = "x"\nsource = "test"\nextends = "belle2_l1.toml"\n\n'
                     '[lines.dvx]\nlogic = "dvtx"\nprescale = 1\n')
    with pytest.raises(MenuError, match=r"displaced-vertex bits.*no \[inputs.displaced\]"):
        load_menu(child)
    loop = tmp_path / "loop.toml"
    loop.write_text('[menu]\nname = "x"\nsource = "test"\nextends = "loop.toml"\n')
    with pytest.raises(MenuError, match="cycle"):
        load_menu(loop)
    assert len(load_menu("belle2_l1_displaced").lines) == len(load_menu().lines) + 1


def test_efficiency_cli_map_and_refusals(tmp_path):
    import json
    import subprocess
    import sys

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "belle2sim.cli", *args], capture_output=True, text=True,
                              cwd=tmp_path)

    out = cli("efficiency", "alp-photons", "--mass", "1", "--ctau", "0.5,50", "--events", "3000", "-q",
              "-o", "m.json", "--plot", "m.png")
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "m.json").read_text())
    assert [p["ctau_cm"] for p in doc["points"]] == [0.5, 50.0]
    assert doc["long_lived"]["pdg"] == alp.PDG_ALP and (tmp_path / "m.png").stat().st_size > 0
    bad = cli("efficiency", "zprime-mumu", "--ctau", "1", "--events", "100", "-q")
    assert bad.returncode != 0 and "no long-lived particle" in bad.stderr
    neg = cli("efficiency", "alp-photons", "--ctau", "-1", "--events", "100", "-q")
    assert neg.returncode != 0 and "must be > 0" in neg.stderr


def test_root_maps_and_menu_comparison(tmp_path, card, menu):
    """-o FILE.root holds the map as a TH2 (mass x log10 c tau) with the JSON's values and errors;
    --compare-menu runs the displaced menu with the analysis trigger OR the line it adds."""
    import json
    import subprocess
    import sys

    import uproot

    out = subprocess.run([sys.executable, "-m", "belle2sim.cli", "efficiency", "b-to-k-scalar", "--mass", "1,3",
                          "--ctau", "1,30", "--param", "decay_pdg=211", "--events", "3000", "-q", "--trigger", "ffo",
                          "--compare-menu", "belle2_l1_displaced", "-o", "m.root", "--json"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["comparison"]["trigger"]["logic"] == "(ffo) or dv"
    h = uproot.open(tmp_path / "m.root")["efficiency"]
    values, errors = h.values(), h.errors()
    for p in doc["points"]:
        i, j = [1, 3].index(p["mass_GeV"]), [1, 30].index(p["ctau_cm"])
        assert values[i, j] == pytest.approx(p["efficiency"]) and errors[i, j] == pytest.approx(p["efficiency_err"])
        # adding a line can only add events
        q = doc["comparison"]["points"][doc["points"].index(p)]
        assert q["efficiency"] >= p["efficiency"]
    np.testing.assert_allclose(h.axes[1].centers(), np.log10([1, 30]))
