"""NTP servers reach the time sync service each node runs: chrony takes them in its sources directory, and a node
that runs one the role does not configure (ntpsec) fails, before any change there, with what to do."""
from __future__ import annotations

import json

import pytest
from clustertest import HEAD, NODES, node, playbook
from playbook_output import changed_hosts, failed_task, recap

CHRONY_NODE, NTPSEC_NODE = NODES[1], NODES[2]
CHRONY_SOURCES = "/etc/chrony/sources.d/picluster.sources"
TIMESYNCD_DROP_IN = "/etc/systemd/timesyncd.conf.d/picluster.conf"
SETTINGS = json.dumps({"mpi_base_ntp_servers": [HEAD]})


def apt_get(name: str, *argv: str) -> None:
    node(name).check_output("DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends " + " ".join(argv))


@pytest.fixture(scope="module")
def with_servers():
    """site.yml with the head node as NTP server, chrony on one node and ntpsec on another (each replaces
    systemd-timesyncd, as on a Pi whose owner chose it); the packages and files are put back after."""
    apt_get(CHRONY_NODE, "install", "chrony")
    apt_get(NTPSEC_NODE, "install", "ntpsec")
    try:
        # mpi_base, the role that owns the time sync settings, alone: the other roles' tasks do not read them.
        result = playbook("site.yml", "--tags", "mpi_base", "-e", SETTINGS)
        sources = node(CHRONY_NODE).file(CHRONY_SOURCES)
        yield result, sources.content_string if sources.exists else None
    finally:
        node(CHRONY_NODE).check_output(f"rm -f {CHRONY_SOURCES}")
        apt_get(CHRONY_NODE, "purge", "--auto-remove", "chrony")
        apt_get(NTPSEC_NODE, "purge", "--auto-remove", "ntpsec")
        for name in (CHRONY_NODE, NTPSEC_NODE):
            apt_get(name, "install", "systemd-timesyncd")
        for name in NODES:
            node(name).check_output(f"rm -f {TIMESYNCD_DROP_IN}")


def test_only_the_node_with_ntpsec_fails(with_servers):
    result, _sources = with_servers
    failed = sorted(host for host, counters in recap(result.stdout).items() if counters.get("failed"))
    assert failed == [NTPSEC_NODE], result.stdout[-3000:]


def test_the_failure_says_what_to_do(with_servers):
    result, _sources = with_servers
    assert (f"{NTPSEC_NODE}: it runs ntpsec, and mpi_base_ntp_servers configures systemd-timesyncd and chrony only"
            in result.stdout), result.stdout[-3000:]


def test_the_node_with_ntpsec_fails_at_the_check_before_any_change(with_servers):
    result, _sources = with_servers
    task = failed_task(result.stdout, NTPSEC_NODE) or ""
    assert "Check the time sync and CPU governor settings against the node" in task, task
    assert NTPSEC_NODE not in changed_hosts(result.stdout), result.stdout[-3000:]


def test_chrony_takes_the_servers_in_its_sources_directory(with_servers):
    _result, sources = with_servers
    assert f"server {HEAD} iburst" in (sources or "").splitlines(), sources
