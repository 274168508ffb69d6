"""Filter picluster.mpi.job_prometheus_record: what Prometheus saw of every node during a job."""
from __future__ import annotations

DOCUMENTATION = r"""
name: job_prometheus_record
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Per node peak temperature, throttling and energy during a job, from Prometheus
description:
  - From Prometheus' answers to the queries of P(picluster.mpi.job_prometheus_queries#filter), per member of the
    cluster its peak temperature (C(peak_temperature_c)), the throttle flags seen during the job (C(throttled)) and,
    where the board reports its power (a Pi 5 or CM5), its energy in joules (C(energy_j), average power times wall
    time).
  - The cluster's C(energy_j) where every node reports power, and with O(gflops) (HPL) C(gflops_per_watt).
  - Null where Prometheus could not be asked.
positional: wall_s, members, gflops
options:
  _input:
    description:
      - The loop results of M(ansible.builtin.uri), each with C(item) (C(key), the query's name), C(status) and
        C(json).
    type: list
    elements: dict
    required: true
  wall_s:
    description: The job's wall time in seconds.
    type: float
    required: true
  members:
    description: The cluster's members.
    type: list
    elements: str
    required: true
  gflops:
    description: HPL's result in Gflops, when the job is HPL.
    type: float
    required: false
"""

EXAMPLES = r"""
monitoring: "{{ __mpi_job_prometheus.results | picluster.mpi.job_prometheus_record(12.5, ['rpi-0', 'rpi-1']) }}"
"""

RETURN = r"""
_value:
  description: C(window_s), C(nodes) (per node C(peak_temperature_c), C(throttled), C(energy_j)), C(energy_j) and
    C(gflops_per_watt); null where Prometheus did not answer.
  type: dict
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils import monitoring


def job_prometheus_record(answers, wall_s, members, gflops=None):
    return monitoring.job_record(answers, wall_s, members, gflops)


class FilterModule:
    def filters(self):
        return {"job_prometheus_record": job_prometheus_record}
