"""Which helpers LLVM left as calls inside belle2sim's kernels (run: python benchmarks/kernel_calls.py).

LLVM inlines a helper into its caller only when it finds it small; a helper it leaves as a call in
a kernel's loop costs the call and blocks the optimisations across it (rng.normal, called at every
Gaussian draw until its rare slow path moved into a function of its own: three normals 19 -> 12.5
ns). This compiles every channel's kernels into a temporary numba cache (the warm-up's work, about
a minute on 2 cores), reads each range kernel's optimised LLVM IR and prints the belle2sim helpers
its own body still calls, with how many call sites. A call on a rare path (displaced tracks,
hadrons, a ziggurat's slow path) is fine; one on the common path is worth a look.
"""

import argparse
import collections
import importlib
import os
import pkgutil
import re
import sys
import tempfile
import warnings
from pathlib import Path

os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp()  # (IR exists only for kernels compiled here)
sys.path.insert(0, str(Path(__file__).parent))
import _timing  # noqa: E402,F401  (this checkout)

import belle2sim  # noqa: E402
from belle2sim._jit import skip_numba_extensions  # noqa: E402

_MANGLED = re.compile(r'call [^@\n]*@"?_ZN9belle2sim([^"(\s]+)')


def _readable(mangled):
    """'8detector5helix15entry_from_axisB3v..' -> 'detector.helix.entry_from_axis'."""
    parts, rest = [], re.sub(r"B\d+v\d+.*", "", mangled)
    while rest and rest[0].isdigit():
        n = int(re.match(r"\d+", rest).group())
        rest = rest[len(str(n)):]
        parts.append(rest[:n])
        rest = rest[n:]
    return ".".join(parts)


def kernel_calls():
    """{module.kernel: {helper: call sites}} for every compiled range kernel of belle2sim."""
    from numba.core.registry import CPUDispatcher

    out = {}
    for info in pkgutil.walk_packages(belle2sim.__path__, "belle2sim."):
        try:
            module = importlib.import_module(info.name)
        except Exception:  # (optional extras not installed)
            continue
        for obj in vars(module).values():
            dispatcher = getattr(obj, "kernel", obj)
            if not isinstance(dispatcher, CPUDispatcher) or dispatcher.py_func.__module__ != info.name:
                continue
            if dispatcher.py_func.__code__.co_varnames[:2] != ("begin", "end"):
                continue  # range kernels only
            name = dispatcher.py_func.__name__
            for ir in dispatcher.inspect_llvm().values():
                own = re.search(r'define[^\n]*@"?_ZN[^"(]*' + name + r'[^"(]*"?\(.*?\n}\n', ir, re.S)
                calls = collections.Counter(_readable(m) for m in _MANGLED.findall(own.group(0) if own else ir))
                calls = {k: v for k, v in calls.items() if not k.endswith("." + name)}
                if calls:
                    out[f"{info.name.removeprefix('belle2sim.')}.{name}"] = calls
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=300, help="events per channel run of the warm-up")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    skip_numba_extensions()
    from belle2sim.detector.card import load_card
    from belle2sim.trigger.menu import load_menu
    from belle2sim.warmup import warm_up

    warm_up(load_card(), load_menu(), events=args.events)
    for kernel, calls in sorted(kernel_calls().items()):
        print(f"{kernel}: " + ", ".join(f"{helper} x{n}" for helper, n in sorted(calls.items())))


if __name__ == "__main__":
    main()
