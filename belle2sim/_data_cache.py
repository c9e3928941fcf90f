"""Arrays that take seconds to make and never change for the same inputs, kept on disk.

Pythia 8's decay samples (the tau bank, the B-decay pools) depend only on their size, seed and
the Pythia version; made once per machine and read back in milliseconds by later processes.
The directory is ``$BELLE2SIM_CACHE`` (default ``~/.cache/belle2sim``). A file is written under a
temporary name and renamed into place (processes and threads writing at once each leave a whole
file); one that cannot be read (truncated, foreign) is made again and replaced; a directory that
cannot be written costs only the saving.
"""

import os
import threading
import zipfile
from pathlib import Path

import numpy as np


def cache_dir():
    return Path(os.environ.get("BELLE2SIM_CACHE", Path.home() / ".cache" / "belle2sim"))


def pythia_version():
    """The installed pythia8mc's version: part of every key of a sample Pythia made."""
    from importlib.metadata import version

    return version("pythia8mc")


def cached_arrays(name, keys, make):
    """{key: array} stored as ``<cache_dir>/<name>.npz``: read if there, readable and holding
    exactly ``keys``; else ``make()`` (a dict of arrays with those keys), saved, and returned."""
    path = cache_dir() / f"{name}.npz"
    try:
        with np.load(path) as stored:
            if sorted(stored.files) == sorted(keys):
                return {key: stored[key] for key in keys}
    except (OSError, ValueError, EOFError, KeyError, AttributeError, TypeError, zipfile.BadZipFile):
        pass  # not there, or not a whole file: make it
    arrays = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass
    return arrays
