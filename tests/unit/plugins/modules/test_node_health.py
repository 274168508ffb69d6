"""The module picluster.mpi.node_health: real runs on this machine (vcgencmd's outputs are read by
module_utils/pi_sensors, tested in tests/unit/plugins/module_utils/test_pi_sensors.py)."""
from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
from ansible_collections.picluster.mpi.plugins.modules import node_health


def is_active_output(active: set[str]) -> str:
    """What `systemctl is-active` prints for the time sync services, one state per line."""
    return "".join(f"{'active' if name in active else 'inactive'}\n" for name in node_health.TIME_SYNC_SERVICES)


@pytest.mark.parametrize(("output", "service"), [
    (is_active_output({"chrony"}), "chrony"),
    (is_active_output({"systemd-timesyncd"}), "systemd-timesyncd"),
    (is_active_output(set()), None),
    ("", None),
])
def test_parse_is_active_names_the_active_time_service(output, service):
    assert node_health.parse_is_active(node_health.TIME_SYNC_SERVICES, output) == service


def test_cpu_state_reads_cpufreq(tmp_path):
    for name, value in {"scaling_cur_freq": "1500000", "cpuinfo_max_freq": "1800000", "scaling_governor": "ondemand",
                        "scaling_available_governors": "conservative ondemand userspace powersave performance schedutil"
                        }.items():
        (tmp_path / name).write_text(value + "\n")
    state = node_health.cpu_state(str(tmp_path))
    assert (state["mhz"], state["max_mhz"], state["governor"], "performance" in state["governors"]) == (
        1500, 1800, "ondemand", True), state


def test_cpu_state_is_none_without_cpufreq(tmp_path):
    assert node_health.cpu_state(str(tmp_path / "missing")) is None


def test_job_processes_finds_a_running_mpirun(tmp_path):
    stand_in = tmp_path / "mpirun"
    shutil.copy("/bin/sleep", stand_in)
    process = subprocess.Popen([str(stand_in), "30"])
    try:
        # Until the child has called exec, it is still a copy of this Python under this Python's name.
        deadline = time.monotonic() + 10
        while True:
            found = [job for job in node_health.job_processes() if job["pid"] == process.pid]
            if found or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait()
    assert found == [{"pid": process.pid, "name": "mpirun", "user": "root" if os.getuid() == 0 else found[0]["user"]}]


# ---- real runs, as Ansible runs the module -------------------------------------------------------------------------

def test_off_a_pi_the_module_says_there_is_no_vcgencmd(run_module):
    assert run_module("node_health", "checks=pi")["pi"] is None


def test_with_a_stand_in_vcgencmd_printing_a_recorded_output_it_decodes_it(run_module, tmp_path, monkeypatch):
    """A stand-in for a Pi's vcgencmd, printing what a Pi with a weak power supply printed."""
    stand_in = tmp_path / "vcgencmd"
    stand_in.write_text('#!/bin/sh\ncase "$1" in get_throttled) echo throttled=0x50005;; '
                        "measure_temp) echo \"temp=61.3'C\";; esac\n")
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ.get('PATH', '')}")
    assert run_module("node_health", "checks=pi")["pi"] == {
        "throttled": "0x50005", "now": ["under-voltage", "throttled"], "since_boot": ["under-voltage", "throttled"],
        "temperature_c": 61.3, "error": None}


def test_a_run_reads_only_what_it_is_asked(run_module):
    result = run_module("node_health", "checks=jobs")
    assert ("jobs" in result, "pi" in result, "cpu" in result, "time_sync" in result) == (True, False, False, False)


def test_a_run_changes_nothing(run_module):
    assert run_module("node_health", "")["changed"] is False
