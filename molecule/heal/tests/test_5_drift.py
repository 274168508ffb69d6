"""Someone loosens modes and owners of managed files on a node: site.yml puts back exactly those, on that node only."""
from __future__ import annotations

import json

import pytest
from clustertest import MPI_HOME, NODES, PROJECT, node, playbook
from playbook_output import changed_hosts

TAMPERED = NODES[1]
# path, how it is tampered with, and the mode and owner site.yml gives it
DRIFT = [
    (f"{MPI_HOME}/.ssh/id_ed25519", "chmod 0644", 0o600, "mpi"),
    (f"{MPI_HOME}/.ssh/authorized_keys", "chmod 0666", 0o600, "mpi"),
    (f"{MPI_HOME}/.ssh", "chmod 0755", 0o700, "mpi"),
    (f"{MPI_HOME}/.ssh/id_ed25519.pub", "chown root", 0o600, "mpi"),
    ("/etc/openmpi/openmpi-mca-params.conf", "chown mpi", 0o644, "root"),
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


# What an idempotent re-run of site.yml calls on each node of this cluster (Debian 12, hostnames set by the role):
# node_info; apt; group, user and the job directory; the names (hostname and hosts file, one cluster_names call);
# ~/.ssh, the authorized keys and the known hosts; the machinefile and the system-wide Open MPI parameters; mpi4py's
# thread level (one .pth file). A count, not a time: a change that adds a managed object changes it, and should say so
# here.
RERUN_MODULE_CALLS = 12


@pytest.fixture(scope="module")
def again(repaired, tmp_path_factory):
    counts = tmp_path_factory.mktemp("calls") / "module-calls.json"
    result = playbook("site.yml", env_extra={"ANSIBLE_CALLBACK_PLUGINS": str(PROJECT / "bench/callback_plugins"),
                                             "ANSIBLE_CALLBACKS_ENABLED": "module_calls",
                                             "BENCH_MODULE_CALLS": str(counts)})
    return result, json.loads(counts.read_text()) if counts.exists() else {}


def test_a_second_run_changes_nothing(again):
    result, _calls = again
    assert result.returncode == 0 and not changed_hosts(result.stdout), result.stdout[-3000:]


def test_a_second_run_calls_the_same_modules_on_every_node(again):
    _result, calls = again
    assert {name: calls.get(name) for name in NODES} == dict.fromkeys(NODES, RERUN_MODULE_CALLS), calls
