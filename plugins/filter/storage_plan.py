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
      C(export_line) (the head node's C(/etc/exports) line, to the cluster network only), C(fstab_line) (every
      node's NFS line) and C(automount_unit) (the systemd unit systemd makes of that line).
  type: dict
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils import shared_storage


def storage_plan(view, backend, path, export_dir, user, home, key_type):
    head = view["nodes"].get(view["head"], {})
    return {
        "backend": backend,
        # By the head node's name, as /etc/hosts (hostsfile) maps it and ssh_known_hosts (ssh_mesh) knows its key.
        "sshfs": ["/usr/bin/sshfs", "-f", f"{user}@{view['head']}:{export_dir}", path,
                  "-o", ",".join(shared_storage.sshfs_options(home, key_type))],
        "export_line": shared_storage.nfs_export_line(export_dir, head.get("network") or ""),
        "fstab_line": shared_storage.nfs_fstab_line(view["head"], export_dir, path),
        "automount_unit": shared_storage.unit_name(path, "automount"),
    }


class FilterModule:
    def filters(self):
        return {"storage_plan": storage_plan}
