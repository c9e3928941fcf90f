"""CDC geometry as seen by a charged track: which layers it crosses inside the wire volume.

A track crosses a layer of radius r if its helix reaches r and, at its first crossing, z lies
within the wires' z extent at that radius (the card's per-layer table from basf2 CDC.xml,
linear in r between its rows). Low-pT tracks curl before the outer layers; tracks at small polar angle leave through
the end-plates. Tracks produced outside a layer's radius can still cross it on the way in.
"""

import numpy as np

from belle2sim import fastmath
from belle2sim._jit import inline, lanes
from belle2sim.detector.helix import (AXIS_TOLERANCE_CM2, circle_centre_lanes, circle_reaches, crossing_on_circle,
                                      curvature_radius_cm, first_crossing, helix_circle)

BOUND_MARGIN_CM = 1e-6  # far above the rounding of z (1e-13 cm), far below any geometry
# r / 2R above which the arc bounds are left out: the upper one, r / sqrt(1 - x^2), grows without
# limit as the track nears the radius where it turns back, and would settle nothing
BOUND_MAX_X = 0.99
# the multiply-only bounds of :func:`crossing_settled` hold for x^2 = (r / 2R)^2 up to this
# (1 / sqrt(1 - y) <= 1 + y for y <= 0.618), and are widened by a slack far above the rounding of
# z (1e-10 cm at |z| ~ 1e4 cm) and far below BOUND_MARGIN_CM
SETTLE_MAX_X2 = 0.5
SETTLE_SLACK_CM = 1e-8
INSIDE_MARGIN_CM = 1.0  # a production point this far inside the innermost axial superlayer is inside them all
OUTER_MARGIN_CM = 1.0  # the outermost axial superlayer's mid radius to the last sense wire, about
G_B, G_N = 0, 1  # layout of DetectorCard.cdc_geometry(): B, rows, then (r, z_low, z_high) rows


@inline
def z_extent(r, geo):
    """(z_low, z_high) of the CDC wires at radius r (cm): piecewise linear in r between the
    card's rows, clamped to the first and last row outside them."""
    n = int(geo[G_N])
    k = 0
    while k < n - 2 and r > geo[2 + 3 * (k + 1)]:
        k += 1
    r0, r1 = geo[2 + 3 * k], geo[2 + 3 * (k + 1)]
    f = min(max((r - r0) / (r1 - r0), 0.0), 1.0)
    lo = geo[3 + 3 * k] + f * (geo[3 + 3 * (k + 1)] - geo[3 + 3 * k])
    hi = geo[4 + 3 * k] + f * (geo[4 + 3 * (k + 1)] - geo[4 + 3 * k])
    return lo, hi


@inline
def crosses_between(vx, vy, vz, px, py, pz, q, field_T, r, z_lo, z_hi):
    """True if the track reaches radius r with z_lo <= z <= z_hi at its first crossing: the
    definition, through first_crossing, that crosses_from_axis answers for tracks from the axis
    (tests/test_cdc_trigger.py holds it to it; the kernels call crosses_from_axis)."""
    reached, z, _ = first_crossing(vx, vy, vz, px, py, pz, q, field_T, r)
    return reached and z_lo <= z <= z_hi


@inline
def crosses_from_axis(vz, px, py, pz, q, field_T, r, z_lo, z_hi):
    """:func:`crosses_between` for a track from the beam axis, with the same answer and mostly
    without the arcsine: the crossing's transverse arc 2R asin(r / 2R) lies between r and
    r / sqrt(1 - (r / 2R)^2) (x <= asin x <= tan asin x), so z is known to an interval that
    settles the end-plate test unless the crossing is near an end-plate."""
    pt = np.sqrt(px * px + py * py)
    if pt <= 0.0 or q == 0.0:
        return False
    two_r = 2.0 * curvature_radius_cm(pt, field_T)
    if r > two_r:
        return False
    x = r / two_r
    if x < BOUND_MAX_X:
        slope = pz / pt
        z_a = vz + r * slope
        z_b = vz + r / np.sqrt(1.0 - x * x) * slope
        z_min, z_max = min(z_a, z_b), max(z_a, z_b)
        if z_min - BOUND_MARGIN_CM >= z_lo and z_max + BOUND_MARGIN_CM <= z_hi:
            return True
        if z_max + BOUND_MARGIN_CM < z_lo or z_min - BOUND_MARGIN_CM > z_hi:
            return False
    # first_crossing's arc from the axis, the same operations (through first_crossing itself, a kernel
    # that counts only from the axis, the CDC trigger's, compiled its off-axis path too: ~1 s of a
    # first run)
    z = vz + two_r * fastmath.asin(r / two_r) * pz / pt
    return z_lo <= z <= z_hi


@inline
def crossing_settled(vz, r, z_lo, z_hi, two_r, inv_two_r, slope):
    """:func:`crosses_from_axis`'s answer where multiplications settle it (1 crosses, 0 does not),
    -1 where only that function can tell. ``two_r``, its inverse and ``slope = pz / pt`` are the
    track's, made once for all layers. The arc bounds of crosses_from_axis lie inside [r, r (1 +
    x^2)] (x = r / 2R), so an interval this wide, widened by a slack above rounding, that settles
    the end-plate test settles it there the same way; no division or square root per layer."""
    if r > two_r:
        return 0
    x = r * inv_two_r
    y = x * x
    if y > SETTLE_MAX_X2:
        return -1
    z_a = vz + r * slope
    z_c = vz + r * (1.0 + y) * slope
    lo = min(z_a, z_c) - SETTLE_SLACK_CM
    hi = max(z_a, z_c) + SETTLE_SLACK_CM
    if lo - BOUND_MARGIN_CM >= z_lo and hi + BOUND_MARGIN_CM <= z_hi:
        return 1
    if hi + BOUND_MARGIN_CM < z_lo or lo - BOUND_MARGIN_CM > z_hi:
        return 0
    return -1


@lanes
def crossing_settled_lanes(vz, r, z_lo, z_hi, two_r, inv_two_r, slope):
    """:func:`crossing_settled` with every step a selection, for loops LLVM vectorises: the same
    operations, so the same answers."""
    x = r * inv_two_r
    y = x * x
    z_a = vz + r * slope
    z_c = vz + r * (1.0 + y) * slope
    lo = min(z_a, z_c) - SETTLE_SLACK_CM
    hi = max(z_a, z_c) + SETTLE_SLACK_CM
    inside = (lo - BOUND_MARGIN_CM >= z_lo) & (hi + BOUND_MARGIN_CM <= z_hi)
    outside = (hi + BOUND_MARGIN_CM < z_lo) | (lo - BOUND_MARGIN_CM > z_hi)
    return 0 if r > two_r else (-1 if y > SETTLE_MAX_X2 else (1 if inside else (0 if outside else -1)))


def axial_layers(card):
    """(5, 3) rows (radius, z_low, z_high) of the axial superlayers: the end-plate table read
    once, so the trigger does not interpolate it per track."""
    geo, radii = card.cdc_geometry(), card.cdc_axial_radii_cm()
    return np.array([(r, *z_extent(r, geo)) for r in radii])


@inline
def count_axial_superlayers(vx, vy, vz, px, py, pz, q, field_T, layers, enough):
    """Axial superlayers crossed inside the wire volume (``layers``: rows of
    :func:`axial_layers`), counting stops at ``enough``.

    Superlayers are tried inside out: once a track from the axis has left the volume (beyond its
    reach or through an end-plate) the outer ones cannot be crossed either. For a track produced
    off the axis every layer is tried, counting only crossings before the helix first leaves the
    chamber through its outer radius (a decay inside the CDC sends its daughters outward)."""
    if vx * vx + vy * vy < AXIS_TOLERANCE_CM2:
        return count_from_axis(vz, px, py, pz, q, field_T, layers, enough)
    return _count_off_axis(vx, vy, vz, px, py, pz, q, field_T, layers, enough)


def _count_from_axis(vz, px, py, pz, q, field_T, layers, enough):
    """:func:`count_axial_superlayers` of a track from the beam axis (the common case: a helper
    of its own; a kernel that knows its track is on the axis calls it directly, one call level
    less: the CDC trigger 272 -> 234 ns per four-muon event)."""
    pt = np.sqrt(px * px + py * py)
    if pt <= 0.0 or q == 0.0:
        return 0
    two_r = 2.0 * curvature_radius_cm(pt, field_T)  # (as crosses_from_axis makes it)
    inv_two_r, slope = 1.0 / two_r, pz / pt
    n = 0
    for k in range(layers.shape[0]):
        r, z_lo, z_hi = layers[k, 0], layers[k, 1], layers[k, 2]
        settled = crossing_settled(vz, r, z_lo, z_hi, two_r, inv_two_r, slope)
        if settled == 1 or (settled < 0 and crosses_from_axis(vz, px, py, pz, q, field_T, r, z_lo, z_hi)):
            n += 1
            if n >= enough:
                return n
        else:
            return n
    return n


count_from_axis = inline(_count_from_axis)
# the same function typed into its caller's body by numba (``inline="always"``, as _jit.lanes does
# for vector loops): the CDC trigger's call per track, which LLVM left a call, 243 -> 221 ns per
# four-muon event (q qbar 491 -> 465) for 0.3-0.4 s more of its compilation
count_from_axis_in_caller = lanes(_count_from_axis)


@inline
def _count_off_axis(vx, vy, vz, px, py, pz, q, field_T, layers, enough):
    """:func:`count_axial_superlayers` of a track produced off the axis: only crossings before the
    track leaves the chamber through its outer wall (a circle larger than the chamber would
    otherwise "come back" after a turn outside it)."""
    pt = np.sqrt(px * px + py * py)
    if pt <= 0.0 or q == 0.0:
        return 0  # (first_crossing: never reached)
    circle = helix_circle(vx, vy, px, py, q, field_T)  # once, not per superlayer
    _, R, s, cx, cy, d, _, _, psi0 = circle
    n = 0
    left, arc_out = False, 0.0
    inside = vx * vx + vy * vy < (layers[0, 0] - INSIDE_MARGIN_CM) ** 2
    if inside:
        # (produced inside every superlayer, the usual decay of a charm or strange hadron, a track
        # meets each superlayer it reaches before the outer wall, at least 1 cm of path earlier:
        # the outer wall's crossing is needed only for tracks produced farther out. Its angle on
        # the circle from the direction of the axis settles most superlayers without atan2)
        delta = psi0 - fastmath.atan2(-cy, -cx)
        if delta > np.pi:
            delta -= 2.0 * np.pi
        elif delta < -np.pi:
            delta += 2.0 * np.pi
        slope = pz / pt
    else:
        left, _, arc_out = crossing_on_circle(vz, pz, layers[layers.shape[0] - 1, 0] + OUTER_MARGIN_CM, *circle)
    for k in range(layers.shape[0]):
        if inside:
            settled = crossing_settled_off_axis(vz, layers[k, 0], layers[k, 1], layers[k, 2], R, s, d, delta, slope)
            if settled == 0:
                continue
            if settled == 1:
                n += 1
                if n >= enough:
                    return n
                continue
        reached, z, arc = crossing_on_circle(vz, pz, layers[k, 0], *circle)
        if reached and layers[k, 1] <= z <= layers[k, 2] and (not left or arc <= arc_out):
            n += 1
            if n >= enough:
                return n
    return n


SETTLE_MAX_Z_ERROR_CM = 1e-8  # the largest error bound on z allowed to settle (BOUND_MARGIN_CM: 1e-6)
_ULPS = 64.0 * np.finfo(np.float64).eps  # error allowance per computed quantity, ~30x the rounding


@inline
def crossing_settled_off_axis(vz, r, z_lo, z_hi, R, s, d, delta, slope):
    """Whether a track produced inside radius r (by 1 cm or more) crosses it within [z_lo, z_hi]:
    1 yes, 0 no, -1 left to :func:`crossing_on_circle`. The circle (radius R, centre at distance d
    from the axis, turning sense s) leaves the disk of radius r at the angle Delta from the
    direction of the axis seen from its centre, cos Delta = (d^2 + R^2 - r^2) / (2 d R), on the
    side it turns to; ``delta`` is the production point's angle from that direction (|delta| <
    Delta: it is inside), so the arc there is R (Delta + s delta), with one arcsine instead of two
    atan2. Settled only where z is farther from an end-plate than BOUND_MARGIN_CM plus a bound on
    the rounding of both ways of computing it (far below the margin), so the answers are
    crossing_on_circle's; near the turning points (sin Delta -> 0) the bound grows and it defers."""
    if not circle_reaches(r, R, d):
        return 0  # (crossing_on_circle's own first test)
    cos_d = (d * d + R * R - r * r) / (2.0 * d * R)
    if not abs(cos_d) < 1.0:
        return -1
    big_d = 0.5 * np.pi - fastmath.asin(cos_d)
    dpsi = big_d + delta if s > 0 else big_d - delta
    if not 0.0 < dpsi < 2.0 * big_d:
        return -1
    arc = R * dpsi
    z = vz + arc * slope
    # |error of Delta| <= |error of cos Delta| / sin Delta; the intersection points of
    # crossing_on_circle lose as much near the turning points (widened by 1 + d / R for them)
    error_psi = _ULPS * ((d * d + R * R + r * r) / (2.0 * d * R) * (1.0 + d / R) / np.sqrt(1.0 - cos_d * cos_d)
                         + 2.0 * np.pi)
    error_z = 2.0 * (R * error_psi * abs(slope) + _ULPS * (abs(vz) + abs(arc * slope)))
    if not error_z <= SETTLE_MAX_Z_ERROR_CM:
        return -1
    if z - error_z - BOUND_MARGIN_CM >= z_lo and z + error_z + BOUND_MARGIN_CM <= z_hi:
        return 1
    if z + error_z + BOUND_MARGIN_CM < z_lo or z - error_z - BOUND_MARGIN_CM > z_hi:
        return 0
    return -1


@lanes
def off_axis_circle_lanes(vx, vy, px, py, pz, q, field_T, inside_r2):
    """(R, s, d, delta, slope, settles) of a track produced off the axis, for
    :func:`crossing_settled_off_axis_lanes` in loops LLVM vectorises: what :func:`_count_off_axis`
    makes once per track, in selections (numbers in, not arrays: an array keeps the loop scalar).
    ``settles`` False (the caller counts with count_axial_superlayers): no circle, produced
    outside ``inside_r2`` (the inner superlayer's radius less INSIDE_MARGIN_CM, squared), or an
    input the vector atan2 leaves to atan2."""
    pt, R, s, cx, cy, d = circle_centre_lanes(vx, vy, px, py, q, field_T)
    psi0 = fastmath.atan2_lanes(vy - cy, vx - cx)
    delta = psi0 - fastmath.atan2_lanes(-cy, -cx)
    delta = delta - 2.0 * np.pi if delta > np.pi else (delta + 2.0 * np.pi if delta < -np.pi else delta)
    special = fastmath.atan2_special(vy - cy, vx - cx) | fastmath.atan2_special(-cy, -cx)
    return R, s, d, delta, pz / pt, (pt > 0.0) & (q != 0.0) & (vx * vx + vy * vy < inside_r2) & ~special


@lanes
def crossing_settled_off_axis_lanes(vz, r, z_lo, z_hi, R, s, d, delta, slope):
    """:func:`crossing_settled_off_axis` with every step a selection, for loops LLVM vectorises
    (the superlayers of many tracks at once): the same operations, so the same answers."""
    reaches = ~((d < 1e-12) | (r < abs(d - R)) | (r > d + R))  # (circle_reaches)
    cos_d = (d * d + R * R - r * r) / (2.0 * d * R)
    fine = abs(cos_d) < 1.0
    cos_d = cos_d if fine else 0.0
    big_d = 0.5 * np.pi - fastmath.asin_lanes(cos_d)
    dpsi = big_d + delta if s > 0 else big_d - delta
    fine = fine & (0.0 < dpsi) & (dpsi < 2.0 * big_d)
    arc = R * dpsi
    z = vz + arc * slope
    error_psi = _ULPS * ((d * d + R * R + r * r) / (2.0 * d * R) * (1.0 + d / R) / np.sqrt(1.0 - cos_d * cos_d)
                         + 2.0 * np.pi)
    error_z = 2.0 * (R * error_psi * abs(slope) + _ULPS * (abs(vz) + abs(arc * slope)))
    fine = fine & (error_z <= SETTLE_MAX_Z_ERROR_CM)
    yes = (z - error_z - BOUND_MARGIN_CM >= z_lo) & (z + error_z + BOUND_MARGIN_CM <= z_hi)
    no = (z + error_z + BOUND_MARGIN_CM < z_lo) | (z - error_z - BOUND_MARGIN_CM > z_hi)
    answer = (1 if yes else (0 if no else -1)) if fine else -1
    return answer if reaches else 0
