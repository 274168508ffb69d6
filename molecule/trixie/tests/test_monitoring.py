"""Watching the cluster: site.yml with monitoring_enabled sets up node_exporter with the Pi sensor collector on every
node and Prometheus on the head node. Every node is an up target named by its inventory name; a stand-in vcgencmd
answering with outputs recorded on a Pi 5 turns into the right metrics and fires the throttled alert, which
Alertmanager sends to a webhook on the controller; a stopped node fires node-down; bad settings are refused before
any change; monitoring turned off leaves nothing running.

On the trixie cluster (Prometheus 2.53 and node_exporter 1.9 of Debian 13), after the roster story; marked
every_release, as that scenario runs only such tests."""
from __future__ import annotations

import json
import math
import re

import pytest
from alert_receiver import Receiver
from browser import dom, node_rows, screenshot
from clustertest import ADDRESSES, EVERY_RELEASE, HEAD, NODES, PROJECT, node, playbook, vcluster
from playbook_output import changed_hosts
from prometheus_api import BASE, query, wait_for
from source_files import load_source

pytestmark = EVERY_RELEASE

ON = ("-e", "monitoring_enabled=true")
PI = NODES[1]
STOPPED = NODES[3]
RECORDED = PROJECT / "tests" / "unit" / "recorded" / "vcgencmd"
# The collection's reader of vcgencmd, which the collector runs on the nodes.
pi_sensors = load_source(PROJECT / "plugins" / "module_utils" / "pi_sensors.py")
PMIC = (RECORDED / "pi5-pmic_read_adc.txt").read_text()
# What a Pi 5 on a weak supply and running hot answers (its PMIC's recorded output; the rest as vcgencmd prints it).
STAND_IN = f"""#!/bin/sh
case "$1 $2" in
  "get_throttled "*) echo throttled=0x50005;;
  "measure_temp "*) echo "temp=81.3'C";;
  "measure_clock arm") echo "frequency(0)=1500000000";;
  "get_config arm_freq") echo arm_freq=2400;;
  "pmic_read_adc "*) cat <<'EOF'
{PMIC}EOF
  ;;
  *) exit 1;;
esac
"""


@pytest.fixture(scope="module")
def receiver():
    """A webhook on the controller, where the cluster's Alertmanager sends the alerts."""
    with Receiver(ADDRESSES[HEAD]) as webhook:
        yield webhook


@pytest.fixture(scope="module")
def converged(receiver):
    alerting = ("-e", json.dumps({"monitoring_alertmanager_enabled": True,
                                  "monitoring_alertmanager_receiver": {"webhook_configs": [{"url": receiver.url}]}}))
    return playbook("site.yml", *ON, *alerting), playbook("site.yml", *ON, *alerting)


def test_site_sets_up_monitoring(converged):
    first, _second = converged
    assert first.returncode == 0, first.stdout[-3000:]


def test_a_second_run_changes_nothing(converged):
    _first, second = converged
    assert second.returncode == 0 and changed_hosts(second.stdout) == {}, second.stdout[-3000:]


def test_every_node_is_an_up_target_named_by_its_inventory_name(converged):
    found = wait_for('up{job="picluster"}', lambda up: sorted(up) == sorted(NODES) and all(up.values()), timeout=60)
    assert found == dict.fromkeys(NODES, 1.0), found


@pytest.mark.parametrize("name", NODES)
def test_node_exporter_listens_on_the_cluster_address_only(converged, name):
    listening = node(name).check_output("ss --listening --tcp --numeric --no-header '( sport = :9100 )'")
    assert [line.split()[3].rsplit(":", 1)[0] for line in listening.splitlines()] == [node(name).check_output(
        "grep -o 'listen-address=[0-9.]*' /etc/default/prometheus-node-exporter | cut -d= -f2")], listening


def test_prometheus_takes_its_own_configuration(converged):
    result = node(HEAD).run("promtool check config /etc/prometheus/prometheus.yml")
    assert result.rc == 0, result.stdout + result.stderr


# ---- a Pi's sensors, through a stand-in vcgencmd -------------------------------------------------------------------

@pytest.fixture(scope="module")
def stand_in(converged):
    host = node(PI)
    host.check_output(f"cat > /usr/local/bin/vcgencmd <<'STAND_IN'\n{STAND_IN}STAND_IN\n"
                      "chmod 0755 /usr/local/bin/vcgencmd && systemctl start picluster-pi-sensors.service")
    yield
    host.check_output("rm -f /usr/local/bin/vcgencmd")


@pytest.mark.parametrize(("series", "value"), [
    ("picluster_pi_vcgencmd_available", 1),
    ('picluster_pi_throttled{flag="under-voltage",when="now"}', 1),
    ('picluster_pi_throttled{flag="throttled",when="since_boot"}', 1),
    ('picluster_pi_throttled{flag="frequency capped",when="now"}', 0),
    ("picluster_pi_soc_temperature_celsius", 81.3),
    ("picluster_pi_arm_clock_hertz", 1.5e9),
    ("picluster_pi_arm_clock_max_hertz", 2.4e9),
    ("picluster_pi_input_volts", 5.09066),
    ("picluster_pi_pmic_power_watts", pi_sensors.pmic_power(pi_sensors.parse_pmic(PMIC))),
])
def test_the_stand_in_pis_readings_reach_prometheus(stand_in, series, value):
    found = wait_for(series, lambda result: math.isclose(result.get(PI, math.nan), value, rel_tol=1e-6), timeout=60)
    assert math.isclose(found.get(PI, math.nan), value, rel_tol=1e-6), found


def test_the_other_nodes_say_they_have_no_vcgencmd(stand_in):
    found = query("picluster_pi_vcgencmd_available")
    assert {name: found.get(name) for name in NODES if name != PI} == {name: 0.0 for name in NODES if name != PI}, found


def test_the_throttled_alert_fires_for_the_stand_in_pi(stand_in):
    found = wait_for('ALERTS{alertname="PiThrottledNow",alertstate="firing"}', lambda result: PI in result, timeout=90)
    assert list(found) == [PI], found


def test_alertmanager_sends_the_throttled_alert_to_the_receiver(stand_in, receiver):
    def sent(alerts):
        return [alert for alert in alerts if alert["alertname"] == "PiThrottledNow" and alert["status"] == "firing"]
    found = sent(receiver.wait_for(sent, timeout=150))
    assert found and {alert["node"] for alert in found} == {PI}, receiver.alerts()


def test_check_names_the_firing_alert_on_its_monitoring_line(stand_in):
    check = playbook("check.yml", *ON)
    assert re.search(rf"monitoring +WARN +{len(NODES)}/{len(NODES)} nodes up in Prometheus; firing: .*PiThrottledNow on "
                     rf"{PI} \(under-voltage\)", check.stdout), check.stdout[-3000:]


@pytest.fixture(scope="module")
def job_record(stand_in, tmp_path_factory):
    """run_job.yml's pi job with monitoring on, while the stand-in Pi is throttled and hot: its saved result."""
    results = tmp_path_factory.mktemp("results")
    run = playbook("run_job.yml", *ON, "-e", "job=pi", "-e", f"mpi_job_results_dir={results}")
    saved = sorted(results.glob("pi-*.json"))
    assert run.returncode == 0 and saved, run.stdout[-3000:]
    return json.loads(saved[0].read_text())["monitoring"]


def test_run_job_records_the_pis_peak_temperature_during_the_job(job_record):
    assert job_record["nodes"][PI]["peak_temperature_c"] == 81.3, job_record


def test_run_job_records_what_throttled_it_during_the_job(job_record):
    assert job_record["nodes"][PI]["throttled"] == ["throttled", "under-voltage"], job_record


def test_run_job_records_the_pis_energy_from_its_pmic(job_record):
    assert job_record["nodes"][PI]["energy_j"] > 0, job_record


def test_run_job_records_every_node(job_record):
    assert sorted(job_record["nodes"]) == sorted(NODES), job_record


# ---- the console page, in a real browser ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def console(stand_in):
    """The console page as headless Chromium shows it, once Prometheus has the stand-in Pi's temperature; its
    screenshot is kept in .cache/screenshots."""
    wait_for("picluster_pi_soc_temperature_celsius", lambda result: PI in result, timeout=60)
    url = f"{BASE}/consoles/picluster.html"
    screenshot(url, PROJECT / ".cache" / "screenshots" / "console-trixie.png")
    return node_rows(dom(url))


def test_the_console_page_has_a_row_for_every_node(console):
    assert sorted(console) == sorted(NODES), console


@pytest.mark.parametrize("name", NODES)
def test_each_row_says_its_node_is_up(console, name):
    assert console[name]["state"]["text"] == "up", console[name]


def test_the_pis_row_shows_its_temperature_and_what_throttles_it(console):
    row = console[PI]
    # The flags in the order of their names.
    assert (row["temperature"]["text"], row["throttled"]["text"]) == ("81.3 °C", "throttled, under-voltage"), row


def test_the_pis_row_draws_its_temperature_over_the_last_hour(console):
    assert "polyline" in console[PI]["curve"]["tags"], console[PI]


@pytest.mark.parametrize("name", [name for name in NODES if name != PI])
def test_the_other_rows_say_they_are_not_pis(console, name):
    assert console[name]["throttled"]["text"] == "not a Pi", console[name]


# ---- a node stops -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stopped(converged):
    """The firing alerts once a node is stopped, then its target once it has booted again."""
    vcluster("stop", STOPPED)
    try:
        firing = wait_for('ALERTS{alertname="NodeDown",alertstate="firing"}', lambda result: STOPPED in result,
                          timeout=150)
    finally:
        vcluster("start", STOPPED)
    return firing, wait_for(f'up{{job="picluster",node="{STOPPED}"}}', lambda result: result.get(STOPPED) == 1, timeout=90)


def test_a_stopped_node_fires_node_down_by_its_name(stopped):
    firing, _up = stopped
    assert list(firing) == [STOPPED], firing


def test_it_is_up_again_once_it_boots(stopped):
    _firing, up = stopped
    assert up == {STOPPED: 1.0}, up


# ---- bad settings, and monitoring turned off ------------------------------------------------------------------------

@pytest.mark.parametrize(("setting", "says"), [
    ("monitoring_prometheus_port=6817", "monitoring_prometheus_port is 6817, which slurmctld already listens on"),
    ("monitoring_node_exporter_port=70000", "monitoring_node_exporter_port is 70000: give a port number, 1 to 65535."),
    ("monitoring_retention_time=30days", "monitoring_retention_time is '30days': give a duration"),
    ("monitoring_alertmanager_enabled=true",
     "monitoring_alertmanager_enabled is true but monitoring_alertmanager_receiver says nowhere to send the alerts"),
])
def test_settings_that_cannot_work_are_refused_before_any_change(converged, setting, says):
    result = playbook("site.yml", *ON, "-e", setting)
    assert result.returncode != 0 and says in result.stdout and not changed_hosts(result.stdout), result.stdout[-3000:]


@pytest.fixture(scope="module")
def turned_off(stopped, stand_in):
    return playbook("site.yml")


def test_site_turns_monitoring_off(turned_off):
    assert turned_off.returncode == 0, turned_off.stdout[-3000:]


@pytest.mark.parametrize("name", NODES)
def test_nothing_of_it_runs_any_more(turned_off, name):
    running = node(name).check_output("systemctl list-units --no-legend --plain 'prometheus*' 'picluster-pi-sensors*'"
                                      " | grep -v not-found || true")
    assert running == "", running
