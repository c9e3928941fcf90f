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
