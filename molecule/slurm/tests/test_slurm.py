"""Slurm on the provisioned virtual cluster (mpi_scheduler: slurm): the scheduler, munge, and jobs through it."""
from __future__ import annotations

import hashlib
import json
import math
import re
import time
from pathlib import Path

import pytest
from clustertest import ADDRESSES, HEAD, MPI_HOME, NODES, SLOTS, as_mpi_user, job_module, node, playbook

ALL_RANKS = SLOTS * len(NODES)
# The time limit of the jobs below: minutes more than they take, well within pytest-timeout's 600 s.
JOB_LIMIT_S = 240


def on_head_as_mpi(command: str) -> str:
    return node(HEAD).check_output(as_mpi_user(command))


def sinfo() -> dict[str, tuple[str, str]]:
    """Per node, its state and CPUs as sinfo shows them."""
    lines = on_head_as_mpi("sinfo --noheader --Node --format '%N %t %c'").splitlines()
    return {name: (state, cpus) for name, state, cpus in (line.split() for line in lines)}


def job(job_id: str) -> dict[str, str]:
    fields = on_head_as_mpi(f"scontrol show job --oneliner {job_id}").split()
    return dict(field.split("=", 1) for field in fields if "=" in field)


def wait_for(job_ids: list[str], timeout: float = 180) -> list[dict[str, str]]:
    deadline = time.monotonic() + timeout
    while True:
        jobs = [job(job_id) for job_id in job_ids]
        if all(j["JobState"] not in ("PENDING", "RUNNING", "COMPLETING", "CONFIGURING") for j in jobs):
            return jobs
        assert time.monotonic() < deadline, f"jobs still running after {timeout} s: {jobs}"
        time.sleep(2)


# --- the scheduler -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NODES)
def test_sinfo_shows_the_node_idle_with_its_slots_as_cpus(name):
    assert sinfo().get(name) == ("idle", str(SLOTS)), sinfo()


def test_slurm_conf_exists_on_the_head_node_only():
    holders = [name for name in NODES if node(name).file("/etc/slurm/slurm.conf").exists]
    assert holders == [HEAD], f"slurm.conf found on {holders}: configless means the head node only"


@pytest.mark.parametrize("name", NODES)
def test_slurmd_runs_configless(name):
    assert "--conf-server" in node(name).check_output("ps -o args= -C slurmd"), f"{name} runs slurmd without --conf-server"


@pytest.mark.parametrize("name", NODES)
def test_job_steps_exchange_the_ranks_wire_up_through_slurmd(name):
    # A direct connection between job steps was sometimes refused by MUNGE and left every rank waiting in MPI_Init.
    fetched = node(name).file("/run/slurm/conf/mpi.conf")
    assert fetched.exists and "PMIxDirectConn=false" in fetched.content_string.splitlines(), \
        f"{name}: slurmd has no mpi.conf that turns PMIx's direct connections off"


def test_srun_reaches_every_node():
    hosts = on_head_as_mpi(f"timeout 120 srun --nodes={len(NODES)} hostname").split()
    assert sorted(hosts) == sorted(NODES), hosts


def test_ranks_started_by_srun_read_the_cluster_network_settings():
    # The same /etc/openmpi/openmpi-mca-params.conf that keeps mpirun's ranks off Docker's bridge reaches srun's.
    lines = on_head_as_mpi(f"timeout 120 srun --nodes={len(NODES)} ompi_info --parsable --param btl tcp --level 9").splitlines()
    values = [line.rsplit(":", 1)[1] for line in lines if ":btl_tcp_if_include:value:" in line]
    network = ".".join(ADDRESSES[HEAD].split(".")[:2])
    assert len(values) == len(NODES) and all(value.startswith(network) for value in values), values


# --- munge -------------------------------------------------------------------------------------------------------------


def test_every_node_has_the_same_munge_key():
    digests = {name: hashlib.sha256(node(name).file("/etc/munge/munge.key").content).hexdigest() for name in NODES}
    assert len(set(digests.values())) == 1, digests


@pytest.mark.parametrize("name", NODES)
def test_the_munge_key_is_private_to_munge(name):
    key = node(name).file("/etc/munge/munge.key")
    assert (key.user, key.group, oct(key.mode)) == ("munge", "munge", "0o400")


@pytest.mark.parametrize("name", NODES)
def test_a_credential_made_on_the_head_node_decodes_on_the_node(name):
    credential = node(HEAD).check_output("munge --no-input").strip()
    decoded = node(name).run(f"echo {credential} | unmunge")
    assert decoded.rc == 0 and "STATUS:          Success (0)" in decoded.stdout, decoded.stdout + decoded.stderr


# --- jobs --------------------------------------------------------------------------------------------------------------


def saved_result(results: Path, name: str) -> dict:
    files = sorted(results.glob(f"{name}-*.json"))
    assert len(files) == 1, f"expected one saved result for {name}, found {files}"
    return json.loads(files[0].read_text())


@pytest.fixture(scope="module")
def pi_through_slurm(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    run = playbook("run_job.yml", "-e", "job=pi", "-e", "launcher=slurm", "-e", f"np={ALL_RANKS}",
                   "-e", f"mpi_job_results_dir={results}")
    return run, results


def test_run_job_through_slurm_succeeds(pi_through_slurm):
    run, _results = pi_through_slurm
    assert run.returncode == 0, run.stdout[-3000:]


def test_run_job_through_slurm_computes_pi_on_every_node(pi_through_slurm):
    _run, results = pi_through_slurm
    saved = saved_result(results, "pi")
    assert abs(saved["pi"] - math.pi) < 2.1e-8 and (saved["ranks"], set(saved["hosts"])) == (ALL_RANKS, set(NODES)), saved


def test_run_job_through_slurm_saves_slurms_accounting_of_the_job(pi_through_slurm):
    _run, results = pi_through_slurm
    accounting = saved_result(results, "pi")["slurm"]["accounting"]
    assert (accounting["user"], accounting["account"], accounting["state"], accounting["cpus"]) == (
        "mpi", "cluster", "COMPLETED", ALL_RANKS) and accounting["elapsed_s"] >= 0, accounting


def test_run_job_through_slurm_saves_the_slurm_job(pi_through_slurm):
    _run, results = pi_through_slurm
    slurm = saved_result(results, "pi")["slurm"]
    assert (slurm["state"], slurm["np"], slurm["rc"]) == ("COMPLETED", ALL_RANKS, 0) and slurm["job_id"].isdigit(), slurm


def test_two_jobs_that_each_need_the_whole_cluster_run_one_after_the_other():
    submit = f"sbatch --parsable --ntasks={ALL_RANKS} --output=/dev/null --wrap 'srun sleep 5'"
    first, second = (on_head_as_mpi(submit).strip().split(";")[0] for attempt in range(2))
    jobs = wait_for([first, second])
    assert [j["JobState"] for j in jobs] == ["COMPLETED", "COMPLETED"], jobs
    assert jobs[1]["StartTime"] >= jobs[0]["EndTime"], f"the second job started before the first ended: {jobs}"


def test_a_job_past_its_time_limit_is_stopped_and_reported_with_slurms_state(tmp_path):
    script = tmp_path / "sleeper.py"
    script.write_text('"""Sleeps past any short time limit."""\nimport time\n\ntime.sleep(600)\n')
    run = playbook("run_job.yml", "-e", f"job_script={script}", "-e", "launcher=slurm", "-e", "np=2",
                   "-e", "job_timeout=5", "-e", f"mpi_job_results_dir={tmp_path}")
    assert run.returncode != 0 and "ran past job_timeout=5 s" in run.stdout and "TIMEOUT" in run.stdout, \
        run.stdout[-3000:]


def test_mpirun_jobs_still_run_beside_slurm(tmp_path):
    run = playbook("run_job.yml", "-e", "job=pi", "-e", f"np={ALL_RANKS}", "-e", f"mpi_job_results_dir={tmp_path}")
    assert run.returncode == 0 and saved_result(tmp_path, "pi")["mpirun"]["rc"] == 0, run.stdout[-3000:]


def test_pingpong_through_slurm_runs_one_task_on_every_node(tmp_path):
    # A job that hangs ends at its time limit with Slurm's output in the report, well before the test's own limit.
    run = playbook("run_job.yml", "-e", "job=pingpong", "-e", "launcher=slurm", "-e", f"job_timeout={JOB_LIMIT_S}",
                   "-e", f"mpi_job_results_dir={tmp_path}")
    assert run.returncode == 0 and sorted(saved_result(tmp_path, "pingpong")["hosts"]) == sorted(NODES), \
        run.stdout[-3000:]


def test_one_sided_communication_through_slurm_runs_at_the_clusters_thread_level(tmp_path):
    """srun starts the ranks without mpirun, and the job leaves mpi4py's thread level alone: the nodes' default
    must reach ranks started this way too (Open MPI 4 refuses windows across nodes at MPI_THREAD_MULTIPLE)."""
    run = playbook("run_job.yml", "-e", "job=rma", "-e", "launcher=slurm", "-e", "map_by=node",
                   "-e", "job_args=--rounds 1", "-e", f"job_timeout={JOB_LIMIT_S}", "-e", f"mpi_job_results_dir={tmp_path}")
    assert run.returncode == 0, run.stdout[-3000:]
    saved = saved_result(tmp_path, "rma")
    assert (saved["steps"], sorted(saved["hosts"])) == (job_module("rma").STEPS, sorted(NODES)), saved


def test_hpl_through_slurm_passes_its_residual_check_on_the_nodes_asked_for(tmp_path):
    pair = NODES[1:3]
    run = playbook("run_job.yml", "-e", "job=hpl", "-e", "launcher=slurm", "-e", f"nodes={','.join(pair)}",
                   "-e", "np=2", "-e", "hpl_n=1000", "-e", "hpl_nb=100", "-e", f"mpi_job_results_dir={tmp_path}")
    assert run.returncode == 0, run.stdout[-3000:]
    saved = saved_result(tmp_path, "hpl")
    # Slurm names two neighbours as a range: rpi-1 and rpi-2 are rpi-[1-2].
    prefix, first = pair[0].rsplit("-", 1)
    expected_nodes = f"{prefix}-[{first}-{pair[1].rsplit('-', 1)[1]}]"
    assert (saved["passed"], saved["slurm"]["state"], saved["slurm"]["nodes"]) == (True, "COMPLETED", expected_nodes), saved


def test_no_job_is_left_in_the_queue():
    deadline = time.monotonic() + 60  # a job that was stopped takes a moment to leave the queue
    while (queue := on_head_as_mpi("squeue --noheader").strip()) and time.monotonic() < deadline:
        time.sleep(2)
    assert queue == "", queue


def test_the_mpi_users_job_output_stays_in_the_job_directory():
    outputs = node(HEAD).check_output(f"ls {MPI_HOME}/mpi_jobs").split()
    assert any(name.startswith("slurm-") and name.endswith(".out") for name in outputs), outputs


@pytest.fixture(scope="module")
def check():
    return playbook("check.yml")


@pytest.mark.parametrize("name", ["slurm", "munge", "accounting", "clocks", "verdict"])
def test_check_finds_slurm_munge_accounting_and_clocks_healthy(check, name):
    # The report is one debug message; the JSON result format keeps its line breaks as \n.
    assert check.returncode == 0 and re.search(rf"(^|\\n){name} +OK ", check.stdout, re.MULTILINE), \
        check.stdout[-3000:]
