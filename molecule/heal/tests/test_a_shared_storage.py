"""Shared storage over sshfs on the base cluster: every node mounts the head node's export, a file one node writes is
read on every other, MPI-IO across the four nodes checks every byte, the mount comes back after the head node and a
worker reboot and on a re-flashed node after site.yml --limit, check.yml says so, and shared_storage_backend back to
none removes the mount and keeps the files. Bad settings are refused before any change. The story undoes itself, as
every heal story does."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from clustertest import HEAD, INVENTORY, MPI_USER, NODES, SLOTS, as_mpi_user, node, playbook, vcluster, write_as_mpi_user
from playbook_output import changed_hosts

EXPORT = "/srv/cluster"
SHARED = "/cluster"
SSHFS = json.dumps({"shared_storage_backend": "sshfs"})
WORKER = NODES[-1]
REPLACED = NODES[1]


def saved_result(results: Path) -> dict:
    """The result run_job.yml saved for the mpiio job."""
    files = sorted(results.glob("mpiio-*.json"))
    assert len(files) == 1, f"expected one saved result, found {files}"
    return json.loads(files[0].read_text())


def mount_of(name: str) -> str:
    """What is mounted at the shared path on a node (source and type), or empty."""
    return node(name).run(f"findmnt --noheadings --output SOURCE,FSTYPE {SHARED}").stdout.strip()


@pytest.fixture(scope="module")
def converged():
    """The head node's export directory made (as on a Pi with a USB SSD mounted there), then site.yml twice, its
    shared_storage role alone (--tags): the cluster is provisioned already, and no other role reads the backend."""
    node(HEAD).check_output(f"mkdir -p {EXPORT}")
    return tuple(playbook("site.yml", "--tags", "shared_storage", "-e", SSHFS) for _run in range(2))


def test_site_sets_up_the_shared_directory(converged):
    first, _second = converged
    assert first.returncode == 0, first.stdout[-3000:]


def test_a_second_run_changes_nothing(converged):
    _first, second = converged
    assert second.returncode == 0 and changed_hosts(second.stdout) == {}, second.stdout[-3000:]


@pytest.mark.parametrize("name", NODES)
def test_every_node_mounts_the_head_nodes_export_with_sshfs(converged, name):
    assert mount_of(name) == f"{MPI_USER}@{HEAD}:{EXPORT} fuse.sshfs", mount_of(name)


@pytest.fixture(scope="module")
def written_on_the_worker(converged):
    write_as_mpi_user(node(WORKER), f"{SHARED}/from-{WORKER}.txt", f"written on {WORKER}\n")
    yield f"{SHARED}/from-{WORKER}.txt"
    node(WORKER).run(f"rm -f {SHARED}/from-{WORKER}.txt")


@pytest.mark.parametrize("name", NODES)
def test_a_file_written_on_one_node_is_read_on_every_node(written_on_the_worker, name):
    text = node(name).check_output(as_mpi_user(f"cat {written_on_the_worker}"))
    assert text == f"written on {WORKER}", f"{name} reads {text!r}"


@pytest.mark.parametrize("name", NODES)
def test_the_file_is_the_mpi_users_on_every_node(written_on_the_worker, name):
    assert node(name).file(written_on_the_worker).user == MPI_USER


def test_the_file_is_on_the_head_nodes_disk(written_on_the_worker):
    assert node(HEAD).file(f"{EXPORT}/from-{WORKER}.txt").exists


@pytest.fixture(scope="module")
def mpiio(converged, tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    return playbook("run_job.yml", "-e", "job=mpiio", "-e", f"np={SLOTS * len(NODES)}", "-e", SSHFS,
                    "-e", f"mpi_job_results_dir={results}"), results


def test_mpiio_on_every_slot_of_the_four_nodes_reads_back_every_byte(mpiio):
    run, results = mpiio
    assert run.returncode == 0, run.stdout[-3000:]
    result = saved_result(results)
    assert (result["verified"], result["ranks"], result["nodes"]) == (True, SLOTS * len(NODES), sorted(NODES)), result


def test_mpiio_runs_its_script_from_the_shared_directory(mpiio):
    assert node(HEAD).file(f"{EXPORT}/mpi_jobs/mpiio.py").exists


def test_mpiio_in_each_nodes_own_home_fails_saying_the_directory_is_not_shared(converged):
    result = playbook("run_job.yml", "-e", "job=mpiio", "-e", "workdir=home", "-e", "nodes=" + ",".join(NODES[:2]),
                      "-e", "map_by=node", "-e", SSHFS)
    assert result.returncode != 0 and "is not shared: ranks on" in result.stdout, result.stdout[-3000:]


def test_check_says_every_node_reads_what_every_other_wrote(converged):
    result = playbook("check.yml", "-e", SSHFS)
    assert result.returncode == 0 and f"storage      OK    {SHARED} (fuse.sshfs from {MPI_USER}@{HEAD}:{EXPORT}) on " \
        f"{len(NODES)}/{len(NODES)} nodes" in result.stdout, result.stdout[-3000:]


@pytest.fixture(scope="module")
def rebooted(converged):
    """power.yml reboots the head node, then a worker; check.yml after each."""
    found = {}
    for name in (HEAD, WORKER):
        found[name] = playbook("power.yml", "-e", "action=reboot", "--limit", name, "-e", SSHFS)
    return found


@pytest.mark.parametrize("name", [HEAD, WORKER])
def test_after_a_reboot_the_check_finds_the_shared_directory_on_every_node(rebooted, name):
    result = rebooted[name]
    assert result.returncode == 0 and "storage      OK" in result.stdout, result.stdout[-3000:]


def test_check_fails_naming_a_node_whose_mount_stopped(rebooted):
    node(WORKER).check_output("systemctl stop picluster-shared-storage.service")
    try:
        result = playbook("check.yml", "-e", SSHFS)
    finally:
        node(WORKER).check_output("systemctl start picluster-shared-storage.service")
    assert result.returncode != 0 and f"shared storage: {WORKER} has nothing mounted at {SHARED}" in result.stdout, (
        result.stdout[-3000:])


# ---- after a power cut, a node that boots before the head node mounts once the head node is up ------------------

def wait_for_mount(name: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while not mount_of(name) and time.monotonic() < deadline:
        time.sleep(1)
    return mount_of(name)


def container_state(name: str) -> str:
    """Docker's state of a node's container (running, exited, ...)."""
    return subprocess.run(["docker", "inspect", "-f", "{{.State.Status}} since {{.State.StartedAt}}",
                           f"{INVENTORY.parent.name}-{name}"], capture_output=True, text=True, check=False).stdout.strip()


def mounts_seen(name: str, seconds: float) -> set[str]:
    """Every mount seen at the shared path on a node, looked at three times a second for `seconds`."""
    seen, deadline = set(), time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.add(mount_of(name))
        time.sleep(0.3)
    return seen - {""}


@pytest.fixture(scope="module")
def power_cut(converged):
    """The head node off; a worker boots without it and is watched for 15 s, then the head node comes back. With what
    was mounted on the worker meanwhile, the head node's container state and the mount unit's journal, which say why.
    Watched, not looked at once: sshfs mounts before it connects, and a mount that lasts only while each attempt
    fails would otherwise be seen or missed by chance."""
    vcluster("stop", HEAD)
    try:
        vcluster("stop", WORKER)
        vcluster("start", WORKER)
        before = mounts_seen(WORKER, 15)
        why = (f"head node's container: {container_state(HEAD)}; the worker's mount unit:\n"
               + node(WORKER).run("journalctl -b --no-pager -u picluster-shared-storage.service | tail -15").stdout)
    finally:
        vcluster("start", HEAD)
    return before, why, wait_for_mount(WORKER, 60)


def test_a_node_that_boots_before_the_head_node_boots_without_the_mount(power_cut):
    before, why, _after = power_cut
    assert not before, f"mounted while the head node was off: {sorted(before)}; {why}"


def test_it_mounts_the_shared_directory_once_the_head_node_is_up(power_cut):
    _before, _why, after = power_cut
    assert after == f"{MPI_USER}@{HEAD}:{EXPORT} fuse.sshfs", after


# ---- a re-flashed worker gets its mount back -------------------------------------------------------------------

@pytest.fixture(scope="module")
def replaced(rebooted, power_cut, written_on_the_worker):
    """A worker re-flashed (new disk, new host keys), then site.yml --limit on it."""
    vcluster("replace", REPLACED)
    return playbook("site.yml", "--limit", REPLACED, "-e", SSHFS)


def test_site_limited_to_a_reflashed_node_mounts_the_shared_directory_there(replaced):
    assert replaced.returncode == 0 and mount_of(REPLACED) == f"{MPI_USER}@{HEAD}:{EXPORT} fuse.sshfs", (
        replaced.stdout[-3000:])


def test_the_reflashed_node_reads_what_was_written_before(replaced, written_on_the_worker):
    assert node(REPLACED).check_output(as_mpi_user(f"cat {written_on_the_worker}")) == f"written on {WORKER}"


# ---- bad settings, refused before any change ---------------------------------------------------------------------

@pytest.mark.parametrize(("settings", "says"), [
    ({"shared_storage_backend": "sshfs", "shared_storage_path": "/etc/cluster"}, "inside /etc, a directory of the"),
    ({"shared_storage_backend": "sshfs", "shared_storage_export_dir": "/srv/absent"},
     "shared_storage_export_dir /srv/absent does not exist on the head node"),
    ({"shared_storage_backend": "sshfs", "shared_storage_path": f"/home/{MPI_USER}/cluster"},
     "would hide the MPI user's home"),
    ({"shared_storage_backend": "gluster"}, "shared_storage_backend"),
], ids=["system-directory", "no-export-directory", "inside-the-home", "unknown-backend"])
def test_bad_settings_are_refused_before_any_change(replaced, settings, says):
    result = playbook("site.yml", "-e", json.dumps(settings))
    assert result.returncode != 0 and says in result.stdout and changed_hosts(result.stdout) == {}, (
        result.stdout[-3000:])


# ---- back to none -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def removed(replaced):
    """Back to none with the shared_storage role alone, then the whole site.yml, which must find nothing to change."""
    return playbook("site.yml", "--tags", "shared_storage"), playbook("site.yml")


def test_back_to_none_removes_the_mount_from_every_node(removed):
    first, _second = removed
    assert first.returncode == 0 and set(changed_hosts(first.stdout)) == set(NODES), first.stdout[-3000:]
    assert {name: mount_of(name) for name in NODES} == dict.fromkeys(NODES, "")


@pytest.mark.parametrize("name", NODES)
def test_back_to_none_removes_the_unit(removed, name):
    assert not node(name).file("/etc/systemd/system/picluster-shared-storage.service").exists


@pytest.mark.parametrize("name", NODES)
def test_back_to_none_removes_the_empty_mount_point(removed, name):
    assert not node(name).file(SHARED).exists, f"{SHARED} is still on {name}"


def test_back_to_none_keeps_the_head_nodes_files(removed):
    assert node(HEAD).file(f"{EXPORT}/mpi_jobs/mpiio.py").exists


def test_then_site_changes_nothing(removed):
    _first, second = removed
    assert second.returncode == 0 and changed_hosts(second.stdout) == {}, second.stdout[-3000:]
