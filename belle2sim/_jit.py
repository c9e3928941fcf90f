"""The one place that owns the numba policy.

Every kernel in belle2sim is compiled through :func:`kernel`, so cache and error-model choices
live here: ``cache=True`` (compiled code survives between runs), ``nogil=True`` (kernels can run
in threads), ``error_model="numpy"`` (division by zero gives inf/nan instead of raising, which
lets ``prange`` loops vectorise). ``fastmath`` stays off: resolution pulls and threshold
comparisons must be bit-reproducible across thread counts.

Hot loops index arrays with ``np.uint64``: numba tests every signed index for wrap-around (a
negative index counts from the end), a compare and select per access that keeps LLVM from
vectorising even a plain fill or copy (measured: a tracking fill 14 -> 1.5 ns per event, a menu
program's flag clearing 0.3 ns a byte -> a memset). Mind numba's typing: uint64 with int64 gives
float64, so counters derived from an unsigned index are cast back (``np.int64(j - start)``).
"""

import inspect
import os
import threading
import types as types_module

import numba
import numpy as np
from numba.core import types
from numba.core.compiler import Compiler
from numba.core.registry import CPUDispatcher

from belle2sim._cache_guard import drop_stale_kernels
from belle2sim._cache_lock import lock_numba_cache
from belle2sim._link_only import LinkOnlyCompiler, install

_POLICY = dict(cache=True, nogil=True, error_model="numpy", fastmath=False)

# An array index that numba takes as it is, written ``table[ix(k)]``, for indices that are never
# negative: numba tests each signed index for wrap-around (a negative one counts from the end), a
# compare and select on the address of every access, and kernels chain such accesses (a cell's
# ring, the ring's first cell, that cell's factor). Applied to every index of the ECL trigger's
# event loop: q qbar 733 -> 607 ns per event, four muons 126 -> 100, the same bits.
ix = np.uint64
drop_stale_kernels()  # numba's cache would miss edits to helpers in other modules
lock_numba_cache()  # numba's cache is not safe for processes compiling at once
_LINK_ONLY = install()  # (before any kernel is compiled or loaded: helpers' cache entries are IR)


class _OneSignatureDispatcher(CPUDispatcher):
    """A dispatcher that types calls from other kernels on the arguments' plain types.

    numba first tries a call with constant arguments as literals: ``rng.normal(key, 0)``,
    ``rng.normal(key, 1)``, ... each compiled and optimised as a specialisation of its own (and
    linked into the caller again), though LLVM folds the constant after inlining anyway. Typing on
    plain types compiles each helper once per real signature: the same instructions, so the same
    numbers, and seconds less of a first run's compilation."""

    def get_call_template(self, args, kws):
        return super().get_call_template(tuple(types.unliteral(a) for a in args),
                                         {k: types.unliteral(v) for k, v in kws.items()})


class _HelperDispatcher(_OneSignatureDispatcher):
    """A helper that kernels call, compiled without the wrappers that let Python call it.

    numba makes every compiled function callable from Python (a wrapper that unboxes the arguments)
    and from C (a cfunc wrapper), and optimises and emits machine code for both, though a kernel links
    the helper's own code only. Without them a helper compiles in less than half the time (a
    two-number helper: 29 -> 13 ms; zprime-mumu's first run, which compiles ~100 helpers, 19.4 ->
    17.4 s; the same machine code). A call from Python (the card's checks, the menu's prescale
    counters, tests) goes to a twin with the wrappers, compiled (or loaded from numba's cache) on its
    first such call."""

    def add_overload(self, cres):
        # (a helper without reference counting that returned an array would hand its caller a
        # reference it never took: the caller's release would free the array under its owner)
        if not self.targetoptions.get("_nrt", True):
            returned = cres.signature.return_type
            if cres.target_context.data_model_manager.lookup(returned).contains_nrt_meminfo():
                raise TypeError(f"belle2sim helper {self.py_func.__module__}.{self.py_func.__qualname__} returns "
                                f"{returned}, which holds an array: decorate it with _jit.inline_owning, not inline")
        super().add_overload(cres)

    def __call__(self, *args, **kws):
        twin = self.__dict__.get("_python_twin")
        if twin is None:
            twin = self.__dict__["_python_twin"] = _python_twin(self.py_func)
        return twin(*args, **kws)


def _python_twin(fn):
    """``fn`` compiled with the wrappers, cached under a name of its own (numba names a cache entry
    after the function's qualified name: under the helper's it would load the helper's entry, which
    has no wrapper to call)."""
    twin = types_module.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    twin.__qualname__, twin.__module__ = fn.__qualname__ + "__from_python", fn.__module__
    return _compiled(twin)


def _compiled(fn, **options):
    # (no C wrapper: kernels are called from Python only; numba optimises and emits one per kernel,
    # ~3-6 % of the CPU time of the trigger's and detector's compilation, measured)
    dispatcher = numba.njit(no_cfunc_wrapper=True, **options, **_POLICY)(fn)
    dispatcher.__class__ = _OneSignatureDispatcher  # same object layout: only the typing of calls differs
    return dispatcher


def _helper(fn, counts_references=False):
    # (optimised IR for the kernels to link, without machine code of its own: _link_only.py)
    options = dict(pipeline_class=LinkOnlyCompiler) if _LINK_ONLY else {}
    dispatcher = numba.njit(no_cpython_wrapper=True, no_cfunc_wrapper=True, _nrt=counts_references, **options,
                            **_POLICY)(fn)
    dispatcher.__class__ = _HelperDispatcher
    return dispatcher


def kernel(fn=None, *, parallel=False):
    """Compile ``fn`` as a belle2sim kernel (``parallel=True`` enables ``prange``)."""

    def wrap(f):
        return _compiled(f, parallel=parallel)

    return wrap(fn) if fn is not None else wrap


def inline(fn):
    """A small scalar helper called from kernels (LLVM inlines it), compiled without numba's
    wrappers (:class:`_HelperDispatcher`; a call from Python still works). numba's IR-level
    ``inline="always"`` is not used: it types the helper's body again at every call site, and
    made the trigger kernels 3.7x slower to compile (cdc_trigger_bits 3.3 -> 29.8 s, measured).

    Without numba's reference counting (``_nrt=False``): a compiled function counts every array it
    is handed in and out again (two atomic operations each, NRT_incref and NRT_decref), and where
    LLVM leaves a helper a call, that is per call. The arrays a helper is handed are the caller's,
    held for the whole call. The zprime-mumu generator's matrix element spent 31 % of its time so.
    A helper that makes or returns an array takes :func:`inline_owning` (one that returns one is
    refused when compiled)."""
    return _helper(fn)


def inline_owning(fn):
    """:func:`inline` for a helper that makes arrays (``np.zeros``, ``.copy()``) or returns them:
    with numba's reference counting. Call one that returns arrays from kernels or other such
    helpers only: a helper without counting would never release what it is given."""
    return _helper(fn, counts_references=True)


def lanes(fn):
    """A helper for loops LLVM should vectorise, typed into its caller's body by numba
    (``inline="always"``): LLVM's inliner leaves a helper of this size a call per iteration, which
    keeps the loop scalar (helix.entry_from_axis_lanes: 42 -> 6.6 ns a particle, measured). Only
    for the few helpers made of selections that such loops call once: each call site types the
    body again (see :func:`inline`)."""
    dispatcher = numba.njit(inline="always", **_POLICY)(fn)
    dispatcher.__class__ = _OneSignatureDispatcher
    return dispatcher


def skip_numba_extensions():
    """Tell numba not to load the third-party extensions it finds through entry points (vector's
    and awkward's numba backends: 0.5-1 s of imports at the first kernel call). belle2sim's
    kernels take NumPy arrays only, so its own processes (the command line, the warm-up helper)
    call this; a library user's process is left alone. Private to numba: skipped if it moves."""
    from numba.core import entrypoints

    if hasattr(entrypoints, "_already_initialized"):
        entrypoints._already_initialized = True


def set_threads(n_threads):
    """Set the number of numba worker threads (results never depend on it)."""
    if n_threads is not None:
        from belle2sim.errors import ParameterError

        available = numba.config.NUMBA_NUM_THREADS
        if not 1 <= int(n_threads) <= available:
            raise ParameterError(f"--threads must be between 1 and {available} (the cores numba can use), "
                                 f"got {n_threads}")
        numba.set_num_threads(int(n_threads))


# ---------------------------------------------------------------------------------------------
# Parallel kernels on a thread pool.
#
# A numba ``parallel=True`` kernel compiles its loop body twice (the function, then the gufunc
# numba outlines from the prange loop, re-optimising every inlined helper), and its OpenMP
# workers spin after each parallel region, stealing cores from whatever runs next. A range
# kernel is instead one serial function over independent items [begin, end) (events, blocks of
# events, trigger lines); the range is shared out in contiguous pieces over a pool of Python
# threads, each running the compiled kernel with the GIL released (nogil). Items are independent
# and draw from counter-based streams, so the numbers do not depend on how the range is cut.

MIN_ITEMS_PER_PIECE = 256  # events: below this, a thread hand-off costs more than it saves


class _Worker:
    """A thread that runs one piece at a time, handed over with two locks (a lighter hand-off
    than concurrent.futures: ~55 instead of ~70 us per call on 2 cores)."""

    def __init__(self, name):
        self._start, self._done = threading.Lock(), threading.Lock()
        self._start.acquire()
        self._done.acquire()
        self._job, self._result, self._error = None, None, None
        threading.Thread(target=self._loop, name=name, daemon=True).start()

    def _loop(self):
        run_in_one_piece()  # (a piece that calls kernels, event_blocks.py: each runs here, whole)
        while True:
            self._start.acquire()
            compiled, args = self._job
            try:
                self._result, self._error = compiled(*args), None
            except BaseException as error:  # handed back to the caller by wait()
                self._result, self._error = None, error
            self._job = None
            self._done.release()

    def submit(self, compiled, args):
        self._job = (compiled, args)
        self._start.release()

    def wait(self):
        """(result, error) of the piece, once it has run."""
        self._done.acquire()
        outcome = (self._result, self._error)
        self._result = self._error = None
        return outcome


_WORKERS = []
_WORKERS_LOCK = threading.Lock()
_RUN_LOCK = threading.RLock()


def _forget_workers_after_fork():
    """A forked child has none of its parent's threads: start its own when it needs them."""
    global _WORKERS_LOCK, _RUN_LOCK
    _WORKERS.clear()
    _WORKERS_LOCK, _RUN_LOCK = threading.Lock(), threading.RLock()


os.register_at_fork(after_in_child=_forget_workers_after_fork)


def _workers(n):
    with _WORKERS_LOCK:
        while len(_WORKERS) < n:
            _WORKERS.append(_Worker(f"belle2sim-{len(_WORKERS) + 1}"))
        return _WORKERS[:n]


_LOCAL = threading.local()


def run_in_one_piece():
    """From now on, ranges called in this thread run in one piece, in the thread itself: for the
    threads that each take whole chunks of events (belle2sim/chunk_threads.py)."""
    _LOCAL.one_piece = True


def threads_here():
    """Threads that work started in this thread may use: numba's setting (``--threads``,
    ``numba.set_num_threads``), or 1 in a thread that already is one of several."""
    return 1 if getattr(_LOCAL, "one_piece", False) else numba.get_num_threads()


def run_range(compiled, n_items, *args, min_per_piece=MIN_ITEMS_PER_PIECE):
    """Run ``compiled(begin, end, *args)`` over items [0, n_items) in up to
    :func:`threads_here` contiguous pieces of at least ``min_per_piece`` items (the calling
    thread takes the last); returns the pieces' results in order."""
    if not compiled.overloads:  # (the dict itself: ``signatures`` lists it, ~3 us a call)
        # (a first call compiles, or loads from the cache, in this thread alone: numba's typing is
        # not set up for several threads dispatching a new kernel at once)
        return [compiled(0, n_items, *args)]
    return share_range(compiled, n_items, *args, min_per_piece=min_per_piece)


def call_range(compiled, begin, end, *args):
    """``compiled(begin, end, *args)`` in this thread: how a step of event_blocks.py calls its kernel
    on a block (one place, which the benchmarks time as they time :func:`run_range`)."""
    return compiled(begin, end, *args)


def share_range(compiled, n_items, *args, min_per_piece=MIN_ITEMS_PER_PIECE):
    """:func:`run_range` for a ``compiled`` whose kernels have all been called once (also a Python
    function that calls such kernels: event_blocks.py shares out blocks of events so)."""
    n_pieces = max(1, min(threads_here(), n_items // max(1, min_per_piece)))
    if n_pieces == 1:
        return [compiled(0, n_items, *args)]
    bounds = [n_items * k // n_pieces for k in range(n_pieces + 1)]
    with _RUN_LOCK:  # one range at a time on the shared workers (callers in several threads queue here)
        workers = _workers(n_pieces - 1)
        for k, worker in enumerate(workers):
            worker.submit(compiled, (bounds[k], bounds[k + 1]) + args)
        try:
            last = compiled(bounds[-2], bounds[-1], *args)
        finally:
            outcomes = [worker.wait() for worker in workers]  # every piece, even if one failed
    for _, error in outcomes:
        if error is not None:
            raise error
    return [result for result, _ in outcomes] + [last]


class _NoAliasCompiler(Compiler):
    """numba's compiler, telling LLVM that a kernel's array arguments do not overlap: what numba
    assumed for the outlined body of each prange loop these kernels used to be, so LLVM may keep
    array values in registers across stores as it did then. Every range kernel is called with
    distinct arrays (or disjoint column blocks of one, as the input-bit matrix)."""

    def __init__(self, typingctx, targetctx, library, args, return_type, flags, locals):
        flags = flags.copy()
        flags.noalias = True
        super().__init__(typingctx, targetctx, library, args, return_type, flags, locals)


def range_kernel(items, min_per_piece=MIN_ITEMS_PER_PIECE):
    """Decorator: compile ``fn(begin, end, *args)``, a serial loop over independent items
    [begin, end), into ``run(*args)``, which shares the items out over belle2sim's threads and
    returns the list of the pieces' results (most kernels return nothing). ``items`` says how
    many there are: the name of an argument whose length counts them ("offsets": an offsets
    array, one more entry than events), or a function of the arguments; ``min_per_piece`` is the
    fewest items worth a thread (lower it for expensive items such as blocks of events)."""

    def wrap(fn):
        compiled = _compiled(fn, pipeline_class=_NoAliasCompiler)
        if callable(items):
            count = items
        else:
            position = list(inspect.signature(fn).parameters).index(items) - 2
            extra = 1 if items == "offsets" else 0

            def count(*args):
                return len(args[position]) - extra

        def run(*args):
            return run_range(compiled, int(count(*args)), *args, min_per_piece=min_per_piece)

        run.kernel = compiled
        run.__name__, run.__qualname__, run.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        run.__module__ = fn.__module__
        return run

    return wrap
