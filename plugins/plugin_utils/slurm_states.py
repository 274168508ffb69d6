"""Slurm's node states as `sinfo --noheader --Node --format '%N|%t|%E'` prints them (the command of _cluster's
__cluster_sinfo_nodes), read in one place for check.yml's report and power.yml's wait. Imported by the filters as
ansible_collections.picluster.mpi.plugins.plugin_utils.slurm_states."""
from __future__ import annotations

# Node states in which Slurm runs jobs on a node. Any flag after the state (down*, idle~, ...) is trouble: "*" means
# slurmctld cannot reach the node's slurmd.
SLURM_UP = frozenset({"idle", "alloc", "mix", "comp"})


def node_states(stdout):
    """Per node, its state and the reason Slurm gives (empty where none), from sinfo's lines."""
    states = {}
    for line in str(stdout or "").splitlines():
        name, _sep, rest = line.partition("|")
        state, _sep, reason = rest.partition("|")
        if name.strip():
            states[name.strip()] = (state.strip(), reason.strip())
    return states


def is_up(state):
    return state in SLURM_UP
