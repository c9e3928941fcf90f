"""alp-photons: e+e- -> gamma a, a -> gamma gamma (three photons), prompt or displaced.

Generator: belle2sim.generators.alp (Dolan et al., arXiv:1709.00009); the ALP decays in flight
with c tau = hbar c / Gamma(a -> gamma gamma) from ``g_agg_per_GeV`` (or at each --ctau).

Selection: Belle II, PRL 125 (2020) 161806, arXiv:2007.13071 (shared/physics/analyses.md A2), cut
by cut in the paper's order; trigger: the ECL energy sum above 1 GeV with no QED veto (hie_nv).
"""

import numpy as np

from belle2sim._jit import range_kernel
from belle2sim.channels import Analysis, Channel, Parameter, register
from belle2sim.detector.ecl import resolution
from belle2sim.errors import ParameterError
from belle2sim.generators import alp

PARAMETERS = (
    Parameter("mass_GeV", 1.0, "ALP mass (the scanned parameter)"),
    Parameter("g_agg_per_GeV", 1e-3, "ALP-photon coupling g_agg (GeV^-1); cross section and width scale as "
              "g_agg^2, so it sets c tau unless --ctau is given", strictly_positive=True, coupling=True),
)
SELECTION = (
    Parameter("window_nsigma", 2.0, "half-width of the M^2 window in predicted resolution units",
              strictly_positive=True),
)
E_THRESHOLD_GeV = (1.0, 0.65)        # photon energy for m_a <= 4 GeV / above (A2 cut 1)
MASS_SWITCH_FIT_GeV = 4.0
RECOIL_ABOVE_GeV = 6.85              # M^2_gammagamma below, M^2_recoil above (A2 fit)
THETA_RANGE_DEG = (37.3, 123.7)      # A2 cut 2
M3_RANGE = (0.88, 1.03)              # A2 cut 5, in units of sqrt(s)
PAIR_SEPARATION = (0.014, 0.400)     # A2 cut 7: dtheta > 0.014 rad or dphi > 0.400 rad
TRACK_IR_CM = (0.5, 2.0)             # [OURS] "tracks originating from the interaction region": |d0|, |z0|


def _check(params, card):
    sqrt_s = card.beams.sqrt_s_GeV
    if not 0.0 < params["mass_GeV"] < sqrt_s:
        raise ParameterError(f"mass_GeV = {params['mass_GeV']} must be in (0, sqrt(s) = {sqrt_s:.4f}) GeV "
                             f"(card {card.path.name}): e+e- -> gamma a is closed")


@range_kernel("offsets")
def a2_cuts(begin, end, offsets, charge, found, d0, z0, is_cluster, dep_E, dep_theta, dep_phi, dep_region,
            res_energy, res_theta, res_phi, e_min, theta_lo, theta_hi, beams, m3_lo, m3_hi, pair_dtheta, pair_dphi,
            ir_d0, ir_z0, mass, use_recoil, nsigma, three, polar, m3_ok, no_track, separated, window):
    sqrt_s = np.sqrt(beams[3] ** 2 - beams[0] ** 2 - beams[1] ** 2 - beams[2] ** 2)
    # the three photons' slots and four-vectors: arrays made once per call, not per event (five
    # heap allocations an event)
    top = np.empty(3, dtype=np.int64)
    E, px, py, pz = np.empty(3), np.empty(3), np.empty(3), np.empty(3)
    for i in range(begin, end):
        three[i] = polar[i] = m3_ok[i] = no_track[i] = separated[i] = window[i] = False
        top[0] = top[1] = top[2] = -1
        n = 0
        has_track = False
        for j in range(offsets[i], offsets[i + 1]):
            tracked = charge[j] != 0.0 and found[j]
            if tracked and abs(d0[j]) < ir_d0 and abs(z0[j]) < ir_z0:
                has_track = True
            if not is_cluster[j] or tracked or dep_E[j] <= e_min:
                continue
            n += 1
            k = j
            for slot in range(3):  # keep the three most energetic
                if top[slot] < 0 or dep_E[k] > dep_E[top[slot]]:
                    top[slot], k = k, top[slot]
                    if k < 0:
                        break
        if n < 3:
            continue
        three[i] = True
        polar[i] = True
        for slot in range(3):
            if not theta_lo < dep_theta[top[slot]] < theta_hi:
                polar[i] = False
        for slot in range(3):  # (every slot written)
            j = top[slot]
            st = np.sin(dep_theta[j])
            E[slot] = dep_E[j]
            px[slot] = dep_E[j] * st * np.cos(dep_phi[j])
            py[slot] = dep_E[j] * st * np.sin(dep_phi[j])
            pz[slot] = dep_E[j] * np.cos(dep_theta[j])
        m3 = np.sqrt(max(E.sum() ** 2 - px.sum() ** 2 - py.sum() ** 2 - pz.sum() ** 2, 0.0))
        m3_ok[i] = m3_lo * sqrt_s <= m3 <= m3_hi * sqrt_s
        no_track[i] = not has_track
        separated[i] = True
        m2 = mass * mass
        for a in range(3):
            ja = top[a]
            rel_a = 0.01 * resolution(res_energy, dep_region[ja], E[a])
            for b in range(a + 1, 3):
                jb = top[b]
                dth = abs(dep_theta[ja] - dep_theta[jb])
                dph = abs(dep_phi[ja] - dep_phi[jb])
                if dph > np.pi:
                    dph = 2.0 * np.pi - dph
                if not (dth > pair_dtheta or dph > pair_dphi):
                    separated[i] = False
                if use_recoil:
                    continue
                # M^2 = 2 E_a E_b (1 - cos alpha): energy and opening-angle terms of its resolution
                cos_al = (px[a] * px[b] + py[a] * py[b] + pz[a] * pz[b]) / (E[a] * E[b])
                pair_m2 = 2.0 * E[a] * E[b] * (1.0 - cos_al)
                rel_b = 0.01 * resolution(res_energy, dep_region[jb], E[b])
                sig_alpha = 1e-3 * np.sqrt(resolution(res_theta, dep_region[ja], E[a]) ** 2
                                           + resolution(res_theta, dep_region[jb], E[b]) ** 2
                                           + (np.sin(dep_theta[ja]) * resolution(res_phi, dep_region[ja], E[a])) ** 2
                                           + (np.sin(dep_theta[jb]) * resolution(res_phi, dep_region[jb], E[b])) ** 2)
                sin_al = np.sqrt(max(1.0 - cos_al * cos_al, 0.0))
                rel_angle = sin_al / max(1.0 - cos_al, 1e-12) * sig_alpha
                sig = pair_m2 * np.sqrt(rel_a * rel_a + rel_b * rel_b + rel_angle * rel_angle)
                if abs(pair_m2 - m2) < nsigma * sig:
                    window[i] = True
            if use_recoil:
                # M^2_recoil = s - 2 P.p (nominal beams P): the third photon's partners' mass
                dot = beams[3] * E[a] - beams[0] * px[a] - beams[1] * py[a] - beams[2] * pz[a]
                rec_m2 = sqrt_s * sqrt_s - 2.0 * dot
                sig = 2.0 * dot * rel_a
                if abs(rec_m2 - m2) < nsigma * sig:
                    window[i] = True


def _select(batch, chunk, card, params):
    n = len(batch)
    out = [np.zeros(n, dtype=np.bool_) for _ in range(6)]
    mass = params["mass_GeV"]
    e_min = E_THRESHOLD_GeV[0] if mass <= MASS_SWITCH_FIT_GeV else E_THRESHOLD_GeV[1]
    d, t = chunk.deposits, chunk.tracks
    a2_cuts(batch.offsets, chunk.charge, t.found, t.d0_cm, t.z0_cm, d.is_cluster, d.energy_GeV, d.theta_rad,
            d.phi_rad, d.region, card.ecl_resolution("energy"), card.ecl_resolution("theta"),
            card.ecl_resolution("phi"), e_min, *np.radians(THETA_RANGE_DEG),
            np.array(card.beams.total_fourvector, dtype=np.float64), *M3_RANGE, *PAIR_SEPARATION,
            *TRACK_IR_CM, float(mass), mass > RECOIL_ABOVE_GeV, float(params["window_nsigma"]), *out)
    names = (">= 3 photons above the energy threshold", "the three most energetic in 37.3-123.7 deg",
             "0.88 sqrt(s) <= M(3 gamma) <= 1.03 sqrt(s)", "no track from the interaction region",
             "every pair: dtheta > 0.014 or dphi > 0.400 rad", "M^2 in window")
    return dict(zip(names, out))


A2 = Analysis(
    key="2007.13071",
    title="Belle II ALP search e+e- -> gamma a, a -> gamma gamma, 2018 (445 pb^-1), PRL 125 (2020) 161806",
    trigger="hie_nv",
    trigger_source="arXiv:2007.13071v3 p. 4: 'Triggers based on 1 GeV threshold energy sums in the calorimeter "
    "barrel', no QED vetoes (menu line hie_nv = ehigh and !veto; its theta-IDs 2-15 include the forward endcap)",
    select=_select, period="2018", parameters=SELECTION,
    window="+-window_nsigma of the predicted resolution around m_a^2: M^2(gamma gamma) of any of the three "
    "pairings below 6.85 GeV, M^2_recoil of any photon above (the paper's two fitted spectra) [OURS: fit replaced by "
    "a window]",
    not_modelled=("photon timing compatibility |(t_i - tbar)/dt_i| < 10 (no ECL timing is simulated; signal "
                  "photons are in time)",
                  "Zernike-moment shower-shape MVA on the most isolated photon [MVA]",
                  "the 'interaction region' of the track veto is not quantified in the paper: |d0| < 0.5 cm, "
                  "|z0| < 2 cm used [OURS]",
                  "initial-state radiation (the paper's MadGraph signal includes it): Born kinematics only",
                  "photon conversions in the material and decays inside the ECL volume (treated as outside)",
                  "energy-scale and resolution data/MC corrections"),
)


def _generate(seed, first, n, params, card):
    return alp.generate(seed, first, n, params["mass_GeV"], card.beams)


CHANNEL = register(Channel(
    name="alp-photons",
    description="e+e- -> gamma a, a -> gamma gamma: three photons; the ALP decays in flight (c tau from g_agg)",
    reference="Dolan et al., JHEP 12 (2017) 094 [arXiv:1709.00009]; Belle II, PRL 125 (2020) 161806 "
    "[arXiv:2007.13071]",
    parameters=PARAMETERS,
    generate=_generate,
    cross_section_fb=lambda params, card: alp.cross_section_fb(card.beams.s_GeV2, params["mass_GeV"],
                                                               params["g_agg_per_GeV"]),
    analyses=(A2,),
    check=_check,
    default_scan=(0.2, 0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 9.5),
    long_lived_pdg=alp.PDG_ALP,
    ctau_cm=lambda params, card: alp.ctau_cm(params["mass_GeV"], params["g_agg_per_GeV"]),
))
