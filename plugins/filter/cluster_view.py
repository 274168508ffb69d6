"""Filter picluster.mpi.cluster_view: the cluster as every role sees it, and what is wrong with the inventory."""
from __future__ import annotations

DOCUMENTATION = r"""
name: cluster_view
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The cluster as every role sees it, computed once per play
description:
  - From the members of the cluster group, their inventory settings and what M(picluster.mpi.node_info) read
    on them (no facts are needed), works out which nodes are live and, for each live node, its cluster
    address, network and interface, its names, its effective hostname, its MPI slots, its OS release, its SSH host
    keys, the MPI user's public keys and its MPI stack.
  - Lists what is wrong with the inventory (C(problems)), including a setting still under the name an earlier
    release gave it, and where the nodes' OS releases or MPI stacks differ
    (C(mismatches)), each as a message that says what to fix.
  - A node's hostname is its inventory name where C(hostsfile_set_hostname) is on, else the one it reports. Its
    slots are C(machinefile_slots) where set, else its online CPUs.
positional: hostvars, group, head, user, play_hosts
options:
  _input:
    description: The members of the cluster group, in inventory order.
    type: list
    elements: str
    required: true
  hostvars:
    description:
      - Every host's variables. Per member it reads C(mpi_address), C(mpi_aliases), C(machinefile_slots) and
        C(hostsfile_set_hostname); for the hosts of the play also C(__cluster_node_info), the result of
        M(picluster.mpi.node_info).
    type: dict
    required: true
  group:
    description: The cluster group's name.
    type: str
    required: true
  head:
    description: The head node.
    type: str
    required: true
  user:
    description: The MPI user, as C(name), C(uid), C(gid) and C(home).
    type: dict
    required: true
  play_hosts:
    description: The members that answered in this play.
    type: list
    elements: str
    required: true
  outside_info:
    description:
      - Results of M(picluster.mpi.node_info) on the members outside the play (a loop over them, by delegation).
        Members whose result is unreachable or failed are dead.
    type: list
    elements: dict
    default: []
  scheduler:
    description:
      - The scheduler (C(mpi_scheduler)). With C(slurm), a head node whose package sources offer no C(slurmctld) (nor,
        with accounting, C(slurmdbd) and C(mariadb-server))
        (read by M(picluster.mpi.node_info) with O(picluster.mpi.node_info#module:packages)) is a problem, once
        apt has package lists at all.
    type: str
    default: none
  storage:
    description:
      - The shared storage settings - C(backend), C(path), C(export_dir) and C(unit) (the sshfs unit's path). Settings
        that cannot work are problems (see the shared_storage role); the export directory must exist on the head node
        (read by M(picluster.mpi.node_info) with O(picluster.mpi.node_info#module:paths)).
    type: dict
    default: {}
  roster:
    description:
      - The cluster's people - C(users) (C(cluster_users)) and C(accounts) (the names of C(cluster_accounts)). Entries
        that cannot work, and clashes with the accounts and groups on the live nodes (read by
        M(picluster.mpi.node_info)), are problems (see plugin_utils/roster.py).
    type: dict
    default: {}
  monitoring:
    description:
      - The monitoring settings - C(enabled), C(prometheus_port), C(node_exporter_port), C(retention_time),
        C(retention_size) and C(unit) (the sensor collector's timer, read by M(picluster.mpi.node_info) with
        O(picluster.mpi.node_info#module:paths)). While monitoring is on, a port outside 1-65535 or held by another
        service of the cluster, and a retention Prometheus would not take, are problems (see
        plugin_utils/monitoring.py).
    type: dict
    default: {}
"""

EXAMPLES = r"""
view: >-
  {{ groups['cluster'] | picluster.mpi.cluster_view(hostvars, 'cluster', 'rpi-0',
     {'name': 'mpi', 'uid': 2000, 'gid': 2000}, ansible_play_hosts) }}
"""

RETURN = r"""
_value:
  description:
    - The cluster view. Its keys - the cluster's (C(members), C(live), C(order), C(hostfile), C(nodes), C(problems),
      ...) and each node's (C(address), C(slots), C(versions), ...), each marked as an inventory setting, a probed
      state or derived from both - are the contract between the internal role C(_cluster) and the other roles,
      documented in C(docs/cluster-view.md) and checked against a real view by the unit tests.
  type: dict
"""

import ipaddress
import re

from ansible_collections.picluster.mpi.plugins.plugin_utils import monitoring as monitoring_plugin
from ansible_collections.picluster.mpi.plugins.plugin_utils import roster as roster_plugin
from ansible_collections.picluster.mpi.plugins.plugin_utils import shared_storage
from ansible_collections.picluster.mpi.plugins.plugin_utils.cluster_order import head_first, hostfile_lines
from ansible_collections.picluster.mpi.plugins.plugin_utils.version_policy import differences

HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
# Settings an earlier release read under another name: set under the old one, they would be ignored silently.
RENAMED = {"ssh_mesh_key_type": ("mpi_user_key_type", "0.2.0")}


def _reached(results):
    # The loop runs with failed_when false, so a node whose node_info failed (no Python, a full disk) is told
    # by the missing result, and counts as dead like an unreachable one.
    return {r["item"]: r for r in results or [] if not r.get("unreachable") and not r.get("failed")
            and not r.get("skipped") and "versions" in r}


def _bool(value):
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


def _setting(node_vars, name, default):
    value = node_vars.get(name)
    return default if value is None else value


def _interface(info, address):
    """The interface holding `address` and the network it is on, as (device, network), or None."""
    for ipv4 in info.get("ipv4") or []:
        if ipv4.get("address") == address:
            return ipv4.get("device", ""), str(ipaddress.ip_interface(f"{address}/{ipv4.get('prefix')}").network)
    return None


def _shared(owners_by_value):
    return [f"{', '.join(owners)} share '{value}'" for value, owners in owners_by_value.items() if len(owners) > 1]


def _node(name, node_vars, info):
    address = _setting(node_vars, "mpi_address", "") or info.get("default_ipv4") or ""
    interface = _interface(info, address) if address else None
    aliases = _setting(node_vars, "mpi_aliases", [])
    names = list(dict.fromkeys([name, *aliases]))
    set_hostname = _bool(_setting(node_vars, "hostsfile_set_hostname", False))
    os_release = info.get("os") or {}
    cpus = info.get("cpus")
    slots = _setting(node_vars, "machinefile_slots", cpus)
    cloud_init = dict(info["cloud_init"]) if (info.get("cloud_init") or {}).get("enabled") else None
    return {
        "address": address,
        "device": interface[0] if interface else "",
        "network": interface[1] if interface else "",
        "all_addresses": [ipv4.get("address") for ipv4 in info.get("ipv4") or []],
        "names": names,
        "set_hostname": set_hostname,
        "hostname": name if set_hostname else info.get("hostname", ""),
        "slots": slots,
        "cpus": cpus,
        "topology": dict(info.get("topology") or {}),
        "memory_mb": info.get("memory_mb"),
        "memory_available_mb": info.get("memory_available_mb"),
        "os_family": os_release.get("family", ""),
        "release": f"{os_release.get('distribution') or '?'} {os_release.get('release') or '?'}",
        "host_keys": [list(key) for key in info.get("host_keys") or []],
        "public_keys": dict(info.get("public_keys") or {}),
        "versions": dict(info.get("versions") or {}),
        "python_apt": bool(info.get("python_apt")),
        "packages": dict(info.get("packages") or {}),
        "apt_lists": bool(info.get("apt_lists")),
        "cgroup": dict(info.get("cgroup") or {}),
        "time_services": list(info.get("time_services") or []),
        "cpufreq": dict(info["cpufreq"]) if info.get("cpufreq") else None,
        "boot_id": info.get("boot_id") or "",
        "python_site": info.get("python_site") or "",
        # Kept aside once as FILE.old: a file of the collection's that holds lines but not its block, and a file the
        # collection wrote where it writes no more (the MPI user's Open MPI parameters, now system-wide).
        "keep_aside": list(info.get("files_without_block") or []) + list(info.get("superseded_files") or []),
        "hosts_block": info.get("hosts_block"),
        "paths": dict(info.get("paths") or {}),
        "fstab_block": info.get("fstab_block"),
        "cloud_init": cloud_init,
        # cloud-init renders /etc/hosts from this template at every boot; empty where it leaves the file alone.
        "hosts_template": cloud_init["hosts_template"] if cloud_init and cloud_init["manage_etc_hosts"] == "template"
        else "",
        "oversubscribed": isinstance(cpus, int) and str(slots).isdigit() and int(slots) > cpus,
    }


def _problems(group, head, members, user, nodes, scheduler):
    problems = []
    asked = nodes.get(head, {}).get("packages", {})
    missing = sorted(name for name, versions in asked.items()
                     if not ((versions or {}).get("installed") or (versions or {}).get("candidate")))
    # Without package lists (a fresh image before apt update) apt offers nothing yet: the install says more.
    if scheduler == "slurm" and head in nodes and nodes[head]["apt_lists"] and missing:
        problems.append(f"mpi_scheduler is slurm, but apt on the head node {head} offers no {', '.join(missing)} "
                        f"package, so Slurm cannot be installed. Enable the distribution's main archive in "
                        "/etc/apt/sources.list(.d) on the head node (Raspberry Pi OS and Debian ship Slurm there), "
                        "run apt update, then this playbook again.")
    if head not in members:
        problems.append(f"The cluster is the inventory group '{group}' (mpi_cluster_group), which must contain the "
                        f"head node '{head}' (mpi_head); its members are {', '.join(members) or 'none'}.")
    name, uid, gid = user.get("name", ""), user.get("uid", 0), user.get("gid", 0)
    if not (USER_NAME.match(str(name)) and name != "root" and int(uid) >= 1000 and int(gid) >= 1000):
        problems.append(f"mpi_user '{name}' (uid {uid}, gid {gid}) must be an ordinary account: a lower-case POSIX "
                        "name that is not root, with uid and gid of 1000 or more. Open MPI refuses to run jobs as root.")
    foreign = [f"{n} runs {node['release']}" for n, node in nodes.items() if node["os_family"] not in ("Debian", "")]
    if foreign:
        problems.append(f"{'; '.join(foreign)}: picluster.mpi supports Debian, Raspberry Pi OS and Ubuntu.")
    for n, node in nodes.items():
        if not node["network"]:
            problems.append(f"{n} has no IPv4 address '{node['address']}' (it has "
                            f"{', '.join(node['all_addresses']) or 'none'}); set mpi_address for such a host to the "
                            "address its peers reach it on.")
    owners = {}
    for n, node in nodes.items():
        # A missing address is reported on its own, not as one that nodes share.
        for value in dict.fromkeys([node["address"], *node["names"]]):
            if value:
                owners.setdefault(value, []).append(n)
    if _shared(owners):
        problems.append(f"Every node needs its own address and names, but {'; '.join(_shared(owners))}; fix "
                        "ansible_host, mpi_address or mpi_aliases in the inventory.")
    bad_slots = [f"{n}={node['slots']}" for n, node in nodes.items()
                 if node["slots"] is not None and not (re.fullmatch(r"[0-9]+", str(node["slots"]))
                                                       and int(node["slots"]) >= 1)]
    if bad_slots:
        problems.append("machinefile_slots must be a whole number of at least 1 (the MPI ranks a node runs), but it "
                        f"is {', '.join(bad_slots)}. Fix it in the inventory.")
    bad_names = [n for n, node in nodes.items() if node["set_hostname"] and not HOSTNAME.match(n)]
    if bad_names:
        problems.append(f"hostsfile_set_hostname is on, but {', '.join(bad_names)} cannot be a hostname (letters, "
                        "digits and inner hyphens, at most 63 characters). Rename the host in the inventory.")
    hostnames = {}
    for n, node in nodes.items():
        hostnames.setdefault(node["hostname"], []).append(n)
    if any(len(owners) > 1 for owners in hostnames.values()):
        listed = ", ".join(f"{n}={node['hostname']}" for n, node in nodes.items())
        problems.append(f"Several nodes have the same hostname ({listed}), "
                        "and Open MPI tells nodes apart by hostname. Set hostsfile_set_hostname: true to name each "
                        "node after its inventory name.")
    return problems


def _sharing_a_kernel(nodes):
    kernels = {}
    for n, node in nodes.items():
        if node["boot_id"]:
            kernels.setdefault(node["boot_id"], []).append(n)
    return [n for owners in kernels.values() if len(owners) > 1 for n in owners]


def _renamed(members, hostvars):
    problems = []
    for old, (new, release) in RENAMED.items():
        owners = [m for m in members if (hostvars.get(m) or {}).get(old) is not None]
        if owners:
            problems.append(f"{old} (set for {', '.join(owners)}) is called {new} since picluster.mpi {release}: "
                            "rename it in the inventory.")
    return problems


def _mismatches(nodes):
    mismatches = []
    if len({node["release"] for node in nodes.values()}) > 1:
        mismatches.append("the OS releases differ: " + ", ".join(f"{n}={node['release']}" for n, node in nodes.items()))
    for _key, label, installed in differences({n: node["versions"] for n, node in nodes.items()}):
        mismatches.append(f"{label} differs: " + ", ".join(f"{n}={version}" for n, version in installed.items()))
    return mismatches


def cluster_view(members, hostvars, group, head, user, play_hosts, outside_info=None, scheduler="none", storage=None,
                 roster=None, monitoring=None):
    members = list(members)
    roster = roster or {}
    users = roster.get("users") or []
    names = [entry.get("name") for entry in users if isinstance(entry, dict)]
    node_accounts, node_groups = {}, {}
    reached = _reached(outside_info)
    in_play = [m for m in members if m in play_hosts]
    outside = [m for m in members if m not in play_hosts and m in reached]
    live = [m for m in members if m in in_play or m in outside]
    nodes = {}
    for n in live:
        info = (hostvars[n].get("__cluster_node_info") if n in in_play else reached[n]) or {}
        nodes[n] = _node(n, hostvars[n], info)
        node_accounts[n], node_groups[n] = dict(info.get("accounts") or {}), dict(info.get("groups") or {})
        # Only the roster's people: the view is kept as a fact, and a node's other accounts matter only to the check.
        nodes[n]["accounts"] = {name: node_accounts[n][name] for name in names if name in node_accounts[n]}
    first = in_play[0] if in_play else None
    openmpi = [nodes[n]["versions"].get("openmpi") for n in ([head] if head in nodes else []) + live]
    openmpi = [version for version in openmpi if version]
    order = head_first(live, head)
    return {
        "group": group,
        "head": head,
        "members": members,
        "live": live,
        "order": order,
        "hostfile": hostfile_lines(order, nodes),
        "dead": [m for m in members if m not in live],
        "outside": outside,
        "write_targets": {h: [h] + (outside if h == first else []) for h in in_play},
        "nodes": nodes,
        "addresses": {name: node["address"] for node in nodes.values() for name in node["names"]},
        "openmpi_major": int(openmpi[0].split(".")[0]) if openmpi else None,
        "sharing_a_kernel": _sharing_a_kernel(nodes),
        "storage_in_place": [name for name in order if shared_storage.in_place(nodes[name], storage or {})],
        "monitoring_in_place": [name for name in order if monitoring_plugin.in_place(nodes[name], monitoring or {})],
        "users": roster_plugin.normalize(users, group) if isinstance(users, list) else [],
        "problems": (_problems(group, head, members, user, nodes, scheduler) + _renamed(members, hostvars)
                     + shared_storage.problems(storage or {}, user.get("home") or f"/home/{user['name']}",
                                               nodes[head]["paths"] if head in nodes else None)
                     + roster_plugin.problems(users, user, group, roster.get("accounts") or [], node_accounts,
                                              node_groups)
                     + monitoring_plugin.problems(monitoring or {})),
        "mismatches": _mismatches(nodes),
    }


class FilterModule:
    def filters(self):
        return {"cluster_view": cluster_view}
