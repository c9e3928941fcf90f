"""Profile belle2sim's numba kernels with Linux perf (run: see below).

perf cannot name JIT-compiled code; it reads /tmp/perf-PID.map for that. This script runs
detector + trigger on a sample several times and then writes that map from the entry address of
every compiled belle2sim kernel (its end: the next kernel's start, so code numba placed between two
kernels is counted with the first). Inlined helpers count with the kernel that inlines them.

    perf record -F 2000 -o perf.data python benchmarks/perf_map.py four-muon --repeat 10
    perf report -i perf.data --no-children --sort symbol

Samples: single-photon (dark-photon-invisible, 1e6 events), four-muon (zprime-mumu at 2 GeV, ISR
off, 2e5 events). One thread, so each kernel's share is its share of the core time.
"""

import argparse
import os
import sys
from pathlib import Path

import numba

sys.path.insert(0, str(Path(__file__).parent))
import _timing  # noqa: E402,F401  (measure this checkout)

from belle2sim.detector.card import load_card  # noqa: E402
from belle2sim.simulate import simulate_chunk  # noqa: E402
from belle2sim.trigger.menu import load_menu  # noqa: E402


def kernels():
    """(entry address, name) of every compiled overload of belle2sim's kernels."""
    from numba.core.registry import CPUDispatcher

    seen = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("belle2sim") or module is None:
            continue
        for value in list(vars(module).values()):
            dispatcher = getattr(value, "kernel", value)  # range kernels wrap their dispatcher
            if not isinstance(dispatcher, CPUDispatcher) or id(dispatcher) in seen:
                continue
            seen.add(id(dispatcher))
            label = f"{dispatcher.py_func.__module__}.{dispatcher.py_func.__qualname__}"
            for cres in dispatcher.overloads.values():
                address = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
                if address:
                    yield address, label


def write_perf_map(path=None):
    """Write perf's map of this process; returns its path and the number of kernels in it."""
    path = path or f"/tmp/perf-{os.getpid()}.map"
    rows = sorted(dict(kernels()).items())
    with open(path, "w") as out:
        for k, (address, label) in enumerate(rows):
            size = rows[k + 1][0] - address if k + 1 < len(rows) else 1 << 16
            out.write(f"{address:x} {min(size, 1 << 20):x} {label}\n")
    return path, len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sample", choices=("single-photon", "four-muon"))
    ap.add_argument("--repeat", type=int, default=10, help="passes over the sample")
    a = ap.parse_args()
    numba.set_num_threads(1)
    card, menu = load_card(), load_menu()
    if a.sample == "single-photon":
        from belle2sim.generators import dark_photon

        chunks = [dark_photon.generate(1, f, 100_000, 4.0, 5.0, 175.0, card.beams) for f in range(0, 1_000_000, 100_000)]
    else:
        from belle2sim.channels import get

        mumu = get("zprime-mumu")
        params = mumu.resolve_parameters({"mass_GeV": 2.0, "isr": 0}, card)
        chunks = [mumu.generate(1, f, 100_000, params, card) for f in range(0, 200_000, 100_000)]
    for _ in range(a.repeat):
        for chunk in chunks:
            simulate_chunk(chunk, card, menu, 1)
    path, n = write_perf_map()
    print(f"{path}: {n} kernels")


if __name__ == "__main__":
    main()
