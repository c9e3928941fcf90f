"""Parallel sorted-table lookup used by pdgdata (kept apart so pdgdata imports without numba)."""

import numpy as np

from belle2sim._jit import range_kernel


def lookup2(keys, table_keys, values_a, values_b, out_a, out_b):
    """out_x[i] = values_x[j] where table_keys[j] == keys[i]; returns a found-mask."""
    found = np.empty(keys.shape[0], dtype=np.bool_)
    _lookup2(keys, table_keys, values_a, values_b, out_a, out_b, found)
    return found


@range_kernel("keys")
def _lookup2(begin, end, keys, table_keys, values_a, values_b, out_a, out_b, found):
    m = table_keys.shape[0]
    for i in range(begin, end):
        key = keys[i]
        j = np.searchsorted(table_keys, key)
        ok = j < m and table_keys[j] == key
        found[i] = ok
        if ok:
            out_a[i] = values_a[j]
            out_b[i] = values_b[j]
