"""Bad inventories and variables stop site.yml before any change, with a message that names the problem."""
from __future__ import annotations

import pytest
import yaml
from clustertest import ADDRESSES, HEAD, INVENTORY, NODES, node, playbook
from playbook_output import recap


def with_host_vars(node: str, **values) -> dict:
    inventory = yaml.safe_load(INVENTORY.read_text())
    inventory["cluster"]["hosts"][node].update(values)
    return inventory


def with_empty_group() -> dict:
    inventory = yaml.safe_load(INVENTORY.read_text())
    inventory["idle"] = {"hosts": None}
    return inventory


BAD = {
    "two nodes share an address": (with_host_vars(NODES[1], ansible_host=ADDRESSES[NODES[0]]), [],
                                   f"{NODES[0]}, {NODES[1]} share '{ADDRESSES[NODES[0]]}'"),
    "two nodes share a name": (with_host_vars(NODES[1], mpi_aliases=[NODES[0]]), [],
                               f"{NODES[0]}, {NODES[1]} share '{NODES[0]}'"),
    "the head node is outside the group": (None, ["-e", "mpi_head=rpi-9"], "contain the head node 'rpi-9'"),
    "the group is empty": (with_empty_group(), ["-e", "mpi_cluster_group=idle"], "The cluster is the inventory group 'idle'"),
    "the group does not exist": (None, ["-e", "mpi_cluster_group=nosuch"], "The cluster is the inventory group 'nosuch'"),
    "mpi_user is root": (None, ["-e", "mpi_user=root"], "mpi_user 'root'"),
    "mpi_user has bad characters": (None, ["-e", "mpi_user=Bad.User"], "mpi_user 'Bad.User'"),
    "slots are zero": (with_host_vars(NODES[2], machinefile_slots=0), [], f"it is {NODES[2]}=0"),
    "slots are not a number": (with_host_vars(NODES[2], machinefile_slots="many"), [], f"it is {NODES[2]}=many"),
    "an unknown scheduler": (None, ["-e", "mpi_scheduler=pbs"], "mpi_scheduler must be one of: none, slurm, got: pbs"),
    "a setting under its name before 0.2.0": (
        with_host_vars(NODES[3], ssh_mesh_key_type="rsa"), [],
        f"ssh_mesh_key_type (set for {NODES[3]}) is called mpi_user_key_type"),
}


@pytest.fixture(scope="module", params=list(BAD), ids=list(BAD))
def bad_run(request, tmp_path_factory):
    inventory, extra, message = BAD[request.param]
    path = INVENTORY
    if inventory is not None:
        path = tmp_path_factory.mktemp("inventory") / "inventory.yml"
        path.write_text(yaml.safe_dump(inventory))
    return playbook("site.yml", *extra, inventory=path), message


def test_bad_input_fails_with_a_message_naming_the_problem(bad_run):
    result, message = bad_run
    assert result.returncode != 0 and message in result.stdout, result.stdout[-3000:]


def test_bad_input_changes_nothing(bad_run):
    result, _changed = bad_run
    changed = {host: counters["changed"] for host, counters in recap(result.stdout).items()}
    assert changed and set(changed.values()) == {0}, f"changes: {changed}\n{result.stdout[-2000:]}"


# An apt pin with a negative priority is how a head node looks whose package sources lack slurmctld.
NO_SLURMCTLD = "/etc/apt/preferences.d/picluster-test-no-slurmctld"


@pytest.fixture(scope="module")
def head_without_slurmctld():
    head = node(HEAD)
    head.check_output(f"printf 'Package: slurmctld\\nPin: release *\\nPin-Priority: -1\\n' > {NO_SLURMCTLD}")
    try:
        assert "Candidate: (none)" in head.check_output("apt-cache policy slurmctld"), "the pin did not take"
        yield playbook("site.yml", "-e", "mpi_scheduler=slurm")
    finally:
        head.run(f"rm -f {NO_SLURMCTLD}")


def test_slurm_on_a_head_node_apt_offers_no_slurmctld_fails_with_what_to_enable(head_without_slurmctld):
    result = head_without_slurmctld
    assert result.returncode != 0 and f"apt on the head node {HEAD} offers no slurmctld package" in result.stdout, (
        result.stdout[-3000:])


def test_slurm_on_a_head_node_apt_offers_no_slurmctld_changes_nothing(head_without_slurmctld):
    changed = {host: counters["changed"] for host, counters in recap(head_without_slurmctld.stdout).items()}
    assert changed and set(changed.values()) == {0}, f"changes: {changed}\n{head_without_slurmctld.stdout[-2000:]}"


def test_check_refuses_an_ssh_check_that_could_not_log_in():
    result = playbook("check.yml", "-e", "health_ssh_width=0")
    assert result.returncode != 0 and "health_ssh_width is 0" in result.stdout, result.stdout[-3000:]
