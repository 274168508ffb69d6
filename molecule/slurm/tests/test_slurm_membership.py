"""A Pi leaves the inventory of the Slurm cluster, then comes back: slurm.conf and sinfo follow the inventory."""
from __future__ import annotations

import pytest
from clustertest import HEAD, NODES, as_mpi_user, inventory_without, node, playbook

GONE = NODES[3]
STAYING = NODES[:3]


def sinfo_states() -> dict[str, str]:
    return dict(line.split() for line in node(HEAD).check_output(
        as_mpi_user("sinfo --noheader --Node --format '%N %t'")).splitlines())


def slurm_conf_nodes() -> list[str]:
    return [line.split()[0].removeprefix("NodeName=")
            for line in node(HEAD).file("/etc/slurm/slurm.conf").content_string.splitlines()
            if line.startswith("NodeName=")]


@pytest.fixture(scope="module")
def without_a_node(tmp_path_factory):
    return playbook("site.yml", inventory=inventory_without(GONE, tmp_path_factory.mktemp("inventory")))


def test_site_without_the_node_succeeds(without_a_node):
    assert without_a_node.returncode == 0, without_a_node.stdout[-3000:]


def test_the_removed_node_leaves_slurm_conf(without_a_node):
    assert slurm_conf_nodes() == STAYING


def test_the_removed_node_leaves_sinfo(without_a_node):
    assert sorted(sinfo_states()) == sorted(STAYING)


@pytest.fixture(scope="module")
def added_back(without_a_node):
    return playbook("site.yml")


def test_site_with_the_node_added_back_succeeds(added_back):
    assert added_back.returncode == 0, added_back.stdout[-3000:]


def test_the_node_added_back_is_in_slurm_conf_again(added_back):
    assert slurm_conf_nodes() == NODES


def test_every_node_is_idle_once_the_node_is_back(added_back):
    assert sinfo_states() == dict.fromkeys(NODES, "idle")
