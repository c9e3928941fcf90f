"""Global Reconstruction Logic (GRL) bits: matching between CDC tracks, ECL clusters and KLM.

Definitions after basf2 TRGGRLProjectsModule.cc (data sheet appendix B), with the matching made
exact: a 2D track is matched to an ECL trigger cluster if its own deposit fed that cluster
(the hardware matches in phi; at the trigger's granularity the two agree for isolated tracks).

* cdcecl: 2D tracks matched to a cluster; c2gev: matched clusters above ``c2gev_energy_GeV``.
* klm / eklm: particles leaving a barrel / endcap KLM hit; cdcklm: 2D tracks with a barrel hit.
* klmb2b / eklmb2b: two barrel / endcap KLM hits at least ``klm_b2b_min_dphi_deg`` apart in phi.
* d5: two trigger clusters back-to-back in lab phi (``cluster_b2b_dphi_deg`` window).
* p5: a 2D track back-to-back (``track_cluster_b2b_dphi_deg``) with a cluster it did not feed.
* samhem / opohem: exactly one 3D track and a cluster it did not feed, within / beyond
  ``hemisphere_dphi_deg`` of the track in phi (our reading of "same / opposite hemisphere").
* trkbha (track Bhabha): the two clusters of the 3D Bhabha pair are each fed by a 3D track
  with pT above ``track_bhabha_min_pt_GeV`` (the hardware asks for such a track within 15 deg
  in phi of each cluster).
"""

import numpy as np
from numba import prange

from belle2sim._jit import inline, kernel

GRL_BITS = ("cdcecl", "c2gev", "cdcklm", "klm", "eklm", "klmb2b", "eklmb2b", "d5", "p5",
            "samhem", "opohem", "trkbha")
N_GRL_BITS = len(GRL_BITS)
G_C2GEV, G_KLM_B2B, G_D5_LO, G_D5_HI, G_P5_LO, G_P5_HI, G_HEMI, G_TRKBHA_PT = range(8)


def pack_parameters(grl):
    return np.array([grl["c2gev_energy_GeV"], grl["klm_b2b_min_dphi_deg"], *grl["cluster_b2b_dphi_deg"],
                     *grl["track_cluster_b2b_dphi_deg"], grl["hemisphere_dphi_deg"],
                     grl["track_bhabha_min_pt_GeV"]], dtype=np.float64)


@inline
def _dphi_deg(a, b):
    d = abs(a - b) * 180.0 / np.pi
    d = d % 360.0
    return 360.0 - d if d > 180.0 else d


@inline
def _cluster_phi(slot, w_ring, w_phi, phi_segments):
    return (w_phi[slot] + 0.5) * 2.0 * np.pi / phi_segments[w_ring[slot]] - np.pi


@kernel(parallel=True)
def grl_bits(offsets, px, py, n_2d, trk_particle, trk_phi0, trk_3d, dep_tc, w_label, w_E, w_ring, w_phi,
             phi_segments, klm_hit, bha_pair, params, bits):
    for i in prange(offsets.shape[0] - 1):
        start, stop = offsets[i], offsets[i + 1]
        n_trk = n_2d[i]
        cdcecl = c2gev = cdcklm = n3d = 0
        one3d = -1
        for a in range(start, start + n_trk):
            j = trk_particle[a]
            tc = dep_tc[j]
            if tc >= 0 and w_label[tc] >= 0:
                cdcecl += 1
                if w_E[w_label[tc]] >= params[G_C2GEV]:
                    c2gev += 1
            if klm_hit[j] == 1:
                cdcklm += 1
            if trk_3d[a]:
                n3d += 1
                one3d = a
        klm = eklm = klmb2b = eklmb2b = 0
        cos_b2b = np.cos(np.radians(params[G_KLM_B2B]))
        for j in range(start, stop):
            if klm_hit[j] == 0:
                continue
            if klm_hit[j] == 1:
                klm += 1
            else:
                eklm += 1
            tj = np.sqrt(px[j] * px[j] + py[j] * py[j])
            for k in range(j + 1, stop):
                if klm_hit[k] != klm_hit[j]:
                    continue
                # azimuthal separation >= the b2b window, from the cosine of the angle
                tk = np.sqrt(px[k] * px[k] + py[k] * py[k])
                if (px[j] * px[k] + py[j] * py[k]) <= cos_b2b * tj * tk:
                    if klm_hit[j] == 1:
                        klmb2b = 1
                    else:
                        eklmb2b = 1
        d5 = p5 = samhem = opohem = 0
        for c in range(start, stop):
            if w_label[c] != c:
                continue  # not a cluster head (or not a fired cell)
            phi_c = _cluster_phi(c, w_ring, w_phi, phi_segments)
            for c2 in range(c + 1, stop):
                if w_label[c2] == c2:
                    d = _dphi_deg(phi_c, _cluster_phi(c2, w_ring, w_phi, phi_segments))
                    if params[G_D5_LO] <= d <= params[G_D5_HI]:
                        d5 = 1
            for a in range(start, start + n_trk):
                tc = dep_tc[trk_particle[a]]
                if tc >= 0 and w_label[tc] == c:
                    continue  # the track's own cluster
                d = _dphi_deg(trk_phi0[a], phi_c)
                if params[G_P5_LO] <= d <= params[G_P5_HI]:
                    p5 = 1
                if n3d == 1 and a == one3d:
                    if d > params[G_HEMI]:
                        opohem = 1
                    else:
                        samhem = 1
        trkbha = 0
        if bha_pair[i, 0] >= 0:
            fed_a = fed_b = False
            for a in range(start, start + n_trk):
                j = trk_particle[a]
                if not trk_3d[a] or px[j] * px[j] + py[j] * py[j] < params[G_TRKBHA_PT] ** 2:
                    continue
                tc = dep_tc[j]
                if tc >= 0:
                    fed_a = fed_a or w_label[tc] == bha_pair[i, 0]
                    fed_b = fed_b or w_label[tc] == bha_pair[i, 1]
            trkbha = 1 if (fed_a and fed_b) else 0
        for k, v in enumerate((cdcecl, c2gev, cdcklm, klm, eklm, klmb2b, eklmb2b, d5, p5, samhem, opohem, trkbha)):
            bits[i, k] = min(v, 127)
