"""Filter picluster.mpi.job_output: a job's output as run_job.yml shows it, without its RESULT lines."""
from __future__ import annotations

DOCUMENTATION = r"""
name: job_output
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: A job's output without its RESULT lines
description:
  - Returns a job's output lines without those that start with C(RESULT ), the machine-readable result that the
    job_result filter reads and the mpi_job role saves as JSON. What is left is what the job printed for people.
options:
  _input:
    description: The job's output lines.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
shown: "{{ __mpi_job_outcome.lines | picluster.mpi.job_output | join('\n') }}"
"""

RETURN = r"""
_value:
  description: The lines in their order, without the RESULT lines.
  type: list
  elements: str
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils.job_result import PREFIX


def job_output(lines):
    return [line for line in lines if not line.startswith(PREFIX)]


class FilterModule:
    def filters(self):
        return {"job_output": job_output}
