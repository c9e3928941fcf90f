"""numba's on-disk cache under two processes compiling one function at once (belle2sim/_cache_lock.py).

Two processes compile different signatures of a cached function. Hooks in numba's cache-file
class force the interleaving that corrupts an unlocked cache: both read the empty index, B writes
the index last and A the data file last, so the index names B's signature and the file holds A's
machine code. With the lock the second writer waits, reads the first one's index and takes the next
data file; a third process then loads both signatures from the cache and gets the right answers.
"""

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("fcntl")

MODULE = """
import numba

@numba.njit(cache=True)
def affine(x):
    return x * 2 + 1
"""

WRITER = """
import os, sys, time, threading
sys.path.insert(0, {folder!r})
role, lock = sys.argv[1], sys.argv[2] == "lock"
if lock:
    from belle2sim._cache_lock import lock_numba_cache
    assert lock_numba_cache()
from numba.core import caching
cls = caching.IndexDataCacheFile
saving = threading.local()
save, load_index, save_index, save_data = cls.save, cls._load_index, cls._save_index, cls._save_data

def in_save(self, key, data):
    saving.on = True
    try:
        return save(self, key, data)
    finally:
        saving.on = False

def slow_load_index(self):
    out = load_index(self)
    if getattr(saving, "on", False):  # both have read the index: meet the other (3 s at most)
        open(os.path.join({folder!r}, "at-" + role), "w").close()
        other = os.path.join({folder!r}, "at-" + ("B" if role == "A" else "A"))
        end = time.time() + 3.0
        while not os.path.exists(other) and time.time() < end:
            time.sleep(0.01)
    return out

def late_index(self, overloads):
    if role == "B":
        time.sleep(0.3)  # B's index is written last
    return save_index(self, overloads)

def late_data(self, name, data):
    if role == "A":
        time.sleep(1.0)  # A's data file is written last
    return save_data(self, name, data)

cls.save, cls._load_index, cls._save_index, cls._save_data = in_save, slow_load_index, late_index, late_data
from racemod import affine
affine(3 if role == "A" else 1.5)
"""

READER = """
import json, sys
sys.path.insert(0, {folder!r})
from belle2sim._cache_lock import lock_numba_cache
lock_numba_cache()
from racemod import affine
out = [affine(3), affine(1.5)]
print(json.dumps({{"values": out, "hits": sum(affine.stats.cache_hits.values())}}))
"""


def race(tmp_path, lock):
    folder = str(tmp_path)
    (tmp_path / "racemod.py").write_text(MODULE)
    writer = textwrap.dedent(WRITER).format(folder=folder)
    procs = [subprocess.Popen([sys.executable, "-c", writer, role, lock], stderr=subprocess.PIPE, text=True)
             for role in ("A", "B")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(READER).format(folder=folder)],
                         capture_output=True, text=True, timeout=120)
    return out


def test_two_processes_compiling_at_once_leave_a_sound_cache(tmp_path):
    out = race(tmp_path, "lock")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["values"] == [7, 4.0]
    assert result["hits"] == 2  # both signatures came from the cache


def test_the_forced_interleaving_corrupts_an_unlocked_cache(tmp_path):
    """The check of the check: without the lock, the same interleaving leaves a cache whose index
    and data disagree (numba's behaviour, which the lock exists for)."""
    out = race(tmp_path, "nolock")
    result = json.loads(out.stdout) if out.returncode == 0 else None
    assert result is None or result["values"] != [7, 4.0] or result["hits"] < 2
