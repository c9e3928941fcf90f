"""Parallel table lookup used by pdgdata (kept apart so pdgdata imports without numba)."""

import numpy as np

from belle2sim._jit import ix, range_kernel


def lookup2(keys, table_keys, values_a, values_b, dense, out_a, out_b):
    """out_x[i] = values_x[j] where table_keys[j] == keys[i] (sorted); returns (a found-mask, how
    many keys were not found).
    ``dense`` (pdgdata._dense_index of the table): the row of each key in [-D, D), -1 if none."""
    found = np.empty(keys.shape[0], dtype=np.bool_)
    missing = _lookup2(keys, table_keys, values_a, values_b, dense, dense.shape[0] // 2, out_a, out_b, found)
    return found, sum(missing)


@range_kernel("keys")
def _lookup2(begin, end, keys, table_keys, values_a, values_b, dense, half_width, out_a, out_b, found):
    m = table_keys.shape[0]
    missing = 0
    for i in range(np.uint64(begin), np.uint64(end)):
        key = keys[i]
        if -half_width <= key < half_width:
            j = dense[ix(key + half_width)]  # (unsigned: no wrap-around test, _jit.ix)
            ok = j >= 0  # (the dense index holds every table key in its range)
        else:  # binary search: the first row whose key is not below ``key`` (np.searchsorted's
            # left side, written out: numba's searchsorted costs a first run ~0.5 s of compilation)
            lo, hi = 0, m
            while lo < hi:
                mid = (lo + hi) >> 1
                if table_keys[ix(mid)] < key:
                    lo = mid + 1
                else:
                    hi = mid
            j = lo
            ok = j < m and table_keys[ix(j)] == key
        found[i] = ok
        if ok:
            out_a[i] = values_a[ix(j)]
            out_b[i] = values_b[ix(j)]
        else:
            missing += 1
    return missing
