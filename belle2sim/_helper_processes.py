"""The processes that compile beside a first run (warmup.py): how many, and starting them.

A fork of the run where that is safe (_forked.py: its first compilation starts at once, without a
new interpreter's ~1 s of imports), else a new interpreter; one per core beyond the run's, up to
MAX_COMPILE_HELPERS, each taking the compile jobs no other process has claimed yet.
"""

import os
import sys
import time

from belle2sim import _forked

MAX_COMPILE_HELPERS = 4  # a first run's eight compile jobs take ~17 s of a core here, ~5.4 s the longest
HELPERS_SETTING = "BELLE2SIM_COMPILE_HELPERS"


def helper_count(threads=None):
    """How many helper processes a first run (and ``belle2sim warm-up``) starts: one for each core
    beyond this process's (those it may run on, and at most numba's thread count, or ``threads``, the
    run's --threads), at least one and at most MAX_COMPILE_HELPERS; the environment variable
    BELLE2SIM_COMPILE_HELPERS sets it (0: none, this process compiles everything)."""
    setting = os.environ.get(HELPERS_SETTING)
    if setting is not None:
        from belle2sim.errors import ParameterError

        try:
            count = int(setting)
        except ValueError:
            count = -1
        if count < 0:
            raise ParameterError(f"environment variable {HELPERS_SETTING} must be a whole number of helper "
                                 f"processes, 0 or more, got {setting!r}")
        return count
    import numba

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    usable = min(cores, numba.config.NUMBA_NUM_THREADS, int(threads) if threads else cores)
    return max(1, min(MAX_COMPILE_HELPERS, usable - 1))


def start_helpers(count, work, code):
    """Start ``count`` helpers, each running ``work()`` (a fork) or ``python -c code`` (a new
    interpreter, where forking is not safe); returns (the process, or a ProcessGroup of
    several; whether all are forks)."""
    import subprocess

    processes, forks_only = [], True
    for _ in range(count):
        process = _forked.fork(work)  # (the child runs work() at once: the call as it is now)
        if process is None:
            forks_only = False
            process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        processes.append(process)
    return (processes[0] if count == 1 else ProcessGroup(processes)), forks_only


class ProcessGroup:
    """Several helper processes behind the interface of one (a first run's helpers on a machine with
    cores to spare): ``poll`` is None while any of them runs, then the first non-zero
    exit status (0 if none); ``wait``, ``terminate`` and ``kill`` act on all of them."""

    def __init__(self, processes):
        self.processes = list(processes)
        self.pid = self.processes[0].pid

    def poll(self):
        codes = [process.poll() for process in self.processes]
        if any(code is None for code in codes):
            return None
        return next((code for code in codes if code), 0)

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        for process in self.processes:  # (raises as the process's own wait does: a timeout left)
            process.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return self.poll()

    def terminate(self):
        for process in self.processes:
            process.terminate()

    def kill(self):
        for process in self.processes:
            process.kill()
