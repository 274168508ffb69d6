"""Scatter one element to every rank and report who got what.

Rank 0 builds one element per rank, ``(x + 1) ** x`` for x = 0 .. size - 1,
and ``comm.scatter`` hands element x to rank x.  Every rank's rank, host and
element are gathered back to rank 0, which prints them in rank order.

Usage::

    mpirun -np 16 -machinefile ~/machinefile python3 -m mpi4py scatter.py

Only rank 0 prints: the elements it scatters, one line per rank such as
``rank 3 on rpi-1 got 64``, then one machine-readable line ``RESULT {...}``
(compact JSON with the keys job, ranks, elements, and received and hosts as
lists indexed by rank).
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def scatter_elements(size: int) -> list[int]:
    """Return the element for each of ``size`` ranks: ``(x + 1) ** x``."""
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    return [(x + 1) ** x for x in range(size)]


def format_result(result: dict[str, Any]) -> str:
    """Return the machine-readable ``RESULT {...}`` line for a result dict."""
    return "RESULT " + json.dumps(result, separators=(",", ":"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    # Imported here rather than at the top so the pure functions load without mpi4py (unit tests).
    from mpi4py import MPI

    parse_args(argv)
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    size = comm.Get_size()

    elements = None
    if rank == 0:
        elements = scatter_elements(size)
        print(f"rank 0 scatters {elements} to {size} rank(s)")
    element = comm.scatter(elements, root=0)
    reports = comm.gather((rank, MPI.Get_processor_name(), element), root=0)
    if rank != 0:
        return

    # gather returns the reports in rank order.
    for other, host, got in reports:
        print(f"rank {other} on {host} got {got}")
    print(format_result({
        "job": "scatter",
        "ranks": size,
        "elements": elements,
        "received": [got for _rank, _host, got in reports],
        "hosts": [host for _rank, host, _got in reports],
    }), flush=True)


if __name__ == "__main__":
    main()
