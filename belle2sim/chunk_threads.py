"""Whole chunks of events on threads: how a job uses the cores.

Each thread takes a whole chunk (generation, detector, trigger, selection) and runs its kernels
in one piece. Handing a chunk's ~20 kernel calls out to the threads one by one instead costs a
wake-up of every thread per call, each taking the GIL in turn: measured on a 16-core machine,
274 us per call at 16 threads against 3 us on one, which held single-photon events to 3.2x
(benchmarks/bench_scaling.py). A chunk per thread needs one hand-off per chunk.

Every event's randomness depends only on (seed, event number, stage) and the counters merge
exactly, so the numbers do not depend on how the events are cut into tasks or on which thread
runs which. At most ``threads`` tasks are in flight, and beyond 16 threads tasks are cut below the
chunk size so that together they hold at most IN_FLIGHT_EVENTS events: peak memory stops growing
with the thread count. Not sooner: smaller tasks cost speed, each holding the GIL for a fixed
time. Measured on a 16-core machine, 2e7 single-photon events on 16 threads: 7.96 s and 1.8 GB
with whole chunks of 1e5; 9.1 s and 1.1 GB with the tasks' total capped at 8e5 events; 9.7-10.8 s
and 0.7 GB at 4e5 (``--chunk-size 25000`` does the same where memory is short).
"""

import itertools
import math
import os
import threading
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from belle2sim import _jit

MIN_TASK_EVENTS = 10_000  # below this a task's fixed Python cost (~0.6 ms) is a large share of it
MIN_ROUNDS = 3
IN_FLIGHT_EVENTS = 1_600_000  # events of all running tasks together: 16 default chunks


def event_tasks(first, last, chunk_size, threads):
    """(first, n) event ranges covering [first, last), in equal shares: chunks of at most
    ``chunk_size`` events (and of IN_FLIGHT_EVENTS / threads, not below MIN_TASK_EVENTS); with
    several threads, whole rounds of ``threads`` tasks (every thread busy to the end), at least
    MIN_ROUNDS of them where tasks stay above MIN_TASK_EVENTS (a thread that draws slow tasks is
    caught up by the others), fewer tasks than threads for small ranges."""
    n = last - first
    if n <= 0:
        return []
    if threads > 1:
        chunk_size = min(chunk_size, max(MIN_TASK_EVENTS, IN_FLIGHT_EVENTS // threads))
    n_tasks = math.ceil(n / chunk_size)
    if threads > 1:
        rounds = max(MIN_ROUNDS, math.ceil(n_tasks / threads))
        whole_rounds = min(rounds, n // MIN_TASK_EVENTS // threads) * threads
        n_tasks = max(n_tasks, whole_rounds or min(threads, n // MIN_TASK_EVENTS))
    bounds = [first + n * k // n_tasks for k in range(n_tasks + 1)]
    return [(a, b - a) for a, b in zip(bounds[:-1], bounds[1:])]


def job_tasks(first, last, chunk_size, threads):
    """(lead, rest): the event ranges of a job on ``threads`` threads. ``lead`` (None on one
    thread or for a single task) is a small first task run before the threads start, its kernels
    shared over them, so that a point's one-time setup (pilot run, ISR table, decay pools, first
    compilations) is made once; ``rest`` covers the remaining events in whole rounds
    (event_tasks). A lead of one equal share would leave the rounds after it one task short, a
    thread idle in the last."""
    tasks = event_tasks(first, last, chunk_size, threads)
    if threads <= 1 or len(tasks) <= 1:
        return None, tasks
    n_lead = min(MIN_TASK_EVENTS, tasks[0][1])
    return (first, n_lead), event_tasks(first + n_lead, last, chunk_size, threads)


def map_tasks(fn, tasks, threads):
    """Yield (task, fn(task)) for every task, computed on ``threads`` threads (one thread: here,
    in order; else in the order they finish), at most ``threads`` in flight. An error in any
    task is raised here; the tasks not started are dropped, the running ones finish first."""
    if threads <= 1 or len(tasks) <= 1 or getattr(_jit._LOCAL, "one_piece", False):
        for task in tasks:  # (in a thread that is itself one of several: here, as its kernels run)
            yield task, fn(task)
        return
    todo = iter(tasks)
    pool = _chunk_threads(threads)
    running = deque()
    try:
        running.extend((task, pool.submit(fn, task)) for task in itertools.islice(todo, threads))
        while running:
            task, future = _first_done(running)
            result = future.result()
            following = next(todo, None)
            if following is not None:
                running.append((following, pool.submit(fn, following)))
            yield task, result
    finally:  # an error, or the caller stopped early: drop what has not started, let the rest finish
        for _, future in running:
            future.cancel()
        wait([future for _, future in running])


# The chunk threads live as long as the process (one pool, as wide as the last job asked for).
# A pool per job started fresh threads for every mass point and benchmark pass; each new thread
# allocated its scratch buffers again (belle2sim/_workspace.py) and glibc's heap, shared by all
# threads (belle2sim/_memory.py), fragmented and grew: 1.6e6 single-photon events in chunks of
# 1e5 on 16 threads took 40-200 thousand page faults per pass, with 4-10x the user time in system
# time (measured on 2 cores and seen on a 16-core machine as tasks 3.4x slower than alone, where
# 16 one-thread processes sharing nothing ran 15.4x one). Kept, the same threads fault nothing
# after the first pass.
_POOL = None
_POOL_LOCK = threading.Lock()


def _chunk_threads(threads):
    """The process's pool of ``threads`` chunk threads (replaced when a job asks for another width:
    a wider pool than the job would spread its tasks, and their scratch buffers, over more threads)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._max_workers != threads:
            if _POOL is not None:
                _POOL.shutdown(wait=False)  # (its threads end once idle; a job still on it finishes)
            _POOL = ThreadPoolExecutor(threads, thread_name_prefix="belle2sim-chunk",
                                       initializer=_jit.run_in_one_piece)
        return _POOL


def _forget_pool_after_fork():
    """A forked child has none of its parent's threads: it starts its own pool when it needs one."""
    global _POOL, _POOL_LOCK
    _POOL, _POOL_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _first_done(running):
    """Remove and return the first finished (task, future) of ``running`` (waiting for one)."""
    wait([f for _, f in running], return_when=FIRST_COMPLETED)
    for k, (task, future) in enumerate(running):
        if future.done():
            del running[k]
            return task, future
    raise AssertionError("wait() returned with no finished task")
