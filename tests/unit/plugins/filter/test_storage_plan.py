"""The filter storage_plan: how every node mounts the head node's export, per backend."""
from __future__ import annotations

from ansible_collections.picluster.mpi.plugins.filter.storage_plan import storage_plan

VIEW = {"head": "rpi-0", "order": ["rpi-0", "rpi-2"],
        "nodes": {"rpi-0": {"address": "192.0.2.10"}, "rpi-1": {"address": "192.0.2.11"},
                  "rpi-2": {"address": "192.0.2.12"}}}


def plan(backend="sshfs", path="/cluster"):
    return storage_plan(VIEW, backend, path, "/srv/cluster", "mpi", "/home/mpi", "ed25519")


def test_sshfs_mounts_the_head_nodes_export_by_its_name_as_the_mpi_user_in_the_foreground():
    argv = plan()["sshfs"]
    assert argv[:4] == ["/usr/bin/sshfs", "-f", "mpi@rpi-0:/srv/cluster", "/cluster"] and argv[4] == "-o", argv


def test_sshfs_options_are_one_comma_separated_list():
    options = plan()["sshfs"][5].split(",")
    assert {"allow_other", "default_permissions", "direct_io", "dir_cache=no", "reconnect"} <= set(options), options


def test_nfs_exports_to_the_live_nodes_head_first_and_leaves_a_dead_one_out():
    assert plan("nfs")["export_line"].split()[1:] == ["192.0.2.10(rw,sync,no_subtree_check,root_squash)",
                                                      "192.0.2.12(rw,sync,no_subtree_check,root_squash)"]


def test_nfs_mounts_by_the_head_nodes_name_through_an_automount_unit():
    result = plan("nfs", "/srv/shared")
    assert result["fstab_line"].startswith("rpi-0:/srv/cluster /srv/shared nfs ") and (
        result["automount_unit"] == "srv-shared.automount") and result["mount_unit"] == "srv-shared.mount", result
