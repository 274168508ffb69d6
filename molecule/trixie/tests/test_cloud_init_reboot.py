"""Raspberry Pi OS 13 as Raspberry Pi Imager flashes it: cloud-init names each node and renders /etc/hosts at every boot.

The trixie cluster's nodes boot with Debian's cloud-init and the Imager's user-data (tools/vcluster --cloud-init):
hostname pi1 to pi4, `manage_etc_hosts: true`. After site.yml, power.yml reboots every node, and the cluster's
names and hostnames must come back from cloud-init itself.

How the same run failed without the hostsfile role's cloud-init steps (site.yml of the release before, same cluster):
after `power.yml -e action=reboot`, every /etc/hosts was cloud-init's template again and every hostname the Imager's
(pi1 to pi4); power.yml's check ended FAIL with names 0/16 lookups, ssh mesh 0/16 ("Could not resolve hostname"),
mpirun exit 255.

Marked every_release: the trixie scenario, whose cluster this is, runs only such tests; the file sorts before the
default scenario's tests, so those run on the rebooted cluster.
"""
from __future__ import annotations

import re
import time

import pytest
from clustertest import ADDRESSES, EVERY_RELEASE, NODES, PAIRS, SLOTS, greetings, helloworld, node, playbook
from playbook_output import changed_hosts

pytestmark = EVERY_RELEASE

# The first line cloud-init's Debian template renders into /etc/hosts.
CLOUD_INIT_HEADER = "# Your system has configured 'manage_etc_hosts' as True."
HOSTS_TEMPLATE = "/etc/cloud/templates/hosts.debian.tmpl"
PRESERVE_HOSTNAME = "/etc/cloud/cloud.cfg.d/99_picluster_hostname.cfg"
IMAGER_NAMES = {name: f"pi{index + 1}" for index, name in enumerate(NODES)}


@pytest.mark.parametrize("name", NODES)
def test_cloud_init_runs_with_the_imagers_user_data(name):
    host = node(name)
    user_data = host.file("/var/lib/cloud/instance/cloud-config.txt").content_string
    assert "manage_etc_hosts: true" in user_data and f"hostname: {IMAGER_NAMES[name]}" in user_data, user_data
    assert "status: done" in host.check_output("cloud-init status"), host.check_output("cloud-init status --long")


@pytest.fixture(scope="module")
def rebooted():
    """power.yml -e action=reboot of every node, and when it started."""
    started = time.time()
    return playbook("power.yml", "-e", "action=reboot"), started


def test_power_reboot_ends_with_a_healthy_check(rebooted):
    result, _started = rebooted
    assert result.returncode == 0 and "The cluster is healthy" in result.stdout, result.stdout[-3000:]


def test_check_says_cloud_init_keeps_the_names_on_every_node(rebooted):
    result, _started = rebooted
    assert f"cloud-init on {len(NODES)}/{len(NODES)} nodes keeps the cluster's names" in result.stdout, (
        result.stdout[-3000:])


@pytest.mark.parametrize("name", NODES)
def test_cloud_init_rendered_etc_hosts_at_this_boot(rebooted, name):
    _result, started = rebooted
    hosts = node(name).file("/etc/hosts")
    assert hosts.mtime.timestamp() > started and CLOUD_INIT_HEADER in hosts.content_string, (
        f"/etc/hosts on {name} was not rendered by cloud-init after the reboot (written {hosts.mtime}):\n"
        f"{hosts.content_string}")


@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_every_node_resolves_every_peer_to_its_cluster_address_after_the_reboot(rebooted, src, dst):
    resolved = node(src).run(f"getent hosts {dst}").stdout.split()[:1]
    assert resolved == [ADDRESSES[dst]], f"{src} resolves {dst} to {resolved or 'nothing'}, not {ADDRESSES[dst]}"


@pytest.mark.parametrize("name", NODES)
def test_the_hostname_is_the_inventory_name_after_the_reboot(rebooted, name):
    hostname = node(name).check_output("hostname")
    assert hostname == name, f"{name} is called {hostname} after the reboot (the Imager named it {IMAGER_NAMES[name]})"


def test_mpirun_16_ranks_across_the_four_nodes_after_the_reboot(rebooted):
    ranks = SLOTS * len(NODES)
    result = helloworld()
    assert result.rc == 0, f"mpirun failed ({result.rc}): {result.stderr}"
    seen = greetings(result.stdout)
    assert sorted(rank for rank, _host in seen) == list(range(ranks)), result.stdout
    assert {host for _rank, host in seen} == set(NODES), f"not every node ran a rank under its name:\n{result.stdout}"


def test_site_changes_nothing_after_the_reboot(rebooted):
    result = playbook("site.yml")
    assert result.returncode == 0 and changed_hosts(result.stdout) == {}, result.stdout[-3000:]


# ---- check.yml tells a node a reboot would break, before the reboot -------------------------------------------------

TEMPLATE_LOST = NODES[1]
RENAMED = NODES[2]


@pytest.fixture(scope="module")
def drifted(rebooted):
    """The hosts template of one node loses the cluster's block (a cloud-init upgrade that replaced it), and another
    node loses preserve_hostname; then check.yml."""
    node(TEMPLATE_LOST).check_output(f"sed -i '/picluster.mpi hostsfile/,/picluster.mpi hostsfile/d' {HOSTS_TEMPLATE}")
    node(RENAMED).check_output(f"rm {PRESERVE_HOSTNAME}")
    return playbook("check.yml")


@pytest.mark.parametrize(("name", "reason"), [
    (TEMPLATE_LOST, f"renders /etc/hosts from {HOSTS_TEMPLATE} at every boot (manage_etc_hosts), and the template "
                    "lacks the cluster's names"),
    (RENAMED, f"cloud-init names it {IMAGER_NAMES[RENAMED]} at boot (its user-data's hostname), not {RENAMED}"),
])
def test_check_fails_naming_the_node_a_reboot_would_break_and_why(drifted, name, reason):
    assert drifted.returncode != 0 and f"a reboot of {name} undoes the cluster's settings" in drifted.stdout, (
        drifted.stdout[-3000:])
    assert reason in drifted.stdout, drifted.stdout[-3000:]


def test_check_leaves_the_other_nodes_out_of_the_reboot_problems(drifted):
    named = set(re.findall(r"a reboot of (\S+) undoes", drifted.stdout))
    assert named == {TEMPLATE_LOST, RENAMED}, drifted.stdout[-3000:]


@pytest.fixture(scope="module")
def restored(drifted):
    return playbook("site.yml"), playbook("check.yml")


def test_site_puts_back_what_the_reboot_needs_on_those_nodes_only(restored):
    site, _check = restored
    assert site.returncode == 0 and set(changed_hosts(site.stdout)) == {TEMPLATE_LOST, RENAMED}, site.stdout[-3000:]


def test_check_is_healthy_again_after_site(restored):
    _site, check = restored
    assert check.returncode == 0 and "The cluster is healthy" in check.stdout, check.stdout[-3000:]
