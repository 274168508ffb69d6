"""A Pi is re-flashed (new disk, new host keys, same name and address): `site.yml --limit` on it heals the cluster."""
from __future__ import annotations

import pytest
from clustertest import NODES, PAIRS, SLOTS, greetings, helloworld, node, playbook, ssh_works, vcluster

REPLACED = NODES[2]


def host_key(name: str) -> str:
    return node(name).check_output("cat /etc/ssh/ssh_host_ed25519_key.pub").split()[1]


@pytest.fixture(scope="module")
def replaced():
    old = host_key(REPLACED)
    vcluster("replace", REPLACED)
    new = host_key(REPLACED)
    # The tests below mean something only for a node with new host keys.
    assert old != new, f"tools/vcluster replace kept {REPLACED}'s host keys"
    return old, new, playbook("site.yml", "--limit", REPLACED)


def test_site_limited_to_the_replaced_node_succeeds(replaced):
    *_nodes, result = replaced
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("name", NODES)
def test_every_node_trusts_the_new_host_key_and_forgot_the_old(replaced, name):
    old, new, _result = replaced
    known = node(name).file("/etc/ssh/ssh_known_hosts").content_string
    assert (old in known, new in known) == (False, True), f"{name} known_hosts: old key {old in known}, new {new in known}"


@pytest.mark.parametrize("src,dst", PAIRS)
def test_every_pair_ssh_with_strict_host_key_checking_after_the_replacement(replaced, src, dst):
    assert ssh_works(src, dst), f"the MPI user on {src} cannot SSH to {dst}"


def test_a_16_rank_job_runs_on_all_four_nodes_after_the_replacement(replaced):
    ranks = SLOTS * len(NODES)
    result = helloworld()
    hosts = [host for _rank, host in greetings(result.stdout)]
    assert result.rc == 0 and len(hosts) == ranks and set(hosts) == set(NODES), result.stdout + result.stderr
