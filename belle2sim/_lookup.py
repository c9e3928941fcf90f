"""Parallel sorted-table lookup used by pdgdata (kept apart so pdgdata imports without numba)."""

import numpy as np
from numba import prange

from belle2sim._jit import kernel


@kernel(parallel=True)
def lookup(keys, table_keys, table_values, out):
    """out[i] = table_values[j] where table_keys[j] == keys[i]; returns a found-mask."""
    n = keys.shape[0]
    found = np.zeros(n, dtype=np.bool_)
    m = table_keys.shape[0]
    for i in prange(n):
        j = np.searchsorted(table_keys, keys[i])
        if j < m and table_keys[j] == keys[i]:
            out[i] = table_values[j]
            found[i] = True
    return found
