"""Threads that each take whole chunks of a job (belle2sim/chunk_threads.py): how events are cut
into tasks, the pool that runs them, and the numbers, which must not depend on either."""

import threading
import time

import numpy as np
import pytest

from belle2sim import _jit, chunk_threads
from belle2sim.channels import get
from belle2sim.chunk_threads import event_tasks, job_tasks, map_tasks
from belle2sim.scan import run_point


@pytest.mark.parametrize("first,last,chunk,threads", [(0, 1, 100, 4), (0, 10**6, 100_000, 16),
                                                       (5, 1_700_005, 100_000, 16), (0, 250_000, 100_000, 3),
                                                       (0, 30_000, 100_000, 16), (0, 12_345, 1000, 1),
                                                       (0, 12_345, 1000, 4), (0, 7_000, 100_000, 16)])
def test_tasks_cover_the_range_and_shrink_towards_its_end(first, last, chunk, threads):
    tasks = event_tasks(first, last, chunk, threads)
    assert tasks[0][0] == first and sum(n for _, n in tasks) == last - first
    assert all(a + n == b for (a, n), (b, _) in zip(tasks, tasks[1:]))  # contiguous, in order
    sizes = [n for _, n in tasks]
    assert max(sizes) <= chunk  # memory: no task above the chunk size
    smallest = min(chunk, chunk_threads.MIN_TASK_EVENTS)
    if threads == 1:
        assert max(sizes) - min(sizes) <= 1  # equal shares
        return
    # guided: each task at most its share of what was left (or the smallest size), never growing;
    # the last takes what is left
    left = last - first
    for n in sizes:
        assert n <= max(smallest, -(-left // (chunk_threads.GUIDED_SHARE * threads)))
        assert n >= min(smallest, left)
        left -= n
    assert all(a >= b for a, b in zip(sizes, sizes[1:]))
    if last - first >= threads * smallest:
        assert len(tasks) >= threads  # every thread has work
    # the tail is short: the last round of tasks holds a small part of the events
    assert sum(sizes[-threads:]) <= max(2 * threads * smallest, (last - first) // 2)


@pytest.mark.parametrize("first,last,chunk,threads", [(0, 300_000, 100_000, 2), (0, 800_000, 100_000, 16),
                                                       (7, 25_007, 100_000, 16), (0, 5_000, 100_000, 4),
                                                       (0, 5_000, 1_000, 4), (0, 300_000, 100_000, 1)])
def test_the_lead_task_is_small_and_the_rest_covers_the_range(first, last, chunk, threads):
    """The job's first task runs alone, before the threads start (a point's one-time setup, made
    once): it is small, and the tasks after it are cut as any range is."""
    lead, rest = job_tasks(first, last, chunk, threads)
    tasks = ([lead] if lead else []) + rest
    assert tasks[0][0] == first and sum(n for _, n in tasks) == last - first
    assert all(a + n == b for (a, n), (b, _) in zip(tasks, tasks[1:]))
    plain = event_tasks(first, last, chunk, threads)
    if threads == 1 or len(plain) == 1:
        assert lead is None  # nothing runs beside a single task
    else:  # no larger than the first task would be
        assert lead[1] == min(chunk_threads.MIN_TASK_EVENTS, plain[0][1])
        assert rest == event_tasks(first + lead[1], last, chunk, threads)


@pytest.mark.parametrize("threads", [2, 4, 16, 64])
def test_running_tasks_hold_a_bounded_number_of_events(threads):
    """Peak memory is set by the chunk size and IN_FLIGHT_EVENTS, not by the thread count: on
    many threads the tasks in flight (one per thread) hold at most IN_FLIGHT_EVENTS events
    together, unless that would cut them below MIN_TASK_EVENTS."""
    chunk, cap = 100_000, chunk_threads.IN_FLIGHT_EVENTS
    tasks = event_tasks(0, 20_000_000, chunk, threads)
    largest = max(n for _, n in tasks)
    assert largest <= chunk
    assert threads * largest <= max(cap, threads * chunk_threads.MIN_TASK_EVENTS)
    if threads * chunk <= cap:
        assert largest > chunk * 0.9  # few threads: whole chunks, as before
    assert min(n for _, n in tasks[:-1]) >= chunk_threads.MIN_TASK_EVENTS  # (the last: what is left)


def test_tasks_run_in_parallel_threads_with_kernels_in_one_piece():
    lock, state = threading.Lock(), {"now": 0, "most": 0, "threads": set(), "inside": set()}

    def task(k):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
            state["threads"].add(threading.get_ident())
            state["inside"].add(_jit.threads_here())
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return k * k

    done = list(map_tasks(task, list(range(12)), 3))
    assert sorted(done) == [(k, k * k) for k in range(12)]
    assert state["most"] == 3 and len(state["threads"]) == 3  # three at once, never more
    assert state["inside"] == {1}  # a kernel called in a task runs in one piece


def test_an_error_in_a_task_reaches_the_caller_and_stops_the_rest():
    started = []

    def task(k):
        started.append(k)
        if k == 2:
            raise ValueError("task 2 failed")
        time.sleep(0.01)
        return k

    with pytest.raises(ValueError, match="task 2 failed"):
        list(map_tasks(task, list(range(50)), 2))
    assert len(started) < 50  # the tasks not yet started were dropped
    assert [k for _, k in map_tasks(lambda k: k, [7, 8], 2)] in ([7, 8], [8, 7])  # the threads still work


def test_chunk_threads_are_kept_between_jobs_of_one_width():
    """One job after another on the same threads: their scratch buffers and glibc's heap are reused
    (fresh threads per job faulted their memory in again: chunk_threads._chunk_threads)."""

    def where(k):
        time.sleep(0.01)
        return threading.current_thread()  # (the object: a new thread may reuse an ended one's ident)

    first = {ident for _, ident in map_tasks(where, list(range(8)), 2)}
    again = {ident for _, ident in map_tasks(where, list(range(8)), 2)}
    assert len(first) == 2 and again == first
    wider = {ident for _, ident in map_tasks(where, list(range(9)), 3)}
    assert len(wider) == 3 and not wider & first  # another width: a pool of that width
    assert {ident for _, ident in map_tasks(where, list(range(8)), 2)} == first  # (kept beside it)


def test_tasks_started_inside_a_task_run_in_its_thread():
    """A task that maps tasks of its own (its thread is one of several already) runs them itself:
    on the shared pool they would wait for threads that are all busy."""

    def outer(k):
        here = threading.current_thread()
        inner = list(map_tasks(lambda j: threading.current_thread(), list(range(4)), 2))
        return all(thread is here for _, thread in inner)

    assert all(ok for _, ok in map_tasks(outer, list(range(4)), 2))


def test_jobs_of_different_widths_can_run_at_once():
    """Two callers (threads of a dask worker, say), each with its own number of threads."""
    results = {}

    def job(width):
        results[width] = sorted(k for k, _ in map_tasks(lambda k: time.sleep(0.005), list(range(12)), width))

    callers = [threading.Thread(target=job, args=(width,)) for width in (2, 3)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert results == {2: list(range(12)), 3: list(range(12))}


def test_a_caller_that_stops_early_leaves_no_task_running():
    running, finished = [], []

    def task(k):
        running.append(k)
        time.sleep(0.03 if k else 0.0)
        finished.append(k)
        return k

    results = map_tasks(task, list(range(20)), 3)
    next(results)
    results.close()  # (a job stopped by an error in its counting, say)
    assert sorted(finished) == sorted(running) and len(running) < 20


@pytest.fixture
def threads(monkeypatch):
    """Force the thread count of the calling thread (independent of the machine's cores) and
    small tasks, so that short runs take the path of many chunks on threads."""
    monkeypatch.setattr(chunk_threads, "MIN_TASK_EVENTS", 300)

    def force(n):
        monkeypatch.setattr(_jit, "threads_here", lambda: 1 if getattr(_jit._LOCAL, "one_piece", False) else n)

    return force


@pytest.mark.parametrize("name,mass,lifetimes", [("dark-photon-invisible", 4.0, None), ("zprime-mumu", 2.0, None),
                                                  ("alp-photons", 0.5, [0.5, 5.0])])
def test_numbers_do_not_depend_on_threads_taking_chunks(card, menu, threads, name, mass, lifetimes):
    """One thread, chunk after chunk, against 3 and 4 threads each taking whole chunks (counters
    merged as tasks finish): identical points, lifetime axis (fixed-point weights) included."""
    ch = get(name)
    params = ch.resolve_parameters({ch.scan_parameter: mass}, card)

    def point(n_threads):
        threads(n_threads)
        res = run_point(ch, params, card, menu, 3600, 9, 700, lifetimes_cm=lifetimes)
        return [p.to_dict(ch.scan_parameter) for p in (res if lifetimes else [res])]

    one = point(1)
    assert one == point(3) == point(4)
    assert 0 < one[0]["efficiency"] < 1


def test_scratch_buffers_are_per_thread():
    from belle2sim._workspace import scratch

    here = scratch("test_buffer", 10, np.float64)
    there = []
    t = threading.Thread(target=lambda: there.append(scratch("test_buffer", 10, np.float64)))
    t.start()
    t.join()
    assert not np.shares_memory(here, there[0])
    assert np.shares_memory(here, scratch("test_buffer", 5, np.float64))  # reused in the same thread


def test_one_time_setup_is_made_once_not_by_every_thread(card, menu, threads, monkeypatch):
    """A point's pilot run (the unweighting bound of its matrix element) is made once before the
    threads start, not by each of them at once."""
    from belle2sim.channels import lepton_pair_boson

    calls = []
    real = lepton_pair_boson.gen.pilot

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(lepton_pair_boson.gen, "pilot", counting)
    lepton_pair_boson._w_max.cache_clear()
    threads(4)
    ch = get("zprime-mumu")
    run_point(ch, ch.resolve_parameters({"mass_GeV": 3.3, "isr": 0}, card), card, menu, 4000, 9, 500)
    assert len(calls) == 1
