"""CDC geometry as seen by a charged track: which layers it crosses inside the wire volume.

A track crosses a layer of radius r if its helix reaches r and, at its first crossing, z lies
within the wires' z extent at that radius (the card's per-layer table from basf2 CDC.xml,
linear in r between its rows). Low-pT tracks curl before the outer layers; tracks at small polar angle leave through
the end-plates. Tracks produced outside a layer's radius can still cross it on the way in.
"""

from belle2sim._jit import inline
from belle2sim.detector.helix import AXIS_TOLERANCE_CM2, first_crossing

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
def crosses_layer(vx, vy, vz, px, py, pz, q, geo, r):
    """True if the track crosses the CDC layer at radius r inside the wire volume."""
    reached, z, _ = first_crossing(vx, vy, vz, px, py, pz, q, geo[G_B], r)
    if not reached:
        return False
    lo, hi = z_extent(r, geo)
    return lo <= z <= hi


@inline
def count_axial_superlayers(vx, vy, vz, px, py, pz, q, geo, axial_radii, enough):
    """Axial superlayers crossed inside the wire volume, counting stops at ``enough``.

    Superlayers are tried inside out: once a track has left the volume (beyond its reach or
    through an end-plate) the outer ones cannot be crossed either, except by a track produced
    off the axis, for which every layer is tried."""
    n = 0
    from_axis = vx * vx + vy * vy < AXIS_TOLERANCE_CM2
    for k in range(axial_radii.shape[0]):
        if crosses_layer(vx, vy, vz, px, py, pz, q, geo, axial_radii[k]):
            n += 1
            if n >= enough:
                return n
        elif from_axis:
            return n
    return n
