"""Filter picluster.mpi.home_plan: where the roster's people have their homes."""
from __future__ import annotations

DOCUMENTATION = r"""
name: home_plan
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Where the roster's people have their homes, on each node or on the shared storage
description:
  - With the C(nfs) backend, one home per person under the shared directory (C(PATH/home/NAME)), seen from every
    node and made once on the head node in its export directory, where root is not squashed.
  - With C(sshfs) or C(none), a home on each node under O(home_base). An sshfs mount is the MPI user's login, so every
    file in it belongs to the MPI user and no home there could be private.
positional: path, export_dir, home_base
options:
  _input:
    description: The shared storage backend, C(none), C(sshfs) or C(nfs) (C(shared_storage_backend)).
    type: str
    required: true
  path:
    description: Where every node mounts the shared directory (C(shared_storage_path)).
    type: str
    required: true
  export_dir:
    description: The head node's exported directory (C(shared_storage_export_dir)).
    type: str
    required: true
  home_base:
    description: Where each node makes the homes when they are not shared (C(cluster_users_home_base)).
    type: str
    required: true
"""

EXAMPLES = r"""
homes: "{{ 'nfs' | picluster.mpi.home_plan('/cluster', '/srv/cluster', '/home') }}"
"""

RETURN = r"""
_value:
  description:
    - C(shared) (whether the homes are on the shared storage), C(base) (the directory of the homes as every node
      sees it, for each account's home) and C(made_in) (where the homes are made; on the head node only when shared).
  type: dict
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils import shared_storage


def home_plan(backend, path, export_dir, home_base):
    return shared_storage.homes({"backend": backend, "path": path, "export_dir": export_dir}, home_base)


class FilterModule:
    def filters(self):
        return {"home_plan": home_plan}
