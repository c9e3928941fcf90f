"""A helper process made by forking this one, for a first run's compilation (warmup.py).

A new interpreter (``subprocess``) spends ~1 s of a core importing numba, NumPy and belle2sim before
it compiles anything, while the main process compiles beside it on a 2-core machine; a fork of the
main process has all of that already, and its first compilation starts at once. Only on Linux
and only while this process runs no other Python thread nor numba's threads (a fork copies just the
calling thread: a lock held by another one would stay locked in the child; OpenBLAS, the one other
thread NumPy starts, makes itself safe for a fork); otherwise :func:`fork` returns None and the
caller starts a new interpreter as before.
"""

import os
import signal
import sys
import threading
import time
import warnings


class ForkedProcess:
    """The part of subprocess.Popen's interface the first run's helper uses, for a forked child."""

    def __init__(self, pid):
        self.pid, self.returncode = pid, None

    def poll(self):
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # (reaped elsewhere: it has ended, its status is lost)
                self.returncode = -1
            else:
                if pid == self.pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"process {self.pid} still runs after {timeout} s")
            time.sleep(0.01)
        return self.returncode

    def terminate(self):
        self._signal(signal.SIGTERM)

    def kill(self):
        self._signal(signal.SIGKILL)

    def _signal(self, signum):
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass


def _numba_threads_started():
    """Whether numba's threading layer has started its native threads (``--threads`` does: they are
    not Python threads; its private flag, and True where it has moved, to be safe)."""
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    return parallel is not None and getattr(parallel, "_is_initialized", True)


def fork(work):
    """Run ``work()`` in a forked child whose output goes nowhere and which ends with it (exit status
    0, or 1 if it raised), without this process's exit handlers or signal handlers; returns a
    :class:`ForkedProcess`, or None where forking is not safe here."""
    if not sys.platform.startswith("linux") or threading.active_count() != 1 or _numba_threads_started():
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        with warnings.catch_warnings():
            # Python 3.12+ may warn at a fork of a process with more than one thread; the other
            # thread here is OpenBLAS's (NumPy's), which makes itself safe for a fork
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:  # (no fork to be had: the caller starts a new interpreter)
        return None
    if pid:
        return ForkedProcess(pid)
    status = 1
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)  # (the command line's handlers clean up its outputs)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        work()
        status = 0
    finally:
        os._exit(status)  # (never back into the caller's code, nor its exit handlers)
