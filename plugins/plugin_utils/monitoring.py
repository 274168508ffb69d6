"""The monitoring settings (role monitoring): which are refused before any change, each with what to fix. Imported by
the cluster view as ansible_collections.picluster.mpi.plugins.plugin_utils.monitoring."""
from __future__ import annotations

import re

from ansible.module_utils.parsing.convert_bool import boolean

# Prometheus' durations and sizes, as its --storage.tsdb.retention.* flags take them.
DURATION = re.compile(r"^([0-9]+(y|w|d|h|m|s|ms))+$")
SIZE = re.compile(r"^[0-9]+(B|KB|MB|GB|TB|PB|EB)$")
# The ports the collection's other services hold on the nodes, by who holds them.
TAKEN = {22: "sshd", 6817: "slurmctld", 6818: "slurmd", 6819: "slurmdbd", 3306: "MariaDB (Slurm's accounting)"}
PORTS = (("monitoring_prometheus_port", "prometheus_port"), ("monitoring_node_exporter_port", "node_exporter_port"))


ALERTMANAGER_PORT = ("monitoring_alertmanager_port", "alertmanager_port")


def _on(value):
    """A switch as the view may receive it: a bool, or the string a template rendered before ansible-core 2.19, read
    as Ansible's own `bool` filter reads it."""
    return boolean(value, strict=False)


def _port_problems(settings):
    found, seen = [], dict(TAKEN)
    ports = PORTS + ((ALERTMANAGER_PORT,) if _on(settings.get("alertmanager_enabled")) else ())
    for variable, key in ports:
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
    `retention_time`, `retention_size`, `slurm_health_check_interval`, and with `alertmanager_enabled` its
    `alertmanager_port` and `alertmanager_receiver`); nothing while monitoring is off."""
    if not _on(settings.get("enabled")):
        return []
    found = _port_problems(settings)
    time, size = str(settings.get("retention_time") or ""), str(settings.get("retention_size") or "")
    if not DURATION.match(time):
        found.append(f"monitoring_retention_time is '{time}': give a duration as Prometheus writes it, such as 30d, "
                     "6w or 12h.")
    if not SIZE.match(size):
        found.append(f"monitoring_retention_size is '{size}': give a size as Prometheus writes it, such as 2GB or "
                     "512MB.")
    interval = settings.get("slurm_health_check_interval", 0)
    if not str(interval).isdigit():
        found.append(f"monitoring_slurm_health_check_interval is '{interval}': give seconds (0 turns Slurm's health "
                     "check off).")
    if _on(settings.get("alertmanager_enabled")):
        found += _receiver_problems(settings.get("alertmanager_receiver"))
    return found


def _receiver_problems(receiver):
    """What is wrong with the receiver's shape: one or more of Alertmanager's *_configs lists, each non-empty. What is
    in each is amtool's to check on the head node."""
    example = "such as {webhook_configs: [{url: 'http://192.0.2.10:5001/'}]} (the README shows an email receiver)."
    if not isinstance(receiver, dict) or not receiver:
        return ["monitoring_alertmanager_enabled is true but monitoring_alertmanager_receiver says nowhere to send "
                "the alerts: give an Alertmanager receiver without its name, " + example]
    not_lists = sorted(key for key in receiver if not str(key).endswith("_configs"))
    if not_lists:
        return [f"monitoring_alertmanager_receiver has {', '.join(map(str, not_lists))}: give only Alertmanager's "
                "*_configs lists (the receiver's name is the collection's), " + example]
    empty = sorted(key for key, value in receiver.items() if not isinstance(value, list) or not value)
    if empty:
        return [f"monitoring_alertmanager_receiver's {', '.join(empty)} must each be a list of at least one "
                "configuration, " + example]
    return []


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


# What run_job.yml asks Prometheus of every node over a job's window (WINDOW seconds up to its end): the peak
# temperature (the Pi's SoC sensor, or off a Pi the warmest thermal zone the kernel offers), every throttle flag seen
# at some sample, and the PMIC's average power where the board reports it (a Pi 5 or CM5).
JOB_QUERIES = {
    "peak_temperature": "max by (node) (max_over_time(picluster_pi_soc_temperature_celsius[WINDOWs])) or "
                        "max by (node) (max_over_time(node_thermal_zone_temp[WINDOWs]))",
    "throttled": 'max by (node, flag) (max_over_time(picluster_pi_throttled{when="now"}[WINDOWs])) == 1',
    "average_power": "avg by (node) (avg_over_time(picluster_pi_pmic_power_watts[WINDOWs]))",
}
# Prometheus samples every node every scrape interval: the window reaches this far before the job, so that a short
# job still has a sample of every node.
JOB_MARGIN_S = 30


def job_window(wall_s):
    return int(-(-float(wall_s) // 1)) + JOB_MARGIN_S


def job_queries(wall_s):
    """The queries of JOB_QUERIES for a job that took wall_s seconds."""
    window = str(job_window(wall_s))
    return {name: query.replace("WINDOW", window) for name, query in JOB_QUERIES.items()}


def job_record(answers, wall_s, members, gflops=None):
    """What Prometheus saw of each member during the job, from the answers to job_queries (the uri loop results, each
    with item {key, value} and json): per node its peak temperature, the throttle flags seen, and where the board
    reports power its energy in joules (average power x wall time); the cluster's energy where every node reports
    it, and with HPL's Gflops, Gflops per watt. None where Prometheus could not be asked."""
    results = {}
    for answer in answers:
        if answer.get("status") != 200:
            return None
        results[(answer.get("item") or {}).get("key")] = answer["json"]["data"]["result"]
    nodes = {name: {"peak_temperature_c": None, "throttled": [], "energy_j": None} for name in members}
    for series in results.get("peak_temperature", []):
        if series["metric"].get("node") in nodes:
            nodes[series["metric"]["node"]]["peak_temperature_c"] = round(float(series["value"][1]), 1)
    for series in results.get("throttled", []):
        if series["metric"].get("node") in nodes:
            nodes[series["metric"]["node"]]["throttled"].append(series["metric"].get("flag"))
    for series in results.get("average_power", []):
        if series["metric"].get("node") in nodes:
            nodes[series["metric"]["node"]]["energy_j"] = round(float(series["value"][1]) * float(wall_s), 1)
    for node in nodes.values():
        node["throttled"].sort()
    energies = [node["energy_j"] for node in nodes.values()]
    energy = round(sum(energies), 1) if energies and None not in energies else None
    per_watt = round(float(gflops) / (energy / float(wall_s)), 3) if gflops and energy else None
    return {"window_s": job_window(wall_s), "nodes": nodes, "energy_j": energy, "gflops_per_watt": per_watt}
