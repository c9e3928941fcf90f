"""A chunk's kernels run block by block: each block of events goes through every step in turn.

A step is a call over a range of events, ``step(first_event, last_event)``, that runs one kernel (or
a few) on those events alone. Run over a whole chunk one kernel after another, each kernel streamed
the chunk's arrays (1e5 four-muon events: 7e5 particles, ~300 bytes each over ~40 arrays) from main
memory: what the kernel before it wrote or read had left the caches long before. Run block by block,
a block's ~BLOCK_PARTICLES particles (~10 MB) stay in the L3 cache from one kernel to the next:
four muons 673-678 -> 638-641 ns per event (detector and trigger, one thread, measured), the
tracking and the CDC trigger most (their inputs were written by the steps before them). Blocks the
size of the L2 cache gain nothing more (docs/performance.md, tenth session).

Events are independent and every random number is a function of (seed, event number, stage,
counter) only, so the numbers do not depend on the blocks (tests/test_event_blocks.py: one event
per block, a few, the whole chunk, threads sharing the blocks).
"""

import time

from belle2sim import _jit

BLOCK_PARTICLES = 32_768  # (measured best of 16k, 32k, 64k: four muons, q qbar; a block costs ~20 us of calls)
SHORT_BLOCK_S = 2e-3  # a block done sooner doubles the next (four muons, q qbar: 3-4 ms a block)
LARGEST_BLOCK_PARTICLES = 1 << 18


def block_end(offsets, first, size, end):
    """The event that ends the block starting at event ``first``: the first event whose particles
    start ``size`` or more after the block's, at least one event on, at most ``end`` (an event is
    never cut)."""
    # (the array's method: np.searchsorted's Python wrapper cost 0.7 us more a block, the GIL held)
    last = int(offsets.searchsorted(offsets[first] + size, side="left"))
    return min(end, max(first + 1, last))


def run_blocks(steps, offsets, particles_per_block=None):
    """Run ``steps`` over the events of ``offsets``, each block of events through every step in
    order before the next block (``particles_per_block``: BLOCK_PARTICLES if None). ``steps``:
    (before, step) pairs; ``before`` (None, or a call without arguments) is made once per call,
    before the step's first block (a first run waits there for the helper compiling that kernel:
    warmup.py). In a thread that takes whole chunks (chunk_threads.py) every block runs in it;
    otherwise the events are shared out over belle2sim's threads in contiguous pieces, each cut into
    blocks. The first time a list of steps runs in the process (its kernels compile, or load from
    numba's cache), its first block runs alone in this thread: numba is not set up for several
    threads dispatching a new kernel at once."""
    n_events = len(offsets) - 1
    if n_events <= 0:
        return
    size = BLOCK_PARTICLES if particles_per_block is None else particles_per_block
    key = tuple(step.__qualname__ for _, step in steps)
    first = 0
    if key not in _RUN_BEFORE:
        first = block_end(offsets, 0, size, n_events)
        for before, step in steps:
            if before is not None:
                before()
            step(0, first)
        _RUN_BEFORE.add(key)
    else:  # (kernels this process has run: the calls before them only settle a helper started since)
        for before, _ in steps:
            if before is not None:
                before()
    if first < n_events:
        _jit.share_range(_run_piece, n_events - first, first, steps, offsets, size,
                         min_per_piece=_jit.MIN_ITEMS_PER_PIECE)


_RUN_BEFORE = set()  # the lists of steps (their names) that have run in this process


def _run_piece(begin, end, first, steps, offsets, size):
    """Events [first + begin, first + end) block by block through every step. A block done in less
    than SHORT_BLOCK_S doubles the next one, up to LARGEST_BLOCK_PARTICLES: each call of a kernel on
    a block costs some microseconds (Python's call, the kernel's tables fetched again, its streams'
    first misses), which blocks of cheap events (single photons: one final-state particle of four)
    did not pay back (measured: see BLOCK_PARTICLES)."""
    block_first, end = first + begin, first + end
    while block_first < end:
        block_last = block_end(offsets, block_first, size, end)
        started = time.perf_counter()
        for _, step in steps:
            step(block_first, block_last)
        if size < LARGEST_BLOCK_PARTICLES and time.perf_counter() - started < SHORT_BLOCK_S:
            size *= 2
        block_first = block_last
