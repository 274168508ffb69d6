"""A Pi is re-flashed with a newer Raspberry Pi OS than the others (Debian trixie, Open MPI 5, among bookworm
nodes with Open MPI 4) and provisioned alone with `site.yml --limit`: the run fails, naming it, and the
cluster does not take it in, since a job across both Open MPI generations fails or hangs."""
from __future__ import annotations

import re

import pytest
from clustertest import NODES, node, playbook, vcluster

NEWER = NODES[2]
OTHERS = [name for name in NODES if name != NEWER]


@pytest.fixture(scope="module")
def provisioned_alone():
    vcluster("replace", NEWER, "--suite", "trixie")
    host_key = node(NEWER).check_output("cat /etc/ssh/ssh_host_ed25519_key.pub").split()[1]
    yield host_key, playbook("site.yml", "--limit", NEWER)
    vcluster("replace", NEWER)  # back to the cluster's release; test_1_replace provisions it


def test_the_new_node_runs_the_newer_release(provisioned_alone):
    release = node(NEWER).file("/etc/os-release").content_string
    assert "VERSION_CODENAME=trixie" in release, release


def test_site_limited_to_it_fails(provisioned_alone):
    _key, result = provisioned_alone
    assert result.returncode != 0, result.stdout[-3000:]


def test_the_failure_names_the_node_and_its_open_mpi(provisioned_alone):
    _key, result = provisioned_alone
    assert re.search(rf"openmpi differs: [^;]*\b{NEWER}=5\.", result.stdout), result.stdout[-3000:]


def test_the_failure_names_the_nodes_outside_the_limit_too(provisioned_alone):
    _key, result = provisioned_alone
    assert all(re.search(rf"openmpi differs: [^;]*\b{name}=4\.", result.stdout) for name in OTHERS), result.stdout[-3000:]


def test_the_failure_says_what_to_do(provisioned_alone):
    _key, result = provisioned_alone
    assert "Install the same OS release on every node" in result.stdout, result.stdout[-3000:]


@pytest.mark.parametrize("name", OTHERS)
def test_the_other_nodes_do_not_trust_the_new_node(provisioned_alone, name):
    host_key, _result = provisioned_alone
    assert host_key not in node(name).file("/etc/ssh/ssh_known_hosts").content_string


def test_the_failure_names_the_os_releases(provisioned_alone):
    _key, result = provisioned_alone
    assert f"{NEWER}=Debian trixie" in result.stdout and f"{OTHERS[0]}=Debian bookworm" in result.stdout, result.stdout[-3000:]
