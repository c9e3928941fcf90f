"""The one place that owns the numba policy.

Every kernel in belle2sim is compiled through :func:`kernel`, so cache and error-model choices
live here: ``cache=True`` (compiled code survives between runs), ``nogil=True`` (kernels can run
in threads), ``error_model="numpy"`` (division by zero gives inf/nan instead of raising, which
lets ``prange`` loops vectorise). ``fastmath`` stays off: resolution pulls and threshold
comparisons must be bit-reproducible across thread counts.
"""

import numba

_POLICY = dict(cache=True, nogil=True, error_model="numpy", fastmath=False)


def kernel(fn=None, *, parallel=False):
    """Compile ``fn`` as a belle2sim kernel (``parallel=True`` enables ``prange``)."""

    def wrap(f):
        return numba.njit(parallel=parallel, **_POLICY)(f)

    return wrap(fn) if fn is not None else wrap


def inline(fn):
    """A small scalar helper called from kernels (LLVM inlines it; numba's IR-level
    ``inline="always"`` trips parfor array analysis on tuple returns, so it is not used)."""
    return numba.njit(**_POLICY)(fn)


def set_threads(n_threads):
    """Set the number of numba worker threads (results never depend on it)."""
    if n_threads is not None:
        from belle2sim.errors import ParameterError

        available = numba.config.NUMBA_NUM_THREADS
        if not 1 <= int(n_threads) <= available:
            raise ParameterError(f"--threads must be between 1 and {available} (the cores numba can use), "
                                 f"got {n_threads}")
        numba.set_num_threads(int(n_threads))
