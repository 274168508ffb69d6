"""Filter picluster.mpi.throttle_change: which nodes throttled while a job ran, from their state before and after."""
from __future__ import annotations

DOCUMENTATION = r"""
name: throttle_change
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Compare the nodes' throttle state before and after a job
description:
  - Takes the C(pi) part of M(picluster.mpi.node_health) for every node, read before and after a job, and
    returns what the job's result records and the warnings to show. A node throttled during the job ran its
    ranks slower, and every rank waiting for them with it.
positional: after
options:
  _input:
    description: Per node, C(pi) as read before the job (null off a Raspberry Pi).
    type: dict
    required: true
  after:
    description: Per node, C(pi) as read after the job.
    type: dict
    required: true
"""

EXAMPLES = r"""
throttle: "{{ before | picluster.mpi.throttle_change(after) }}"
"""

RETURN = r"""
_value:
  description:
    - C(nodes), per node C(before) and C(after) (the raw values) and C(during) (the flags that held at the end
      of the job or first happened during it), or null off a Pi; and C(warnings), one per node throttled during
      the job.
  type: dict
"""


def _during(before: dict, after: dict) -> list:
    """Flags that hold now, or that happened since boot after but not before the job, in the order they are read."""
    earlier = set(before.get("since_boot") or [])
    words = list(after.get("now") or []) + [w for w in after.get("since_boot") or [] if w not in earlier]
    return list(dict.fromkeys(words))


def throttle_change(before: dict, after: dict) -> dict:
    nodes, warnings = {}, []
    for node in sorted(set(before) | set(after)):
        was, now = before.get(node), after.get(node)
        if was is None and now is None:
            nodes[node] = None
            continue
        was, now = was or {}, now or {}
        during = _during(was, now)
        nodes[node] = {"before": was.get("throttled"), "after": now.get("throttled"), "during": during}
        if during:
            warnings.append(f"{node} was throttled during the job ({', '.join(during)}; {was.get('throttled')} before, "
                            f"{now.get('throttled')} after): its ranks, and the job, ran slower. check.yml says why.")
    return {"nodes": nodes, "warnings": warnings}


class FilterModule:
    def filters(self):
        return {"throttle_change": throttle_change}
