"""A Pi of the Slurm cluster is powered off: check.yml names it, and a job through Slurm runs on the other three.
Powered on again, it is back in Slurm by itself."""
from __future__ import annotations

import json
import math
import time

import pytest
from clustertest import HEAD, NODES, SLOTS, as_mpi_user, node, playbook, vcluster

STOPPED = NODES[3]
OTHERS = [name for name in NODES if name != STOPPED]


def states() -> dict[str, str]:
    lines = node(HEAD).check_output(as_mpi_user("sinfo --noheader --Node --format '%N %t'")).splitlines()
    return dict(line.split() for line in lines)


@pytest.fixture(scope="module")
def stopped(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    vcluster("stop", STOPPED)
    try:
        job = playbook("run_job.yml", "-e", "job=pi", "-e", "launcher=slurm", "-e", f"np={SLOTS * len(OTHERS)}",
                       "-e", f"mpi_job_results_dir={results}")
        check = playbook("check.yml")
    finally:
        # Powered on, and nothing else: the node must come back into Slurm by itself, as a Pi does after a power cut.
        vcluster("start", STOPPED)
    return job, check, results


def test_check_names_the_stopped_node(stopped):
    _job, check, _results = stopped
    assert check.returncode != 0 and f"no answer from {STOPPED}" in check.stdout, check.stdout[-3000:]


def test_a_job_through_slurm_runs_on_the_other_nodes(stopped):
    _job, _check, results = stopped
    saved = [json.loads(path.read_text()) for path in results.glob("pi-*.json")]
    assert len(saved) == 1 and sorted(saved[0]["hosts"]) == OTHERS, saved
    assert abs(saved[0]["pi"] - math.pi) < 2.1e-8, saved


def test_the_node_is_back_in_slurm_once_powered_on(stopped):
    deadline = time.monotonic() + 120
    while states().get(STOPPED) != "idle" and time.monotonic() < deadline:
        time.sleep(3)
    assert states().get(STOPPED) == "idle", states()
