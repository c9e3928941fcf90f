"""Atomic file writing: an interrupted run never leaves a half-written output.

:func:`atomic_path` writes one file through a temporary next to it and renames it into place.
:class:`OutputSet` does the same for several outputs of one run (a table and a plot): every
file is written to its temporary first and all are renamed only when all exist, so a failure or
an interrupt while writing leaves none of them (only the renames themselves, microseconds at the
end, are not atomic as a group). Files get the permissions the umask gives a new file.
"""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


def _umask_mode():
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


# Every temporary not yet renamed or removed: the interrupt watchdog removes them before a hard exit.
_LIVE_TEMPORARIES = set()


def _temporary(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, _umask_mode())  # mkstemp makes 0600; a user's output follows the umask
    _LIVE_TEMPORARIES.add(Path(tmp))
    return Path(tmp)


def _settle(tmp, path=None):
    """Rename ``tmp`` over ``path`` (or remove it when ``path`` is None) and forget it."""
    if path is not None:
        os.replace(tmp, path)
    elif tmp.exists():
        tmp.unlink()
    _LIVE_TEMPORARIES.discard(tmp)


def remove_live_temporaries():
    """Remove every temporary still pending (called just before a forced exit)."""
    for tmp in list(_LIVE_TEMPORARIES):
        try:
            _settle(tmp)
        except OSError:
            pass


@contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; rename it over ``path`` only on success."""
    path = Path(path)
    tmp = _temporary(path)
    try:
        yield tmp
        _settle(tmp, path)
    finally:
        _settle(tmp)


def write_text(path, text):
    with atomic_path(path) as tmp:
        tmp.write_text(text)


class OutputSet:
    """Temporaries for several outputs, renamed into place together by :meth:`commit`."""

    def __init__(self):
        self._pending = []

    def temporary(self, path):
        path = Path(path)
        tmp = _temporary(path)
        self._pending.append((tmp, path))
        return tmp

    def commit(self):
        for tmp, path in self._pending:
            _settle(tmp, path)
        self._pending = []

    def discard(self):
        for tmp, _ in self._pending:
            _settle(tmp)
        self._pending = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.discard()
        return False


def check_writable(path, what):
    """Raise OutputError before any work if ``path`` cannot be written: its directory (or the
    nearest existing ancestor) must be a directory where a file can be created."""
    from belle2sim.errors import OutputError

    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{what} {path}: is a directory")
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{what} {path}: {parent} is a file, not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".belle2sim-probe.", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{what} {path}: cannot write in {parent} ({exc.strerror})") from None
