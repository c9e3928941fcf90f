"""Mutation testing of the trigger, detector and selection code with cosmic-ray (not in CI).

    pip install cosmic-ray
    python quality/mutation.py --sample 40 --seed 1      # in a scratch copy of the repository

cosmic-ray mutates the source in place (one mutant at a time) and runs
quality/run_tests_for_mutant.sh, which recompiles the numba kernels in a fresh cache (numba
would otherwise serve the unmutated kernel for a helper mutated in another module). With about
9500 mutants in these modules and a minute per mutant, a seeded random sample is run; the
report (quality/mutation-report.md) gives the score and every surviving mutant's diff.
"""

import argparse
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
CONFIG = HERE / "cosmic-ray.toml"


def sample(session, n, seed):
    db = sqlite3.connect(session)
    jobs = sorted(r[0] for r in db.execute("select job_id from mutation_specs"))
    keep = set(random.Random(seed).sample(jobs, min(n, len(jobs))))
    drop = [(j,) for j in jobs if j not in keep]
    db.executemany("delete from mutation_specs where job_id = ?", drop)
    db.executemany("delete from work_items where job_id = ?", drop)
    db.commit()
    return len(jobs), len(keep)


def report(session, total, out):
    db = sqlite3.connect(session)
    rows = db.execute("select m.module_path, m.operator_name, m.start_pos_row, r.test_outcome, r.diff "
                      "from mutation_specs m join work_results r using (job_id)").fetchall()
    outcome = [(r[3] or "").lower() for r in rows]
    killed = outcome.count("killed")
    survived = [r for r, o in zip(rows, outcome) if o == "survived"]
    lines = ["# Mutation testing (cosmic-ray)", "",
             f"{len(rows)} mutants sampled at random from {total} in the trigger, detector and selection modules "
             f"(quality/cosmic-ray.toml); killed {killed}, survived {len(survived)}, other "
             f"{len(rows) - killed - len(survived)}: score {killed / max(len(rows), 1):.1%}.", "",
             "| module | operator | line | outcome |", "|---|---|---|---|"]
    lines += [f"| {m} | {op} | {row} | {outcome} |" for m, op, row, outcome, _ in sorted(rows)]
    lines += ["", "## Surviving mutants", ""]
    for m, op, row, _, diff in survived:
        lines += [f"### {m}:{row} ({op})", "", "```diff", (diff or "").strip(), "```", ""]
    Path(out).write_text("\n".join(lines) + "\n")
    return killed, len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--session", default="mutation.sqlite")
    ap.add_argument("--report", default=str(HERE / "mutation-report.md"))
    args = ap.parse_args()
    session = Path(args.session)
    if session.exists():
        session.unlink()
    subprocess.run(["cosmic-ray", "init", str(CONFIG), str(session)], check=True)
    total, n = sample(session, args.sample, args.seed)
    print(f"running {n} of {total} mutants", file=sys.stderr)
    subprocess.run(["cosmic-ray", "exec", str(CONFIG), str(session)], check=True)
    killed, run = report(session, total, args.report)
    print(f"killed {killed} of {run}; report in {args.report}")


if __name__ == "__main__":
    main()
