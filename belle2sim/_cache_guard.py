"""Keep numba's kernel cache in step with belle2sim's sources.

numba checks a cached kernel against its own source file only. A kernel inlines helpers from
other modules (helix.py, fastmath.py, rng.py, ...): edit one of those and every kernel using it
would go on loading the old machine code, a silent wrong answer. So at import belle2sim takes a
fingerprint of all its sources (path, size, modification time of each .py file) and compares it
with the one stored beside each cache directory; where they differ, that directory's belle2sim
kernels are deleted and compiled afresh on first use. An installed wheel never changes, so only
edited checkouts pay (one recompilation after an edit).
"""

import functools
import hashlib
import os

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
STAMP_NAME = "belle2sim-sources.fingerprint"


def _sources():
    for root, dirs, files in os.walk(PACKAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(root, name)


def fingerprint(sources):
    """sha1 over (relative path, size, mtime) of the given source files."""
    h = hashlib.sha1()
    for path in sources:
        st = os.stat(path)
        h.update(f"{os.path.relpath(path, PACKAGE_DIR)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _sources_and_fingerprint():
    sources = list(_sources())
    return sources, fingerprint(sources)


def source_fingerprint():
    """:func:`fingerprint` of belle2sim's sources as this process found them at import (also what
    results of its kernels kept on disk are keyed by: belle2sim/_data_cache.py)."""
    return _sources_and_fingerprint()[1]


def _cache_dirs(sources):
    """{cache directory: module stems cached there}: where numba keeps each module's kernels
    (NUMBA_CACHE_DIR, beside the source, or the user-wide cache; the locators create it). The
    locators place a module by its directory, so one probe per source directory."""
    from numba.core import caching

    def probe():  # a stand-in function: the locators read only its first line number
        pass

    by_directory = {}
    for path in sources:
        by_directory.setdefault(os.path.dirname(path), []).append(path)
    found = {}
    for paths in by_directory.values():
        for locator_class in caching.CacheImpl._locator_classes:  # numba takes the first that applies
            try:
                locator = locator_class.from_function(probe, paths[0])
            except Exception:  # a locator that does not apply to this file (zip, IPython, ...)
                locator = None
            if locator is not None:
                found.setdefault(locator.get_cache_path(), set()).update(
                    os.path.splitext(os.path.basename(path))[0] for path in paths)
                break
    return found


def _stamp_of(directory):
    try:
        with open(os.path.join(directory, STAMP_NAME)) as f:
            return f.read().strip()
    except OSError:
        return None


def drop_stale_kernels():
    """Delete cached belle2sim kernels built from other sources than the present ones; returns
    the number of files deleted."""
    sources, current = _sources_and_fingerprint()  # (one walk of the sources per process)
    deleted = 0
    for directory, stems in _cache_dirs(sources).items():
        if _stamp_of(directory) == current:
            continue
        for name in os.listdir(directory):
            stem = name.split(".", 1)[0]
            if stem in stems and (name.endswith(".nbi") or name.endswith(".nbc")):
                try:
                    os.remove(os.path.join(directory, name))
                    deleted += 1
                except OSError:
                    pass  # another process got there first, or a read-only location
        try:
            tmp = os.path.join(directory, f"{STAMP_NAME}.{os.getpid()}")
            with open(tmp, "w") as f:
                f.write(current + "\n")
            os.replace(tmp, os.path.join(directory, STAMP_NAME))
        except OSError:
            pass
    return deleted
