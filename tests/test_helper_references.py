"""Helpers without numba's reference counting (_jit.inline): no NRT_incref / NRT_decref per call,
the caller's arrays untouched, and a helper that would return an array refused."""

import sys
import types

import numba
import numpy as np
import pytest

from belle2sim._jit import inline, inline_owning, kernel


def _weighted_sum(values, weights, begin, end):
    """sum of values[k] * weights[k mod 7] over [begin, end): a signed index taken modulo, where
    numba's pruning of the counting in and out of its arguments gives up (as in the generators)."""
    s = 0.0
    for k in range(begin, end):
        s += values[k] * weights[int(values[k] * 0.0 + k) % 7]
    return s


def _same_code(fn, name):
    twin = types.FunctionType(fn.__code__, fn.__globals__, name)
    twin.__qualname__ = name
    return twin


counted_not = inline(_weighted_sum)
counted = inline_owning(_same_code(_weighted_sum, "_weighted_sum_counted"))


@kernel
def _window_sums(values, weights, width, out):
    for i in range(out.shape[0]):
        out[i] = counted_not(values, weights, i, i + width)


@kernel
def _window_sums_counted(values, weights, width, out):
    for i in range(out.shape[0]):
        out[i] = counted(values, weights, i, i + width)


def _helper_ir(helper):
    """The helper's optimised IR (compiled, or read from numba's cache, for the kernels' arrays)."""
    array = numba.typeof(np.empty(1))
    helper.compile((array, array, numba.int64, numba.int64))
    return next(iter(helper.overloads.values())).library.get_llvm_str()


def test_inline_helpers_take_arrays_without_counting_them():
    values, weights = np.linspace(0.0, 2.0, 400), np.cos(np.arange(7.0))
    out, want = np.empty(390), np.empty(390)
    before = sys.getrefcount(values), sys.getrefcount(weights)
    for _ in range(50):  # (a count taken or dropped per call would show after thousands of calls)
        _window_sums(values, weights, 10, out)
    _window_sums_counted(values, weights, 10, want)
    assert np.array_equal(out, want)
    terms = values * weights[np.arange(400) % 7]
    np.testing.assert_allclose(out, np.convolve(terms, np.ones(10), "valid")[:390], rtol=1e-12, atol=1e-12)
    assert (sys.getrefcount(values), sys.getrefcount(weights)) == before
    # the helper's own code holds no reference counting; the counting twin's does (numba counts each
    # array argument in on entry and out on return)
    assert "NRT_incref" not in _helper_ir(counted_not) and "NRT_decref" not in _helper_ir(counted_not)
    assert "NRT_incref" in _helper_ir(counted) and "NRT_decref" in _helper_ir(counted)


@inline
def _as_given(table):
    return table  # (numba allows it without counting: the one way an array gets out)


@kernel
def _sum_of_given(table):
    return _as_given(table).sum()


@inline_owning
def _doubled(table):
    return table * 2.0


@kernel
def _sum_of_doubled(table):
    return _doubled(table).sum()


def test_a_helper_returning_an_array_must_count_references():
    table = np.arange(12.0).reshape(3, 4)
    with pytest.raises(Exception, match=r"_as_given returns .*array.*inline_owning"):
        _sum_of_given(table)
    assert _sum_of_doubled(table) == 2.0 * table.sum()
