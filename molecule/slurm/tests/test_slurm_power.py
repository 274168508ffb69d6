"""power.yml on a Slurm cluster: it refuses while a batch job runs, and after a reboot Slurm has every node back."""
from __future__ import annotations

import pytest
from clustertest import HEAD, NODES, as_mpi_user, node, playbook


def running_job() -> str:
    """Submit a batch job across every node and wait until it runs; its id."""
    job = node(HEAD).check_output(as_mpi_user(f"sbatch --parsable --nodes={len(NODES)} --wrap 'srun sleep 300'"))
    node(HEAD).check_output(as_mpi_user(f"for i in $(seq 60); do [ \"$(squeue -h -j {job} -o %t)\" = R ] && exit 0; "
                                        "sleep 1; done; exit 1"))
    return job.split(";")[0]


@pytest.fixture(scope="module")
def refused():
    job = running_job()
    try:
        return playbook("power.yml", "-e", "action=reboot")
    finally:
        node(HEAD).check_output(as_mpi_user(f"scancel {job}"))


def test_power_refuses_while_a_slurm_job_runs_naming_slurmstepd(refused):
    assert refused.returncode != 0 and "Jobs are running on" in refused.stdout and "slurmstepd" in refused.stdout, (
        refused.stdout[-3000:])


@pytest.fixture(scope="module")
def rebooted(refused):
    node(HEAD).check_output(as_mpi_user("for i in $(seq 60); do [ -z \"$(squeue -h)\" ] && exit 0; sleep 1; done; "
                                        "exit 1"))
    return playbook("power.yml", "-e", "action=reboot")


def test_after_a_reboot_slurm_has_every_node_and_the_cluster_is_healthy(rebooted):
    assert rebooted.returncode == 0 and "The cluster is healthy" in rebooted.stdout, rebooted.stdout[-3000:]


def test_after_a_reboot_a_job_runs_through_slurm_on_every_node(rebooted):
    hosts = node(HEAD).check_output(as_mpi_user(f"timeout 120 srun --nodes={len(NODES)} hostname")).split()
    assert sorted(hosts) == sorted(NODES), hosts
