"""Decay in flight of long-lived particles, and the lifetime axis at the cost of one sample.

Generators decay every unstable particle at its production point (daughters in the parent's rest
frame, boosted: the kinematics does not depend on where the decay happens). :func:`propagate`
then moves each long-lived particle's decay point along its flight direction by its lab decay
length L = (proper decay length) x |p| / m, and every descendant's production vertex with it
(particles are stored parents first, so one pass in order carries nested decays).

Proper decay lengths come from one of two laws:

* direct (``ctau_cm`` given): the exponential law, l = -c tau ln(u);
* reference (``reference_cm``, the c tau values of a lifetime axis): a mixture from which every
  c tau is reached by exact reweighting (DESIGN.md, "lifetime scans"): with probability
  ``P_BROAD`` l is log-uniform between ``ELL_MIN_CM`` (1 um) and ``ELL_MAX_CM`` (1 km), otherwise
  exponential with one of the requested c tau (chosen uniformly): defensive importance sampling.
  Its density g is positive on all of (0, inf), so the weight w = f / g of the exponential law f
  of any c tau is exact; each requested c tau keeps at least (1 - P_BROAD) / K of the sample's
  effective entries, and values in between are covered by the broad part (a smooth curve).
  :func:`lifetime_weights` multiplies the weights of the long-lived particles of an event (at
  most ``MAX_LONG_LIVED``). The weights average to one for any c tau, so an efficiency is
  sum(w passed) / sum(w), with the effective number of entries (sum w)^2 / sum w^2 for its
  uncertainty (maps.py).

What the detector sees of a particle that decays outside it: a decay point outside the ECL's
inner surface (radius ``barrel_radius_cm``, endcap planes ``forward/backward_endcap_z_cm`` of the
card's ``[ecl_charged]``) counts as a decay outside the detector. The long-lived particle then
becomes a final-state particle (status 1; the registry of new particles makes it invisible) and
its descendants are marked not produced (status 0: no kernel looks at them). Such an event is
still a generated event: it counts in every efficiency's denominator and passes a selection only
if the selection accepts an invisible final state. (Decays inside the ECL or KLM volume would
leave energy there; they are treated as outside: stated in the channel's ``not_modelled``.)
"""

import numpy as np

from belle2sim import rng
from belle2sim._jit import inline, range_kernel
from belle2sim.events import STATUS_DECAYED, STATUS_FINAL, STATUS_NOT_PRODUCED

MAX_LONG_LIVED = 2
P_BROAD = 0.25
ELL_MIN_CM = 1e-4
ELL_MAX_CM = 1e5
_LOG_SPAN = np.log(ELL_MAX_CM / ELL_MIN_CM)
_COUNTER = 64  # draw counter of the k-th long-lived particle: 2 * (k + _COUNTER) (+1)
_OTHER_COUNTER = 1 << 20  # other long-lived species: 2 * (particle slot) + _OTHER_COUNTER


@range_kernel("numbers")
def _propagate(begin, end, seed, numbers, offsets, pdg, llp_pdg, ctau_cm, reference, other_pdg, other_ctau, r_max,
               z_fwd, z_bwd, px, py, pz, E, vx, vy, vz, parent, status, decay_x, decay_y, decay_z, gone, ell_out):
    for i in range(begin, end):
        key = rng.event_key(seed, numbers[i], rng.STAGE_DECAY)
        start = offsets[i]
        n_llp = 0
        for k in range(ell_out.shape[1]):
            ell_out[i, k] = np.nan
        for j in range(start, offsets[i + 1]):
            gone[j] = False
            m = parent[j]
            if m >= 0:
                mother = start + m
                vx[j], vy[j], vz[j] = decay_x[mother], decay_y[mother], decay_z[mother]
                if gone[mother]:
                    gone[j] = True
                    status[j] = STATUS_NOT_PRODUCED
            decay_x[j], decay_y[j], decay_z[j] = vx[j], vy[j], vz[j]
            if status[j] != STATUS_DECAYED:
                continue
            other = -1
            for o in range(other_pdg.shape[0]):
                if abs(pdg[j]) == other_pdg[o]:
                    other = o
            if other < 0 and (abs(pdg[j]) != llp_pdg or n_llp >= ell_out.shape[1]):
                continue
            if other >= 0:  # a long-lived particle at its own (model) c tau, not on the lifetime axis
                ell = -other_ctau[other] * np.log1p(-rng.uniform(key, 2 * (j - start) + _OTHER_COUNTER))
            elif ctau_cm > 0.0:
                ell = -ctau_cm * np.log1p(-rng.uniform(key, 2 * (n_llp + _COUNTER)))
            else:
                u = rng.uniform(key, 2 * (n_llp + _COUNTER))
                v = rng.uniform(key, 2 * (n_llp + _COUNTER) + 1)
                if u < P_BROAD:
                    ell = ELL_MIN_CM * np.exp(v * _LOG_SPAN)
                else:
                    k = min(int((u - P_BROAD) / (1.0 - P_BROAD) * reference.shape[0]), reference.shape[0] - 1)
                    ell = -reference[k] * np.log1p(-v)
            if other < 0:
                ell_out[i, n_llp] = ell
                n_llp += 1
            p = np.sqrt(px[j] * px[j] + py[j] * py[j] + pz[j] * pz[j])
            mass = np.sqrt(max(E[j] * E[j] - p * p, 0.0))
            if ell == 0.0 or p == 0.0:
                continue
            if mass <= 0.0:
                gone[j] = True
            else:
                length = ell * p / mass
                x = vx[j] + length * px[j] / p
                y = vy[j] + length * py[j] / p
                z = vz[j] + length * pz[j] / p
                if x * x + y * y > r_max * r_max or z > z_fwd or z < z_bwd:
                    gone[j] = True
                else:
                    decay_x[j], decay_y[j], decay_z[j] = x, y, z
            if gone[j]:
                status[j] = STATUS_FINAL  # flies out: seen as itself (invisible), never its decay


def propagate(batch, llp_pdg, card, seed, ctau_cm=None, reference_cm=None, others=()):
    """Move the decays of the particles with |pdg| == ``llp_pdg`` (in place) and return the
    proper decay lengths drawn, shape (n_events, MAX_LONG_LIVED), NaN where an event has fewer.
    Either ``ctau_cm`` (the exponential law) or ``reference_cm`` (the c tau values of a lifetime
    axis: the reference law, reweight with :func:`lifetime_weights`). ``others``: (pdg, c tau)
    of further long-lived species, decayed in the same pass at their own c tau (exponential law)."""
    if (ctau_cm is None) == (reference_cm is None):
        raise ValueError("propagate: give exactly one of ctau_cm and reference_cm")
    ecl = card.doc["ecl_charged"]
    n = batch.n_particles
    ell = np.empty((len(batch), MAX_LONG_LIVED))
    decay = [np.empty(n) for _ in range(3)]
    gone = np.empty(n, dtype=np.bool_)
    _propagate(np.uint64(seed), batch.number, batch.offsets, batch.pdg, int(llp_pdg),
               float(ctau_cm) if ctau_cm is not None else -1.0,
               np.asarray(reference_cm if reference_cm is not None else [1.0], dtype=np.float64),
               np.array([abs(int(p)) for p, _ in others], dtype=np.int64),
               np.array([float(c) for _, c in others], dtype=np.float64),
               float(ecl["barrel_radius_cm"]),
               float(ecl["forward_endcap_z_cm"]), float(ecl["backward_endcap_z_cm"]),
               batch.px, batch.py, batch.pz, batch.E, batch.vx, batch.vy, batch.vz, batch.parent,
               batch.status, *decay, gone, ell)
    return ell


def reference_log_density(ell, reference_cm):
    """log g(l) of the reference law drawn with ``reference_cm`` (l > 0, any shape)."""
    from scipy.special import logsumexp

    ref = np.asarray(reference_cm, dtype=float)
    ell = np.asarray(ell, dtype=float)
    with np.errstate(divide="ignore"):
        broad = np.where((ell >= ELL_MIN_CM) & (ell <= ELL_MAX_CM),
                         np.log(P_BROAD / _LOG_SPAN) - np.log(ell), -np.inf)
        terms = np.log((1.0 - P_BROAD) / len(ref)) - np.log(ref) - ell[..., None] / ref
    return np.logaddexp(broad, logsumexp(terms, axis=-1))


def fixed_point_weights(ell, ctau_cm, reference_cm, scale, scale2):
    """The lifetime weights as integers (maps.LifetimeCounter): shape (n_events, n_lifetimes),
    round(w x scale) and round(w^2 x scale2); the same numbers as :func:`lifetime_weights`."""
    ctau = np.asarray(ctau_cm, dtype=np.float64)
    n = ell.shape[0]
    w_int = np.empty((n, len(ctau)), dtype=np.int64)
    w2_int = np.empty_like(w_int)
    n_overflow = sum(_fixed_weights(np.ascontiguousarray(ell, dtype=np.float64), ctau,
                                    np.asarray(reference_cm, dtype=np.float64), np.log(P_BROAD / _LOG_SPAN),
                                    float(scale), float(scale2), w_int, w2_int))
    if n_overflow:
        raise OverflowError("lifetime weight above 2^20: the reference law cannot reach this c tau")
    return w_int, w2_int


@inline
def _log_weight_base(x, reference, log_broad):
    """log g(x) of the reference law (log-sum-exp of its components)."""
    n_ref = reference.shape[0]
    log_ref_norm = np.log((1.0 - P_BROAD) / n_ref)
    top = -np.inf
    for r in range(n_ref):
        top = max(top, log_ref_norm - np.log(reference[r]) - x / reference[r])
    broad = log_broad - np.log(x) if ELL_MIN_CM <= x <= ELL_MAX_CM else -np.inf
    top = max(top, broad)
    acc = np.exp(broad - top) if broad > -np.inf else 0.0
    for r in range(n_ref):
        acc += np.exp(log_ref_norm - np.log(reference[r]) - x / reference[r] - top)
    return top + np.log(acc)


@range_kernel("ell")
def _fixed_weights(begin, end, ell, ctau, reference, log_broad, scale, scale2, w_int, w2_int):
    """Fill the integer weights of events [begin, end); returns how many overflow 2^20."""
    bad = 0
    for i in range(begin, end):
        log_g0 = log_g1 = 0.0
        x0, x1 = ell[i, 0], ell[i, 1]
        if x0 == x0:
            log_g0 = _log_weight_base(x0, reference, log_broad)
        if x1 == x1:
            log_g1 = _log_weight_base(x1, reference, log_broad)
        for c in range(ctau.shape[0]):
            log_ct = np.log(ctau[c])
            log_w = 0.0
            if x0 == x0:
                log_w += -log_ct - x0 / ctau[c] - log_g0
            if x1 == x1:
                log_w += -log_ct - x1 / ctau[c] - log_g1
            w = np.exp(log_w)
            if not w < 1048576.0:
                bad += 1
            w_int[i, c] = np.int64(np.rint(w * scale))
            w2_int[i, c] = np.int64(np.rint(w * w * scale2))
    return bad


@range_kernel("ell")
def _weights(begin, end, ell, ctau, reference, log_broad, out):
    for i in range(begin, end):
        for c in range(ctau.shape[0]):
            out[c, i] = 0.0
        for k in range(ell.shape[1]):
            x = ell[i, k]
            if x != x:  # no k-th long-lived particle
                continue
            log_g = _log_weight_base(x, reference, log_broad)
            for c in range(ctau.shape[0]):
                out[c, i] += -np.log(ctau[c]) - x / ctau[c] - log_g
        for c in range(ctau.shape[0]):
            out[c, i] = np.exp(out[c, i])


def lifetime_weights(ell, ctau_cm, reference_cm):
    """Exact weights, shape (len(ctau_cm), n_events), that turn events drawn with the reference
    law of ``reference_cm`` into events of each proper decay length c tau (cm): the product over
    the event's long-lived particles of f(l; c tau) / g(l). Events without one have weight 1."""
    ctau = np.asarray(ctau_cm, dtype=np.float64)
    out = np.empty((len(ctau), ell.shape[0]))
    _weights(np.ascontiguousarray(ell, dtype=np.float64), ctau, np.asarray(reference_cm, dtype=np.float64),
             np.log(P_BROAD / _LOG_SPAN), out)
    return out


def decay_probability_between(r1_cm, r2_cm, beta_gamma, ctau_cm):
    """Closed form: probability that a particle of boost beta*gamma decays between lab flight
    distances r1 and r2: exp(-r1 / (beta gamma c tau)) - exp(-r2 / (beta gamma c tau))."""
    lam = beta_gamma * ctau_cm
    return np.exp(-r1_cm / lam) - np.exp(-r2_cm / lam)
