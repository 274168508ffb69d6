"""Two amd64 nodes and an emulated arm64 node: one cluster, one SSH mesh, MPI jobs with ranks on both architectures."""
from __future__ import annotations

import json
import math

import pytest
import yaml
from clustertest import INVENTORY, NODES, PAIRS, SLOTS, job_module, playbook, ssh_works

MACHINE = {"amd64": "x86_64", "arm64": "aarch64"}
ARCH = {name: spec["vcluster_arch"] for name, spec in yaml.safe_load(INVENTORY.read_text())["cluster"]["hosts"].items()}


@pytest.mark.parametrize("src,dst", PAIRS)
def test_every_pair_ssh_across_architectures(src, dst):
    assert ssh_works(src, dst), f"the MPI user on {src} ({ARCH[src]}) cannot SSH to {dst} ({ARCH[dst]})"


def run_job(job: str, results, *extra: str) -> dict:
    result = playbook("playbooks/run_job.yml", "-e", f"job={job}", "-e", f"np={SLOTS * len(NODES)}",
                      "-e", f"mpi_job_results_dir={results}", *extra)
    saved = [json.loads(p.read_text()) for p in results.glob(f"{job}-*.json")]
    assert result.returncode == 0 and len(saved) == 1, result.stdout[-3000:]
    return saved[0]


def test_pi_on_every_slot_across_both_architectures(tmp_path):
    saved = run_job("pi", tmp_path)
    assert abs(saved["pi"] - math.pi) < 2.1e-8, saved
    assert (saved["ranks"], set(saved["hosts"])) == (SLOTS * len(NODES), set(NODES)), saved


def test_scatter_reaches_ranks_on_both_architectures(tmp_path):
    saved = run_job("scatter", tmp_path)
    assert saved["received"] == [(rank + 1) ** rank for rank in range(SLOTS * len(NODES))], saved
    assert {ARCH[host] for host in saved["hosts"]} == {"amd64", "arm64"}, saved


def test_rma_one_sided_steps_pass_across_both_architectures(tmp_path):
    # The arm64 ranks run under qemu, several times slower than a Pi: a time limit to match.
    saved = run_job("rma", tmp_path, "-e", "job_args=--rounds 1 --time-limit 600")
    assert (saved["steps"], set(saved["hosts"])) == (job_module("rma").STEPS, set(NODES)), saved


def test_check_shows_both_architectures_and_a_healthy_cluster():
    result = playbook("playbooks/check.yml")
    on = "; ".join(f"{MACHINE[arch]}: {', '.join(n for n in NODES if ARCH[n] == arch)}" for arch in ("arm64", "amd64"))
    assert result.returncode == 0 and f"({on})" in result.stdout, result.stdout[-3000:]
