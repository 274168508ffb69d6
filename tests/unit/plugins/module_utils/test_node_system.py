"""The code the modules share on a node, imported as Ansible imports it."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.module_utils.node_system import (
    JOB_PROCESSES,
    TIME_SYNC_SERVICES,
    accounts,
    container_manager,
    cpufreq_value,
    groups,
    read_text,
)


def make_root(tmp_path, files: dict[str, str]):
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return str(tmp_path)


@pytest.mark.parametrize(("files", "manager"), [
    ({"run/systemd/container": "docker\n"}, "docker"),
    # Plain `docker run` of a systemd image sets no container= variable, so systemd writes no record; Docker's own
    # file says it (systemd-detect-virt reads it too). Read before: the time sync start reported a change each run.
    ({".dockerenv": ""}, "docker"),
    ({"run/.containerenv": ""}, "podman"),
    ({"proc/1/environ": "PATH=/usr/bin\0container=lxc\0HOME=/\0"}, "lxc"),
    ({"proc/1/environ": "PATH=/usr/bin\0container=\0"}, ""),
    ({"run/systemd/container": "systemd-nspawn\n", ".dockerenv": ""}, "systemd-nspawn"),
    ({}, ""),
], ids=["systemd-record", "docker-file", "podman-file", "pid1-variable", "empty-variable", "record-first", "machine"])
def test_container_manager_is_found_as_systemd_detect_virt_finds_it(tmp_path, files, manager):
    assert container_manager(make_root(tmp_path, files)) == manager


def test_read_text_is_none_for_a_file_that_cannot_be_read(tmp_path):
    (tmp_path / "dir").mkdir()
    assert (read_text(str(tmp_path / "missing")), read_text(str(tmp_path / "dir"))) == (None, None)


def test_read_text_strips_only_when_asked(tmp_path):
    (tmp_path / "f").write_text(" x \n")
    assert (read_text(str(tmp_path / "f")), read_text(str(tmp_path / "f"), strip=True)) == (" x \n", "x")


def test_systemd_timesyncd_is_the_last_choice_of_time_sync_service():
    assert TIME_SYNC_SERVICES[-1] == "systemd-timesyncd" and len(set(TIME_SYNC_SERVICES)) == len(TIME_SYNC_SERVICES)


def test_job_processes_include_every_launcher_and_daemon():
    assert {"mpirun", "mpiexec", "prterun", "orted", "prted", "slurmstepd"} <= JOB_PROCESSES


def test_a_cpufreq_value_is_read_stripped(tmp_path):
    (tmp_path / "scaling_governor").write_text("ondemand\n")
    assert cpufreq_value("scaling_governor", str(tmp_path)) == "ondemand"


def test_a_cpufreq_value_the_kernel_lacks_is_none(tmp_path):
    assert cpufreq_value("scaling_governor", str(tmp_path / "cpufreq")) is None


PASSWD = """root:x:0:0:root:/root:/bin/bash
pi:x:1000:1000:,,,:/home/pi:/bin/bash
alice:x:3001:3001::/home/alice:/bin/bash
bob:x:3002:3002::/home/bob:/bin/bash
"""
# alice is locked and expired (usermod --lock --expiredate 1), bob locked only (a password login refused, his keys
# still taken), pi has a password.
SHADOW = """root:*:19700:0:99999:7:::
pi:$y$j9T$abc:19700:0:99999:7:::
alice:!:19700:0:99999:7::1:
bob:!:19700:0:99999:7:::
"""


def test_accounts_are_read_by_name_with_uid_gid_and_home():
    found = accounts(PASSWD, SHADOW, today=20000)
    assert found["alice"] == {"uid": 3001, "gid": 3001, "home": "/home/alice", "shell": "/bin/bash", "locked": True}


@pytest.mark.parametrize(("name", "locked"), [("alice", True), ("bob", False), ("pi", False), ("root", False)])
def test_only_an_account_locked_and_expired_counts_as_locked(name, locked):
    assert accounts(PASSWD, SHADOW, today=20000)[name]["locked"] is locked


def test_accounts_without_a_readable_shadow_are_not_locked():
    assert accounts(PASSWD, "", today=20000)["alice"]["locked"] is False


def test_this_machines_accounts_hold_root():
    assert accounts()["root"]["uid"] == 0


def test_groups_map_names_to_gids():
    assert groups("root:x:0:\nvideo:x:44:pi,alice\n") == {"root": 0, "video": 44}
