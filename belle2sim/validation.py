"""The validation report (``belle2sim validate``, docs/validation.md).

For every channel and analysis, at mass points the paper shows: the offline selection
efficiency, the total efficiency (selection and trigger), the trigger efficiency of selected
events and the lines that carry it, beside what the paper publishes. Then the trigger-object
calibrations reproduced on the kind of events each paper measured them with, and closed-form
checks. Published numbers are for comparison only: none of them is an input.
"""

import numpy as np

from belle2sim import pdgdata

# What each paper states that a reader can hold our numbers against (shared/physics/analyses.md),
# by analysis (reinterpretations of the same search share its statements).
PUBLISHED = {
    "2212.03066": "No signal efficiency is printed in the text that was read (figures not "
    "read). The trigger is stated, not its efficiency.",
    "1912.11276": "Trigger: CDC two-track (79 +- 5)% for both tracks in 37-120 deg, dphi > 90 "
    "deg (2018). Signal efficiencies: not in the text that was read.",
    "2207.00509": "\"The efficiency drops considerably for M_A' < 4 GeV/c2 and becomes too "
    "low to allow analysis for M_A' < 1.65 GeV/c2\"; trigger 89% for dphi > 90 deg in mu mu (gamma).",
    "2403.02841": "Three-track plateau close to 100% for the two softest pT > 0.5 GeV/c; single "
    "muon ~90% in 51-117 deg; hard ISR outside MadGraph's reach lowers the efficiency by 2.8% (relative).",
    "2306.12294": "Trigger: three-track OR single muon; no signal efficiency in the text read.",
    "2007.13071": "Signal efficiency and resolution are shown only as figures (not read); the trigger (1 GeV "
    "barrel energy sums, no QED veto) is studied with radiative Bhabha events, its efficiency not printed in the "
    "text read. The ALP is assumed prompt; here it decays in flight at the c tau of g_agg = 1e-3 / GeV.",
    "2306.02830": "The paper's text was not available (abstract only): limits at the 1e-7 level on B(B -> K(*) S) x "
    "B(S -> x x) vs mass and lifetime; no efficiency to compare with. Scalar c tau = 1 cm here.",
    "2212.03634": "Trigger efficiency measured in data with CDC-based reference triggers "
    "(value not printed in the text read).",
}

POINTS = {
    "zprime-invisible": (1.0, 3.0, 5.0, 7.0),
    "muonphilic-scalar": (1.0, 4.0),
    "dark-higgs-invisible": (2.0, 4.0, 6.0, 8.0),
    "zprime-mumu": (0.5, 2.0, 5.0, 8.0),
    "leptophilic-scalar": (1.0, 4.0),
    "zprime-tautau": (4.0, 6.0, 8.0),
    "tau-to-lepton-alpha": (0.0, 1.0, 1.5),
    "dark-photon-invisible": (1.0, 4.0, 8.0),
    "dark-higgs-visible": (0.5, 1.0),
    "alp-photons": (0.2, 1.0, 4.0, 8.0),
    "b-to-k-scalar": (0.5, 1.0, 2.0, 4.0),
    "idm-dark-higgs": (0.6, 1.0, 2.0),
    "b-to-k-alp": (0.5, 2.0),
    "alp-tautau": (4.0, 6.0, 8.0),
}


# --- the events each calibration was measured with --------------------------------------------
def particle(pdg, p, theta_deg, phi_deg):
    m = pdgdata.mass_GeV(abs(pdg)) if pdg != 22 else 0.0
    t, f = np.radians(theta_deg), np.radians(phi_deg)
    return (pdg, p * np.sin(t) * np.cos(f), p * np.sin(t) * np.sin(f), p * np.cos(t), np.hypot(p, m))


def batch_of(events):
    from belle2sim.events import EventBatch

    rows = [p for ev in events for p in ev]
    cols = np.array(rows, dtype=float).reshape(-1, 5)
    n = len(rows)
    return EventBatch(pdg=cols[:, 0].astype(np.int32), px=cols[:, 1], py=cols[:, 2], pz=cols[:, 3], E=cols[:, 4],
                      vx=np.zeros(n), vy=np.zeros(n), vz=np.zeros(n), parent=-np.ones(n, dtype=np.int32),
                      status=np.ones(n, dtype=np.int8), offsets=np.concatenate([[0], np.cumsum([len(e) for e in events])]),
                      weight=np.ones(len(events)), number=np.arange(len(events)))


def mumu_gamma_events(n, rng, photon=True):
    """mu+ mu- (gamma): two 1.5-4 GeV muons in 40-115 deg, opening > 110 deg in phi, and a barrel
    photon above 1.2 GeV (the samples of arXiv:1912.11276 p. 6 and 2207.00509 p. 3)."""
    events = []
    for _ in range(n):
        f1 = rng.uniform(-180, 180)
        ev = [particle(13, rng.uniform(1.5, 4), rng.uniform(40, 115), f1),
              particle(-13, rng.uniform(1.5, 4), rng.uniform(40, 115), f1 + 180 + rng.uniform(-70, 70))]
        if photon:
            ev.append(particle(22, rng.uniform(1.2, 3.0), rng.uniform(45, 115), f1 + 90))
        events.append(ev)
    return batch_of(events)


def four_track_events(n, rng, pt_soft):
    """Four tracks in 50-110 deg, the two softest at pt_soft (arXiv:2403.02841 sec. IV.A)."""
    events = []
    for _ in range(n):
        phis = rng.uniform(-180, 180) + np.array([0, 95, 185, 275])
        thetas = rng.uniform(50, 110, 4)
        pts = (pt_soft, pt_soft, 1.5, 2.0)
        events.append([particle(211 if k % 2 else -211, pt / np.sin(np.radians(t)), t, f)
                       for k, (pt, t, f) in enumerate(zip(pts, thetas, phis))])
    return batch_of(events)


def single_muon_events(n, rng, theta_deg):
    return batch_of([[particle(13, 2.5, theta_deg, f)] for f in rng.uniform(-180, 180, n)])


def calibration_checks(card, menu, n=20000):
    """Rows (statement, period, ours, stated) of each calibration on its kind of events."""
    from belle2sim.simulate import simulate_chunk

    rng = np.random.default_rng(1)
    rows = []
    mumu = mumu_gamma_events(n, rng, photon=False)
    for period, line, stated, source in (("2018", "tt90", "(79 +- 5)%", "arXiv:1912.11276 p. 6"),
                                         ("2019-2021", "tt90", "89%", "arXiv:2207.00509 p. 3")):
        chunk = simulate_chunk(mumu, card, menu, 3, period=period)
        fired = (chunk.bits["t2b"] >= 2) & (chunk.bits["t2b_open90"] > 0)
        rows.append((f"two-track trigger, both tracks in 37-120 deg, dphi > 90 deg ({source})", period,
                     fired.mean(), stated))
    chunk = simulate_chunk(mumu_gamma_events(n, rng), card, menu, 4, period="2018")
    rows.append(("ECL energy sum > 1 GeV, mu mu gamma with a barrel photon > 1 GeV (arXiv:1912.11276 p. 6)", "2018",
                 np.mean(chunk.bits["ehigh"] > 0), "(96 +- 1)%"))
    for pt, stated in ((0.6, "plateau close to 100%"), (0.4, "below the plateau (MC overestimates)")):
        chunk = simulate_chunk(four_track_events(n // 4, rng, pt), card, menu, 5, period="2019-2021")
        rows.append((f"three-track trigger, four-track events, two softest pT = {pt} GeV/c (arXiv:2403.02841 IV.A)",
                     "2019-2021", chunk.psnm["ttt"].mean(), stated))
    for theta, stated in ((80.0, "about 90%"), (45.0, "outside 51-117 deg")):
        chunk = simulate_chunk(single_muon_events(n // 4, rng, theta), card, menu, 6, period="2019-2021")
        rows.append((f"single-muon trigger, one 2.5 GeV muon at {theta:g} deg (arXiv:2403.02841 IV.A)", "2019-2021",
                     chunk.psnm["mu1"].mean(), stated))
    return rows


def closed_form_checks(card, n=20000):
    """Rows (check, ours, expected) of exact kinematics and cross sections."""
    import vector
    from scipy import integrate

    from belle2sim.channels import get
    from belle2sim.generators import dark_photon, isr

    rows = []
    s = card.beams.s_GeV2
    for M in (1.0, 6.0):
        ch = get("dark-photon-invisible")
        b = ch.generate(2, 0, n, ch.resolve_parameters({"mass_GeV": M, "isr": 0}, card), card)
        v = vector.array({"px": b.px, "py": b.py, "pz": b.pz, "E": b.E})
        st = b.offsets[:-1]
        tot = v[st] + v[st + 1]
        e_star = np.asarray(v[st + 2].boost_beta3(-tot.to_beta3()).E)
        s_ev = np.asarray(tot.mass) ** 2
        dev = np.max(np.abs(e_star - (s_ev - M * M) / (2 * np.sqrt(s_ev))))
        rows.append((f"gamma A' (M = {M:g} GeV): max abs(E*_gamma - (s - M^2)/(2 sqrt s)) over {n} events", f"{dev:.1e} GeV",
                     "0 (exact two-body)"))
        c_lo, c_hi = np.cos(np.radians(175)), np.cos(np.radians(5))
        closed = dark_photon.cross_section_fb(s, M, 1.0, c_lo, c_hi)
        num = integrate.quad(lambda c: dark_photon.dsigma_dcos_fb(c, s, M, 1.0), c_lo, c_hi)[0]
        rows.append((f"sigma(e+e- -> gamma A'), M = {M:g} GeV, 5-175 deg: closed form / numerical integral",
                     f"{closed / num:.8f}", "1"))
    beta = isr.beta_radiator(s, pdgdata.mass_GeV(11))
    norm = integrate.quad(lambda x: isr.radiator(x, beta), 0, 1, points=[1e-6, 1e-3])[0]
    rows.append(("ISR radiator: integral of W(x) over (0, 1)", f"{norm:.6f}", "1"))
    return rows


def _analyses(ch):
    published = [a for a in ch.analyses if a.key != "generic"]
    return published or list(ch.analyses)


def n_points():
    """Mass points the report simulates (for a progress bar)."""
    from belle2sim.channels import available

    return sum(len(POINTS[name]) * len(_analyses(ch)) for name, ch in available().items())


def channel_rows(card, menu, n_events, seed=1, progress=None):
    from belle2sim.channels import available
    from belle2sim.scan import run_scan

    out = []
    for name, ch in sorted(available().items()):
        for analysis in _analyses(ch):
            points = []
            for r in run_scan(ch, POINTS[name], {}, card, menu, n_events, seed, analysis=analysis):
                points.append(r.to_dict(ch.scan_parameter))
                if progress:
                    progress(n_events)
            out.append((name, analysis, points))
    return out


def report(card, menu, n_events=20000, progress=None):
    """The markdown text of docs/validation.md."""
    from belle2sim import __version__
    from belle2sim.output.tables import carrying_lines

    lines = [f"# belle2sim {__version__}: validation against published Belle II numbers", "",
             "Regenerate with `belle2sim validate` (this file is its output; "
             f"{n_events} events per point, seed 1, card `{card.path.name}`, menu `{menu.path.name}`).", "",
             "Efficiencies are fractions of generated events (ISR on). `sel` = offline selection; `eff` = selection "
             "AND the analysis trigger; `trig|sel` = trigger efficiency of selected events, with the lines that "
             "carry it (and what each alone contributes). Published totals are for comparison only: no number "
             "below was tuned to them; trigger objects are calibrated on component statements (section 2).", ""]
    lines += ["## 1. Channels and analyses", ""]
    for name, analysis, points in channel_rows(card, menu, n_events, progress=progress):
        lines += [f"### {name} — {analysis.key}", "", f"{analysis.title}.", "",
                  f"Trigger: `{analysis.trigger}` ({analysis.trigger_source}); calibration "
                  f"{card.resolve_period(analysis.period)}.", ""]
        if analysis.not_modelled:
            lines += ["Not modelled: " + "; ".join(analysis.not_modelled) + ".", ""]
        lines += ["| mass [GeV] | sel | eff | trig\\|sel | lines on selected events (alone) |", "|---|---|---|---|---|"]
        for p in points:
            ts = p["trigger_efficiency_selected"]
            lines.append(f"| {p['mass_GeV']:g} | {p['selection_efficiency']:.4f} | {p['efficiency']:.4f} +- "
                         f"{p['efficiency_err']:.4f} | {'n/a' if ts is None else f'{ts:.3f}'} | {carrying_lines(p)} |")
        lines += ["", "Published: " + PUBLISHED.get(analysis.key, "no Belle II analysis of this channel "
                                                "was available; generic selection."), ""]
    lines += ["## 2. Trigger objects on the events they were calibrated with", "",
              "| statement | period | belle2sim | stated |", "|---|---|---|---|"]
    for text, period, ours, stated in calibration_checks(card, menu):
        lines.append(f"| {text} | {period} | {ours:.3f} | {stated} |")
    lines += ["", "## 3. Closed-form checks", "", "| check | belle2sim | expected |", "|---|---|---|"]
    for text, ours, expected in closed_form_checks(card):
        lines.append(f"| {text} | {ours} | {expected} |")
    return "\n".join(lines) + "\n"
