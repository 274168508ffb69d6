"""A node provisioned by picluster.mpi 0.1.0 holds its machinefile as a whole file, which 0.2.0 writes as one marked
block, and the cluster's Open MPI parameters in the MPI user's ~/.openmpi, which 0.2.0 writes system-wide: site.yml
keeps each old file aside once, as FILE.old, and the MPI user's own parameters stay theirs."""
from __future__ import annotations

import pytest
from clustertest import HEAD, MPI_HOME, NODES, SLOTS, as_mpi_user, node, open_mpi_param, playbook, write_as_mpi_user
from playbook_output import changed_hosts

UPGRADED = NODES[2]
BEGIN = "# BEGIN picluster.mpi machinefile"
END = "# END picluster.mpi machinefile"
MACHINEFILE = f"{MPI_HOME}/machinefile"
USER_PARAMS = f"{MPI_HOME}/.openmpi/mca-params.conf"
# Byte for byte what 0.1.0's template module wrote.
OLD = {
    MACHINEFILE: "#\n# Ansible managed\n#\n"
    "# Open MPI hostfile: the head node first, so rank 0 runs where mpirun is called.\n"
    + "".join(f"{name} slots={SLOTS}\n" for name in [HEAD] + [n for n in NODES if n != HEAD]),
    USER_PARAMS: "#\n# Ansible managed\n#\nbtl = self,vader,tcp\npml = ob1\n"
    "plm_rsh_args = -o BatchMode=yes\n",
}
OWN_LINE = "# my own note, outside the block"
# A setting of the MPI user's own, in the file Open MPI reads before the system-wide one.
OWN_PARAM = ("btl_tcp_eager_limit", "32768")


def remove_kept_files(host) -> None:
    host.check_output("rm -f " + " ".join(f"{path}.old {path}.old.~*~" for path in OLD))


def remove_own_lines(host) -> None:
    host.check_output(f"sed -i '/^{OWN_LINE}$/d' {MACHINEFILE}")
    host.check_output(f"rm -f {USER_PARAMS}")


@pytest.fixture(scope="module")
def upgraded():
    host = node(UPGRADED)
    remove_kept_files(host)
    host.check_output(as_mpi_user(f"mkdir -p {USER_PARAMS.rsplit('/', 1)[0]}"))
    for path, content in OLD.items():
        write_as_mpi_user(host, path, content)
    try:
        yield playbook("site.yml")
    finally:
        remove_kept_files(host)
        remove_own_lines(host)


def outside_the_block(text: str) -> list[str]:
    lines = text.splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith(BEGIN))
    end = next(i for i, line in enumerate(lines) if line.startswith(END))
    return lines[:begin] + lines[end + 1:]


def test_site_succeeds(upgraded):
    assert upgraded.returncode == 0, upgraded.stdout[-3000:]


def test_only_the_upgraded_node_is_changed(upgraded):
    assert set(changed_hosts(upgraded.stdout)) == {UPGRADED}, upgraded.stdout[-3000:]


@pytest.mark.parametrize("path", list(OLD))
def test_the_old_file_is_kept_aside_unchanged(upgraded, path):
    kept = node(UPGRADED).file(f"{path}.old")
    assert kept.exists and kept.content_string == OLD[path], f"{path}.old: {kept.exists and kept.content_string!r}"


def test_the_new_machinefile_holds_one_block_and_nothing_else(upgraded):
    text = node(UPGRADED).file(MACHINEFILE).content_string
    assert text.count(BEGIN) == 1 and outside_the_block(text) == [], text


def test_the_mpi_users_old_parameters_are_gone_so_the_system_wide_ones_apply(upgraded):
    assert not node(UPGRADED).file(USER_PARAMS).exists, node(UPGRADED).file(USER_PARAMS).content_string


def test_the_upgraded_machinefile_lists_every_node_once(upgraded):
    text = node(UPGRADED).file(MACHINEFILE).content_string
    names = [line.split()[0] for line in text.splitlines() if line and not line.startswith("#")]
    assert sorted(names) == sorted(NODES), text


def test_mpirun_reaches_every_node_from_the_upgraded_node(upgraded):
    hosts = node(UPGRADED).check_output(as_mpi_user(
        f"timeout 120 mpirun -np {len(NODES) * SLOTS} -machinefile ~/machinefile hostname"))
    assert sorted(set(hosts.split())) == sorted(NODES), hosts


def test_lines_the_owner_adds_outside_the_block_stay_and_change_nothing(upgraded):
    host = node(UPGRADED)
    host.check_output(as_mpi_user(f"echo '{OWN_LINE}' >> {MACHINEFILE}"))
    again = playbook("site.yml")
    assert again.returncode == 0 and not changed_hosts(again.stdout), again.stdout[-3000:]
    assert outside_the_block(host.file(MACHINEFILE).content_string) == [OWN_LINE]


def test_the_mpi_users_own_parameters_stay_and_win(upgraded):
    host = node(UPGRADED)
    name, value = OWN_PARAM
    write_as_mpi_user(host, USER_PARAMS, f"{name} = {value}\n")
    again = playbook("site.yml")
    assert again.returncode == 0 and not changed_hosts(again.stdout), again.stdout[-3000:]
    assert host.file(USER_PARAMS).content_string == f"{name} = {value}\n"
    assert open_mpi_param(host, "btl", "tcp", name) == (value, USER_PARAMS)
