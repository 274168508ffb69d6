"""Filter picluster.mpi.command_outcome: the outcome of a job's command, as the mpi_job role reports every job."""
from __future__ import annotations

DOCUMENTATION = r"""
name: command_outcome
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The outcome of the command task that ran a job under timeout(1)
description:
  - Turns the result of the C(ansible.builtin.command) task that ran a job (under C(timeout --kill-after)) into the
    outcome the mpi_job role reports - its exit status, its output lines, its wall time in seconds (from the task's
    C(delta)), whether the time limit stopped it (timeout(1) exits 124, or 137 when it had to kill) and the reason
    given when it failed.
positional: reason
options:
  _input:
    description: The command task's result; C(rc), C(stdout_lines), C(stderr_lines) and C(delta) are read.
    type: dict
    required: true
  reason:
    description: What to say when the command failed.
    type: str
    required: true
"""

EXAMPLES = r"""
outcome: "{{ __mpi_job_run | picluster.mpi.command_outcome('mpirun exited with ' ~ __mpi_job_run.rc) }}"
"""

RETURN = r"""
_value:
  description: C(rc), C(lines), C(wall_s), C(timed_out), C(reason) and C(launch) (empty; the Slurm launch fills it).
  type: dict
"""

# timeout(1)'s exit status when it stopped the command, and when it had to kill it after --kill-after.
TIMED_OUT = (124, 137)


def seconds(delta):
    """The seconds of a command result's C(delta), H:MM:SS.ffffff."""
    hours, minutes, rest = (delta or "0:00:00").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def command_outcome(run, reason):
    rc = int(run["rc"])
    return {
        "rc": rc,
        "lines": [*run.get("stdout_lines", []), *run.get("stderr_lines", [])],
        "wall_s": round(seconds(run.get("delta")), 3),
        "timed_out": rc in TIMED_OUT,
        "reason": reason,
        "launch": {},
    }


class FilterModule:
    def filters(self):
        return {"command_outcome": command_outcome}
