"""A chunk's kernels block by block (belle2sim/event_blocks.py): every event once, never cut, and
the same numbers whatever the blocks and however the threads share them."""

import threading

import numpy as np
import pytest

from belle2sim import _jit, event_blocks
from belle2sim.channels import get
from belle2sim.simulate import simulate_chunk


@pytest.fixture
def pieces(monkeypatch):
    """Force the number of pieces a range is cut into (independent of the machine's cores)."""

    def force(n):
        monkeypatch.setattr(_jit, "threads_here", lambda: 1 if getattr(_jit._LOCAL, "one_piece", False) else n)

    return force


@pytest.mark.parametrize("size", [1, 5, 64, 10**9])
def test_blocks_cover_every_event_once_and_never_cut_one(size, monkeypatch):
    monkeypatch.setattr(event_blocks, "SHORT_BLOCK_S", 0.0)  # (every block as large)
    rng = np.random.default_rng(3)
    lengths = rng.integers(0, 12, 500)
    lengths[[7, 100, 101]] = 200  # events larger than a block
    offsets = np.concatenate(([0], np.cumsum(lengths))) + 17  # (a chunk need not start at particle 0)
    ranges = []
    event_blocks.run_blocks([(None, lambda first, last: ranges.append((first, last)))], offsets, size)
    bounds = np.array([ranges[0][0]] + [last for _, last in ranges])
    assert bounds[0] == 0 and bounds[-1] == len(lengths)
    assert np.all(np.diff(bounds) > 0) and all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    held = offsets[bounds[1:]] - offsets[bounds[:-1]]
    assert np.all(held[np.diff(bounds) > 1] <= size + lengths.max())  # (past size only by its last event)
    if size >= offsets[-1] - offsets[0]:
        assert len(ranges) == 1  # one block: the whole chunk


def test_no_events_no_blocks():
    calls = []
    event_blocks.run_blocks([(None, lambda first, last: calls.append((first, last)))], np.zeros(1, dtype=np.int64))
    assert calls == []


def _steps(log, hooks):
    def step_a(first, last):
        log.append(("a", first, last, threading.get_ident()))

    def step_b(first, last):
        log.append(("b", first, last, threading.get_ident()))

    return [(lambda: hooks.append("before a"), step_a), (lambda: hooks.append("before b"), step_b)]


def test_each_block_goes_through_every_step_in_order_and_the_first_run_starts_alone(pieces):
    pieces(3)
    offsets = np.arange(0, 4001, 4)  # 1000 events of 4 particles
    log, hooks = [], []
    steps = _steps(log, hooks)
    event_blocks.run_blocks(steps, offsets, particles_per_block=400)
    assert hooks == ["before a", "before b"]
    # a first run: the first block through both steps in this thread, then the rest shared out
    assert log[0][:3] == ("a", 0, 100) and log[1][:3] == ("b", 0, 100)
    assert log[0][3] == log[1][3] == threading.get_ident()
    ranges_a = sorted((first, last) for name, first, last, _ in log if name == "a")
    ranges_b = sorted((first, last) for name, first, last, _ in log if name == "b")
    assert ranges_a == ranges_b
    assert ranges_a[0][0] == 0 and ranges_a[-1][1] == 1000
    assert all(x[1] == y[0] for x, y in zip(ranges_a, ranges_a[1:]))  # contiguous, no overlap
    for k, (name, first, last, thread) in enumerate(log):  # each block: a, then b, in one thread
        if name == "a":
            assert any(later[:3] == ("b", first, last) and later[3] == thread for later in log[k + 1:])
    log.clear()
    event_blocks.run_blocks(steps, offsets, particles_per_block=400)  # (the same steps again: shared from the start)
    assert len({thread for *_, thread in log}) == 3
    assert hooks == ["before a", "before b"] * 2  # (each call settles what the hooks wait for, once)


def _chunk_arrays(chunk):
    d, t = chunk.deposits, chunk.tracks
    names = chunk.psnm.names()
    return {"deposit E": d.energy_GeV, "deposit theta": d.theta_rad, "deposit phi": d.phi_rad, "region": d.region,
            "cluster": d.is_cluster, "superlayers": t.axial_superlayers, "found": t.found, "px": t.px, "py": t.py,
            "pz": t.pz, "d0": t.d0_cm, "z0": t.z0_cm, "muon id": t.muon_id, "electron id": t.electron_id,
            "klm": t.klm_hit, "input bits": chunk.bits.matrix, "ftdl": chunk.ftdl.stacked(names),
            "psnm": chunk.psnm.stacked(names)}


def test_numbers_do_not_depend_on_the_blocks_or_the_threads(card, menu, pieces, monkeypatch):
    """tau pairs (decays in flight: tracks off the axis, the calorimeter entries' second kernel)
    beside four-muon events, through the detector and the trigger with one event per block, blocks
    of a few, the default, one block, and blocks shared out over three threads."""
    taus, mumu = get("zprime-tautau"), get("zprime-mumu")
    a = taus.generate(5, 0, 400, taus.resolve_parameters({"mass_GeV": 6.0}, card), card)
    b = mumu.generate(5, 0, 400, mumu.resolve_parameters({"mass_GeV": 2.0}, card), card)
    # half the tau events decayed in flight, 1-60 cm from the axis (their daughters' production points)
    rng = np.random.default_rng(1)
    for i in range(0, 400, 2):
        r, phi, z = rng.uniform(1.0, 60.0), rng.uniform(-np.pi, np.pi), rng.uniform(-20.0, 20.0)
        daughters = slice(a.offsets[i] + 4, a.offsets[i + 1])
        a.vx[daughters], a.vy[daughters], a.vz[daughters] = r * np.cos(phi), r * np.sin(phi), z
    for batch in (a, b):
        pieces(1)
        reference = _chunk_arrays(simulate_chunk(batch, card, menu, 9, period="2019-2021"))
        assert reference["found"].sum() > 0 and reference["input bits"].any()
        off_axis = (batch.vx ** 2 + batch.vy ** 2 > 0.5) & (batch.status == 1)
        assert batch is b or (reference["found"][off_axis].any() and (reference["superlayers"][off_axis] > 0).any())
        for size, n_pieces, grow in ((1, 1, False), (37, 1, False), (event_blocks.BLOCK_PARTICLES, 1, False),
                                     (10**9, 1, False), (37, 3, False), (1, 3, False), (1, 1, True), (37, 3, True)):
            pieces(n_pieces)
            monkeypatch.setattr(event_blocks, "BLOCK_PARTICLES", size)
            # (growing: blocks done sooner than the default's time double; else every block as large)
            monkeypatch.setattr(event_blocks, "SHORT_BLOCK_S", 2e-3 if grow else 0.0)
            got = _chunk_arrays(simulate_chunk(batch, card, menu, 9, period="2019-2021"))
            for name, values in reference.items():
                np.testing.assert_array_equal(got[name], values,
                                              err_msg=f"{name}, blocks of {size}, {n_pieces} pieces, growing: {grow}")


def test_short_blocks_double_up_to_the_largest(monkeypatch):
    """Blocks done sooner than SHORT_BLOCK_S double (cheap events: fewer calls per chunk), up to
    LARGEST_BLOCK_PARTICLES; slow ones keep their size. Every event once, in order."""
    offsets = np.arange(0, 4 * 5000 + 1, 4)  # 5000 events of 4 particles
    monkeypatch.setattr(event_blocks, "LARGEST_BLOCK_PARTICLES", 1600)
    for short_s, expected in ((1e9, [100, 200, 400, 400]), (0.0, [100, 100, 100, 100])):
        monkeypatch.setattr(event_blocks, "SHORT_BLOCK_S", short_s)
        ranges = []
        event_blocks._run_piece(0, 5000, 0, [(None, lambda first, last: ranges.append((first, last)))], offsets, 400)
        assert [last - first for first, last in ranges[:4]] == expected
        assert ranges[0][0] == 0 and ranges[-1][1] == 5000
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
