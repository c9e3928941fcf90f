"""Charged tracks: finding, smearing, and lepton identification.

Finding (card table ``tracking``): a charged final-state particle is found if its polar angle is
inside the CDC acceptance and its pT above ``min_pt_GeV``, with an efficiency that rises
linearly from zero at ``min_pt_GeV`` to ``finding_efficiency`` at ``full_efficiency_pt_GeV``.
Displaced tracks (card table ``displaced``; production point more than 100 um off the beam
axis): not found if produced beyond the outermost sense wire or if the helix crosses fewer than
``min_axial_superlayers`` axial superlayers inside the wire volume; otherwise found with the
prompt efficiency times ``relative_efficiency`` (linear in the production radius). Produced
beyond the VXD (``vxd_outer_radius_cm``) a track has CDC-only impact-parameter resolutions.
Impact parameters of displaced tracks follow the helix to its closest approach to the beam axis.

Smearing: sigma(pT)/pT = a pT (+) b/beta, Gaussian theta, phi, d0, z0 with the card's widths
(PHENO fallbacks, see the card). Charge is kept.

Muon ID (table ``klm``): the track must reach the KLM (barrel: polar range and pT above
``barrel_min_pt_GeV``; endcaps: polar range) with p above ``muon_min_momentum_GeV``; muons are
then identified with ``muon_efficiency``, pions and kaons mis-identified with ``pion_fake_rate``.
``klm_hit`` (1 barrel, 2 endcap) marks particles that leave a KLM hit for the trigger: muons
that reach it, and hadrons with ``pion_klm_hit_probability``.

Electron ID (table ``electron_id``): p above the minimum and ECL E/p in the window, then
``efficiency`` for electrons and ``pion_fake_rate`` for hadrons.
"""

import numpy as np

from belle2sim import _jit, fastmath, rng
from belle2sim._jit import inline, ix, lanes, range_kernel
from belle2sim.detector.cdc import axial_layers, count_axial_superlayers
from belle2sim.detector.helix import AXIS_TOLERANCE_CM2, impact_parameters, impact_parameters_lanes
from belle2sim.event_blocks import run_blocks
from belle2sim.pdgdata import CHARGED_HADRON, ELECTRON, MUON

(T_PT_MIN, T_EFF, T_PT_FULL, T_A, T_B, T_SIG_THETA, T_SIG_PHI, T_SIG_D0, T_SIG_Z0,
 T_THETA_LO, T_THETA_HI, T_B_FIELD) = range(12)
# layout of DetectorCard.displaced_params()
(D_VXD_R, D_CDC_R, D_MIN_AXIAL, D_SIG_D0, D_SIG_Z0, D_VTX_MIN_R, D_VTX_SIG_IN, D_VTX_SIG_OUT,
 D_TABLE) = range(9)
(K_BAR_LO, K_BAR_HI, K_FWD_LO, K_FWD_HI, K_BWD_LO, K_BWD_HI, K_BAR_PT, K_MU_P, K_MU_EFF,
 K_PI_FAKE, K_PI_HIT, E_EFF, E_PI_FAKE, E_P_MIN, E_EOP_LO, E_EOP_HI) = range(16)


@inline
def piecewise_linear(x, table, at):
    """Linear interpolation in a packed table at ``at``: n, x_1..x_n, y_1..y_n (clamped)."""
    n = int(table[at])
    xs, ys = at + 1, at + 1 + n
    if x <= table[xs]:
        return table[ys]
    for k in range(1, n):
        if x <= table[xs + k]:
            f = (x - table[xs + k - 1]) / (table[xs + k] - table[xs + k - 1])
            return table[ys + k - 1] + f * (table[ys + k] - table[ys + k - 1])
    return table[ys + n - 1]


@range_kernel("numbers")
def track_response(begin, end, seed, numbers, offsets, status, response, charge, px, py, pz, E, vx, vy, vz,
                   mom_theta, mom_phi, mom_pt, mom_p, dep_E, tp, pid, layers, disp, found, rpx, rpy, rpz, d0, z0,
                   muon_id, electron_id, klm_hit, axial_superlayers):
    # "no track" for every particle of the range first: a loop without branches, in vector stores
    # (unsigned indices: numba wraps negative signed indices around, a test per store that keeps
    # LLVM from vectorising; measured 14 -> 1.5 ns per single-photon event)
    lo, hi = np.uint64(offsets[begin]), np.uint64(offsets[end])
    for j in range(lo, hi):
        found[j] = muon_id[j] = electron_id[j] = False
        klm_hit[j] = 0
        rpx[j] = rpy[j] = rpz[j] = d0[j] = z0[j] = np.nan
    # the found tracks are listed (slot, key, counter) and smeared in loops LLVM vectorises (one by
    # one, a track's five normal draws and three sines and cosines ran one after the other: ~45 ns a
    # track), a block of about BLOCK tracks at a time: the block's rows stay in the cache, where rows
    # as long as the chunk went to memory and back (four muons -5 ns per event, q qbar -10 to -54)
    most = 0
    for i in range(np.uint64(begin), np.uint64(end)):  # (unsigned: a loop LLVM vectorises)
        most = max(most, offsets[ix(i + 1)] - offsets[ix(i)])
    cap = np.uint64(BLOCK + most)
    listed, listed_key, listed_local = np.empty(cap, np.uint64), np.empty(cap, np.uint64), np.empty(cap, np.int64)
    packed = np.empty((BLOCK_ROWS, cap))
    n_listed = n_off = 0
    for i in range(begin, end):
        key = kid = np.uint64(0)  # the event's keys, made at its first charged particle
        keyed = False
        start = np.uint64(offsets[ix(i)])
        for j in range(start, np.uint64(offsets[ix(i + 1)])):
            if status[j] != 1 or charge[j] == 0.0:
                continue
            if not keyed:
                key = rng.event_key(seed, numbers[ix(i)], rng.STAGE_TRACKS)
                kid = rng.event_key(seed, numbers[ix(i)], rng.STAGE_KLM)
                keyed = True
            local = np.int64(j - start)
            pt, p = mom_pt[j], mom_p[j]  # (directions.momentum_kinematics: the same bits)
            theta, phi = mom_theta[j], mom_phi[j]
            cls = response[j]
            r2 = vx[j] * vx[j] + vy[j] * vy[j]
            displaced = r2 >= AXIS_TOLERANCE_CM2
            if displaced and axial_superlayers[j] < 0:
                # every axial superlayer it crosses (no early stop), for the finding below and for the
                # CDC trigger. Counted already where the calorimeter entries follow the same circle
                # (entries.off_axis_tracks, for many tracks at once); here for deposits made otherwise
                axial_superlayers[j] = count_axial_superlayers(vx[j], vy[j], vz[j], px[j], py[j], pz[j], charge[j],
                                                               tp[T_B_FIELD], layers, float(layers.shape[0]))
            # KLM hits exist whether or not the CDC finds the track
            # (& and |, not `and` and `or`: whether a track is in the barrel is a coin toss that a
            # branch guesses wrong: four muons -2 to -5 ns per event in this kernel; but the hadrons'
            # draw only for hadrons, a branch that a sample of muons or of pions always takes the same
            # way: four muons -5 to -10 ns, q qbar 0 to -15)
            in_barrel = (pid[K_BAR_LO] <= theta) & (theta <= pid[K_BAR_HI]) & (pt > pid[K_BAR_PT])
            in_endcap = ((pid[K_FWD_LO] <= theta) & (theta <= pid[K_FWD_HI])) | (
                (pid[K_BWD_LO] <= theta) & (theta <= pid[K_BWD_HI]))
            reaches_klm = (in_barrel | in_endcap) & (p > pid[K_MU_P])
            is_muon, is_hadron = cls == MUON, cls == CHARGED_HADRON
            hit = reaches_klm & (is_muon | (is_hadron and rng.uniform(kid, 4 * local + 3) < pid[K_PI_HIT]))
            klm_hit[j] = (1 if in_barrel else 2) if hit else 0
            # finding
            if not (tp[T_THETA_LO] <= theta <= tp[T_THETA_HI]) or pt < tp[T_PT_MIN]:
                continue
            ramp = min(1.0, (pt - tp[T_PT_MIN]) / (tp[T_PT_FULL] - tp[T_PT_MIN]))
            r_prod = 0.0
            if displaced:
                r_prod = np.sqrt(r2)
                if r_prod > disp[D_CDC_R] or axial_superlayers[j] < disp[D_MIN_AXIAL]:
                    continue
                ramp *= piecewise_linear(r_prod, disp, D_TABLE)
            if rng.uniform(key, 8 * local) >= tp[T_EFF] * ramp:
                continue
            found[j] = True
            # listed, for the smearing at the block's end (packed: vectorised loops would gather each
            # number from the track's slot); from the block's first slot up, those from the axis with
            # their production point, from its last slot down those off it with what their helix's
            # impact parameters take
            if displaced:
                n_off += 1
                t = cap - np.uint64(n_off)
                packed[5, t], packed[6, t], packed[7, t] = vx[j], vy[j], vz[j]
                packed[8, t], packed[9, t], packed[10, t] = px[j], py[j], charge[j]
                packed[11, t] = 1.0 if r_prod > disp[D_VXD_R] else 0.0  # (1: produced beyond the VXD, CDC-only widths)
            else:
                t = np.uint64(n_listed)
                n_listed += 1
                packed[5, t], packed[6, t], packed[7, t] = vx[j], vy[j], vz[j]
            listed[t], listed_key[t], listed_local[t] = j, key, local
            packed[0, t], packed[1, t], packed[2, t], packed[3, t], packed[4, t] = pt, p / E[j], pz[j], theta, phi
            # lepton identification
            u_mu = rng.uniform(kid, 4 * local)
            muon_id[j] = reaches_klm & ((is_muon & (u_mu < pid[K_MU_EFF])) | (is_hadron & (u_mu < pid[K_PI_FAKE])))
            # (electrons and hadrons only: a muon's E/p is never asked for; four muons 0 to -8 ns per event)
            if (cls == ELECTRON or cls == CHARGED_HADRON) and p > pid[E_P_MIN] and \
                    pid[E_EOP_LO] <= dep_E[j] / p <= pid[E_EOP_HI]:
                if cls == ELECTRON and rng.uniform(kid, 4 * local + 1) < pid[E_EFF]:
                    electron_id[j] = True
                elif cls == CHARGED_HADRON and rng.uniform(kid, 4 * local + 1) < pid[E_PI_FAKE]:
                    electron_id[j] = True
        if n_listed + n_off >= BLOCK or i == end - 1:
            _smear_listed(np.uint64(0), np.uint64(n_listed), cap - np.uint64(n_off), cap, listed, listed_key, listed_local,
                          packed, tp, disp, charge, px, py, pz, vx, vy, vz, rpx, rpy, rpz, d0, z0)
            n_listed = n_off = 0


@inline
def _smear_listed(lo, end_axis, first_off, hi, listed, listed_key, listed_local, packed, tp, disp, charge, px, py, pz, vx,
                  vy, vz, rpx, rpy, rpz, d0, z0):
    """The smearing of the found tracks track_response listed: from the axis in slots [lo,
    end_axis) (packed rows 0-7: pT, beta, pz, theta, phi, production point), off it in [first_off,
    hi) (rows 5-10: production point, px, py, charge; row 11: 1 where it takes the CDC-only widths).
    Their impact parameters in vectorised loops, the straight line's or the helix's
    (helix.impact_parameters_lanes, the same bits; one by one, two atan2 a track), into rows 5-7
    (d0, z0, the widths' flag). Their five normal draws (rows 8-12), the ziggurat's rare draws
    (2.76 % of draws: ~13 % of tracks have one) again one by one, only those, then the smearing: loops LLVM
    vectorises on either side of the few draws taken one by one (a track's draws, sines and cosines
    one after the other cost four muons ~80 ns per event). A function of its own, not typed into
    the kernel: there its vector loops made the event loop spill registers (four muons 193 -> 187
    ns per event in the kernel, q qbar 570 -> 545, with the tracks off the axis in these loops)."""
    res_a, res_b, sig_phi, sig_theta = tp[T_A], tp[T_B], tp[T_SIG_PHI], tp[T_SIG_THETA]
    field_T = tp[T_B_FIELD]
    # the tracks off the axis moved down to follow those from it: one slot range, so that each loop
    # below is compiled once (a loop over the two ranges made LLVM copy each: ~1 s of compilation)
    n_off = hi - first_off
    for t in range(n_off):
        source, target = first_off + t, end_axis + t
        listed[target], listed_key[target], listed_local[target] = listed[source], listed_key[source], listed_local[source]
        for row in range(12):
            packed[row, target] = packed[row, source]
    first_off, hi = end_axis, end_axis + n_off
    for t in range(lo, end_axis):  # (rows 5-7 out: d0, z0, the beam spot's widths)
        packed[5, t], packed[6, t] = prompt_impact(packed[5, t], packed[6, t], packed[7, t], packed[2, t],
                                                   packed[0, t], packed[4, t])
        packed[7, t] = 0.0
    for t in range(first_off, hi):
        d0_true, z0_true, special = impact_parameters_lanes(packed[5, t], packed[6, t], packed[7, t], packed[8, t],
                                                            packed[9, t], packed[2, t], packed[10, t], field_T)
        packed[5, t], packed[6, t], packed[7, t], packed[12, t] = d0_true, z0_true, packed[11, t], 1.0 if special else 0.0
    for t in range(first_off, hi):
        if packed[12, t] != 0.0:  # (an input the selections leave to impact_parameters)
            j = listed[t]
            packed[5, t], packed[6, t] = impact_parameters(vx[j], vy[j], vz[j], px[j], py[j], pz[j], charge[j], field_T)
    for t in range(lo, hi):
        packed[8, t], packed[9, t], packed[10, t], packed[11, t], packed[12, t], slow = _normals_lanes(
            listed_key[t], listed_local[t])
        # (< 0: a draw to make again, which ones in the bits above SLOW_SHIFT)
        listed_local[t] = -1 - (listed_local[t] | (slow << SLOW_SHIFT)) if slow != 0 else listed_local[t]
    for t in range(lo, hi):
        if listed_local[t] < 0:  # only the rare draws again (all five: ~40 ns per such track, 13 % of them)
            key, coded = listed_key[t], -1 - listed_local[t]
            local, slow = coded & LOCAL_MASK, coded >> SLOW_SHIFT
            for d in range(5):
                if slow & (1 << d):
                    packed[8 + d, t] = rng.normal(key, 8 * local + 1 + d)
    beam_sig_d0, beam_sig_z0 = tp[T_SIG_D0], tp[T_SIG_Z0]  # (the widths of the tracks from the axis)
    cdc_sig_d0, cdc_sig_z0 = disp[D_SIG_D0], disp[D_SIG_Z0]  # (and of those produced beyond the VXD)
    for t in range(lo, hi):
        packed[0, t], packed[1, t], packed[2, t], packed[3, t], packed[4, t] = smeared_track(
            packed[0, t], packed[1, t], packed[3, t], packed[4, t], packed[5, t], packed[6, t], packed[8, t],
            packed[9, t], packed[10, t], packed[11, t], packed[12, t], res_a, res_b, sig_phi, sig_theta,
            cdc_sig_d0 if packed[7, t] != 0.0 else beam_sig_d0, cdc_sig_z0 if packed[7, t] != 0.0 else beam_sig_z0)
    for t in range(lo, hi):
        j = listed[t]
        rpx[j], rpy[j], rpz[j], d0[j], z0[j] = packed[0, t], packed[1, t], packed[2, t], packed[3, t], packed[4, t]


@lanes
def smeared_track(pt, beta, theta, phi, d0_true, z0_true, n_pt, n_theta, n_phi, n_d0, n_z0, a, b, sig_phi, sig_theta,
                  sig_d0, sig_z0):
    """(px, py, pz, d0, z0) of a found track from its true pT, beta, angles and impact parameters
    and five standard normal draws: sigma(pT)/pT = a pT (+) b / beta, Gaussian theta, phi, d0, z0
    (the card's widths). Selections only (fastmath.sincos_lanes: sincos's bits), and numbers, not
    arrays, in (an array argument keeps the loop that inlines it scalar): for the vectorised loop
    as for the tracks taken one by one."""
    rel = np.sqrt((a * pt) ** 2 + (b / beta) ** 2)
    pt_r = pt * (1.0 + rel * n_pt)
    sin_ph, cos_ph = fastmath.sincos_lanes(phi + sig_phi * n_phi)
    sin_th, cos_th = fastmath.sincos_lanes(theta + sig_theta * n_theta)
    return (pt_r * cos_ph, pt_r * sin_ph, pt_r * cos_th / sin_th, d0_true + sig_d0 * n_d0,
            z0_true + sig_z0 * n_z0)


@lanes
def prompt_impact(vx, vy, vz, pz, pt, phi):
    """(d0, z0) of a track from the beam spot: the straight-line extrapolation to the z axis."""
    sin_phi, cos_phi = fastmath.sincos_lanes(phi)
    return vx * sin_phi - vy * cos_phi, vz - (vx * cos_phi + vy * sin_phi) * pz / pt


BLOCK = 256  # tracks listed before they are smeared (their rows, ~30 kB, stay in the cache)
BLOCK_ROWS = 13
SLOW_SHIFT = 40  # a listed track's counter below this bit, its rare draws above (tracking kernel)
LOCAL_MASK = (1 << SLOW_SHIFT) - 1


@lanes
def _normals_lanes(key, local):
    """Draws ``8 local + 1..5`` of ``key`` (rng.normal_lanes), and which were the ziggurat's rare
    draws (bit d for draw d + 1; the caller draws those again with rng.normal)."""
    n_1, s_1 = rng.normal_lanes(key, 8 * local + 1)
    n_2, s_2 = rng.normal_lanes(key, 8 * local + 2)
    n_3, s_3 = rng.normal_lanes(key, 8 * local + 3)
    n_4, s_4 = rng.normal_lanes(key, 8 * local + 4)
    n_5, s_5 = rng.normal_lanes(key, 8 * local + 5)
    return n_1, n_2, n_3, n_4, n_5, (np.int64(s_1) | (np.int64(s_2) << 1) | (np.int64(s_3) << 2)
                                     | (np.int64(s_4) << 3) | (np.int64(s_5) << 4))


class Tracks:
    """Per-particle track output (aligned with the EventBatch arrays)."""

    def __init__(self, n):
        # px, py, pz, d0, z0 are NaN where no track was found; float32 (7 digits) is far
        # below the resolution and halves the memory traffic
        self.found = np.empty(n, dtype=np.bool_)
        self.px = np.empty(n, dtype=np.float32)
        self.py = np.empty(n, dtype=np.float32)
        self.pz = np.empty(n, dtype=np.float32)
        self.d0_cm = np.empty(n, dtype=np.float32)
        self.z0_cm = np.empty(n, dtype=np.float32)
        self.muon_id = np.empty(n, dtype=np.bool_)
        self.electron_id = np.empty(n, dtype=np.bool_)
        self.klm_hit = np.empty(n, dtype=np.int8)
        # axial superlayers crossed by a charged particle (card's CDC geometry and field): off the beam
        # axis all of them, from it those from the inside out (-1: not charged, or left to the CDC
        # trigger, which reads them): the ECL deposits' (entries.py counts them), or counted by the
        # tracking kernel for particles produced off the axis
        self.axial_superlayers = None


def simulate_tracks(batch, response, charge, deposits, card, seed):
    """Run the tracking and lepton-ID kernel (needs the ECL deposits for E/p, and the momentum
    angles the ECL kernel wrote)."""
    out, step = track_step(batch, response, charge, deposits, card, seed)
    run_blocks([(None, step)], batch.offsets)
    return out


def track_step(batch, response, charge, deposits, card, seed):
    """(Tracks, step): the arrays the tracking kernel fills, and the kernel as a call over a range of
    events (event_blocks.py), after the ECL's steps (it reads their deposits and momentum angles)."""
    out = Tracks(batch.n_particles)
    out.axial_superlayers = deposits.axial_superlayers if deposits.axial_superlayers is not None else np.full(
        batch.n_particles, -1, dtype=np.int8)
    theta, phi, pt, p = deposits.momentum_kinematics(batch)
    tracking, pid, layers, displaced = card.cached("tracking_kernel_arguments", lambda: (
        card.tracking_params(), card.pid_params(), card.cached("axial_layers", lambda: axial_layers(card)),
        card.displaced_params()))  # (one look-up per chunk)
    arguments = (np.uint64(seed), batch.number, batch.offsets, batch.status, response, charge, batch.px, batch.py,
                 batch.pz, batch.E, batch.vx, batch.vy, batch.vz, theta, phi, pt, p, deposits.energy_GeV, tracking, pid,
                 layers, displaced, out.found, out.px, out.py, out.pz, out.d0_cm, out.z0_cm, out.muon_id,
                 out.electron_id, out.klm_hit, out.axial_superlayers)

    def step(first, last):
        _jit.call_range(track_response.kernel, first, last, *arguments)

    return out, step
