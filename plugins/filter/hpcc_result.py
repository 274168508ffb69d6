"""Filter picluster.mpi.hpcc_result: the HPL result in the output file of HPC Challenge (hpcc)."""
from __future__ import annotations

DOCUMENTATION = r"""
name: hpcc_result
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The HPL result of an HPC Challenge run, from its hpccoutf.txt
description:
  - Reads the C(key=value) summary that Debian's C(hpcc) writes at the end of C(hpccoutf.txt), and HPL's scaled
    residual check from the HPL section.
  - Works out what a cluster owner compares - Gflops in total and per node, and the efficiency against the DGEMM
    rate the ranks reached all at once (C(StarDGEMM) per rank times the ranks), which holds on any CPU without a
    table of peak rates.
positional: nodes
options:
  _input:
    description: The text of C(hpccoutf.txt).
    type: str
    required: true
  nodes:
    description: The nodes the ranks ran on.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
result: "{{ hpccoutf.content | b64decode | picluster.mpi.hpcc_result(['rpi-0', 'rpi-1']) }}"
"""

RETURN = r"""
_value:
  description:
    - C(job) (C(hpl)), C(gflops), C(gflops_per_node), C(n), C(nb), C(p), C(q), C(ranks), C(nodes), C(time_s),
      C(residual), C(threshold), C(passed), C(star_dgemm_gflops) (per rank), C(efficiency) (0 to 1), and
      C(complete) (false when the summary is missing, as after a crash).
  type: dict
"""

import re

RESIDUAL = re.compile(r"^\|\|Ax-b\|\|_oo/\(eps\*.*=\s*(\S+)\s+\.+\s+(PASSED|FAILED)", re.MULTILINE)
THRESHOLD = re.compile(r"scaled residuals are less than\s+(\S+)")


def summary(text):
    """The key=value lines between `Begin of Summary section.` and `End of Summary section.`."""
    _before, found, rest = text.partition("Begin of Summary section.")
    if not found:
        return {}
    fields = {}
    for line in rest.partition("End of Summary section.")[0].splitlines():
        key, equals, value = line.partition("=")
        if equals:
            fields[key.strip()] = value.strip()
    return fields


def _number(fields, key, kind=float):
    try:
        return kind(float(fields[key])) if kind is int else kind(fields[key])
    except (KeyError, ValueError):
        return None


def hpcc_result(text, nodes):
    fields = summary(text)
    hpl_section = text.partition("Begin of HPL section.")[2] or text
    residuals = RESIDUAL.findall(hpl_section)
    threshold = THRESHOLD.search(hpl_section)
    tflops = _number(fields, "HPL_Tflops")
    ranks = _number(fields, "HPLMaxProcs", int)
    dgemm = _number(fields, "StarDGEMM_Gflops")
    gflops = tflops * 1000 if tflops is not None else None
    nodes = list(nodes)
    return {
        "job": "hpl",
        "gflops": round(gflops, 3) if gflops is not None else None,
        "gflops_per_node": round(gflops / len(nodes), 3) if gflops is not None and nodes else None,
        "n": _number(fields, "HPL_N", int),
        "nb": _number(fields, "HPL_NB", int),
        "p": _number(fields, "HPL_nprow", int),
        "q": _number(fields, "HPL_npcol", int),
        "ranks": ranks,
        "nodes": nodes,
        "time_s": _number(fields, "HPL_time"),
        "residual": float(residuals[-1][0]) if residuals else None,
        "threshold": float(threshold.group(1)) if threshold else None,
        "passed": bool(residuals) and all(verdict == "PASSED" for _value, verdict in residuals),
        "star_dgemm_gflops": dgemm,
        "efficiency": round(gflops / (dgemm * ranks), 3) if gflops is not None and dgemm and ranks else None,
        "complete": bool(fields) and gflops is not None,
    }


class FilterModule:
    def filters(self):
        return {"hpcc_result": hpcc_result}
