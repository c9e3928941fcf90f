"""numba's on-disk kernel cache, made safe for several processes compiling at once.

A cache write reads the index of a function's compiled versions, picks a free data-file name,
writes the index, then the data. Two processes compiling different signatures of one function at
the same time can both pick ``.1.nbc``: the index then names one signature and the data file
holds the other's machine code, which every later run loads (numba issues #4807 and #10128, both
open; the maintainers suggest a file lock). belle2sim runs several compiling processes on a first
run: the helper that compiles the trigger kernels beside the main process, dask workers, a user's
parallel jobs. So every index-and-data write holds an exclusive lock, and every read a shared one,
on a lock file in the cache's directory (POSIX ``flock``: released by the kernel if a process
dies). Where the directory cannot hold a lock file, numba cannot write its cache there either.
"""

import contextlib
import os

try:
    import fcntl
except ImportError:  # not POSIX: numba's own behaviour
    fcntl = None

LOCK_NAME = "belle2sim-numba-cache.lock"


@contextlib.contextmanager
def locked(cache_dir, exclusive):
    """Hold the cache directory's lock (exclusive for writing, shared for reading)."""
    try:
        fd = os.open(os.path.join(cache_dir, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o666)
    except (OSError, TypeError):  # (TypeError: no directory known)
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # (releases the lock)


def lock_numba_cache():
    """Wrap numba's cache-file reads and writes in the directory lock (idempotent). Returns
    whether the cache is locked: False off POSIX or where numba's cache class has moved."""
    from numba.core import caching

    cache_file = getattr(caching, "IndexDataCacheFile", None)
    if fcntl is None or cache_file is None or not all(hasattr(cache_file, m) for m in ("save", "load")):
        return False
    if getattr(cache_file, "_belle2sim_locked", False):
        return True
    save, load = cache_file.save, cache_file.load

    def locked_save(self, key, data):
        with locked(getattr(self, "_cache_path", None), exclusive=True):
            return save(self, key, data)

    def locked_load(self, key):
        with locked(getattr(self, "_cache_path", None), exclusive=False):
            return load(self, key)

    cache_file.save, cache_file.load = locked_save, locked_load
    cache_file._belle2sim_locked = True
    return True
