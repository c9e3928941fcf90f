"""Helpers of charged-track selections: gather each event's reconstructed tracks, extra ECL
energy, invariant and recoil masses with their resolution predicted from the card.

Predicted widths come from linear propagation of the track resolution of the card
(sigma(pT)/pT = a pT (+) b/beta, sigma_theta, sigma_phi) and of the beam-energy spread (for
recoil masses); selections cut in units of this per-event width, and tests check that the
reconstructed peaks have it.

Masses and widths are computed in kernels, in float64 from the stored float32 track momenta, with
basic arithmetic only (the same bits on every machine). Until 2026-11 they were NumPy expressions
on the float32 arrays: the rounding of E^2 - p^2 in float32 moved m^2 by up to 1e-2 of its
predicted width (median 1e-5), about one event in 1e5 across a window edge.
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


@range_kernel("idx")
def _sorted_by_charge(begin, end, charge, idx, out):
    """out[i] = idx[i] stably sorted by the tracks' charges (insertion sort: equal charges keep
    their order, as numpy's stable argsort)."""
    for i in range(begin, end):
        for k in range(idx.shape[1]):
            j = idx[i, k]
            q = charge[j]
            m = k
            while m > 0 and charge[out[i, m - 1]] > q:
                out[i, m] = out[i, m - 1]
                m -= 1
            out[i, m] = j


def opposite_sign_order(chunk, idx):
    """Track indices (n, K) of each event reordered by charge: the negative tracks first (stably:
    the order of the tracks within each sign is kept, as numpy's stable argsort)."""
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    out = np.empty(idx.shape, dtype=np.int64)
    _sorted_by_charge(chunk.charge, idx, out)
    return out


# rows of the terms of one track (track_terms): its four-vector, then the derivatives of its
# momentum vector (x, y, z) times the resolution in pT, in theta and in phi
T_E, T_PX, T_PY, T_PZ, T_PT, T_THETA, T_PHI = 0, 1, 2, 3, 4, 7, 10
N_TERMS = 13


@range_kernel("index")
def _track_terms(begin, end, px, py, pz, index, mass, a, b, s_theta, s_phi, out):
    """out[k, :, i]: the terms of track index[i, k] with mass hypothesis mass[i, k] (float64 from
    the stored float32 momenta). Written with cos phi = px/pT, cot theta = pz/pT, sin theta = pT/p:
    basic arithmetic only, so every machine gets the same bits (NumPy's trigonometry is
    vectorised differently per CPU)."""
    for k in range(index.shape[1]):
        o = out[k]
        for i in range(begin, end):
            j = index[i, k]
            x, y, z = np.float64(px[j]), np.float64(py[j]), np.float64(pz[j])
            m = mass[i, k]
            pt2 = x * x + y * y
            p2 = pt2 + z * z
            e = np.sqrt(p2 + m * m)
            pt = np.sqrt(pt2)
            beta = np.sqrt(p2) / e
            s_pt = pt * np.sqrt((a * pt) ** 2 + (b / beta) ** 2)  # sigma(pT)/pT = a pT (+) b/beta
            o[T_E, i], o[T_PX, i], o[T_PY, i], o[T_PZ, i] = e, x, y, z
            f = s_pt / pt  # d p_vec / d pT = (cos phi, sin phi, cot theta)
            o[T_PT, i], o[T_PT + 1, i], o[T_PT + 2, i] = x * f, y * f, z * f
            # d p_vec / d theta = (0, 0, -pT / sin^2 theta); d p_vec / d phi = (-py, px, 0)
            o[T_THETA, i], o[T_THETA + 1, i], o[T_THETA + 2, i] = 0.0, 0.0, -p2 / pt * s_theta
            o[T_PHI, i], o[T_PHI + 1, i], o[T_PHI + 2, i] = -y * s_phi, x * s_phi, 0.0


def per_event_tracks(idx_list, mass):
    """(index, mass) as (n, K) arrays of K tracks per event: ``idx_list`` a list of K index arrays
    or an (n, K) array; ``mass`` one hypothesis for all, a list of K (scalars or arrays of n), or
    an (n, K) array."""
    if isinstance(idx_list, np.ndarray) and idx_list.ndim == 2:
        index = np.ascontiguousarray(idx_list, dtype=np.int64)
    else:
        index = np.stack([np.asarray(i, dtype=np.int64) for i in idx_list], axis=1)
    m = np.empty(index.shape)
    if isinstance(mass, (list, tuple)):
        for k, mk in enumerate(mass):
            m[:, k] = mk
    else:
        m[...] = mass
    return index, m


def track_terms(tracks, idx_list, mass, card):
    """(K, N_TERMS, n) float64: the four-vector and momentum error terms of K tracks per event
    (idx_list and mass as :func:`per_event_tracks` takes them): what the mass functions below
    need of each track, made once where several systems share a track (the four pairings of
    four muons share each track twice)."""
    t = card.doc["tracking"]
    a, b = t["pt_resolution"]
    index, m = per_event_tracks(idx_list, mass)
    out = np.empty((index.shape[1], N_TERMS, index.shape[0]))
    _track_terms(tracks.px, tracks.py, tracks.pz, index, m, float(a), float(b),
                 float(t["theta_resolution_rad"]), float(t["phi_resolution_rad"]), out)
    return out


@range_kernel(lambda terms, *rest: terms.shape[2])
def _system_mass(begin, end, terms, members, total, spreads, m2_out, sigma, comps):
    """m^2 of the sum of tracks ``members`` (rows of ``terms``), or with total.shape[0] == 4 of
    ``total`` (one column per event, or one for all) minus them (the recoil), and its predicted
    sigma by linear propagation: per track its (pT, theta, phi) terms, then the two beam-energy
    terms (spreads: HER, LER; recoil only); sigma^2 = their sum of squares. comps (if it has rows):
    the components, for covariances. (Written out in the loop: as a helper called per event, which
    counted its five arrays in and out per call, a pair took 62 ns per event, 19 without the
    counting, here 13: benchmarks/bench_track_systems.py.)"""
    recoil = total.shape[0] == 4
    sign = -1.0 if recoil else 1.0
    keep = comps.shape[0] > 0
    for i in range(begin, end):
        e = x = y = z = 0.0
        for m in range(members.shape[0]):
            k = members[m]
            e += terms[k, T_E, i]
            x += terms[k, T_PX, i]
            y += terms[k, T_PY, i]
            z += terms[k, T_PZ, i]
        if recoil:
            col = i if total.shape[1] > 1 else 0  # (one column: the nominal beams of every event)
            e, x, y, z = total[0, col] - e, total[1, col] - x, total[2, col] - y, total[3, col] - z
        m2 = e * e - x * x - y * y - z * z
        s2 = 0.0
        c = 0
        for m in range(members.shape[0]):
            k = members[m]
            # d m^2 / d p_vec of this track = 2 sign (E p_vec / E_k - P_vec)
            ek = terms[k, T_E, i]
            gx = 2.0 * sign * (e * terms[k, T_PX, i] / ek - x)
            gy = 2.0 * sign * (e * terms[k, T_PY, i] / ek - y)
            gz = 2.0 * sign * (e * terms[k, T_PZ, i] / ek - z)
            for r in (T_PT, T_THETA, T_PHI):
                d = gx * terms[k, r, i] + gy * terms[k, r + 1, i] + gz * terms[k, r + 2, i]
                s2 += d * d
                if keep:
                    comps[c, i] = d
                c += 1
        # beam-energy spread: d m^2 = 2 (E dE_tot - P_z dP_z), HER along +z, LER along -z
        her = 2.0 * (e - z) * spreads[0] if recoil else 0.0
        ler = 2.0 * (e + z) * spreads[1] if recoil else 0.0
        s2 += her * her + ler * ler
        if keep:
            comps[c, i], comps[c + 1, i] = her, ler
        m2_out[i] = m2
        sigma[i] = np.sqrt(s2)


@range_kernel(lambda m2, *rest: m2.shape[1])
def _pairings_in_window(begin, end, m2, sigma, pairings, centre_m2, n_sigma, good):
    """good[i]: some pairing (a row of ``pairings``: rows of m2 and sigma, one per pair) has every
    pair's m^2 within n_sigma sigma of centre_m2."""
    for i in range(begin, end):
        found = False
        for q in range(pairings.shape[0]):
            every = True
            for r in range(pairings.shape[1]):
                p = pairings[q, r]
                every = every and abs(m2[p, i] - centre_m2) < n_sigma * sigma[p, i]
            found = found or every
        good[i] = found


def pairings_in_window(terms, pairings, centre_m2, n_sigma, card):
    """Per event: does one of ``pairings`` (each a tuple of pairs of rows of :func:`track_terms`)
    put every pair's mass^2 within n_sigma predicted sigmas of centre_m2? The test
    ``|m^2 - centre| < n_sigma sigma`` of :func:`mass_squared_and_sigma` on each pair (each pair's
    mass made once)."""
    pairs = sorted({pair for pairing in pairings for pair in pairing})
    rows = np.array([[pairs.index(pair) for pair in pairing] for pairing in pairings], dtype=np.int64)
    n = terms.shape[2]
    m2, sigma = np.empty((len(pairs), n)), np.empty((len(pairs), n))
    for p, pair in enumerate(pairs):
        m2[p], sigma[p] = mass_squared_and_sigma(None, None, None, card, terms=terms, members=pair)
    good = np.empty(n, dtype=np.bool_)
    _pairings_in_window(m2, sigma, rows, float(centre_m2), float(n_sigma), good)
    return good


def _system(tracks, idx_list, mass, card, total, terms, members, components):
    if terms is None:
        terms = track_terms(tracks, idx_list, mass, card)
        members = range(terms.shape[0])
    members = np.array(members, dtype=np.int64)
    n = terms.shape[2]
    tot = np.empty((0, 1)) if total is None else _total_columns(total, n)
    spreads = _beam_spreads(card)
    m2, sigma = np.empty(n), np.empty(n)
    comps = np.empty((3 * len(members) + 2 if components else 0, n))
    _system_mass(terms, members, tot, spreads, m2, sigma, comps)
    return m2, sigma, comps


def _beam_spreads(card):
    """(HER, LER) beam-energy spreads [GeV] for the recoil's width."""
    beams = card.doc["beams"]
    return np.array([beams["her_energy_spread_GeV"], beams["ler_energy_spread_GeV"]], dtype=np.float64)


def _total_columns(total, n):
    """(4, n) float64 of a total four-momentum (E, px, py, pz) per event, or (4, 1) where each
    component is one value for all events (a scalar, or a broadcast as :func:`nominal_total`
    makes): no copy of the beams for every event."""
    parts = [np.asarray(c, dtype=np.float64) for c in total]
    if all(c.ndim == 0 or c.strides == (0,) for c in parts):
        return np.array([[float(c.flat[0])] for c in parts])
    return np.array([np.broadcast_to(c, n) for c in parts], dtype=np.float64)


@range_kernel(lambda a, b, out: out.shape[0])
def _column_dots(begin, end, a, b, out):
    """out[i] = sum over rows r of a[r, i] b[r, i], added in row order from row 0 (NumPy's
    (a * b).sum(axis=0) on C-ordered rows, to the bit)."""
    for i in range(begin, end):
        s = a[0, i] * b[0, i]
        for r in range(1, a.shape[0]):
            s += a[r, i] * b[r, i]
        out[i] = s


def mass_squared_and_sigma(tracks, idx_list, mass, card, total=None, terms=None, members=None):
    """m^2 of the sum of tracks (or of ``total`` minus them: the recoil) and its predicted
    sigma(m^2). idx_list: the system's tracks, a list of index arrays (one per track) or an (n, K)
    array; ``mass``: the mass hypothesis (:func:`per_event_tracks`); ``terms``, ``members``: the
    :func:`track_terms` of a set of tracks, if already made, and the rows of the system's tracks
    in it (then idx_list and mass are not used). Slots of events without enough tracks hold
    meaningless numbers (the track-count cut removes them)."""
    m2, sigma, _ = _system(tracks, idx_list, mass, card, total, terms, members, False)
    return m2, sigma


def pair_and_recoil_covariance(tracks, idx_list, mass, card, total):
    """(m2, recoil m2, sigma(m2), sigma(recoil m2), covariance) of a track system and the
    system recoiling against it, from the same linear error propagation (two systems built from
    the same tracks have covariance sum(a_k b_k) over their error components)."""
    terms = track_terms(tracks, idx_list, mass, card)
    members = range(terms.shape[0])
    a, s_a, ca = _system(tracks, idx_list, mass, card, None, terms, members, True)
    b, s_b, cb = _system(tracks, idx_list, mass, card, total, terms, members, True)
    cov = np.empty(len(a))
    _column_dots(ca, cb, cov)
    return a, b, s_a, s_b, cov


def nominal_total(card, n):
    """Nominal beam four-momentum (E, px, py, pz) for n events (read-only broadcasts of one value)."""
    px, py, pz, E = card.beams.total_fourvector
    return tuple(np.broadcast_to(np.float64(v), n) for v in (E, px, py, pz))
