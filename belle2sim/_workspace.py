"""Reusable scratch buffers for kernels.

Fresh large allocations cost a page fault per 4 kB page on first touch (measured: ~40 ms per
chunk of 2 M events for the trigger scratch alone), so internal scratch arrays are kept between
chunks. Only for arrays that never leave the library. Each thread has its own (threads take
whole chunks at once: belle2sim/chunk_threads.py).
"""

import threading

import numpy as np

_LOCAL = threading.local()


def scratch(name, n, dtype):
    """An uninitialised array of length n, reused across calls with the same name."""
    dtype = np.dtype(dtype)
    buffers = _LOCAL.__dict__.setdefault("buffers", {})
    buf = buffers.get(name)
    if buf is None or buf.dtype != dtype or len(buf) < n:
        buf = np.empty(max(n, 1), dtype=dtype)
        buffers[name] = buf
    return buf[:n]


def scratch_arrays(name, n, dtypes):
    """A tuple of uninitialised arrays of length n, one per dtype, reused across calls with the
    same name; a call with the length of the previous one returns the same views (one look-up:
    each Python step of a chunk runs from caches the kernels have just flushed, ~1-3 us apiece)."""
    buffers = _LOCAL.__dict__.setdefault("sets", {})
    entry = buffers.get(name)
    if entry is not None and entry[0] == n:
        return entry[1]
    views = tuple(scratch(f"{name}[{k}]", n, dtype) for k, dtype in enumerate(dtypes))
    buffers[name] = (n, views)
    return views


PARTICLE_ROWS = 13


def particle_rows(n):
    """(13, n) float64 rows, one column per particle: the packed numbers of the vector loops of the
    calorimeter entries (entries.py: the tracks from the axis, and those off it for
    off_axis_tracks). The tracking lists its tracks in blocks of its own instead."""
    return scratch("particle_rows", PARTICLE_ROWS * n, np.float64).reshape(PARTICLE_ROWS, n)
