"""check.yml's lines for the roster (people) and Slurm's accounting, from the view and sacctmgr's output."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.filter import health_report as health
from test_health_report import NODES, cluster_view, line, mpirun, probes, slurm

ALICE = {"name": "alice", "uid": 3001, "state": "present"}
BOB = {"name": "bob", "uid": 3002, "state": "absent"}


def with_people(accounts=None) -> dict:
    """A view whose roster has alice (present) and bob (absent), with each node's accounts of them."""
    view = cluster_view()
    view["users"] = [ALICE, BOB]
    for node in NODES:
        view["nodes"][node]["accounts"] = {"alice": {"uid": 3001, "locked": False}, "bob": {"uid": 3002, "locked": True}}
    for node, changes in (accounts or {}).items():
        view["nodes"][node]["accounts"].update(changes)
    return view


def report(view) -> dict:
    return health.health_report(view, probes(), mpirun())


def test_a_roster_in_place_is_ok():
    result = report(with_people())
    assert result["ok"] and line(result, "people").startswith("people       OK  "), result["lines"]


def test_a_roster_in_place_says_who_is_where():
    assert "1 present with their uid on 3/3 nodes, 1 absent and locked" in line(report(with_people()), "people")


def test_without_a_roster_there_is_no_people_line():
    assert not [text for text in report(cluster_view())["lines"] if text.startswith("people")]


@pytest.mark.parametrize(("accounts", "says"), [
    ({"rpi-2": {"alice": None}}, "alice has no account on rpi-2"),
    ({"rpi-1": {"alice": {"uid": 1001, "locked": False}}}, "alice has uid 1001 on rpi-1, not 3001"),
    ({"rpi-1": {"alice": {"uid": 3001, "locked": True}}}, "alice is locked on rpi-1"),
    ({"rpi-0": {"bob": {"uid": 3002, "locked": False}}}, "bob is set to absent but can still log in to rpi-0"),
], ids=["missing", "wrong-uid", "locked", "absent-but-open"])
def test_an_account_out_of_step_fails_naming_the_person_and_node(accounts, says):
    view = with_people()
    for node, changes in accounts.items():
        for name, account in changes.items():
            if account is None:
                del view["nodes"][node]["accounts"][name]
            else:
                view["nodes"][node]["accounts"][name] = account
    result = report(view)
    assert not result["ok"] and f"people: {says}" in " ".join(result["problems"]), result["problems"]


def accounting(stdout="cluster|192.0.2.10\n", rc=0, stderr="") -> dict:
    return {**slurm(), "accounting": {"rc": rc, "stdout": stdout, "stderr": stderr, "cluster": "cluster"}}


def test_a_registered_cluster_passes_the_accounting_line():
    result = health.health_report(cluster_view(), probes(), mpirun(), accounting())
    assert result["ok"] and "registered by its controller at 192.0.2.10" in line(result, "accounting"), result["lines"]


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"rc": 1, "stderr": "sacctmgr: error: Problem talking to the database: Connection refused"},
     "cannot reach slurmdbd: sacctmgr: error: Problem talking to the database"),
    ({"stdout": ""}, "the cluster cluster is not in the accounting database"),
    ({"stdout": "cluster|\n"}, "slurmctld has not registered with slurmdbd"),
], ids=["slurmdbd-down", "cluster-missing", "controller-not-registered"])
def test_accounting_out_of_order_fails_saying_what_to_do(kwargs, says):
    result = health.health_report(cluster_view(), probes(), mpirun(), accounting(**kwargs))
    assert not result["ok"] and says in line(result, "accounting"), result["lines"]
