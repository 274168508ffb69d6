"""check.yml's monitoring line: what Prometheus on the head node says of the cluster (filter health_report), from
answers of the shape Prometheus' API gives (/api/v1/targets, /api/v1/alerts) through ansible.builtin.uri."""
from __future__ import annotations

from ansible_collections.picluster.mpi.plugins.filter import health_report as health
from test_health_report import NODES, cluster_view, line, mpirun, probes


def answers(down=(), alerts=(), status=200) -> list:
    targets = [{"labels": {"job": "picluster", "node": name}, "health": "down" if name in down else "up"} for name in NODES]
    targets.append({"labels": {"job": "prometheus", "node": NODES[0]}, "health": "up"})
    firing = [{"labels": labels, "state": "firing"} for labels in alerts]
    return [{"item": "targets", "status": status, "json": {"data": {"activeTargets": targets}}},
            {"item": "alerts", "status": status, "json": {"data": {"alerts": firing}}}]


def report(monitoring) -> dict:
    return health.health_report(cluster_view(), probes(), mpirun(), monitoring=monitoring)


def test_every_node_up_and_no_alert_is_ok():
    found = report(answers())
    assert found["ok"] and line(found, "monitoring") == (
        f"monitoring   OK    {len(NODES)}/{len(NODES)} nodes up in Prometheus; no alert firing")


def test_a_node_prometheus_sees_down_is_a_problem_naming_it():
    found = report(answers(down=["rpi-2"]))
    assert not found["ok"] and "Prometheus sees rpi-2 down" in found["problems"], found["problems"]


def test_a_firing_warning_is_a_warning_naming_the_alert_node_and_flag():
    found = report(answers(alerts=[{"alertname": "PiThrottledNow", "node": "rpi-1", "flag": "throttled",
                                    "severity": "warning"}]))
    assert found["ok"] and found["warnings"] == ["alert PiThrottledNow on rpi-1 (throttled)"], found


def test_a_firing_warning_marks_the_line_warn():
    found = report(answers(alerts=[{"alertname": "PiHot", "node": "rpi-1", "severity": "warning"}]))
    assert line(found, "monitoring").startswith("monitoring   WARN  ") and "firing: PiHot on rpi-1" in line(
        found, "monitoring")


def test_a_firing_critical_alert_is_a_problem():
    found = report(answers(alerts=[{"alertname": "NodeDown", "node": "rpi-2", "severity": "critical"}]))
    assert not found["ok"] and "alert NodeDown on rpi-2" in found["problems"], found["problems"]


def test_prometheus_that_does_not_answer_is_a_problem_saying_where_to_look():
    found = report([{"item": "targets", "status": -1, "msg": "Connection refused"},
                    {"item": "alerts", "status": -1, "msg": "Connection refused"}])
    assert found["problems"] == ["Prometheus does not answer on rpi-0: Connection refused (systemctl status prometheus)"]


def test_without_monitoring_there_is_no_line():
    assert not [text for text in report(None)["lines"] if text.startswith("monitoring")]
