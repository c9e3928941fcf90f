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
from belle2sim.warmup import wait_for_detector_compile, wait_for_trigger_compile


@dataclass
class ChunkResult:
    charge: np.ndarray
    deposits: EclDeposits
    tracks: Tracks
    bits: InputBits = None  # (the trigger's: None until :func:`add_trigger`)
    ftdl: dict = None
    psnm: dict = None
    _vertex_inputs: tuple = None
    _vertices: Vertices = None

    @property
    def vertices(self):
        """Displaced two-track vertices, reconstructed the first time a selection asks for them
        (prompt channels never pay for them)."""
        if self._vertices is None:
            self._vertices = simulate_vertices(*self._vertex_inputs)
        return self._vertices


def simulate_chunk(batch, card, menu, seed, period=None):
    """``period``: the card's trigger-object calibration preset (None: the card's default)."""
    return add_trigger(simulate_detector(batch, card, seed), batch, card, menu, seed, period)


def simulate_detector(batch, card, seed):
    """The detector part of :func:`simulate_chunk` (ECL, tracks): what offline selections read. The
    efficiency job selects before it runs the trigger, so that a first run compiles the selection's
    kernels while the trigger helper process still compiles the trigger's."""
    response, charge = pdgdata.classify(batch.pdg)
    wait_for_detector_compile("ecl")  # (a first run whose helper compiles detector kernels)
    deposits = simulate_ecl(batch, response, card, seed, charge)
    wait_for_detector_compile("tracks")
    tracks = simulate_tracks(batch, response, charge, deposits, card, seed)
    return ChunkResult(charge, deposits, tracks, _vertex_inputs=(batch, charge, tracks, card, seed))


def add_trigger(chunk, batch, card, menu, seed, period=None):
    """Input bits, FTDL and PSNM of a chunk from :func:`simulate_detector` (returns it)."""
    # a first run's helper compiling the trigger kernels, if there is one: this process takes the
    # jobs it has not started yet (warmup.py)
    wait_for_trigger_compile(card, menu)
    chunk.bits = compute_input_bits(batch, chunk.deposits, chunk.charge, chunk.tracks, card, menu, seed, period)
    chunk.ftdl = ftdl(chunk.bits, menu)
    chunk.psnm = psnm(chunk.ftdl, menu, seed, batch.number)
    return chunk
