"""Input bits for a batch of events: runs the subsystem kernels and names their columns.

The three trigger levels of Belle II are kept apart: input bits (this module), output lines
(FTDL: the menu's logic, :func:`ftdl`) and lines after prescale (PSNM, :func:`psnm`).
"""

import zlib

import numpy as np
from numba import prange

from belle2sim import rng
from belle2sim._jit import kernel
from belle2sim.trigger import logic
from belle2sim.trigger.cdc_bits import CDC_BITS, N_CDC_BITS, cdc_trigger_bits
from belle2sim.trigger.ecl_bits import ECL_BITS, N_ECL_BITS, ecl_trigger_bits, pack_parameters

# bits derived from the others: bha_veto = ecl_3dbha; track = at least one 2D track;
# veto = injection veto, never set in simulation (as in basf2 TSIM)
DERIVED_BITS = ("bha_veto", "track", "veto")
INPUT_BITS = ECL_BITS + CDC_BITS + DERIVED_BITS


class InputBits(dict):
    """name -> int16 array (one entry per event), plus the event numbers."""

    def __init__(self, columns, number):
        super().__init__(columns)
        self.number = number

    def __len__(self):
        return len(self.number)


def compute_input_bits(batch, deposits, charge, card, menu):
    """All input bits for ``batch`` given its ECL deposits and per-particle charges."""
    n_events, n_particles = len(batch), batch.n_particles
    ecl_in = menu.inputs["ecl"]
    params, sets = pack_parameters(ecl_in, card.doc["ecl_trigger"]["tc_threshold_GeV"])
    ecl = np.zeros((n_events, N_ECL_BITS), dtype=np.int16)
    w_ring = np.empty(n_particles, dtype=np.int64)
    w_phi = np.empty(n_particles, dtype=np.int64)
    w_label = np.empty(n_particles, dtype=np.int64)
    w_E, w_ecm, w_tcm, w_pcm = (np.empty(n_particles) for _ in range(4))
    ecl_trigger_bits(batch.offsets, deposits.energy_GeV, deposits.theta_rad, deposits.phi_rad,
                     deposits.region, card.tc_theta_edges_rad(), card.tc_phi_segments(),
                     card.beams.boost_vector, params, sets,
                     w_ring, w_phi, w_E, w_label, w_ecm, w_tcm, w_pcm, ecl)
    cdc = np.zeros((n_events, N_CDC_BITS), dtype=np.int16)
    cdc_in = menu.inputs["cdc"]
    cdc_trigger_bits(batch.offsets, batch.status, charge, batch.px, batch.py, batch.pz,
                     batch.vx, batch.vy, batch.vz, card.cdc_geometry(), card.cdc_axial_radii_cm(),
                     float(cdc_in["t2_min_pt_GeV"]), int(cdc_in["t2_min_axial_superlayers"]), cdc)
    columns = {name: ecl[:, k] for k, name in enumerate(ECL_BITS)}
    columns.update({name: cdc[:, k] for k, name in enumerate(CDC_BITS)})
    columns["bha_veto"] = columns["ecl_3dbha"]
    columns["track"] = (columns["t2"] > 0).astype(np.int16)
    columns["veto"] = np.zeros(n_events, dtype=np.int16)
    return InputBits(columns, batch.number)


def ftdl(bits, menu):
    """Output lines before prescale: name -> bool array."""
    return {name: logic.evaluate(line.ast, bits) for name, line in menu.lines.items()}


@kernel(parallel=True)
def _prescale_pass(seed, numbers, counter, prescale, out):
    for i in prange(numbers.shape[0]):
        key = rng.event_key(seed, numbers[i], rng.STAGE_PRESCALE)
        out[i] = rng.uniform(key, counter) * prescale < 1.0


def psnm(lines, menu, seed, numbers):
    """Lines after prescale. A prescale N keeps a fired line with probability 1/N, drawn from
    (seed, event number, line name): the same event keeps the same decision in any chunking."""
    out = {}
    for name, fired in lines.items():
        n = menu.lines[name].prescale
        if n == 1:
            out[name] = fired
        elif n == 0:
            out[name] = np.zeros_like(fired)
        else:
            keep = np.empty(len(numbers), dtype=np.bool_)
            _prescale_pass(np.uint64(seed), numbers, zlib.crc32(name.encode()), float(n), keep)
            out[name] = fired & keep
    return out
