"""site.yml (its mpi_base role) sets NTP servers and the CPU governor when asked; the files it writes are removed
after."""
from __future__ import annotations

import json

import pytest
from clustertest import HEAD, NODES, node, playbook
from playbook_output import changed_hosts

TIMESYNCD_DROP_IN = "/etc/systemd/timesyncd.conf.d/picluster.conf"
GOVERNOR_FILE = "/etc/tmpfiles.d/picluster-cpu-governor.conf"
SETTINGS = json.dumps({"mpi_base_ntp_servers": [HEAD], "mpi_base_cpu_governor": "performance"})


@pytest.fixture(scope="module")
def configured():
    """site.yml's mpi_base (the role that owns both settings) with the head node as the NTP server and the performance
    governor, run twice; undone after. The tag spares the other roles' tasks, which these settings do not reach."""
    first = playbook("site.yml", "--tags", "mpi_base", "-e", SETTINGS)
    second = playbook("site.yml", "--tags", "mpi_base", "-e", SETTINGS)
    files = {name: {path: node(name).file(path).content_string if node(name).file(path).exists else None
                    for path in (TIMESYNCD_DROP_IN, GOVERNOR_FILE)} for name in NODES}
    for name in NODES:
        node(name).check_output(f"rm -f {TIMESYNCD_DROP_IN} {GOVERNOR_FILE}")
    return first, second, files


def test_ntp_servers_and_governor_are_set_without_failing(configured):
    first, _second, _files = configured
    assert first.returncode == 0, first.stdout[-3000:]


@pytest.mark.parametrize("name", NODES)
def test_systemd_timesyncd_is_pointed_at_the_head_node(configured, name):
    _first, _second, files = configured
    assert f"[Time]\nNTP={HEAD}\n" in (files[name][TIMESYNCD_DROP_IN] or ""), files[name]


@pytest.mark.parametrize("name", NODES)
def test_the_governor_is_set_for_every_cpu_at_boot(configured, name):
    _first, _second, files = configured
    assert "w /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor - - - - performance" in (
        files[name][GOVERNOR_FILE] or ""), files[name]


def test_a_second_run_with_the_same_settings_changes_nothing(configured):
    _first, second, _files = configured
    assert second.returncode == 0 and not changed_hosts(second.stdout), second.stdout[-3000:]
