"""Filter picluster.mpi.hpl_plan: HPL's problem size, block size and process grid for the ranks of a job."""
from __future__ import annotations

DOCUMENTATION = r"""
name: hpl_plan
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: HPL's N, NB and P x Q for the ranks of a job, checked against the nodes' memory
description:
  - Places the ranks as the job's launcher will (filling each node's slots in machinefile order, head first, or
    one node after another with O(map_by=node)) and derives what HPL needs from the nodes of the cluster view
    (filter P(picluster.mpi.cluster_view#filter)).
  - N, unless O(n) sets it, is the largest multiple of NB whose matrix (8 bytes per element, spread evenly over the
    ranks) takes O(memory_fraction) of the memory of the node with the least memory per rank, and fits in the free
    memory of every node. P x Q is the most square grid with P <= Q, unless O(p) sets P.
  - Lists what makes the run impossible as C(problems), each with what to change, instead of letting the kernel
    kill a rank that runs out of memory.
positional: ranks, map_by, n, nb, p, memory_fraction, nodes
options:
  _input:
    description: The cluster view.
    type: dict
    required: true
  ranks:
    description: The job's MPI ranks.
    type: int
    required: true
  map_by:
    description: C(slot) fills each node's slots before the next node, C(node) places ranks round-robin.
    type: str
    required: true
  n:
    description: The problem size N; 0 derives it from the memory.
    type: int
    required: true
  nodes:
    description: The nodes the job runs on, in machinefile order; empty, every live node (head first).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - picluster.mpi.hpl_options
"""

EXAMPLES = r"""
plan: "{{ __cluster_view | picluster.mpi.hpl_plan(16, 'slot', 0, 192, 0, 0.6, ['rpi-0', 'rpi-1', 'rpi-2', 'rpi-3']) }}"
"""

RETURN = r"""
_value:
  description:
    - C(n), C(nb), C(p), C(q), C(ranks), C(nodes) (the nodes that run ranks), C(ranks_per_node), C(need_mb) (per
      node, the memory its ranks' share of the matrix takes), C(max_n) (the largest N the free memory holds) and
      C(problems) (empty when the run can go ahead).
  type: dict
"""

import math

from ansible_collections.picluster.mpi.plugins.plugin_utils.cluster_order import head_first
from ansible_collections.picluster.mpi.plugins.plugin_utils.cluster_order import place as placed_ranks

BYTES_PER_ELEMENT = 8
MIB = 1 << 20
# HPL's own workspace and the MPI buffers on top of the matrix.
OVERHEAD = 1.05


def place(view, ranks, map_by, nodes=None):
    """Ranks per node, in machinefile order (head first), as mpirun places them."""
    order = list(nodes) if nodes else head_first(view["live"], view["head"])
    return placed_ranks(order, {name: view["nodes"][name]["slots"] for name in order}, ranks, map_by)


def grid(ranks, p=0):
    """The most square P x Q = ranks with P <= Q, or Q = ranks / P for a given P (None if P does not divide)."""
    if p:
        return (p, ranks // p) if ranks % p == 0 else None
    p = max(d for d in range(1, math.isqrt(ranks) + 1) if ranks % d == 0)
    return p, ranks // p


def matrix_mb(n, ranks, ranks_on_node):
    """The memory in MiB that a node's ranks hold of an N x N matrix spread evenly over every rank."""
    return BYTES_PER_ELEMENT * n * n / ranks * ranks_on_node * OVERHEAD / MIB


def largest_n(budget_mb_per_rank, ranks, nb=1):
    """The largest N, a multiple of nb, whose matrix takes at most budget_mb_per_rank on every rank."""
    n = int(math.sqrt(max(budget_mb_per_rank, 0) * MIB * ranks / BYTES_PER_ELEMENT / OVERHEAD))
    return n // nb * nb


def _memory(view, node, key):
    value = view["nodes"][node].get(key)
    return None if value is None else int(value)


def hpl_plan(view, ranks, map_by, n, nb, p, memory_fraction, nodes=None):
    ranks, n, nb, p, memory_fraction = int(ranks), int(n), int(nb), int(p), float(memory_fraction)
    problems = []
    if nb < 1:
        problems.append(f"hpl_nb is {nb}: the block size must be at least 1 (HPL on a Pi does well with 128 to 256).")
    if n < 0:
        problems.append(f"hpl_n is {n}: the problem size must be at least 1, or 0 to derive it from the memory.")
    if p < 0 or (p and ranks % p):
        problems.append(f"hpl_p is {p}, but {ranks} ranks do not form a grid of {p} rows: choose a P that divides "
                        f"{ranks} (the ranks, np), or 0 for the most square grid.")
    if not 0 < memory_fraction < 1:
        problems.append(f"hpl_memory_fraction is {memory_fraction}: it must be between 0 and 1 (0.6 leaves room for "
                        "the OS).")
    placed = place(view, ranks, map_by, nodes) if ranks >= 1 else {}
    total = [(_memory(view, node, "memory_mb"), k) for node, k in placed.items()]
    free = {node: _memory(view, node, "memory_available_mb") for node in placed}
    known_free = {node: mb for node, mb in free.items() if mb is not None}
    max_n = largest_n(min(mb / placed[node] for node, mb in known_free.items()), ranks) if known_free else None
    if not problems and not n:
        per_rank = min((mb / k for mb, k in total if mb is not None), default=None)
        if per_rank is None:
            problems.append("The nodes' memory is unknown, so N cannot be derived from it: set hpl_n.")
        else:
            n = largest_n(per_rank * memory_fraction, ranks, nb)
            if max_n is not None and n > max_n:
                n = max_n // nb * nb
            if n < nb:
                problems.append(f"The nodes have too little free memory for even one {nb} x {nb} block per rank: "
                                "stop what uses it, or run fewer ranks per node.")
    need = {node: math.ceil(matrix_mb(n, ranks, k)) for node, k in placed.items()}
    short = [f"{node} ({placed[node]} ranks, {free[node]} MiB free)" for node in placed
             if n and free[node] is not None and need[node] > free[node]]
    if short and not problems:
        problems.append(f"N={n} needs about {max(need.values())} MiB on each node, more than {', '.join(short)} "
                        f"has: use hpl_n of at most {max_n}, or fewer ranks per node, so that no rank runs out of "
                        "memory.")
    rows_cols = grid(ranks, p) if ranks >= 1 and p >= 0 else None
    return {
        "n": n,
        "nb": nb,
        "p": rows_cols[0] if rows_cols else p,
        "q": rows_cols[1] if rows_cols else None,
        "ranks": ranks,
        "nodes": list(placed),
        "ranks_per_node": placed,
        "need_mb": need,
        "max_n": max_n,
        "problems": problems,
    }


class FilterModule:
    def filters(self):
        return {"hpl_plan": hpl_plan}
