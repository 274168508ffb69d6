#!/usr/bin/python
"""Module picluster.mpi.node_health: a node's power, heat, CPU clock, time sync and running jobs, read only."""
from __future__ import annotations

DOCUMENTATION = r"""
module: node_health
author: picluster.mpi maintainers (@picluster)
version_added: 0.2.0
short_description: Read a cluster node's throttling, temperature, CPU clock, time sync and running jobs
description:
  - On a Raspberry Pi, reads C(vcgencmd get_throttled) and C(vcgencmd measure_temp) and decodes the throttle
    flags into words (under-voltage, frequency capped, throttled, soft temperature limit), for now and since boot.
    Off a Pi (no C(vcgencmd)) it says so.
  - Reads the CPU clock and its maximum, and the frequency governor, from cpufreq where the kernel has it.
  - Reports which time sync service (systemd-timesyncd, chrony, ntpsec, ntp, openntpd) is active and whether the
    clock is synchronized, or that the node is a container, whose clock is its host's.
  - Lists the processes of running MPI and Slurm jobs (mpirun, prterun, orted, prted, slurmstepd, ...).
options:
  checks:
    description: What to read. Everything by default.
    type: list
    elements: str
    choices: [pi, cpu, time_sync, jobs]
    default: [pi, cpu, time_sync, jobs]
extends_documentation_fragment:
  - picluster.mpi.read_only
"""

EXAMPLES = r"""
- name: Read the throttle state of every node
  picluster.mpi.node_health:
    checks: [pi]
  register: health
"""

RETURN = r"""
pi:
  description:
    - Null off a Raspberry Pi (no C(vcgencmd)). Otherwise C(throttled) (the raw value, null when C(vcgencmd) failed),
      C(now) and C(since_boot) (the flags in words), C(temperature_c) (null when unreadable) and C(error).
  returned: when pi is checked
  type: dict
  sample: {throttled: "0x50005", now: [under-voltage, throttled], since_boot: [under-voltage, throttled],
           temperature_c: 61.3, error: null}
cpu:
  description:
    - Null without cpufreq. Otherwise C(mhz) (now), C(max_mhz), C(governor) and C(governors) (those offered).
  returned: when cpu is checked
  type: dict
  sample: {mhz: 1500, max_mhz: 1800, governor: ondemand, governors: [ondemand, performance]}
time_sync:
  description:
    - C(service) (the active time sync service, null when none is), C(synchronized) (true, false, or null when
      unknown), and C(container) (the container manager, empty on a machine of its own).
  returned: when time_sync is checked
  type: dict
  sample: {service: systemd-timesyncd, synchronized: true, container: ""}
jobs:
  description: The processes of running MPI and Slurm jobs, as C(pid), C(name) and C(user).
  returned: when jobs is checked
  type: list
  elements: dict
  sample: [{pid: 4242, name: prterun, user: mpi}]
"""

import os
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.picluster.mpi.plugins.module_utils.node_system import (
    CPUFREQ,
    JOB_PROCESSES,
    TIME_SYNC_SERVICES,
    container_manager,
    cpufreq_value,
    read_text,
)
from ansible_collections.picluster.mpi.plugins.module_utils.pi_sensors import (
    decode_throttled,
    parse_temperature,
    parse_throttled,
)

CHECKS = ["pi", "cpu", "time_sync", "jobs"]


def pi_state(module, vcgencmd: str | None) -> dict | None:
    if not vcgencmd:
        return None
    rc, out, err = module.run_command([vcgencmd, "get_throttled"])
    value = parse_throttled(out) if rc == 0 else None
    _rc, temp_out, _err = module.run_command([vcgencmd, "measure_temp"])
    state = {"throttled": None if value is None else f"0x{value:x}", "now": [], "since_boot": [],
             "temperature_c": parse_temperature(temp_out), "error": None}
    if value is None:
        state["error"] = (err or out).strip() or f"vcgencmd get_throttled exited {rc}"
    else:
        state.update(decode_throttled(value))
    return state


def _read(path: str) -> str | None:
    return read_text(path, strip=True)


def cpu_state(sysfs: str = CPUFREQ) -> dict | None:
    """cpu0's clock, maximum and governor: a Pi's cores share one clock."""
    current, maximum = cpufreq_value("scaling_cur_freq", sysfs), cpufreq_value("cpuinfo_max_freq", sysfs)
    if current is None and maximum is None:
        return None
    return {
        "mhz": int(current) // 1000 if current and current.isdigit() else None,
        "max_mhz": int(maximum) // 1000 if maximum and maximum.isdigit() else None,
        "governor": cpufreq_value("scaling_governor", sysfs),
        "governors": (cpufreq_value("scaling_available_governors", sysfs) or "").split(),
    }


def parse_is_active(services: list, output: str) -> str | None:
    """The first service that `systemctl is-active SERVICE...` reports active (it prints one state per line)."""
    return next((name for name, state in zip(services, output.splitlines()) if state.strip() == "active"), None)


def time_sync_state(module, system_root: str = "/") -> dict:
    _rc, out, _err = module.run_command(["systemctl", "is-active", *TIME_SYNC_SERVICES])
    rc, synced, _err = module.run_command(["timedatectl", "show", "--property=NTPSynchronized", "--value"])
    return {
        "service": parse_is_active(TIME_SYNC_SERVICES, out),
        "synchronized": {"yes": True, "no": False}.get(synced.strip()) if rc == 0 else None,
        "container": container_manager(system_root),
    }


def job_processes(proc: str = "/proc") -> list:
    jobs = []
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        name = _read(f"{proc}/{entry}/comm")
        if name not in JOB_PROCESSES:
            continue
        try:
            user = pwd.getpwuid(os.stat(f"{proc}/{entry}").st_uid).pw_name
        except (KeyError, OSError):
            user = None
        jobs.append({"pid": int(entry), "name": name, "user": user})
    return sorted(jobs, key=lambda job: job["pid"])


def main():
    module = AnsibleModule(
        argument_spec={"checks": {"type": "list", "elements": "str", "choices": CHECKS, "default": CHECKS}},
        supports_check_mode=True,
    )
    checks = module.params["checks"]
    result = {}
    if "pi" in checks:
        # Older Raspberry Pi OS releases keep vcgencmd in /opt/vc/bin, outside PATH.
        result["pi"] = pi_state(module, module.get_bin_path("vcgencmd", opt_dirs=["/opt/vc/bin"]))
    if "cpu" in checks:
        result["cpu"] = cpu_state()
    if "time_sync" in checks:
        result["time_sync"] = time_sync_state(module)
    if "jobs" in checks:
        result["jobs"] = job_processes()
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
