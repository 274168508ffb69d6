"""Filter picluster.mpi.per_node: one result per node, from the hosts of the play and from the nodes outside it."""
from __future__ import annotations

DOCUMENTATION = r"""
name: per_node
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: A registered result per node, whether the node ran the task itself or was reached by delegation
description:
  - Under C(--limit) the collection reads the live nodes outside the play by delegation, in a loop run once. This
    filter merges the two kinds of result into one dict keyed by node - a hosts of the play's registered variable
    and the loop's results (keyed by their C(item)) - so that no role merges them in Jinja.
  - With O(attribute), each value is that key of the result; a result without it gives O(default).
positional: var, inside, delegated
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  var:
    description: The name under which the hosts of the play registered their result.
    type: str
    required: true
  inside:
    description: The hosts of the play to read it from.
    type: list
    elements: str
    required: true
  delegated:
    description: The C(results) of the loop delegated to the nodes outside the play; a skipped or absent loop gives none.
    type: list
    elements: dict
    default: []
  attribute:
    description: The key of each result to keep; empty, the whole result.
    type: str
    default: ""
  default:
    description: The value where a host registered nothing, or its result lacks O(attribute).
    type: raw
    default: null
"""

EXAMPLES = r"""
probes: "{{ hostvars | picluster.mpi.per_node('__health_probe', inside, __health_outside_probe.results | default([])) }}"
throttle_before: "{{ hostvars | picluster.mpi.per_node('__mpi_job_health_before', ansible_play_hosts, attribute='pi') }}"
"""

RETURN = r"""
_value:
  description: Per node, its result (or the key O(attribute) of it).
  type: dict
"""

_MISSING = object()


def _pick(result, attribute, default):
    if result is _MISSING or result is None:
        return default
    if not attribute:
        return result
    return result.get(attribute, default) if isinstance(result, dict) else default


def per_node(hostvars, var, inside, delegated=None, attribute="", default=None):
    merged = {host: _pick(hostvars[host].get(var, _MISSING), attribute, default) for host in inside}
    for result in delegated or []:
        if "item" in result:
            merged[result["item"]] = _pick(result, attribute, default)
    return merged


class FilterModule:
    def filters(self):
        return {"per_node": per_node}
