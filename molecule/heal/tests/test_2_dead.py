"""A Pi is powered off: run_job fails fast naming it (or runs degraded), check.yml and site.yml report it."""
from __future__ import annotations

import json
import time

import pytest
from clustertest import HEAD, MPI_HOME, NODES, SLOTS, node, playbook, vcluster
from playbook_output import recap

DEAD = NODES[3]
LIVE = NODES[:3]


@pytest.fixture(scope="module", autouse=True)
def dead_node():
    vcluster("stop", DEAD)
    yield
    vcluster("start", DEAD)
    playbook("site.yml")


def test_run_job_fails_within_60_s_naming_the_dead_node():
    started = time.monotonic()
    result = playbook("playbooks/run_job.yml", "-e", "job=pi")
    elapsed = time.monotonic() - started
    assert result.returncode != 0 and f"{DEAD} of group 'cluster' does not answer" in result.stdout, result.stdout[-3000:]
    assert elapsed < 60, f"run_job.yml took {elapsed:.0f} s to give up"


def test_run_job_in_degraded_mode_runs_on_the_nodes_that_answer(tmp_path):
    result = playbook("playbooks/run_job.yml", "-e", "job=pi", "-e", "allow_degraded=true",
                      "-e", f"mpi_job_results_dir={tmp_path}")
    saved = [json.loads(p.read_text()) for p in tmp_path.glob("pi-*.json")]
    assert len(saved) == 1, result.stdout[-3000:]
    assert (saved[0]["ranks"], sorted(saved[0]["hosts"])) == (SLOTS * len(LIVE), sorted(LIVE)), saved[0]


def test_check_reports_the_dead_node_and_fails():
    result = playbook("playbooks/check.yml")
    assert result.returncode != 0 and f"no answer from {DEAD}" in result.stdout, result.stdout[-3000:]


@pytest.fixture(scope="module")
def site_with_a_dead_node():
    return playbook("site.yml")


def test_site_names_the_dead_node(site_with_a_dead_node):
    assert f"{DEAD} of group 'cluster' did not answer" in site_with_a_dead_node.stdout, site_with_a_dead_node.stdout[-3000:]


def test_site_provisions_the_live_nodes(site_with_a_dead_node):
    counters = recap(site_with_a_dead_node.stdout)
    assert all(counters[name]["failed"] == 0 for name in LIVE), site_with_a_dead_node.stdout[-3000:]


def test_the_machinefile_lists_only_the_live_nodes(site_with_a_dead_node):
    content = node(HEAD).file(f"{MPI_HOME}/machinefile").content_string
    assert [line.split()[0] for line in content.splitlines() if line and not line.startswith("#")] == LIVE
