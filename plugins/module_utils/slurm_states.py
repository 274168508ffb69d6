"""Slurm's node states as `sinfo --noheader --Node --format '%N|%t|%E'` prints them (SINFO_NODES, which _cluster's
__cluster_sinfo_nodes repeats for the tasks that run it), read in one place: check.yml's report and power.yml's wait
on the controller, and on the nodes the monitoring collector and Slurm's health check (pi_sensors.py, beside which the
monitoring role copies this file). Standard library only.

Imported as ansible_collections.picluster.mpi.plugins.module_utils.slurm_states.
"""
from __future__ import annotations

SINFO_NODES = ["sinfo", "--noheader", "--Node", "--format", "%N|%t|%E"]
# Node states in which Slurm runs jobs on a node. Any flag after the state (down*, idle~, ...) is trouble: "*" means
# slurmctld cannot reach the node's slurmd.
SLURM_UP = frozenset({"idle", "alloc", "mix", "comp"})
# Short states (%t) of a node that takes no new job because someone drained it: drained, or draining while its jobs
# finish.
DRAINED = frozenset({"drain", "drng"})


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


def is_drained(state):
    """Whether the node is drained or draining, whether or not slurmctld reaches it (drain*)."""
    return state.rstrip("*~#!%$@^-") in DRAINED
