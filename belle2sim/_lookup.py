"""Parallel sorted-table lookup used by pdgdata (kept apart so pdgdata imports without numba)."""

import numpy as np
from numba import prange

from belle2sim._jit import kernel


@kernel(parallel=True)
def lookup2(keys, table_keys, values_a, values_b, out_a, out_b):
    """out_x[i] = values_x[j] where table_keys[j] == keys[i]; returns a found-mask."""
    n = keys.shape[0]
    found = np.empty(n, dtype=np.bool_)
    m = table_keys.shape[0]
    for i in prange(n):
        key = keys[i]
        j = np.searchsorted(table_keys, key)
        ok = j < m and table_keys[j] == key
        found[i] = ok
        if ok:
            out_a[i] = values_a[j]
            out_b[i] = values_b[j]
    return found
