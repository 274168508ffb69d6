#!/usr/bin/env python3
"""Benchmark provisioning: how long site.yml takes on virtual clusters of several sizes.

Usage:
    bench/provision_bench.py [--nodes 4 16] [--repeat 3] [--plot docs/provision-time.png]

For each size it boots a fresh virtual cluster (tools/vcluster), then measures in the same run: the first
converge of site.yml, an idempotent re-run of site.yml (which must change nothing), and a play that only
gathers facts on the same nodes (bench/facts_only.yml). Re-runs and facts-only plays alternate, --repeat
times each, and the medians count. It prints the ratios the project aims for (re-run at most 6x the facts
play at 4 nodes; the largest cluster's re-run at most 4x the smallest's for 4x the nodes), saves the numbers
under results/ and draws time against node count as a PNG for the README. A benchmark, not a test: the
numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "tests/support"))
from playbook_output import changed_hosts, plain_output_env  # noqa: E402

ANSIBLE_PLAYBOOK = PROJECT / ".venv/bin/ansible-playbook"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def vcluster(name: str, *argv: str) -> None:
    subprocess.run([str(PROJECT / "tools/vcluster"), "--name", name, *argv], check=True,
                   stdout=subprocess.DEVNULL)


def timed_playbook(inventory: Path, playbook: str) -> tuple[float, str]:
    """Wall time of one ansible-playbook run from the checkout, and its output; fails loudly on a failed run."""
    env = plain_output_env()
    start = time.monotonic()
    result = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", str(inventory), playbook], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"{playbook} failed on {inventory}:\n{result.stdout[-4000:]}")
    return elapsed, result.stdout


def measure(nodes: int, repeat: int) -> dict:
    name = f"bench-{nodes}"
    inventory = PROJECT / ".vcluster" / name / "inventory.yml"
    log(f"{nodes} nodes: booting a fresh cluster {name}")
    vcluster(name, "down")
    vcluster(name, "up", "--nodes", str(nodes), "--slots", "4")
    try:
        log(f"{nodes} nodes: first converge of site.yml (installs packages on every node: minutes)")
        first = timed_playbook(inventory, "site.yml")[0]
        reruns, facts = [], []
        for attempt in range(1, repeat + 1):
            seconds, output = timed_playbook(inventory, "site.yml")
            changed = changed_hosts(output)
            if changed:
                sys.exit(f"the re-run of site.yml on {nodes} nodes changed {changed}: it is not idempotent")
            reruns.append(seconds)
            facts.append(timed_playbook(inventory, "bench/facts_only.yml")[0])
            log(f"{nodes} nodes: re-run {attempt}/{repeat}: site.yml {seconds:.2f} s, facts only {facts[-1]:.2f} s")
    finally:
        vcluster(name, "down")
    return {"nodes": nodes, "first_converge_s": round(first, 2), "rerun_s": round(statistics.median(reruns), 2),
            "facts_s": round(statistics.median(facts), 2), "reruns_s": [round(s, 2) for s in reruns],
            "facts_runs_s": [round(s, 2) for s in facts]}


def report(rows: list[dict]) -> list[str]:
    lines = ["| nodes | first converge | idempotent re-run | facts only | re-run / facts |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['nodes']} | {row['first_converge_s']:.1f} s | {row['rerun_s']:.2f} s | {row['facts_s']:.2f} s "
                     f"| {row['rerun_s'] / row['facts_s']:.2f}x |")
    small, large = rows[0], rows[-1]
    lines.append("")
    ratio = small["rerun_s"] / small["facts_s"]
    lines.append(f"re-run / facts-only at {small['nodes']} nodes: {ratio:.2f}x (target: at most 6x)")
    if len(rows) > 1:
        growth = large["rerun_s"] / small["rerun_s"]
        lines.append(f"re-run at {large['nodes']} nodes / re-run at {small['nodes']} nodes: {growth:.2f}x "
                     f"for {large['nodes'] / small['nodes']:.0f}x the nodes (target: at most 4x)")
    return lines


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nodes = [row["nodes"] for row in rows]
    figure, axes = plt.subplots(figsize=(6, 3.6), dpi=100)
    for key, label, style in [("first_converge_s", "first converge", "o-"), ("rerun_s", "idempotent re-run", "s-"),
                              ("facts_s", "facts-only play", "^--")]:
        axes.plot(nodes, [row[key] for row in rows], style, label=label)
    axes.set_xlabel("virtual nodes")
    axes.set_ylabel("wall time (s)")
    axes.set_yscale("log")
    axes.set_xticks(nodes)
    axes.set_title("site.yml on the virtual cluster (2-core machine)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, metadata={"Software": None})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[4, 16], help="cluster sizes (default: 4 16)")
    parser.add_argument("--repeat", type=int, default=3, help="re-runs and facts-only plays per size (default: 3)")
    parser.add_argument("--plot", type=Path, default=PROJECT / "docs/provision-time.png", help="where to write the PNG")
    args = parser.parse_args(argv)
    rows = [measure(nodes, args.repeat) for nodes in sorted(args.nodes)]
    print("\n".join(report(rows)))
    out = PROJECT / "results" / f"provision-bench-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")
    plot(rows, args.plot)
    log(f"numbers in {out.relative_to(PROJECT)}, plot in {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
