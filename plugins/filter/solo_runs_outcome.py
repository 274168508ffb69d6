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
    the longest wall time, whether the time limit stopped a node, and which nodes failed.
positional: timed_out_codes
options:
  _input:
    description: Per node, the result of its command task (null where it did not run).
    type: dict
    required: true
  timed_out_codes:
    description: The exit codes of timeout(1) when it stopped the command.
    type: list
    elements: int
    default: [124, 137]
"""

EXAMPLES = r"""
outcome: "{{ hostvars | picluster.mpi.per_node('__mpi_job_alone_run', hosts) | picluster.mpi.solo_runs_outcome }}"
"""

RETURN = r"""
_value:
  description: C(rc), C(lines), C(wall_s), C(timed_out), C(reason) and C(launch) (empty), as the mpirun launch has them.
  type: dict
"""


def seconds(delta):
    """The seconds of a command result's C(delta), H:MM:SS.ffffff."""
    hours, minutes, rest = (delta or "0:00:00").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def solo_runs_outcome(runs, timed_out_codes=(124, 137)):
    ran = {node: run for node, run in runs.items() if run and "rc" in run}
    missing = sorted(set(runs) - set(ran))
    failed = {node: int(run["rc"]) for node, run in ran.items() if int(run["rc"]) != 0}
    lines = [f"{node}: {line}" for node, run in ran.items()
             for line in [*run.get("stdout_lines", []), *run.get("stderr_lines", [])]]
    reasons = [f"{node} exited with {rc}" for node, rc in failed.items()]
    reasons += [f"{node} did not run it" for node in missing]
    return {
        "rc": max([*failed.values(), 1 if missing else 0]),
        "lines": lines,
        "wall_s": round(max((seconds(run.get("delta")) for run in ran.values()), default=0.0), 3),
        "timed_out": any(rc in timed_out_codes for rc in failed.values()),
        "reason": "; ".join(reasons) + ("; their leftover ranks were killed" if failed else ""),
        "launch": {},
    }


class FilterModule:
    def filters(self):
        return {"solo_runs_outcome": solo_runs_outcome}
