#!/usr/bin/python
"""Module picluster.mpi.node_info: what the other nodes of the cluster need to know about this node."""
from __future__ import annotations

DOCUMENTATION = r"""
module: node_info
author: picluster.mpi maintainers (@picluster)
version_added: 0.2.0
short_description: Read what the other cluster nodes need to know about this node
description:
  - Reads the versions of the MPI stack (Open MPI, mpi4py, NumPy, Python, and Slurm where installed), the CPU
    architecture, the online CPUs and their topology, the memory, whether python3-apt is installed and the public
    keys of the MPI user's key pairs.
  - Reads too what fact gathering would give for the cluster view (filter P(picluster.mpi.cluster_view#filter)),
    the IPv4 addresses and the default route's source address, the hostname, the OS release and the SSH host
    keys. One call instead of C(ansible.builtin.setup) plus this module, so the playbooks gather no facts.
  - Only reads; programs that are not installed and keys that do not exist come back as null or empty.
options:
  user:
    description: The MPI user whose C(~/.ssh/id_*.pub) public keys are read. Empty, no key is read.
    type: str
    default: ""
  packages:
    description:
      - Packages whose installed and candidate versions are read from C(apt-cache policy), for a check that must
        come before any change (the Slurm controller package offered to the head node). Empty, none is read.
    type: list
    elements: str
    default: []
  block_files:
    description:
      - Files that are written as one marked block (P(ansible.builtin.blockinfile#module)). Those that exist
        without a line starting with O(block_marker) are named in RV(files_without_block).
    type: list
    elements: path
    default: []
  block_marker:
    description: How the first line of the block starts.
    type: str
    default: "# BEGIN picluster.mpi"
  superseded_files:
    description:
      - Files an earlier release wrote that the collection no longer writes. Those that exist and hold a line starting
        with one of O(superseded_signs) are named in RV(superseded_files).
    type: list
    elements: path
    default: []
  superseded_signs:
    description:
      - How the lines start that show the collection wrote a file of O(superseded_files); a file with none of them
        is someone else's.
    type: list
    elements: str
    default: ["# Ansible managed", "# BEGIN picluster.mpi"]
  hosts_marker:
    description:
      - The marker of the block of cluster names in C(/etc/hosts), with C({mark}) where C(BEGIN) and C(END) go
        (as P(ansible.builtin.blockinfile#module) takes it). Empty, no block is read.
    type: str
    default: ""
  paths:
    description:
      - Paths to look at (the shared storage's mount point, its unit, the head node's export directory); each is
        reported in RV(paths).
    type: list
    elements: path
    default: []
  fstab_marker:
    description:
      - The marker of the collection's block in C(/etc/fstab), as O(hosts_marker) is given. Empty, no block is read.
    type: str
    default: ""
extends_documentation_fragment:
  - picluster.mpi.read_only
"""

EXAMPLES = r"""
- name: Read the node's MPI stack, CPUs and the MPI user's public keys
  picluster.mpi.node_info:
    user: mpi
  register: node
"""

RETURN = r"""
versions:
  description:
    - Versions of C(openmpi), C(mpi4py), C(numpy), C(python) and C(slurm) (of C(slurmd)), null when not installed,
      and C(architecture).
  returned: always
  type: dict
  sample: {openmpi: 4.1.4, mpi4py: 3.1.4, numpy: 1.24.2, python: 3.11.2, slurm: 22.05.8, architecture: aarch64}
cpus:
  description: CPUs this node's processes may run on.
  returned: always
  type: int
  sample: 4
topology:
  description:
    - How the online CPUs are built, as Slurm describes a node - C(sockets), C(cores_per_socket) and
      C(threads_per_core) - from C(/sys/devices/system/cpu); null where the kernel does not say.
  returned: always
  type: dict
  sample: {sockets: 1, cores_per_socket: 4, threads_per_core: 1}
memory_mb:
  description: The node's memory (C(MemTotal)) in MiB.
  returned: always
  type: int
  sample: 3796
memory_available_mb:
  description: The memory (C(MemAvailable)) in MiB that programs can take now without swapping.
  returned: always
  type: int
  sample: 3402
python_apt:
  description: Whether python3-apt, which the apt module needs to compare packages, is installed.
  returned: always
  type: bool
  sample: true
public_keys:
  description: The MPI user's public keys by key type (C(ed25519), C(ecdsa), C(rsa)).
  returned: always
  type: dict
  sample: {ed25519: ssh-ed25519 AAAAC3Nza... mpi@rpi-0}
default_ipv4:
  description:
    - The source address of the default IPv4 route, as C(ip -4 route get) gives it (a routing table lookup that
      sends nothing). Empty when the node has no default route, as on a switch without a router.
  returned: always
  type: str
  sample: 192.0.2.10
ipv4:
  description: Every IPv4 address of the node but loopback, with its interface and prefix length.
  returned: always
  type: list
  elements: dict
  sample: [{device: eth0, address: 192.0.2.10, prefix: 24}]
hostname:
  description: The node's running hostname, without a domain.
  returned: always
  type: str
  sample: rpi-0
os:
  description: The OS from C(/etc/os-release). C(family) is C(Debian) for Debian and its derivatives.
  returned: always
  type: dict
  sample: {family: Debian, distribution: Debian, release: bookworm}
host_keys:
  description: The node's SSH host public keys as C([type, key]) pairs, for C(known_hosts).
  returned: always
  type: list
  elements: list
  sample: [[ssh-ed25519, AAAAC3NzaC1lZDI1NTE5AAAAI...]]
packages:
  description:
    - Per package asked for in O(packages), its C(installed) and C(candidate) versions, null where there is none
      (not installed, or no package source offers it). A package apt does not know at all has both null.
  returned: always
  type: dict
  sample: {slurmctld: {installed: null, candidate: 22.05.8-4+deb12u3}}
apt_lists:
  description:
    - Whether apt has package lists (C(/var/lib/apt/lists/*Packages*)). A fresh image may have none until
      C(apt update); then no package has a candidate, and O(packages) says nothing about what can be installed.
  returned: always
  type: bool
  sample: true
cgroup:
  description:
    - The node's control groups, for Slurm's process tracking - C(version) (2 for the unified hierarchy, 1 for the
      legacy one, null without either) and C(container), the container manager systemd detected (empty on a
      machine of its own). A container usually sees a cgroup tree it does not own.
  returned: always
  type: dict
  sample: {version: 2, container: ""}
time_services:
  description:
    - The time sync services installed (their systemd units exist), of C(chrony), C(ntpsec), C(ntp), C(openntpd) and
      C(systemd-timesyncd).
  returned: always
  type: list
  elements: str
  sample: [systemd-timesyncd]
cpufreq:
  description:
    - The CPU frequency governor (C(governor)) and those the kernel offers (C(governors)), from cpu0's cpufreq;
      null where the kernel has no cpufreq (many virtual machines).
  returned: always
  type: dict
  sample: {governor: ondemand, governors: [conservative, ondemand, userspace, powersave, performance, schedutil]}
python_site:
  description:
    - Where this Python (the one Ansible runs, C(python3) on Debian) takes modules installed locally from - the first
      of its site directories under C(/usr/local), as Debian's C(/usr/local/lib/python3.X/dist-packages); else its
      first site directory.
  returned: always
  type: str
  sample: /usr/local/lib/python3.11/dist-packages
boot_id:
  description:
    - The running kernel's boot id (C(/proc/sys/kernel/random/boot_id)), empty where there is none. Containers on
      one host share their host's kernel, and with it its boot id and its CPUs.
  returned: always
  type: str
  sample: 13bb52f5-0074-4fd1-974d-f3ee08558c76
hosts_block:
  description:
    - The lines of the block of O(hosts_marker) in C(/etc/hosts), null where the file has no such block (or
      O(hosts_marker) is empty).
  returned: always
  type: str
  sample: "192.0.2.10\trpi-0\n192.0.2.11\trpi-1"
paths:
  description:
    - Per path asked for, whether it exists, whether it is a directory, and what is mounted there (C(fstype) and
      C(source), as C(/proc/self/mounts) has them), or null.
  returned: always
  type: dict
  sample: {/cluster: {exists: true, directory: true, mount: {fstype: fuse.sshfs, source: "mpi@rpi-0:/srv/cluster"}}}
fstab_block:
  description: The lines of the collection's block in C(/etc/fstab), or null where there is none.
  returned: always
  type: str
accounts:
  description:
    - The local accounts of C(/etc/passwd) by name, with C(uid), C(gid), C(home), C(shell) and C(locked) (password
      locked and expiry date passed, as a person removed from the roster is left).
  returned: always
  type: dict
  sample: {mpi: {uid: 2000, gid: 2000, home: /home/mpi, shell: /bin/bash, locked: false}}
groups:
  description: The local groups of C(/etc/group), name to gid.
  returned: always
  type: dict
  sample: {mpi: 2000, video: 44}
cloud_init:
  description:
    - What cloud-init does to the names at the next boot, null where it is not installed. C(enabled) is false where
      it is disabled (C(/etc/cloud/cloud-init.disabled), or C(cloud-init=disabled) on the kernel command line).
    - C(manage_etc_hosts) is C(template) where it renders C(/etc/hosts) from C(hosts_template) at every boot,
      C(localhost) where it only adds the 127.0.1.1 line for its hostname, empty where it leaves the file alone.
      C(preserve_hostname) true, it leaves the hostname alone; else it names the node C(hostname) (the user-data's,
      or the datasource's local-hostname) at boot, also after the hostname was changed by other means.
    - Both settings as cloud-init merges them - the instance's user-data over vendor-data over
      C(/etc/cloud/cloud.cfg.d/*.cfg) (the last file first) over C(/etc/cloud/cloud.cfg).
    - C(hosts_template) is empty where the template is missing (cloud-init then leaves C(/etc/hosts) alone);
      C(hosts_template_block) is its block of O(hosts_marker), null where it has none.
  returned: always
  type: dict
  sample: {enabled: true, manage_etc_hosts: template, preserve_hostname: false, hostname: pi1,
           hosts_template: /etc/cloud/templates/hosts.debian.tmpl, hosts_template_block: null}
files_without_block:
  description:
    - The files of O(block_files) that hold lines but none starting with O(block_marker), such as a file an
      earlier release wrote whole, or one written by hand.
  returned: always
  type: list
  elements: str
  sample: [/home/mpi/machinefile]
superseded_files:
  description: The files of O(superseded_files) that hold a line starting with one of O(superseded_signs).
  returned: always
  type: list
  elements: str
  sample: [/home/mpi/.openmpi/mca-params.conf]
"""

import glob
import importlib.util
import json
import os
import platform
import pwd
import re
import shlex
import site
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.picluster.mpi.plugins.module_utils.marked_block import marker_lines
from ansible_collections.picluster.mpi.plugins.module_utils.node_system import (
    CPUFREQ,
    TIME_SYNC_SERVICES,
    accounts,
    container_manager,
    cpufreq_value,
    groups,
    mounts,
    read_text,
)

KEY_TYPES = ("ed25519", "ecdsa", "rsa")
HOST_KEY_FILE = "/etc/ssh/ssh_host_{}_key.pub"
OS_RELEASE = ("/etc/os-release", "/usr/lib/os-release")
# The first line of the collection's marked blocks, and with the templates' ansible_managed header, how a file the
# collection wrote starts: the defaults of block_marker and superseded_signs.
BLOCK_BEGIN = "# BEGIN picluster.mpi"
MANAGED_SIGNS = ["# Ansible managed", BLOCK_BEGIN]
# The address fact gathering asks the route to (default_ipv4): the kernel only looks the route up, nothing is sent.
ROUTE_PROBE = "8.8.8.8"


def distribution_version(name):
    # Package metadata, not an import: importing NumPy takes a good part of a second on a Pi.
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:
        return None
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def openmpi_version(module):
    ompi_info = module.get_bin_path("ompi_info")
    if not ompi_info:
        return None
    rc, out, _err = module.run_command([ompi_info, "--version"])
    match = re.search(r"Open MPI v(\S+)", out) if rc == 0 else None
    return match.group(1) if match else None


def online_cpus():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def slurm_version(module):
    slurmd = module.get_bin_path("slurmd", opt_dirs=["/usr/sbin"])
    if not slurmd:
        return None
    rc, out, _err = module.run_command([slurmd, "-V"])
    return parse_slurm_version(out) if rc == 0 else None


def parse_slurm_version(text):
    """The version in `slurmd -V` output: `slurm 22.05.8`, or `slurm-wlm 24.11.5` on newer Debian."""
    match = re.search(r"^slurm(?:-wlm)?\s+(\S+)", text.strip())
    return match.group(1) if match else None


def cpu_topology(cpus, sysfs="/sys/devices/system/cpu"):
    """Sockets, cores per socket and threads per core of the CPUs `cpus`, as Slurm wants them."""
    cores = set()
    for cpu in cpus:
        try:
            with open(f"{sysfs}/cpu{cpu}/topology/physical_package_id", encoding="ascii") as handle:
                package = handle.read().strip()
            with open(f"{sysfs}/cpu{cpu}/topology/core_id", encoding="ascii") as handle:
                core = handle.read().strip()
        except OSError:
            return {"sockets": None, "cores_per_socket": None, "threads_per_core": None}
        cores.add((package, core))
    sockets = len({package for package, _core in cores})
    if not cores or len(cpus) % len(cores) or len(cores) % sockets:
        return {"sockets": None, "cores_per_socket": None, "threads_per_core": None}
    return {"sockets": sockets, "cores_per_socket": len(cores) // sockets, "threads_per_core": len(cpus) // len(cores)}


def memory_mb(meminfo="/proc/meminfo", field="MemTotal"):
    try:
        with open(meminfo, encoding="ascii") as handle:
            match = re.search(rf"^{field}:\s+(\d+)\s+kB", handle.read(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) // 1024 if match else None


def public_keys(user):
    if not user:
        return {}
    try:
        home = pwd.getpwnam(user).pw_dir
    except KeyError:
        return {}
    keys = {}
    for key_type in KEY_TYPES:
        try:
            with open(os.path.join(home, ".ssh", f"id_{key_type}.pub"), encoding="utf-8") as handle:
                keys[key_type] = handle.read().strip()
        except OSError:
            continue
    return keys


def default_ipv4(module):
    ip = module.get_bin_path("ip")
    if not ip:
        return ""
    rc, out, _err = module.run_command([ip, "-4", "-o", "route", "get", ROUTE_PROBE])
    match = re.search(r"\bsrc\s+(\S+)", out) if rc == 0 else None
    return match.group(1) if match else ""


def parse_ipv4(ip_output):
    """Addresses from `ip -4 -o addr show`: `2: eth0    inet 192.0.2.10/24 brd ... scope global eth0`."""
    addresses = []
    for line in ip_output.splitlines():
        match = re.match(r"^\d+:\s+(\S+)\s+inet\s+([0-9.]+)/(\d+)", line)
        if match and not match.group(2).startswith("127."):
            addresses.append({"device": match.group(1).split("@")[0], "address": match.group(2),
                              "prefix": int(match.group(3))})
    return addresses


def ipv4_addresses(module):
    ip = module.get_bin_path("ip")
    if not ip:
        return []
    rc, out, _err = module.run_command([ip, "-4", "-o", "addr", "show"])
    return parse_ipv4(out) if rc == 0 else []


def parse_os_release(text):
    fields = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() and not name.lstrip().startswith("#"):
            try:
                fields[name.strip()] = " ".join(shlex.split(value))
            except ValueError:
                fields[name.strip()] = value.strip().strip("\"'")
    os_id = fields.get("ID", "").lower()
    debian = os_id == "debian" or "debian" in fields.get("ID_LIKE", "").lower().split()
    return {
        "family": "Debian" if debian else (fields.get("NAME", "").split() or [os_id])[0],
        "distribution": (fields.get("NAME", "").split() or [os_id])[0],
        "release": fields.get("VERSION_CODENAME", "") or fields.get("VERSION_ID", ""),
    }


def os_release():
    for path in OS_RELEASE:
        try:
            with open(path, encoding="utf-8") as handle:
                return parse_os_release(handle.read())
        except OSError:
            continue
    return {"family": "", "distribution": "", "release": ""}


def host_keys():
    keys = []
    for key_type in KEY_TYPES:
        try:
            with open(HOST_KEY_FILE.format(key_type), encoding="utf-8") as handle:
                fields = handle.read().split()
        except OSError:
            continue
        if len(fields) >= 2:
            keys.append(fields[:2])
    return keys


def parse_apt_policy(text, names):
    """Installed and candidate versions per package from `apt-cache policy NAME...` output."""
    versions = {name: {"installed": None, "candidate": None} for name in names}
    current = None
    for line in text.splitlines():
        header = re.match(r"^(\S+):$", line)
        if header:
            current = versions.get(header.group(1))
            continue
        field = re.match(r"^\s+(Installed|Candidate):\s*(\S+)", line)
        if field and current is not None and field.group(2) != "(none)":
            current[field.group(1).lower()] = field.group(2)
    return versions


def package_versions(module, names):
    if not names:
        return {}
    rc, out, _err = module.run_command(["apt-cache", "policy", *names], environ_update={"LANG": "C"})
    return parse_apt_policy(out if rc == 0 else "", names)


def apt_lists_present(lists="/var/lib/apt/lists"):
    try:
        return any("Packages" in name for name in os.listdir(lists))
    except OSError:
        return False


def control_groups(root="/sys/fs/cgroup", system_root="/"):
    if os.path.exists(os.path.join(root, "cgroup.controllers")):
        version = 2
    elif os.path.isdir(os.path.join(root, "freezer")):
        version = 1
    else:
        version = None
    return {"version": version, "container": container_manager(system_root)}


UNIT_DIRS = ["/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"]


def time_services(unit_dirs=None):
    unit_dirs = UNIT_DIRS if unit_dirs is None else unit_dirs
    return [name for name in TIME_SYNC_SERVICES
            if any(os.path.exists(os.path.join(directory, f"{name}.service")) for directory in unit_dirs)]


def cpufreq(sysfs=CPUFREQ):
    governors, governor = cpufreq_value("scaling_available_governors", sysfs), cpufreq_value("scaling_governor", sysfs)
    if governors is None or governor is None:
        return None
    return {"governor": governor, "governors": governors.split()}


def python_site(directories=None):
    directories = site.getsitepackages() if directories is None else directories
    local = [directory for directory in directories if directory.startswith("/usr/local/")]
    return (local or directories or [""])[0]


def boot_id(path="/proc/sys/kernel/random/boot_id"):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def file_lines(path):
    """A file's lines; none where it cannot be read: missing is the usual case; unreadable or not a file, the file's
    writer reports it better."""
    return (read_text(path) or "").splitlines()


def files_without_block(paths, marker):
    found = []
    for path in paths:
        lines = file_lines(path)
        if any(line.strip() for line in lines) and not any(line.startswith(marker) for line in lines):
            found.append(path)
    return found


def superseded_files(paths, signs):
    """The files that hold a line starting with one of signs: written by the collection, not by their owner."""
    return [path for path in paths if any(line.startswith(sign) for line in file_lines(path) for sign in signs if sign)]


# Where cloud-init keeps what decides the names at boot (Debian's and Ubuntu's packages): its program, the file that
# disables it, its system config, the instance's processed user-data and vendor-data, the instance data of the
# last boot (the datasource's local-hostname), and the template it renders /etc/hosts from on Debian and Ubuntu.
CLOUD_INIT = {
    "program": "usr/bin/cloud-init",
    "disabled": "etc/cloud/cloud-init.disabled",
    "cmdline": "proc/cmdline",
    "system": "etc/cloud/cloud.cfg",
    "system_dir": "etc/cloud/cloud.cfg.d",
    "user_data": "var/lib/cloud/instance/cloud-config.txt",
    "vendor_data": "var/lib/cloud/instance/vendor-cloud-config.txt",
    "instance_data": "run/cloud-init/instance-data.json",
    "hosts_template": "etc/cloud/templates/hosts.debian.tmpl",
}
# What cloud-init reads as true (util.translate_bool); manage_etc_hosts also takes "template" for true.
TRUE_WORDS = ("true", "1", "on", "yes", "y")


def block_lines(text, marker):
    """The lines between the BEGIN and END lines of a blockinfile block, or None without the block."""
    if text is None or not marker:
        return None
    lines = text.splitlines()
    begin, end = marker_lines(marker)
    if begin not in lines or end not in lines[lines.index(begin):]:
        return None
    start = lines.index(begin) + 1
    return "\n".join(lines[start:lines.index(end, start)])


def cloud_config(text):
    """A cloud-config document's settings; {} where it is none (a script, empty, or not YAML)."""
    if not text:
        return {}
    import yaml  # cloud-init needs PyYAML, so it is there wherever this is called

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def merged_cloud_config(layers):
    """One setting per key from cloud-config layers given highest first: the first layer that sets it wins."""
    merged = {}
    for layer in layers:
        for key, value in layer.items():
            merged.setdefault(key, value)
    return merged


def manage_etc_hosts(value):
    if isinstance(value, str) and value.strip().lower() == "localhost":
        return "localhost"
    return "template" if str(value).strip().lower() in (*TRUE_WORDS, "template") else ""


def cloud_init_hostname(config, local_hostname):
    """The hostname cloud-init applies (util.get_hostname_fqdn): fqdn's or hostname's first label, else the
    datasource's local-hostname."""
    name = config.get("hostname") or config.get("fqdn") or local_hostname or ""
    return str(name).split(".", maxsplit=1)[0]


def cloud_init(root="/", hosts_marker=""):
    paths = {key: os.path.join(root, path) for key, path in CLOUD_INIT.items()}
    if not os.path.exists(paths["program"]):
        return None
    system_files = sorted(glob.glob(os.path.join(paths["system_dir"], "*.cfg")), reverse=True)
    config = merged_cloud_config([cloud_config(read_text(path)) for path in
                                  [paths["user_data"], paths["vendor_data"], *system_files, paths["system"]]])
    try:
        local_hostname = json.loads(read_text(paths["instance_data"]) or "{}").get("v1", {}).get("local_hostname")
    except ValueError:
        local_hostname = None
    cmdline = (read_text(paths["cmdline"]) or "").split()
    template = read_text(paths["hosts_template"])
    return {
        "enabled": not os.path.exists(paths["disabled"]) and "cloud-init=disabled" not in cmdline,
        "manage_etc_hosts": manage_etc_hosts(config.get("manage_etc_hosts", False)),
        "preserve_hostname": str(config.get("preserve_hostname", False)).strip().lower() in TRUE_WORDS,
        "hostname": cloud_init_hostname(config, local_hostname),
        "hosts_template": "" if template is None else "/" + CLOUD_INIT["hosts_template"],
        "hosts_template_block": block_lines(template, hosts_marker),
    }


def path_states(paths, mounts_text=None):
    mounted = mounts(mounts_text)
    return {path: {"exists": os.path.lexists(path), "directory": os.path.isdir(path), "mount": mounted.get(path)}
            for path in paths}


def main():
    module = AnsibleModule(
        argument_spec={
            "user": {"type": "str", "default": ""},
            "packages": {"type": "list", "elements": "str", "default": []},
            "block_files": {"type": "list", "elements": "path", "default": []},
            "block_marker": {"type": "str", "default": BLOCK_BEGIN},
            "superseded_files": {"type": "list", "elements": "path", "default": []},
            "superseded_signs": {"type": "list", "elements": "str", "default": MANAGED_SIGNS},
            "hosts_marker": {"type": "str", "default": ""},
            "paths": {"type": "list", "elements": "path", "default": []},
            "fstab_marker": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    module.exit_json(
        changed=False,
        versions={
            "openmpi": openmpi_version(module),
            "mpi4py": distribution_version("mpi4py"),
            "numpy": distribution_version("numpy"),
            "python": platform.python_version(),
            "slurm": slurm_version(module),
            "architecture": platform.machine(),
        },
        cpus=online_cpus(),
        topology=cpu_topology(sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                              else range(os.cpu_count() or 0)),
        memory_mb=memory_mb(),
        memory_available_mb=memory_mb(field="MemAvailable"),
        python_apt=importlib.util.find_spec("apt") is not None,
        public_keys=public_keys(module.params["user"]),
        default_ipv4=default_ipv4(module),
        ipv4=ipv4_addresses(module),
        hostname=socket.gethostname().split(".")[0],
        os=os_release(),
        host_keys=host_keys(),
        packages=package_versions(module, module.params["packages"]),
        apt_lists=apt_lists_present(),
        cgroup=control_groups(),
        time_services=time_services(),
        cpufreq=cpufreq(),
        boot_id=boot_id(),
        python_site=python_site(),
        files_without_block=files_without_block(module.params["block_files"], module.params["block_marker"]),
        superseded_files=superseded_files(module.params["superseded_files"], module.params["superseded_signs"]),
        hosts_block=block_lines(read_text("/etc/hosts"), module.params["hosts_marker"]),
        cloud_init=cloud_init(hosts_marker=module.params["hosts_marker"]),
        paths=path_states(module.params["paths"]),
        fstab_block=block_lines(read_text("/etc/fstab"), module.params["fstab_marker"]),
        accounts=accounts(),
        groups=groups(),
    )


if __name__ == "__main__":
    main()
