"""Whole chunks of events on threads: how a job uses the cores.

Each thread takes a whole chunk (generation, detector, trigger, selection) and runs its kernels
in one piece. Handing a chunk's ~20 kernel calls out to the threads one by one instead costs a
wake-up of every thread per call, each taking the GIL in turn: measured on a 16-core machine,
274 us per call at 16 threads against 3 us on one, which held single-photon events to 3.2x
(benchmarks/bench_scaling.py). A chunk per thread needs one hand-off per chunk.

Every event's randomness depends only on (seed, event number, stage) and the counters merge
exactly, so the numbers do not depend on how the events are cut into tasks or on which thread
runs which. At most ``threads`` tasks are in flight; they shrink towards the end of a job, so
that the threads finish together (:func:`event_tasks`), and beyond 16 threads no task exceeds
IN_FLIGHT_EVENTS / threads events: peak memory stops growing with the thread count. Not sooner:
smaller tasks cost speed, each holding the GIL for a fixed time. Measured on a 16-core machine,
2e7 single-photon events on 16 threads: 7.96 s and 1.8 GB with whole chunks of 1e5; 9.1 s and
1.1 GB with the tasks' total capped at 8e5 events; 9.7-10.8 s and 0.7 GB at 4e5
(``--chunk-size 25000`` does the same where memory is short).
"""

import itertools
import math
import os
import threading
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from belle2sim import _jit

MIN_TASK_EVENTS = 5_000  # the smallest task: each costs 0.1-1 ms of Python (and GIL) on top of its events
GUIDED_SHARE = 2  # on several threads each task takes 1 / (GUIDED_SHARE x threads) of the events left
IN_FLIGHT_EVENTS = 1_600_000  # events of all running tasks together: 16 default chunks


def event_tasks(first, last, chunk_size, threads):
    """(first, n) event ranges covering [first, last), in order. One thread: equal chunks of at
    most ``chunk_size`` events. Several threads: tasks that shrink as the job goes (guided
    scheduling): each takes 1 / (GUIDED_SHARE x threads) of the events still left, at most
    ``chunk_size`` (and IN_FLIGHT_EVENTS / threads) and at least MIN_TASK_EVENTS (the last: what is
    left), so that the threads finish together: the last tasks are small, and whichever thread is
    free takes the next. Equal tasks in whole rounds left threads idle while the slowest finished
    its last task: on a 16-core machine the zprime-mumu job's threads were busy 79-84 % of its wall
    time, each task taking 0.7-1.4x the median (benchmarks/bench_task_timeline.py); a simulation of that
    spread gives 90-94 % with these tasks (docs/performance.md, fourteenth session)."""
    n = last - first
    if n <= 0:
        return []
    if threads <= 1:
        n_tasks = math.ceil(n / chunk_size)
        bounds = [first + n * k // n_tasks for k in range(n_tasks + 1)]
        return [(a, b - a) for a, b in zip(bounds[:-1], bounds[1:])]
    largest = min(chunk_size, max(MIN_TASK_EVENTS, IN_FLIGHT_EVENTS // threads))
    smallest = min(largest, MIN_TASK_EVENTS)
    tasks, start = [], first
    while start < last:
        left = last - start
        # (the last task takes what is left, however little: merged into the one before, it made
        # that the largest of the tail, 32k four-muon events on 2 threads 2.2 instead of 2.7 M/s)
        n_task = min(left, largest, max(smallest, -(-left // (GUIDED_SHARE * threads))))
        tasks.append((start, n_task))
        start += n_task
    return tasks


def job_tasks(first, last, chunk_size, threads):
    """(lead, rest): the event ranges of a job on ``threads`` threads. ``lead`` (None on one
    thread or for a single task) is a small first task run before the threads start, its kernels
    shared over them, so that a point's one-time setup (pilot run, ISR table, decay pools, first
    compilations) is made once; ``rest`` covers the remaining events (event_tasks)."""
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


# The chunk threads live as long as the process: one pool per number of threads asked for (a job
# that asks for fewer threads than a pool has would spread its tasks, and their scratch buffers,
# over more of them). A pool per job started fresh threads for every mass point and benchmark pass;
# each new thread allocated its scratch buffers again (belle2sim/_workspace.py) and glibc's heap,
# shared by all threads (belle2sim/_memory.py), fragmented and grew: single-photon events in chunks
# of 1e5 on 16 threads took 39-116 thousand page faults in each pass after the first, with 1.5-6x
# the user time in system time (measured on 2 cores, and seen on a 16-core machine as tasks 3.4x
# slower than alone, where 16 one-thread processes sharing nothing ran 15.4x one). Kept, the same
# threads fault (almost) nothing after the first pass.
_POOLS = {}
_POOLS_LOCK = threading.Lock()


def _chunk_threads(threads):
    """The process's pool of ``threads`` chunk threads."""
    with _POOLS_LOCK:
        pool = _POOLS.get(threads)
        if pool is None:
            pool = _POOLS[threads] = ThreadPoolExecutor(threads, thread_name_prefix="belle2sim-chunk",
                                                        initializer=_jit.run_in_one_piece)
        return pool


def _forget_pools_after_fork():
    """A forked child has none of its parent's threads: it starts its own pools when it needs them."""
    global _POOLS_LOCK
    _POOLS.clear()
    _POOLS_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_pools_after_fork)


def _first_done(running):
    """Remove and return the first finished (task, future) of ``running`` (waiting for one)."""
    wait([f for _, f in running], return_when=FIRST_COMPLETED)
    for k, (task, future) in enumerate(running):
        if future.done():
            del running[k]
            return task, future
    raise AssertionError("wait() returned with no finished task")
