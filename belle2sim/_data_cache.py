"""Arrays that take seconds to make and never change for the same inputs, kept on disk.

Pythia 8's decay samples (the tau bank, the B-decay pools) depend only on their size, seed and
the Pythia version; made once per machine and read back in milliseconds by later processes (the
default tau bank of the pinned Pythia version is installed with belle2sim: ``shipped``).
The directory is ``$BELLE2SIM_CACHE`` (default ``~/.cache/belle2sim``). A file is written under a
temporary name and renamed into place (processes and threads writing at once each leave a whole
file); one that cannot be read (truncated, foreign) is made again and replaced; a directory that
cannot be written costs only the saving. A B-decay pool is ~9 MB and there is one per flavour and
seed: beyond MAX_BYTES the least recently used files are deleted.

Small tables made with a library that is slow to import (``vector`` brings sympy and awkward with
it: 0.4-0.6 s, a fifth of a short run) are kept the same way, keyed by a hash of their inputs and
the library's version (:func:`computed_once`): only a machine's first run imports it.
"""

import contextlib
import hashlib
import os
import threading
import zipfile
from pathlib import Path

import numpy as np

try:
    import fcntl
except ImportError:  # not POSIX: no lock
    fcntl = None

MAX_BYTES = 256 * 2**20


def cache_dir():
    return Path(os.environ.get("BELLE2SIM_CACHE", Path.home() / ".cache" / "belle2sim"))


def pythia_version():
    """The installed pythia8mc's version: part of every key of a sample Pythia made."""
    from importlib.metadata import version

    return version("pythia8mc")


def computed_once(name, inputs, make, library="vector"):
    """``make(*inputs)`` (a dict of arrays), stored under a key made of ``name``, the inputs' types,
    shapes and bytes, and the installed version of ``library`` (None: results of belle2sim's own
    kernels, keyed by its sources and the versions of numba, llvmlite and NumPy, which compile them):
    computed on a machine's first run, read back (the same arrays, bit for bit) by the runs after
    it. Made or read, the arrays are contiguous (a library's strided views would give a kernel
    another signature than the cache's arrays: the first run's two processes would compile it twice)."""
    from importlib.metadata import version

    if library is None:
        from belle2sim._cache_guard import source_fingerprint

        stamp = "belle2sim " + source_fingerprint() + "".join(f" {lib} {version(lib)}" for lib in (
            "numba", "llvmlite", "numpy"))
    else:
        stamp = f"{library} {version(library)}"
    digest = hashlib.sha256(f"{name} {stamp}".encode())
    for a in inputs:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str} {a.shape} ".encode())
        digest.update(a.tobytes())
    return cached_arrays(f"{name}_{digest.hexdigest()[:24]}", None,
                         lambda: {key: np.ascontiguousarray(a) for key, a in make(*inputs).items()})


def cached_arrays(name, keys, make, shipped=None):
    """{key: array} stored as ``<cache_dir>/<name>.npz``: read if there, readable and holding
    exactly ``keys`` (None: any keys but none); else ``make()`` (a dict of arrays with those keys),
    saved, and returned. One process makes it at a time: another one wanting the same file waits
    and reads it (a warm-up's two processes, dask workers: the tau bank is 8 s of Pythia).
    ``shipped``: a directory of belle2sim's own, read first: files made ahead and installed with it
    (the tau bank of the Pythia version it pins), under the same name."""
    if shipped is not None:
        arrays = _read(Path(shipped) / f"{name}.npz", keys, mark=False)
        if arrays is not None:
            return arrays
    path = cache_dir() / f"{name}.npz"
    arrays = _read(path, keys)
    if arrays is not None:
        return arrays
    with _making(path):
        arrays = _read(path, keys)  # (made meanwhile by the process that held the lock)
        if arrays is not None:
            return arrays
        arrays = make()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp.npz")
            np.savez(tmp, **arrays)
            os.replace(tmp, path)
            _prune(path.parent, keep=path)
        except OSError:
            pass
    return arrays


def _read(path, keys, mark=True):
    """The arrays of a whole, readable file holding ``keys`` (None: any but none); else None.
    ``mark``: the file's time set to now (the cache's files; not an installed one)."""
    try:
        with np.load(path) as stored:
            if (sorted(stored.files) == sorted(keys)) if keys is not None else bool(stored.files):
                arrays = {key: stored[key] for key in stored.files}
                if mark:
                    _mark_used(path)
                return arrays
    except (OSError, ValueError, EOFError, KeyError, AttributeError, TypeError, zipfile.BadZipFile):
        pass  # not there, or not a whole file: make it
    return None


@contextlib.contextmanager
def _making(path):
    """An exclusive lock on ``<path>.lock`` (POSIX flock, released if the process dies); no lock where
    none can be made."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield
        return
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _mark_used(path):
    """The file's time set to now: the last to go when pruning (a read-only cache keeps its times)."""
    try:
        os.utime(path)
    except OSError:
        pass


def _prune(directory, keep):
    """Delete the least recently used files while the cache holds more than MAX_BYTES."""
    def used(f):
        try:
            return f.stat().st_mtime
        except OSError:  # (deleted meanwhile by another process)
            return 0.0

    files = sorted((f for f in directory.glob("*.npz") if ".tmp." not in f.name), key=used, reverse=True)
    total = 0
    for f in files:
        try:
            total += f.stat().st_size
            if total > MAX_BYTES and f != keep:
                f.unlink()
        except OSError:
            pass
