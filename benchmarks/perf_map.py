"""Profile belle2sim's numba kernels with Linux perf (run: see below).

perf cannot name JIT-compiled code; it reads /tmp/perf-PID.map for that. This script runs
detector + trigger on a sample several times and then writes that map. With ``--fresh-cache``
(numba compiles everything in this process, into an empty cache) each compiled library still holds
its object code, and the map has every function in it, kernels and the helpers LLVM did not inline
(helix.entry_from_axis, cdc.count_from_axis, ...), each with its exact extent from the object's
symbol table (read with binutils' ``nm``). Without it (kernels loaded from the cache) only the
kernels' entry addresses are known: each is taken to end where the next begins, so code numba placed
between two kernels is counted with the first. Inlined helpers count with the function that inlines
them.

    perf record -F 2000 -o perf.data python benchmarks/perf_map.py four-muon --repeat 10 --fresh-cache
    perf report -i perf.data --no-children --sort symbol

With ``--objects DIR`` the compiled code is kept, and benchmarks/perf_annotate.py shows where in
one function the samples fall, instruction by instruction.

Samples: single-photon (dark-photon-invisible, 1e6 events), four-muon (zprime-mumu at 2 GeV, ISR
off, 2e5 events), q-qbar (Pythia 8 e+e- -> q qbar, 4e4 events; needs pythia8mc). One thread, so
each function's share is its share of the core time (compilation, with --fresh-cache, is in the
profile too, in numba's and LLVM's own functions).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

if "--fresh-cache" in sys.argv:  # (before numba reads its configuration)
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="belle2sim-perf-")

import numba  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import _timing  # noqa: E402,F401  (measure this checkout)

from belle2sim.detector.card import load_card  # noqa: E402
from belle2sim.simulate import simulate_chunk  # noqa: E402
from belle2sim.trigger.menu import load_menu  # noqa: E402


def _dispatchers():
    """Every numba dispatcher of belle2sim's modules (kernels and helpers)."""
    from numba.core.registry import CPUDispatcher

    seen = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("belle2sim") or module is None:
            continue
        for value in list(vars(module).values()):
            dispatcher = getattr(value, "kernel", value)  # range kernels wrap their dispatcher
            if isinstance(dispatcher, CPUDispatcher) and id(dispatcher) not in seen:
                seen.add(id(dispatcher))
                yield f"{dispatcher.py_func.__module__}.{dispatcher.py_func.__qualname__}", dispatcher


def kernels():
    """(entry address, name) of every compiled overload of belle2sim's kernels."""
    for label, dispatcher in _dispatchers():
        for cres in dispatcher.overloads.values():
            try:
                address = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
            except RuntimeError:  # (a helper: no machine code of its own, belle2sim/_link_only.py)
                continue
            if address:
                yield address, label


def functions(objects_dir=None):
    """(address, size, name) of every function in the compiled libraries that still hold their
    object code (compiled in this process), from the object's symbol table; [] where none do or
    binutils' nm is missing. With ``objects_dir`` the object files are kept there, and
    ``functions.json`` beside them says where each function's code lies in them (for
    perf_annotate.py)."""
    if shutil.which("nm") is None:
        return []
    out, seen, index = [], set(), {}
    with tempfile.TemporaryDirectory() as temporary:
        scratch = objects_dir or temporary
        for label, dispatcher in _dispatchers():
            for cres in dispatcher.overloads.values():
                library = cres.library
                try:
                    obj = library._get_compiled_object()  # (numba's: the object code it cached)
                except Exception:
                    continue
                if id(library) in seen:
                    continue
                seen.add(id(library))
                path = os.path.join(scratch, f"{len(seen)}.o")
                with open(path, "wb") as f:
                    f.write(obj)
                table = subprocess.run(["nm", "-S", "--defined-only", path], capture_output=True, text=True).stdout
                for line in table.splitlines():
                    parts = line.split()
                    # (T, t: the library's own functions; W: the helpers it linked and LLVM left as
                    # calls, linkonce_odr copies in the kernel's object, belle2sim/_link_only.py)
                    if len(parts) != 4 or parts[2] not in "tTWw":
                        continue
                    address = library.get_pointer_to_function(parts[3])
                    if address:
                        label = _demangled(parts[3])
                        if parts[3].startswith(("_ZN7cpython", "cfunc.")):
                            label += " (wrapper)"
                        out.append((address, int(parts[1], 16), label))
                        index[f"{address:x}"] = dict(label=label, size=int(parts[1], 16), object=path,
                                                     offset=int(parts[0], 16))
    if objects_dir:
        with open(os.path.join(objects_dir, "functions.json"), "w") as f:
            json.dump(index, f)
    return out


def _demangled(symbol):
    """module.function of numba's mangled name (_ZN9belle2sim8detector5helix...)."""
    rest = symbol.split("_ZN", 1)[-1]
    names = []
    while rest[:1].isdigit():
        digits = len(rest) - len(rest.lstrip("0123456789"))
        length = int(rest[:digits])
        names.append(rest[digits:digits + length])
        rest = rest[digits + length:]
    names = [n for n in names if n != "cpython"]
    return ".".join(names[-2:]) if names else symbol


def write_perf_map(path=None, objects_dir=None):
    """Write perf's map of this process; returns its path and the number of functions in it
    (``objects_dir``: see :func:`functions`)."""
    path = path or f"/tmp/perf-{os.getpid()}.map"
    rows = functions(objects_dir)
    if not rows:  # (loaded from the cache: the kernels' entries, each up to the next)
        starts = sorted(dict(kernels()).items())
        rows = [(address, min((starts[k + 1][0] - address) if k + 1 < len(starts) else 1 << 16, 1 << 20), label)
                for k, (address, label) in enumerate(starts)]
    with open(path, "w") as out:
        for address, size, label in sorted(rows):
            out.write(f"{address:x} {size:x} {label}\n")
    return path, len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sample", choices=("single-photon", "four-muon", "q-qbar"))
    ap.add_argument("--repeat", type=int, default=10, help="passes over the sample")
    ap.add_argument("--fresh-cache", action="store_true",
                    help="compile into an empty cache: every function named, with its exact extent")
    ap.add_argument("--objects", metavar="DIR",
                    help="with --fresh-cache: keep the compiled code in DIR, for perf_annotate.py")
    a = ap.parse_args()
    if a.objects and not a.fresh_cache:
        ap.error("--objects needs --fresh-cache (code loaded from the cache has no object file)")
    if a.objects:
        os.makedirs(a.objects, exist_ok=True)
    numba.set_num_threads(1)
    card, menu = load_card(), load_menu()
    if a.sample == "single-photon":
        from belle2sim.generators import dark_photon

        chunks = [dark_photon.generate(1, f, 100_000, 4.0, 5.0, 175.0, card.beams) for f in range(0, 1_000_000, 100_000)]
    elif a.sample == "q-qbar":
        from belle2sim.inputs.pythia_sm import PythiaSample

        sample = PythiaSample("qqbar", card)
        chunks = [sample.generate(1, f, 20_000) for f in range(0, 40_000, 20_000)]
    else:
        from belle2sim.channels import get

        mumu = get("zprime-mumu")
        params = mumu.resolve_parameters({"mass_GeV": 2.0, "isr": 0}, card)
        chunks = [mumu.generate(1, f, 100_000, params, card) for f in range(0, 200_000, 100_000)]
    for _ in range(a.repeat):
        for chunk in chunks:
            simulate_chunk(chunk, card, menu, 1)
    path, n = write_perf_map(objects_dir=a.objects)
    print(f"{path}: {n} functions")
    if a.fresh_cache:
        shutil.rmtree(os.environ["NUMBA_CACHE_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
