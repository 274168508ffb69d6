"""A Pi of the Slurm cluster is re-flashed: `site.yml --limit` on it gives it the cluster's munge key back and its
slurmd registers again, and jobs reach it."""
from __future__ import annotations

import hashlib

import pytest
from clustertest import HEAD, NODES, as_mpi_user, node, playbook, vcluster

REPLACED = NODES[2]


def munge_key_digest(name: str) -> str:
    return hashlib.sha256(node(name).file("/etc/munge/munge.key").content).hexdigest()


@pytest.fixture(scope="module")
def replaced():
    cluster_key = munge_key_digest(HEAD)
    vcluster("replace", REPLACED)
    # A fresh node has no Slurm yet: the tests below mean something only for one.
    assert not node(REPLACED).package("slurmd").is_installed, f"tools/vcluster replace kept {REPLACED}'s Slurm"
    return cluster_key, playbook("site.yml", "--limit", REPLACED)


def test_site_limited_to_the_replaced_node_succeeds(replaced):
    _key, result = replaced
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_replaced_node_has_the_clusters_munge_key_back(replaced):
    cluster_key, _result = replaced
    assert munge_key_digest(REPLACED) == cluster_key


def test_the_replaced_node_is_idle_in_slurm(replaced):
    states = dict(line.split() for line in node(HEAD).check_output(
        as_mpi_user("sinfo --noheader --Node --format '%N %t'")).splitlines())
    assert states.get(REPLACED) == "idle", states


def test_a_job_reaches_every_node_again(replaced):
    hosts = node(HEAD).check_output(as_mpi_user(f"timeout 120 srun --nodes={len(NODES)} hostname")).split()
    assert sorted(hosts) == sorted(NODES), hosts
