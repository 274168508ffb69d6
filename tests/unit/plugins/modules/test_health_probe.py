"""The module picluster.mpi.health_probe: its functions, and real runs on this machine as Ansible runs it."""
from __future__ import annotations

import json
import os
import shutil

import pytest
from ansible_collections.picluster.mpi.plugins.modules import health_probe

MACHINEFILE = """\
# BEGIN ANSIBLE MANAGED BLOCK
# Open MPI hostfile: the head node first, so rank 0 runs where mpirun is called.
rpi-0 slots=4
rpi-1 slots=4
rpi-2 slots=2
"""


# --- parse_machinefile -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "entries"), [
    (MACHINEFILE, [["rpi-0", "4"], ["rpi-1", "4"], ["rpi-2", "2"]]),
    ("", []),
    ("# only a comment\n", []),
    ("rpi-0 slots=4  # the head node\n", [["rpi-0", "4"]]),
    ("rpi-0 slots=4#no space before the comment\n", [["rpi-0", "4"]]),
    ("\n\n   \n\trpi-0 slots=4\n\n", [["rpi-0", "4"]]),
    ("rpi-0\nrpi-1 slots=2\n", [["rpi-0", ""], ["rpi-1", "2"]]),
    ("rpi-0 slots=4 max_slots=8\n", [["rpi-0", "4"]]),
    ("rpi-0 max_slots=8 slots=4\n", [["rpi-0", "4"]]),
    ("rpi-0 max_slots=8\n", [["rpi-0", ""]]),
    ("rpi-0\tslots=4\r\n", [["rpi-0", "4"]]),
    ("192.0.2.10 slots=4", [["192.0.2.10", "4"]]),
    ("rpi-0 slots=many\n", [["rpi-0", "many"]]),
], ids=["managed", "empty", "comment", "trailing-comment", "comment-no-space", "blank-lines", "missing-slots",
        "max-slots-after", "max-slots-before", "max-slots-only", "tab-crlf", "address-no-newline", "bad-slots"])
def test_parse_machinefile_gives_node_and_slots_pairs(text, entries):
    assert health_probe.parse_machinefile(text) == entries


def test_read_machinefile_parses_the_file(tmp_path):
    path = tmp_path / "machinefile"
    path.write_text(MACHINEFILE)
    assert health_probe.read_machinefile(str(path)) == [["rpi-0", "4"], ["rpi-1", "4"], ["rpi-2", "2"]]


@pytest.mark.parametrize("name", ["missing", "directory"])
def test_read_machinefile_of_no_file_is_none(tmp_path, name):
    (tmp_path / "directory").mkdir()
    assert health_probe.read_machinefile(str(tmp_path / name)) is None


# --- resolve -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "address"), [("localhost", "127.0.0.1"), ("192.0.2.10", "192.0.2.10")])
def test_resolve_gives_the_ipv4_address(name, address):
    assert health_probe.resolve(name) == address


def test_resolve_of_a_name_that_cannot_exist_is_none():
    assert health_probe.resolve("rpi-0.invalid") is None  # RFC 6761: .invalid never resolves


# --- real runs ---------------------------------------------------------------------------------------------------------


def probe(run_module, **args) -> dict:
    return run_module("health_probe", json.dumps({"user": "root", "machinefile": "/nonexistent", "peers": [],
                                                  "names": {"localhost": "127.0.0.1"}, **args}))


@pytest.fixture(scope="module")
def result(run_module) -> dict:
    return probe(run_module)


def test_a_run_without_a_machinefile_gives_null(result):
    assert result["machinefile"] is None, result


def test_a_run_resolves_localhost_to_loopback(result):
    assert result["resolves"] == {"localhost": {"want": "127.0.0.1", "got": "127.0.0.1"}}, result


def test_a_run_without_peers_logs_in_nowhere(result):
    assert result["ssh"] == {}, result


def test_a_run_changes_nothing(result):
    assert result["changed"] is False, result


def test_a_run_without_peers_measures_no_clock(result):
    assert result["clock_offsets"] == {}, result


@pytest.mark.parametrize(("output", "started", "ended", "offset"), [
    ("1000.5\n", 1000.0, 1001.0, {"offset": 0.0, "uncertainty": 0.5}),
    ("1010.25\n", 1000.0, 1000.5, {"offset": 10.0, "uncertainty": 0.25}),
    ("990.0", 1000.0, 1000.0, {"offset": -10.0, "uncertainty": 0.0}),
    ("Welcome!\n1000.0\n", 1000.0, 1000.0, {"offset": 0.0, "uncertainty": 0.0}),
    ("", 1000.0, 1001.0, None),
    ("%s.%N\n", 1000.0, 1001.0, None),
], ids=["on-time", "ahead", "behind", "banner-first", "nothing", "no-gnu-date"])
def test_clock_offset_is_measured_from_the_middle_of_the_login(output, started, ended, offset):
    assert health_probe.clock_offset(output, started, ended) == offset


def test_a_run_reads_the_machinefile(run_module, tmp_path):
    path = tmp_path / "machinefile"
    path.write_text(MACHINEFILE)
    assert probe(run_module, machinefile=str(path))["machinefile"] == [["rpi-0", "4"], ["rpi-1", "4"], ["rpi-2", "2"]]


def test_a_run_reports_a_name_that_does_not_resolve_as_null(run_module):
    resolves = probe(run_module, names={"rpi-0.invalid": "192.0.2.10"})["resolves"]
    assert resolves == {"rpi-0.invalid": {"want": "192.0.2.10", "got": None}}, resolves


@pytest.mark.skipif(os.geteuid() != 0 or not (shutil.which("runuser") and shutil.which("ssh")),
                    reason="the probe logs in with runuser and ssh, as root")
def test_a_run_reports_why_a_peer_cannot_be_logged_in_to(run_module):
    ssh = probe(run_module, peers=["rpi-0.invalid"], timeout=5)["ssh"]
    assert ssh["rpi-0.invalid"] != "ok" and "rpi-0.invalid" in ssh["rpi-0.invalid"], ssh
