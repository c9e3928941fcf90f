"""One chunk through the detector and the trigger: the fixed pipeline of DESIGN.md.

:func:`simulate_chunk` takes an EventBatch (lab frame) and returns everything later stages need:
per-particle ECL deposits, input bits, output lines (FTDL) and lines after prescale (PSNM).
"""

from dataclasses import dataclass

import numpy as np

from belle2sim import pdgdata
from belle2sim.detector.ecl import EclDeposits, simulate_ecl
from belle2sim.detector.tracking import Tracks, simulate_tracks
from belle2sim.detector.vertexing import Vertices, simulate_vertices
from belle2sim.trigger.bits import InputBits, compute_input_bits, ftdl, psnm


@dataclass
class ChunkResult:
    charge: np.ndarray
    deposits: EclDeposits
    tracks: Tracks
    vertices: Vertices
    bits: InputBits
    ftdl: dict
    psnm: dict


def simulate_chunk(batch, card, menu, seed, period=None):
    """``period``: the card's trigger-object calibration preset (None: the card's default)."""
    response, charge = pdgdata.classify(batch.pdg)
    deposits = simulate_ecl(batch, response, card, seed, charge)
    tracks = simulate_tracks(batch, response, charge, deposits, card, seed)
    vertices = simulate_vertices(batch, charge, tracks, card, seed)
    bits = compute_input_bits(batch, deposits, charge, tracks, card, menu, seed, period)
    lines = ftdl(bits, menu)
    return ChunkResult(charge, deposits, tracks, vertices, bits, lines, psnm(lines, menu, seed, batch.number))
