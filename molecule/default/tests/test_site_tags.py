"""site.yml runs one role by its tag: the inventory check and the cluster view (_cluster) come along, nothing else."""
from __future__ import annotations

import re

import pytest
from clustertest import NODES, playbook
from playbook_output import recap


@pytest.fixture(scope="module")
def hostsfile_only():
    return playbook("site.yml", "--tags", "hostsfile")


def test_site_with_the_hostsfile_tag_succeeds_on_every_node(hostsfile_only):
    counts = recap(hostsfile_only.stdout)
    assert hostsfile_only.returncode == 0 and set(NODES) <= set(counts), hostsfile_only.stdout[-3000:]


def test_site_with_the_hostsfile_tag_runs_that_role_and_the_cluster_view_only(hostsfile_only):
    # Ansible checks every role's arguments whatever the tags (its validation task is tagged always): read-only.
    tasks = re.findall(r"^TASK \[picluster\.mpi\.(\w+) : (.+?)\]?\s*\**$", hostsfile_only.stdout, re.MULTILINE)
    roles = {role for role, task in tasks if not task.startswith("Validating arguments")}
    assert roles == {"_cluster", "hostsfile"}, f"roles run: {sorted(roles)}\n{hostsfile_only.stdout[-3000:]}"


def test_site_with_the_hostsfile_tag_changes_nothing_on_a_converged_cluster(hostsfile_only):
    changed = {host: counts["changed"] for host, counts in recap(hostsfile_only.stdout).items()}
    assert set(changed.values()) == {0}, f"changed: {changed}\n{hostsfile_only.stdout[-3000:]}"
