"""The ECL trigger's tables of its trigger cells (TCs), made once per card: what the hardware
holds in look-up tables, and what the kernel (belle2sim/trigger/ecl_bits.py) would otherwise
recompute per deposit or per pair of cells.

* first TC index of each theta ring; c.m. energy factor and c.m. angles of each TC's centre;
* the ring of each of RING_CELLS polar-angle cells (:func:`ring_lookup`);
* each TC's touching neighbours (:func:`tc_neighbours`), also as bit masks (:func:`tc_near_masks`).
"""

import numpy as np

from belle2sim._data_cache import computed_once
from belle2sim.trigger.ecl_bits import TOUCH_MARGIN_RAD, _ring_of

RING_CELLS = 4096  # polar-angle cells of the ring look-up (0.77 mrad; a TC ring is 30-100 mrad)
RING_CELL_MARGIN_RAD = 1e-9  # far above the rounding of theta * cells_per_rad (1e-16 rad)


def ring_lookup(ring_edges):
    """(ring of each of RING_CELLS equal polar-angle cells over [0, pi] or -1 where a ring
    boundary, or the midpoint of a gap, falls inside the cell; cells per radian). :func:`_ring_of`
    never decreases with theta, so a cell whose two ends (widened by a margin) give the same ring
    holds no other: the table answers as the binary search does."""
    per_rad = RING_CELLS / np.pi
    cells = np.empty(RING_CELLS, dtype=np.int16)
    ring_of = _ring_of.py_func  # (in Python, 20 ms: compiled for float64 it cost a first run 0.4 s)
    for c in range(RING_CELLS):
        lo = ring_of(c / per_rad - RING_CELL_MARGIN_RAD, ring_edges)
        hi = ring_of((c + 1) / per_rad + RING_CELL_MARGIN_RAD, ring_edges)
        cells[c] = lo if lo == hi else -1
    return cells, per_rad


def tc_neighbours(phi_segments, phi_offsets):
    """(n_TC, k) int64: the TCs that touch each TC (in its own theta ring or a neighbouring one),
    padded with -1. Two cells touch where the ECL trigger kernel's test says so: their azimuthal
    centres (f + 1/2) 2 pi / n + offset, n phi segments in a ring, lie at most half the sum of their
    widths apart (+ TOUCH_MARGIN_RAD), around the circle. Made with the kernel's IEEE operations
    in its order (NumPy's element-wise arithmetic rounds as the kernel's does, and numba fuses no
    multiply-add), so the table holds exactly the pairs that test accepts; tests/test_ecl_trigger.py
    checks it against the test made pair by pair."""
    segments = np.asarray(phi_segments, dtype=np.int64)
    offsets = np.asarray(phi_offsets, dtype=np.float64)
    first = np.concatenate([[0], np.cumsum(segments)]).astype(np.int64)
    width = 2.0 * np.pi / segments  # (the kernel's ring_width)
    centre = [(np.arange(n) + 0.5) * width[r] + offsets[r] for r, n in enumerate(segments)]
    rows = []
    for r in range(len(segments)):
        found = [[] for _ in range(segments[r])]
        for r2 in range(max(0, r - 1), min(len(segments), r + 2)):
            d = np.abs(centre[r][:, None] - centre[r2][None, :])
            d = np.minimum(d, 2.0 * np.pi - d)
            touching = d <= 0.5 * (width[r] + width[r2]) + TOUCH_MARGIN_RAD
            if r2 == r:
                np.fill_diagonal(touching, False)  # (a cell is not its own neighbour)
            for f, f2 in zip(*np.nonzero(touching)):
                found[f].append(first[r2] + f2)
        rows += found
    table = np.full((len(rows), max(len(row) for row in rows)), -1, dtype=np.int64)
    for t, row in enumerate(rows):
        table[t, :len(row)] = row
    return table


RING_MASK_BITS = 64  # cells of a theta ring that one word of :func:`tc_near_masks` holds


def tc_near_masks(neighbours, phi_segments):
    """(n_TC, 3) uint64: the neighbours of each TC (:func:`tc_neighbours`) as bit masks of their phi
    segments in the ring below, its own and the ring above (bit f: segment f of that ring), so the
    kernel finds a cell's fired neighbours with an AND per ring against the event's fired cells;
    (0, 3) where a ring has more than RING_MASK_BITS cells (the kernel then reads the table)."""
    segments = np.asarray(phi_segments, dtype=np.int64)
    if segments.max() > RING_MASK_BITS:
        return np.zeros((0, 3), dtype=np.uint64)
    first = np.concatenate([[0], np.cumsum(segments)]).astype(np.int64)
    ring = np.repeat(np.arange(len(segments)), segments)
    masks = np.zeros((len(ring), 3), dtype=np.uint64)
    for t, row in enumerate(neighbours):
        for u in row[row >= 0]:
            masks[t, ring[u] - ring[t] + 1] |= np.uint64(1) << np.uint64(u - first[ring[u]])
    return masks


def tc_lookup_tables(ring_edges, phi_segments, phi_offsets, boost_cm):
    """Per-TC look-up tables, as the hardware has them: first TC index of each ring, and for
    each TC the CM/lab energy ratio and the CM polar and azimuthal angles of its centre
    (massless particle, nominal boost), computed with ``vector`` on a machine's first run and read
    back from the disk cache afterwards (belle2sim/_data_cache.py); then the ring of each
    polar-angle cell (:func:`ring_lookup`) and each TC's neighbours (:func:`tc_neighbours`, and as
    masks: :func:`tc_near_masks`)."""
    first = np.concatenate([[0], np.cumsum(phi_segments)]).astype(np.int64)
    neighbours = tc_neighbours(phi_segments, phi_offsets)
    cm = computed_once("ecl_tc_centres_cm", (np.asarray(ring_edges, dtype=np.float64),
                                             np.asarray(phi_segments, dtype=np.int64),
                                             np.asarray(phi_offsets, dtype=np.float64),
                                             np.asarray(boost_cm, dtype=np.float64)), tc_centres_cm)
    return ((first, cm["E"], cm["theta"], cm["phi"]) + ring_lookup(ring_edges)  # (contiguous, made or read)
            + (neighbours, tc_near_masks(neighbours, phi_segments)))


def tc_centres_cm(ring_edges, phi_segments, phi_offsets, boost_cm):
    """{E, theta, phi}: the c.m. energy of a unit lab energy and the c.m. angles of each TC's
    centre (a massless particle), boosted with ``vector``."""
    import vector

    theta, phi = [], []
    for r, nseg in enumerate(phi_segments):
        theta += [0.5 * (ring_edges[r, 0] + ring_edges[r, 1])] * int(nseg)
        phi += list((np.arange(nseg) + 0.5) * 2 * np.pi / nseg - np.pi + phi_offsets[r])
    theta, phi = np.array(theta), np.array(phi)
    lab = vector.array({"px": np.sin(theta) * np.cos(phi), "py": np.sin(theta) * np.sin(phi),
                        "pz": np.cos(theta), "E": np.ones_like(theta)})
    cm = lab.boost_beta3(vector.obj(x=-boost_cm[0], y=-boost_cm[1], z=-boost_cm[2]))
    return {"E": np.asarray(cm.E), "theta": np.asarray(cm.theta), "phi": np.asarray(cm.phi)}
