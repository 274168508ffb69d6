"""Filter picluster.mpi.slurm_tracking: how slurmd tracks and confines jobs, chosen for every node at once."""
from __future__ import annotations

DOCUMENTATION = r"""
name: slurm_tracking
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Slurm's process tracking and task plugins, chosen for every node at once
description:
  - Resolves C(auto) in O(proctrack) and O(task) from the cluster view (filter P(picluster.mpi.cluster_view#filter)).
  - C(slurm.conf) is one file for all nodes, so control groups are used only when every live node has them
    (version 1 or 2) and runs on a machine of its own. A container sees a control group tree that it shares with
    the host and its sibling containers, so there, and where a node has no control groups, the choice is
    C(proctrack/linuxproc) with C(task/none).
  - Any value but C(auto) is kept as given.
positional: proctrack, task
options:
  _input:
    description: The cluster view.
    type: dict
    required: true
  proctrack:
    description: C(slurm_proctrack_type), C(auto) or a Slurm plugin name such as C(proctrack/cgroup).
    type: str
    required: true
  task:
    description: C(slurm_task_plugin), C(auto) or a Slurm plugin list such as C(task/cgroup,task/affinity).
    type: str
    required: true
"""

EXAMPLES = r"""
tracking: "{{ __cluster_view | picluster.mpi.slurm_tracking('auto', 'auto') }}"
"""

RETURN = r"""
_value:
  description:
    - C(proctrack) and C(task), the plugins for C(ProctrackType) and C(TaskPlugin); C(cgroup), whether either uses
      control groups (C(cgroup.conf) applies); C(reason), why C(auto) chose as it did.
  type: dict
"""


def _unfit(view):
    """Why nodes cannot use control groups, each reason once with its nodes: ['rpi-0, rpi-1: docker containers']."""
    reasons = {}
    for name in view["live"]:
        cgroup = view["nodes"][name].get("cgroup") or {}
        if cgroup.get("version") not in (1, 2):
            reasons.setdefault("no control groups", []).append(name)
        elif cgroup.get("container"):
            reasons.setdefault(f"{cgroup['container']} containers", []).append(name)
    return [f"{', '.join(names)}: {reason}" for reason, names in reasons.items()]


def slurm_tracking(view, proctrack, task):
    unfit = _unfit(view)
    if unfit:
        chosen, reason = ("proctrack/linuxproc", "task/none"), "; ".join(unfit)
    else:
        chosen, reason = ("proctrack/cgroup", "task/cgroup"), "every node has control groups of its own"
    proctrack = chosen[0] if proctrack == "auto" else proctrack
    task = chosen[1] if task == "auto" else task
    return {"proctrack": proctrack, "task": task, "cgroup": "cgroup" in proctrack or "cgroup" in task,
            "reason": reason}


class FilterModule:
    def filters(self):
        return {"slurm_tracking": slurm_tracking}
