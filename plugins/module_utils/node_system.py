"""What the collection's modules read on a node the same way: files, whether the node is a container, the time sync
services, cpufreq, mounts and the processes of MPI and Slurm jobs. One place for each, imported by the modules as
ansible_collections.picluster.mpi.plugins.module_utils.node_system."""
from __future__ import annotations

import os
import re
import time

# The time sync services a node may run, in the order the collection prefers them when several are installed:
# a full NTP daemon before systemd-timesyncd, Debian's default client. chronyd is chrony's unit name elsewhere.
TIME_SYNC_SERVICES = ("chrony", "chronyd", "ntpsec", "ntp", "openntpd", "systemd-timesyncd")

# The processes of a running MPI job that its user runs: launchers and Open MPI's daemons (orted on Open MPI 4, prted
# on 5). run_job.yml's clean-up kills those a stopped job leaves behind.
MPI_PROCESSES = frozenset({"mpirun", "mpiexec", "orterun", "prterun", "prte", "orted", "prted"})
# The processes of a running MPI or Slurm job, Slurm's step daemon (root's) included: power.yml refuses while any runs.
JOB_PROCESSES = MPI_PROCESSES | {"slurmstepd"}

# Files by which container managers mark a container, as systemd-detect-virt reads them.
CONTAINER_MARKS = (("run/.containerenv", "podman"), (".dockerenv", "docker"))


def read_text(path, strip=False):
    """A text file's content (stripped if asked), or None when it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return None
    return text.strip() if strip else text


# cpu0's cpufreq: a Pi's cores share one clock, so cpu0's governor and clock are the node's.
CPUFREQ = "/sys/devices/system/cpu/cpu0/cpufreq"


def cpufreq_value(name, sysfs=CPUFREQ):
    """One cpufreq file of cpu0 (scaling_governor, scaling_cur_freq, ...), stripped; None where the kernel has none."""
    return read_text(os.path.join(sysfs, name), strip=True)


def container_manager(root="/"):
    """The container manager the node runs in, found as `systemd-detect-virt --container` finds it: systemd's
    record (/run/systemd/container), the `container=` variable of PID 1, then the files podman and Docker leave.
    Empty on a machine of its own."""
    recorded = read_text(os.path.join(root, "run/systemd/container"), strip=True)
    if recorded:
        return recorded
    environ = read_text(os.path.join(root, "proc/1/environ")) or ""
    for variable in environ.split("\0"):
        if variable.startswith("container=") and variable[len("container="):]:
            return variable[len("container="):]
    for mark, manager in CONTAINER_MARKS:
        if os.path.exists(os.path.join(root, mark)):
            return manager
    return ""


def mounts(text=None):
    """Mount points to what is mounted there (C(fstype), C(source)), from /proc/self/mounts or the text given (octal
    escapes, such as \\040 for a space, decoded); the last mount of a point is the one in effect."""
    text = read_text("/proc/self/mounts") if text is None else text
    found = {}
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) >= 3:
            point = re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), fields[1])
            found[point] = {"fstype": fields[2], "source": fields[0]}
    return found


def _colon_lines(text, width):
    for line in (text or "").splitlines():
        fields = line.split(":")
        if len(fields) >= width and fields[0] and not fields[0].startswith(("#", "+", "-")):
            yield fields


def _number(text):
    return int(text) if text.isdigit() else None


def accounts(passwd=None, shadow=None, today=None):
    """The local accounts (/etc/passwd), by name: uid, gid, home, shell, and whether the account can no longer be
    logged in to, its password locked (`!`) and its expiry date passed (/etc/shadow, read where it can be; what
    `usermod --lock --expiredate 1` leaves). Reads the files, not NSS: a directory service's accounts are not the
    node's own, and a slow one would slow every run."""
    passwd = read_text("/etc/passwd") if passwd is None else passwd
    shadow = read_text("/etc/shadow") if shadow is None else shadow
    today = today if today is not None else int(time.time() // 86400)
    locked = {}
    for fields in _colon_lines(shadow, 8):
        expiry = _number(fields[7])
        locked[fields[0]] = fields[1].startswith("!") and expiry is not None and expiry <= today
    return {fields[0]: {"uid": _number(fields[2]), "gid": _number(fields[3]), "home": fields[5], "shell": fields[6],
                        "locked": locked.get(fields[0], False)}
            for fields in _colon_lines(passwd, 7)}


def groups(group=None):
    """The local groups (/etc/group): name to gid."""
    group = read_text("/etc/group") if group is None else group
    return {fields[0]: _number(fields[2]) for fields in _colon_lines(group, 4)}
