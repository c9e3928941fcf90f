"""Scans on dask.distributed: identical numbers to one process, and a lost worker costs a retry."""

import os
import signal

import pytest

from belle2sim.channels import get
from belle2sim.distributed import task_ranges
from belle2sim.scan import run_scan, scan_document

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    from belle2sim.distributed import client_for, close_client

    c = client_for(workers=2)
    yield c
    close_client(c)


def test_task_ranges_cover_the_events_in_whole_chunks():
    ranges = task_ranges(10_001, 1000, 4)
    assert ranges[0][0] == 0 and ranges[-1][1] == 10_001
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    assert all((first % 1000) == 0 for first, _ in ranges)
    assert task_ranges(5, 1000, 8) == [(0, 5)]


@pytest.mark.parametrize("name,kw", [("zprime-invisible", {}), ("alp-photons", {"lifetimes_cm": [0.1, 30.0]})])
def test_two_workers_give_the_numbers_of_one_process(client, card, menu, name, kw):
    ch = get(name)
    one = run_scan(ch, [1.0, 4.0], {}, card, menu, 9000, 5, chunk_size=1000, **kw)
    many = run_scan(ch, [1.0, 4.0], {}, card, menu, 9000, 5, chunk_size=1000, client=client, **kw)
    assert scan_document(ch, one, card, menu, 5, 9000, {}) == scan_document(ch, many, card, menu, 5, 9000, {})


def test_a_worker_lost_mid_run_costs_a_retry_not_the_run(client, card, menu):
    ch = get("zprime-invisible")
    reference = run_scan(ch, [2.0], {}, card, menu, 12000, 9, chunk_size=500)
    killed = []

    def kill_one_worker(_n_events):
        if not killed:
            address = sorted(client.scheduler_info()["workers"])[0]
            pid = client.run(os.getpid, workers=[address])[address]
            os.kill(pid, signal.SIGKILL)  # the worker process dies with its running tasks
            killed.append(pid)

    from belle2sim.distributed import run_jobs
    from belle2sim.scan import PointJob

    params = ch.resolve_parameters({"mass_GeV": 2.0}, card)
    job = PointJob(ch, params, card, menu, 9)
    (result,) = run_jobs(client, [job], 12000, 500, progress=kill_one_worker, tasks_per_point=24)
    assert killed
    assert result.to_dict("mass_GeV") == reference[0].to_dict("mass_GeV")
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the lost worker
