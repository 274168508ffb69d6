#!/usr/bin/env python3
"""Benchmark: files/mpi_jobs/pi.py against its own floor and the blog's pure-Python pi job on the virtual cluster.

Usage:
    make bench                      (boots and provisions the virtual cluster first)
    bench/pi_bench.py [--inventory .vcluster/picluster/inventory.yml] [--np 16] [--slices 50 500] [--repeats 3]

Every job runs through run_job.yml in the same run, at the same rank count; the time compared is mpirun's wall
time on the head node (start-up, work and tear-down), as saved in each result.

- The limits, measured in the same run: the floor, the same ranks starting, importing mpi4py and NumPy and ending
  (bench/pi_floor.py), and one core's time per slice (pi.py on one rank). pi.py's fixed cost is its wall time less
  its slices' work (slices x one slice / the workers computing at once, no more than the cores they have). Goals:
  at 50 slices within 0.3 s of the floor; at 500 slices within 10% of floor + work. The marginal time per slice
  against one core's says how well the workers are kept busy. Medians of --repeats interleaved runs.
- The blog's worker loop (`(-1)**k / (2*k + 1)`) and the tuned pure-Python loop (a flipping float sign) at the same
  ranks and slices, so the speed-up owed to NumPy is visible.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BASELINE = PROJECT / "bench/pi_baseline.py"
FLOOR = PROJECT / "bench/pi_floor.py"
GOAL_50_S = 0.3
GOAL_500 = 0.10
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


def median_walls(inventory: Path, results: Path, np: int, slices: list[int], repeats: int) -> dict[str, float]:
    """Medians of interleaved runs: the floor, and pi.py at each slice count, on np ranks."""
    walls: dict[str, list[float]] = {}
    for attempt in range(repeats):
        print(f"[bench] floor and pi.py on {np} ranks, run {attempt + 1}/{repeats} ...", file=sys.stderr, flush=True)
        walls.setdefault("floor", []).append(
            run_job(inventory, results, "-e", f"job_script={FLOOR}", "-e", f"np={np}")["mpirun"]["wall_s"])
        for count in slices:
            result = run(inventory, np, count, JOBS["pi.py (NumPy)"], results)
            walls.setdefault(f"pi {count}", []).append(result["mpirun"]["wall_s"])
    return {label: statistics.median(values) for label, values in walls.items()}


def one_slice_s(inventory: Path, results: Path, slices: int) -> float:
    """One core's time per slice: pi.py on one rank, which computes every slice itself."""
    print(f"[bench] pi.py on one rank, {slices} slices ...", file=sys.stderr, flush=True)
    result = run(inventory, 1, slices, JOBS["pi.py (NumPy)"], results)
    return result["elapsed_s"] / slices


def report_limits(np: int, slices: list[int], walls: dict[str, float], per_slice: float, cores: int) -> None:
    workers = min(max(np - 1, 1), cores)
    floor = walls["floor"]
    print(f"pi.py on {np} ranks against its limits, medians; floor (start, import mpi4py and NumPy, end) "
          f"{floor:.2f} s, one slice on one core {per_slice * 1000:.1f} ms, {workers} workers computing at once "
          f"({np - 1} workers on {cores} cores)")
    print(f"{'slices':>6} {'wall s':>8} {'work s':>8} {'fixed s':>8} {'above floor s':>14}  goal")
    for count in slices:
        wall = walls[f"pi {count}"]
        work = count * per_slice / workers
        if count <= 50:
            goal = f"within {GOAL_50_S} s of the floor: {'met' if wall - floor <= GOAL_50_S else 'NOT met'}"
        else:
            goal = (f"within {GOAL_500:.0%} of floor + work: "
                    f"{'met' if wall <= (1 + GOAL_500) * (floor + work) else 'NOT met'} "
                    f"({wall / (floor + work) - 1:+.0%})")
        print(f"{count:>6} {wall:>8.2f} {work:>8.2f} {wall - work:>8.2f} {wall - floor:>14.2f}  {goal}")
    if len(slices) > 1:
        low, high = min(slices), max(slices)
        marginal = (walls[f"pi {high}"] - walls[f"pi {low}"]) / (high - low)
        print(f"marginal time per slice {marginal * 1000:.2f} ms = one core's {per_slice * 1000:.1f} ms / "
              f"{per_slice / marginal:.1f} (of {workers} computing at once)" if marginal > 0 else
              "marginal time per slice: no difference measured")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--inventory", type=Path, default=PROJECT / ".vcluster/picluster/inventory.yml")
    parser.add_argument("--np", type=int, default=16)
    parser.add_argument("--slices", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limits-only", action="store_true", help="leave out the blog's pure-Python jobs")
    parser.add_argument("--cores", type=int, default=0,
                        help="the cores the workers really have (default: this machine's for a virtual cluster, whose "
                             "nodes share them; else one per worker)")
    args = parser.parse_args()
    virtual = ".vcluster" in args.inventory.resolve().parts
    cores = args.cores or ((os.cpu_count() or 1) if virtual else args.np)
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp)
        walls = median_walls(args.inventory, results, args.np, args.slices, args.repeats)
        report_limits(args.np, args.slices, walls, one_slice_s(args.inventory, results, 50), cores)
        if args.limits_only:
            return 0
        print(f"\n{'slices':>6} {'job':<15} {'wall s':>8} {'terms/s per rank':>17} {'pi error':>10}")
        for slices in args.slices:
            found = {}
            for label, job in JOBS.items():
                print(f"[bench] {label}, {slices} slices, {args.np} ranks ...", file=sys.stderr, flush=True)
                result = run(args.inventory, args.np, slices, job, results)
                wall = result["mpirun"]["wall_s"]
                found[label] = wall
                per_rank = result["terms"] / wall / args.np
                print(f"{slices:>6} {label:<15} {wall:>8.2f} {per_rank:>17,.0f} {result['error']:>10.2e}")
            for baseline in ("blog baseline", "tuned Python"):
                ratio = found[baseline] / found["pi.py (NumPy)"]
                print(f"{slices:>6} {'speed-up vs ' + baseline:<28} {ratio:>6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
