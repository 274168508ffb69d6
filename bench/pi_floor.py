"""The floor of the pi job for make bench: start every rank, import what pi.py imports, and end.

Usage::

    mpirun -np 16 -machinefile ~/machinefile python3 -m mpi4py pi_floor.py

mpirun's wall time of this job is what any job of these ranks costs before and after its work: starting the
ranks, importing mpi4py and NumPy on each, and tearing down. Rank 0 prints ``RESULT {"job": "pi_floor", ...}``.
"""
from __future__ import annotations

import argparse
import json


def main() -> None:
    argparse.ArgumentParser(description=__doc__.partition("\n")[0]).parse_args()
    import numpy  # noqa: F401  (what a pi.py worker imports before it reports ready)
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    comm.Barrier()
    if comm.Get_rank() == 0:
        print("RESULT " + json.dumps({"job": "pi_floor", "ranks": comm.Get_size()}), flush=True)


if __name__ == "__main__":
    main()
