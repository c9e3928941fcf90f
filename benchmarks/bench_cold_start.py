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


def wall_s(checkout, cache_dir, *args):
    """Seconds for ``python -m belle2sim.cli ARGS`` of ``checkout`` with numba's cache in cache_dir."""
    # that checkout first; the rest of PYTHONPATH kept (where the dependencies may live)
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != CHECKOUT]
    # an empty numba cache and an empty data cache (the Pythia decay samples, belle2sim/_data_cache.py)
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, BELLE2SIM_CACHE=cache_dir,
               PYTHONPATH=os.pathsep.join([checkout, *rest]))
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "belle2sim.cli", *args]
        if args[0] == "efficiency":
            command += ["-q", "-o", f"{out}/result.json"]
        t = time.perf_counter()
        subprocess.run(command, env=env, check=True, cwd=out, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--channels", default=DEFAULT_CHANNELS, help=f"comma-separated [{DEFAULT_CHANNELS}]")
    ap.add_argument("--baseline", help="another belle2sim checkout to time cold beside this one")
    ap.add_argument("--warm-up", action="store_true", help="also time `belle2sim warm-up` on an empty cache")
    ap.add_argument("--json")
    a = ap.parse_args()
    baseline = str(Path(a.baseline).resolve()) if a.baseline else None
    out = {}
    for channel in a.channels.split(","):
        with tempfile.TemporaryDirectory() as cache:
            out[f"{channel}: cold [s]"] = wall_s(CHECKOUT, cache, "efficiency", channel)
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
