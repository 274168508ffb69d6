"""Monitoring on the Slurm cluster: Slurm runs the collection's health check on every node, which drains a node that
a stand-in vcgencmd says is throttled now, with what throttles it as the reason, and resumes it once it is not; a
node drained by hand stays drained. The head node's collector gives every node's Slurm state to Prometheus, which
fires the Slurm alert by the drained node's name, and the console page shows it in a real browser. Monitoring turned
off takes the health check out of slurm.conf."""
from __future__ import annotations

import time

import pytest
from browser import dom, node_rows, screenshot
from clustertest import HEAD, NODES, PROJECT, node, playbook
from prometheus_api import BASE, wait_for

# A short interval keeps the story short; the default is a minute.
ON = ("-e", "monitoring_enabled=true", "-e", "monitoring_slurm_health_check_interval=5")
# What monitoring changes here is the monitoring role's and slurm.conf's (the health check), so every run is those two
# roles' (--tags): the suite is CPU-bound. The trixie scenario's monitoring story runs the whole site.yml.
ROLES = ("--tags", "monitoring,slurm")
PI = NODES[2]
BY_HAND = NODES[3]
PROGRAM = "/usr/local/lib/picluster/slurm-health-check"
REASON = "picluster: throttled now (throttled, under-voltage)"
# Throttled and under-voltage now (0x5), and since boot; then since boot only.
THROTTLED_NOW, THROTTLED_BEFORE = "0x50005", "0x50000"


def stand_in(value: str) -> str:
    return (f"printf '#!/bin/sh\\ncase \"$1\" in get_throttled) echo throttled={value};; *) exit 1;; esac\\n' "
            "> /usr/local/bin/vcgencmd && chmod 0755 /usr/local/bin/vcgencmd")


def slurm_state(name: str) -> tuple[str, str]:
    """The node's short state and reason, as sinfo gives them."""
    line = node(HEAD).check_output(f"sinfo --noheader --Node --nodes {name} --format '%t|%E'").splitlines()[0]
    state, _sep, reason = line.partition("|")
    return state, reason


def wait_for_state(name: str, wanted, timeout: float = 60) -> tuple[str, str]:
    deadline = time.monotonic() + timeout
    while not wanted(found := slurm_state(name)) and time.monotonic() < deadline:
        time.sleep(2)
    return found


def health_check_setting() -> dict:
    text = node(HEAD).check_output("scontrol show config | grep '^HealthCheck'")
    return dict(line.split("=", 1) for line in text.replace(" ", "").splitlines())


# One run: the trixie scenario's monitoring story runs site.yml twice with monitoring on, and what Slurm adds here
# (two template lines) changes nothing a second run would see; CI's time goes to what only this cluster can show.
@pytest.fixture(scope="module")
def converged():
    return playbook("site.yml", *ROLES, *ON)


def test_site_sets_up_monitoring_with_slurm(converged):
    assert converged.returncode == 0, converged.stdout[-3000:]


# What each slurmd fetched from the controller when it last started (configless): every slurmd restarts when
# slurm.conf changes.
@pytest.mark.parametrize("name", NODES)
def test_every_slurmd_fetched_the_configuration_with_it(converged, name):
    fetched = node(name).check_output("grep -c '^HealthCheckProgram' /run/slurm/conf/slurm.conf || true")
    assert fetched == "1", f"{name}'s slurmd runs with a slurm.conf without the health check"


def test_slurm_runs_the_collections_health_check(converged):
    found = health_check_setting()
    assert (found.get("HealthCheckProgram"), found.get("HealthCheckInterval")) == (PROGRAM, "5sec"), found


# ---- a node throttled now, and one drained by hand ------------------------------------------------------------------

@pytest.fixture(scope="module")
def drained(converged):
    """The Pi's Slurm state once its stand-in vcgencmd says it is throttled now; another node is drained by hand."""
    node(HEAD).check_output(f"scontrol update NodeName={BY_HAND} State=DRAIN Reason='new fan'")
    node(PI).check_output(stand_in(THROTTLED_NOW))
    return wait_for_state(PI, lambda found: found[0] in ("drain", "drng"))


def test_a_throttled_node_is_drained_with_what_throttles_it(drained):
    assert drained == ("drain", REASON), drained


# Pending or firing: the alert's minute before it fires is promtool's to test (tests/unit/roles/test_monitoring_rules.py).
# By state: slurmd's restarts leave short-lived alerts of other states behind.
def test_the_drain_raises_the_slurm_alert_by_the_nodes_name(drained):
    found = wait_for('ALERTS{alertname="SlurmNodeUnavailable",state="drain"}',
                     lambda result: sorted(result) == sorted([PI, BY_HAND]), timeout=90)
    assert sorted(found) == sorted([PI, BY_HAND]), found


@pytest.fixture(scope="module")
def console(drained):
    # Every such series is the head node's (node label): asked by the Slurm node's name.
    wait_for(f'picluster_slurm_node_up{{slurm_node="{PI}",state="drain"}}', lambda result: HEAD in result, timeout=60)
    url = f"{BASE}/consoles/picluster.html"
    screenshot(url, PROJECT / ".cache" / "screenshots" / "console-slurm.png", size="1700,330")
    return node_rows(dom(url))


def test_the_console_page_shows_the_drained_node_and_why(console):
    assert console[PI]["slurm"]["text"] == f"drain ({REASON})", console[PI]


def test_the_console_page_shows_the_others_slurm_state(console):
    states = {name: console[name]["slurm"]["text"] for name in NODES if name not in (PI, BY_HAND)}
    assert states == dict.fromkeys(states, "idle"), states


@pytest.fixture(scope="module")
def resumed(drained):
    """The Pi's Slurm state once its stand-in says it was throttled but is not any more, then the hand-drained
    node's, a health check later."""
    node(PI).check_output(stand_in(THROTTLED_BEFORE))
    pi = wait_for_state(PI, lambda found: found[0] == "idle")
    time.sleep(10)
    by_hand = slurm_state(BY_HAND)
    node(PI).check_output("rm -f /usr/local/bin/vcgencmd")
    node(HEAD).check_output(f"scontrol update NodeName={BY_HAND} State=RESUME")
    return pi, by_hand


def test_it_is_resumed_once_it_is_not_throttled(resumed):
    pi, _by_hand = resumed
    assert pi[0] == "idle", pi


def test_a_node_drained_by_hand_stays_drained(resumed):
    _pi, by_hand = resumed
    assert by_hand == ("drain", "new fan"), by_hand


# ---- turned off -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def turned_off(resumed):
    return playbook("site.yml", *ROLES)


def test_site_turns_monitoring_off(turned_off):
    assert turned_off.returncode == 0, turned_off.stdout[-3000:]


def test_slurm_runs_no_health_check_any_more(turned_off):
    assert health_check_setting().get("HealthCheckProgram") == "(null)", health_check_setting()


@pytest.mark.parametrize("name", NODES)
def test_every_slurmd_fetched_the_configuration_without_it(turned_off, name):
    fetched = node(name).check_output("grep -c '^HealthCheck' /run/slurm/conf/slurm.conf || true")
    assert fetched == "0", f"{name}'s slurmd still runs with a health check in its slurm.conf"


@pytest.mark.parametrize("name", NODES)
def test_the_health_check_is_gone(turned_off, name):
    assert not node(name).file(PROGRAM).exists
