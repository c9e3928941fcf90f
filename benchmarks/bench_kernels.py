"""Each detector and trigger kernel alone, to about 1 % (run: python benchmarks/bench_kernels.py
[--baseline DIR] [--samples gamma,mumu,qq]).

A chunk of each sample goes once through ``simulate_chunk``; the arguments of each range kernel's
first call are copied, and each kernel is then run --repeat times on its own copy, on one thread,
the fastest run kept: nanoseconds per event for each kernel, their sum and the chunk's whole
``simulate_chunk`` (best of --repeat). On a shared machine whole-job throughput moves by 10-30 %
between runs, the fastest of many runs of one kernel by about 1 %: this is the benchmark that
resolves a change of a few per cent. Samples: single-photon events (the dark photon at 4 GeV,
1e5), four-muon events (zprime-mumu at 2 GeV, ISR off, 1e5), Pythia 8 q qbar events (2e4; skipped
without pythia8mc). With --baseline DIR (another belle2sim checkout) the same numbers from that
checkout, each checkout in its own subprocess, alternating --rounds times; the ratio is
baseline / this (above 1: this checkout is faster). Both checkouts generate the samples with the
same seeds, so they run on the same events unless a generator differs between them.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

if os.environ.get("BENCH_CHILD_CHECKOUT"):  # a subprocess: that checkout's belle2sim, imported first
    sys.path.insert(0, os.environ["BENCH_CHILD_CHECKOUT"])
    import belle2sim  # noqa: F401
sys.path.insert(0, str(Path(__file__).parent))
from _timing import CHECKOUT, report  # noqa: E402

SAMPLES = "gamma,mumu,qq"


def _sample(name, card):
    """[EventBatch] of a sample, or None if it cannot be made here."""
    from belle2sim.channels import get

    if name == "gamma":
        from belle2sim.generators import dark_photon

        return dark_photon.generate(1, 0, 100_000, 4.0, 5.0, 175.0, card.beams)
    if name == "mumu":
        channel = get("zprime-mumu")
        return channel.generate(1, 0, 100_000, channel.resolve_parameters({"mass_GeV": 2.0, "isr": 0}, card), card)
    try:
        from belle2sim.inputs.pythia_sm import PythiaSample

        return PythiaSample("qqbar", card).generate(1, 0, 20_000)
    except ImportError:
        return None


def measure(samples, repeat):
    """{sample: {kernel: ns per event}} for the belle2sim on sys.path, one thread."""
    import numba
    import numpy as np

    numba.set_num_threads(1)
    from belle2sim import _jit
    from belle2sim.detector.card import load_card
    from belle2sim.simulate import simulate_chunk
    from belle2sim.trigger.menu import load_menu

    card, menu = load_card(), load_menu()
    out = {}
    for name in samples:
        batch = _sample(name, card)
        if batch is None:
            continue
        captured = {}
        run_range, call_range = _jit.run_range, getattr(_jit, "call_range", None)

        def keep(compiled, begin, end, args):
            key = f"{compiled.py_func.__module__.rsplit('.', 1)[-1]}.{compiled.py_func.__name__}"
            if key not in captured:
                captured[key] = (compiled, begin, end, [a.copy(order="K") if isinstance(a, np.ndarray) else a
                                                        for a in args])

        def capture(compiled, n_items, *args, **kwargs):
            keep(compiled, 0, n_items, args)
            return run_range(compiled, n_items, *args, **kwargs)

        def capture_block(compiled, begin, end, *args):  # (a kernel of a block of events: event_blocks.py)
            keep(compiled, begin, end, args)
            return call_range(compiled, begin, end, *args)

        simulate_chunk(batch, card, menu, 1)  # (compiles, or loads from the cache)
        _jit.run_range = capture
        if call_range is not None:
            from belle2sim import event_blocks

            _jit.call_range = capture_block
            # (one block: each kernel's whole range)
            block, event_blocks.BLOCK_PARTICLES = event_blocks.BLOCK_PARTICLES, 1 << 62
        try:
            simulate_chunk(batch, card, menu, 1)
        finally:
            _jit.run_range = run_range
            if call_range is not None:
                _jit.call_range, event_blocks.BLOCK_PARTICLES = call_range, block
        n_events = len(batch.offsets) - 1
        times = {}
        for key, (compiled, begin, end, args) in captured.items():
            best = float("inf")
            for _ in range(repeat):
                t = time.perf_counter()
                compiled(begin, end, *args)
                best = min(best, time.perf_counter() - t)
            times[key] = best / n_events * 1e9
        whole = float("inf")
        for _ in range(max(3, repeat // 10)):
            t = time.perf_counter()
            simulate_chunk(batch, card, menu, 1)
            whole = min(whole, time.perf_counter() - t)
        times["sum of kernels"] = sum(times.values())
        times["simulate_chunk"] = whole / n_events * 1e9
        out[name] = times
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", default=SAMPLES, help=f"comma-separated [{SAMPLES}]")
    ap.add_argument("--repeat", type=int, default=30, help="timed runs of each kernel (the fastest is kept)")
    ap.add_argument("--baseline", help="another belle2sim checkout, measured in a subprocess")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds with --baseline")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.child:  # (a checkout's numbers, as JSON on stdout)
        print(json.dumps(measure(a.samples.split(","), a.repeat)))
        return
    runs = {"this": [], "baseline": []}
    for _ in range(a.rounds if a.baseline else 1):  # alternating: the same machine load for both
        for label, checkout in (("this", CHECKOUT), ("baseline", a.baseline)):
            if checkout is None:
                continue
            env = dict(os.environ, BENCH_CHILD_CHECKOUT=str(Path(checkout).resolve()))
            command = [sys.executable, __file__, "--child", "--samples", a.samples, "--repeat", str(a.repeat)]
            runs[label].append(json.loads(subprocess.run(command, env=env, check=True, capture_output=True,
                                                         text=True).stdout.splitlines()[-1]))
    out = {}
    for sample, kernels in runs["this"][0].items():
        order = sorted(kernels, key=lambda k: (k in ("sum of kernels", "simulate_chunk"), -kernels[k]))
        for kernel in order:
            best = min(r[sample][kernel] for r in runs["this"])
            row = f"{best:9.1f}"
            if runs["baseline"]:
                base = [r[sample][kernel] for r in runs["baseline"] if kernel in r.get(sample, {})]
                row += f"   baseline {min(base):9.1f}   {min(base) / best:5.3f}x" if base else "   baseline -"
            out[f"{sample} {kernel} [ns per event]"] = row
    report(out, a.json)


if __name__ == "__main__":
    main()
