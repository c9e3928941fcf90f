"""One chunk through the detector and the trigger: the fixed pipeline of DESIGN.md.

:func:`simulate_chunk` takes an EventBatch (lab frame) and returns everything later stages need:
per-particle ECL deposits, input bits, output lines (FTDL) and lines after prescale (PSNM).
"""

from dataclasses import dataclass

import numpy as np

from belle2sim import pdgdata
from belle2sim.detector.ecl import EclDeposits, ecl_steps
from belle2sim.detector.tracking import Tracks, track_step
from belle2sim.detector.vertexing import Vertices, simulate_vertices
from belle2sim.event_blocks import run_blocks
from belle2sim.trigger.bits import InputBits, ftdl, input_bit_steps, psnm
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
    """``period``: the card's trigger-object calibration preset (None: the card's default). The
    detector's and the trigger's kernels run block by block (event_blocks.py): each block of
    events through all of them."""
    chunk, steps = _detector_steps(batch, card, seed)
    steps += _trigger_steps(chunk, batch, card, menu, seed, period)
    run_blocks(steps, batch.offsets)
    return _lines(chunk, batch, menu, seed)


def simulate_detector(batch, card, seed):
    """The detector part of :func:`simulate_chunk` (ECL, tracks): what offline selections read. The
    efficiency job selects before it runs the trigger, so that a first run compiles the selection's
    kernels while the trigger helper process still compiles the trigger's."""
    chunk, steps = _detector_steps(batch, card, seed)
    run_blocks(steps, batch.offsets)
    return chunk


def add_trigger(chunk, batch, card, menu, seed, period=None):
    """Input bits, FTDL and PSNM of a chunk from :func:`simulate_detector` (returns it)."""
    run_blocks(_trigger_steps(chunk, batch, card, menu, seed, period), batch.offsets)
    return _lines(chunk, batch, menu, seed)


def _detector_steps(batch, card, seed):
    """(ChunkResult with the detector's arrays, its steps as event_blocks.run_blocks takes them)."""
    response, charge = pdgdata.classify(batch.pdg)  # (the whole chunk first: an unknown id stops it here)
    deposits, ecl = ecl_steps(batch, response, card, seed, charge)
    tracks, track = track_step(batch, response, charge, deposits, card, seed)
    # (a first run whose helper compiles detector kernels waits before their first block)
    steps = [(lambda: wait_for_detector_compile("ecl"), ecl[0]), *((None, step) for step in ecl[1:]),
             (lambda: wait_for_detector_compile("tracks"), track)]
    return ChunkResult(charge, deposits, tracks, _vertex_inputs=(batch, charge, tracks, card, seed)), steps


def _trigger_steps(chunk, batch, card, menu, seed, period):
    """The input bits' steps (chunk.bits set to the bits they fill)."""
    steps, chunk.bits = input_bit_steps(batch, chunk.deposits, chunk.charge, chunk.tracks, card, menu, seed, period)
    # (a first run's helper compiling the trigger kernels, if there is one: this process takes the jobs
    # it has not started yet before the first block, warmup.py)
    return [(lambda: wait_for_trigger_compile(card, menu), steps[0][1]), *((None, step) for _, step in steps[1:])]


def _lines(chunk, batch, menu, seed):
    """FTDL and PSNM of a chunk whose input bits are made."""
    chunk.ftdl = ftdl(chunk.bits, menu)
    chunk.psnm = psnm(chunk.ftdl, menu, seed, batch.number)
    return chunk
