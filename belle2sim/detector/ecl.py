"""ECL response: which particles make a cluster, and how well it is measured.

What each particle leaves (card table ``ecl_charged``):

* photons and electrons shower and deposit their energy (E/p ~ 1);
* muons leave a minimum-ionising deposit (``mip_energy_GeV``, Gaussian spread);
* hadrons interact in the 0.8 interaction lengths of CsI with probability 1 - exp(-0.8) and
  then deposit a uniform fraction of their kinetic energy; otherwise they are minimum-ionising
  (charged) or invisible (neutral);
* neutrinos and new invisible states leave nothing.

Charged particles reach the ECL along their helix (barrel cylinder, or endcap planes within one
turn); photons fly straight. The deposit sits at the entry point. It is seen if that polar angle
lies in the forward endcap, the barrel or the backward endcap of the card, or in the gaps
between them (31.4-32.2 deg and 128.7-130.7 deg): basf2 reconstructs showers there (regions 11
and 13 of ECLShower::getDetectorRegion) and gives them the barrel resolution
(ECLCovarianceMatrixModule: ``if (detregion == 11 or detregion == 13) detregion = 2``), so a
gap deposit has region 2 here. Outside 12.4-155.1 deg it is lost.

Smearing follows the basf2 low-background covariance parametrisation, per region:
sigma_E/E[%], sigma_theta[mrad], sigma_phi[mrad] = a/E + b/sqrt(E) + c/E^(1/4) + d, evaluated
at max(E, E_min) (the card's min_energy_GeV, where basf2 switches to a constant).

Deposits closer than ``merge_angle_rad`` merge (energies add, the more energetic one keeps its
direction). Every deposit feeds the trigger cells; only merged deposits above
``cluster_min_energy_GeV`` become offline clusters.

Photons from the beam spot point to the origin. Photons produced more than 5 mm from it (decays
in flight) are not pointing: their deposit sits where the straight line leaves the cylinder
r < barrel_radius_cm, backward_endcap_z_cm < z < forward_endcap_z_cm, and it is reconstructed at
that point's angles seen from the origin, as a pointing reconstruction would do. Two photons
closer than ``merge_angle_rad`` there (light boosted ALPs) merge into one cluster.
"""

import numpy as np

from belle2sim import _jit, rng
from belle2sim._jit import inline, ix, range_kernel
from belle2sim._workspace import particle_rows, scratch, scratch_arrays
from belle2sim.detector import directions
from belle2sim.detector.cdc import axial_layers
from belle2sim.detector.entries import (  # noqa: F401 (C_* and MAX_TURNS: the layout of the card's charged parameters)
    C_B, C_F_HI, C_F_LO, C_MIP, C_MIP_SPREAD, C_P_INT, C_RB, C_ZB, C_ZF, MAX_TURNS, entry_points_step, points_from_origin,
)
from belle2sim.event_blocks import run_blocks
from belle2sim.pdgdata import CHARGED_HADRON, ELECTRON, INVISIBLE, MUON, PHOTON

# the angle between two directions is at least their difference in theta; the margin covers the
# rounding of float32 angles and float32 trigonometry (~1e-5 rad near the merge angle)
THETA_MARGIN_RAD = 1e-3

REGION_NONE, REGION_FORWARD, REGION_BARREL, REGION_BACKWARD = 0, 1, 2, 3


@inline
def ecl_region(theta, region_theta):
    """1 forward endcap, 2 barrel (and the barrel-endcap gaps, reconstructed with barrel
    resolution as basf2 does), 3 backward endcap, 0 outside (region_theta: (3, 2) rad)."""
    in_fwd = (region_theta[0, 0] <= theta) & (theta <= region_theta[0, 1])
    in_barrel = (region_theta[1, 0] <= theta) & (theta <= region_theta[1, 1])
    in_bwd = (region_theta[2, 0] <= theta) & (theta <= region_theta[2, 1])
    in_gap = (region_theta[0, 1] < theta) & (theta < region_theta[2, 0])
    return 1 if in_fwd else (2 if in_barrel else (3 if in_bwd else (2 if in_gap else 0)))


@inline
def resolution(params, region, energy):
    """a/E + b/sqrt(E) + c/E^(1/4) + d for one region row (a, b, c, d, E_min)."""
    row = params[ix(region - 1)]
    e = max(energy, row[4])
    r2 = 1.0 / np.sqrt(e)
    return row[0] * r2 * r2 + row[1] * r2 + row[2] * np.sqrt(r2) + row[3]


@inline
def _resolution_shared(params, region, energy, inv_e, inv_sqrt, inv_fourth):
    """As :func:`resolution`, reusing the powers of ``energy`` when it is above the clamp."""
    row = params[ix(region - 1)]
    if energy < row[4]:
        return resolution(params, region, energy)
    return row[0] * inv_e + row[1] * inv_sqrt + row[2] * inv_fourth + row[3]


@inline
def mip_energy(key, local, params):
    """A minimum-ionising deposit [GeV], Gaussian about the card's MIP energy (draw 3*local+100),
    before the particle's own bounds."""
    return params[C_MIP] * (1.0 + params[C_MIP_SPREAD] * rng.normal(key, 3 * local + 100))




@range_kernel("numbers")
def ecl_response(begin, end, seed, numbers, offsets, status, response, charge, px, py, pz, E, vx, vy, vz,
                 region_theta, res_energy, res_theta, res_phi, cluster_min_energy, merge_angle, charged_params,
                 mom_theta, mom_phi, entry_theta, entry_phi, dep_E, dep_theta, dep_phi, dep_region, is_cluster):
    """Fill per-particle deposit arrays (energy GeV, theta, phi rad, region) and cluster flags;
    mom_theta, mom_phi: each particle's momentum angles (directions.momentum_angles); entry_theta,
    entry_phi: where it enters the calorimeter (:func:`calorimeter_entries`)."""
    cos_merge = np.cos(merge_angle)
    far = _far_in_phi(merge_angle + THETA_MARGIN_RAD)
    theta_window = merge_angle + THETA_MARGIN_RAD
    partners = np.empty(64, dtype=np.uint64)  # the deposits close in theta to one deposit (grown if needed)
    made_slot, made_theta = np.empty(64, dtype=np.uint64), np.empty(64)  # an event's deposits, packed
    # "no deposit" for every particle of the range first, in vector stores
    for j in range(np.uint64(offsets[begin]), np.uint64(offsets[end])):
        dep_E[j] = 0.0
        dep_theta[j] = dep_phi[j] = np.nan
        dep_region[j] = 0
        is_cluster[j] = False
    for i in range(begin, end):
        key = rng.event_key(seed, numbers[ix(i)], rng.STAGE_ECL)
        start, stop = np.uint64(offsets[ix(i)]), np.uint64(offsets[ix(i + 1)])  # (unsigned: no wrap-around tests)
        n_dep = 0
        last = start
        for j in range(start, stop):
            cls = response[j]
            if status[j] != 1 or (cls == INVISIBLE and charge[j] == 0.0):
                continue
            theta_p, phi_p = mom_theta[j], mom_phi[j]
            if cls == INVISIBLE:
                continue  # (charged: a track, no deposit)
            if points_from_origin(charge[j], vx[j], vy[j], vz[j]):
                theta, phi0 = theta_p, phi_p  # the common case, straight from the origin
            else:
                theta, phi0 = entry_theta[j], entry_phi[j]
                if np.isnan(theta):
                    continue  # (never reaches it, or no angle to reach it at)
            region = ecl_region(theta, region_theta)
            if region == 0:
                continue
            local = np.int64(j - start)
            # the true energy it leaves (module docstring; draws 3*local+100..102), written out here:
            # as a helper LLVM left it a call per particle (four muons 183 -> 151-161 ns per event in
            # this kernel, q qbar 1077 -> 1004)
            if cls == PHOTON or cls == ELECTRON:
                e_true = E[j]
            elif cls == MUON:
                e_true = min(max(mip_energy(key, local, charged_params), 0.0), E[j])
            else:  # hadrons: they interact (a fraction of their kinetic energy) or are minimum-ionising
                mip = mip_energy(key, local, charged_params)
                p = np.sqrt(px[j] * px[j] + py[j] * py[j] + pz[j] * pz[j])  # (here: only a hadron's is read)
                kinetic = E[j] - np.sqrt(max(E[j] * E[j] - p * p, 0.0))
                if rng.uniform(key, 3 * local + 101) < charged_params[C_P_INT]:
                    f = charged_params[C_F_LO] + (charged_params[C_F_HI] - charged_params[C_F_LO]) * rng.uniform(
                        key, 3 * local + 102)
                    e_true = f * kinetic
                elif cls == CHARGED_HADRON:
                    e_true = min(max(mip, 0.0), kinetic)
                else:
                    e_true = 0.0
            if e_true <= 0.0:
                continue
            z1 = rng.normal(key, 3 * local)
            z2 = rng.normal(key, 3 * local + 1)
            z3 = rng.normal(key, 3 * local + 2)
            inv_sqrt = 1.0 / np.sqrt(e_true)
            inv_fourth = np.sqrt(inv_sqrt)
            inv_e = inv_sqrt * inv_sqrt
            s_e = _resolution_shared(res_energy, region, e_true, inv_e, inv_sqrt, inv_fourth)
            s_t = _resolution_shared(res_theta, region, e_true, inv_e, inv_sqrt, inv_fourth)
            s_p = _resolution_shared(res_phi, region, e_true, inv_e, inv_sqrt, inv_fourth)
            dep_E[j] = max(0.0, e_true * (1.0 + 0.01 * s_e * z1))
            dep_theta[j] = theta + 1e-3 * s_t * z2
            phi = phi0 + 1e-3 * s_p * z3
            if phi > np.pi:
                phi -= 2.0 * np.pi
            elif phi < -np.pi:
                phi += 2.0 * np.pi
            dep_phi[j] = phi
            dep_region[j] = region
            n_dep += 1
            last = j
        if n_dep > 1:
            # merge close deposits into the more energetic one (merging moves energy, never a
            # direction). Pairs farther apart in theta than the merge angle (plus a margin far above
            # the rounding of the float32 angles) cannot merge; nor can most of the others, apart in
            # phi (:func:`_apart_in_phi`); the few left (a quarter of a pair per q qbar event) compare
            # unit vectors, so the usual event of well-separated deposits needs no trigonometry
            # The event's deposits packed first (slot, polar angle: the pairs meet no other particle),
            # then for each deposit those close to it in theta listed without a branch (whether a pair
            # is close is a coin toss that a branch guesses wrong), and those pairs taken in order.
            # Packed, events of any size: q qbar 631 -> 574 ns per event in this kernel, four muons
            # 110 -> 104 (the pairs were listed over every particle, and events of up to six
            # deposits took each pair in turn with a branch)
            if stop - start > partners.shape[0]:
                partners = np.empty(2 * (stop - start), dtype=np.uint64)
                made_slot, made_theta = np.empty(2 * (stop - start), dtype=np.uint64), np.empty(2 * (stop - start))
            n_made = np.uint64(0)
            for j in range(start, stop):
                made_slot[n_made], made_theta[n_made] = j, np.float64(dep_theta[j])
                n_made += np.uint64(dep_region[j] != 0)
            for a in range(n_made):
                j = made_slot[a]
                theta_j, n_close = made_theta[a], 0
                for b in range(a + np.uint64(1), n_made):
                    partners[ix(n_close)] = made_slot[b]
                    n_close += abs(theta_j - made_theta[b]) <= theta_window
                for t in range(n_close):
                    if dep_region[j] == 0:
                        break  # merged into an earlier partner
                    k = partners[ix(t)]
                    if dep_region[k] == 0:
                        continue  # merged at an earlier deposit's turn
                    if _apart_in_phi(dep_theta[j], dep_theta[k], dep_phi[j], dep_phi[k], far):
                        continue  # (most pairs close in theta: no sine or cosine for them)
                    # both unit vectors made for each such pair, in registers (float32, as the angles):
                    # kept per deposit in scratch rows, as before, the rows' reset and their loads cost
                    # q qbar events ~55 ns in this kernel, four muons ~4 (the same numbers)
                    x_j, y_j, z_j = _unit_vector(dep_theta[j], dep_phi[j])
                    x_k, y_k, z_k = _unit_vector(dep_theta[k], dep_phi[k])
                    cos_a = np.float64(x_j) * x_k + np.float64(y_j) * y_k + np.float64(z_j) * z_k
                    if cos_a > cos_merge:
                        hi, lo = (j, k) if dep_E[j] >= dep_E[k] else (k, j)
                        dep_E[hi] += dep_E[lo]
                        dep_E[lo] = 0.0
                        dep_region[lo] = 0
            for j in range(start, stop):  # (&, not `and`: no branch per particle)
                is_cluster[j] = (dep_region[j] != 0) & (dep_E[j] >= cluster_min_energy)
        elif n_dep == 1:  # one deposit: only its flag (the others stay False; single photons
            # 45 -> 43 ns per event, q qbar 1.28 -> 1.26 us: no second pass over every particle)
            is_cluster[last] = dep_E[last] >= cluster_min_energy


@inline
def _unit_vector(theta, phi):
    """(x, y, z) of the direction (theta, phi), in the precision of the angles (float32 here)."""
    sin_theta = np.sin(theta)
    return sin_theta * np.cos(phi), sin_theta * np.sin(phi), np.cos(theta)


@inline
def _far_in_phi(angle):
    """The threshold of :func:`_apart_in_phi` for pairs farther apart than ``angle`` (rad)."""
    return np.sin(0.5 * angle) ** 2 * np.pi ** 4 / 4.0


@inline
def _apart_in_phi(theta_1, theta_2, phi_1, phi_2, far):
    """True if two directions are certainly farther apart than the angle of ``far``
    (:func:`_far_in_phi`), from their azimuths, without trigonometry. The haversine of their angle
    d is hav(theta_1 - theta_2) + sin(theta_1) sin(theta_2) hav(dphi) >= sin(theta_1) sin(theta_2)
    sin^2(dphi / 2), and on [0, pi] sin(x) >= (2 / pi) min(x, pi - x) and sin(x / 2) >= x / pi
    (Jordan's inequality): the pair is apart if (2 / pi)^2 a_1 a_2 (dphi / pi)^2 > sin^2(angle / 2),
    a = min(theta, pi - theta) (0 outside [0, pi]: never apart), dphi in [0, pi]."""
    t1, t2 = np.float64(theta_1), np.float64(theta_2)
    a1 = max(0.0, min(t1, np.pi - t1))
    a2 = max(0.0, min(t2, np.pi - t2))
    dphi = abs(np.float64(phi_1) - np.float64(phi_2))
    dphi = min(dphi, 2.0 * np.pi - dphi)
    return a1 * a2 * dphi * dphi > far


class EclDeposits:
    """Per-particle ECL output (aligned with the EventBatch particle arrays); theta and phi
    are NaN where the particle left no deposit (``region == 0``)."""

    def __init__(self, n_particles):
        # np.empty: the kernel writes every slot. float32 (7 significant digits, far below any
        # resolution) halves the memory traffic of the detector step.
        self.energy_GeV = np.empty(n_particles, dtype=np.float32)
        self.theta_rad = np.empty(n_particles, dtype=np.float32)
        self.phi_rad = np.empty(n_particles, dtype=np.float32)
        self.region = np.empty(n_particles, dtype=np.int8)
        self.is_cluster = np.empty(n_particles, dtype=np.bool_)
        # the momentum's angles of every particle (float64: the tracking smears them), computed
        # once by simulate_ecl for the ECL, tracking and CDC-trigger kernels
        # (belle2sim/detector/directions.py); None in deposits made by hand
        self.momentum_theta_rad = self.momentum_phi_rad = None
        # and its transverse and total momentum (float64), for the tracking and the trigger
        self.momentum_pt_GeV = self.momentum_p_GeV = None
        # axial superlayers of the CDC crossed by each charged particle, counted by entries.py on the way
        # to the calorimeter (-1: neutral, or a track from the axis whose count the selections left to
        # the arcsine: the CDC trigger counts it): the tracks' (tracking.Tracks.axial_superlayers);
        # None in deposits made by hand (the tracking counts those off the axis, the trigger the others)
        self.axial_superlayers = None

    def momentum_angles(self, batch):
        """(theta, phi) of each particle's momentum in ``batch``, the batch these deposits are of:
        as simulate_ecl computed them, or computed now (deposits made by hand)."""
        if self.momentum_theta_rad is not None:
            return self.momentum_theta_rad, self.momentum_phi_rad
        return directions.momentum_angles(batch)

    def momentum_kinematics(self, batch):
        """(theta, phi, pT, p) of each particle's momentum (directions.momentum_kinematics), as
        simulate_ecl computed them, or computed now (deposits made by hand)."""
        if self.momentum_theta_rad is not None and self.momentum_pt_GeV is not None:
            return self.momentum_theta_rad, self.momentum_phi_rad, self.momentum_pt_GeV, self.momentum_p_GeV
        return directions.momentum_kinematics(batch)


def simulate_ecl(batch, response, card, seed, charge=None):
    """Run the ECL kernels on an EventBatch; ``response, charge = pdgdata.classify(batch.pdg)``."""
    if charge is None:
        from belle2sim import pdgdata

        charge = pdgdata.charges(batch.pdg)
    out, steps = ecl_steps(batch, response, card, seed, charge)
    run_blocks([(None, step) for step in steps], batch.offsets)
    return out


def ecl_steps(batch, response, card, seed, charge):
    """(EclDeposits, steps): the arrays the ECL kernels fill, and the kernels as calls over a range of
    events (event_blocks.py), in order: the momenta's angles, the calorimeter entries, the response."""
    n, offsets = batch.n_particles, batch.offsets
    out = EclDeposits(n)
    theta, phi, pt, p = (out.momentum_theta_rad, out.momentum_phi_rad, out.momentum_pt_GeV,
                         out.momentum_p_GeV) = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    entry_theta, entry_phi = scratch_arrays("ecl", n, (np.float64,) * 2)
    region_theta, res_energy, res_theta, res_phi, cluster_min_energy, merge_angle, charged, layers = card.cached(
        "ecl_kernel_arguments", lambda: _kernel_arguments(card))
    out.axial_superlayers = np.empty(n, dtype=np.int8)  # (-1 where no count: written by the entries' kernel)
    entries = entry_points_step(batch.status, charge, batch.px, batch.py, batch.pz, batch.vx, batch.vy, batch.vz, theta,
                                phi, charged, layers, entry_theta, entry_phi, out.axial_superlayers,
                                scratch("ecl[listed]", n, np.uint64), particle_rows(n))
    arguments = (np.uint64(seed), batch.number, offsets, batch.status, response, charge, batch.px, batch.py, batch.pz,
                 batch.E, batch.vx, batch.vy, batch.vz, region_theta, res_energy, res_theta, res_phi,
                 cluster_min_energy, merge_angle, charged, theta, phi, entry_theta, entry_phi, out.energy_GeV,
                 out.theta_rad, out.phi_rad, out.region, out.is_cluster)

    def momenta(first, last):  # (a kernel over particles)
        _jit.call_range(directions.angles_kernel, int(offsets[first]), int(offsets[last]), batch.px, batch.py,
                        batch.pz, theta, phi, pt, p)

    def entry(first, last):
        entries(int(offsets[first]), int(offsets[last]))

    def deposits(first, last):
        _jit.call_range(ecl_response.kernel, first, last, *arguments)

    return out, [momenta, entry, deposits]


def _kernel_arguments(card):
    """The card's numbers the ECL kernels take, gathered once per card (one look-up per chunk)."""
    ecl = card.doc["ecl"]
    return (card.ecl_region_theta_rad(), card.ecl_resolution("energy"), card.ecl_resolution("theta"),
            card.ecl_resolution("phi"), float(ecl["cluster_min_energy_GeV"]), float(ecl["merge_angle_rad"]),
            card.ecl_charged_params(), card.cached("axial_layers", lambda: axial_layers(card)))
