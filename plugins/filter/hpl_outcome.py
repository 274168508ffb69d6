"""Filter picluster.mpi.hpl_outcome: an HPL job's outcome, with the line it shows and its verdict on the numbers."""
from __future__ import annotations

DOCUMENTATION = r"""
name: hpl_outcome
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Add HPL's result to the outcome of the job that ran it
description:
  - Takes the outcome of an HPL job as the mpi_job role gathers it (C(rc), C(lines), C(reason) and the rest) and
    the result of filter P(picluster.mpi.hpcc_result#filter), and adds the summary line run_job.yml shows and the
    C(RESULT) line it saves.
  - An hpcc that exited 0 still fails the job when it wrote no HPL result, or when HPL's residual check failed -
    the numbers are then wrong, which is what an overheated or under-powered node does.
  - For HPL run on every node alone (filter P(picluster.mpi.hpl_solo_result#filter)), a line per node and the slow
    nodes; the job fails naming the nodes that gave no result or a wrong one.
positional: result, output_file
options:
  _input:
    description: The job's outcome; C(rc) and C(lines) are read.
    type: dict
    required: true
  result:
    description: HPL's result.
    type: dict
    required: true
  output_file:
    description: Where hpcc wrote its output, named when it holds no result.
    type: str
    required: true
"""

EXAMPLES = r"""
outcome: "{{ outcome | picluster.mpi.hpl_outcome(result, '/home/mpi/mpi_jobs/hpl/hpccoutf.txt') }}"
"""

RETURN = r"""
_value:
  description: The outcome with two more C(lines) (the summary and C(RESULT)), and C(rc) 1 and a C(reason) when the
    run gave no right result though hpcc exited 0.
  type: dict
"""

import json


def hpl_summary(result):
    """The line run_job.yml shows for an HPL run."""
    if not result["complete"]:
        return "HPL: no result"
    verdict = "passed" if result["passed"] else "FAILED"
    of_dgemm = round(float(result["efficiency"] or 0) * 100, 1)
    return (f"HPL {result['gflops']} Gflops ({result['gflops_per_node']} per node), N={result['n']} NB={result['nb']} "
            f"P x Q={result['p']} x {result['q']}, {result['time_s']} s, residual {result['residual']} {verdict}; "
            f"{of_dgemm}% of DGEMM ({result['star_dgemm_gflops']} Gflops per rank x {result['ranks']} ranks)")


def solo_summary(result):
    """The lines run_job.yml shows for HPL run on every node alone: one per node, then the slow nodes."""
    lines = [f"HPL on every node alone, N={result['n']} NB={result['nb']}: median {result['median_gflops']} Gflops"]
    for node, own in result["nodes"].items():
        lines.append(f"  {node}: {hpl_summary(own)}")
    lines += result["slow_nodes"] or ["no node is more than 10% slower than the median of the others"]
    return lines


def hpl_outcome(outcome, result, output_file):
    """The job's outcome with HPL's result: its summary and RESULT lines, and a failure when the numbers are wrong or
    missing even though mpirun exited 0."""
    rc = int(outcome["rc"])
    solo = result.get("mode") == "per_node"
    lines = [*outcome["lines"], *(solo_summary(result) if solo else [hpl_summary(result)]),
             "RESULT " + json.dumps(result)]
    if rc != 0:
        return dict(outcome, lines=lines)
    if solo and result["problems"]:
        return dict(outcome, lines=lines, rc=1, reason="; ".join(result["problems"]) + f" (hpcc's output: {output_file})")
    if not result["complete"]:
        return dict(outcome, lines=lines, rc=1, reason=f"hpcc wrote no HPL result in {output_file}")
    if not result["passed"]:
        return dict(outcome, lines=lines, rc=1,
                    reason=f"HPL failed its residual check: {result['residual']} is not below {result['threshold']}, "
                           "so the numbers are wrong; an overheated or under-powered node computes wrong results "
                           "(check.yml)")
    return dict(outcome, lines=lines)


class FilterModule:
    def filters(self):
        return {"hpl_outcome": hpl_outcome}
