"""The filters of the slurm role: slurm.conf's node lines (slurm_nodes), its process tracking (slurm_tracking) and the
cluster's munge key (munge_text_key)."""
from __future__ import annotations

import base64
import os

import pytest
from ansible_collections.picluster.mpi.plugins.filter.munge_text_key import munge_text_key
from ansible_collections.picluster.mpi.plugins.filter.slurm_job import slurm_job
from ansible_collections.picluster.mpi.plugins.filter.slurm_nodes import slurm_nodes
from ansible_collections.picluster.mpi.plugins.filter.slurm_tracking import slurm_tracking

PI4 = {"sockets": 1, "cores_per_socket": 4, "threads_per_core": 1}


def pi(address: str, slots=4, cpus=4, topology=None, memory_mb=3796) -> dict:
    return {"address": address, "slots": slots, "cpus": cpus, "topology": dict(PI4 if topology is None else topology),
            "memory_mb": memory_mb}


def view(nodes: dict, head: str = "rpi-0") -> dict:
    return {"head": head, "live": list(nodes), "nodes": nodes}


def line_of(lines: list[str], name: str) -> dict:
    """The key=value fields of one node's line."""
    [line] = [line for line in lines if line.startswith(f"NodeName={name} ")]
    return dict(field.split("=", 1) for field in line.split())


# --- slurm_nodes -------------------------------------------------------------------------------------------------------


def test_a_pi_gets_its_address_cpus_topology_and_memory_less_the_reserve():
    lines = slurm_nodes(view({"rpi-0": pi("192.0.2.10")}), 256)
    assert lines == ["NodeName=rpi-0 NodeAddr=192.0.2.10 CPUs=4 Sockets=1 CoresPerSocket=4 ThreadsPerCore=1 "
                     "RealMemory=3540 State=UNKNOWN"]


def test_the_head_comes_first_then_inventory_order():
    nodes = {name: pi(f"192.0.2.{10 + i}") for i, name in enumerate(["rpi-0", "rpi-1", "rpi-2"])}
    lines = slurm_nodes(view(nodes, head="rpi-1"), 256)
    assert [line.split()[0] for line in lines] == ["NodeName=rpi-1", "NodeName=rpi-0", "NodeName=rpi-2"]


def test_only_live_nodes_get_a_line():
    nodes = {"rpi-0": pi("192.0.2.10"), "rpi-1": pi("192.0.2.11")}
    result = {"head": "rpi-0", "live": ["rpi-0"], "nodes": nodes}
    assert [line.split()[0] for line in slurm_nodes(result, 256)] == ["NodeName=rpi-0"]


def test_a_node_with_hyperthreads_keeps_its_real_topology():
    node = pi("192.0.2.10", slots=8, cpus=8, topology={"sockets": 1, "cores_per_socket": 4, "threads_per_core": 2})
    fields = line_of(slurm_nodes(view({"rpi-0": node}), 256), "rpi-0")
    assert (fields["CPUs"], fields["Sockets"], fields["CoresPerSocket"], fields["ThreadsPerCore"]) == ("8", "1", "4", "2")


@pytest.mark.parametrize(("slots", "cpus"), [(2, 4), (4, 2), ("3", 4)], ids=["capped", "oversubscribed", "string"])
def test_slots_other_than_the_cpus_become_the_cores_of_one_socket(slots, cpus):
    fields = line_of(slurm_nodes(view({"rpi-0": pi("192.0.2.10", slots=slots, cpus=cpus)}), 256), "rpi-0")
    assert (fields["CPUs"], fields["Sockets"], fields["CoresPerSocket"], fields["ThreadsPerCore"]) == (
        str(slots), "1", str(slots), "1")


@pytest.mark.parametrize("topology", [{}, {"sockets": None, "cores_per_socket": None, "threads_per_core": None}],
                         ids=["missing", "unknown"])
def test_an_unknown_topology_describes_the_cpus_as_cores(topology):
    fields = line_of(slurm_nodes(view({"rpi-0": pi("192.0.2.10", topology=topology)}), 256), "rpi-0")
    assert (fields["CPUs"], fields["CoresPerSocket"]) == ("4", "4")


@pytest.mark.parametrize(("memory_mb", "reserve", "expected"), [(3796, 0, "3796"), (3796, 1024, "2772"), (200, 256, "1")])
def test_real_memory_is_the_memory_less_the_reserve_at_least_one(memory_mb, reserve, expected):
    fields = line_of(slurm_nodes(view({"rpi-0": pi("192.0.2.10", memory_mb=memory_mb)}), reserve), "rpi-0")
    assert fields["RealMemory"] == expected


def test_an_unknown_memory_leaves_real_memory_out():
    fields = line_of(slurm_nodes(view({"rpi-0": pi("192.0.2.10", memory_mb=None)}), 256), "rpi-0")
    assert "RealMemory" not in fields


# --- munge_text_key ----------------------------------------------------------------------------------------------------


def slurped(data: bytes) -> str:
    """What ansible.builtin.slurp returns as content for a file holding `data`."""
    return base64.b64encode(data).decode()


TEXT_KEY = base64.b64encode(os.urandom(768)).decode()


@pytest.mark.parametrize("ending", ["", "\n"], ids=["bare", "newline"])
def test_a_text_key_comes_back_as_text(ending):
    assert munge_text_key(slurped((TEXT_KEY + ending).encode())) == TEXT_KEY


@pytest.mark.parametrize("content", [
    slurped(os.urandom(1024)),                       # what Debian's munge package makes
    slurped(TEXT_KEY[:200].encode()),                # too short to be a cluster key
    slurped(b"not a key at all, but long enough " * 40),
    "",
    None,
    "%%% not base64 %%%",
], ids=["binary", "short", "prose", "empty", "missing", "bad-base64"])
def test_anything_else_is_no_cluster_key(content):
    assert munge_text_key(content) == ""


# --- slurm_job ---------------------------------------------------------------------------------------------------------


# `scontrol show job --oneliner 4` on the virtual cluster (Slurm 22.05.8), after `sbatch -n2 --wrap hostname`.
SCONTROL = (
    "JobId=4 JobName=wrap UserId=mpi(2000) GroupId=mpi(2000) MCS_label=N/A Priority=4294901756 Nice=0 "
    "Account=(null) QOS=(null) JobState=COMPLETED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 "
    "Reboot=0 ExitCode=0:0 RunTime=00:00:00 TimeLimit=365-00:00:00 TimeMin=N/A SubmitTime=2026-11-24T14:24:59 "
    "EligibleTime=2026-11-24T14:24:59 AccrueTime=2026-11-24T14:24:59 StartTime=2026-11-24T14:24:59 "
    "EndTime=2026-11-24T14:24:59 Deadline=N/A SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-24T14:24:59 "
    "Scheduler=Backfill Partition=cluster AllocNode:Sid=rpi-0:3476 ReqNodeList=(null) ExcNodeList=(null) "
    "NodeList=rpi-0 BatchHost=rpi-0 NumNodes=1 NumCPUs=2 NumTasks=2 CPUs/Task=1 ReqB:S:C:T=0:0:*:* "
    "TRES=cpu=2,node=1,billing=2 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=0 "
    "MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) "
    "Network=(null) Command=(null) WorkDir=/home/mpi StdErr=/home/mpi/slurm-4.out StdIn=/dev/null "
    "StdOut=/home/mpi/slurm-4.out Power= \n")


@pytest.mark.parametrize(("field", "value"), [
    ("JobId", "4"), ("JobState", "COMPLETED"), ("Reason", "None"), ("ExitCode", "0:0"), ("BatchHost", "rpi-0"),
    ("NumTasks", "2"), ("TRES", "cpu=2,node=1,billing=2"), ("AllocNode:Sid", "rpi-0:3476"), ("Power", ""),
    ("StdOut", "/home/mpi/slurm-4.out"),
])
def test_slurm_job_reads_every_field(field, value):
    assert slurm_job(SCONTROL)[field] == value


def test_slurm_job_keeps_a_value_with_spaces_whole():
    job = slurm_job("JobId=7 JobName=my long job JobState=TIMEOUT Reason=TimeLimit")
    assert (job["JobName"], job["JobState"], job["Reason"]) == ("my long job", "TIMEOUT", "TimeLimit")


@pytest.mark.parametrize(("run_time", "seconds"), [("00:00:07", 7), ("01:02:03", 3723), ("2-00:00:01", 172801),
                                                   ("05:09", 309)])
def test_slurm_job_gives_the_run_time_in_seconds(run_time, seconds):
    assert slurm_job(f"JobId=7 RunTime={run_time} TimeLimit=00:01:00")["run_s"] == seconds


@pytest.mark.parametrize(("exit_code", "status"), [("0:0", 0), ("1:0", 1), ("0:9", 0)])
def test_slurm_job_gives_the_exit_status_before_the_signal(exit_code, status):
    assert slurm_job(f"JobId=7 ExitCode={exit_code}")["exit_status"] == status


@pytest.mark.parametrize("text", ["", None, "slurm_load_jobs error: Invalid job id specified"])
def test_slurm_job_of_no_job_is_empty(text):
    assert slurm_job(text) == {}


# --- slurm_tracking ----------------------------------------------------------------------------------------------------


def with_cgroups(*cgroups: dict) -> dict:
    return view({f"rpi-{i}": {**pi(f"192.0.2.{10 + i}"), "cgroup": cgroup} for i, cgroup in enumerate(cgroups)})


PI_OS = {"version": 2, "container": ""}


@pytest.mark.parametrize("cgroups", [
    [PI_OS] * 4,
    [{"version": 1, "container": ""}, PI_OS],
], ids=["unified", "legacy-and-unified"])
def test_auto_chooses_cgroup_when_every_node_has_control_groups_of_its_own(cgroups):
    tracking = slurm_tracking(with_cgroups(*cgroups), "auto", "auto")
    assert (tracking["proctrack"], tracking["task"], tracking["cgroup"]) == ("proctrack/cgroup", "task/cgroup", True)


@pytest.mark.parametrize(("odd_one", "reason"), [
    ({"version": 1, "container": "docker"}, "rpi-3: docker containers"),
    ({"version": None, "container": ""}, "rpi-3: no control groups"),
    ({}, "rpi-3: no control groups"),
], ids=["container", "no-cgroups", "not-read"])
def test_auto_falls_back_to_linuxproc_when_one_node_cannot_and_says_which(odd_one, reason):
    tracking = slurm_tracking(with_cgroups(PI_OS, PI_OS, PI_OS, odd_one), "auto", "auto")
    assert (tracking["proctrack"], tracking["task"], tracking["cgroup"], tracking["reason"]) == (
        "proctrack/linuxproc", "task/none", False, reason)


def test_a_plugin_the_user_names_is_kept():
    tracking = slurm_tracking(with_cgroups({"version": 1, "container": "docker"}), "proctrack/cgroup",
                              "task/cgroup,task/affinity")
    assert (tracking["proctrack"], tracking["task"], tracking["cgroup"]) == (
        "proctrack/cgroup", "task/cgroup,task/affinity", True)


def test_auto_names_each_reason_once_with_its_nodes():
    docker = {"version": 1, "container": "docker"}
    tracking = slurm_tracking(with_cgroups(docker, docker, {"version": None, "container": ""}), "auto", "auto")
    assert tracking["reason"] == "rpi-0, rpi-1: docker containers; rpi-2: no control groups"
