"""Scans on dask.distributed: the points and their event ranges as tasks on a cluster.

``run_scan_distributed`` splits every point's events into tasks of whole chunks, runs them on a
dask.distributed client (a LocalCluster of ``workers`` processes, or an existing scheduler), and
merges the counters each task returns. Every event's randomness depends only on (seed, event
number, stage) and the counters merge exactly (integer counts; other weights summed once with
fsum; lifetime weights in fixed point), so the numbers are identical to a single process for the
same seed, whatever the number of workers or the order in which tasks finish. A worker lost
mid-run costs a re-run of its tasks (dask reschedules them on the others), not the run.
"""

import math


def _task(job, first, last, chunk_size, threads):
    """Runs on a worker: events [first, last) of one point; returns (counter, cut names)."""
    import numba

    from belle2sim._memory import keep_freed_memory

    keep_freed_memory()
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    counter = job.new_counter()
    cut_names = job.run_range(first, last, chunk_size, counter)
    return counter, cut_names


def task_ranges(n_events, chunk_size, n_tasks):
    """About ``n_tasks`` event ranges of whole chunks covering [0, n_events)."""
    n_chunks = math.ceil(n_events / chunk_size)
    per_task = max(1, math.ceil(n_chunks / max(1, n_tasks)))
    step = per_task * chunk_size
    return [(first, min(first + step, n_events)) for first in range(0, n_events, step)]


def client_for(workers=None, scheduler=None, threads_per_worker=1):
    """A dask.distributed Client: on ``scheduler`` (an address) or a new LocalCluster of
    ``workers`` processes. The caller closes it (it is a context manager)."""
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(n_workers=int(workers), threads_per_worker=threads_per_worker, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    client._belle2sim_cluster = cluster  # closed with the client (see close_client)
    return client


def close_client(client):
    cluster = getattr(client, "_belle2sim_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def run_jobs(client, jobs, n_events, chunk_size, progress=None, tasks_per_point=None, threads=1):
    """Run PointJobs on ``client``; returns their results in order (PointResult or list per job)."""
    from distributed import as_completed

    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    ranges = task_ranges(n_events, chunk_size, tasks_per_point or 4 * n_workers)
    futures = {}
    for j, job in enumerate(jobs):
        job_future = client.scatter(job, broadcast=True)
        for first, last in ranges:
            futures[client.submit(_task, job_future, first, last, chunk_size, threads, pure=False)] = (j, first, last)
    parts = {}
    for future in as_completed(list(futures)):
        j, first, last = futures[future]
        parts[(j, first)] = future.result()
        if progress is not None:
            progress(last - first)
    results = []
    for j, job in enumerate(jobs):
        counter, cut_names = job.new_counter(), None
        for first, _ in ranges:  # merge in event order (the sums are exact in any order anyway)
            part, cut_names = parts[(j, first)]
            counter.merge(part)
        results.append(job.results(counter, cut_names, n_events))
    return results
