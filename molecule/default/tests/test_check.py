"""playbooks/check.yml on the provisioned cluster: read-only, and every one of its checks passes."""
from __future__ import annotations

import re
import shlex

import pytest
from clustertest import EVERY_RELEASE, NODES, node, playbook
from playbook_output import changed_hosts

CHECKS = ["reachable", "versions", "ssh mesh", "names", "machinefile", "mpirun", "one-sided", "clocks", "verdict"]
STAND_IN = "/usr/local/bin/vcgencmd"


@pytest.fixture(scope="module")
def check():
    return playbook("playbooks/check.yml")


@EVERY_RELEASE
def test_check_finds_the_cluster_healthy(check):
    assert check.returncode == 0 and "The cluster is healthy." in check.stdout, check.stdout[-3000:]


@EVERY_RELEASE
@pytest.mark.parametrize("name", CHECKS)
def test_each_check_reports_ok(check, name):
    # The report is one debug message; the JSON result format keeps its line breaks as \n.
    assert re.search(rf"(^|\\n){name} +OK ", check.stdout, re.MULTILINE), check.stdout[-3000:]


def test_check_changes_nothing(check):
    assert not changed_hosts(check.stdout), check.stdout[-3000:]


@pytest.mark.parametrize(("name", "says"), [
    ("time sync", "containers (" + ", ".join(NODES) + "): their clocks are the host's"),
    ("pi health", f"not a Raspberry Pi (no vcgencmd) on any of the {len(NODES)} nodes"),
])
def test_off_a_pi_the_pi_lines_say_so_without_failing(check, name, says):
    assert re.search(rf"(^|\\n){name} +n/a +{re.escape(says)}", check.stdout), check.stdout[-3000:]


@pytest.fixture(scope="module")
def stand_in_vcgencmd():
    """Install on one node a stand-in for a Pi's vcgencmd that prints a recorded real output; remove it after."""
    host = node(NODES[-1])

    def install(throttled: str) -> str:
        script = (f"#!/bin/sh\ncase \"$1\" in get_throttled) echo throttled={throttled};; "
                  "measure_temp) echo \"temp=71.2'C\";; esac\n")
        host.check_output(f"printf '%s' {shlex.quote(script)} > {STAND_IN} && chmod 0755 {STAND_IN}")
        return NODES[-1]

    yield install
    host.check_output(f"rm -f {STAND_IN}")


def test_stand_in_vcgencmd_under_voltage_now_0x50005_fails_the_check_naming_the_node(stand_in_vcgencmd):
    name = stand_in_vcgencmd("0x50005")
    result = playbook("playbooks/check.yml")
    assert result.returncode != 0 and f"{name} is throttled now (under-voltage, throttled): the power supply" in (
        result.stdout), result.stdout[-3000:]


def test_stand_in_vcgencmd_throttled_since_boot_0xe0000_warns_and_passes(stand_in_vcgencmd):
    name = stand_in_vcgencmd("0xe0000")
    result = playbook("playbooks/check.yml")
    assert result.returncode == 0 and f"{name} was throttled since boot (frequency capped, throttled, soft " in (
        result.stdout), result.stdout[-3000:]


# Time limits given on the command line, as a user gives them: -e makes every value a string.
@pytest.fixture(scope="module")
def limited():
    return playbook("playbooks/check.yml", "--limit", NODES[-1], "-e", "health_one_sided_timeout=90",
                    "-e", "health_ssh_timeout=20")


def test_check_limited_to_one_node_still_checks_every_node(limited):
    assert limited.returncode == 0 and f"{len(NODES) ** 2}/{len(NODES) ** 2} ordered pairs" in limited.stdout, (
        limited.stdout[-3000:])


def test_time_limits_given_on_the_command_line_are_taken(limited):
    assert re.search(r"(^|\\n)one-sided +OK ", limited.stdout), limited.stdout[-3000:]
