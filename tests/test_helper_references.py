"""Helpers without numba's reference counting (_jit.inline): no NRT_incref / NRT_decref per call,
the caller's arrays untouched, and a helper that would return an array refused.

The helpers are compiled from a module written for each test (numba's cache of this folder is not
renewed when belle2sim's compile options change, as belle2sim's own is)."""

import importlib
import sys
import textwrap

import numba
import numpy as np
import pytest

HELPERS = textwrap.dedent('''
    from belle2sim._jit import inline, inline_owning, kernel


    def weighted_sum(values, weights, begin, end):
        """sum of values[k] * weights[k mod 7] over [begin, end): a signed index taken modulo, where
        numba's pruning of the counting in and out of its arguments gives up (as in the generators)."""
        s = 0.0
        for k in range(begin, end):
            s += values[k] * weights[int(values[k] * 0.0 + k) % 7]
        return s


    def weighted_sum_counted(values, weights, begin, end):
        """weighted_sum under a name of its own (numba's cache names an entry after the function)."""
        s = 0.0
        for k in range(begin, end):
            s += values[k] * weights[int(values[k] * 0.0 + k) % 7]
        return s


    counted_not = inline(weighted_sum)
    counted = inline_owning(weighted_sum_counted)


    @kernel
    def window_sums(values, weights, width, out):
        for i in range(out.shape[0]):
            out[i] = counted_not(values, weights, i, i + width)


    @kernel
    def window_sums_counted(values, weights, width, out):
        for i in range(out.shape[0]):
            out[i] = counted(values, weights, i, i + width)


    @inline
    def as_given(table):
        return table  # (numba allows it without counting: the one way an array gets out)


    @kernel
    def sum_of_given(table):
        return as_given(table).sum()


    @inline_owning
    def doubled(table):
        return table * 2.0


    @kernel
    def sum_of_doubled(table):
        return doubled(table).sum()
''')


@pytest.fixture
def helpers(tmp_path, monkeypatch):
    name = f"helpers_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(HELPERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module(name)
    sys.modules.pop(name, None)


def _helper_ir(helper):
    """The helper's optimised IR, compiled for the kernels' arrays."""
    array = numba.typeof(np.empty(1))
    helper.compile((array, array, numba.int64, numba.int64))
    return next(iter(helper.overloads.values())).library.get_llvm_str()


def test_inline_helpers_take_arrays_without_counting_them(helpers):
    values, weights = np.linspace(0.0, 2.0, 400), np.cos(np.arange(7.0))
    out, want = np.empty(390), np.empty(390)
    before = sys.getrefcount(values), sys.getrefcount(weights)
    for _ in range(50):  # (a count taken or dropped per call would show after thousands of calls)
        helpers.window_sums(values, weights, 10, out)
    helpers.window_sums_counted(values, weights, 10, want)
    assert np.array_equal(out, want)
    terms = values * weights[np.arange(400) % 7]
    np.testing.assert_allclose(out, np.convolve(terms, np.ones(10), "valid")[:390], rtol=1e-12, atol=1e-12)
    assert (sys.getrefcount(values), sys.getrefcount(weights)) == before
    # the helper's own code holds no reference counting; the counting twin's does (numba counts each
    # array argument in on entry and out on return)
    plain, counting = _helper_ir(helpers.counted_not), _helper_ir(helpers.counted)
    assert "NRT_incref" not in plain and "NRT_decref" not in plain
    assert "NRT_incref" in counting and "NRT_decref" in counting


def test_a_helper_returning_an_array_must_count_references(helpers):
    table = np.arange(12.0).reshape(3, 4)
    with pytest.raises(Exception, match=r"as_given returns .*array.*inline_owning"):
        helpers.sum_of_given(table)
    assert helpers.sum_of_doubled(table) == 2.0 * table.sum()
