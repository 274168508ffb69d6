"""The shared storage's settings, refused or taken, and its mount lines (plugin_utils/shared_storage)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.plugin_utils import shared_storage

HOME = "/home/mpi"
HEAD_PATHS = {"/srv/cluster": {"exists": True, "directory": True, "mount": None}}


def problems(backend="sshfs", path="/cluster", export_dir="/srv/cluster", head_paths=None):
    return shared_storage.problems({"backend": backend, "path": path, "export_dir": export_dir}, HOME,
                                   HEAD_PATHS if head_paths is None else head_paths)


def test_the_defaults_are_taken():
    assert problems() == []


def test_none_takes_any_path():
    assert problems("none", path="etc") == []


def test_an_unknown_backend_is_refused_naming_the_choices():
    assert problems("glusterfs") == ["shared_storage_backend is 'glusterfs': choose one of none, sshfs, nfs."]


@pytest.mark.parametrize(("path", "says"), [
    ("cluster", "give an absolute path"),
    ("/cluster/", "write it plainly, as /cluster"),
    ("/srv/../cluster", "write it plainly, as /cluster"),
    ("/", "the root directory"),
    ("/etc", "inside /etc, a directory of the operating system"),
    ("/usr/local/cluster", "inside /usr"),
    ("/home/mpi", "would hide the MPI user's home"),
    ("/home/mpi/cluster", "would hide the MPI user's home"),
    ("/home", "would hide the MPI user's home"),
])
def test_a_shared_path_that_cannot_work_is_refused_saying_why(path, says):
    found = problems(path=path)
    assert len(found) == 1 and found[0].startswith(f"shared_storage_path is '{path}'") and says in found[0], found


def test_the_export_directory_is_checked_the_same_way():
    assert problems(export_dir="/var/lib/cluster")[0].startswith("shared_storage_export_dir is '/var/lib/cluster'")


@pytest.mark.parametrize(("path", "export_dir"), [("/srv/cluster", "/srv/cluster"), ("/srv/cluster/in", "/srv/cluster"),
                                                  ("/srv", "/srv/cluster")])
def test_the_mount_point_and_the_export_must_be_apart(path, export_dir):
    assert "must be apart" in problems(path=path, export_dir=export_dir, head_paths={export_dir: {"directory": True}})[0]


def test_an_export_directory_missing_on_the_head_node_is_refused_saying_what_to_do():
    found = problems(head_paths={"/srv/cluster": {"exists": False, "directory": False, "mount": None}})
    assert found == ["shared_storage_export_dir /srv/cluster does not exist on the head node: create it there (or mount "
                     "the disk that holds the cluster's files there, such as a USB SSD), then run the playbook again."]


def test_a_head_node_not_read_leaves_the_export_unchecked():
    assert shared_storage.problems({"backend": "sshfs", "path": "/cluster", "export_dir": "/srv/cluster"}, HOME) == []


@pytest.mark.parametrize(("node", "in_place"), [
    ({"paths": {"/cluster": {"mount": None}, "/etc/u": {"exists": False}}, "fstab_block": None}, False),
    ({"paths": {"/etc/u": {"exists": True}}, "fstab_block": None}, True),
    ({"paths": {"/cluster": {"mount": {"fstype": "fuse.sshfs"}}}, "fstab_block": None}, True),
    ({"paths": {"/cluster": {"mount": {"fstype": "ext4"}}}, "fstab_block": None}, False),
    ({"paths": {}, "fstab_block": "192.0.2.10:/srv/cluster /cluster nfs ..."}, True),
], ids=["nothing", "sshfs-unit", "sshfs-mount", "a-disk-of-its-own", "nfs-fstab"])
def test_in_place_finds_what_the_role_left(node, in_place):
    assert shared_storage.in_place(node, {"path": "/cluster", "unit": "/etc/u"}) is in_place


@pytest.mark.parametrize("path", ["/cluster", "/srv/my data", "/a-b/c.d", "/srv/.hidden/x", "/mnt/ü"])
def test_unit_names_are_systemd_escapes(path):
    if not shutil.which("systemd-escape"):
        pytest.skip("systemd-escape is not installed")
    expected = subprocess.run(["systemd-escape", "--path", "--suffix=automount", path], capture_output=True, text=True,
                              check=True).stdout.strip()
    assert shared_storage.unit_name(path, "automount") == expected


def test_the_nfs_export_goes_to_each_node_and_no_other_host():
    assert shared_storage.nfs_export_line("/srv/cluster", ["192.0.2.10", "192.0.2.11"]) == (
        "/srv/cluster 192.0.2.10(rw,sync,no_subtree_check,root_squash) 192.0.2.11(rw,sync,no_subtree_check,root_squash)")


def test_the_nfs_mount_neither_hangs_nor_fails_a_boot_before_the_head_node():
    fields = shared_storage.nfs_fstab_line("rpi-0", "/srv/cluster", "/cluster").split()
    assert fields[:3] == ["rpi-0:/srv/cluster", "/cluster", "nfs"] and {"_netdev", "nofail", "x-systemd.automount"} <= set(
        fields[3].split(","))


def test_sshfs_checks_the_head_nodes_host_key_and_never_prompts():
    options = shared_storage.sshfs_options("/home/mpi", "ed25519")
    assert {"BatchMode=yes", "StrictHostKeyChecking=yes", "IdentityFile=/home/mpi/.ssh/id_ed25519"} <= set(options)


def test_the_probe_logs_in_as_sshfs_does_and_runs_nothing():
    argv = shared_storage.sshfs_probe("mpi", "rpi-0", "/home/mpi", "ed25519")
    options = set(argv[2:-2:2])
    assert argv[0] == "/usr/bin/ssh" and argv[-2:] == ["mpi@rpi-0", "true"] and set(argv[1:-2:2]) == {"-o"}, argv
    assert set(shared_storage.login_options("/home/mpi", "ed25519")) <= options and "ConnectTimeout=10" in options, argv


def test_sshfs_and_its_probe_share_one_login():
    login = shared_storage.login_options("/home/mpi", "ed25519")
    assert set(login) <= set(shared_storage.sshfs_options("/home/mpi", "ed25519")), login


GENERATOR = Path("/usr/lib/systemd/system-generators/systemd-fstab-generator")


def test_systemd_makes_a_valid_automount_and_mount_of_the_nfs_line(tmp_path):
    """What systemd makes of the fstab line at boot (its fstab generator), checked by systemd-analyze verify."""
    fstab, units = tmp_path / "fstab", tmp_path / "units"
    units.mkdir()
    fstab.write_text(shared_storage.nfs_fstab_line("rpi-0", "/srv/cluster", "/cluster") + "\n")
    env = {"SYSTEMD_FSTAB": str(fstab), "SYSTEMD_PROC_CMDLINE": "", "PATH": "/usr/bin:/bin"}
    subprocess.run([str(GENERATOR), str(units), str(units), str(units)], env=env, check=True)
    made = [units / "cluster.mount", units / "cluster.automount"]
    verified = subprocess.run(["systemd-analyze", "verify", *map(str, made)], capture_output=True, text=True,
                              check=False)
    assert verified.returncode == 0 and not verified.stderr, verified.stderr
    assert (units / "remote-fs.target.wants/cluster.automount").exists(), "the automount would not start at boot"
    assert "Type=nfs" in made[0].read_text() and "TimeoutSec=30s" in made[0].read_text(), made[0].read_text()
