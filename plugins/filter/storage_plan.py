"""Filter picluster.mpi.storage_plan: how the shared_storage role mounts the head node's export on every node."""
from __future__ import annotations

DOCUMENTATION = r"""
name: storage_plan
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The mount of the shared directory on every node, per backend
description:
  - From the cluster view (filter P(picluster.mpi.cluster_view#filter)) and the shared storage settings, the
    command line of the sshfs mount, the line of C(/etc/exports) on the head node and the line of C(/etc/fstab) on
    every node for NFS, and the systemd unit of the NFS automount. Each option is chosen for a reason, given in
    C(plugins/plugin_utils/shared_storage.py) and the role's README.
positional: backend, path, export_dir, home, key_type
options:
  _input:
    description: The cluster view.
    type: dict
    required: true
  backend:
    description: C(sshfs) or C(nfs).
    type: str
    required: true
  path:
    description: Where every node mounts the shared directory.
    type: str
    required: true
  export_dir:
    description: The head node's directory every node mounts.
    type: str
    required: true
  user:
    description: The MPI user, whose SSH login carries the sshfs mount.
    type: str
    required: true
  home:
    description: The MPI user's home, which holds its key pair.
    type: str
    required: true
  key_type:
    description: The type of the MPI user's key pair.
    type: str
    required: true
"""

EXAMPLES = r"""
plan: "{{ __cluster_view | picluster.mpi.storage_plan('sshfs', '/cluster', '/srv/cluster', 'mpi', '/home/mpi', 'ed25519') }}"
"""

RETURN = r"""
_value:
  description:
    - C(sshfs) (the argv of a foreground sshfs mount of the head node's export, run by the role's systemd unit),
      C(sshfs_probe) (the argv of the login to the head node that the unit runs first, so that no mount is made while
      the head node is off),
      C(export_line) (the head node's C(/etc/exports) line, to the live nodes' addresses only), C(fstab_line) (every
      node's NFS line) and C(automount_unit) and C(mount_unit) (the systemd units systemd makes of that line).
  type: dict
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils import shared_storage


def storage_plan(view, backend, path, export_dir, user, home, key_type):
    return {
        "backend": backend,
        # By the head node's name, as /etc/hosts (hostsfile) maps it and ssh_known_hosts (ssh_mesh) knows its key.
        "sshfs": ["/usr/bin/sshfs", "-f", f"{user}@{view['head']}:{export_dir}", path,
                  "-o", ",".join(shared_storage.sshfs_options(home, key_type))],
        "sshfs_probe": shared_storage.sshfs_probe(user, view["head"], home, key_type),
        # The live nodes, the head node too (it mounts its own export), as every file of the cluster lists them.
        "export_line": shared_storage.nfs_export_line(export_dir, [view["nodes"][name]["address"]
                                                                   for name in view["order"]]),
        "fstab_line": shared_storage.nfs_fstab_line(view["head"], export_dir, path),
        "automount_unit": shared_storage.unit_name(path, "automount"),
        "mount_unit": shared_storage.unit_name(path, "mount"),
    }


class FilterModule:
    def filters(self):
        return {"storage_plan": storage_plan}
