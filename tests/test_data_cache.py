"""The disk cache of Pythia samples (belle2sim/_data_cache.py): same arrays back, broken files made again."""

import numpy as np
import pytest

from belle2sim import _data_cache
from belle2sim.generators import pythia_decays


@pytest.fixture
def small_pools(tmp_path, monkeypatch):
    """A private cache directory and 300-decay pools (the lru cache emptied before and after)."""
    monkeypatch.setenv("BELLE2SIM_CACHE", str(tmp_path))
    monkeypatch.setattr(pythia_decays, "POOL_SIZE", 300)
    pythia_decays.b_decay_pool.cache_clear()
    yield tmp_path
    pythia_decays.b_decay_pool.cache_clear()


def test_a_cached_pool_is_the_pool_pythia_makes(small_pools, monkeypatch):
    made = pythia_decays.make_b_decay_pool(521, 3)
    first = pythia_decays.b_decay_pool(521, 3)  # made and saved
    (saved,) = small_pools.glob("b_decay_pool_*_521_n300_seed3_*.npz")
    pythia_decays.b_decay_pool.cache_clear()

    def no_pythia(*args):
        raise AssertionError("made again instead of read")

    monkeypatch.setattr(pythia_decays, "make_b_decay_pool", no_pythia)
    second = pythia_decays.b_decay_pool(521, 3)  # read
    for a, b, c in zip(made, first, second):
        assert a.dtype == c.dtype
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert len(second[0]) == 301 and saved.stat().st_size > 0


@pytest.mark.parametrize("content", [b"", b"not a zip file", None])
def test_unreadable_or_foreign_files_are_made_again(tmp_path, monkeypatch, content):
    monkeypatch.setenv("BELLE2SIM_CACHE", str(tmp_path))
    path = tmp_path / "sample.npz"
    if content is None:  # a whole file with other arrays (an older layout)
        np.savez(path, other=np.arange(3))
    else:
        path.write_bytes(content)
    calls = []

    def make():
        calls.append(1)
        return {"x": np.arange(5.0), "n": np.int64(5)}

    got = _data_cache.cached_arrays("sample", ("x", "n"), make)
    again = _data_cache.cached_arrays("sample", ("x", "n"), make)
    assert calls == [1]  # made once, then read from the replaced file
    np.testing.assert_array_equal(got["x"], again["x"])
    assert int(again["n"]) == 5 and not list(tmp_path.glob("*.tmp.npz"))


def test_a_directory_that_cannot_be_written_costs_only_the_saving(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("BELLE2SIM_CACHE", str(blocker / "cache"))
    got = _data_cache.cached_arrays("sample", ("x",), lambda: {"x": np.ones(2)})
    np.testing.assert_array_equal(got["x"], np.ones(2))


def test_beyond_the_budget_the_least_recently_used_files_go(tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("BELLE2SIM_CACHE", str(tmp_path))
    monkeypatch.setattr(_data_cache, "MAX_BYTES", 3 * 8000 + 2000)  # room for three 8 kB arrays
    for k, name in enumerate("abc"):
        _data_cache.cached_arrays(name, ("x",), lambda: {"x": np.zeros(1000)})
        os.utime(tmp_path / f"{name}.npz", (1000.0 + k, 1000.0 + k))  # a, b, c: oldest first
    _data_cache.cached_arrays("a", ("x",), lambda: {"x": np.ones(1000)})  # read: a is now the newest
    _data_cache.cached_arrays("d", ("x",), lambda: {"x": np.zeros(1000)})  # one too many: b goes
    assert sorted(f.name for f in tmp_path.glob("*.npz")) == ["a.npz", "c.npz", "d.npz"]


def test_computed_once_is_keyed_by_its_inputs(tmp_path, monkeypatch):
    monkeypatch.setenv("BELLE2SIM_CACHE", str(tmp_path))
    calls = []

    def square(a, b):
        calls.append(1)
        return {"y": a * a + b}

    a, b = np.array([1.5, 2.0]), np.array([0.25])
    first = _data_cache.computed_once("square", (a, b), square)
    again = _data_cache.computed_once("square", (a.copy(), b.copy()), square)
    assert calls == [1]  # the same inputs: read back
    np.testing.assert_array_equal(first["y"], again["y"])
    np.testing.assert_array_equal(again["y"], [2.5, 4.25])
    other = _data_cache.computed_once("square", (a, np.array([1.0])), square)  # one input differs
    assert calls == [1, 1] and list(other["y"]) == [3.25, 5.0]
    _data_cache.computed_once("square", (a.astype(np.float32), b), square)  # same values, other type
    assert calls == [1, 1, 1] and len(list(tmp_path.glob("square_*.npz"))) == 3


def test_boost_tables_read_back_are_vectors_and_need_no_vector_import(tmp_path, monkeypatch):
    """The c.m. tables made with ``vector`` (ECL trigger cells, the analyses' boost matrix) are the
    same when read from the cache, and a later process reads them without importing vector."""
    import subprocess
    import sys

    from belle2sim.channels.objects import _boost_matrix
    from belle2sim.detector.card import load_card
    from belle2sim.trigger.ecl_tc_tables import tc_centres_cm, tc_lookup_tables

    monkeypatch.setenv("BELLE2SIM_CACHE", str(tmp_path))
    card = load_card()
    edges, segments, offsets = card.tc_theta_edges_rad(), card.tc_phi_segments(), card.tc_phi_offsets_rad()
    boost = np.asarray(card.beams.boost_vector, dtype=np.float64)
    direct = tc_centres_cm(edges, segments, offsets, boost)
    for _ in range(2):  # made, then read
        lut = tc_lookup_tables(edges, segments, offsets, boost)
        for got, key in zip(lut[1:4], ("E", "theta", "phi")):
            np.testing.assert_array_equal(got, direct[key])
        # made (vector's strided views) or read: the same kernel argument types, or the first
        # run's helper compiles the ECL trigger for a signature the run then does not use
        assert all(a.flags.c_contiguous for a in lut if isinstance(a, np.ndarray))
    assert 0.5 < direct["E"].min() < direct["E"].max() < 2.0  # a c.m. / lab energy ratio of the boost
    probe = ("import sys, numpy as np\n"
             "from belle2sim._jit import skip_numba_extensions\n"
             "skip_numba_extensions()\n"  # as the command line does (else numba's entry points load vector)
             "from belle2sim.detector.card import load_card\n"
             "from belle2sim.channels.objects import cm_boost_matrix\n"
             "from belle2sim.trigger.ecl_tc_tables import tc_lookup_tables\n"
             "card = load_card()\n"
             "m = cm_boost_matrix(card)\n"
             "tc_lookup_tables(card.tc_theta_edges_rad(), card.tc_phi_segments(), card.tc_phi_offsets_rad(),"
             " card.beams.boost_vector)\n"
             "np.save(sys.argv[1], m)\n"
             "print('vector' in sys.modules)\n")
    runs = [subprocess.run([sys.executable, "-c", probe, str(tmp_path / f"m{k}.npy")], capture_output=True, text=True,
                           check=True).stdout.split() for k in range(2)]
    assert runs == [["True"], ["False"]]  # made with vector once, read without it after
    matrix = _boost_matrix(boost)["matrix"]
    for k in range(2):
        np.testing.assert_array_equal(np.load(tmp_path / f"m{k}.npy"), matrix)


def test_one_maker_at_a_time_the_others_read_its_file(tmp_path, monkeypatch):
    """Two wanting the same file at once (a warm-up's two processes, dask workers): the second waits
    for the first to make it and reads it, instead of making it again."""
    import threading
    import time

    monkeypatch.setenv("BELLE2SIM_CACHE", str(tmp_path))
    calls = []

    def slow_make():
        calls.append(threading.get_ident())
        time.sleep(0.5)
        return {"x": np.arange(3.0)}

    got = {}

    def want(tag):
        got[tag] = _data_cache.cached_arrays("shared", ("x",), slow_make)

    first = threading.Thread(target=want, args=("first",))
    first.start()
    time.sleep(0.1)  # the first is making it
    want("second")
    first.join()
    assert len(calls) == 1
    np.testing.assert_array_equal(got["first"]["x"], got["second"]["x"])


def test_matrix_element_weight_summaries_are_kept_and_follow_the_sources(tmp_path, monkeypatch):
    """The pilots' and cross sections' weight summaries: computed as before, read back bit for bit,
    and made again once belle2sim's sources (their fingerprint) change."""
    from belle2sim import _cache_guard
    from belle2sim.generators import lepton_pair_boson as lpb
    from belle2sim.generators.radiated_boson import VECTOR

    monkeypatch.setenv("BELLE2SIM_CACHE", str(tmp_path))
    args = (7, lpb.STAGE_PILOT, 3000, 10.58, 0.1057, 2.0, VECTOR)
    w = lpb.weights(np.uint64(7), lpb.STAGE_PILOT, 3000, 10.58, lpb.pdgdata.mass_GeV(11), 0.1057, 2.0, VECTOR)
    made = lpb.weight_summary(*args)
    assert made == (w.mean(), w.std(), w.max())  # (exactly: the same reductions)
    real_weights, calls = lpb.weights, []

    def counted(*a):
        calls.append(a)
        return real_weights(*a)

    monkeypatch.setattr(lpb, "weights", counted)
    assert lpb.weight_summary(*args) == made and calls == []  # read back
    assert lpb.weight_summary(*args[:-2], 2.5, VECTOR) != made and len(calls) == 1  # another mass: made
    monkeypatch.setattr(_cache_guard, "source_fingerprint", lambda: "an edited checkout")
    assert lpb.weight_summary(*args) == made and len(calls) == 2  # made again, the same numbers
    sigma = lpb.cross_section_fb(10.58, 0.1057, 2.0, VECTOR, 0.01, n=3000)
    assert sigma == lpb.cross_section_fb(10.58, 0.1057, 2.0, VECTOR, 0.01, n=3000) and len(calls) == 3


def test_idm_unweighting_bound_is_kept_on_disk(tmp_path, monkeypatch):
    """The inelastic-DM three-body bound (a scan made in Python, ~0.3 s a point): made once, then read."""
    from belle2sim.generators import idm

    monkeypatch.setenv("BELLE2SIM_CACHE", str(tmp_path))
    monkeypatch.setattr(idm, "_W_MAX", {})
    made = idm._w_max_cached(0.3, 0.39, 1.5)
    assert made == idm._w_max(0.3, 0.39, 1.5, idm.pdgdata.mass_GeV(11))

    def no_scan(*args):
        raise AssertionError("scanned again instead of read")

    monkeypatch.setattr(idm, "_W_MAX", {})
    monkeypatch.setattr(idm, "_w_max", no_scan)
    assert idm._w_max_cached(0.3, 0.39, 1.5) == made
