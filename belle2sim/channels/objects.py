"""Analysis objects shared by the published selections: good tracks, photons, recoil systems.

* good track: a found track with |d0| and |z0| below the analysis's cuts (the papers' "distance
  of closest approach" projections).
* photon: an offline ECL cluster above the analysis's energy threshold whose particle is not a
  reconstructed track ("not associated with any track").
* recoil: nominal beam four-momentum minus the selected tracks; c.m. quantities use the
  nominal boost of the card (as the papers do with "the knowledge of the initial-state
  momentum").
"""

import numpy as np

from belle2sim._data_cache import computed_once
from belle2sim._jit import inline, range_kernel
from belle2sim.channels.track_selection import gather_tracks, per_event_tracks
from belle2sim.kinematics import boost, matrix_row_times, polar_angle_deg


_DOUBLE_MAX = float(np.finfo(np.float64).max)  # what np.nan_to_num puts for +inf


@inline
def nan_to_num(x):
    """np.nan_to_num of one number, as float64: NaN -> 0, infinities -> the largest finite doubles."""
    x = np.float64(x)
    if np.isnan(x):
        return 0.0
    if np.isinf(x):
        return _DOUBLE_MAX if x > 0 else -_DOUBLE_MAX
    return x


def good_tracks(chunk, d0_max_cm, z0_max_cm):
    """Per particle: a found track within the impact-parameter cuts."""
    t = chunk.tracks
    out = np.empty(len(t.found), dtype=np.bool_)
    _good_tracks(t.found, t.d0_cm, t.z0_cm, np.float32(d0_max_cm), np.float32(z0_max_cm), out)
    return out


@range_kernel("found", min_per_piece=4096)
def _good_tracks(begin, end, found, d0, z0, d0_max, z0_max, out):
    """out[j] = found[j] and |d0| < d0_max and |z0| < z0_max, compared in float32 as NumPy compares
    the float32 arrays with a Python float (NaN: not good)."""
    for j in range(begin, end):
        out[j] = found[j] & (abs(d0[j]) < d0_max) & (abs(z0[j]) < z0_max)


def gather(batch, chunk, good, n_max):
    """(index (n, n_max), count, net charge) of each event's good tracks."""
    n = len(batch)
    index = np.empty((n, n_max), dtype=np.int64)
    count = np.empty(n, dtype=np.int64)
    net = np.empty(n)
    gather_tracks(batch.offsets, good, chunk.charge, n_max, index, count, net)
    return index, count, net


def cm_boost_matrix(card):
    """The matrix of vector's boost from the lab to the nominal c.m. frame, m[row, column] with rows
    and columns (x, y, z, t): vector's boost_beta3 of the four unit four-vectors (each result holds
    one column exactly: the other terms of its sums are zeros). Made with ``vector`` on a
    machine's first run, then read from the disk cache (belle2sim/_data_cache.py)."""
    return card.cached("cm_boost_matrix", lambda: computed_once(
        "cm_boost_matrix", (np.asarray(card.beams.boost_vector, dtype=np.float64),), _boost_matrix)["matrix"])


def _boost_matrix(b):
    import vector

    unit = vector.array({"px": [1.0, 0.0, 0.0, 0.0], "py": [0.0, 1.0, 0.0, 0.0], "pz": [0.0, 0.0, 1.0, 0.0],
                         "E": [0.0, 0.0, 0.0, 1.0]})
    v = unit.boost_beta3(vector.obj(x=-b[0], y=-b[1], z=-b[2]))
    return {"matrix": np.array([np.asarray(v.px), np.asarray(v.py), np.asarray(v.pz), np.asarray(v.E)],
                               dtype=np.float64)}


@range_kernel("E")
def _transform(begin, end, m, E, px, py, pz, out):
    """out[:, i] = m (x, y, z, t) of four-vector i, each row summed in vector's order (x, y, z, t)."""
    for i in range(begin, end):
        x, y, z, t = px[i], py[i], pz[i], E[i]
        for r in range(4):
            out[r, i] = matrix_row_times(m, r, x, y, z, t)


def to_cm(card, E, px, py, pz):
    """Arrays (E, px, py, pz) boosted from the lab to the nominal c.m. frame: vector's boost
    (:func:`cm_boost_matrix`, the same numbers to the bit) applied in a kernel, not in ~20 NumPy
    passes under the GIL."""
    out = to_cm_rows(card, E, px, py, pz)
    return out[3], out[0], out[1], out[2]


def to_cm_rows(card, E, px, py, pz):
    """:func:`to_cm` as one (4, n) array with rows (px, py, pz, E)."""
    E, px, py, pz = (np.ascontiguousarray(np.broadcast_to(a, np.shape(E)), dtype=np.float64)
                     for a in (E, px, py, pz))
    out = np.empty((4, len(E)))
    _transform(cm_boost_matrix(card), E, px, py, pz, out)
    return out


@range_kernel("index")
def _system_fourvector(begin, end, px, py, pz, index, mass, out):
    """out[:, i] = (E, px, py, pz) of the sum of tracks index[i] with masses mass[i]
    (float64 from the stored float32 momenta, summed in track order)."""
    for i in range(begin, end):
        e = x = y = z = 0.0
        for k in range(index.shape[1]):
            j = index[i, k]
            tx, ty, tz = np.float64(px[j]), np.float64(py[j]), np.float64(pz[j])
            m = mass[i, k]
            e += np.sqrt(tx * tx + ty * ty + tz * tz + m * m)
            x += tx
            y += ty
            z += tz
        out[0, i], out[1, i], out[2, i], out[3, i] = e, x, y, z


def system(chunk, idx_list, masses):
    """Lab four-momentum (E, px, py, pz) of the sum of tracks: a list of K index arrays or an (n, K)
    array, masses as track_selection.per_event_tracks takes them."""
    t = chunk.tracks
    index, m = per_event_tracks(idx_list, masses)
    out = np.empty((4, index.shape[0]))
    _system_fourvector(t.px, t.py, t.pz, index, m, out)
    return out[0], out[1], out[2], out[3]


def recoil(card, E, px, py, pz):
    """Nominal beams minus a lab four-momentum."""
    bx, by, bz, bE = card.beams.total_fourvector
    return bE - E, bx - px, by - py, bz - pz


@range_kernel("px")
def _polar_deg(begin, end, px, py, pz, out):
    for i in range(begin, end):
        out[i] = polar_angle_deg(px[i], py[i], pz[i])


def polar_deg(px, py, pz):
    """Polar angle [deg] of float64 momenta in a parallel kernel, with libm's atan2 (as
    :func:`recoil_terms`: the same on every CPU; NumPy's SIMD arctan2 differs in the last bit on
    some)."""
    px, py, pz = (np.ascontiguousarray(a, dtype=np.float64) for a in (px, py, pz))
    out = np.empty(len(px))
    _polar_deg(px, py, pz, out)
    return out


@range_kernel("x")
def _hypot(begin, end, x, y, out):
    for i in range(begin, end):
        out[i] = np.hypot(x[i], y[i])


def transverse(x, y):
    """np.hypot(x, y) of float64 arrays (libm's hypot, as NumPy's: the same numbers) in a parallel
    kernel: NumPy's loop calls it element by element under the GIL (2 ms per 1e5 events)."""
    x, y = np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64)
    out = np.empty(len(x))
    _hypot(x, y, out)
    return out


@range_kernel("E")
def _recoil_terms(begin, end, total, m, E, px, py, pz, rec, theta_deg, ref_cm, pt_cm):
    """Per event the recoil (total - (E, px, py, pz), lab: rows of ``rec``), its polar angle in
    degrees (libm's atan2: the same on every CPU) and its c.m. momentum (``m``: :func:`to_cm`'s
    matrix) with its transverse part."""
    for i in range(begin, end):
        t, x, y, z = total[3] - E[i], total[0] - px[i], total[1] - py[i], total[2] - pz[i]
        rec[0, i], rec[1, i], rec[2, i], rec[3, i] = t, x, y, z
        theta_deg[i] = polar_angle_deg(x, y, z)
        cx = matrix_row_times(m, 0, x, y, z, t)
        cy = matrix_row_times(m, 1, x, y, z, t)
        ref_cm[i, 0], ref_cm[i, 1], ref_cm[i, 2] = cx, cy, matrix_row_times(m, 2, x, y, z, t)
        pt_cm[i] = np.hypot(cx, cy)


def recoil_terms(card, E, px, py, pz):
    """(recoil (E, px, py, pz) against a lab four-momentum, its polar angle [deg], its c.m.
    momentum (n, 3), its c.m. transverse momentum): :func:`recoil`, :func:`polar_deg`, :func:`to_cm`
    and the c.m. pT in one kernel."""
    n = len(E)
    rec, theta, ref, pt = np.empty((4, n)), np.empty(n), np.empty((n, 3)), np.empty(n)
    _recoil_terms(np.array(card.beams.total_fourvector, dtype=np.float64), cm_boost_matrix(card),
                  *(np.ascontiguousarray(a, dtype=np.float64) for a in (E, px, py, pz)), rec, theta, ref, pt)
    return (rec[0], rec[1], rec[2], rec[3]), theta, ref, pt


@range_kernel("offsets")
def photon_summary(begin, end, offsets, is_cluster, found, dep_E, dep_theta, dep_phi, e_min, boost_cm, ref_cm,
                   pi0_lo, pi0_hi, total_E, n_pi0, max_cos_ref, sum_cm):
    """Per event, over photons (clusters above e_min not made by a reconstructed track):
    total lab energy, number of photon pairs with mass in [pi0_lo, pi0_hi], the largest cosine
    of the c.m. angle between a photon and ref_cm[i] (a c.m. direction; -2 if no photon), and
    the summed c.m. four-momentum (E, px, py, pz) of all photons. NaN in ref_cm counts as 0 (no
    direction), as np.nan_to_num makes it."""
    bx, by, bz = -boost_cm[0], -boost_cm[1], -boost_cm[2]
    for i in range(begin, end):
        start, stop = offsets[i], offsets[i + 1]
        e_tot = 0.0
        best = -2.0
        sE = sx = sy = sz = 0.0
        npi = 0
        rx, ry, rz = nan_to_num(ref_cm[i, 0]), nan_to_num(ref_cm[i, 1]), nan_to_num(ref_cm[i, 2])
        rn = np.sqrt(rx ** 2 + ry ** 2 + rz ** 2)
        for j in range(start, stop):
            if not is_cluster[j] or found[j] or dep_E[j] < e_min:
                continue
            e = dep_E[j]
            st = np.sin(dep_theta[j])
            x, y, z = e * st * np.cos(dep_phi[j]), e * st * np.sin(dep_phi[j]), e * np.cos(dep_theta[j])
            e_tot += e
            cx, cy, cz, ce = boost(x, y, z, e, bx, by, bz)
            sE += ce
            sx += cx
            sy += cy
            sz += cz
            if rn > 0.0:
                c = (cx * rx + cy * ry + cz * rz) / (ce * rn)
                best = max(best, c)
            for k in range(j + 1, stop):
                if not is_cluster[k] or found[k] or dep_E[k] < e_min:
                    continue
                ek = dep_E[k]
                sk = np.sin(dep_theta[k])
                cos_a = (st * sk * np.cos(dep_phi[j] - dep_phi[k])
                         + np.cos(dep_theta[j]) * np.cos(dep_theta[k]))
                m = np.sqrt(max(2.0 * e * ek * (1.0 - cos_a), 0.0))
                if pi0_lo <= m <= pi0_hi:
                    npi += 1
        total_E[i] = e_tot
        n_pi0[i] = npi
        max_cos_ref[i] = best
        sum_cm[i, 0] = sE
        sum_cm[i, 1] = sx
        sum_cm[i, 2] = sy
        sum_cm[i, 3] = sz


def photons(batch, chunk, card, e_min_GeV, ref_cm=None, pi0_window_GeV=(0.0, -1.0)):
    """Photon summary of each event (see :func:`photon_summary`); ref_cm: (n, 3) c.m. directions."""
    n = len(batch)
    ref = np.zeros((n, 3)) if ref_cm is None else np.ascontiguousarray(ref_cm, dtype=np.float64)
    total, n_pi0, max_cos = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n)
    sum_cm = np.empty((n, 4))
    d = chunk.deposits
    photon_summary(batch.offsets, d.is_cluster, chunk.tracks.found, d.energy_GeV, d.theta_rad, d.phi_rad,
                   float(e_min_GeV), card.beams.boost_vector, ref, float(pi0_window_GeV[0]),
                   float(pi0_window_GeV[1]), total, n_pi0, max_cos, sum_cm)
    return total, n_pi0, max_cos, sum_cm


def vertex_mass_window(tracks, vertices, parent_idx, daughter_idx, mass_GeV, n_sigma, card):
    """Vertices at ``parent_idx`` whose mass lies within n_sigma predicted resolutions of mass_GeV.
    The resolution is the two daughters' pT resolution (card: a pT (+) b), sigma_M = M/2 (+) over
    the daughters, plus 0.1 MeV [OURS: a two-body estimate, angles neglected]."""
    a, b = card.doc["tracking"]["pt_resolution"]
    daughters = np.ascontiguousarray(np.stack([np.asarray(k, dtype=np.int64) for k in daughter_idx], axis=1))
    out = np.empty(len(parent_idx), dtype=np.bool_)
    _vertex_mass_window(tracks.px, tracks.py, vertices.mass_GeV, np.ascontiguousarray(parent_idx, dtype=np.int64),
                        daughters, float(a), float(b) ** 2, 0.5 * mass_GeV, float(mass_GeV), float(n_sigma), out)
    return out


@range_kernel("parent")
def _vertex_mass_window(begin, end, px, py, mass, parent, daughters, a, b2, half_mass, mass_GeV, n_sigma, out):
    """:func:`vertex_mass_window` per vertex: missing tracks (NaN momenta) count as pT = 0, a
    vertex without a mass (NaN) as mass -1; in NumPy's order of operations (the same bits)."""
    for i in range(begin, end):
        rel2 = 0.0
        for k in range(daughters.shape[1]):
            j = daughters[i, k]
            pt = np.hypot(nan_to_num(px[j]), nan_to_num(py[j]))
            rel2 += (a * pt) * (a * pt) + b2
        m = mass[parent[i]]
        m = -1.0 if np.isnan(m) else m
        out[i] = abs(m - mass_GeV) < n_sigma * (half_mass * np.sqrt(rel2) + 1e-4)
