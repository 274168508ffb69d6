"""A Pi is re-flashed with a newer Raspberry Pi OS than the others (Debian trixie, Open MPI 5, among bookworm nodes
with Open MPI 4) and provisioned alone with `site.yml --limit`: the run fails before it changes anything, naming
every node's OS release, and the cluster does not take the node in, since a job across both Open MPI generations
fails or hangs. Then the node is re-flashed with the cluster's release (new host keys, empty disk) and provisioned
alone again, which is how a dead SD card is replaced: `site.yml --limit` on it heals the cluster. One re-flash serves
both stories, since the second undoes the first."""
from __future__ import annotations

import pytest
from clustertest import NODES, PAIRS, SLOTS, greetings, helloworld, node, playbook, ssh_works, vcluster
from playbook_output import changed_hosts

NEWER = NODES[2]
OTHERS = [name for name in NODES if name != NEWER]


def host_key(name: str) -> str:
    return node(name).check_output("cat /etc/ssh/ssh_host_ed25519_key.pub").split()[1]


@pytest.fixture(scope="module")
def story():
    """What the module's stories saw, and whether the node is back on the cluster's release."""
    seen = {"back": False}
    yield seen
    if not seen["back"]:
        vcluster("replace", NEWER)
        healed = playbook("site.yml", "--limit", NEWER)
        assert healed.returncode == 0, f"re-provisioning {NEWER} after the test failed:\n{healed.stdout[-3000:]}"


@pytest.fixture(scope="module")
def provisioned_alone(story):
    story["trusted"] = host_key(NEWER)
    vcluster("replace", NEWER, "--suite", "trixie")
    return host_key(NEWER), playbook("site.yml", "--limit", NEWER)


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


# ---- re-flashed with the cluster's release: site.yml --limit on it heals the cluster --------------------------------

@pytest.fixture(scope="module")
def replaced(story, provisioned_alone):
    """The node re-flashed with the cluster's release, then site.yml --limit on it: the old key is the one the cluster
    trusted before the newer release was refused."""
    vcluster("replace", NEWER)
    story["back"] = True
    old, new = story["trusted"], host_key(NEWER)
    # The tests below mean something only for a node with new host keys.
    assert old != new, f"tools/vcluster replace kept {NEWER}'s host keys"
    return old, new, playbook("site.yml", "--limit", NEWER)


def test_site_limited_to_the_replaced_node_succeeds(replaced):
    *_keys, result = replaced
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
