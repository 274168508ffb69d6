"""Filter picluster.mpi.hpl_solo_plan: HPL on every node alone at once, one N for all, so their Gflops compare."""
from __future__ import annotations

DOCUMENTATION = r"""
name: hpl_solo_plan
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: HPL's plan for every node alone (run_job.yml -e hpl_mode=per_node)
description:
  - Plans HPL on each node by itself, one rank per slot of that node (filter P(picluster.mpi.hpl_plan#filter) for
    that node alone), with one N for every node so that their Gflops compare - the smallest N any node's memory
    allows, unless O(n) sets it.
  - A node that is slower than the others in the same run (stackhpc's C(hpl-solo)) is how a throttled or badly
    cooled board is found; filter P(picluster.mpi.hpl_solo_result#filter) names it.
positional: nodes, n, nb, p, memory_fraction
options:
  _input:
    description: The cluster view.
    type: dict
    required: true
  nodes:
    description: The nodes that run HPL, each alone.
    type: list
    elements: str
    required: true
  n:
    description: The problem size N; 0 derives it from the memory of the node that has the least.
    type: int
    required: true
extends_documentation_fragment:
  - picluster.mpi.hpl_options
"""

EXAMPLES = r"""
plan: "{{ __cluster_view | picluster.mpi.hpl_solo_plan(['rpi-0', 'rpi-1'], 0, 192, 0, 0.6) }}"
"""

RETURN = r"""
_value:
  description:
    - C(n) (every node's N), C(nodes) (per node, its own plan as filter P(picluster.mpi.hpl_plan#filter) returns it)
      and C(problems) (each naming its node; empty when the run can go ahead).
  type: dict
"""

from ansible_collections.picluster.mpi.plugins.filter.hpl_plan import hpl_plan


def hpl_solo_plan(view, nodes, n, nb, p, memory_fraction):
    def alone(node, size):
        return hpl_plan(view, view["nodes"][node]["slots"], "slot", size, nb, p, memory_fraction, [node])

    first = {node: alone(node, int(n)) for node in nodes}
    derived = [plan["n"] for plan in first.values() if not plan["problems"]]
    common = int(n) or min(derived, default=0)
    plans = first if int(n) or not common else {node: alone(node, common) for node in nodes}
    problems = [f"{node}: {problem}" for node, plan in plans.items() for problem in plan["problems"]]
    if not nodes:
        problems.append("No node to run HPL on.")
    return {"n": common, "nodes": plans, "problems": problems}


class FilterModule:
    def filters(self):
        return {"hpl_solo_plan": hpl_solo_plan}
