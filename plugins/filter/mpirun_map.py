"""Filter picluster.mpi.mpirun_map: where mpirun put the ranks, from its --display-map report."""
from __future__ import annotations

DOCUMENTATION = r"""
name: mpirun_map
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The ranks per node that mpirun --display-map reports
description:
  - Reads the C(Data for node - NAME ... Num procs - K) lines that C(mpirun --display-map) prints (Open MPI 4's
    C(mpirun) and Open MPI 5's C(prterun) alike), so a job's result says where its ranks ran, as observed.
  - mpirun may print the map more than once; the first report of a node counts.
options:
  _input:
    description: The lines mpirun printed.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
placed: "{{ run.stdout_lines | picluster.mpi.mpirun_map }}"
"""

RETURN = r"""
_value:
  description: Ranks per node, in the order mpirun reported the nodes; empty without a map.
  type: dict
"""

import re

NODE = re.compile(r"Data for node:\s*(\S+).*?Num procs:\s*(\d+)")


def mpirun_map(lines):
    placed = {}
    for line in lines:
        match = NODE.search(line)
        if match and match.group(1) not in placed:
            placed[match.group(1)] = int(match.group(2))
    return placed


class FilterModule:
    def filters(self):
        return {"mpirun_map": mpirun_map}
