"""Python's cycle collector in belle2sim's own processes: fewer young collections, no full ones.

numba's compiler makes millions of Python objects (IR, types, templates) and keeps many of them:
each full collection walks every object of the process, and the default thresholds (700, 10, 10)
ran 24 of them in a first run of zprime-mumu compiled in one process, 2.2-2.7 s of its ~29 s of
CPU. Without full collections the young generations still free the cycles that die young, most of
the compiler's garbage; collected every 20000 allocations instead of every 700, fewer of them
live long enough to be kept for a full collection that never comes. Measured (that run, one
process, two passes): CPU 28.7-29.6 s with the defaults, 25.9-27.0 s without full collections,
26.9-27.3 s with both; peak memory 530, 645-655 and 540-552 MB. A run's chunks make few Python
objects and no lasting cycles, so a long run's memory is still set by its chunks. Numbers are
unchanged: only when Python frees its own objects changes.

Used by the command line, its compile helpers (forks inherit it; a new interpreter calls it) and
so ``belle2sim warm-up``; a library user's process is left alone.
"""

import gc

YOUNG_COLLECTION_ALLOCATIONS = 20_000  # (Python's default: 700)
# full collections only after this many of the middle generation: never, in practice (Python
# 3.14's incremental collector ignores the third threshold, and walks the old objects in steps)
FULL_COLLECTION_THRESHOLD = 1_000_000


def young_collections_only():
    """Collect the youngest generation every YOUNG_COLLECTION_ALLOCATIONS allocations (or as
    configured, if rarer), and make full collections wait for FULL_COLLECTION_THRESHOLD
    middle-generation ones (idempotent)."""
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_COLLECTION_ALLOCATIONS), middle, FULL_COLLECTION_THRESHOLD)
