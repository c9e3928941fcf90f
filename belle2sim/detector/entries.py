"""Where each final-state particle enters the calorimeter, and the CDC's axial superlayers crossed
by each charged particle: one pass over the particles that follows their helices (helix.py),
before the ECL response and the tracking.

Tracks from the beam axis (most), tracks produced off it (decays in flight: a quarter of the
tracks of q qbar events) and neutral particles produced away from the origin (which fly straight:
helix.straight_entry) are listed and taken in loops LLVM vectorises, each helper in selections
with the same operations as its scalar form (the same bits; the few inputs the selections leave
to the scalar functions are taken one by one). The particles produced off the axis have a kernel
of their own (:func:`off_axis_tracks`), compiled only when a chunk has such particles.
"""

import numpy as np

from belle2sim import _jit, fastmath
from belle2sim._jit import inline, range_kernel
from belle2sim._workspace import scratch
from belle2sim.detector.cdc import (INSIDE_MARGIN_CM, count_axial_superlayers, crossing_settled_lanes,
                                    crossing_settled_off_axis_lanes, off_axis_circle_lanes)
from belle2sim.detector.helix import (
    AXIS_TOLERANCE_CM2, DISPLACED_CM2, NO_CROSSING, barrel_arcsine_argument, calorimeter_entry, curvature_radius_cm,
    entry_from_axis_lanes, entry_off_axis_lanes, straight_entry, straight_entry_lanes,
)

# layout of DetectorCard.ecl_charged_params()
C_RB, C_ZF, C_ZB, C_MIP, C_MIP_SPREAD, C_P_INT, C_F_LO, C_F_HI, C_B = range(9)
MAX_TURNS = 1.0


@inline
def points_from_origin(charge, vx, vy, vz):
    """A neutral particle from the beam spot: it enters the calorimeter along its momentum."""
    return charge == 0.0 and vx * vx + vy * vy + vz * vz < DISPLACED_CM2


@range_kernel("status", min_per_piece=4096)
def calorimeter_entries(begin, end, status, charge, px, py, pz, vx, vy, vz, mom_theta, mom_phi, charged_params, layers,
                        entry_theta, entry_phi, axial_superlayers, listed, listed_neutral, packed):
    """(theta, phi) where each final-state particle enters the calorimeter envelope (helix.
    calorimeter_entry; theta NaN: it never gets there), for the particles that do not point from
    the origin (charged ones, decays in flight), and the axial superlayers crossed by each track from
    the beam axis (:func:`_superlayers_from_axis`). A loop of its own, before the ECL kernel. The
    particles produced off the beam axis are only listed, in the range's last slots: charged ones
    in ``listed`` (packed rows 0-6), neutral ones (farther than 5 mm from the origin) in
    ``listed_neutral`` (rows 7-12); returns (the range's first slot, how many neutral ones, its end,
    how many charged ones), for :func:`off_axis_tracks` (a kernel of its own, compiled only when a
    chunk has such particles: its vector loops are ~2 s of a first run's compilation). ``listed``,
    ``listed_neutral``, ``packed`` (13, n): scratch."""
    b_field, r_barrel = charged_params[C_B], charged_params[C_RB]
    z_fwd, z_bwd = charged_params[C_ZF], charged_params[C_ZB]
    lo, hi = np.uint64(begin), np.uint64(end)
    n_off = n_neutral = np.uint64(0)
    # the tracks from the beam spot listed ENTRY_BLOCK particles at a time, and followed then: their
    # rows (360 kB) stay in the cache, where rows as long as the chunk went to memory and back (four
    # muons 103-106 -> 94-98 ns per event; q qbar unchanged, blocks of 256 cost it 40 ns)
    axis_listed, axis_rows = np.empty(ENTRY_BLOCK, dtype=np.uint64), np.empty((AXIS_ROWS, ENTRY_BLOCK))
    for block in range(lo, hi, ENTRY_BLOCK):
        n = np.uint64(0)
        # no count yet (-1: neutral, or left to the CDC trigger), filled here block by block, while the
        # block is in the cache (a fill of the whole chunk before its kernels was 10 % of a
        # single-photon chunk's serial part, measured)
        for j in range(block, min(block + ENTRY_BLOCK, hi)):
            axial_superlayers[j] = -1
        for j in range(block, min(block + ENTRY_BLOCK, hi)):
            if status[j] != 1 or points_from_origin(charge[j], vx[j], vy[j], vz[j]):
                continue
            if charge[j] != 0.0 and vx[j] * vx[j] + vy[j] * vy[j] < AXIS_TOLERANCE_CM2:
                # a track from the beam spot (most): listed, its numbers packed in rows, for below
                axis_listed[n] = j
                axis_rows[0, n], axis_rows[1, n], axis_rows[2, n] = px[j], py[j], pz[j]
                axis_rows[3, n], axis_rows[4, n], axis_rows[5, n] = vz[j], charge[j], mom_phi[j]
                n += np.uint64(1)
                continue
            if charge[j] != 0.0:
                # a track off the axis (a decay in flight: a quarter of the tracks of q qbar events), listed
                # from the range's last slot down, for off_axis_tracks
                n_off += np.uint64(1)
                t = hi - n_off
                listed[t] = j
                packed[0, t], packed[1, t], packed[2, t] = vx[j], vy[j], vz[j]
                packed[3, t], packed[4, t], packed[5, t], packed[6, t] = px[j], py[j], pz[j], charge[j]
                continue
            # a neutral particle produced away from the origin (rows 7-12 of the last slots, down: the tracks
            # off the axis use rows 0-6 there, rows 7-12 only after these)
            n_neutral += np.uint64(1)
            t = hi - n_neutral
            listed_neutral[t] = j
            packed[7, t], packed[8, t], packed[9, t] = vx[j], vy[j], vz[j]
            packed[10, t], packed[11, t], packed[12, t] = px[j], py[j], pz[j]
        _superlayers_from_axis(np.uint64(0), n, axis_listed, axis_rows, charged_params[C_B], layers, axial_superlayers)
        _from_axis(np.uint64(0), n, axis_listed, axis_rows, charged_params, charge, px, py, pz, vx, vy, vz, mom_theta,
                   mom_phi, entry_theta, entry_phi)
    return lo, n_neutral, hi, n_off


ENTRY_BLOCK = np.uint64(4096)  # particles listed before their tracks from the axis are followed
AXIS_ROWS = 11  # a listed track from the axis: 0-5 its numbers, 6-10 the loops' below
STOPPED = 100.0  # a count of superlayers plus this: the track has left the chamber
BLOCK = np.uint64(256)  # tracks taken through all superlayers at a time (5 rows of 2 kB)


@inline
def _superlayers_from_axis(lo, stop, listed, packed, b_field, layers, axial_superlayers):
    """The axial superlayers crossed (cdc.count_from_axis: those from the inside out, until the
    track leaves the chamber) by the tracks from the beam axis listed in slots [lo, stop), for the
    CDC trigger, which reads them: superlayer by superlayer over all the tracks, in loops LLVM
    vectorises (cdc.crossing_settled_lanes). A track whose crossing only the arcsine settles is left
    at -1: the CDC trigger counts it if it needs it (most are tracks of low pT, near the radius where
    they turn back, which the trigger does not take; here one by one they cost q qbar events ~80 ns).
    Packed rows 7-9: each track's 2R, 1 / 2R and pz / pT, made as count_from_axis makes them; row
    10: the count so far (+ STOPPED: left; -1: unsettled)."""
    for t in range(lo, stop):
        pt = np.sqrt(packed[0, t] * packed[0, t] + packed[1, t] * packed[1, t])
        two_r = 2.0 * curvature_radius_cm(pt, b_field)
        packed[7, t], packed[8, t], packed[9, t], packed[10, t] = two_r, 1.0 / two_r, packed[2, t] / pt, 0.0
    # (in blocks of tracks whose rows stay in the cache through the five superlayers: a pass per
    # superlayer over all the tracks of a chunk read them from memory each time; 6.0 -> 4.4 ns a track)
    for block in range(lo, stop, BLOCK):
        block_end = min(block + BLOCK, stop)
        for k in range(layers.shape[0]):
            r, z_lo, z_hi = layers[k, 0], layers[k, 1], layers[k, 2]
            for t in range(block, block_end):
                settled = crossing_settled_lanes(packed[3, t], r, z_lo, z_hi, packed[7, t], packed[8, t], packed[9, t])
                so_far = packed[10, t]
                packed[10, t] = so_far if (so_far < 0.0) | (so_far >= STOPPED) else (
                    so_far + 1.0 if settled == 1 else (so_far + STOPPED if settled == 0 else -1.0))
    for t in range(lo, stop):
        so_far = packed[10, t]
        axial_superlayers[listed[t]] = np.int64(so_far - STOPPED if so_far >= STOPPED else so_far)


@inline
def _from_axis(lo, stop, listed, packed, charged_params, charge, px, py, pz, vx, vy, vz, mom_theta, mom_phi, entry_theta,
               entry_phi):
    """:func:`calorimeter_entries` for the tracks from the beam axis it listed in slots [lo, stop) (a
    function of its own: typed into the kernel, its vector loops made the scan spill registers)."""
    b_field, r_barrel = charged_params[C_B], charged_params[C_RB]
    z_fwd, z_bwd = charged_params[C_ZF], charged_params[C_ZB]
    # the listed tracks in loops LLVM vectorises (helix.entry_from_axis_lanes: the same bits; a
    # track at a time took ~44 ns, its divisions, square roots and arcsine one after the other).
    # The arcsine is fastmath's (as helix.first_crossing's): the C library's, one call per track,
    # took 8 ns a track (four muons 89 -> 57 ns per event in this kernel, leaving it out)
    for t in range(lo, stop):
        x = barrel_arcsine_argument(packed[0, t], packed[1, t], b_field, r_barrel)
        packed[6, t] = x if x == NO_CROSSING else fastmath.asin_lanes(x)
    special = 0
    for t in range(lo, stop):
        reached, theta, phi, odd = entry_from_axis_lanes(packed[3, t], packed[0, t], packed[1, t], packed[2, t],
                                                         packed[4, t], b_field, r_barrel, z_fwd, z_bwd, MAX_TURNS,
                                                         packed[5, t], packed[6, t])
        packed[0, t] = theta if reached else np.nan
        packed[1, t] = phi if reached else 0.0
        special += odd
    for t in range(lo, stop):
        j = listed[t]
        entry_theta[j], entry_phi[j] = packed[0, t], packed[1, t]
    if special > 0:  # (an input the vector atan2 leaves to atan2: every listed track again, one by one, through
        # calorimeter_entry, which takes them to entry_from_axis: no second copy of it in this kernel)
        for t in range(lo, stop):
            j = listed[t]
            reached, theta, phi = calorimeter_entry(vx[j], vy[j], vz[j], px[j], py[j], pz[j], charge[j], b_field,
                                                    r_barrel, z_fwd, z_bwd, MAX_TURNS, mom_theta[j], mom_phi[j])
            entry_theta[j] = theta if reached else np.nan
            entry_phi[j] = phi


@range_kernel(lambda spans, *_: len(spans), min_per_piece=1)
def off_axis_tracks(begin, end, spans, listed, listed_neutral, packed, charged_params, layers, charge, px, py, pz, vx,
                    vy, vz, mom_theta, mom_phi, entry_theta, entry_phi, axial_superlayers):
    """The calorimeter entries of the particles produced off the axis that calorimeter_entries
    listed, and the axial superlayers of the CDC (``layers``: cdc.axial_layers) crossed by the
    charged ones: for each range it ran on, a row of ``spans``, the neutral ones in slots [first,
    end) of its first two columns (packed rows 7-12, taken before the charged ones use those rows;
    helix.straight_entry_lanes: the same bits), the charged ones in those of its last two (packed
    rows 0-6: production point, momentum, charge). The superlayers are the tracking's and the CDC
    trigger's, which read them instead of following the same circles again. One by one, a track's
    entry took ~130 ns (five atan2, a sine and cosine) and its superlayers ~155 ns (two atan2, and
    an arcsine and a square root per superlayer); here in loops LLVM vectorises:
    helix.entry_off_axis_lanes (the same bits), cdc.off_axis_circle_lanes and
    cdc.crossing_settled_off_axis_lanes superlayer by superlayer (the same answers), and the
    tracks they leave to the scalar functions one by one."""
    b_field, r_barrel = charged_params[C_B], charged_params[C_RB]
    z_fwd, z_bwd = charged_params[C_ZF], charged_params[C_ZB]
    for p in range(begin, end):
        first, stop = np.uint64(spans[p, 0]), np.uint64(spans[p, 1])
        for t in range(first, stop):  # (rows 7-12 in, rows 7-9 out: theta, phi, special)
            reached, theta, phi, odd = straight_entry_lanes(packed[7, t], packed[8, t], packed[9, t], packed[10, t],
                                                            packed[11, t], packed[12, t], r_barrel, z_fwd, z_bwd)
            packed[7, t], packed[8, t], packed[9, t] = (theta if reached else np.nan), phi, (1.0 if odd else 0.0)
        for t in range(first, stop):
            j = listed_neutral[t]
            entry_theta[j], entry_phi[j] = packed[7, t], packed[8, t]
            if packed[9, t] != 0.0:  # (an input the selections leave to atan2)
                reached, theta, phi = straight_entry(vx[j], vy[j], vz[j], px[j], py[j], pz[j], r_barrel, z_fwd, z_bwd)
                entry_theta[j], entry_phi[j] = (theta if reached else np.nan), phi
        _off_axis_span(np.uint64(spans[p, 2]), np.uint64(spans[p, 3]), listed, packed, charged_params, layers, charge,
                       px, py, pz, vx, vy, vz, mom_theta, mom_phi, entry_theta, entry_phi, axial_superlayers)


@inline
def _off_axis_span(first, hi, listed, packed, charged_params, layers, charge, px, py, pz, vx, vy, vz, mom_theta,
                   mom_phi, entry_theta, entry_phi, axial_superlayers):
    """:func:`off_axis_tracks` for the slots [first, hi)."""
    b_field, r_barrel = charged_params[C_B], charged_params[C_RB]
    z_fwd, z_bwd = charged_params[C_ZF], charged_params[C_ZB]
    inside_r2 = (layers[0, 0] - INSIDE_MARGIN_CM) ** 2
    for t in range(first, hi):  # (rows 0, 1, 3: entry theta, phi, special; 7-12: the circle, the count)
        x, y, z, p_x, p_y, p_z, q = packed[0, t], packed[1, t], packed[2, t], packed[3, t], packed[4, t], packed[5, t], \
            packed[6, t]
        packed[7, t], packed[8, t], packed[9, t], packed[10, t], packed[11, t], settles = off_axis_circle_lanes(
            x, y, p_x, p_y, p_z, q, b_field, inside_r2)
        packed[12, t] = 0.0 if settles else -1.0  # (the count so far; < 0: counted one by one)
        reached, theta, phi, odd = entry_off_axis_lanes(x, y, z, p_x, p_y, p_z, q, b_field, r_barrel, z_fwd, z_bwd,
                                                        MAX_TURNS)
        packed[0, t] = theta if reached else np.nan
        packed[1, t] = phi
        packed[3, t] = 1.0 if odd else 0.0
    for k in range(layers.shape[0]):
        r, z_lo, z_hi = layers[k, 0], layers[k, 1], layers[k, 2]
        for t in range(first, hi):
            settled = crossing_settled_off_axis_lanes(packed[2, t], r, z_lo, z_hi, packed[7, t], packed[8, t],
                                                      packed[9, t], packed[10, t], packed[11, t])
            so_far = packed[12, t]
            packed[12, t] = -1.0 if (settled < 0) | (so_far < 0.0) else so_far + (1.0 if settled == 1 else 0.0)
    for t in range(first, hi):
        j = listed[t]
        entry_theta[j], entry_phi[j] = packed[0, t], packed[1, t]
        if packed[3, t] != 0.0:  # (an input the selections leave to the scalar functions)
            reached, theta, phi = calorimeter_entry(vx[j], vy[j], vz[j], px[j], py[j], pz[j], charge[j], b_field,
                                                    r_barrel, z_fwd, z_bwd, MAX_TURNS, mom_theta[j], mom_phi[j])
            entry_theta[j] = theta if reached else np.nan
            entry_phi[j] = phi
        if packed[12, t] >= 0.0:
            axial_superlayers[j] = np.int64(packed[12, t])
        else:
            axial_superlayers[j] = count_axial_superlayers(vx[j], vy[j], vz[j], px[j], py[j], pz[j], charge[j],
                                                           b_field, layers, float(layers.shape[0]))


def entry_points(status, charge, px, py, pz, vx, vy, vz, mom_theta, mom_phi, charged_params, layers, entry_theta,
                 entry_phi, axial_superlayers, listed, packed):
    """:func:`calorimeter_entries`, then :func:`off_axis_tracks` where it listed particles produced
    off the axis: ``entry_theta``, ``entry_phi`` and ``axial_superlayers`` filled (-1 for neutral
    particles and for tracks from the axis the selections did not settle); ``listed``, ``packed``
    (13, n): scratch. Every particle at once: :func:`entry_points_step` over all of them."""
    entry_points_step(status, charge, px, py, pz, vx, vy, vz, mom_theta, mom_phi, charged_params, layers, entry_theta,
                      entry_phi, axial_superlayers, listed, packed)(0, len(status))


def entry_points_step(status, charge, px, py, pz, vx, vy, vz, mom_theta, mom_phi, charged_params, layers, entry_theta,
                      entry_phi, axial_superlayers, listed, packed):
    """:func:`entry_points` as a call over particles [begin, end), ``step(begin, end)`` (a step of
    ecl.ecl_steps, event_blocks.py); the same arguments."""
    listed_neutral = scratch("entries[neutral]", len(status), np.uint64)
    entries, arguments = calorimeter_entries.kernel, (status, charge, px, py, pz, vx, vy, vz, mom_theta, mom_phi,
                                                      charged_params, layers, entry_theta, entry_phi, axial_superlayers,
                                                      listed, listed_neutral, packed)

    def step(begin, end):
        _, n_neutral, stop, n = _jit.call_range(entries, begin, end, *arguments)
        if n_neutral + n > 0:  # (particles produced off the axis, listed in the range's last slots)
            spans = np.array([(stop - n_neutral, stop, stop - n, stop)], dtype=np.int64)
            off_axis_tracks(spans, listed, listed_neutral, packed, charged_params, layers, charge, px, py, pz, vx, vy,
                            vz, mom_theta, mom_phi, entry_theta, entry_phi, axial_superlayers)

    return step
