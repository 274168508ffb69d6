"""The monitoring settings, refused or taken (plugin_utils/monitoring)."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.plugin_utils import monitoring

DEFAULTS = {"enabled": True, "prometheus_port": 9090, "node_exporter_port": 9100, "retention_time": "30d",
            "retention_size": "2GB", "slurm_health_check_interval": 60}


def problems(**changes):
    return monitoring.problems({**DEFAULTS, **changes})


def test_the_defaults_are_taken():
    assert problems() == []


def test_nothing_is_checked_while_monitoring_is_off():
    assert problems(enabled=False, prometheus_port=0) == []


@pytest.mark.parametrize(("port", "shown"), [(0, "0"), (65536, "65536"), (-1, "-1"), ("http", "'http'"),
                                             (True, "'True'")])
def test_a_port_outside_1_to_65535_is_refused(port, shown):
    assert problems(prometheus_port=port) == [f"monitoring_prometheus_port is {shown}: give a port number, 1 to 65535."]


@pytest.mark.parametrize(("port", "holder"), [(22, "sshd"), (6817, "slurmctld"), (6819, "slurmdbd")])
def test_a_port_another_service_of_the_cluster_holds_is_refused_naming_it(port, holder):
    assert problems(node_exporter_port=port) == [
        f"monitoring_node_exporter_port is {port}, which {holder} already listens on: choose another port."]


def test_prometheus_and_node_exporter_cannot_share_a_port():
    assert problems(node_exporter_port=9090) == [
        "monitoring_node_exporter_port is 9090, which monitoring_prometheus_port already listens on: choose another "
        "port."]


@pytest.mark.parametrize("retention", ["30d", "6w", "1y", "12h30m", "90m"])
def test_prometheus_durations_are_taken(retention):
    assert problems(retention_time=retention) == []


@pytest.mark.parametrize("retention", ["30", "30 days", "1.5d", "", "d"])
def test_a_retention_that_is_not_a_duration_is_refused(retention):
    assert problems(retention_time=retention) == [
        f"monitoring_retention_time is '{retention}': give a duration as Prometheus writes it, such as 30d, 6w or "
        "12h."]


@pytest.mark.parametrize("size", ["2G", "2 GB", "2gb", "", "1.5GB"])
def test_a_size_that_is_not_a_size_is_refused(size):
    assert problems(retention_size=size) == [
        f"monitoring_retention_size is '{size}': give a size as Prometheus writes it, such as 2GB or 512MB."]


WEBHOOK = {"webhook_configs": [{"url": "http://192.0.2.10:5001/"}]}


def test_an_alertmanager_with_a_receiver_is_taken():
    assert problems(alertmanager_enabled=True, alertmanager_port=9093, alertmanager_receiver=WEBHOOK) == []


@pytest.mark.parametrize("off", [False, "False", "false"])
def test_alertmanager_off_needs_no_receiver(off):
    assert problems(alertmanager_enabled=off, alertmanager_port=9093, alertmanager_receiver={}) == []


def test_monitoring_off_as_a_rendered_string_checks_nothing():
    assert monitoring.problems({**DEFAULTS, "enabled": "False", "prometheus_port": 70000}) == []


@pytest.mark.parametrize(("receiver", "says"), [
    ({}, "monitoring_alertmanager_enabled is true but monitoring_alertmanager_receiver says nowhere to send the alerts"),
    ({"name": "me", **WEBHOOK}, "monitoring_alertmanager_receiver has name: give only Alertmanager's *_configs lists"),
    ({"email_configs": []}, "monitoring_alertmanager_receiver's email_configs must each be a list of at least one"),
    ({"webhook_configs": {"url": "http://192.0.2.10/"}}, "monitoring_alertmanager_receiver's webhook_configs must"),
])
def test_a_receiver_that_sends_nowhere_is_refused(receiver, says):
    found = problems(alertmanager_enabled=True, alertmanager_port=9093, alertmanager_receiver=receiver)
    assert len(found) == 1 and found[0].startswith(says), found


def test_alertmanagers_port_cannot_be_prometheus_port():
    found = problems(alertmanager_enabled=True, alertmanager_port=9090, alertmanager_receiver=WEBHOOK)
    assert found == ["monitoring_alertmanager_port is 9090, which monitoring_prometheus_port already listens on: "
                     "choose another port."]


@pytest.mark.parametrize("interval", [0, 60, "30"])
def test_a_health_check_interval_in_seconds_or_0_is_taken(interval):
    assert problems(slurm_health_check_interval=interval) == []


@pytest.mark.parametrize("interval", [-1, "1m", ""])
def test_a_health_check_interval_that_is_not_seconds_is_refused(interval):
    assert problems(slurm_health_check_interval=interval) == [
        f"monitoring_slurm_health_check_interval is '{interval}': give seconds (0 turns Slurm's health check off)."]


VIEW = {"members": ["rpi-0", "rpi-1", "rpi-2"], "order": ["rpi-1", "rpi-0"],
        "nodes": {"rpi-0": {"address": "10.0.0.10"}, "rpi-1": {"address": "10.0.0.11"}}}
HOSTVARS = {"rpi-2": {"ansible_host": "192.0.2.12"}}


def test_every_live_node_is_a_target_at_its_cluster_address_named_by_its_inventory_name():
    assert monitoring.scrape_targets(VIEW, HOSTVARS, 9100)[:2] == [
        {"targets": ["10.0.0.11:9100"], "labels": {"node": "rpi-1"}},
        {"targets": ["10.0.0.10:9100"], "labels": {"node": "rpi-0"}}]


def test_a_member_that_is_down_keeps_its_target_at_its_inventory_address():
    expected = {"targets": ["192.0.2.12:9100"], "labels": {"node": "rpi-2"}}
    assert monitoring.scrape_targets(VIEW, HOSTVARS, 9100)[2] == expected


# ---- what run_job.yml asks and records ------------------------------------------------------------------------------

def test_a_jobs_window_is_its_wall_time_rounded_up_plus_a_scrape_margin():
    assert monitoring.job_window(12.1) == 13 + monitoring.JOB_MARGIN_S


def test_each_query_covers_the_jobs_window():
    queries = monitoring.job_queries(12.1)
    assert all(f"[{13 + monitoring.JOB_MARGIN_S}s]" in query and "WINDOW" not in query for query in queries.values())


def answer(name, series, status=200):
    return {"item": {"key": name}, "status": status, "json": {"data": {"result": [
        {"metric": labels, "value": [0, str(value)]} for labels, value in series]}}}


ANSWERS = [answer("peak_temperature", [({"node": "rpi-0"}, 61.26), ({"node": "rpi-1"}, 81.3)]),
           answer("throttled", [({"node": "rpi-1", "flag": "under-voltage"}, 1),
                                ({"node": "rpi-1", "flag": "throttled"}, 1)]),
           answer("average_power", [({"node": "rpi-0"}, 5.0), ({"node": "rpi-1"}, 7.5)])]


def test_the_record_has_each_nodes_peak_temperature_and_throttle_flags():
    nodes = monitoring.job_record(ANSWERS, 10, ["rpi-0", "rpi-1"])["nodes"]
    assert nodes["rpi-1"] == {"peak_temperature_c": 81.3, "throttled": ["throttled", "under-voltage"], "energy_j": 75.0}


def test_the_clusters_energy_and_gflops_per_watt_where_every_node_reports_power():
    record = monitoring.job_record(ANSWERS, 10, ["rpi-0", "rpi-1"], gflops=25.0)
    assert (record["energy_j"], record["gflops_per_watt"]) == (125.0, 2.0)


def test_no_cluster_energy_when_a_node_reports_no_power():
    record = monitoring.job_record(ANSWERS, 10, ["rpi-0", "rpi-1", "rpi-2"], gflops=25.0)
    assert (record["nodes"]["rpi-2"]["energy_j"], record["energy_j"], record["gflops_per_watt"]) == (None, None, None)


def test_no_record_when_prometheus_did_not_answer():
    assert monitoring.job_record([answer("peak_temperature", [], status=-1)], 10, ["rpi-0"]) is None
