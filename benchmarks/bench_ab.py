"""This checkout against a git revision of it, both in one process, detector + trigger per event
(run: python benchmarks/bench_ab.py --baseline HEAD~1 [--sample four-muon]).

The baseline's ``belle2sim`` (``git archive`` of the revision) is copied under another package name,
``belle2sim_baseline`` (its imports renamed), into a cache folder per revision (numba compiles it
once, then loads it). Each checkout makes its own sample with the same seed; ``simulate_chunk`` of
the two then runs alternately, chunk by chunk, one thread, and each chunk's fastest of ``--rounds``
counts. Both see the same machine, the same minute, the same caches: three runs of one revision
against itself differed by 0.1-0.8 % on the 2-core development VM, where whole-job throughput moves
by 10-30 % from one run to the next. Unlike ``bench_kernels.py --baseline`` (each kernel alone on
captured arguments, in alternating subprocesses) this takes changes of a kernel's arguments, and
measures kernels where they run: block by block, each reading what the kernel before it just wrote.

Also reports whether the two give the same input bits and lines after prescale on the first chunk
(the same numbers).
"""

import argparse
import importlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import CHECKOUT, report  # noqa: E402

BASELINE_PACKAGE = "belle2sim_baseline"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "belle2sim-bench-ab"


def baseline_tree(revision):
    """Folder holding ``belle2sim_baseline`` (with the shipped cards and menus beside it) for a git
    revision of this checkout, made once per commit."""
    commit = subprocess.run(["git", "-C", CHECKOUT, "rev-parse", "--verify", f"{revision}^{{commit}}"],
                            capture_output=True, text=True, check=True).stdout.strip()
    folder = CACHE / commit
    if (folder / BASELINE_PACKAGE / "__init__.py").exists():
        return folder, commit
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=CACHE))
    archive = subprocess.run(["git", "-C", CHECKOUT, "archive", "--format=tar", commit, "belle2sim", "geometry",
                              "trigger"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(staging, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (staging / "belle2sim").rename(staging / BASELINE_PACKAGE)
    word = re.compile(r"\bbelle2sim\b")
    for path in (staging / BASELINE_PACKAGE).rglob("*.py"):
        path.write_text(word.sub(BASELINE_PACKAGE, path.read_text()))
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)  # (whole or not at all: an interrupted copy is never taken for one)
    return folder, commit


def sample_chunks(package, sample, n_events, n_chunks):
    """(card, menu, simulate_chunk, [EventBatch]) of one checkout's own modules."""
    module = lambda name: importlib.import_module(f"{package}.{name}")  # noqa: E731
    card, menu = module("detector.card").load_card(), module("trigger.menu").load_menu()
    starts = range(0, n_chunks * n_events, n_events)
    if sample == "single-photon":
        generate = module("generators.dark_photon").generate
        chunks = [generate(1, f, n_events, 4.0, 5.0, 175.0, card.beams) for f in starts]
    elif sample == "q-qbar":
        source = module("inputs.pythia_sm").PythiaSample("qqbar", card)
        chunks = [source.generate(1, f, n_events) for f in starts]
    else:
        mumu = module("channels").get("zprime-mumu")
        params = mumu.resolve_parameters({"mass_GeV": 2.0, "isr": 0}, card)
        chunks = [mumu.generate(1, f, n_events, params, card) for f in starts]
    return card, menu, module("simulate").simulate_chunk, chunks


def same_numbers(a, b):
    """Whether two ChunkResults have the same input bits and lines after prescale."""
    import numpy as np

    if not np.array_equal(a.bits.matrix, b.bits.matrix):
        return False
    names = list(a.psnm)
    return names == list(b.psnm) and all(np.array_equal(a.psnm[n], b.psnm[n]) for n in names)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", required=True, help="a git revision of this checkout (HEAD, HEAD~3, a hash)")
    ap.add_argument("--sample", choices=("four-muon", "single-photon", "q-qbar"), default="four-muon")
    ap.add_argument("--events", type=int, help="events per chunk (default: 1e5; q qbar 5000, as many particles)")
    ap.add_argument("--chunks", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=8, help="passes; each chunk's fastest counts")
    ap.add_argument("--json")
    a = ap.parse_args()
    folder, commit = baseline_tree(a.baseline)
    sys.path.insert(0, str(folder))
    import numba

    numba.set_num_threads(1)
    n_events = a.events or (5000 if a.sample == "q-qbar" else 100_000)
    runs = {label: sample_chunks(package, a.sample, n_events, a.chunks)
            for label, package in (("this", "belle2sim"), ("baseline", BASELINE_PACKAGE))}
    results = {}
    for label, (card, menu, simulate, chunks) in runs.items():  # (compiles, or loads from the cache)
        results[label] = simulate(chunks[0], card, menu, 1)
    best = {label: [float("inf")] * a.chunks for label in runs}
    for _ in range(a.rounds):
        for k in range(a.chunks):
            for label, (card, menu, simulate, chunks) in runs.items():
                started = time.perf_counter()
                simulate(chunks[k], card, menu, 1)
                best[label][k] = min(best[label][k], time.perf_counter() - started)
    ns = {label: sum(times) / (a.chunks * n_events) * 1e9 for label, times in best.items()}
    out = {"sample": a.sample, "baseline": f"{a.baseline} ({commit[:10]})", "events": a.chunks * n_events,
           "this_ns_per_event": ns["this"], "baseline_ns_per_event": ns["baseline"],
           "baseline_over_this": ns["baseline"] / ns["this"],
           "same_numbers": same_numbers(results["this"], results["baseline"])}
    shown = {k: f"{v:.4f}" if k == "baseline_over_this" else (f"{v:.1f}" if isinstance(v, float) else v)
             for k, v in out.items()}
    report(shown)  # (the ratio to 1e-4, ns per event to 0.1: the differences sought are ~1 %)
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
