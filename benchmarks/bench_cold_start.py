"""First run on a fresh installation (run: python benchmarks/bench_cold_start.py).

For each channel, ``belle2sim efficiency CHANNEL`` at its defaults, wall time from the shell:
  1. cold: an empty numba cache (a temporary NUMBA_CACHE_DIR, also the data cache BELLE2SIM_CACHE:
     every kernel compiles and the Pythia decay samples are made, as on a
     fresh installation), the first-run helper process included;
  2. warm: the same command again (every kernel loads from that cache);
  3. with --baseline DIR (another checkout of belle2sim), the cold run of that checkout too, in
     the same session, so the two are compared on the same machine load.
The difference cold - warm is what compilation (and making the decay samples) costs a first
run. ``belle2sim warm-up``, timed with --warm-up, compiles every channel once instead.

Each cold run also reports the CPU seconds of its main process and of its compile helpers. With
``--helpers N`` the cold runs start N helpers (BELLE2SIM_COMPILE_HELPERS; by default one per spare
core, up to four): on a machine with fewer cores they share them, but the main process's CPU time,
which then holds only the generator's compilation, the run itself and the imports, is about what the
first run would take on a machine with more than N cores of this speed (if the helpers are done
before the run needs their kernels: their longest job, the ECL kernels, takes ~5 s of a core here).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import CHECKOUT, report  # noqa: E402

DEFAULT_CHANNELS = "dark-photon-invisible,zprime-mumu,alp-photons"


def wall_s(checkout, cache_dir, *args, helpers=None, cpu=None):
    """Seconds for ``python -m belle2sim.cli ARGS`` of ``checkout`` with numba's cache in cache_dir;
    ``helpers``: BELLE2SIM_COMPILE_HELPERS; ``cpu`` (a dict): gets the CPU seconds of the main process
    ("main") and of the helpers it waited for ("helpers")."""
    # that checkout first; the rest of PYTHONPATH kept (where the dependencies may live)
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != CHECKOUT]
    # an empty numba cache and an empty data cache (the Pythia decay samples, belle2sim/_data_cache.py)
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, BELLE2SIM_CACHE=cache_dir,
               PYTHONPATH=os.pathsep.join([checkout, *rest]))
    if helpers is not None:
        env["BELLE2SIM_COMPILE_HELPERS"] = str(helpers)
    with tempfile.TemporaryDirectory() as out:
        arguments = list(args) + (["-q", "-o", f"{out}/result.json"] if args[0] == "efficiency" else [])
        # the command line as `python -m belle2sim.cli` runs it, writing its CPU times at exit
        code = ("import atexit, resource, sys\n"
                "def cpu():\n"
                "    me, waited = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
                f"    open({out + '/cpu.txt'!r}, 'w').write(f'{{me.ru_utime + me.ru_stime}} "
                "{waited.ru_utime + waited.ru_stime}')\n"
                "atexit.register(cpu)\n"
                f"sys.argv = ['belle2sim'] + {arguments!r}\n"
                "from belle2sim.cli import run\n"
                "run()\n")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=out, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - t
        if cpu is not None:
            cpu["main"], cpu["helpers"] = map(float, Path(out, "cpu.txt").read_text().split())
        return seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--channels", default=DEFAULT_CHANNELS, help=f"comma-separated [{DEFAULT_CHANNELS}]")
    ap.add_argument("--baseline", help="another belle2sim checkout to time cold beside this one")
    ap.add_argument("--warm-up", action="store_true", help="also time `belle2sim warm-up` on an empty cache")
    ap.add_argument("--helpers", type=int, help="compile helpers of the cold runs (BELLE2SIM_COMPILE_HELPERS; "
                                                "default: one per spare core, up to four)")
    ap.add_argument("--json")
    a = ap.parse_args()
    baseline = str(Path(a.baseline).resolve()) if a.baseline else None
    out = {}
    for channel in a.channels.split(","):
        with tempfile.TemporaryDirectory() as cache:
            cpu = {}
            out[f"{channel}: cold [s]"] = wall_s(CHECKOUT, cache, "efficiency", channel, helpers=a.helpers, cpu=cpu)
            out[f"{channel}: cold, CPU of the main process [s]"] = cpu["main"]
            out[f"{channel}: cold, CPU of the compile helpers [s]"] = cpu["helpers"]
            out[f"{channel}: warm [s]"] = wall_s(CHECKOUT, cache, "efficiency", channel)
        if baseline:
            with tempfile.TemporaryDirectory() as cache:
                out[f"{channel}: cold, baseline [s]"] = wall_s(baseline, cache, "efficiency", channel)
    if a.warm_up:
        for label, checkout in (("this checkout", CHECKOUT), ("baseline", baseline)):
            if checkout:
                with tempfile.TemporaryDirectory() as cache:
                    out[f"warm-up, {label} [s]"] = wall_s(checkout, cache, "warm-up")
    report(out, a.json)


if __name__ == "__main__":
    main()
