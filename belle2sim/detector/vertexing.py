"""Displaced two-track vertices (card table ``displaced``).

A decayed particle whose daughters start more than ``vertex_min_radius_cm`` from the beam axis
is reconstructed as a vertex when at least two of its direct charged daughters were found as
tracks, with ``vertex_efficiency`` (linear in the transverse decay radius). The vertex radius is
the true one smeared with ``vertex_radius_resolution_cm`` (inside / beyond the VXD); its
momentum and mass are those of the found daughter tracks, each with its own (true) mass, as a
vertex fit with mass hypotheses would give. Results sit in the slots of the decayed particle.

What is not modelled: fake vertices from photon conversions in the material (a selection that
needs a conversion veto says so), vertices from tracks of different decays, and the vertex-fit
quality.
"""

import numpy as np

from belle2sim import rng
from belle2sim._jit import range_kernel
from belle2sim.detector.tracking import (
    D_TABLE, D_VTX_MIN_R, D_VTX_SIG_IN, D_VTX_SIG_OUT, D_VXD_R, piecewise_linear,
)
from belle2sim.events import STATUS_DECAYED


@range_kernel("numbers")
def vertex_response(begin, end, seed, numbers, offsets, parent, status, charge, E, px, py, pz, vx, vy, found, tpx,
                    tpy, tpz, disp, n_tracks, radius, mass, vpx, vpy, vpz, vE, vtx_found):
    vertex_table = D_TABLE + 1 + 2 * int(disp[D_TABLE])
    for i in range(begin, end):
        start, stop = offsets[i], offsets[i + 1]
        for j in range(start, stop):
            n_tracks[j] = 0
            vtx_found[j] = False
            radius[j] = mass[j] = np.nan
            vpx[j] = vpy[j] = vpz[j] = vE[j] = 0.0
        for k in range(start, stop):
            if parent[k] < 0:
                continue
            m = start + parent[k]
            radius[m] = np.sqrt(vx[k] * vx[k] + vy[k] * vy[k])  # true decay radius, for now
            if not found[k] or charge[k] == 0.0:
                continue
            true_mass2 = max(E[k] * E[k] - px[k] * px[k] - py[k] * py[k] - pz[k] * pz[k], 0.0)
            p2 = tpx[k] * tpx[k] + tpy[k] * tpy[k] + tpz[k] * tpz[k]
            n_tracks[m] += 1
            vpx[m] += tpx[k]
            vpy[m] += tpy[k]
            vpz[m] += tpz[k]
            vE[m] += np.sqrt(p2 + true_mass2)
        key = rng.event_key(seed, numbers[i], rng.STAGE_VERTEX)
        for j in range(start, stop):
            r_true = radius[j]
            if status[j] != STATUS_DECAYED or n_tracks[j] < 2 or not r_true > disp[D_VTX_MIN_R]:
                radius[j] = np.nan
                continue
            local = j - start
            if rng.uniform(key, 2 * local) >= piecewise_linear(r_true, disp, vertex_table):
                radius[j] = np.nan
                continue
            vtx_found[j] = True
            sigma = disp[D_VTX_SIG_IN] if r_true <= disp[D_VXD_R] else disp[D_VTX_SIG_OUT]
            radius[j] = abs(r_true + sigma * rng.normal(key, 2 * local + 1))
            m2 = vE[j] * vE[j] - vpx[j] * vpx[j] - vpy[j] * vpy[j] - vpz[j] * vpz[j]
            mass[j] = np.sqrt(max(m2, 0.0))


class Vertices:
    """Per-particle vertex output, in the slot of the decayed particle: ``found``, the number of
    found daughter tracks, reconstructed transverse radius (cm), mass (GeV) and four-momentum."""

    def __init__(self, n):
        self.n_tracks = np.empty(n, dtype=np.int16)
        self.found = np.empty(n, dtype=np.bool_)
        self.radius_cm = np.empty(n, dtype=np.float64)
        self.mass_GeV = np.empty(n, dtype=np.float64)
        self.px = np.empty(n, dtype=np.float64)
        self.py = np.empty(n, dtype=np.float64)
        self.pz = np.empty(n, dtype=np.float64)
        self.E = np.empty(n, dtype=np.float64)


def simulate_vertices(batch, charge, tracks, card, seed):
    out = Vertices(batch.n_particles)
    vertex_response(np.uint64(seed), batch.number, batch.offsets, batch.parent, batch.status, charge,
                    batch.E, batch.px, batch.py, batch.pz, batch.vx, batch.vy, tracks.found,
                    tracks.px, tracks.py, tracks.pz, card.displaced_params(), out.n_tracks, out.radius_cm,
                    out.mass_GeV, out.px, out.py, out.pz, out.E, out.found)
    return out

