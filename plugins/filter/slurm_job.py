"""Filter picluster.mpi.slurm_job: the fields of `scontrol show job --oneliner` as a dictionary."""
from __future__ import annotations

DOCUMENTATION = r"""
name: slurm_job
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: A Slurm job's state, reason, exit code and batch host from scontrol
description:
  - Reads the output of C(scontrol show job --oneliner ID) into a dictionary of its C(Key=Value) fields, with
    C(RunTime) also in seconds (C(run_s)) and the job's own exit status (C(exit_status), the number before the
    colon of C(ExitCode)).
  - An empty output (a job Slurm no longer knows) gives an empty dictionary.
options:
  _input:
    description: The output of C(scontrol show job --oneliner ID).
    type: str
    required: true
"""

EXAMPLES = r"""
job: "{{ scontrol.stdout | picluster.mpi.slurm_job }}"
state: "{{ job.JobState }}"
"""

RETURN = r"""
_value:
  description: The fields by name (C(JobId), C(JobState), C(Reason), C(ExitCode), C(BatchHost), ...), plus C(run_s)
    and C(exit_status) where C(RunTime) and C(ExitCode) are there.
  type: dict
"""

import re

# A field starts where a word of letters is followed by "=": values may hold spaces (a job name, a command).
FIELD = re.compile(r"(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=")


def _seconds(run_time):
    days, _sep, clock = run_time.rpartition("-")
    parts = [int(part) for part in clock.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    hours, minutes, seconds = parts[-3:]
    return (int(days) if days else 0) * 86400 + hours * 3600 + minutes * 60 + seconds


def slurm_job(text):
    text = (text or "").strip()
    marks = list(FIELD.finditer(text))
    fields = {}
    for mark, following in zip(marks, [*marks[1:], None]):
        fields[mark.group(1)] = text[mark.end():following.start() if following else len(text)].strip()
    if re.fullmatch(r"(\d+-)?\d+(:\d+){0,2}", fields.get("RunTime", "")):
        fields["run_s"] = _seconds(fields["RunTime"])
    if re.fullmatch(r"\d+:\d+", fields.get("ExitCode", "")):
        fields["exit_status"] = int(fields["ExitCode"].split(":")[0])
    return fields


class FilterModule:
    def filters(self):
        return {"slurm_job": slurm_job}
