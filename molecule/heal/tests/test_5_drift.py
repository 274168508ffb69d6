"""Someone loosens modes and owners of managed files on a node: site.yml puts back exactly those, on that node only."""
from __future__ import annotations

import pytest
from clustertest import MPI_HOME, NODES, node, playbook
from playbook_output import changed_hosts

TAMPERED = NODES[1]
# path, how it is tampered with, and the mode and owner site.yml gives it
DRIFT = [
    (f"{MPI_HOME}/.ssh/id_ed25519", "chmod 0644", 0o600, "mpi"),
    (f"{MPI_HOME}/.ssh/authorized_keys", "chmod 0666", 0o600, "mpi"),
    (f"{MPI_HOME}/.ssh", "chmod 0755", 0o700, "mpi"),
    (f"{MPI_HOME}/.ssh/id_ed25519.pub", "chown root", 0o600, "mpi"),
    (f"{MPI_HOME}/.openmpi", "chmod 0777", 0o755, "mpi"),
    (f"{MPI_HOME}/.openmpi/mca-params.conf", "chown root", 0o644, "mpi"),
    (f"{MPI_HOME}/machinefile", "chmod 0600", 0o644, "mpi"),
    (f"{MPI_HOME}/mpi_jobs", "chmod 0700", 0o755, "mpi"),
    ("/etc/ssh/ssh_known_hosts", "chown pi", 0o644, "root"),
    ("/etc/hostname", "chmod 0600", 0o644, "root"),
]


@pytest.fixture(scope="module")
def repaired():
    host = node(TAMPERED)
    for path, tamper, _mode, _owner in DRIFT:
        host.check_output(f"{tamper} {path}")
    return playbook("site.yml")


def test_site_succeeds(repaired):
    assert repaired.returncode == 0, repaired.stdout[-3000:]


def test_only_the_tampered_node_is_changed(repaired):
    assert set(changed_hosts(repaired.stdout)) == {TAMPERED}, repaired.stdout[-3000:]


@pytest.mark.parametrize("path,mode,owner", [(path, mode, owner) for path, _tamper, mode, owner in DRIFT])
def test_mode_and_owner_are_put_back(repaired, path, mode, owner):
    managed = node(TAMPERED).file(path)
    assert (oct(managed.mode), managed.user) == (oct(mode), owner)


def test_a_second_run_changes_nothing(repaired):
    again = playbook("site.yml")
    assert again.returncode == 0 and not changed_hosts(again.stdout), again.stdout[-3000:]
