"""Filter picluster.mpi.slurm_not_up: the nodes Slurm does not run jobs on, from sinfo's output."""
from __future__ import annotations

DOCUMENTATION = r"""
name: slurm_not_up
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The nodes that sinfo shows in a state Slurm runs no jobs in
description:
  - Reads C(sinfo --noheader --Node --format '%N|%t|%E') and returns the nodes whose state is not one Slurm runs jobs
    in (C(idle), C(alloc), C(mix), C(comp)); a node with a flag (C(idle*), C(down~)) is not up.
  - With O(nodes), a node sinfo does not list at all counts as not up too.
positional: nodes
options:
  _input:
    description: sinfo's standard output.
    type: str
    required: true
  nodes:
    description: The nodes that must be up; empty, those sinfo lists.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
down: "{{ sinfo.stdout | picluster.mpi.slurm_not_up(groups['cluster']) }}"
"""

RETURN = r"""
_value:
  description: The nodes not up, in the order of O(nodes) (else sinfo's).
  type: list
  elements: str
"""

from ansible_collections.picluster.mpi.plugins.module_utils.slurm_states import is_up, node_states


def slurm_not_up(stdout, nodes=None):
    states = node_states(stdout)
    return [node for node in (nodes or list(states)) if not is_up(states.get(node, ("", ""))[0])]


class FilterModule:
    def filters(self):
        return {"slurm_not_up": slurm_not_up}
