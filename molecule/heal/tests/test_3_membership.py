"""A Pi leaves the inventory, then comes back: after each site.yml every node's files match the inventory exactly."""
from __future__ import annotations

import pytest
from clustertest import MPI_HOME, NODES, PAIRS, inventory_without, node, playbook, ssh_works

GONE = NODES[3]
STAYING = NODES[:3]


@pytest.fixture(scope="module")
def without_a_node(tmp_path_factory):
    return playbook("site.yml", inventory=inventory_without(GONE, tmp_path_factory.mktemp("inventory")))


def test_site_without_the_node_succeeds(without_a_node):
    assert without_a_node.returncode == 0, without_a_node.stdout[-3000:]


@pytest.mark.parametrize("name", STAYING)
@pytest.mark.parametrize("path", ["/etc/hosts", "/etc/ssh/ssh_known_hosts", f"{MPI_HOME}/.ssh/authorized_keys",
                                  f"{MPI_HOME}/machinefile"])
def test_the_removed_node_is_gone_from_every_file(without_a_node, name, path):
    content = node(name).file(path).content_string
    assert GONE not in content, f"{name}:{path} still names {GONE}:\n{content}"


@pytest.mark.parametrize("dst", STAYING)
def test_the_removed_node_can_no_longer_log_in(without_a_node, dst):
    assert not ssh_works(GONE, dst), f"{GONE}'s MPI key still opens {dst}"


@pytest.fixture(scope="module")
def added_back(without_a_node):
    return playbook("site.yml")


def test_site_with_the_node_added_back_succeeds(added_back):
    assert added_back.returncode == 0, added_back.stdout[-3000:]


@pytest.mark.parametrize("src,dst", PAIRS)
def test_every_pair_ssh_again_once_the_node_is_back(added_back, src, dst):
    assert ssh_works(src, dst), f"the MPI user on {src} cannot SSH to {dst}"


def test_check_reports_a_healthy_cluster(added_back):
    result = playbook("playbooks/check.yml")
    assert result.returncode == 0 and "The cluster is healthy." in result.stdout, result.stdout[-3000:]
