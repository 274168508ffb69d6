"""Filter picluster.mpi.sacct_record: Slurm's accounting record of one job, from sacct."""
from __future__ import annotations

DOCUMENTATION = r"""
name: sacct_record
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Slurm's accounting record of one job, from sacct's parsable output
description:
  - Reads C(sacct --noheader --parsable2 --format=...) with the fields of C(plugin_utils/slurm_usage.SACCT_FIELDS)
    for one job, and returns its record - the job's line with the largest C(MaxRSS) of its steps - or null when
    sacct has no final record of it yet.
options:
  _input:
    description: sacct's standard output.
    type: str
    required: true
"""

EXAMPLES = r"""
record: "{{ sacct.stdout | picluster.mpi.sacct_record }}"
"""

RETURN = r"""
_value:
  description:
    - C(job_id), C(user), C(account), C(state), C(elapsed_s), C(cpu_time_s) (TotalCPU), C(allocated_cpu_s)
      (CPUTimeRAW), C(cpus), C(nodes), C(exit_code), C(max_rss_kib), C(submit), C(start), C(end); null before the
      job's state is final in the database.
  type: dict
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils.slurm_usage import FINAL_STATES, records


def sacct_record(stdout):
    found = records(stdout)
    return found[0] if found and found[0]["state"] in FINAL_STATES else None


class FilterModule:
    def filters(self):
        return {"sacct_record": sacct_record}
