"""Filter picluster.mpi.usage_lines: usage.yml's summary as lines of text."""
from __future__ import annotations

DOCUMENTATION = r"""
name: usage_lines
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: usage.yml's summary of who used the cluster, as lines of a table
description:
  - From the report of P(picluster.mpi.slurm_usage#filter) with C(cluster), C(start) and C(end), the period and
    one line per person and per account (jobs, CPU hours held and used, how the jobs ended), heaviest first.
options:
  _input:
    description: The report.
    type: dict
    required: true
"""

EXAMPLES = r"""
msg: "{{ report | picluster.mpi.usage_lines }}"
"""

RETURN = r"""
_value:
  description: The lines.
  type: list
  elements: str
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils.slurm_usage import table


def usage_lines(report):
    return table(report)


class FilterModule:
    def filters(self):
        return {"usage_lines": usage_lines}
