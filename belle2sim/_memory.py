"""Keep freed chunk buffers in the process instead of handing them back to the kernel.

Every chunk allocates a few tens of MB of event and detector arrays and frees them at the end.
glibc serves allocations above its (dynamic) mmap threshold with fresh mmaps, so each chunk paid
for its memory again in page faults: 9.9 million minor faults and 16 % of the CPU time (system
time) on a 1e8-event single-photon point. With a fixed mmap threshold and no heap trimming,
freed buffers are reused (arrays up to 32 MiB, glibc's largest threshold: a chunk of 1e5 q qbar events
needs 16 MB per column): the same point runs 19 % faster (2e7 events: 17.5 -> 14.2 s wall, system
time 4.8 -> 0.3 s) at the same peak memory (390 MB). Numbers are unchanged: only where memory
comes from changes. Used by the command line and the dask workers; a no-op off glibc.

One arena for all threads: glibc gives each new thread an arena of its own, where chunk-sized
buffers came from fresh pages again (threads that each take whole chunks, chunk_threads.py: 20-35
thousand minor faults per 8 four-muon chunks, 10-20 % slower); the few large allocations per
chunk make the shared arena's lock no cost.
"""

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's largest on 64-bit (4 x 1024 x 1024 x sizeof(long))
TRIM_THRESHOLD_BYTES = 2**31 - 1  # 2 GiB: mallopt takes an int
_done = False


def keep_freed_memory():
    """Set glibc's malloc to reuse freed chunk buffers (idempotent; False where it cannot)."""
    global _done
    if _done:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    ok = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1 and ok
    ok = mallopt(_M_ARENA_MAX, 1) == 1 and ok
    _done = ok
    return ok
