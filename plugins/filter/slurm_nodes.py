"""Filter picluster.mpi.slurm_nodes: the node lines of slurm.conf, from the cluster view."""
from __future__ import annotations

DOCUMENTATION = r"""
name: slurm_nodes
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The node lines of slurm.conf, from the cluster view
description:
  - One C(NodeName=) line of C(slurm.conf) per live node of the cluster view (filter
    P(picluster.mpi.cluster_view#filter)), head first, with the node's cluster address, CPUs, topology and memory.
  - A node has as many Slurm CPUs as MPI slots, so C(sbatch --ntasks) and C(mpirun -np) fit the same ranks. Where
    the slots are the node's CPUs, the line carries the node's real sockets, cores and threads; where
    C(machinefile_slots) sets other slots, the slots are described as cores of one socket.
  - C(RealMemory) is the node's memory less O(reserve_mb), at least 1.
positional: reserve_mb
options:
  _input:
    description: The cluster view.
    type: dict
    required: true
  reserve_mb:
    description: Memory in MiB kept for the OS and daemons on every node.
    type: int
    required: true
"""

EXAMPLES = r"""
node_lines: "{{ __cluster_view | picluster.mpi.slurm_nodes(256) }}"
"""

RETURN = r"""
_value:
  description: The C(NodeName=) lines, head first.
  type: list
  elements: str
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils.cluster_order import head_first


def _topology(node):
    slots, cpus, topology = int(node["slots"]), node.get("cpus"), node.get("topology") or {}
    parts = [topology.get(key) for key in ("sockets", "cores_per_socket", "threads_per_core")]
    if slots == cpus and all(isinstance(part, int) and part > 0 for part in parts):
        return parts
    return [1, slots, 1]


def slurm_nodes(view, reserve_mb):
    lines = []
    for name in head_first(view["live"], view["head"]):
        node = view["nodes"][name]
        sockets, cores, threads = _topology(node)
        fields = [f"NodeName={name}", f"NodeAddr={node['address']}", f"CPUs={int(node['slots'])}",
                  f"Sockets={sockets}", f"CoresPerSocket={cores}", f"ThreadsPerCore={threads}"]
        if node.get("memory_mb"):
            fields.append(f"RealMemory={max(int(node['memory_mb']) - int(reserve_mb), 1)}")
        lines.append(" ".join([*fields, "State=UNKNOWN"]))
    return lines


class FilterModule:
    def filters(self):
        return {"slurm_nodes": slurm_nodes}
