"""Range kernels (belle2sim._jit): items shared out over threads in contiguous pieces.

The numbers must not depend on how a range is cut: more pieces than cores, one piece, any
thread count. Covered here on the kernels each channel family uses (matrix-element generation in
blocks of events, tracking and the GRL on four-muon events, long-lived propagation, vertexing
and lifetime weights), beside the thread and chunk tests of test_determinism.py.
"""

import numpy as np
import pytest

from belle2sim import _jit
from belle2sim.channels import get
from belle2sim.scan import run_point


@_jit.range_kernel("out", min_per_piece=1)
def _visit(begin, end, out):
    for i in range(begin, end):
        out[i] += 1
    return end - begin


@_jit.range_kernel("out", min_per_piece=1)
def _fail_above(begin, end, out):
    for i in range(begin, end):
        if i >= 5:
            raise ValueError("item above 5")
        out[i] = 1


@pytest.fixture
def pieces(monkeypatch):
    """Force the number of pieces a range is cut into (independent of the machine's cores)."""

    def force(n):
        monkeypatch.setattr(_jit, "threads_here", lambda: 1 if getattr(_jit._LOCAL, "one_piece", False) else n)

    return force


@_jit.range_kernel("out", min_per_piece=1)
def _visit_fresh(begin, end, out):  # (called by one test only: its first call is that test's)
    for i in range(begin, end):
        out[i] += 1
    return end - begin


def test_a_kernels_first_call_runs_in_one_piece_then_ranges_are_cut(pieces):
    """The first call of a kernel compiles it (or loads it from the cache) in the calling thread
    alone: several threads dispatching a kernel numba had not set up failed to type np.sqrt on a
    cold cache. Later calls share the range out."""
    pieces(4)
    out = np.zeros(400, dtype=np.int64)
    assert _visit_fresh(out) == [400]
    assert _visit_fresh(out) == [100, 100, 100, 100]
    np.testing.assert_array_equal(out, 2)


@pytest.mark.parametrize("n_pieces", [1, 2, 7])
def test_every_item_is_visited_once(pieces, n_pieces):
    _visit(np.zeros(1, dtype=np.int64))  # (compiled: a first call runs in one piece)
    pieces(n_pieces)
    out = np.zeros(1001, dtype=np.int64)
    sizes = _visit(out)
    assert len(sizes) == n_pieces and sum(sizes) == 1001
    np.testing.assert_array_equal(out, 1)


def test_small_ranges_are_not_split(pieces):
    pieces(8)
    out = np.zeros(10, dtype=np.int64)
    assert len(_jit.run_range(_visit.kernel, 10, out, min_per_piece=256)) == 1
    np.testing.assert_array_equal(out, 1)


def test_an_error_in_any_piece_reaches_the_caller_and_the_workers_stay_usable(pieces):
    _fail_above(np.zeros(1, dtype=np.int64))  # (compiled: a first call runs in one piece)
    pieces(4)
    with pytest.raises(ValueError, match="item above 5"):
        _fail_above(np.zeros(40, dtype=np.int64))
    out = np.zeros(40, dtype=np.int64)
    _visit(out)  # the same workers, after the failure
    np.testing.assert_array_equal(out, 1)


def _result(card, menu, name, mass, lifetimes=None, n=4000):
    ch = get(name)
    params = ch.resolve_parameters({ch.scan_parameter: mass}, card)
    res = run_point(ch, params, card, menu, n, 5, 1500, lifetimes_cm=lifetimes)
    points = res if lifetimes is not None else [res]
    return [point.to_dict(ch.scan_parameter) for point in points]


@pytest.mark.parametrize("name,mass,lifetimes", [("zprime-mumu", 2.0, None), ("alp-photons", 0.5, [0.5, 5.0])])
def test_numbers_do_not_depend_on_how_ranges_are_cut(card, menu, pieces, name, mass, lifetimes):
    pieces(1)
    one = _result(card, menu, name, mass, lifetimes)
    pieces(5)
    five = _result(card, menu, name, mass, lifetimes)
    assert one == five


def test_a_forked_child_starts_its_own_workers(pieces):
    """Workers started before a fork do not exist in the child: it must not wait on them."""
    import multiprocessing

    _visit(np.zeros(1, dtype=np.int64))  # (compiled: a first call runs in one piece)
    pieces(3)
    _visit(np.zeros(30, dtype=np.int64))  # the parent's workers are running now
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply_async(_visit_in_child, (3,)).get(timeout=60) == 30  # a hang fails here


def _visit_in_child(n_pieces):
    _jit.threads_here = lambda: n_pieces
    out = np.zeros(30, dtype=np.int64)
    _visit(out)
    return int(out.sum())


def test_helpers_are_typed_on_plain_types_not_on_constant_values():
    """A helper called with a constant (rng.normal(key, 3)) is typed with int64, not Literal[int](3):
    numba would otherwise compile and optimise one specialisation per constant (five of
    rng.normal in the zprime-mumu generator alone), the same instructions each time."""
    from numba.core import types

    from belle2sim import rng

    for helper, args in ((rng.normal, (types.uint64, types.literal(3))),
                         (rng.uniform, (types.uint64, types.literal(0)))):
        _, _, typed_as, _ = helper.get_call_template(args, {})
        assert typed_as == (types.uint64, types.int64)
        assert not any(isinstance(t, types.Literal) for sig in helper.signatures for t in sig)


def test_helpers_compile_without_wrappers_and_python_calls_reach_a_twin():
    """Helpers (``_jit.inline``) are compiled without numba's Python and C wrappers (only kernels
    call them; the wrappers were more than half of a small helper's compilation). A call from Python
    goes to a twin compiled with the wrappers, cached under a name of its own: it gives the kernels'
    numbers, and the helper's own overloads stay without a wrapper (calling one from Python through
    numba's dispatcher would jump to a null address) and without machine code (_link_only.py)."""
    from numba.core import types

    from belle2sim import rng

    @_jit.kernel
    def through_kernel(keys, counter, out):
        for i in range(keys.shape[0]):
            out[i] = rng.uniform(keys[i], counter)

    keys = rng.mix64.py_func(np.arange(1, 65, dtype=np.uint64))
    in_kernel = np.empty(keys.shape[0])
    through_kernel(keys, 7, in_kernel)
    from_python = np.array([rng.uniform(key, 7) for key in keys])
    assert np.array_equal(from_python, in_kernel) and len(np.unique(in_kernel)) == keys.shape[0]
    assert isinstance(rng.uniform, _jit._HelperDispatcher)
    signature = (types.uint64, types.int64)
    twin = rng.uniform.__dict__["_python_twin"]
    assert twin.py_func.__qualname__ == "uniform__from_python" and twin.py_func.__code__ is rng.uniform.py_func.__code__
    rng.uniform.compile(signature)  # (compiled, or loaded from numba's cache as kernels load it)

    def library_and_names(dispatcher):
        compiled = dispatcher.overloads[signature]
        return compiled.library, (compiled.fndesc.llvm_func_name, compiled.fndesc.llvm_cpython_wrapper_name)

    # the helper: no Python wrapper, nor machine code of its own (kernels link its IR: _link_only.py)
    library, (own, wrapper) = library_and_names(rng.uniform)
    assert library.get_pointer_to_function(wrapper) == 0
    with pytest.raises(RuntimeError, match="no machine code of its own"):
        library.get_pointer_to_function(own)
    library, names = library_and_names(twin)  # the twin: both
    assert all(library.get_pointer_to_function(name) != 0 for name in names)
