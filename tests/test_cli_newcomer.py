"""What a new user trips over: bad seeds, output paths, silent misuse of options, the shipped
card and menu, one error style, interrupts."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import process_state


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "belle2sim.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


@pytest.mark.parametrize("args,message", [
    (["--seed", "-1"], "--seed"),
    (["--seed", "18446744073709551616"], "--seed"),
    (["--mass", "1", "--param", "mass_GeV=3"], "mass_GeV is the scanned parameter: set it with --mass"),
    (["--param", "mass_GeV=3"], "mass_GeV is the scanned parameter"),
    (["--mass", "1,,2"], "has an empty entry"),
    (["--mass", "2,1,2"], "repeats 2"),
    (["--events", "99999999999999999999"], "--events must be between 1 and"),
    (["--analysis", "generic", "--param", "min_muon_id=7"], "min_muon_id: 7 is out of range"),
    (["--analysis", "generic", "--param", "min_muon_id=2.5"], "not a whole number"),
    (["--detector", "nosuchcard"], "no detector card 'nosuchcard'"),
    (["-o", "/proc/x.json"], "cannot write"),
])
def test_bad_options_fail_before_any_work(tmp_path, args, message):
    out = run("efficiency", "zprime-invisible", "--events", "200", *args, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and out.stderr.startswith("belle2sim: error:")
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_under_a_file_fails_before_the_run(tmp_path):
    (tmp_path / "afile").write_text("x")
    t0 = time.time()
    out = run("efficiency", "zprime-invisible", "--events", "1000000", "-o", str(tmp_path / "afile" / "x.json"))
    assert out.returncode == 2 and "is a file, not a directory" in out.stderr
    assert time.time() - t0 < 60  # failed before generating a million events per point
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_outputs_follow_the_umask_and_points_are_sorted(tmp_path):
    out = run("efficiency", "dark-photon-invisible", "--mass", "6,1,4", "--events", "500", "-q",
              "-o", "e.json", "--plot", "e.png", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    mask = os.umask(0)
    os.umask(mask)
    for name in ("e.json", "e.png"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask
    doc = json.loads((tmp_path / "e.json").read_text())
    assert [p["mass_GeV"] for p in doc["points"]] == [1.0, 4.0, 6.0]


def test_bare_command_prints_help_and_exits_0():
    out = run()
    assert out.returncode == 0 and "efficiency" in out.stdout and "Usage" in out.stdout


def test_shipped_card_and_menu_can_be_copied_and_used(tmp_path):
    assert run("card", "-o", str(tmp_path / "c.toml")).returncode == 0
    assert run("menu", "-o", str(tmp_path / "m.toml")).returncode == 0
    text = (tmp_path / "c.toml").read_text()
    assert "[trigger_calibration]" in text
    printed = run("menu")
    assert printed.returncode == 0 and "[lines.fyo]" in printed.stdout
    out = run("efficiency", "dark-photon-invisible", "--mass", "2", "--events", "300", "-q",
              "--detector", str(tmp_path / "c.toml"), "--menu", str(tmp_path / "m.toml"))
    assert out.returncode == 0, out.stderr
    bad = run("card", "nosuch")
    assert bad.returncode == 2 and "shipped: belle2" in bad.stderr


def test_menu_explain_names_parameters_values_and_sources():
    out = run("menu", "--explain", "fyo")
    assert out.returncode == 0, out.stderr
    for piece in ("line fyo: t2 >= 2 and ty >= 1 and cdc_open90", "inputs.cdc.ty_z0_cut_cm", "= 20.0",
                  "source: basf2", "trigger_calibration.periods.2019-2021.track_efficiency"):
        assert piece in out.stdout
    bit = run("menu", "--explain", "typ", "--period", "2018")
    assert "typ_omega_bin_per_m" in bit.stdout and "periods.2018" in bit.stdout
    bad = run("menu", "--explain", "nosuchline")
    assert bad.returncode == 2 and "neither a line" in bad.stderr


def test_channels_with_a_name_shows_one():
    out = run("channels", "zprime-mumu")
    assert out.returncode == 0 and "2403.02841" in out.stdout and "dark-photon-invisible" not in out.stdout
    bad = run("channels", "nope")
    assert bad.returncode == 2 and "unknown channel" in bad.stderr


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("phase", ["compiling", "running"])
def test_interrupt_leaves_no_output(tmp_path, tmp_path_factory, sig, code, phase):
    # While compiling (an empty numba cache) the signal lands in numba's ctypes callbacks, which
    # swallow exceptions: the run must end all the same.
    env = dict(os.environ)
    temporary = tmp_path_factory.mktemp("tmpdir")  # (the compile helper's claims directory goes here)
    env["TMPDIR"] = str(temporary)
    if phase == "compiling":
        env["NUMBA_CACHE_DIR"] = str(tmp_path_factory.mktemp("empty_numba_cache"))
    proc = subprocess.Popen([sys.executable, "-m", "belle2sim.cli", "efficiency", "zprime-invisible", "--events",
                             "5000000", "-q", "-o", "z.json", "--plot", "z.png"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    helpers = []
    if phase == "compiling":  # (signalled once its compile helper runs: ~1-2 s in)
        deadline = time.monotonic() + 30
        # (both: a child alone may be a short-lived one of the run's start-up, such as the ldconfig that
        # ctypes.util.find_library runs, seen before the helper's claims directory exists)
        while not ((helpers := _children(proc.pid)) and list(temporary.iterdir())) and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert helpers and list(temporary.iterdir()), "no compile helper running: the test would show nothing"
    else:
        time.sleep(8)
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"signal {sig.name} did not end the run within 60 s")
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    # the first run's compile helper ends with it (it went on for ~15 s), and its claims are gone
    assert not [pid for pid in helpers if process_state(pid) not in ("gone", "Z")] and list(temporary.iterdir()) == []


@pytest.mark.parametrize("threaded", [False, True])
def test_a_run_that_stops_early_stops_its_compile_helper(tmp_path, threaded):
    """A first run that ends before its trigger (an error, a return) ends the compile helper at exit
    and removes its claims directory: a fork of the run (_forked.py), or a new interpreter where
    another thread runs (a fork would copy only the calling thread)."""
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = dict(os.environ, TMPDIR=str(temporary), NUMBA_CACHE_DIR=str(tmp_path / "cache"),
               BELLE2SIM_COMPILE_HELPERS="1")  # (one helper, as on 2 cores: test_compile_helpers.py has several)
    code = ("import threading, time; from belle2sim.warmup import start_trigger_compile; "
            + ("threading.Thread(target=time.sleep, args=(30,), daemon=True).start(); " if threaded else "")
            + "helper = start_trigger_compile(detector_too=True); assert helper is not None; "
            "time.sleep(1); assert helper[0].poll() is None, 'the helper ended by itself'; "
            "print(helper[0].pid, type(helper[0]).__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    pid, kind = done.stdout.split()
    assert kind == ("Popen" if threaded else "ForkedProcess")
    assert process_state(int(pid)) in ("gone", "Z"), "the helper outlived the run"
    assert list(temporary.iterdir()) == []


def test_compile_helper_in_a_new_interpreter_compiles_the_trigger(tmp_path):
    """Where the run cannot fork (another thread runs), the helper is a new interpreter doing the same
    jobs: it ends without error and the trigger's kernels are in the cache."""
    done = _python_with_cache(tmp_path / "cache", "import threading, time; "
                              "from belle2sim.warmup import start_trigger_compile; "
                              "threading.Thread(target=time.sleep, args=(60,), daemon=True).start(); "
                              "helper = start_trigger_compile(detector_too=False); "
                              "print(type(helper[0]).__name__, helper[0].wait())")
    assert done.stdout.split() == ["Popen", "0"]
    for kernel in ("grl_bits.grl_bits", "ecl_bits.ecl_trigger_bits", "cdc_bits.cdc_trigger_bits"):
        assert list((tmp_path / "cache").rglob(f"{kernel}-*.nbi")), f"{kernel} was not compiled"


def _python_with_cache(cache, code, timeout=600):
    """``python -c code`` with numba's cache in ``cache``; it must succeed (returns its result)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, NUMBA_CACHE_DIR=str(cache), BELLE2SIM_COMPILE_HELPERS="1"))
    assert done.returncode == 0, done.stderr
    return done


def _children(pid):
    """PIDs of the processes whose parent is ``pid`` (Linux: /proc)."""
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc")
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found


def test_first_run_says_it_compiles(tmp_path, card, menu):
    """With an empty numba cache the kernels' cache index is missing (a first run: the CLI says it
    compiles); once a channel has run, it is there."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "empty"))
    probe = subprocess.run([sys.executable, "-c", "from belle2sim.warmup import needs_compiling; "
                            "print(needs_compiling())"], capture_output=True, text=True, env=env)
    assert probe.stdout.strip() == "True", probe.stderr
    from belle2sim.channels import get
    from belle2sim.scan import run_point
    from belle2sim.warmup import needs_compiling

    ch = get("dark-photon-invisible")
    run_point(ch, ch.resolve_parameters({"mass_GeV": 1.0}, card), card, menu, 200, 1)
    assert needs_compiling() is False


def test_first_run_compiles_the_trigger_in_a_helper_with_the_same_numbers(tmp_path):
    """A first run (empty numba cache) compiles the trigger kernels in a second process while it
    compiles the generator and detector: afterwards their cache is there, and the numbers are those
    of a run that compiled nothing."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    args = [sys.executable, "-m", "belle2sim.cli", "efficiency", "dark-photon-invisible", "--mass", "1,6",
            "--events", "3000"]
    cold = subprocess.run(args + ["-o", "cold.json"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert cold.returncode == 0, cold.stderr
    assert "first run on this installation" in cold.stderr
    index = list((tmp_path / "cache").rglob("grl_bits.grl_bits-*.nbi"))
    assert index, "the helper did not compile the GRL kernel"
    warm = subprocess.run(args + ["-q", "-o", "warm.json"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert warm.returncode == 0 and "first run" not in warm.stderr

    def points(name):
        return json.loads((tmp_path / name).read_text())["points"]

    assert points("cold.json") == points("warm.json")
    assert len(points("cold.json")) == 2


def test_helper_of_a_slow_generator_compiles_the_detector_too(tmp_path):
    """For a channel whose generator compiles for long (the matrix-element channels) the first
    run's helper compiles the ECL and tracking kernels as well as the trigger's: afterwards every
    kernel a run needs besides the generator and selection is in the cache."""
    from belle2sim.channels import get

    assert get("zprime-mumu").slow_generator_compile and not get("dark-photon-invisible").slow_generator_compile
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-c", "from belle2sim.warmup import compile_trigger_kernels, "
                           "needs_compiling; compile_trigger_kernels(detector_too=True); print(needs_compiling())"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    for kernel in ("ecl.ecl_response", "tracking.track_response", "grl_bits.grl_bits"):
        assert list((tmp_path / "cache").rglob(f"{kernel}-*.nbi")), f"{kernel} was not compiled"


def test_each_first_run_compile_job_runs_alone():
    """The jobs a first run's helper and main process share (warmup.trigger_compile_jobs) each run
    alone and in any order: arrays zeroed, so none reads what another job's kernel did not write."""
    from belle2sim import warmup
    from belle2sim.detector.card import load_card
    from belle2sim.trigger.menu import load_menu

    card, menu = load_card(), load_menu()
    names = [name for name, _ in warmup.trigger_compile_jobs(card, menu, detector_too=True)]
    assert names[:3] == ["ecl", "tracks", "ecl_trigger"] and len(names) == 8  # (the longest trigger job first)
    assert {"cdc_trigger", "grl", "finish", "prescale", "menu_program"} <= set(names)
    from_file = [name for name, _ in warmup.trigger_compile_jobs(card, menu, detector_too=False)]
    assert from_file[0] == "cdc_trigger" and sorted(from_file) == sorted(names[2:])  # (helpers the tracking calls)
    first = [name for name, _ in warmup.trigger_compile_jobs(card, menu, detector_too=warmup.TRACKS_FIRST)]
    assert first == names[1:]  # (a fast generator's helper: the tracking, then the trigger)
    for name in reversed(names):  # (in this process: the kernels load from the cache)
        dict(warmup.trigger_compile_jobs(card, menu, detector_too=True))[name]()


def test_helper_and_main_process_share_the_compile_jobs(tmp_path, monkeypatch):
    """The helper and the main process (reaching the trigger while the helper still runs) take the
    jobs in the same order (the longest first), each skipping what the other claimed; the main then
    waits for the helper's jobs to be done and removes the claims."""
    import threading

    from belle2sim import warmup

    done = []
    jobs = [(f"j{k}", (lambda k=k: done.append(k))) for k in range(6)]
    monkeypatch.setattr(warmup, "trigger_compile_jobs", lambda card, menu, detector_too=False, selection=None: jobs)
    claims = tmp_path / "claims"
    claims.mkdir()
    (claims / "j4").touch()  # the main process took j4 and j5 first
    (claims / "j5").touch()
    warmup.compile_trigger_kernels(claims=str(claims))  # the helper
    assert done == [0, 1, 2, 3]

    assert sorted(f.name for f in claims.glob("*.done")) == [f"j{k}.done" for k in range(4)]
    done.clear()
    for f in claims.iterdir():  # a new first run
        f.unlink()
    assert warmup._claim(str(claims), "j0") and warmup._claim(str(claims), "j1")  # the helper is at j1
    assert not warmup._claim(str(claims), "j1")
    finish = threading.Timer(0.3, lambda: [(claims / f"j{k}.done").touch() for k in (0, 1)])
    finish.start()  # the helper finishes its two jobs while the main process takes the others

    class Running:  # the helper process, still running
        waited = False

        def poll(self):
            return None

        def wait(self):
            Running.waited = True

    monkeypatch.setattr(warmup, "_HELPER", (Running(), str(claims), True, False))
    t = time.perf_counter()
    warmup.wait_for_trigger_compile(card=object(), menu=object())
    assert done == [2, 3, 4, 5] and Running.waited and time.perf_counter() - t >= 0.25  # (waited for j0, j1)
    assert warmup._HELPER is None and not claims.exists()


def test_main_process_waits_for_the_detector_kernel_the_helper_is_compiling(tmp_path, monkeypatch):
    """Beside a helper compiling the detector: a detector job the helper is doing is waited for
    (until its done marker), one it has not started is claimed (the helper then skips it), each
    before its own kernel; beside a helper with the tracking only (a channel whose generator
    compiles fast), the ECL is this process's without asking."""
    import threading

    from belle2sim import warmup

    class Running:
        def poll(self):
            return None

    (tmp_path / "ecl").touch()  # the helper is at the ECL job
    monkeypatch.setattr(warmup, "_HELPER", (Running(), str(tmp_path), True, False))
    monkeypatch.setattr(warmup, "_DETECTOR_SETTLED", set())
    finish = threading.Timer(0.3, lambda: (tmp_path / "ecl.done").touch())
    finish.start()
    t = time.perf_counter()
    warmup.wait_for_detector_compile("ecl")
    assert time.perf_counter() - t >= 0.25 and (tmp_path / "ecl.done").exists()
    assert not (tmp_path / "tracks").exists()  # (not asked before the tracking's turn)
    warmup.wait_for_detector_compile("tracks")
    assert (tmp_path / "tracks").exists()  # claimed by the main process: the helper skips it
    assert not warmup._claim(str(tmp_path), "tracks")
    (tmp_path / "ecl.done").unlink()
    t = time.perf_counter()
    warmup.wait_for_detector_compile("ecl")  # settled: once per process
    monkeypatch.setattr(warmup, "_DETECTOR_SETTLED", set())
    monkeypatch.setattr(warmup, "_HELPER", (Running(), str(tmp_path), False, False))  # a helper without the detector
    warmup.wait_for_detector_compile("ecl")
    warmup.wait_for_detector_compile("tracks")
    assert time.perf_counter() - t < 0.2

    other = tmp_path / "tracks-first"
    other.mkdir()
    (other / "tracks").touch()  # a helper with the tracking only, doing it
    monkeypatch.setattr(warmup, "_HELPER", (Running(), str(other), warmup.TRACKS_FIRST, False))
    warmup.wait_for_detector_compile("ecl")
    assert not (other / "ecl").exists()  # (the helper has no ECL job: nothing claimed, no wait)
    threading.Timer(0.3, lambda: (other / "tracks.done").touch()).start()
    t = time.perf_counter()
    warmup.wait_for_detector_compile("tracks")
    assert time.perf_counter() - t >= 0.25


def test_main_process_compiles_ahead_while_the_helper_has_its_detector_kernel(tmp_path, monkeypatch):
    """Waiting for a detector kernel the helper is compiling, the main process first makes the calls
    registered to compile ahead (a selection's kernels), each once per process, and not while the
    kernel is done or its own; without a helper nothing is registered; a call that fails is left
    to its real first call (the wait goes on)."""
    from belle2sim import warmup

    class Running:
        def poll(self):
            return None

    made = []
    monkeypatch.setattr(warmup, "_AHEAD", {})
    monkeypatch.setattr(warmup, "_HELPER", None)
    warmup.compile_ahead("none", lambda: made.append("none"))
    assert warmup._AHEAD == {}  # (no helper: a run that compiles nothing, or every kernel itself)
    monkeypatch.setattr(warmup, "_HELPER", (Running(), str(tmp_path), True, False))
    monkeypatch.setattr(warmup, "_DETECTOR_SETTLED", set())
    warmup.compile_ahead("selection", lambda: made.append("selection"))
    warmup.compile_ahead("selection", lambda: made.append("twice"))  # (the same key: the first call)
    warmup.compile_ahead("broken", lambda: 1 / 0)
    warmup.wait_for_detector_compile("ecl")  # claimed here: no wait, nothing ahead
    assert made == []
    (tmp_path / "tracks").touch()
    (tmp_path / "tracks.done").touch()  # the helper has done it: no wait, nothing ahead
    warmup.wait_for_detector_compile("tracks")
    assert made == []
    (tmp_path / "tracks.done").unlink()
    monkeypatch.setattr(warmup, "_DETECTOR_SETTLED", set())
    import threading

    threading.Timer(0.3, lambda: (tmp_path / "tracks.done").touch()).start()
    warmup.wait_for_detector_compile("tracks")  # the helper is at it: the calls, then the wait
    assert made == ["selection"] and (tmp_path / "tracks.done").exists()
    monkeypatch.setattr(warmup, "_DETECTOR_SETTLED", set())
    warmup.wait_for_detector_compile("tracks")
    assert made == ["selection"]  # (once per process)


def test_every_selection_runs_on_canned_events_with_empty_detector_output(card):
    """What a first run compiles ahead (scan.PointJob._select_canned) works for every analysis
    of every channel: each selection takes the canned events with all detector output zero and
    returns its cut flow, a mask per cut (a failure would only be skipped, and cost the run the
    time it could have saved)."""
    from belle2sim.channels import available
    from belle2sim.scan import PointJob
    from belle2sim.trigger.menu import load_menu

    menu = load_menu()
    n_events = len(warmup_events())
    for name, channel in sorted(available().items()):
        for analysis in channel.analyses:
            params = channel.resolve_parameters({}, card, analysis.key)
            job = PointJob(channel, params, card, menu, 1, analysis=analysis)
            cuts = job._select_canned()
            assert cuts and all(len(mask) == n_events for mask in cuts.values()), (name, analysis.key)


def warmup_events():
    from belle2sim.canned import canned_events

    return canned_events()


def test_warm_up_shares_the_channels_with_its_helper(tmp_path, monkeypatch):
    """warm-up takes channels from the front, its helper (after the trigger kernels) from the back;
    the helper's times are read from its done files, and a channel the helper claimed but did not
    finish (it failed) is warmed by the main process."""
    import belle2sim.channels as channels
    from belle2sim import warmup

    names = [f"c{k}" for k in range(5)]
    monkeypatch.setattr(channels, "available", lambda: dict.fromkeys(names))
    claims = tmp_path / "claims"
    claims.mkdir()
    (claims / "channel-c4").touch()  # the helper: c4 done in 7.5 s, c3 claimed, then it failed
    (claims / "channel-c4.done").write_text("7.5")
    (claims / "channel-c3").touch()

    class Exited:
        def poll(self):
            return 1

        def wait(self):
            return 1

    monkeypatch.setattr(warmup, "start_trigger_compile", lambda channels_after: (Exited(), str(claims), False, True))
    ran = []
    monkeypatch.setattr(warmup, "_warm_channel", lambda name, card, menu, events: ran.append(name) or 1.0)
    shown = []
    timings = warmup.warm_up(None, None, progress=lambda name, s: shown.append(name), events=10)
    assert ran == ["c0", "c1", "c2", "c3"]  # c0-c2 from the front; c3 after the helper failed on it
    assert timings == {"c0": 1.0, "c1": 1.0, "c2": 1.0, "c3": 1.0, "c4": 7.5}
    assert shown == names and not claims.exists()


def test_warm_up_leaves_nothing_to_compile(tmp_path):
    """warm-up (here restricted to one channel) compiles the run's kernels, the trigger's in its
    helper process: a run after it finds every kernel in the cache."""
    done = _python_with_cache(tmp_path / "cache", "import belle2sim.channels as c; from belle2sim import warmup; "
                              "from belle2sim.detector.card import load_card; from belle2sim.trigger.menu import load_menu; "
                              "one = {'dark-photon-invisible': c.available()['dark-photon-invisible']}; "
                              "c.available = lambda: one; print(sorted(warmup.warm_up(load_card(), load_menu(), events=100)))")
    assert "dark-photon-invisible" in done.stdout
    probe = _python_with_cache(tmp_path / "cache", "from belle2sim.warmup import needs_compiling; print(needs_compiling())")
    assert probe.stdout.strip() == "False", probe.stderr
    assert list((tmp_path / "cache").rglob("grl_bits.grl_bits-*.nbi")), "the trigger was not compiled"


def test_main_process_takes_the_trigger_jobs_ahead_while_the_helper_has_the_tracking(tmp_path, monkeypatch):
    """Waiting for the tracking kernel the helper compiles, the main process takes the trigger's jobs
    the helper has not claimed (warmup.take_trigger_jobs, which scan.py registers to compile ahead);
    at its first trigger call it takes none of them again and waits for the helper's."""
    import threading

    from belle2sim import warmup

    class Running:
        def poll(self):
            return None

        def wait(self):
            pass

    done = []
    jobs = [("tracks", lambda: done.append("tracks"))] + [(f"j{k}", (lambda k=k: done.append(k))) for k in range(4)]
    monkeypatch.setattr(warmup, "trigger_compile_jobs", lambda card, menu, detector_too=False, selection=None: jobs)
    monkeypatch.setattr(warmup, "_AHEAD", {})
    monkeypatch.setattr(warmup, "_DETECTOR_SETTLED", set())
    claims = tmp_path / "claims"
    claims.mkdir()
    (claims / "tracks").touch()  # the helper is at the tracking, and has claimed j0 for after it
    (claims / "j0").touch()
    monkeypatch.setattr(warmup, "_HELPER", (Running(), str(claims), True, False))
    card, menu = object(), object()
    warmup.compile_ahead(("trigger", id(menu)), lambda: warmup.take_trigger_jobs(card, menu))
    threading.Timer(0.3, lambda: (claims / "tracks.done").touch()).start()
    warmup.wait_for_detector_compile("tracks")
    assert done == [1, 2, 3] and (claims / "tracks.done").exists()
    assert sorted(f.name for f in claims.glob("j*.done")) == ["j1.done", "j2.done", "j3.done"]
    threading.Timer(0.3, lambda: (claims / "j0.done").touch()).start()
    t = time.perf_counter()
    warmup.wait_for_trigger_compile(card, menu)
    assert done == [1, 2, 3] and time.perf_counter() - t >= 0.25  # (none again; waited for the helper's j0)
    assert warmup._HELPER is None and not claims.exists()
