"""Filter picluster.mpi.hpl_solo_result: every node's HPL alone, compared, with the nodes slower than the others."""
from __future__ import annotations

DOCUMENTATION = r"""
name: hpl_solo_result
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Compare the HPL runs of every node alone and name the slow ones (run_job.yml -e hpl_mode=per_node)
description:
  - Reads, per node, the hpcc output file of that node alone (as C(ansible.builtin.slurp) returns it) with filter
    P(picluster.mpi.hpcc_result#filter), and returns the job's result - every node's Gflops, their median and sum,
    and the nodes slower than the median of the others by more than O(slower) (a throttled, badly cooled or
    under-powered board), each named with its share.
  - The C(complete) and C(passed) of the whole are those of every node; the node that gave no result or failed the
    residual check is named in C(problems).
positional: plans, slower
options:
  _input:
    description: Per node, its hpcc output file as C(ansible.builtin.slurp) read it (null where it could not).
    type: dict
    required: true
  plans:
    description: Per node, its own plan (C(nodes) of filter P(picluster.mpi.hpl_solo_plan#filter)).
    type: dict
    required: true
  slower:
    description: How much slower than the median of the other nodes a node may be before it is named.
    type: float
    default: 0.1
"""

EXAMPLES = r"""
result: "{{ slurped_per_node | picluster.mpi.hpl_solo_result(solo_plan.nodes) }}"
"""

RETURN = r"""
_value:
  description:
    - C(job) (hpl), C(mode) (per_node), C(n), C(nb), C(gflops) (the nodes' together), C(gflops_per_node) (per node),
      C(median_gflops), C(slow) (the names of the nodes slower than the others), C(slow_nodes) (a line for each,
      with what to check), C(nodes) (every node's own result),
      C(complete), C(passed) and C(problems).
  type: dict
"""

import base64
import statistics

from ansible_collections.picluster.mpi.plugins.filter.hpcc_result import hpcc_result


def below_the_others(gflops, slower=0.1):
    """{node: the median of the other nodes} for each node whose Gflops fall short of it by more than ``slower``."""
    below = {}
    for node, value in gflops.items():
        others = [other for name, other in gflops.items() if name != node]
        median = statistics.median(others) if others else None
        if median is not None and value < (1 - slower) * median:
            below[node] = median
    return below


def slow_nodes(gflops, below):
    """A line for each node below the others, with what to check."""
    return [f"{node}: {gflops[node]:.2f} Gflops, {1 - gflops[node] / median:.0%} below the median of the others "
            f"({median:.2f}): check its throttling (vcgencmd get_throttled), cooling and power supply"
            for node, median in below.items()]


def read(slurped, plans):
    """Every node's HPL result from its slurped hpcc output, with where its ranks ran."""
    results = {}
    for node, plan in plans.items():
        content = (slurped.get(node) or {}).get("content") or ""
        text = base64.b64decode(content).decode("utf-8", "replace")
        results[node] = dict(hpcc_result(text, [node]), ranks_per_node=plan["ranks_per_node"])
    return results


def hpl_solo_result(slurped, plans, slower=0.1):
    results = read(slurped, plans)
    gflops = {node: result["gflops"] for node, result in results.items() if result.get("complete")}
    problems = [f"{node}: hpcc wrote no HPL result" for node, result in results.items() if not result.get("complete")]
    problems += [f"{node}: HPL failed its residual check ({result['residual']} is not below {result['threshold']}), "
                 "so its numbers are wrong" for node, result in results.items()
                 if result.get("complete") and not result.get("passed")]
    first = next(iter(results.values()), {})
    below = below_the_others(gflops, float(slower))
    return {
        "job": "hpl",
        "mode": "per_node",
        "n": first.get("n"),
        "nb": first.get("nb"),
        "gflops": round(sum(gflops.values()), 3) if gflops else None,
        "gflops_per_node": gflops,
        "median_gflops": round(statistics.median(gflops.values()), 3) if gflops else None,
        "slow": list(below),
        "slow_nodes": slow_nodes(gflops, below),
        "nodes": results,
        "complete": bool(results) and len(gflops) == len(results),
        "passed": bool(results) and not problems,
        "problems": problems,
    }


class FilterModule:
    def filters(self):
        return {"hpl_solo_result": hpl_solo_result}
