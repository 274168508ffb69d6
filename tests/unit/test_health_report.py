"""The verdict and summary of check.yml, from probe results of the shape the nodes return."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[2] / "plugins/filter/health_report.py"
spec = importlib.util.spec_from_file_location("health_report", PLUGIN)
health = importlib.util.module_from_spec(spec)
spec.loader.exec_module(health)

NODES = ("rpi-0", "rpi-1", "rpi-2")
ADDRESSES = {"rpi-0": "10.0.0.10", "rpi-1": "10.0.0.11", "rpi-2": "10.0.0.12"}
VERSIONS = {"openmpi": "4.1.4", "mpi4py": "3.1.4", "python": "3.11.2", "numpy": "1.24.2", "architecture": "aarch64"}


def healthy_nodes(live=NODES) -> dict:
    return {
        node: {
            "versions": dict(VERSIONS),
            "probe": {
                "ssh": dict.fromkeys(live, "ok"),
                "resolves": {peer: {"want": ADDRESSES[peer], "got": ADDRESSES[peer]} for peer in live},
                "machinefile": [[peer, "4"] for peer in NODES],
            },
        }
        for node in live
    }


def cluster(live=NODES, rc=0) -> dict:
    return {"group": "cluster", "head": "rpi-0", "members": NODES, "live": live,
            "mpirun": {"rc": rc, "stdout": "\n".join(live)}}


def test_a_healthy_cluster_is_ok_with_every_check_passing():
    report = health.health_report(healthy_nodes(), cluster())
    assert report["ok"] and report["problems"] == []
    assert all(" OK " in line for line in report["lines"][1:]), report["lines"]


def test_a_dead_node_is_named():
    live = NODES[:2]
    report = health.health_report(healthy_nodes(live), cluster(live))
    assert not report["ok"] and "rpi-2 does not answer" in report["problems"]


def test_a_version_mismatch_shows_a_table_with_every_node():
    nodes = healthy_nodes()
    nodes["rpi-1"]["versions"]["openmpi"] = "4.1.2"
    report = health.health_report(nodes, cluster())
    table = [line for line in report["lines"] if line.lstrip().startswith("rpi-")]
    assert len(table) == 3 and "4.1.2" in table[1], report["lines"]
    assert any(p.startswith("Open MPI differs") for p in report["problems"]), report["problems"]


def test_a_mismatch_along_the_architectures_says_so():
    nodes = healthy_nodes()
    nodes["rpi-2"]["versions"].update(openmpi="4.1.5", architecture="x86_64")
    problems = health.health_report(nodes, cluster())["problems"]
    assert "Open MPI differs between architectures (aarch64: 4.1.4, x86_64: 4.1.5)" in problems[0], problems


def test_mixed_architectures_with_the_same_versions_are_fine():
    nodes = healthy_nodes()
    nodes["rpi-2"]["versions"]["architecture"] = "x86_64"
    report = health.health_report(nodes, cluster())
    assert report["ok"] and "(aarch64: rpi-0, rpi-1; x86_64: rpi-2)" in report["lines"][2], report["lines"]


def test_a_failing_ssh_pair_is_named_with_its_error():
    nodes = healthy_nodes()
    nodes["rpi-1"]["probe"]["ssh"]["rpi-2"] = "Host key verification failed."
    report = health.health_report(nodes, cluster())
    assert "no SSH rpi-1 -> rpi-2: Host key verification failed." in report["problems"]


def test_a_name_resolving_to_loopback_is_named():
    nodes = healthy_nodes()
    nodes["rpi-0"]["probe"]["resolves"]["rpi-0"]["got"] = "127.0.1.1"
    problems = health.health_report(nodes, cluster())["problems"]
    assert "rpi-0 resolves rpi-0 to 127.0.1.1, not 10.0.0.10" in problems


@pytest.mark.parametrize("machinefile,problem", [
    (None, "rpi-1 has no machinefile"),
    ([["rpi-1", "4"], ["rpi-0", "4"], ["rpi-2", "4"]], "rpi-1's machinefile lists rpi-1, rpi-0, rpi-2"),
    ([["rpi-0", "4"], ["rpi-1", "0"], ["rpi-2", "4"]], "rpi-1's machinefile has a bad slot count"),
])
def test_a_machinefile_that_differs_from_the_inventory_is_named(machinefile, problem):
    nodes = healthy_nodes()
    nodes["rpi-1"]["probe"]["machinefile"] = machinefile
    assert problem in health.health_report(nodes, cluster())["problems"]


def test_a_failed_mpirun_fails_the_check():
    report = health.health_report(healthy_nodes(), cluster(rc=1))
    assert not report["ok"] and report["problems"][-1].startswith("mpirun across the live nodes: exit 1")
