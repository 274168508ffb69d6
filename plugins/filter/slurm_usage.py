"""Filter picluster.mpi.slurm_usage: who used how much of the cluster, from sacct."""
from __future__ import annotations

DOCUMENTATION = r"""
name: slurm_usage
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Jobs and CPU hours per user and per account, from sacct's parsable output
description:
  - Reads C(sacct --allusers --noheader --parsable2 --format=...) with the fields of
    C(plugin_utils/slurm_usage.SACCT_FIELDS) over a period, and sums each job (not each step) per user and per
    account - the jobs, their end states, the CPU hours they held (C(CPUTimeRAW), CPUs times elapsed) and the CPU
    hours they used (C(TotalCPU)).
options:
  _input:
    description: sacct's standard output.
    type: str
    required: true
"""

EXAMPLES = r"""
usage: "{{ sacct.stdout | picluster.mpi.slurm_usage }}"
"""

RETURN = r"""
_value:
  description:
    - C(users) and C(accounts), each by name - C(jobs), C(states) (jobs per end state), C(cpu_hours) and
      C(used_cpu_hours).
  type: dict
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils.slurm_usage import usage


def slurm_usage(stdout):
    return usage(stdout)


class FilterModule:
    def filters(self):
        return {"slurm_usage": slurm_usage}
