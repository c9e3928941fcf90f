"""The machine's own thread-scaling ceilings (run: python benchmarks/bench_ceilings.py).

Three numba kernels (nogil) in T Python threads, each on data of its own, as belle2sim's chunk
threads run: the speed-up of T threads over one that no workload can beat on this machine (turbo,
shared cores of a virtual machine, memory bandwidth). "compute" is one dependent chain of
arithmetic (latency-bound: it leaves most of a core's execution units idle), "vector" independent
multiply-adds in SIMD lanes on data in the L1 cache (throughput-bound: loads, arithmetic and
stores fill them), "memory" a
triad streaming from memory. Where the vector ceiling falls below the compute one, threads share
physical cores' execution units (virtual CPUs that are one core's two hyperthreads): kernels like
belle2sim's, which keep the units busy, scale like "vector", not like "compute". Read
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
def vector(a, reps):
    for r in range(reps):
        for i in range(a.shape[0]):  # (independent elements: SIMD lanes, no dependent chain)
            a[i] = a[i] * 0.9999999 + 1e-7
    return a[0]


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
VECTOR_REPS = 4_000_000  # passes of the vector kernel over its 2048 numbers per thread (~0.5 s)


def main():
    MAX_THREADS = numba.config.NUMBA_NUM_THREADS
    arrs = [tuple(np.ones(4_000_000) for _ in range(3)) for _ in range(MAX_THREADS)]  # 96 MB per thread
    small = [np.ones(2048) for _ in range(MAX_THREADS)]  # 16 kB per thread: in its core's L1 cache
    compute(1000, 1.0)
    vector(small[0], 1)
    triad(*arrs[0], 1)
    for T in [t for t in (1, 2, 4, 8, 16, 32, 64) if t <= MAX_THREADS]:
        tc = run(T, compute, lambda k: (N, 1.0 + k))
        tv = run(T, vector, lambda k: (small[k], VECTOR_REPS))
        tm = run(T, triad, lambda k: (*arrs[k], 5))
        if T == 1:
            c1, v1, m1 = tc, tv, tm
        gbs = T * 5 * 3 * 8 * 4_000_000 / tm / 1e9
        print(f"ceiling {T:2d} threads: compute {T * c1 / tc:5.2f}x, vector {T * v1 / tv:5.2f}x, "
              f"memory triad {T * m1 / tm:5.2f}x ({gbs:.1f} GB/s)", flush=True)


if __name__ == "__main__":
    main()
