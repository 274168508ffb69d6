"""Filter picluster.mpi.scrape_targets: the nodes Prometheus scrapes, each named by its inventory name."""
from __future__ import annotations

DOCUMENTATION = r"""
name: scrape_targets
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Prometheus' static scrape targets for every member of the cluster
description:
  - Every member of the cluster group, head node first, at its cluster address and O(port), labelled C(node) with
    its inventory name, so every series and alert names the node as the inventory does.
  - A member that is down when the playbook runs keeps its target, at its inventory address (C(ansible_host)), so
    Prometheus sees it down and the node-down alert fires.
positional: hostvars, port
options:
  _input:
    description: The cluster view (filter P(picluster.mpi.cluster_view#filter)).
    type: dict
    required: true
  hostvars:
    description: Ansible's C(hostvars), for the address of a member that is down.
    type: dict
    required: true
  port:
    description: The port node_exporter listens on.
    type: int
    required: true
"""

EXAMPLES = r"""
scrape_configs: "{{ __cluster_view | picluster.mpi.scrape_targets(hostvars, 9100) }}"
"""

RETURN = r"""
_value:
  description: Prometheus C(static_configs) entries, C(targets) (one C(address:port)) and C(labels) (C(node)).
  type: list
  elements: dict
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils import monitoring


def scrape_targets(view, hostvars, port):
    return monitoring.scrape_targets(view, hostvars, port)


class FilterModule:
    def filters(self):
        return {"scrape_targets": scrape_targets}
