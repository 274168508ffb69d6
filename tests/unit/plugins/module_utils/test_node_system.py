"""The code the modules share on a node, imported as Ansible imports it."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.module_utils.node_system import (
    JOB_PROCESSES,
    TIME_SYNC_SERVICES,
    container_manager,
    cpufreq_value,
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
