"""A node provisioned by picluster.mpi 0.1.0 holds its machinefile and Open MPI parameters as whole files, which
0.2.0 writes as one marked block: site.yml keeps each old file aside once, as FILE.old, and starts a new one."""
from __future__ import annotations

import pytest
from clustertest import HEAD, MPI_HOME, NODES, SLOTS, as_mpi_user, node, playbook, write_as_mpi_user
from playbook_output import changed_hosts

UPGRADED = NODES[2]
BEGIN = "# BEGIN picluster.mpi machinefile"
END = "# END picluster.mpi machinefile"
# Byte for byte what 0.1.0's template module wrote.
OLD = {
    f"{MPI_HOME}/machinefile": "#\n# Ansible managed\n#\n"
    "# Open MPI hostfile: the head node first, so rank 0 runs where mpirun is called.\n"
    + "".join(f"{name} slots={SLOTS}\n" for name in [HEAD] + [n for n in NODES if n != HEAD]),
    f"{MPI_HOME}/.openmpi/mca-params.conf": "#\n# Ansible managed\n#\nbtl = self,vader,tcp\npml = ob1\n"
    "plm_rsh_args = -o BatchMode=yes\n",
}
OWN_LINE = "# my own note, outside the block"


def remove_kept_files(host) -> None:
    host.check_output("rm -f " + " ".join(f"{path}.old {path}.old.~*~" for path in OLD))


def remove_own_lines(host) -> None:
    host.check_output(f"sed -i '/^{OWN_LINE}$/d' " + " ".join(OLD))


@pytest.fixture(scope="module")
def upgraded():
    host = node(UPGRADED)
    remove_kept_files(host)
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


@pytest.mark.parametrize("path", list(OLD))
def test_the_new_file_holds_one_block_and_nothing_else(upgraded, path):
    text = node(UPGRADED).file(path).content_string
    assert text.count(BEGIN) == 1 and outside_the_block(text) == [], text


def test_the_upgraded_machinefile_lists_every_node_once(upgraded):
    text = node(UPGRADED).file(f"{MPI_HOME}/machinefile").content_string
    names = [line.split()[0] for line in text.splitlines() if line and not line.startswith("#")]
    assert sorted(names) == sorted(NODES), text


def test_mpirun_reaches_every_node_from_the_upgraded_node(upgraded):
    hosts = node(UPGRADED).check_output(as_mpi_user(
        f"timeout 120 mpirun -np {len(NODES) * SLOTS} -machinefile ~/machinefile hostname"))
    assert sorted(set(hosts.split())) == sorted(NODES), hosts


def test_lines_the_owner_adds_outside_the_block_stay_and_change_nothing(upgraded):
    host = node(UPGRADED)
    path = f"{MPI_HOME}/.openmpi/mca-params.conf"
    host.check_output(as_mpi_user(f"echo '{OWN_LINE}' >> {path}"))
    again = playbook("site.yml")
    assert again.returncode == 0 and not changed_hosts(again.stdout), again.stdout[-3000:]
    assert outside_the_block(host.file(path).content_string) == [OWN_LINE]
