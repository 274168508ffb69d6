"""A Pi is re-flashed with a newer Raspberry Pi OS than the others (Debian trixie, Open MPI 5, among bookworm nodes
with Open MPI 4) and provisioned alone with `site.yml --limit`: the run fails before it changes anything, naming
every node's OS release, and the cluster does not take the node in, since a job across both Open MPI generations
fails or hangs. Afterwards the node is re-flashed with the cluster's release and provisioned again."""
from __future__ import annotations

import pytest
from clustertest import NODES, node, playbook, vcluster
from playbook_output import changed_hosts

NEWER = NODES[2]
OTHERS = [name for name in NODES if name != NEWER]


@pytest.fixture(scope="module")
def provisioned_alone():
    vcluster("replace", NEWER, "--suite", "trixie")
    host_key = node(NEWER).check_output("cat /etc/ssh/ssh_host_ed25519_key.pub").split()[1]
    yield host_key, playbook("site.yml", "--limit", NEWER)
    vcluster("replace", NEWER)
    healed = playbook("site.yml", "--limit", NEWER)
    assert healed.returncode == 0, f"re-provisioning {NEWER} after the test failed:\n{healed.stdout[-3000:]}"


def test_site_limited_to_it_fails(provisioned_alone):
    _key, result = provisioned_alone
    assert result.returncode != 0, result.stdout[-3000:]


def test_site_fails_before_changing_anything(provisioned_alone):
    _key, result = provisioned_alone
    assert not changed_hosts(result.stdout), result.stdout[-3000:]


def test_the_failure_names_the_new_node_and_its_release(provisioned_alone):
    _key, result = provisioned_alone
    assert f"{NEWER}=Debian trixie" in result.stdout, result.stdout[-3000:]


@pytest.mark.parametrize("name", OTHERS)
def test_the_failure_names_the_nodes_outside_the_limit_too(provisioned_alone, name):
    _key, result = provisioned_alone
    assert f"{name}=Debian bookworm" in result.stdout, result.stdout[-3000:]


def test_the_failure_says_what_to_do(provisioned_alone):
    _key, result = provisioned_alone
    assert "Install the same OS release on every node" in result.stdout, result.stdout[-3000:]


@pytest.mark.parametrize("name", OTHERS)
def test_the_other_nodes_do_not_trust_the_new_node(provisioned_alone, name):
    host_key, _result = provisioned_alone
    assert host_key not in node(name).file("/etc/ssh/ssh_known_hosts").content_string
