"""What a rank's BLAS costs it in threads: a job of the default scenario's tests, run by run_job.yml like a user's.

Usage::

    ansible-playbook run_job.yml -e job_script=molecule/default/files/blas_threads.py -e np=4 -e map_by=node

Each rank counts its threads before and after importing NumPy and making one BLAS call (OpenBLAS starts its
threads when it is loaded), lists the BLAS libraries it has mapped and reads OPENBLAS_NUM_THREADS. Rank 0 prints
``RESULT {"job": "blas_threads", "per_rank": [...]}``.
"""
from __future__ import annotations

import argparse
import json
import os


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


def blas_libraries(maps: str) -> list[str]:
    """The files mapped into the process whose name holds "blas" (libblas.so.3, libopenblas*.so*)."""
    return sorted({line.split()[-1] for line in maps.splitlines() if "blas" in line.rsplit("/", 1)[-1]})


def main() -> None:
    argparse.ArgumentParser(description=__doc__.partition("\n")[0]).parse_args()
    from mpi4py import MPI

    before = threads()
    import numpy

    numpy.ones((256, 256)) @ numpy.ones((256, 256))
    with open("/proc/self/maps", encoding="utf-8") as maps:
        loaded = blas_libraries(maps.read())
    mine = {"host": MPI.Get_processor_name(), "threads_added": threads() - before, "blas": loaded,
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}
    everyone = MPI.COMM_WORLD.gather(mine, root=0)
    if MPI.COMM_WORLD.Get_rank() == 0:
        print("RESULT " + json.dumps({"job": "blas_threads", "per_rank": everyone}), flush=True)


if __name__ == "__main__":
    main()
