"""A first run's compile helpers where there are cores to spare (warmup.py): how many, that they
share the jobs without doing one twice, that they all end with the run, and that the warm-up's
helpers take channels from the back without stopping at one another's."""

import os
import subprocess
import sys

import pytest
from conftest import process_state

from belle2sim import warmup
from belle2sim.errors import ParameterError


@pytest.mark.parametrize("cores,numba_threads,expected", [(1, 1, 1), (2, 2, 1), (3, 3, 2), (16, 16, 4), (16, 2, 1)])
def test_one_helper_per_spare_core(monkeypatch, cores, numba_threads, expected):
    import numba

    monkeypatch.delenv(warmup.HELPERS_SETTING, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", numba_threads)
    assert warmup.helper_count() == expected


@pytest.mark.parametrize("threads,expected", [(None, 4), (1, 1), (2, 1), (3, 2), (8, 4)])
def test_the_runs_threads_bound_the_helpers(monkeypatch, threads, expected):
    """--threads N on a 16-core machine: at most N - 1 helpers (a run kept to a few cores of a
    shared machine stays there while it compiles)."""
    import numba

    monkeypatch.delenv(warmup.HELPERS_SETTING, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 16)
    assert warmup.helper_count(threads) == expected


@pytest.mark.parametrize("setting,expected", [("0", 0), ("1", 1), ("6", 6)])
def test_the_environment_sets_the_helpers(monkeypatch, setting, expected):
    monkeypatch.setenv(warmup.HELPERS_SETTING, setting)
    assert warmup.helper_count() == expected


@pytest.mark.parametrize("setting", ["-1", "two", "1.5", ""])
def test_a_bad_helper_setting_is_named(monkeypatch, setting):
    monkeypatch.setenv(warmup.HELPERS_SETTING, setting)
    with pytest.raises(ParameterError, match=f"{warmup.HELPERS_SETTING} must be a whole number.*{setting!r}"):
        warmup.helper_count()


# A run in its own interpreter (a fork needs a process without other threads): the compile jobs
# replaced by jobs that log which process did them.
_FAKE_JOBS = """
import os, sys, time
from belle2sim import warmup
log = sys.argv[1]
def job(name, seconds):
    def call():
        time.sleep(seconds)
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {name}\\n")
    return name, call
warmup.needs_compiling = lambda: True
warmup.trigger_compile_jobs = lambda card, menu, detector_too, selection=None: (
    [job(f"job{k}", float(sys.argv[2])) for k in range(8)] + ([("selection", selection)] if selection else []))
import belle2sim.detector.card as card, belle2sim.trigger.menu as menu
card.load_card = menu.load_menu = lambda: None
helper = warmup.start_trigger_compile(detector_too=warmup.TRACKS_FIRST, selection=job("selection", 0.0)[1])
process, claims = helper[0], helper[1]
print(type(process).__name__, len(getattr(process, "processes", [process])), helper[2], claims)
"""


def _run(tmp_path, tail, helpers, seconds):
    log = tmp_path / "jobs.log"
    done = subprocess.run([sys.executable, "-c", _FAKE_JOBS + tail, str(log), str(seconds)], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, BELLE2SIM_COMPILE_HELPERS=str(helpers)))
    assert done.returncode == 0, done.stderr
    return done.stdout.split(), log


def test_helpers_share_the_jobs(tmp_path):
    """Three helpers: each job done once (the run's selection among them), by more than one of them;
    the group is waited for as one process; one of them takes the ECL kernels from the start
    (detector_too upgraded to True)."""
    out, log = _run(tmp_path, "print(process.wait()); print(sorted(os.listdir(claims)))\n", 3, 0.3)
    kind, count, detector_too, claims, status = out[:5]
    assert (kind, count, detector_too, status) == ("ProcessGroup", "3", "True", "0")
    done = [line.split() for line in log.read_text().splitlines()]
    assert sorted(name for _, name in done) == [f"job{k}" for k in range(8)] + ["selection"]  # each once
    assert len({pid for pid, _ in done}) >= 2, f"one helper did every job: {done}"
    assert "".join(out[5:]).count(".done") == 9


def test_stop_helper_ends_every_helper(tmp_path):
    """Helpers still at long jobs when the run ends: all of them stop, and the claims go."""
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc")
    tail = ("import time; time.sleep(0.5); pids = [p.pid for p in process.processes]; "
            "assert process.poll() is None; t = time.monotonic(); warmup.stop_helper(); "
            "print(' '.join(map(str, pids)), round(time.monotonic() - t, 1), os.path.exists(claims))\n")
    out, log = _run(tmp_path, tail, 2, 60)
    pids, seconds, claims_left = out[4:6], float(out[6]), out[7]
    assert claims_left == "False" and seconds < 10
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or process_state(pid) == "Z", f"helper {pid} outlived the run"
    assert not log.exists()  # (no job finished: each was cut short)


def test_no_helper_when_set_to_zero():
    """BELLE2SIM_COMPILE_HELPERS=0: the run compiles everything itself."""
    code = ("from belle2sim import warmup; warmup.needs_compiling = lambda: True; "
            "print(warmup.start_trigger_compile(detector_too=True))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, BELLE2SIM_COMPILE_HELPERS="0"))
    assert done.returncode == 0 and done.stdout.strip() == "None", done.stderr


def test_warm_up_helpers_skip_each_others_channels(tmp_path, monkeypatch):
    """A helper that finds the last channel claimed by another helper goes on with the one before
    (it stopped there, leaving the other channels to the main process alone)."""
    claims = tmp_path / "claims"
    claims.mkdir()
    (claims / "channel-c4").touch()  # another helper's
    (claims / "channel-c0").touch()  # the main process's
    ran = []
    monkeypatch.setattr(warmup, "_warm_channel", lambda name, card, menu, events: ran.append(name) or 2.0)
    warmup.warm_channels_from_back(str(claims), [f"c{k}" for k in range(5)], 10)
    assert ran == ["c3", "c2", "c1"]
    assert sorted(p.name for p in claims.iterdir() if p.name.endswith(".done")) == [
        "channel-c1.done", "channel-c2.done", "channel-c3.done"]


@pytest.mark.parametrize("command", [["warm-up"],
                                     ["efficiency", "dark-photon-invisible", "--events", "1000", "-o", "out.json"]])
def test_a_bad_helper_setting_stops_the_command(tmp_path, command):
    """On a cache to fill, the command line says what is wrong with the setting (exit status 2, no
    traceback, no output file)."""
    done = subprocess.run([sys.executable, "-m", "belle2sim.cli", *command], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=dict(os.environ, BELLE2SIM_COMPILE_HELPERS="many",
                                                              NUMBA_CACHE_DIR=str(tmp_path / "cache")))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "BELLE2SIM_COMPILE_HELPERS must be a whole number" in done.stderr and "'many'" in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_one_helper_leaves_the_selection_to_the_run(tmp_path):
    """With one helper (2 cores) the selection stays with the run, as before: the helper has the
    trigger's jobs to do."""
    out, log = _run(tmp_path, "print(warmup._SELECTION_IN_HELPER, process.wait())\n", 1, 0.01)
    assert out[0] == "ForkedProcess" and out[4:] == ["False", "0"]
    assert "selection" not in log.read_text()


@pytest.mark.parametrize("helper_has,claimed_by_helper,runs_here", [(False, False, True), (True, False, True),
                                                                    (True, True, False)])
def test_the_selection_compiled_ahead_only_once(tmp_path, monkeypatch, helper_has, claimed_by_helper, runs_here):
    """The run's compile-ahead of its selection: made where no helper has it; claimed first where a
    helper has it but has not started it (then marked done for the run's wait); skipped where a
    helper has claimed it."""
    monkeypatch.setattr(warmup, "_HELPER", (None, str(tmp_path), True, False))
    monkeypatch.setattr(warmup, "_SELECTION_IN_HELPER", helper_has)
    if claimed_by_helper:
        (tmp_path / warmup.SELECTION_JOB).touch()
    ran = []
    warmup.selection_ahead(lambda: ran.append(1))()
    assert ran == ([1] if runs_here else [])
    assert (tmp_path / (warmup.SELECTION_JOB + ".done")).exists() == (helper_has and not claimed_by_helper)
