"""Charged-particle helices in the solenoid field (B along +z), as scalar kernel helpers.

A track of transverse momentum pT [GeV] in B [T] is a circle of radius R = pT / (0.3 B) [m]
(0.299792458 = c in units of 1e9 m/s; written from scipy's c). Positive charges turn clockwise
seen from +z (F = q v x B). These helpers answer: does the track reach the cylinder of radius r
(cm) around the beam axis, and at what z does it first cross it?
"""

import numpy as np
from scipy import constants

from belle2sim import fastmath
from belle2sim._jit import inline, lanes

# pT [GeV] = K * B [T] * R [cm]; K = c / 1e9 * 1e-2
PT_PER_TESLA_CM = constants.c / 1e9 * 1e-2
# production points closer than this to the beam axis (100 um: the beam spot is 6 um wide,
# displaced vertices are millimetres and more) take the closed-form path of a circle through
# the origin: at the CDC's radii and at the calorimeter's barrel and endcaps alike. The error is
# below 100 um in z and, at the calorimeter inside its acceptance, below 1e-3 rad in angle (a
# near-tangent barrel crossing amplifies the offset; tests/test_helix.py): far below the
# resolutions (the ECL's is a few mrad)
AXIS_TOLERANCE_CM2 = 1e-2 ** 2
# neutral particles produced farther than this from the origin (5 mm: beyond the beam spot, whose
# length is about 0.35 mm) enter the calorimeter at the angles of their entry point, not of
# their momentum; closer ones keep the pointing approximation
DISPLACED_CM2 = 0.5 ** 2


@inline
def curvature_radius_cm(pt, b_field):
    return pt / (PT_PER_TESLA_CM * b_field)


@inline
def first_crossing(vx, vy, vz, px, py, pz, q, b_field, r):
    """(reached, z, arc_xy) of the first crossing of radius r (cm) along the motion.

    ``reached`` is False if the helix never gets to radius r. ``arc_xy`` is the transverse path
    length from the production point to the crossing (cm).
    """
    pt = np.sqrt(px * px + py * py)
    if pt <= 0.0 or q == 0.0:
        return False, 0.0, 0.0
    R = curvature_radius_cm(pt, b_field)
    if vx * vx + vy * vy < AXIS_TOLERANCE_CM2:
        # from the beam axis (the common case): the circle passes through the origin, so
        # radius r is reached if 2R >= r, after a transverse arc 2R asin(r / 2R)
        if r > 2.0 * R:
            return False, 0.0, 0.0
        arc = 2.0 * R * fastmath.asin(r / (2.0 * R))
        return True, vz + arc * pz / pt, arc
    # (off the axis in a function of its own: this one stays small enough for LLVM to inline)
    return _first_crossing_off_axis(vx, vy, vz, px, py, pz, q, b_field, r)


@inline
def _first_crossing_off_axis(vx, vy, vz, px, py, pz, q, b_field, r):
    pt, R, s, cx, cy, d = _circle_centre(vx, vy, px, py, q, b_field)
    if not circle_reaches(r, R, d):
        return False, 0.0, 0.0  # (before the angles: most tracks that miss a radius cost no atan2)
    return crossing_on_circle(vz, pz, r, pt, R, s, cx, cy, d, cx / d, cy / d, fastmath.atan2(vy - cy, vx - cx))


def _circle_centre_of(vx, vy, px, py, q, b_field):
    """(pt, R, s, cx, cy, d): radius R (cm), turning sense s (+1 clockwise seen from +z), centre
    (cx, cy) and its distance d from the axis of a charged track's circle."""
    pt = np.sqrt(px * px + py * py)
    R = curvature_radius_cm(pt, b_field)
    s = 1.0 if q > 0 else -1.0
    cx = vx + s * R * py / pt
    cy = vy - s * R * px / pt
    return pt, R, s, cx, cy, np.sqrt(cx * cx + cy * cy)


_circle_centre = inline(_circle_centre_of)
# the same operations typed into a vectorised loop's body (a call keeps the loop scalar)
circle_centre_lanes = lanes(_circle_centre_of)


@inline
def circle_reaches(r, R, d):
    """Whether a circle of radius R whose centre is d from the axis reaches radius r."""
    return not (d < 1e-12 or r < abs(d - R) or r > d + R)


@inline
def helix_circle(vx, vy, px, py, q, b_field):
    """(pt, R, s, cx, cy, d, ux, uy, psi0) of a charged track off the axis, for
    :func:`crossing_on_circle`: its circle (:func:`_circle_centre`), the direction (ux, uy) of the
    centre and the production point's angle psi0 seen from the centre. Made once per track that
    meets several radii (the CDC's superlayers): the numbers first_crossing makes per radius."""
    pt, R, s, cx, cy, d = _circle_centre(vx, vy, px, py, q, b_field)
    return pt, R, s, cx, cy, d, cx / d, cy / d, fastmath.atan2(vy - cy, vx - cx)


@inline
def crossing_on_circle(vz, pz, r, pt, R, s, cx, cy, d, ux, uy, psi0):
    """:func:`first_crossing` of a track off the axis, given its :func:`helix_circle`."""
    if not circle_reaches(r, R, d):
        return False, 0.0, 0.0
    a = (r * r - R * R + d * d) / (2.0 * d)
    h = np.sqrt(max(r * r - a * a, 0.0))
    best = 1e30
    for sign in (-1.0, 1.0):
        qx = a * ux - sign * h * uy
        qy = a * uy + sign * h * ux
        psi = fastmath.atan2(qy - cy, qx - cx)
        # positive charges move clockwise (psi decreasing)
        dpsi = (psi0 - psi) if s > 0 else (psi - psi0)
        dpsi = fastmath.mod(dpsi, 2.0 * np.pi)
        if dpsi < best:
            best = dpsi
    arc = R * best
    return True, vz + arc * pz / pt, arc


@inline
def _point_on_circle(circle, arc):
    """Transverse position (x, y) after a transverse path length ``arc`` (cm) along a charged
    track's :func:`helix_circle`."""
    _, R, s, cx, cy, _, _, _, psi0 = circle
    sin_psi, cos_psi = fastmath.sincos(psi0 - s * arc / R)
    return cx + R * cos_psi, cy + R * sin_psi


@inline
def straight_entry(vx, vy, vz, px, py, pz, r_barrel, z_fwd, z_bwd):
    """(reached, theta, phi) of the point where a straight line from (vx, vy, vz) along p leaves
    the cylinder r < r_barrel, z_bwd < z < z_fwd, seen from the origin (a non-pointing photon
    is reconstructed at the angles of its shower position). Not reached if it starts outside."""
    r2 = vx * vx + vy * vy
    if r2 >= r_barrel * r_barrel or not z_bwd < vz < z_fwd:
        return False, 0.0, 0.0
    pt2 = px * px + py * py
    t = 1e30  # path parameter along p (cm per GeV) to the exit
    if pt2 > 0.0:
        b = vx * px + vy * py
        t = (-b + np.sqrt(b * b + pt2 * (r_barrel * r_barrel - r2))) / pt2
    if pz > 0.0:
        t = min(t, (z_fwd - vz) / pz)
    elif pz < 0.0:
        t = min(t, (z_bwd - vz) / pz)
    x, y, z = vx + t * px, vy + t * py, vz + t * pz
    return True, fastmath.atan2(np.sqrt(x * x + y * y), z), fastmath.atan2(y, x)


@lanes
def straight_entry_lanes(vx, vy, vz, px, py, pz, r_barrel, z_fwd, z_bwd):
    """:func:`straight_entry` with every step a selection, for loops LLVM vectorises: the same
    operations, so the same bits, except where ``special`` says so (an input atan2_lanes leaves to
    atan2: the caller takes straight_entry). Returns (reached, theta, phi, special); phi 0 where
    not reached."""
    r2 = vx * vx + vy * vy
    reached = (r2 < r_barrel * r_barrel) & (z_bwd < vz) & (vz < z_fwd)
    pt2 = px * px + py * py
    b = vx * px + vy * py
    t = (-b + np.sqrt(b * b + pt2 * (r_barrel * r_barrel - r2))) / pt2 if pt2 > 0.0 else 1e30
    t_plane = (z_fwd - vz) / pz if pz > 0.0 else (z_bwd - vz) / pz
    t = min(t, t_plane) if pz != 0.0 else t
    x, y, z = vx + t * px, vy + t * py, vz + t * pz
    rho = np.sqrt(x * x + y * y)
    special = reached & (fastmath.atan2_special(rho, z) | fastmath.atan2_special(y, x))
    return reached, fastmath.atan2_lanes(rho, z), fastmath.atan2_lanes(y, x) if reached else 0.0, special


@inline
def impact_d0(vx, vy, px, py, q, b_field):
    """:func:`impact_parameters`' d0 alone, in its very operations (the same number), without the
    two atan2 its z0 needs."""
    pt = np.sqrt(px * px + py * py)
    if pt <= 0.0:
        return 0.0
    ux, uy = px / pt, py / pt
    if q == 0.0:
        return vx * uy - vy * ux
    R = curvature_radius_cm(pt, b_field)
    s = 1.0 if q > 0 else -1.0
    cx = vx + s * R * uy
    cy = vy - s * R * ux
    return s * (np.sqrt(cx * cx + cy * cy) - R)


@lanes
def impact_parameters_lanes(vx, vy, vz, px, py, pz, q, b_field):
    """:func:`impact_parameters` of a charged track with pT > 0, every step a selection (for loops
    LLVM vectorises): the same operations, so the same bits, except where ``special`` says so (no
    pT or charge, or an input atan2_lanes or fastmath.mod_lanes leaves to the scalar functions:
    there the caller takes impact_parameters). Returns (d0, z0, special)."""
    pt = np.sqrt(px * px + py * py)
    ux, uy = px / pt, py / pt
    R = curvature_radius_cm(pt, b_field)
    s = 1.0 if q > 0 else -1.0
    cx = vx + s * R * uy
    cy = vy - s * R * ux
    d = np.sqrt(cx * cx + cy * cy)
    psi0 = fastmath.atan2_lanes(vy - cy, vx - cx)
    psi1 = fastmath.atan2_lanes(-cy, -cx) if d > 0.0 else psi0
    dpsi = (psi0 - psi1) if s > 0 else (psi1 - psi0)
    wrapped, odd = fastmath.mod_lanes(dpsi + np.pi, 2.0 * np.pi)
    special = ~(pt > 0.0) | (q == 0.0) | odd | fastmath.atan2_special(vy - cy, vx - cx) | (
        (d > 0.0) & fastmath.atan2_special(-cy, -cx))
    return s * (d - R), vz + R * (wrapped - np.pi) * pz / pt, special


@inline
def impact_parameters(vx, vy, vz, px, py, pz, q, b_field):
    """(d0, z0) in cm of the helix's point of closest approach to the z axis: d0 = signed
    transverse distance (positive when the axis lies to the left of the motion), z0 = z there.
    Exact for a helix in a uniform field; a straight line for neutral or very stiff tracks."""
    pt = np.sqrt(px * px + py * py)
    if pt <= 0.0:
        return 0.0, vz
    ux, uy = px / pt, py / pt
    if q == 0.0:
        s_ca = -(vx * ux + vy * uy)  # transverse path to closest approach (may be negative)
        return vx * uy - vy * ux, vz + s_ca * pz / pt
    R = curvature_radius_cm(pt, b_field)
    s = 1.0 if q > 0 else -1.0
    cx = vx + s * R * uy
    cy = vy - s * R * ux
    d = np.sqrt(cx * cx + cy * cy)
    d0 = s * (d - R)
    # closest point lies on the line from the centre to the axis; turn angle from the vertex to it
    psi0 = fastmath.atan2(vy - cy, vx - cx)
    psi1 = fastmath.atan2(-cy, -cx) if d > 0.0 else psi0
    dpsi = (psi0 - psi1) if s > 0 else (psi1 - psi0)
    dpsi = fastmath.mod(dpsi + np.pi, 2.0 * np.pi) - np.pi  # the nearer way, backwards or forwards
    return d0, vz + R * dpsi * pz / pt


@inline
def calorimeter_entry(vx, vy, vz, px, py, pz, q, b_field, r_barrel, z_fwd, z_bwd, max_turns, theta_p, phi_p):
    """Where a particle enters the calorimeter envelope: (reached, theta, phi) of the entry point
    seen from the origin. Neutral particles fly straight; charged ones follow the helix and must
    get there within ``max_turns`` turns (loopers lose their energy first). theta_p, phi_p: the
    momentum's polar angle and azimuth (belle2sim.detector.directions.angles_of)."""
    if q != 0.0 and vx * vx + vy * vy < AXIS_TOLERANCE_CM2:
        # tracks from the beam spot, the common case, apart (entries.calorimeter_entries calls
        # entry_from_axis directly: a call level less, 245 -> 221 ns per four-muon event)
        return entry_from_axis(vz, px, py, pz, q, b_field, r_barrel, z_fwd, z_bwd, max_turns, phi_p)
    pt = np.sqrt(px * px + py * py)
    if q == 0.0:
        if vx * vx + vy * vy + vz * vz < DISPLACED_CM2:
            return True, theta_p, phi_p
        return straight_entry(vx, vy, vz, px, py, pz, r_barrel, z_fwd, z_bwd)
    # a track off the axis (a decay in flight): the point of its circle, made once with the
    # production point's angle on it, for the crossing and for the point (one atan2 less than
    # making them apart: q qbar events 740 -> 724 ns in the calorimeter entries)
    if pt <= 0.0:
        return False, 0.0, 0.0  # (no circle: a track along the axis never gets to the calorimeter)
    circle = helix_circle(vx, vy, px, py, q, b_field)
    reached, z, arc = crossing_on_circle(vz, pz, r_barrel, *circle)
    if reached and z_bwd < z < z_fwd:
        x, y = _point_on_circle(circle, arc)
        return True, fastmath.atan2(r_barrel, z), fastmath.atan2(y, x)
    reached, z_plane, arc, R = _to_endcap_plane(vz, pz, pt, b_field, z_fwd, z_bwd, max_turns)
    if not reached:
        return False, 0.0, 0.0
    x, y = _point_on_circle(circle, arc)
    return True, fastmath.atan2(np.sqrt(x * x + y * y), z_plane), fastmath.atan2(y, x)


@inline
def entry_from_axis(vz, px, py, pz, q, b_field, r_barrel, z_fwd, z_bwd, max_turns, phi_p):
    """:func:`calorimeter_entry` of a charged track from the beam axis: the chord from the origin
    to the barrel crossing or the endcap plane."""
    pt = np.sqrt(px * px + py * py)
    reached, z, arc = first_crossing(0.0, 0.0, vz, px, py, pz, q, b_field, r_barrel)
    if reached and z_bwd < z < z_fwd:
        return True, fastmath.atan2(r_barrel, z), _chord_phi(phi_p, q, 0.5 * arc / curvature_radius_cm(pt, b_field))
    reached, z_plane, arc, R = _to_endcap_plane(vz, pz, pt, b_field, z_fwd, z_bwd, max_turns)
    if not reached:
        return False, 0.0, 0.0
    # the chord from the origin again, of length 2R sin(half the bending angle): one sine instead
    # of the circle's centre angle, its sine and cosine and a second atan2 (four-muon events:
    # 320 -> 250 ns per event; the point of the circle through the origin, as above)
    half_turn = 0.5 * arc / R
    chord = 2.0 * R * abs(fastmath.sincos(half_turn)[0])
    return True, fastmath.atan2(chord, z_plane), _chord_phi(phi_p, q, half_turn)


NO_CROSSING = 2.0  # no arcsine's argument nor value (|x| > 1, > pi / 2): the barrel radius is not reached


@inline
def barrel_arcsine_argument(px, py, b_field, r_barrel):
    """r / 2R, whose arcsine :func:`entry_from_axis_lanes` takes, of a charged track from the
    beam axis (the argument of first_crossing's arcsine), or NO_CROSSING if it never gets to
    radius r_barrel. Selections only: a loop of it vectorises."""
    pt = np.sqrt(px * px + py * py)
    R = curvature_radius_cm(pt, b_field)
    return r_barrel / (2.0 * R) if (pt > 0.0) & ~(r_barrel > 2.0 * R) else NO_CROSSING


@lanes
def entry_from_axis_lanes(vz, px, py, pz, q, b_field, r_barrel, z_fwd, z_bwd, max_turns, phi_p, arcsine):
    """:func:`entry_from_axis` with every step a selection, for loops LLVM vectorises: the same
    operations on both the barrel and the endcap path, so the same bits, given ``arcsine`` =
    fastmath.asin(:func:`barrel_arcsine_argument`) (NO_CROSSING where that is). Returns (reached, theta,
    phi, special): where ``special`` (fastmath.atan2_special), the caller takes entry_from_axis."""
    pt = np.sqrt(px * px + py * py)
    R = curvature_radius_cm(pt, b_field)
    arc = 2.0 * R * arcsine  # (first_crossing's)
    z = vz + arc * pz / pt
    barrel = (arcsine != NO_CROSSING) & (z_bwd < z) & (z < z_fwd)
    z_plane = z_fwd if pz > 0 else z_bwd  # (_to_endcap_plane's)
    arc_plane = (z_plane - vz) * pt / pz
    endcap = (pz != 0.0) & ~(arc_plane > max_turns * 2.0 * np.pi * R)
    half_turn = 0.5 * arc / R if barrel else 0.5 * arc_plane / R
    y = r_barrel if barrel else 2.0 * R * abs(fastmath.sin_lanes(half_turn))
    x = z if barrel else z_plane
    return (barrel | endcap, fastmath.atan2_lanes(y, x), _chord_phi(phi_p, q, half_turn),
            fastmath.atan2_special(y, x))


@lanes
def entry_off_axis_lanes(vx, vy, vz, px, py, pz, q, b_field, r_barrel, z_fwd, z_bwd, max_turns):
    """:func:`calorimeter_entry` of a charged track produced off the beam axis (a decay in flight),
    with every step a selection, for loops LLVM vectorises: the barrel crossing (both points of
    :func:`crossing_on_circle`) and the endcap plane both made, the one taken selected, then one
    point of the circle and its two angles. The same operations, so the same bits, except where
    ``special`` says so (an input atan2_lanes or fastmath.mod leaves to the scalar functions): there
    the caller takes calorimeter_entry. Returns (reached, theta, phi, special); phi 0 where not
    reached, as calorimeter_entry's."""
    pt, R, s, cx, cy, d = circle_centre_lanes(vx, vy, px, py, q, b_field)  # (helix_circle's)
    ux, uy = cx / d, cy / d
    psi0 = fastmath.atan2_lanes(vy - cy, vx - cx)
    special = fastmath.atan2_special(vy - cy, vx - cx)
    # the barrel: crossing_on_circle at r_barrel
    crosses = ~((d < 1e-12) | (r_barrel < abs(d - R)) | (r_barrel > d + R))  # (circle_reaches)
    a = (r_barrel * r_barrel - R * R + d * d) / (2.0 * d)
    h = np.sqrt(max(r_barrel * r_barrel - a * a, 0.0))
    # (its two points written out: a loop over them, even of two, keeps LLVM from vectorising)
    dpsi_1, special_1 = _turn_to_lanes(a * ux + h * uy, a * uy - h * ux, cx, cy, s, psi0)  # (sign -1)
    dpsi_2, special_2 = _turn_to_lanes(a * ux - h * uy, a * uy + h * ux, cx, cy, s, psi0)  # (sign +1)
    special |= crosses & (special_1 | special_2)
    best = dpsi_1 if dpsi_1 < 1e30 else 1e30
    best = dpsi_2 if dpsi_2 < best else best
    arc_barrel = R * best
    z_barrel = vz + arc_barrel * pz / pt
    barrel = crosses & (z_bwd < z_barrel) & (z_barrel < z_fwd)
    # the endcap plane: _to_endcap_plane
    z_plane = z_fwd if pz > 0 else z_bwd
    arc_plane = (z_plane - vz) * pt / pz
    endcap = (pz != 0.0) & ~(arc_plane > max_turns * 2.0 * np.pi * R)
    arc = arc_barrel if barrel else arc_plane
    sin_psi, cos_psi = fastmath.sincos_lanes(psi0 - s * arc / R)  # (_point_on_circle's)
    x, y = cx + R * cos_psi, cy + R * sin_psi
    theta_y = r_barrel if barrel else np.sqrt(x * x + y * y)
    theta_x = z_barrel if barrel else z_plane
    reached = (pt > 0.0) & (barrel | endcap)
    special |= reached & (fastmath.atan2_special(theta_y, theta_x) | fastmath.atan2_special(y, x))
    return (reached, fastmath.atan2_lanes(theta_y, theta_x), fastmath.atan2_lanes(y, x) if reached else 0.0,
            special & (pt > 0.0))


@lanes
def _turn_to_lanes(qx, qy, cx, cy, s, psi0):
    """(turn from psi0 to the point (qx, qy) of the circle along the motion, in [0, 2 pi), special):
    crossing_on_circle's step for one point, in selections."""
    psi = fastmath.atan2_lanes(qy - cy, qx - cx)
    dpsi, odd = fastmath.mod_lanes((psi0 - psi) if s > 0 else (psi - psi0), 2.0 * np.pi)
    return dpsi, fastmath.atan2_special(qy - cy, qx - cx) | odd


@inline
def _to_endcap_plane(vz, pz, pt, b_field, z_fwd, z_bwd, max_turns):
    """(reached, z of the endcap plane the track heads for, transverse arc to it (cm), R): not
    reached for a track with no pz or one that would need more than ``max_turns`` turns."""
    if pz == 0.0:
        return False, 0.0, 0.0, 0.0
    z_plane = z_fwd if pz > 0 else z_bwd
    arc = (z_plane - vz) * pt / pz
    R = curvature_radius_cm(pt, b_field)
    return not arc > max_turns * 2.0 * np.pi * R, z_plane, arc, R


@inline
def _chord_phi(phi_p, q, half_turn):
    """Azimuth of the chord from the origin to where a track from the origin has turned by twice
    ``half_turn`` (rad): its direction turns by half the bending angle."""
    phi = phi_p - (1.0 if q > 0 else -1.0) * half_turn
    return phi - 2.0 * np.pi if phi > np.pi else (phi + 2.0 * np.pi if phi < -np.pi else phi)  # (selections)
