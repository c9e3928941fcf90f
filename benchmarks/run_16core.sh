#!/usr/bin/env bash
# The scaling measurements of a many-core machine in one go, each step under its own time limit and
# its output kept in $OUT (default ./scaling-run): the machine, a first run from a fresh numba cache,
# thread scaling (bench_scaling.py), the machine's own ceilings, the same work in one-thread processes,
# and a job's task timeline (as cut now and as before). About 6-8 minutes on 16 cores.
#
#   bash benchmarks/run_16core.sh                 # belle2sim and its dependencies installed
#   WHEELS=.whl bash benchmarks/run_16core.sh     # first install the wheels in .whl (no network there)
#   SCALE=0.05 bash benchmarks/run_16core.sh      # a short try (bench_scaling.py --scale)
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-scaling-run}
mkdir -p "$OUT"
T0=$(date +%s)
step() { echo "== [$(( $(date +%s) - T0 )) s] $*"; }
if [ -n "${WHEELS:-}" ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$WHEELS"/*.whl || exit 3
    export PYTHONPATH=/tmp/site:$PWD
    # (a --target install puts Pythia's data folder beside the packages, where Pythia does not look)
    PYTHIA8DATA=$(find /tmp/site -type d -path '*Pythia8/xmldoc' | head -1)
    export PYTHIA8DATA
fi
export PYTHONUNBUFFERED=1
export NUMBA_CACHE_DIR=${NUMBA_CACHE_DIR:-$(mktemp -d)} BELLE2SIM_CACHE=${BELLE2SIM_CACHE:-$(mktemp -d)}
{ nproc; lscpu | grep -E "Model name|Thread|Core|Socket|NUMA node|L2|L3"; free -g | head -2
  python3 -c "import sys, numba, numpy; print(sys.version.split()[0], 'numba', numba.__version__, 'numpy', numpy.__version__)"
} 2>&1 | tee "$OUT/machine.txt"
step "first run of zprime-mumu (fresh numba cache: compiles; a helper per spare core, at most 4)"
( time timeout 150 python3 -m belle2sim.cli efficiency zprime-mumu ) > "$OUT/cold.txt" 2>&1; tail -4 "$OUT/cold.txt"
step "the same with one compile helper, as on 2 cores (another fresh cache)"
( time env NUMBA_CACHE_DIR="$(mktemp -d)" BELLE2SIM_COMPILE_HELPERS=1 timeout 100 python3 -m belle2sim.cli efficiency \
    zprime-mumu -o /tmp/cold1.json ) > "$OUT/cold_one_helper.txt" 2>&1; tail -4 "$OUT/cold_one_helper.txt"
step "belle2sim warm-up (another fresh cache)"
( time env NUMBA_CACHE_DIR="$(mktemp -d)" BELLE2SIM_CACHE="$(mktemp -d)" timeout 150 python3 -m belle2sim.cli warm-up ) \
    > "$OUT/warm_up.txt" 2>&1; tail -4 "$OUT/warm_up.txt"
step "thread scaling"
timeout 300 python3 benchmarks/bench_scaling.py --threads "1,$(nproc)" --repeat 2 --scale "${SCALE:-1}" --json "$OUT/scaling.json" 2>&1 \
    | grep -v '^ PYTHIA' | tee "$OUT/scaling.txt" | grep '^#'
step "task timeline (guided tasks against equal rounds)"
timeout 120 python3 benchmarks/bench_task_timeline.py > "$OUT/timeline.txt" 2>&1; cut -c1-200 "$OUT/timeline.txt"
step "one-thread processes"
timeout 90 python3 benchmarks/bench_processes.py --processes "1,$(nproc)" 2>&1 | tee "$OUT/processes.txt"
step "the machine's ceilings"
timeout 60 python3 benchmarks/bench_ceilings.py 2>&1 | tee "$OUT/ceilings.txt"
step end
