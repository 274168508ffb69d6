"""Filter picluster.mpi.solo_runs_outcome: the outcome of a job run as one command per node, all at once."""
from __future__ import annotations

DOCUMENTATION = r"""
name: solo_runs_outcome
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: One outcome from the commands that ran a job on every node alone (HPL with hpl_mode=per_node)
description:
  - Gathers the results of the C(ansible.builtin.command) tasks that ran the job on each node into the outcome the
    mpi_job role reports for any job - the worst exit status, every node's output (each line marked with its node),
    the longest wall time, whether the time limit stopped a node, and which nodes failed. Each node's command is
    read as filter P(picluster.mpi.command_outcome#filter) reads the one mpirun of a job.
options:
  _input:
    description: Per node, the result of its command task (null where it did not run).
    type: dict
    required: true
"""

EXAMPLES = r"""
outcome: "{{ hostvars | picluster.mpi.per_node('__mpi_job_alone_run', hosts) | picluster.mpi.solo_runs_outcome }}"
"""

RETURN = r"""
_value:
  description: C(rc), C(lines), C(wall_s), C(timed_out), C(reason) and C(launch) (empty), as the mpirun launch has them.
  type: dict
"""

from ansible_collections.picluster.mpi.plugins.filter.command_outcome import command_outcome


def solo_runs_outcome(runs):
    ran = {node: command_outcome(run, "") for node, run in runs.items() if run and "rc" in run}
    missing = sorted(set(runs) - set(ran))
    failed = {node: own["rc"] for node, own in ran.items() if own["rc"] != 0}
    reasons = [f"{node} exited with {rc}" for node, rc in failed.items()]
    reasons += [f"{node} did not run it" for node in missing]
    return {
        "rc": max([*failed.values(), 1 if missing else 0]),
        "lines": [f"{node}: {line}" for node, own in ran.items() for line in own["lines"]],
        "wall_s": max((own["wall_s"] for own in ran.values()), default=0.0),
        "timed_out": any(own["timed_out"] for own in ran.values()),
        "reason": "; ".join(reasons) + ("; their leftover ranks were killed" if failed else ""),
        "launch": {},
    }


class FilterModule:
    def filters(self):
        return {"solo_runs_outcome": solo_runs_outcome}
