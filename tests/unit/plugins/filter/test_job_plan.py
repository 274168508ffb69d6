"""The filter job_plan: where run_job.yml's ranks run and how the job is launched, worked out before the job."""
from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.filter.job_plan import job_plan
from ansible_collections.picluster.mpi.plugins.module_utils.node_system import JOB_PROCESSES, MPI_PROCESSES

HOME = "/home/mpi"
SCRIPT = f"{HOME}/mpi_jobs/pi.py"


def view(slots=(4, 4, 4, 4), dead=(), head="rpi-0"):
    names = [f"rpi-{index}" for index in range(len(slots))]
    live = [name for name in names if name not in dead]
    order = ([head] if head in live else []) + [name for name in live if name != head]
    nodes = {name: {"slots": str(slots[names.index(name)])} for name in live}
    return {"order": order, "dead": list(dead), "nodes": nodes}


def plan(cluster=None, name="pi", **options):
    options.setdefault("label", name or "mine")
    options.setdefault("timeout", 600)
    return job_plan(cluster or view(), name=name, file="pi.py", home=HOME, **options)


def test_every_live_node_head_first_with_every_slot_by_default():
    result = plan(view(head="rpi-2"))
    assert (result["hosts"], result["slots"], result["ranks"]) == (["rpi-2", "rpi-0", "rpi-1", "rpi-3"], 16, 16)


def test_the_cluster_machinefile_when_every_node_answers_and_none_is_named():
    result = plan()
    assert (result["machinefile"], result["hostfile"]) == (f"{HOME}/machinefile", [])


def test_a_machinefile_of_its_own_without_the_dead_nodes():
    result = plan(view(slots=(4, 2, 4), dead=("rpi-1",)))
    assert (result["machinefile"], result["hostfile"]) == (f"{HOME}/machinefile.job", ["rpi-0 slots=4", "rpi-2 slots=4"])


def test_the_nodes_asked_for_in_machinefile_order_whatever_order_they_were_asked_in():
    result = plan(nodes=["rpi-3", "rpi-1"])
    assert (result["hosts"], result["hostfile"]) == (["rpi-1", "rpi-3"], ["rpi-1 slots=4", "rpi-3 slots=4"])


@pytest.mark.parametrize(("name", "map_by", "expected"), [("pingpong", "", "node"), ("pi", "", "slot"),
                                                          ("pingpong", "slot", "slot"), ("pi", "node", "node")])
def test_map_by_is_the_jobs_own_choice_unless_asked(name, map_by, expected):
    assert plan(name=name, map_by=map_by)["map_by"] == expected


def test_np_all_by_node_is_one_rank_per_node():
    assert plan(name="pingpong")["ranks"] == 4


@pytest.mark.parametrize(("np", "ranks"), [("6", 6), ("0", 0), ("six", 0), ("-1", 0)])
def test_np_that_is_not_a_count_gives_no_ranks_for_the_preflight_to_refuse(np, ranks):
    assert plan(np=np)["ranks"] == ranks


@pytest.mark.parametrize(("map_by", "placed"), [("slot", {"rpi-0": 4, "rpi-1": 2}),
                                                ("node", {"rpi-0": 2, "rpi-1": 2, "rpi-2": 1, "rpi-3": 1})])
def test_ranks_are_placed_as_mpirun_places_them(map_by, placed):
    assert plan(np="6", map_by=map_by)["ranks_per_node"] == placed


# One rank per core: a BLAS that started a thread per core in every rank would oversubscribe the cores.
ONE_THREAD = ["-x", "OPENBLAS_NUM_THREADS=1", "-x", "OMP_NUM_THREADS=1"]


def test_mpirun_runs_the_script_with_mpi4py_and_its_arguments():
    assert plan(np="8", args="--slices 500  --quiet")["mpirun"] == [
        "mpirun", "-np", "8", "-machinefile", f"{HOME}/machinefile", *ONE_THREAD,
        "python3", "-m", "mpi4py", SCRIPT, "--slices", "500", "--quiet"]


def test_mpirun_for_hpl_runs_hpcc_in_its_directory_and_shows_the_map():
    result = plan(name="hpl", np="4", map_by="node")
    assert result["mpirun"] == ["mpirun", "-np", "4", "-machinefile", f"{HOME}/machinefile", *ONE_THREAD,
                                "--map-by", "node", "--display-map", "hpcc"], result["mpirun"]
    assert result["workdir"] == f"{HOME}/mpi_jobs/hpl"


def test_sbatch_waits_for_the_job_within_its_time_and_runs_srun_on_the_program():
    argv = plan(np="8", timeout=3725, args="--slices 10")["sbatch"]
    assert argv == ["sbatch", "--wait", "--parsable", "--job-name=pi", "--ntasks=8", "--time=1:02:05",
                    f"--chdir={HOME}", f"--output={HOME}/mpi_jobs/slurm-%j.out",
                    "--export=ALL,OPENBLAS_NUM_THREADS=1,OMP_NUM_THREADS=1",
                    "--wrap", shlex.join(["srun", "python3", "-m", "mpi4py", SCRIPT, "--slices", "10"])], argv


def test_sbatch_leaves_out_the_dead_nodes_slurm_may_not_have_noticed():
    assert "--exclude=rpi-1,rpi-3" in plan(view(dead=("rpi-1", "rpi-3")))["sbatch"]


def test_sbatch_on_the_nodes_asked_for_uses_every_one_of_them():
    argv = plan(nodes=["rpi-1", "rpi-2"], np="2")["sbatch"]
    assert {"--nodelist=rpi-1,rpi-2", "--nodes=2"} <= set(argv), argv


def test_sbatch_by_node_spreads_the_ranks_evenly_over_as_few_nodes_as_they_need():
    argv = plan(np="6", map_by="node")["sbatch"]
    assert {"--nodes=4", "--ntasks-per-node=2"} <= set(argv) and not any(a.startswith("--nodelist") for a in argv)


# ---- what a stopped job leaves behind ------------------------------------------------------------------------------

def leftovers(name="pi"):
    return re.compile(plan(name=name)["leftovers"])


@pytest.mark.parametrize("process", sorted(MPI_PROCESSES))
def test_the_clean_up_kills_every_launcher_and_daemon_the_mpi_user_runs(process):
    # Before job_plan, the clean-up killed orted and prted only: an mpirun that outlived Ansible's backstop held on.
    for command_line in (f"{process} -np 4 -machinefile {HOME}/machinefile hpcc", f"/usr/bin/{process} --daemonize"):
        assert leftovers("hpl").search(command_line), f"{command_line!r} is left running"


def test_the_clean_up_leaves_slurms_step_daemon_to_slurm():
    # slurmstepd is root's: pkill --uid of the MPI user would never reach it, and scancel stops it.
    assert {"slurmstepd"} == JOB_PROCESSES - MPI_PROCESSES
    assert not leftovers().search("slurmstepd: [4.0]")


@pytest.mark.parametrize("command_line", [f"python3 -m mpi4py {SCRIPT} --slices 500", "/usr/bin/hpcc"])
def test_the_clean_up_kills_the_jobs_ranks(command_line):
    name = "hpl" if "hpcc" in command_line else "pi"
    assert leftovers(name).search(command_line)


@pytest.mark.parametrize("command_line", ["python3 -m mpi4py /home/mpi/mpi_jobs/scatter.py", "vim mpirun.txt",
                                          "sshd: mpi@pts/0", "hpccwatch"])
def test_the_clean_up_spares_other_processes_of_the_mpi_user(command_line):
    assert not leftovers("hpl" if command_line.startswith("hpcc") else "pi").search(command_line)


def test_pkill_finds_a_leftover_launcher_by_the_pattern():
    """pgrep reads the pattern as pkill does (an extended regular expression over the whole command line)."""
    started = subprocess.Popen(["bash", "-c", "exec -a prterun sleep 60"], start_new_session=True)
    cmdline = Path(f"/proc/{started.pid}/cmdline")
    try:
        deadline = time.monotonic() + 10
        while not cmdline.read_bytes().startswith(b"prterun") and time.monotonic() < deadline:
            time.sleep(0.01)
        found = subprocess.run(["pgrep", "--uid", str(os.getuid()), "--full", plan(name="hpl")["leftovers"]],
                               capture_output=True, text=True, check=False)
        assert str(started.pid) in found.stdout.split(), f"pgrep did not find prterun ({started.pid}): {found}"
    finally:
        os.killpg(started.pid, signal.SIGKILL)
        started.wait()


# ---- the job's directory: each node's home, or the shared directory -------------------------------------------------

SHARED = "/cluster"


def test_a_job_runs_in_the_home_of_every_node_by_default():
    result = plan()
    assert (result["shared"], result["script"], result["workdir"]) == (False, SCRIPT, HOME)


def test_a_job_in_the_shared_directory_has_its_script_and_files_there():
    result = plan(workdir="shared", shared_path=SHARED)
    assert (result["shared"], result["script"], result["workdir"]) == (
        True, f"{SHARED}/mpi_jobs/pi.py", f"{SHARED}/mpi_jobs"), result


def test_mpiio_runs_in_the_shared_directory_unless_told_otherwise():
    assert (plan(name="mpiio", shared_path=SHARED)["shared"], plan(name="mpiio", workdir="home")["shared"]) == (
        True, False)


def test_slurm_writes_the_output_of_a_shared_job_in_the_shared_directory():
    assert f"--output={SHARED}/mpi_jobs/slurm-%j.out" in plan(workdir="shared", shared_path=SHARED)["sbatch"]


def test_the_machinefile_stays_in_the_home_of_a_shared_job():
    assert plan(workdir="shared", shared_path=SHARED)["mpirun"][4] == f"{HOME}/machinefile"


@pytest.mark.parametrize(("timeout", "budget"), [(3600, "3566"), (600, "566"), (60, "30"), (40, "20"), (1, "1")])
def test_pingpong_stops_measuring_within_its_time_limit(timeout, budget):
    program = plan(name="pingpong", timeout=timeout)["program"]
    assert program[-2:] == ["--max-seconds", budget], program


@pytest.mark.parametrize("args", ["--max-seconds 90", "--rounds 2 --max-seconds=90"])
def test_pingpong_keeps_a_time_limit_it_was_given(args):
    program = plan(name="pingpong", args=args)["program"]
    assert program.count("--max-seconds") + sum(word.startswith("--max-seconds=") for word in program) == 1, program


def test_other_jobs_get_no_time_limit_of_their_own():
    assert "--max-seconds" not in plan(name="pi")["program"]
