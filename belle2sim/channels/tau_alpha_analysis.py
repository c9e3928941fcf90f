"""Published selection of tau -> l alpha (alpha invisible), Belle II arXiv:2212.03634 (62.8 fb^-1,
2019-20; shared/physics/analyses.md A6): 3x1 events in the thrust hemispheres, cut by cut in
the order of the paper (pp. 2-3 and Table I).

Event shape: thrust T = max_n sum |p.n| / sum |p| in the c.m. over the four tracks (pion mass)
and the selected photons, found exactly by trying every split of the particles into two sets
(the axis is the sum of one set); the hemispheres are the signs of p.T.
Photons: clusters of at least 0.1 GeV inside the CDC acceptance (17-150 deg), not from a track;
below 0.4 GeV they must lie 40 cm or more from every track's entry point on the ECL surface.
"""

import numpy as np

from belle2sim import pdgdata
from belle2sim._jit import inline, range_kernel
from belle2sim.channels import objects as obj
from belle2sim.channels.objects import nan_to_num
from belle2sim.kinematics import boost_as_vector, matrix_row_times

MAX_THRUST_PARTICLES = 12

# Table I of arXiv:2212.03634: (tag-side pT thresholds sorted ascending, thrust range, E*_3h, M_3h)
CUTS = {11: ((0.08, 0.30, 0.70), (0.90, 0.99), (1.2, 5.3), (0.5, 1.7)),
        13: ((0.04, 0.17, 0.47), (0.90, 1.00), (1.1, 5.3), (0.4, 1.7))}


@inline
def _surface_point(theta, phi, rb, zf, zb):
    """Point (cm) where a direction from the origin meets the ECL inner surface."""
    st, ct = np.sin(theta), np.cos(theta)
    r, z = rb, rb * ct / st if st > 0 else 1e9
    if z > zf:
        z, r = zf, zf * st / ct
    elif z < zb:
        z, r = zb, zb * st / ct
    return r * np.cos(phi), r * np.sin(phi), z


@range_kernel("offsets")
def photon_flags(begin, end, offsets, is_cluster, found, dep_E, dep_theta, dep_phi, ecl, theta_lo, theta_hi, use):
    """use[j]: particle j is a photon of the paper's definition."""
    for i in range(begin, end):
        start, stop = offsets[i], offsets[i + 1]
        for j in range(start, stop):
            use[j] = False
            if not is_cluster[j] or found[j] or dep_E[j] < 0.1:
                continue
            if not (theta_lo <= dep_theta[j] <= theta_hi):
                continue
            ok = True
            if dep_E[j] < 0.4:
                x, y, z = _surface_point(dep_theta[j], dep_phi[j], ecl[0], ecl[1], ecl[2])
                for k in range(start, stop):
                    if found[k] and dep_E[k] > 0.0:
                        tx, ty, tz = _surface_point(dep_theta[k], dep_phi[k], ecl[0], ecl[1], ecl[2])
                        if (x - tx) ** 2 + (y - ty) ** 2 + (z - tz) ** 2 < 40.0 * 40.0:
                            ok = False
                            break
            use[j] = ok


@range_kernel("offsets")
def photon_counts(begin, end, offsets, use, dep_E, dep_theta, dep_phi, pi0_lo, pi0_hi, n_pi0, n_extra):
    """Per event: photon pairs in the pi0 window, and photons above 0.2 GeV in no such pair."""
    for i in range(begin, end):
        start, stop = offsets[i], offsets[i + 1]
        npi = 0
        extra = 0
        for j in range(start, stop):
            if not use[j]:
                continue
            in_pair = False
            for k in range(start, stop):
                if k == j or not use[k]:
                    continue
                sj, sk = np.sin(dep_theta[j]), np.sin(dep_theta[k])
                cos_a = sj * sk * np.cos(dep_phi[j] - dep_phi[k]) + np.cos(dep_theta[j]) * np.cos(dep_theta[k])
                m = np.sqrt(max(2.0 * dep_E[j] * dep_E[k] * (1.0 - cos_a), 0.0))
                if pi0_lo <= m <= pi0_hi:
                    in_pair = True
                    if k > j:
                        npi += 1
            if not in_pair and dep_E[j] > 0.2:
                extra += 1
        n_pi0[i] = npi
        n_extra[i] = extra


@range_kernel("offsets")
def thrust_3x1(begin, end, offsets, px, py, pz, use, is_track, thrust, n_side, lone):
    """Thrust of the used particles (c.m. momenta), the number of tracks on the + side of the
    axis, and the particle index of the track alone in its hemisphere (-1 if not 3x1)."""
    idx = np.empty(MAX_THRUST_PARTICLES, dtype=np.int64)  # once per call, not per event
    for i in range(begin, end):
        start, stop = offsets[i], offsets[i + 1]
        n = 0
        total = 0.0
        for j in range(start, stop):
            if use[j] and n < MAX_THRUST_PARTICLES:
                idx[n] = j
                n += 1
                total += np.sqrt(px[j] ** 2 + py[j] ** 2 + pz[j] ** 2)
        best, ax, ay, az = 0.0, 0.0, 0.0, 1.0
        for mask in range(1 << max(n - 1, 0)):
            sx = sy = sz = 0.0
            for a in range(n):
                sign = 1.0 if (mask >> a) & 1 else -1.0
                sx += sign * px[idx[a]]
                sy += sign * py[idx[a]]
                sz += sign * pz[idx[a]]
            norm2 = sx * sx + sy * sy + sz * sz
            if norm2 > best:
                best, ax, ay, az = norm2, sx, sy, sz
        thrust[i] = np.sqrt(best) / total if total > 0 else 0.0
        plus = n_tracks = 0
        last_plus = last_minus = -1
        for a in range(n):
            j = idx[a]
            if is_track[j]:
                n_tracks += 1
                if px[j] * ax + py[j] * ay + pz[j] * az > 0:
                    plus += 1
                    last_plus = j
                else:
                    last_minus = j
        n_side[i] = plus
        lone[i] = -1
        if n_tracks == 4:
            lone[i] = last_plus if plus == 1 else (last_minus if plus == 3 else -1)


@range_kernel("offsets")
def event_momenta(begin, end, offsets, good, use, tpx, tpy, tpz, dep_E, dep_theta, dep_phi, m_pi2, boost, cm, miss):
    """Per particle: the c.m. (px, py, pz, E) (boost: objects.cm_boost_matrix) of its lab momentum as
    a good track of pion mass (m_pi2: its square), otherwise from its ECL deposit as a photon (no
    deposit: zero); per event: the missing lab momentum, minus the sum over ``use``."""
    for i in range(begin, end):
        mx = my = mz = 0.0
        for j in range(offsets[i], offsets[i + 1]):
            if good[j]:
                x, y, z = nan_to_num(tpx[j]), nan_to_num(tpy[j]), nan_to_num(tpz[j])
                e = np.sqrt(x * x + y * y + z * z + m_pi2)
            else:
                e = np.float64(dep_E[j])
                theta, phi = nan_to_num(dep_theta[j]), nan_to_num(dep_phi[j])
                st = np.sin(theta)
                x, y, z = e * st * np.cos(phi), e * st * np.sin(phi), e * np.cos(theta)
            for r in range(4):
                cm[r, j] = matrix_row_times(boost, r, x, y, z, e)
            if use[j]:
                mx += x
                my += y
                mz += z
        miss[0, i], miss[1, i], miss[2, i] = -mx, -my, -mz


@range_kernel("lone")
def tag_side(begin, end, idx, lone, px, py, pz, dep_E, cm, pt_cuts, eop_ok, pt_ok, hadrons, mass):
    """Per event, over its four tracks but the signal one (lone[i]; none if -1, then particle 0 is
    the signal slot): E_ECL/p <= 0.8 for all of them, their three lowest pT above pt_cuts (sorted),
    and the summed c.m. four-momentum (E, px, py, pz) of the tag side in ``hadrons``, summed in
    track order as numpy's sum over the four slots (masked slots adding 0), and its mass
    (sqrt(max(E^2 - p^2, 0)) as NumPy's expression: NaN stays NaN, as np.maximum keeps it)."""
    pts = np.empty(4)
    for i in range(begin, end):
        sig = max(lone[i], 0)
        ok = True
        h0 = h1 = h2 = h3 = 0.0
        for k in range(4):
            j = idx[i, k]
            if j == sig:
                pts[k] = np.inf
                w0 = w1 = w2 = w3 = 0.0
            else:
                x, y, z = nan_to_num(px[j]), nan_to_num(py[j]), nan_to_num(pz[j])
                ok = ok and np.float64(dep_E[j]) / np.sqrt(x * x + y * y + z * z) <= 0.8
                pts[k] = np.hypot(x, y)
                w0, w1, w2, w3 = cm[3, j], cm[0, j], cm[1, j], cm[2, j]
            if k == 0:
                h0, h1, h2, h3 = w0, w1, w2, w3
            else:
                h0, h1, h2, h3 = h0 + w0, h1 + w1, h2 + w2, h3 + w3
        eop_ok[i] = ok
        for a in range(1, 4):  # insertion sort, ascending
            v = pts[a]
            b = a
            while b > 0 and pts[b - 1] > v:
                pts[b] = pts[b - 1]
                b -= 1
            pts[b] = v
        pt_ok[i] = pts[0] > pt_cuts[0] and pts[1] > pt_cuts[1] and pts[2] > pt_cuts[2]
        hadrons[0, i], hadrons[1, i], hadrons[2, i], hadrons[3, i] = h0, h1, h2, h3
        m2 = h0 * h0 - h1 * h1 - h2 * h2 - h3 * h3
        mass[i] = np.sqrt(0.0 if m2 < 0.0 else m2)


@range_kernel(lambda lep, which, *rest: which.shape[0])
def _energy_in_tau_frame(begin, end, lep, which, hadrons, m_l, b_tau, out):
    """out[i]: energy of the lepton (c.m. momentum lep[:, which[i]], mass m_l) boosted by b_tau
    along the unit vector of hadrons[:, i]: vector's boost_beta3 (momentum with a mass) and its
    energy, operation for operation (the numbers of the vector expression it replaces, to the bit)."""
    tau2 = np.copysign(m_l * m_l, m_l)
    for i in range(begin, end):
        hx, hy, hz = hadrons[0, i], hadrons[1, i], hadrons[2, i]
        norm = np.sqrt(hx * hx + hy * hy + hz * hz)
        bx, by, bz = hx / norm * b_tau, hy / norm * b_tau, hz / norm * b_tau
        j = which[i]
        x, y, z = lep[0, j], lep[1, j], lep[2, j]
        tee = np.sqrt(max(tau2 + (x * x + y * y + z * z), 0.0))
        xp, yp, zp = boost_as_vector(x, y, z, tee, bx, by, bz)
        out[i] = np.sqrt(max(tau2 + (xp * xp + yp * yp + zp * zp), 0.0))


def lepton_energy_in_tau_frame(card, lepton_pdg, lepton_cm, three_prong_cm, which=None):
    """E*_l in the tau pseudo-rest frame: the signal tau has E = sqrt(s)/2 and flies along minus
    the three-prong c.m. momentum (ISR neglected, as the paper does). Arguments are (px, py, pz)
    rows in the c.m. frame, of the lepton and the three prongs of each event, or with ``which``
    the lepton of event i is column which[i] of lepton_cm (no gathered copy); returns (E*_l, the
    two-body value for m_alpha as a function)."""
    m_tau, m_l = pdgdata.mass_GeV(15), pdgdata.mass_GeV(lepton_pdg)
    b_tau = np.sqrt(1 - (2 * m_tau / card.beams.sqrt_s_GeV) ** 2)
    lep = np.ascontiguousarray(lepton_cm, dtype=np.float64)
    hadrons = np.ascontiguousarray(three_prong_cm, dtype=np.float64)
    which = np.arange(hadrons.shape[1]) if which is None else np.ascontiguousarray(which, dtype=np.int64)
    e_star = np.empty(hadrons.shape[1])
    _energy_in_tau_frame(lep, which, hadrons, float(m_l), float(b_tau), e_star)
    return e_star, lambda m_alpha: (m_tau**2 + m_l**2 - m_alpha**2) / (2 * m_tau)


def select_2212_03634(batch, chunk, card, params):
    with np.errstate(all="ignore"):
        lepton = int(params["lepton_pdg"])
        pt_cuts, thrust_range, e3h_range, m3h_range = CUTS[lepton]
        t, d = chunk.tracks, chunk.deposits
        good = obj.good_tracks(chunk, 1.0, 3.0)
        index, count, net = obj.gather(batch, chunk, good, 4)
        idx = np.maximum(index, 0)
        n = batch.n_particles
        ecl = card.doc["ecl_charged"]
        photon = np.empty(n, dtype=np.bool_)
        lo, hi = np.radians(card.doc["tracking"]["polar_acceptance_deg"])
        photon_flags(batch.offsets, d.is_cluster, t.found, d.energy_GeV, d.theta_rad, d.phi_rad,
                     np.array([ecl["barrel_radius_cm"], ecl["forward_endcap_z_cm"], ecl["backward_endcap_z_cm"]]),
                     lo, hi, photon)
        n_pi0, n_extra = np.empty(len(batch), dtype=np.int64), np.empty(len(batch), dtype=np.int64)
        photon_counts(batch.offsets, photon, d.energy_GeV, d.theta_rad, d.phi_rad, 0.115, 0.152, n_pi0, n_extra)
        # c.m. momenta of good tracks (pion mass) and photons, one array over all particles, and
        # the missing momentum: minus the sum of all reconstructed particles (lab)
        use = good | photon
        cm, miss = np.empty((4, n)), np.empty((3, len(batch)))
        event_momenta(batch.offsets, good, use, t.px, t.py, t.pz, d.energy_GeV, d.theta_rad, d.phi_rad,
                      pdgdata.mass_GeV(211) ** 2, obj.cm_boost_matrix(card), cm, miss)
        cx, cy, cz = cm[0], cm[1], cm[2]
        thrust, n_side, lone = (np.empty(len(batch)), np.empty(len(batch), dtype=np.int64),
                                np.empty(len(batch), dtype=np.int64))
        thrust_3x1(batch.offsets, cx, cy, cz, use, good, thrust, n_side, lone)
        sig = np.maximum(lone, 0)
        ident = (t.electron_id if lepton == 11 else t.muon_id)[sig]
        eop_ok, pt_ok = np.empty(len(batch), dtype=np.bool_), np.empty(len(batch), dtype=np.bool_)
        # three-hadron system (c.m., pion mass) and its mass
        hadrons, m3h = np.empty((4, len(batch))), np.empty(len(batch))
        tag_side(idx, lone, t.px, t.py, t.pz, d.energy_GeV, cm, np.array(pt_cuts, dtype=np.float64), eop_ok, pt_ok,
                 hadrons, m3h)
        theta_miss = obj.polar_deg(*miss)
        e_star, two_body = lepton_energy_in_tau_frame(card, lepton, cm[:3], hadrons[1:], which=sig)
        expected = two_body(params["mass_GeV"])
        name = "e" if lepton == 11 else "mu"
        return {
            "exactly four tracks (|dz| < 3 cm, dr < 1 cm), zero charge": (count == 4) & (net == 0),
            "3x1 topology in the thrust hemispheres (c.m.)": lone >= 0,
            f"signal track identified as {name}": ident,
            "tag-side tracks E_ECL/p <= 0.8": eop_ok,
            "no pi0 candidate (115-152 MeV)": n_pi0 == 0,
            "no other photon above 0.2 GeV": n_extra == 0,
            "tag-side pT above %s GeV (sorted)" % ", ".join(f"{c:g}" for c in pt_cuts): pt_ok,
            "thrust in [%g, %g]" % thrust_range: (thrust >= thrust_range[0]) & (thrust <= thrust_range[1]),
            "missing-momentum polar angle in [20, 160] deg": (theta_miss >= 20.0) & (theta_miss <= 160.0),
            "E*_3h in [%g, %g] GeV" % e3h_range: (hadrons[0] >= e3h_range[0]) & (hadrons[0] <= e3h_range[1]),
            "M_3h in [%g, %g] GeV" % m3h_range: (m3h >= m3h_range[0]) & (m3h <= m3h_range[1]),
            "E*_l within +-%g GeV of the two-body value" % params["estar_window_GeV"]:
                np.abs(e_star - expected) < params["estar_window_GeV"],
        }
