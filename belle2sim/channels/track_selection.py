"""Helpers of charged-track selections: gather each event's reconstructed tracks, extra ECL
energy, invariant and recoil masses with their resolution predicted from the card.

Predicted widths come from linear propagation of the track resolution of the card
(sigma(pT)/pT = a pT (+) b/beta, sigma_theta, sigma_phi) and of the beam-energy spread (for
recoil masses); selections cut in units of this per-event width, and tests check that the
reconstructed peaks have it.
"""

import numpy as np

from belle2sim._jit import range_kernel


@range_kernel("offsets")
def gather_tracks(begin, end, offsets, found, charge, n_max, index, count, net_charge):
    """index[i, :n_max] = particle indices of event i's first tracks; count[i] = all tracks."""
    for i in range(begin, end):
        c = 0
        q = 0.0
        for j in range(offsets[i], offsets[i + 1]):
            if found[j]:
                if c < n_max:
                    index[i, c] = j
                c += 1
                q += charge[j]
        for k in range(min(c, n_max), n_max):
            index[i, k] = -1
        count[i] = c
        net_charge[i] = q


@range_kernel("offsets")
def extra_energy(begin, end, offsets, is_cluster, dep_E, found, out):
    """Sum of ECL cluster energy (lab) not made by a reconstructed track's particle."""
    for i in range(begin, end):
        e = 0.0
        for j in range(offsets[i], offsets[i + 1]):
            if is_cluster[j] and not found[j]:
                e += dep_E[j]
        out[i] = e


def track_arrays(batch, chunk, n_max):
    """(index (n, n_max), track count, net charge) of the reconstructed tracks."""
    n = len(batch)
    index = np.empty((n, n_max), dtype=np.int64)
    count = np.empty(n, dtype=np.int64)
    net = np.empty(n)
    gather_tracks(batch.offsets, chunk.tracks.found, chunk.charge, n_max, index, count, net)
    return index, count, net


def fourvectors(tracks, idx, mass):
    """(E, px, py, pz) arrays of reconstructed tracks idx (any shape) for a mass hypothesis."""
    px, py, pz = tracks.px[idx], tracks.py[idx], tracks.pz[idx]
    return np.sqrt(px**2 + py**2 + pz**2 + mass**2), px, py, pz


def _momentum_covariance_terms(tracks, idx, mass, card):
    """Per track: dp-vector errors as three independent components (pT, theta, phi)."""
    t = card.doc["tracking"]
    a, b = t["pt_resolution"]
    px, py, pz = tracks.px[idx], tracks.py[idx], tracks.pz[idx]
    pt = np.hypot(px, py)
    p = np.sqrt(pt**2 + pz**2)
    beta = p / np.sqrt(p**2 + mass**2)
    s_pt = pt * np.sqrt((a * pt) ** 2 + (b / beta) ** 2)
    phi = np.arctan2(py, px)
    theta = np.arctan2(pt, pz)
    # derivatives of (px, py, pz) with respect to pT, theta, phi
    d_pt = np.stack([np.cos(phi), np.sin(phi), 1 / np.tan(theta)]) * s_pt
    d_th = np.stack([0 * pt, 0 * pt, -pt / np.sin(theta) ** 2]) * t["theta_resolution_rad"]
    d_ph = np.stack([-pt * np.sin(phi), pt * np.cos(phi), 0 * pt]) * t["phi_resolution_rad"]
    return d_pt, d_th, d_ph


def track_terms(tracks, idx, mass, card):
    """(four-vectors, momentum error components) of tracks idx for a mass hypothesis: what the
    mass functions below need of each track, made once where several systems share a track
    (the four pairings of four muons share each track twice)."""
    return fourvectors(tracks, idx, mass), _momentum_covariance_terms(tracks, idx, mass, card)


def _terms_of_tracks(tracks, idx_list, mass, card):
    masses = mass if isinstance(mass, (list, tuple)) else [mass] * len(idx_list)
    return [track_terms(tracks, idx, m, card) for idx, m in zip(idx_list, masses)]


def mass_squared_and_sigma(tracks, idx_list, mass, card, total=None, per_track=None):
    """m^2 of the sum of tracks (or of ``total`` minus them: the recoil) and its predicted
    sigma(m^2). idx_list: list of index arrays (one per track in the system); ``mass`` is the
    mass hypothesis, one for all tracks or a list with one entry (scalar or array) per track;
    ``per_track``: their :func:`track_terms`, if already made. Slots of events without enough
    tracks hold meaningless numbers (the track-count cut removes them), so floating-point warnings
    are silenced here."""
    with np.errstate(all="ignore"):
        m2, comps = _m2_error_components(tracks, idx_list, mass, card, total, per_track)
        return m2, np.sqrt(sum(c * c for c in comps))


def _m2_error_components(tracks, idx_list, mass, card, total, per_track=None):
    """m^2 and its independent error components: for each track its (pT, theta, phi) terms,
    then the two beam-energy terms (zero without ``total``); sigma^2 = sum of squares, and two
    systems built from the same tracks have covariance sum(a_k b_k)."""
    if per_track is None:
        per_track = _terms_of_tracks(tracks, idx_list, mass, card)
    comps = [four for four, _ in per_track]
    E = sum(c[0] for c in comps)
    P = [sum(c[k] for c in comps) for k in (1, 2, 3)]
    sign = 1.0
    if total is not None:
        E = total[0] - E
        P = [total[k] - P[k - 1] for k in (1, 2, 3)]
        sign = -1.0
    m2 = E**2 - P[0] ** 2 - P[1] ** 2 - P[2] ** 2
    out = []
    for c, (_, terms) in zip(comps, per_track):
        # d m^2 / d p_vec of this track = 2 sign (E p_vec/E_i - P_vec)
        grad = [2 * sign * (E * c[k + 1] / c[0] - P[k]) for k in range(3)]
        for d in terms:
            out.append(grad[0] * d[0] + grad[1] * d[1] + grad[2] * d[2])
    zero = np.zeros_like(m2)
    if total is not None:
        beams = card.doc["beams"]
        # beam-energy spread: d m^2 = 2 (E dE_tot - P_z dP_z), HER along +z, LER along -z
        out.append(2 * (E - P[2]) * beams["her_energy_spread_GeV"])
        out.append(2 * (E + P[2]) * beams["ler_energy_spread_GeV"])
    else:
        out += [zero, zero]
    return m2, out


def pair_and_recoil_covariance(tracks, idx_list, mass, card, total):
    """(m2, recoil m2, sigma(m2), sigma(recoil m2), covariance) of a track system and the
    system recoiling against it, from the same linear error propagation."""
    with np.errstate(all="ignore"):
        per_track = _terms_of_tracks(tracks, idx_list, mass, card)
        a, ca = _m2_error_components(tracks, idx_list, mass, card, None, per_track)
        b, cb = _m2_error_components(tracks, idx_list, mass, card, total, per_track)
        return (a, b, np.sqrt(sum(x * x for x in ca)), np.sqrt(sum(x * x for x in cb)),
                sum(x * y for x, y in zip(ca, cb)))


def nominal_total(card, n):
    """Nominal beam four-momentum (E, px, py, pz) repeated for n events."""
    px, py, pz, E = card.beams.total_fourvector
    return tuple(np.full(n, v) for v in (E, px, py, pz))
