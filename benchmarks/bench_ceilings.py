"""The machine's own thread-scaling ceilings (run: python benchmarks/bench_ceilings.py).

A compute-bound and a memory-bound numba kernel (nogil) in T Python threads, each on data of its
own, as belle2sim's chunk threads run: the speed-up of T threads over one that no workload can
beat on this machine (turbo, shared cores of a virtual machine, memory bandwidth). Read
bench_scaling.py's speed-ups against these. Best of 3 per thread count.
"""

import math
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

@numba.njit(nogil=True, cache=False)
def compute(n, x0):
    s = 0.0
    x = x0
    for i in range(n):
        x = math.sqrt(x * 1.0000001 + 1.0) / (1.0 + 1e-9 * i) + math.atan2(x, 3.0) * 1e-3
        s += x
    return s


@numba.njit(nogil=True, cache=False)
def triad(a, b, c, reps):
    for r in range(reps):
        for i in range(a.shape[0]):
            a[i] = b[i] + 1.5 * c[i]
    return a[0]


def run(threads, fn, args_of):
    with ThreadPoolExecutor(threads) as pool:
        best = 1e9
        for _ in range(3):
            t = time.perf_counter()
            list(pool.map(lambda k: fn(*args_of(k)), range(threads)))
            best = min(best, time.perf_counter() - t)
    return best


N = 20_000_000  # iterations of the compute kernel per thread


def main():
    MAX_THREADS = numba.config.NUMBA_NUM_THREADS
    arrs = [tuple(np.ones(4_000_000) for _ in range(3)) for _ in range(MAX_THREADS)]  # 96 MB per thread
    compute(1000, 1.0)
    triad(*arrs[0], 1)
    for T in [t for t in (1, 2, 4, 8, 16, 32, 64) if t <= MAX_THREADS]:
        tc = run(T, compute, lambda k: (N, 1.0 + k))
        tm = run(T, triad, lambda k: (*arrs[k], 5))
        if T == 1:
            c1, m1 = tc, tm
        gbs = T * 5 * 3 * 8 * 4_000_000 / tm / 1e9
        print(f"ceiling {T:2d} threads: compute {T * c1 / tc:5.2f}x, memory triad {T * m1 / tm:5.2f}x ({gbs:.1f} GB/s)", flush=True)


if __name__ == "__main__":
    main()
