"""Published selections of e+e- -> mu+ mu- + invisible (Belle II): the cut lists of
arXiv:2212.03066 (79.7 fb^-1, 2019-20), arXiv:1912.11276 (276 pb^-1, 2018) and arXiv:2207.00509
(dark Higgsstrahlung, 8.34 fb^-1, 2019), cut by cut in the papers' order (shared/physics/
analyses.md A3, A1, A4). Cut names quote the papers; what cannot be reproduced is listed in
each Analysis's ``not_modelled``.
"""

import numpy as np

from belle2sim import pdgdata
from belle2sim._jit import inline, range_kernel
from belle2sim.channels import Analysis, Parameter
from belle2sim.channels import objects as obj
from belle2sim.channels.track_selection import mass_squared_and_sigma, nominal_total, pair_and_recoil_covariance
from belle2sim.kinematics import boost_as_vector, polar_angle_deg

MUON = 13


def _pair(batch, chunk, n_max=2):
    """(good tracks, count, net charge, (n, 2) indices of the first two (0 where missing), and
    their two columns)."""
    good = obj.good_tracks(chunk, 0.5, 2.0)
    index, count, net = obj.gather(batch, chunk, good, n_max)
    pair = np.maximum(index[:, :2], 0)
    return good, count, net, pair, pair[:, 0], pair[:, 1]


def _kinematics(batch, chunk, card, pair):
    """(dimuon lab four-momentum, recoil lab four-momentum, its polar angle [deg], its c.m.
    momentum (n, 3), its c.m. pT, recoil m^2, sigma(m^2))."""
    m_mu = pdgdata.mass_GeV(MUON)
    dimuon = obj.system(chunk, pair, [m_mu, m_mu])
    rec, theta_rec, ref, pt_rec_cm = obj.recoil_terms(card, *dimuon)
    m2, s2 = mass_squared_and_sigma(chunk.tracks, pair, m_mu, card, total=nominal_total(card, len(batch)))
    return dimuon, rec, theta_rec, ref, pt_rec_cm, m2, s2


@inline
def _polar_deg_and_azimuth(px, py, pz, j):
    """(polar angle in degrees, azimuth in rad) of track j's momentum (libm's atan2)."""
    x, y, z = np.float64(px[j]), np.float64(py[j]), np.float64(pz[j])
    return polar_angle_deg(x, y, z), np.arctan2(y, x)


@range_kernel("i0")
def _pair_in_acceptance(begin, end, px, py, pz, i0, i1, theta_lo_deg, theta_hi_deg, dphi_min_deg, out):
    """out[i]: both tracks i0[i], i1[i] have polar angles in [theta_lo, theta_hi] and their azimuths
    differ by more than dphi_min (degrees; libm's atan2, the same on every CPU)."""
    for i in range(begin, end):
        th0, ph0 = _polar_deg_and_azimuth(px, py, pz, i0[i])
        th1, ph1 = _polar_deg_and_azimuth(px, py, pz, i1[i])
        d = abs(np.degrees(ph0 - ph1)) % 360.0
        out[i] = (theta_lo_deg <= th0 <= theta_hi_deg and theta_lo_deg <= th1 <= theta_hi_deg
                  and (360.0 - d if d > 180.0 else d) > dphi_min_deg)


def _in_trigger_acceptance(chunk, i0, i1, dphi_min_deg):
    """Both tracks in 37-120 deg and more than dphi_min_deg apart in azimuth (the trigger's
    two-track acceptance)."""
    out = np.empty(len(i0), dtype=np.bool_)
    t = chunk.tracks
    _pair_in_acceptance(t.px, t.py, t.pz, np.ascontiguousarray(i0, dtype=np.int64),
                        np.ascontiguousarray(i1, dtype=np.int64), 37.0, 120.0, float(dphi_min_deg), out)
    return out


def select_2212_03066(batch, chunk, card, params):
    """arXiv:2212.03066v3 pp. 3-4 (A3)."""
    with np.errstate(all="ignore"):
        good, count, net, pair, i0, i1 = _pair(batch, chunk)
        t = chunk.tracks
        mu = t.muon_id[i0] & t.muon_id[i1]
        pt_ok = (np.hypot(t.px[i0], t.py[i0]) > 0.4) & (np.hypot(t.px[i1], t.py[i1]) > 0.4)
        dimuon, rec, theta_rec, ref, pt_rec_cm, m2, s2 = _kinematics(batch, chunk, card, pair)
        m_mu = pdgdata.mass_GeV(MUON)
        a = obj.to_cm(card, *obj.system(chunk, [i0], [m_mu]))
        b = obj.to_cm(card, *obj.system(chunk, [i1], [m_mu]))
        cos_ab = (a[1] * b[1] + a[2] * b[2] + a[3] * b[3]) / (np.sqrt(a[1]**2 + a[2]**2 + a[3]**2)
                                                              * np.sqrt(b[1]**2 + b[2]**2 + b[3]**2))
        low = m2 < 4.0
        theta_ok = np.where(low, (theta_rec >= 34.0) & (theta_rec <= 123.0) & ~((theta_rec >= 89.0) & (theta_rec <= 91.0)),
                            theta_rec < 123.0)
        e_gamma, _, max_cos, _ = obj.photons(batch, chunk, card, 0.1, ref)
        return {
            "exactly two good tracks (|d0| < 0.5 cm, |z0| < 2 cm), opposite charge": (count == 2) & (net == 0),
            "both identified as muons": mu,
            "both in the trigger acceptance (37-120 deg, dphi > %g deg)" % params["dphi_min_deg"]:
                _in_trigger_acceptance(chunk, i0, i1, params["dphi_min_deg"]),
            "both muons pT > 0.4 GeV/c": pt_ok,
            "c.m. opening angle <= 179 deg": cos_ab >= np.cos(np.radians(179.0)),
            "recoil theta in [34, 123] deg minus [89, 91] (M2 < 4 GeV2), else < 123 deg": theta_ok,
            "photon energy < 0.5 GeV, no photon within 15 deg of the recoil (c.m.)":
                (e_gamma < 0.5) & (max_cos < np.cos(np.radians(15.0))),
            "recoil pT (c.m.) > 0.5 GeV/c": pt_rec_cm > 0.5,
            "M2_recoil within +-%g sigma" % params["window_nsigma"]:
                np.abs(m2 - params["mass_GeV"] ** 2) < params["window_nsigma"] * s2,
        }


def select_1912_11276(batch, chunk, card, params):
    """arXiv:1912.11276v2 p. 5 (A1), the muon channel."""
    with np.errstate(all="ignore"):
        good, count, net, pair, i0, i1 = _pair(batch, chunk)
        dimuon, rec, theta_rec, ref, _, m2, s2 = _kinematics(batch, chunk, card, pair)
        m_rec = np.sqrt(np.maximum(m2, 0.0))
        d = chunk.deposits
        p0 = np.sqrt(chunk.tracks.px[i0].astype(float)**2 + chunk.tracks.py[i0]**2 + chunk.tracks.pz[i0]**2)
        p1 = np.sqrt(chunk.tracks.px[i1].astype(float)**2 + chunk.tracks.py[i1]**2 + chunk.tracks.pz[i1]**2)
        e0, e1 = d.energy_GeV[i0], d.energy_GeV[i1]
        ecl_mu = ((e0 > 0.15) & (e0 < 0.4) & (e0 / p0 < 0.4)) & ((e1 > 0.15) & (e1 < 0.4) & (e1 / p1 < 0.4))
        m_pi0 = pdgdata.mass_GeV(111)
        e_gamma, n_pi0, max_cos, _ = obj.photons(batch, chunk, card, 0.1, ref, (m_pi0 - 0.010, m_pi0 + 0.010))
        return {
            "exactly two good tracks (|d0| < 0.5 cm, |z0| < 2 cm), opposite charge": (count == 2) & (net == 0),
            "both in 37-120 deg with dphi > 90 deg": _in_trigger_acceptance(chunk, i0, i1, 90.0),
            "recoil theta in [32, 125] deg if M_recoil < 3 GeV": (m_rec >= 3.0) | ((theta_rec >= 32.0) & (theta_rec <= 125.0)),
            "ECL muon ID: 0.15 < E < 0.4 GeV and E/p < 0.4 (both)": ecl_mu,
            "no photon within 15 deg of the recoil (c.m.)": max_cos < np.cos(np.radians(15.0)),
            "photon energy < 0.4 GeV and no pi0 candidate": (e_gamma < 0.4) & (n_pi0 == 0),
            "M_recoil within +-%g sigma" % params["window_nsigma"]:
                np.abs(m2 - params["mass_GeV"] ** 2) < params["window_nsigma"] * s2,
        }


def _window_parameter(default):
    return Parameter("window_nsigma", default, "signal window half-width in units of the predicted resolution",
                     strictly_positive=True)


A3 = Analysis(
    key="2212.03066", title="Belle II, invisible Z' in mu+mu- + missing energy, 79.7 fb^-1 (PRL 130 (2023) 231801)",
    trigger="tt30", trigger_source="arXiv:2212.03066v3 p. 3: two tracks in 37-120 deg, dphi > 30 deg (2020 data, "
    "most of the sample [OURS]; 2019: > 90 deg, --trigger tt90 --param dphi_min_deg=90), Bhabha veto",
    select=select_2212_03066, period="2019-2021",
    parameters=(_window_parameter(2.0),
                Parameter("dphi_min_deg", 30.0, "muon azimuthal opening, as the trigger of the data period (deg)")),
    window="+-2 sigma in M2_recoil, sigma the per-event predicted resolution [OURS: stands in for the 2D binned "
           "fit in M2_recoil x theta_recoil(c.m.), whose bin width is the resolution]",
    not_modelled=("Punzi-net neural network (output > 0.5) [MVA]",
                  "2D template fit replaced by a +-2 sigma M2_recoil window",
                  "muon ID below 0.7 GeV/c (CDC/ECL likelihood): only KLM muon ID is modelled",
                  "photon-veto data/MC correction in the backward barrel"))

A1 = Analysis(
    key="1912.11276", title="Belle II, invisible Z' in mu+mu- + missing energy, 2018, 276 pb^-1 (PRL 124 (2020) 141801)",
    trigger="ffo", trigger_source="arXiv:1912.11276v2 p. 5: CDC two-track trigger, dphi > 90 deg, Bhabha rejection",
    select=select_1912_11276, period="2018", parameters=(_window_parameter(2.0),),
    window="+-2 sigma in the recoil mass (linearised in M2_recoil), sigma the per-event predicted resolution "
           "(paper: CB + Gaussian width of the signal MC)",
    not_modelled=("tau suppression: linear cut in (pT_rec^lmax, pT_rec^lmin) and pT(ll) > pT_cut, optimised per "
                  "window and not published [OPT]",))


@inline
def _unit_or_zero(q):
    """vector's nan_to_num of a unit-vector component: NaN -> 0, infinities kept."""
    return 0.0 if np.isnan(q) else q


@range_kernel(lambda neg, pos, out: out.shape[0])
def _abs_cos_eta(begin, end, neg, pos, out):
    """|cos eta| from the c.m. four-vectors (px, py, pz, E) of the mu- and the mu+ (rows of
    ``neg``, ``pos``): vector's boost_beta3, unit and dot, operation for operation (the numbers
    of the vector expression this replaces, to the bit)."""
    for i in range(begin, end):
        x, y, z, t = neg[0, i], neg[1, i], neg[2, i], neg[3, i]
        px, py, pz, pt = x + pos[0, i], y + pos[1, i], z + pos[2, i], t + pos[3, i]
        bx, by, bz = -(px / pt), -(py / pt), -(pz / pt)  # -pair.to_beta3()
        mx, my, mz = boost_as_vector(x, y, z, t, bx, by, bz)
        m_norm = np.sqrt(mx * mx + my * my + mz * mz)
        p_norm = np.sqrt(px * px + py * py + pz * pz)
        dot = (_unit_or_zero(mx / m_norm) * _unit_or_zero(px / p_norm) + _unit_or_zero(my / m_norm)
               * _unit_or_zero(py / p_norm) + _unit_or_zero(mz / m_norm) * _unit_or_zero(pz / p_norm))
        out[i] = abs(_unit_or_zero(dot))


def c_eta(card, chunk, i_neg, i_pos):
    """|cos eta|: eta is the angle, in the dimuon rest frame, between the mu- and the direction
    of the c.m. system (minus the dimuon's c.m. momentum)."""
    m_mu = pdgdata.mass_GeV(MUON)
    neg = obj.to_cm_rows(card, *obj.system(chunk, [i_neg], [m_mu]))
    pos = obj.to_cm_rows(card, *obj.system(chunk, [i_pos], [m_mu]))
    out = np.empty(neg.shape[1])
    _abs_cos_eta(neg, pos, out)
    return out


@range_kernel("m2")
def _ellipse_chi2(begin, end, m2, r2, s_m, s_r, cov, m2_centre, r2_centre, out):
    """Mahalanobis distance^2 of (m2, r2) from the centre with per-event widths and covariance:
    (dm^2 s_r^2 - 2 dm dr cov + dr^2 s_m^2) / (s_m^2 s_r^2 - cov^2), in that order of operations."""
    for i in range(begin, end):
        dm, dr = m2[i] - m2_centre, r2[i] - r2_centre
        sm2, sr2 = s_m[i] * s_m[i], s_r[i] * s_r[i]
        det = sm2 * sr2 - cov[i] * cov[i]
        out[i] = ((dm * dm) * sr2 - 2.0 * dm * dr * cov[i] + (dr * dr) * sm2) / det


def select_2207_00509(batch, chunk, card, params):
    """arXiv:2207.00509v4 pp. 3-4 (A4): A' -> mu+mu-, h' invisible."""
    with np.errstate(all="ignore"):
        good, count, net, pair, i0, i1 = _pair(batch, chunk)
        t, d = chunk.tracks, chunk.deposits
        m_mu = pdgdata.mass_GeV(MUON)
        dimuon = obj.system(chunk, pair, [m_mu, m_mu])
        # (the recoil's mass and width come with the covariance below)
        _, theta_rec, ref, _ = obj.recoil_terms(card, *dimuon)
        e_gamma, _, max_cos, _ = obj.photons(batch, chunk, card, 0.1, ref)
        _, cx, cy, _ = obj.to_cm(card, *dimuon)
        m2, r2, s_m, s_r, cov = pair_and_recoil_covariance(t, pair, m_mu, card, nominal_total(card, len(batch)))
        chi2 = np.empty(len(m2))
        _ellipse_chi2(m2, r2, s_m, s_r, cov, params["mass_GeV"] ** 2, params["h_mass_GeV"] ** 2, chi2)
        first_negative = chunk.charge[i0] < 0
        neg, pos = np.where(first_negative, i0, i1), np.where(first_negative, i1, i0)
        return {
            "track quality |d0| < 0.5 cm, |z0| < 2 cm; exactly two, opposite charge": (count == 2) & (net == 0),
            "both identified as muons": t.muon_id[i0] & t.muon_id[i1],
            "both in 37-120 deg with dphi > 90 deg": _in_trigger_acceptance(chunk, i0, i1, 90.0),
            "ECL energy of each muon < 1.5 GeV": (d.energy_GeV[i0] < 1.5) & (d.energy_GeV[i1] < 1.5),
            "recoil theta in [32, 125] deg": (theta_rec >= 32.0) & (theta_rec <= 125.0),
            "photon energy < 0.4 GeV, no photon within 15 deg of the recoil":
                (e_gamma < 0.4) & (max_cos < np.cos(np.radians(15.0))),
            "dimuon pT (c.m.) > 0.1 GeV/c": obj.transverse(cx, cy) > 0.1,
            "inside the 2-sigma ellipse in (M2_mumu, M2_recoil)": chi2 < params["window_nsigma"] ** 2,
            "C_eta < %g (typical per-window value)" % params["c_eta_max"]: c_eta(card, chunk, neg, pos) < params["c_eta_max"],
        }


A4 = Analysis(
    key="2207.00509", title="Belle II, dark Higgsstrahlung A' -> mu+mu-, h' invisible, 8.34 fb^-1 (PRL 130 (2023) 071804)",
    trigger="tt90", trigger_source="arXiv:2207.00509v4 p. 3: two tracks in 37-120 deg, dphi > 90 deg, ECL Bhabha veto",
    select=select_2207_00509, period="2019-2021",
    parameters=(Parameter("window_nsigma", 2.0, "elliptical window: Mahalanobis radius in (M2_mumu, M2_recoil)",
                          strictly_positive=True),
                Parameter("c_eta_max", 0.9, "C_eta = |cos eta| upper cut (the paper's typical value)",
                          strictly_positive=True)),
    window="2-sigma ellipse in (M2_mumu, M2_recoil) from the per-event predicted covariance (paper: 2D double-"
           "Gaussian fit to signal MC without ISR)",
    not_modelled=("C_eta threshold optimised per window [OPT]: the typical value 0.9 is applied",
                  "muon ID below 0.7 GeV/c (CDC/ECL): only KLM muon ID is modelled"))
