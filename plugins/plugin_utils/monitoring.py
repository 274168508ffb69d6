"""The monitoring settings (role monitoring): which are refused before any change, each with what to fix. Imported by
the cluster view as ansible_collections.picluster.mpi.plugins.plugin_utils.monitoring."""
from __future__ import annotations

import re

# Prometheus' durations and sizes, as its --storage.tsdb.retention.* flags take them.
DURATION = re.compile(r"^([0-9]+(y|w|d|h|m|s|ms))+$")
SIZE = re.compile(r"^[0-9]+(B|KB|MB|GB|TB|PB|EB)$")
# The ports the collection's other services hold on the nodes, by who holds them.
TAKEN = {22: "sshd", 6817: "slurmctld", 6818: "slurmd", 6819: "slurmdbd", 3306: "MariaDB (Slurm's accounting)"}
PORTS = (("monitoring_prometheus_port", "prometheus_port"), ("monitoring_node_exporter_port", "node_exporter_port"))


def _port_problems(settings):
    found, seen = [], dict(TAKEN)
    for variable, key in PORTS:
        port = settings.get(key)
        if isinstance(port, bool) or (not isinstance(port, int) and not str(port).isdigit()):
            found.append(f"{variable} is '{port}': give a port number, 1 to 65535.")
            continue
        port = int(port)
        if not 1 <= port <= 65535:
            found.append(f"{variable} is {port}: give a port number, 1 to 65535.")
        elif port in seen:
            found.append(f"{variable} is {port}, which {seen[port]} already listens on: choose another port.")
        else:
            seen[port] = variable
    return found


def problems(settings):
    """What is wrong with the monitoring settings (`enabled`, `prometheus_port`, `node_exporter_port`,
    `retention_time`, `retention_size`); nothing while monitoring is off."""
    if not settings.get("enabled"):
        return []
    found = _port_problems(settings)
    time, size = str(settings.get("retention_time") or ""), str(settings.get("retention_size") or "")
    if not DURATION.match(time):
        found.append(f"monitoring_retention_time is '{time}': give a duration as Prometheus writes it, such as 30d, "
                     "6w or 12h.")
    if not SIZE.match(size):
        found.append(f"monitoring_retention_size is '{size}': give a size as Prometheus writes it, such as 2GB or "
                     "512MB.")
    return found


def in_place(node, settings):
    """Whether the node holds the monitoring role's sensor collector (its systemd timer), which the role removes
    where monitoring is off."""
    return bool(((node.get("paths") or {}).get(settings.get("unit") or "") or {}).get("exists"))


def scrape_targets(view, hostvars, port):
    """Prometheus' static targets: every member of the cluster, head node first, each with its inventory name as the
    `node` label. A member that is down keeps its target (so node-down fires), at its inventory address since
    node_info could not read its cluster address."""
    members = list(view["order"]) + [name for name in view["members"] if name not in view["order"]]
    targets = []
    for name in members:
        node = view["nodes"].get(name)
        address = node["address"] if node else (hostvars.get(name) or {}).get("ansible_host", name)
        targets.append({"targets": [f"{address}:{port}"], "labels": {"node": name}})
    return targets
