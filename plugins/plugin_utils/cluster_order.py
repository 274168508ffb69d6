"""The order of the cluster's nodes that every writer follows (machinefile, Slurm's node lines, job placement, the
HPL plan, check.yml): the live nodes, the head node first when it is live, then inventory order; the hostfile lines
written in that order, and how a job's ranks fill them. Imported by the filters as
ansible_collections.picluster.mpi.plugins.plugin_utils.cluster_order."""
from __future__ import annotations


def head_first(live, head):
    """The live nodes with the head node first, where it is one of them; a dead head node is left out."""
    live = list(live)
    return ([head] if head in live else []) + [name for name in live if name != head]


def hostfile_lines(names, nodes):
    """Open MPI hostfile lines (`name slots=N`) for the named nodes, in the order given."""
    return [f"{name} slots={nodes[name]['slots']}" for name in names]


def place(order, slots, ranks, map_by):
    """Ranks per node as mpirun places them over a hostfile in this order: filling each node's slots before the next
    (map_by slot), or one rank per node in turn (map_by node). Nodes without a rank are left out."""
    placed = dict.fromkeys(order, 0)
    left = ranks
    if map_by == "node":
        while left > 0 and order:
            for name in order[:left]:
                placed[name] += 1
            left -= min(left, len(order))
    else:
        for name in order:
            placed[name] = min(int(slots[name]), left)
            left -= placed[name]
        # mpirun refuses more ranks than slots; the job's own check says so. Spread them for the sum to hold.
        for name in order[:left]:
            placed[name] += 1
    return {name: count for name, count in placed.items() if count > 0}
