"""Where in one compiled function perf's samples fall, instruction by instruction.

perf can name numba's functions (benchmarks/perf_map.py writes its map) but cannot show their
code: it lives in memory only. perf_map.py --objects DIR keeps the object code numba compiled; this
script reads the samples' addresses (``perf script``), takes those inside the function, and lays
them beside its disassembly (binutils' objdump):

    perf record -F 4000 -o perf.data python benchmarks/perf_map.py q-qbar --fresh-cache --objects objs
    python benchmarks/perf_annotate.py perf.data ecl_bits.ecl_trigger_bits --objects objs

prints the instructions with the most samples and writes the whole annotated listing to
``objs/<function>.txt``. Read it with the sampling's skid in mind: a sample usually lands on the
instruction after the one that stalled (a division, a load that missed, a mispredicted branch),
and an instruction's share is the time its results were waited for, not what removing it saves
(measure that by leaving the step out: bench_kernels.py, or the kernel beside a variant).
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys


def samples_in(perf_data, start, size):
    """{offset in the function: samples} from perf's record of sample addresses; and the total."""
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F", "ip"], capture_output=True, text=True, check=True)
    counts, total = collections.Counter(), 0
    for word in out.stdout.split():
        ip = int(word, 16)
        total += 1
        if start <= ip < start + size:
            counts[ip - start] += 1
    return counts, total


def disassembly(entry):
    """[(offset in the function, instruction)] of the function's code in its object file."""
    first = entry["offset"]
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--start-address={first}",
                          f"--stop-address={first + entry['size']}", entry["object"]],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        match = re.match(r"\s*([0-9a-f]+):\s*(.*)", line)
        if match:
            instruction = re.sub(r"<_ZN\w+(\+0x[0-9a-f]+)?>", lambda m: f"<{m.group(1) or ''}>", match.group(2))
            rows.append((int(match.group(1), 16) - first, instruction))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("perf_data", help="perf record's output")
    ap.add_argument("function", help="module.function as perf_map.py names it, e.g. ecl.ecl_response")
    ap.add_argument("--objects", required=True, metavar="DIR", help="perf_map.py --objects DIR of the same run")
    ap.add_argument("--top", type=int, default=30, help="instructions to print")
    a = ap.parse_args()
    with open(os.path.join(a.objects, "functions.json")) as f:
        index = json.load(f)
    found = [(int(address, 16), entry) for address, entry in index.items()
             if entry["label"] == a.function]
    if not found:
        names = sorted({e["label"] for e in index.values() if not e["label"].endswith("(wrapper)")})
        sys.exit(f"no function {a.function!r} in {a.objects}; there are: {', '.join(names)}")
    start, entry = max(found, key=lambda item: item[1]["size"])  # (the largest overload)
    counts, total = samples_in(a.perf_data, start, entry["size"])
    n = sum(counts.values())
    rows = disassembly(entry)
    listing = os.path.join(a.objects, f"{a.function}.txt")
    with open(listing, "w") as out:
        for offset, instruction in rows:
            c = counts.get(offset, 0)
            out.write(f"{c:7d} {100 * c / max(n, 1):5.1f}% {offset:6x}: {instruction}\n")
    print(f"{a.function}: {n} of {total} samples ({100 * n / max(total, 1):.2f} %); listing: {listing}")
    text = dict(rows)
    for offset, c in counts.most_common(a.top):
        print(f"{c:7d} {100 * c / n:5.1f}% {offset:6x}: {text.get(offset, '?')}")


if __name__ == "__main__":
    main()
