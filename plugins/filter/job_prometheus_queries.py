"""Filter picluster.mpi.job_prometheus_queries: what run_job.yml asks Prometheus of every node after a job."""
from __future__ import annotations

DOCUMENTATION = r"""
name: job_prometheus_queries
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Prometheus queries over a job's window, by name
description:
  - The instant queries run_job.yml sends to Prometheus on the head node once a job has ended, where monitoring is on -
    C(peak_temperature), C(throttled) and C(average_power), each by node over the job's wall time plus a margin of
    30 seconds, so that a short job still has a sample of every node (see plugins/plugin_utils/monitoring.py).
positional: ''
options:
  _input:
    description: The job's wall time in seconds.
    type: float
    required: true
"""

EXAMPLES = r"""
queries: "{{ __mpi_job_outcome.wall_s | float | picluster.mpi.job_prometheus_queries }}"
"""

RETURN = r"""
_value:
  description: PromQL expressions by name.
  type: dict
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils import monitoring


def job_prometheus_queries(wall_s):
    return monitoring.job_queries(wall_s)


class FilterModule:
    def filters(self):
        return {"job_prometheus_queries": job_prometheus_queries}
