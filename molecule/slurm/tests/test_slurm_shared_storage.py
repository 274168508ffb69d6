"""A Slurm job run from the shared directory (-e workdir=shared) writes its output there, so every node reads it,
whichever node ran the batch script. The story turns the shared storage (sshfs) on, and off again."""
from __future__ import annotations

import json

import pytest
from clustertest import HEAD, MPI_USER, NODES, SLOTS, as_mpi_user, node, playbook
from playbook_output import changed_hosts

SSHFS = json.dumps({"shared_storage_backend": "sshfs"})
JOBS = "/cluster/mpi_jobs"
# The shared_storage role alone mounts and unmounts the directory, and the slurm role reads nothing of it, so both runs
# are that role's (--tags): the suite is CPU-bound. heal's shared storage story ends with a whole site.yml.
ROLE = ("--tags", "shared_storage")


@pytest.fixture(scope="module")
def shared_job(tmp_path_factory):
    """Slurm and shared storage on the cluster, the pi job through Slurm from the shared directory; then off again."""
    node(HEAD).check_output("mkdir -p /srv/cluster")
    results = tmp_path_factory.mktemp("results")
    site = playbook("site.yml", *ROLE, "-e", SSHFS)
    job = playbook("run_job.yml", "-e", "job=pi", "-e", "launcher=slurm", "-e", "workdir=shared",
                   "-e", f"np={SLOTS * len(NODES)}", "-e", f"mpi_job_results_dir={results}", "-e", SSHFS)
    saved = sorted(results.glob("pi-*.json"))
    return site, job, json.loads(saved[0].read_text()) if saved else {}


def test_site_adds_the_shared_directory_to_the_slurm_cluster(shared_job):
    site, _job, _result = shared_job
    assert site.returncode == 0, site.stdout[-3000:]


def test_the_job_runs_through_slurm_from_the_shared_directory(shared_job):
    _site, job, result = shared_job
    assert job.returncode == 0 and result.get("slurm", {}).get("state") == "COMPLETED", job.stdout[-3000:]


@pytest.mark.parametrize("name", NODES)
def test_every_node_reads_the_jobs_output(shared_job, name):
    _site, _job, result = shared_job
    output = f"{JOBS}/slurm-{result['slurm']['job_id']}.out"
    text = node(name).check_output(as_mpi_user(f"cat {output}"))
    assert "pi = 3.14159" in text and node(name).file(output).user == MPI_USER, f"{name}: {text[:300]!r}"


def test_back_to_none_the_cluster_keeps_slurm_without_the_mount(shared_job):
    result = playbook("site.yml", *ROLE)
    assert result.returncode == 0 and set(changed_hosts(result.stdout)) == set(NODES), result.stdout[-3000:]
    hosts = node(HEAD).check_output(as_mpi_user(f"timeout 120 srun --nodes={len(NODES)} hostname")).split()
    assert sorted(hosts) == sorted(NODES) and not node(HEAD).run("findmnt /cluster").stdout, hosts
