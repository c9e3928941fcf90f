"""Reusable scratch buffers for kernels.

Fresh large allocations cost a page fault per 4 kB page on first touch (measured: ~40 ms per
chunk of 2 M events for the trigger scratch alone), so internal scratch arrays are kept between
chunks. Only for arrays that never leave the library.
"""

import numpy as np

_BUFFERS = {}


def scratch(name, n, dtype):
    """An uninitialised array of length n, reused across calls with the same name."""
    dtype = np.dtype(dtype)
    buf = _BUFFERS.get(name)
    if buf is None or buf.dtype != dtype or len(buf) < n:
        buf = np.empty(max(n, 1), dtype=dtype)
        _BUFFERS[name] = buf
    return buf[:n]
