"""The order of the cluster's nodes that every writer follows (machinefile, Slurm's node lines, job placement, the
HPL plan, check.yml): the live nodes, the head node first when it is live, then inventory order. Imported by the
filters as ansible_collections.picluster.mpi.plugins.plugin_utils.cluster_order."""
from __future__ import annotations


def head_first(live, head):
    """The live nodes with the head node first, where it is one of them; a dead head node is left out."""
    live = list(live)
    return ([head] if head in live else []) + [name for name in live if name != head]
