"""The monitoring role's alert rules, rendered as the role renders them (its defaults), checked and unit-tested by
Prometheus' own promtool: each alert fires on the series that should fire it, names the node by its inventory name,
and stays quiet on a healthy node."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 templates every string
    def trust_as_template(text):
        return text

ROOT = Path(__file__).resolve().parents[3]
ROLE = ROOT / "roles" / "monitoring"

pytestmark = pytest.mark.skipif(not shutil.which("promtool"), reason="promtool (Debian's prometheus) is not installed")


def render(directory: Path, scheduler: str) -> Path:
    variables = {**yaml.safe_load((ROLE / "defaults" / "main.yml").read_text()), "ansible_managed": "Ansible managed",
                 "mpi_scheduler": scheduler}
    text = (ROLE / "templates" / "picluster-rules.yml.j2").read_text()
    path = directory / "picluster-rules.yml"
    path.write_text(Templar(loader=DataLoader(), variables=variables).template(trust_as_template(text)))
    return path


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Path:
    return render(tmp_path_factory.mktemp("rules"), "none")


@pytest.fixture(scope="module")
def slurm_rules(tmp_path_factory) -> Path:
    """The rules of a cluster with Slurm."""
    return render(tmp_path_factory.mktemp("slurm-rules"), "slurm")


def promtool_test(rules: Path, series: dict, alert: str, at: str, expected: list) -> subprocess.CompletedProcess:
    """promtool test rules: `series` (selector -> promtool's expanding notation, one sample every 15 s) and the alerts
    named `alert` expected at `at`."""
    test = {"rule_files": [str(rules)], "evaluation_interval": "15s", "tests": [{
        "interval": "15s",
        "input_series": [{"series": name, "values": values} for name, values in series.items()],
        "alert_rule_test": [{"eval_time": at, "alertname": alert, "exp_alerts": expected}]}]}
    path = rules.parent / f"test-{alert}.yml"
    path.write_text(yaml.safe_dump(test))
    return subprocess.run(["promtool", "test", "rules", str(path)], capture_output=True, text=True, check=False)


def fired(labels: dict, summary: str, description: str) -> dict:
    return {"exp_labels": labels, "exp_annotations": {"summary": summary, "description": description}}


@pytest.mark.parametrize("which", ["rules", "slurm_rules"])
def test_promtool_takes_the_rules(request, which):
    path = request.getfixturevalue(which)
    result = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_slurm_there_is_no_slurm_alert(rules):
    assert "Slurm" not in rules.read_text()


def test_a_node_that_stops_answering_is_down_after_a_minute(rules):
    result = promtool_test(rules, {'up{job="picluster",node="rpi-2"}': "1 1 0x12"}, "NodeDown", "2m", [fired(
        {"severity": "critical", "job": "picluster", "node": "rpi-2"}, "rpi-2 does not answer",
        "Prometheus has not reached node_exporter on rpi-2 for a minute: the node is off, hung or off the network.")])
    assert result.returncode == 0, result.stdout


def test_a_node_that_answers_is_not_down(rules):
    result = promtool_test(rules, {'up{job="picluster",node="rpi-2"}': "1x12"}, "NodeDown", "2m", [])
    assert result.returncode == 0, result.stdout


def test_a_pi_throttled_now_fires_at_once_naming_the_flag(rules):
    series = {'picluster_pi_throttled{node="rpi-1",flag="throttled",when="now"}': "0 1x4",
              'picluster_pi_throttled{node="rpi-1",flag="under-voltage",when="now"}': "0x5"}
    result = promtool_test(rules, series, "PiThrottledNow", "30s", [fired(
        {"severity": "warning", "node": "rpi-1", "flag": "throttled", "when": "now"}, "rpi-1: throttled now",
        "vcgencmd get_throttled on rpi-1 reports throttled now: its jobs run slower than the others'. Check its power "
        "supply and cooling.")])
    assert result.returncode == 0, result.stdout


def test_under_voltage_since_boot_fires(rules):
    series = {'picluster_pi_throttled{node="rpi-3",flag="under-voltage",when="since_boot"}': "1x4"}
    result = promtool_test(rules, series, "PiUnderVoltageSinceBoot", "30s", [fired(
        {"severity": "warning", "node": "rpi-3", "flag": "under-voltage", "when": "since_boot"},
        "rpi-3 has been under-voltage since boot",
        "The supply of rpi-3 dropped below 4.63 V at least once since boot: use a supply and cable that hold 5 V "
        "under load.")])
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(("celsius", "fires"), [(82, True), (75, False)])
def test_a_hot_soc_fires_over_the_threshold_only(rules, celsius, fires):
    expected = [fired({"severity": "warning", "node": "rpi-0"}, f"rpi-0 at {celsius} °C",
                      "The SoC of rpi-0 has been over 75 °C for a minute; the firmware throttles it from 80 °C (85 °C "
                      "on a Pi 5). Check its cooling.")] if fires else []
    result = promtool_test(rules, {'picluster_pi_soc_temperature_celsius{node="rpi-0"}': f"{celsius}x12"}, "PiHot",
                           "2m", expected)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(("fstype", "fires"), [("ext4", True), ("tmpfs", False)])
def test_an_almost_full_disk_fires_but_not_a_memory_file_system(rules, fstype, fires):
    labels = {"node": "rpi-1", "mountpoint": "/", "fstype": fstype, "device": "/dev/mmcblk0p2"}
    selector = ",".join(f'{key}="{value}"' for key, value in labels.items())
    series = {f"node_filesystem_avail_bytes{{{selector}}}": "5x40", f"node_filesystem_size_bytes{{{selector}}}": "100x40"}
    expected = [fired({"severity": "warning", **labels}, "rpi-1: / almost full",
                      "Less than 10% of / on rpi-1 is free.")] if fires else []
    result = promtool_test(rules, series, "DiskAlmostFull", "6m", expected)
    assert result.returncode == 0, result.stdout


def test_a_clock_off_by_more_than_the_threshold_fires(rules):
    result = promtool_test(rules, {'node_timex_offset_seconds{node="rpi-2"}': "-0.2x40"}, "ClockSkew", "6m", [fired(
        {"severity": "warning", "node": "rpi-2"}, "rpi-2's clock is off",
        "The clock of rpi-2 is 0.2 s off its time source: MPI timings and munge need the nodes' clocks in step.")])
    assert result.returncode == 0, result.stdout


# ---- with Slurm: the head node's collector reports every node's state (label slurm_node) --------------------------

DRAINED = 'picluster_slurm_node_up{node="rpi-0",slurm_node="rpi-1",state="drain",reason="picluster: throttled now (throttled)"}'


def test_a_drained_node_fires_by_its_own_name_after_a_minute(slurm_rules):
    result = promtool_test(slurm_rules, {DRAINED: "0x8"}, "SlurmNodeUnavailable", "90s", [fired(
        {"severity": "warning", "node": "rpi-1", "slurm_node": "rpi-1", "state": "drain",
         "reason": "picluster: throttled now (throttled)"}, "rpi-1 is drain in Slurm",
        "Slurm runs no job on rpi-1: it is drain (picluster: throttled now (throttled)). A node the health check "
        "drained comes back by itself once it is not throttled; `scontrol update NodeName=NAME State=RESUME` brings "
        "back one drained by hand.")])
    assert result.returncode == 0, result.stdout


def test_a_node_slurm_runs_jobs_on_does_not_fire(slurm_rules):
    series = {'picluster_slurm_node_up{node="rpi-0",slurm_node="rpi-1",state="idle",reason="none"}': "1x8"}
    result = promtool_test(slurm_rules, series, "SlurmNodeUnavailable", "90s", [])
    assert result.returncode == 0, result.stdout


def test_a_controller_that_does_not_answer_fires(slurm_rules):
    result = promtool_test(slurm_rules, {'picluster_slurm_controller_answers{node="rpi-0"}': "0x12"},
                           "SlurmControllerNotAnswering", "150s", [fired(
                               {"severity": "critical", "node": "rpi-0"}, "slurmctld does not answer on rpi-0",
                               "sinfo on the head node has had no answer from slurmctld for two minutes: no job "
                               "starts. Check `systemctl status slurmctld` there.")])
    assert result.returncode == 0, result.stdout
