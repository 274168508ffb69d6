"""`-e slurm_munge_key_rotate=true` gives the whole cluster a new munge key, and Slurm keeps working with it."""
from __future__ import annotations

import hashlib

import pytest
from clustertest import HEAD, NODES, as_mpi_user, node, playbook


def munge_key_digests() -> dict[str, str]:
    return {name: hashlib.sha256(node(name).file("/etc/munge/munge.key").content).hexdigest() for name in NODES}


# The munge key is the slurm role's alone, so the run is that role's (--tags slurm): the suite is CPU-bound, and the
# other roles' tasks would only find their work done.
@pytest.fixture(scope="module")
def rotated():
    before = munge_key_digests()
    return before, playbook("site.yml", "--tags", "slurm", "-e", "slurm_munge_key_rotate=true"), munge_key_digests()


def test_site_with_rotation_succeeds(rotated):
    _before, result, _after = rotated
    assert result.returncode == 0, result.stdout[-3000:]


def test_every_node_has_the_same_new_key(rotated):
    before, _result, after = rotated
    assert len(set(after.values())) == 1 and set(after.values()) != set(before.values()), (before, after)


def test_jobs_still_reach_every_node_with_the_new_key(rotated):
    hosts = node(HEAD).check_output(as_mpi_user(f"timeout 120 srun --nodes={len(NODES)} hostname")).split()
    assert sorted(hosts) == sorted(NODES), hosts
