#!/usr/bin/env python3
"""Benchmark: files/mpi_jobs/pi.py against the blog's pure-Python pi job on the virtual cluster.

Usage:
    make bench                      (boots and provisions the virtual cluster first)
    bench/pi_bench.py [--inventory .vcluster/picluster/inventory.yml] [--np 16] [--slices 50 500]

Both jobs run through run_job.yml in the same run, at the same rank count and slices; the time
compared is mpirun's wall time on the head node (start-up, work and tear-down), as saved in each result.
Prints, per slice count: wall time of each job, the speed-up, and terms per second per rank. The baseline
is the blog's worker loop (`(-1)**k / (2*k + 1)`); the tuned pure-Python loop (a flipping float sign) is
timed too, so the speed-up owed to NumPy alone is visible.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BASELINE = PROJECT / "bench/pi_baseline.py"
JOBS = {
    "pi.py (NumPy)": (["-e", "job=pi"], ""),
    "blog baseline": (["-e", f"job_script={BASELINE}"], ""),
    "tuned Python": (["-e", f"job_script={BASELINE}"], " --tuned"),
}


def run_job(inventory: Path, results: Path, *extra: str) -> dict:
    """Run run_job.yml as a user does, with `extra` arguments; the result it saved (exits when the job fails)."""
    argv = ["ansible-playbook", "-i", str(inventory), "run_job.yml", *extra, "-e", f"mpi_job_results_dir={results}"]
    done = subprocess.run(argv, cwd=PROJECT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"run_job.yml {' '.join(extra)} failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    newest = max(results.glob("*.json"), key=lambda path: path.stat().st_mtime)
    return json.loads(newest.read_text())


def run(inventory: Path, np: int, slices: int, job: tuple[list[str], str], results: Path) -> dict:
    selector, extra_args = job
    return run_job(inventory, results, *selector, "-e", f"np={np}", "-e", f'job_args="--slices {slices}{extra_args}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--inventory", type=Path, default=PROJECT / ".vcluster/picluster/inventory.yml")
    parser.add_argument("--np", type=int, default=16)
    parser.add_argument("--slices", type=int, nargs="+", default=[50, 500])
    args = parser.parse_args()
    print(f"{'slices':>6} {'job':<15} {'wall s':>8} {'terms/s per rank':>17} {'pi error':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for slices in args.slices:
            walls = {}
            for label, job in JOBS.items():
                print(f"[bench] {label}, {slices} slices, {args.np} ranks ...", file=sys.stderr, flush=True)
                result = run(args.inventory, args.np, slices, job, Path(tmp))
                wall = result["mpirun"]["wall_s"]
                walls[label] = wall
                per_rank = result["terms"] / wall / args.np
                print(f"{slices:>6} {label:<15} {wall:>8.2f} {per_rank:>17,.0f} {result['error']:>10.2e}")
            for baseline in ("blog baseline", "tuned Python"):
                ratio = walls[baseline] / walls["pi.py (NumPy)"]
                print(f"{slices:>6} {'speed-up vs ' + baseline:<28} {ratio:>6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
