#!/usr/bin/env python3
"""Benchmark provisioning: how long site.yml takes on virtual clusters of several sizes.

Usage:
    bench/provision_bench.py [--nodes 4 16] [--repeat 3] [--plot docs/provision-time.png]

For each size it boots a fresh virtual cluster (tools/vcluster), then measures in the same run: the first
converge of site.yml, an idempotent re-run of site.yml (which must change nothing), a play that only
gathers facts on the same nodes (bench/facts_only.yml), and Ansible's own floor for the re-run: a play that
calls a module doing nothing (ansible.builtin.ping) as many times per node as the re-run calls modules, counted
by bench/callback_plugins/module_calls.py in a first, untimed re-run. Re-runs, facts-only and floor plays
alternate, --repeat times each, and the medians count. It prints the ratios the project aims for (re-run at
most 6x the facts play at 4 nodes; the largest cluster's re-run at most 4x the smallest's for 4x the nodes)
and how far the re-run is above the floor, saves the numbers under results/ and draws time against node count
as a PNG for the README. A benchmark, not a test: the numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
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


def timed_playbook(inventory: Path, playbook: str | Path, **env_extra: str) -> tuple[float, str]:
    """Wall time of one ansible-playbook run from the checkout, and its output; fails loudly on a failed run."""
    env = plain_output_env(**env_extra)
    start = time.monotonic()
    result = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", str(inventory), playbook], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"{playbook} failed on {inventory}:\n{result.stdout[-4000:]}")
    return elapsed, result.stdout


def rerun(inventory: Path, nodes: int, **env_extra: str) -> float:
    """Wall time of an idempotent re-run of site.yml; exits when the re-run changed anything."""
    seconds, output = timed_playbook(inventory, "site.yml", **env_extra)
    changed = changed_hosts(output)
    if changed:
        sys.exit(f"the re-run of site.yml on {nodes} nodes changed {changed}: it is not idempotent")
    return seconds


def module_calls_per_node(inventory: Path, nodes: int, workdir: Path) -> int:
    """How many modules an idempotent re-run calls on each node (the most any node gets)."""
    counts = workdir / "module-calls.json"
    rerun(inventory, nodes, ANSIBLE_CALLBACK_PLUGINS=str(PROJECT / "bench/callback_plugins"),
          ANSIBLE_CALLBACKS_ENABLED="module_calls", BENCH_MODULE_CALLS=str(counts))
    return max(json.loads(counts.read_text()).values())


def floor_playbook(calls: int, workdir: Path) -> Path:
    """A play with `calls` tasks that each call a module doing nothing, with site.yml's become."""
    tasks = "".join(f"    - name: Call a module that does nothing ({number} of {calls})\n"
                    f"      ansible.builtin.ping:\n" for number in range(1, calls + 1))
    path = workdir / "module_floor.yml"
    path.write_text("---\n- name: Call a module as often per node as an idempotent re-run of site.yml\n"
                    "  hosts: \"{{ mpi_cluster_group | default('cluster') }}\"\n"
                    "  become: true\n  gather_facts: false\n  tasks:\n" + tasks)
    return path


def measure(nodes: int, repeat: int) -> dict:
    name = f"bench-{nodes}"
    inventory = PROJECT / ".vcluster" / name / "inventory.yml"
    log(f"{nodes} nodes: booting a fresh cluster {name}")
    vcluster(name, "down")
    vcluster(name, "up", "--nodes", str(nodes), "--slots", "4")
    try:
        log(f"{nodes} nodes: first converge of site.yml (installs packages on every node: minutes)")
        first = timed_playbook(inventory, "site.yml")[0]
        with tempfile.TemporaryDirectory(prefix="provision-bench-") as workdir:
            calls = module_calls_per_node(inventory, nodes, Path(workdir))
            floor_play = floor_playbook(calls, Path(workdir))
            log(f"{nodes} nodes: a re-run calls {calls} modules per node")
            reruns, facts, floors = [], [], []
            for attempt in range(1, repeat + 1):
                reruns.append(rerun(inventory, nodes))
                facts.append(timed_playbook(inventory, "bench/facts_only.yml")[0])
                floors.append(timed_playbook(inventory, floor_play)[0])
                log(f"{nodes} nodes: re-run {attempt}/{repeat}: site.yml {reruns[-1]:.2f} s, facts only "
                    f"{facts[-1]:.2f} s, {calls} ping calls {floors[-1]:.2f} s")
    finally:
        vcluster(name, "down")
    return {"nodes": nodes, "first_converge_s": round(first, 2), "rerun_s": round(statistics.median(reruns), 2),
            "facts_s": round(statistics.median(facts), 2), "module_calls_per_node": calls,
            "floor_s": round(statistics.median(floors), 2), "reruns_s": [round(s, 2) for s in reruns],
            "facts_runs_s": [round(s, 2) for s in facts], "floor_runs_s": [round(s, 2) for s in floors]}


def report(rows: list[dict]) -> list[str]:
    lines = ["| nodes | first converge | idempotent re-run | facts only | module calls alone | re-run / facts "
             "| re-run / module calls |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['nodes']} | {row['first_converge_s']:.1f} s | {row['rerun_s']:.2f} s | {row['facts_s']:.2f} s "
                     f"| {row['floor_s']:.2f} s ({row['module_calls_per_node']} per node) "
                     f"| {row['rerun_s'] / row['facts_s']:.2f}x | {row['rerun_s'] / row['floor_s']:.2f}x |")
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
    figure, axes = plt.subplots(figsize=(8, 3.6), dpi=100)
    for key, label, style in [("first_converge_s", "first converge", "o-"), ("rerun_s", "idempotent re-run", "s-"),
                              ("floor_s", "its module calls alone (ping)", "v:"),
                              ("facts_s", "facts-only play", "^--")]:
        axes.plot(nodes, [row[key] for row in rows], style, label=label)
    axes.set_xlabel("virtual nodes")
    axes.set_ylabel("wall time (s)")
    axes.set_yscale("log")
    axes.set_xticks(nodes)
    axes.set_title("site.yml on the virtual cluster (2-core machine)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
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
