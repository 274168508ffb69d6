"""playbooks/check.yml on the provisioned cluster: read-only, and every one of its checks passes."""
from __future__ import annotations

import re

import pytest
from clustertest import playbook
from playbook_output import changed_hosts

CHECKS = ["reachable", "versions", "ssh mesh", "names", "machinefile", "mpirun", "verdict"]


@pytest.fixture(scope="module")
def check():
    return playbook("playbooks/check.yml")


def test_check_finds_the_cluster_healthy(check):
    assert check.returncode == 0 and "The cluster is healthy." in check.stdout, check.stdout[-3000:]


@pytest.mark.parametrize("name", CHECKS)
def test_each_check_reports_ok(check, name):
    # The report is one debug message; the JSON result format keeps its line breaks as \n.
    assert re.search(rf"(^|\\n){name} +OK ", check.stdout, re.MULTILINE), check.stdout[-3000:]


def test_check_changes_nothing(check):
    assert not changed_hosts(check.stdout), check.stdout[-3000:]
