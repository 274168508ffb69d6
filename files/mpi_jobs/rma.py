"""One-sided communication (MPI RMA) across the nodes: every kind of window and synchronisation mpi4py exposes.

Each rank opens windows with ``Win.Allocate`` and ``Win.Create`` and, with the ranks on its left and right,
moves data with ``Put``, ``Get`` and ``Accumulate`` under the three kinds of synchronisation: ``Fence``
(active target), ``Lock``/``Unlock`` (passive target, shared and exclusive) and ``Post``/``Start``/
``Complete``/``Wait`` (generalised active target); ``Win.Allocate_shared`` is tried on the ranks of each node.
Every value read back is checked. Rank 0 prints each step as it passes. A rank still running after
``--time-limit`` seconds prints where it hangs and exits, which ends the job: a hang is reported as a failure.

Usage::

    mpirun -np 4 --map-by node -machinefile ~/machinefile python3 -m mpi4py rma.py [--rounds 3] [--time-limit 120]

Open MPI 4 runs one-sided operations over TCP only with its ``pt2pt`` component (the cluster's MCA parameters
select it: ``osc = sm,pt2pt``), which refuses ``MPI_THREAD_MULTIPLE``, mpi4py's default thread level: this job
asks for ``MPI_THREAD_SERIALIZED`` (``mpi4py.rc.thread_level``), as a program with windows must on such a
cluster. The result records the thread level granted.

Rank 0 prints ``RESULT {...}`` (compact JSON: job, ranks, hosts, thread_level, steps).
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import sys
from collections.abc import Callable

STEPS = [
    "Win.Allocate + Fence: Put",
    "Win.Allocate + Fence: Get",
    "Win.Allocate + Fence: Accumulate",
    "Win.Allocate + Lock/Unlock (shared): Put",
    "Win.Allocate + Lock/Unlock (exclusive): Accumulate",
    "Win.Allocate + Post/Start/Complete/Wait: Put",
    "Win.Create + Fence: Put",
    "Win.Allocate_shared on each node: load and store",
]
THREAD_LEVELS = {0: "single", 1: "funneled", 2: "serialized", 3: "multiple"}
HINT = ("Open MPI 4 runs one-sided operations over TCP only with its osc pt2pt component, which refuses "
        "MPI_THREAD_MULTIPLE, mpi4py's default: set mpi4py.rc.thread_level = 'serialized' before importing "
        "mpi4py.MPI (or MPI4PY_RC_THREAD_LEVEL=serialized for every rank), and run site.yml, whose MCA parameters "
        "select pt2pt (osc = sm,pt2pt).")


def neighbours(rank: int, size: int) -> tuple[int, int]:
    """The ranks on the left and on the right of ``rank`` in a ring of ``size``."""
    return (rank - 1) % size, (rank + 1) % size


def expected_sum(size: int) -> int:
    """What rank 0's counter holds once every rank has added its rank plus one."""
    return size * (size + 1) // 2


def format_result(result: dict) -> str:
    return "RESULT " + json.dumps(result, separators=(",", ":"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="times every step is repeated (default 3)")
    parser.add_argument("--time-limit", type=int, default=120,
                        help="seconds after which a rank still running reports where it hangs and exits (default 120)")
    return parser.parse_args(argv)


def explain(error: Exception, thread_level: str) -> str:
    """What to do about a failed window: the known limit of Open MPI 4 over TCP, or the error as it is."""
    if "MPI_ERR_WIN" in str(error) and thread_level == "multiple":
        return f"{error}. {HINT}"
    return str(error)


def run_steps(comm, rounds: int, report: Callable[[str], None]) -> None:
    """Run every step `rounds` times; raise AssertionError naming the step whose data came back wrong."""
    import numpy as np
    from mpi4py import MPI

    rank, size = comm.Get_rank(), comm.Get_size()
    left, right = neighbours(rank, size)
    one = np.zeros(1, dtype="i8")

    def check(step: str, ok: bool, detail: object) -> None:
        if not ok:
            raise AssertionError(f"rank {rank}: {step}: wrong data {detail}")

    win = MPI.Win.Allocate(8 * size, 8, comm=comm)
    memory = np.frombuffer(win.tomemory(), dtype="i8")
    group = comm.Get_group()
    to_right, from_left = group.Incl([right]), group.Incl([left])
    for turn in range(rounds):
        mark = 1000 * (turn + 1)
        win.Fence()
        memory[:] = -1
        win.Fence()
        win.Put(np.array([mark + rank], dtype="i8"), right, target=rank)
        win.Fence()
        check(STEPS[0], memory[left] == mark + left, memory)
        report(STEPS[0])

        win.Get(one, right, target=rank)
        win.Fence()
        check(STEPS[1], one[0] == mark + rank, one)
        report(STEPS[1])

        memory[:] = 0
        win.Fence()
        win.Accumulate(np.array([rank + 1], dtype="i8"), 0, target=0, op=MPI.SUM)
        win.Fence()
        check(STEPS[2], rank != 0 or memory[0] == expected_sum(size), memory)
        report(STEPS[2])

        win.Lock(right, MPI.LOCK_SHARED)
        win.Put(np.array([mark + 100 + rank], dtype="i8"), right, target=rank)
        win.Unlock(right)
        comm.Barrier()
        win.Lock(rank, MPI.LOCK_SHARED)
        seen = int(memory[left])
        win.Unlock(rank)
        check(STEPS[3], seen == mark + 100 + left, memory)
        report(STEPS[3])

        if rank == 0:
            win.Lock(0, MPI.LOCK_EXCLUSIVE)
            memory[0] = 0
            win.Unlock(0)
        comm.Barrier()
        win.Lock(0, MPI.LOCK_EXCLUSIVE)
        win.Accumulate(np.array([rank + 1], dtype="i8"), 0, target=0, op=MPI.SUM)
        win.Unlock(0)
        comm.Barrier()
        if rank == 0:
            win.Lock(0, MPI.LOCK_EXCLUSIVE)
            counted = int(memory[0])
            win.Unlock(0)
            check(STEPS[4], counted == expected_sum(size), memory)
        report(STEPS[4])

        win.Post(from_left)
        win.Start(to_right)
        win.Put(np.array([mark + 200 + rank], dtype="i8"), right, target=rank)
        win.Complete()
        win.Wait()
        check(STEPS[5], memory[left] == mark + 200 + left, memory)
        report(STEPS[5])
    win.Free()

    exposed = np.zeros(size, dtype="i8")
    created = MPI.Win.Create(exposed, 8, comm=comm)
    created.Fence()
    created.Put(np.array([rank + 7], dtype="i8"), right, target=rank)
    created.Fence()
    check(STEPS[6], exposed[left] == left + 7, exposed)
    created.Free()
    report(STEPS[6])

    node = comm.Split_type(MPI.COMM_TYPE_SHARED)
    shared = MPI.Win.Allocate_shared(8 * node.Get_size() if node.Get_rank() == 0 else 0, 8, comm=node)
    buffer, _unit = shared.Shared_query(0)
    cells = np.frombuffer(buffer, dtype="i8")
    shared.Fence()
    cells[node.Get_rank()] = rank
    shared.Fence()
    check(STEPS[7], sorted(cells.tolist()) == sorted(node.allgather(rank)), cells)
    shared.Free()
    node.Free()
    report(STEPS[7])


def main(argv: list[str] | None = None) -> None:
    import mpi4py

    # Before MPI is initialised: Open MPI 4's one-sided component over TCP refuses MPI_THREAD_MULTIPLE.
    mpi4py.rc.thread_level = "serialized"
    from mpi4py import MPI

    args = parse_args(argv)
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    passed: list[str] = []

    def report(step: str) -> None:
        comm.Barrier()
        if step not in passed:
            passed.append(step)
            if rank == 0:
                print(f"ok  {step}", flush=True)

    # Exits the process from a thread of its own, even while the main thread waits inside MPI.
    faulthandler.dump_traceback_later(args.time_limit, exit=True)
    thread_level = THREAD_LEVELS.get(MPI.Query_thread(), "?")
    try:
        run_steps(comm, args.rounds, report)
    except MPI.Exception as error:
        step = STEPS[len(passed)] if len(passed) < len(STEPS) else "?"
        print(f"rank {rank} on {MPI.Get_processor_name()}: {step} failed: {explain(error, thread_level)}",
              file=sys.stderr, flush=True)
        raise
    faulthandler.cancel_dump_traceback_later()
    hosts = comm.gather(MPI.Get_processor_name())
    if rank == 0:
        print(format_result({"job": "rma", "ranks": comm.Get_size(), "hosts": hosts,
                             "thread_level": thread_level, "steps": passed}))


if __name__ == "__main__":
    main()
