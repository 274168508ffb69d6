"""One-sided communication (MPI RMA) across the nodes: the windows, operations and synchronisations of mpi4py's own
one-sided test suites, each with its data checked.

Each rank opens windows with ``Win.Allocate`` and ``Win.Create`` and moves data with ``Put``, ``Get`` and
``Accumulate`` under active-target synchronisation (``Fence``; ``Post``/``Start``/``Complete``/``Wait``) and
passive-target synchronisation (``Lock``/``Unlock``, shared and exclusive). Then, as mpi4py's ``test_rma`` and
``test_rma_nb`` do, every rank locks every rank of the world in turn while the others do the same:
``Put``/``Get_accumulate``/``Get`` with ``Flush`` in between, ``Fetch_and_op`` and ``Compare_and_swap`` on one
counter, the request-based ``Rput``/``Rget``/``Raccumulate``/``Rget_accumulate`` under ``Lock_all``, and
``Accumulate`` into a target busy computing outside MPI (whether its progress was asynchronous is recorded).
Shared-memory windows are opened the right way, on the ranks of each node (``Split_type(COMM_TYPE_SHARED)``), and
the wrong way, over ranks on several nodes, which MPI must refuse. Rank 0 prints each step as it passes. A rank
still running after ``--time-limit`` seconds prints where it hangs and exits, which ends the job: a hang is reported
as a failure.

Usage::

    mpirun -np 4 --map-by node -machinefile ~/machinefile python3 -m mpi4py rma.py [--rounds 3] [--time-limit 120]

The job leaves mpi4py's thread level alone, as programs that know nothing of the cluster do. On Open MPI 4 the only
one-sided component that works over TCP (``pt2pt``, selected by the cluster's ``osc = sm,pt2pt``) refuses
``MPI_THREAD_MULTIPLE``, mpi4py's default: the cluster lowers that default to ``serialized`` on every node
(``machinefile_mpi4py_thread_level``), and a run that asks for ``multiple`` anyway fails at its first window, saying
so. The result records the thread level granted.

Rank 0 prints ``RESULT {...}`` (compact JSON: job, ranks, hosts, nodes, thread_level, passive_target_progress,
steps).
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import sys
import time
from collections.abc import Callable

STEPS = [
    "Win.Allocate + Fence: Put",
    "Win.Allocate + Fence: Get",
    "Win.Allocate + Fence: Accumulate",
    "Win.Allocate + Lock/Unlock (shared): Put",
    "Win.Allocate + Lock/Unlock (exclusive): Accumulate",
    "Win.Allocate + Post/Start/Complete/Wait: Put",
    "Win.Allocate + Lock/Flush/Unlock of every rank in turn: Put, Get_accumulate, Get",
    "Win.Allocate + Lock (shared) of every rank: Fetch_and_op, Compare_and_swap",
    "Win.Allocate + Lock_all/Unlock_all: Rput, Rget, Raccumulate, Rget_accumulate",
    "Win.Allocate + Lock/Unlock of a target computing outside MPI: Accumulate",
    "Win.Create + Fence: Put",
    "Win.Allocate_shared on each node: load and store",
    "Win.Allocate_shared over all ranks: refused across nodes, granted within one",
]
# Cells of the Allocate window after one per rank: a counter, a cell to swap, two sums, the busy target's sum.
COUNTER, SWAP, TOTAL, PARTIAL, BUSY = range(5)
EXTRA_CELLS = 5
# How long the busy target computes without calling MPI while the others lock its window.
COMPUTE_S = 0.5
THREAD_LEVELS = {0: "single", 1: "funneled", 2: "serialized", 3: "multiple"}
HINT = ("On Open MPI 4, windows across nodes need mpi4py's thread level below MPI_THREAD_MULTIPLE: the only "
        "one-sided component that works over TCP (pt2pt) refuses it. site.yml makes 'serialized' the default on "
        "every node (machinefile_mpi4py_thread_level); this run asked for 'multiple', through MPI4PY_RC_THREAD_LEVEL "
        "or mpi4py.rc.thread_level. Leave that setting out, or make it 'serialized', and run the job again.")


def neighbours(rank: int, size: int) -> tuple[int, int]:
    """The ranks on the left and on the right of ``rank`` in a ring of ``size``."""
    return (rank - 1) % size, (rank + 1) % size


def expected_sum(size: int) -> int:
    """What rank 0's counter holds once every rank has added its rank plus one."""
    return size * (size + 1) // 2


def tickets_ok(tickets: list[int], size: int) -> bool:
    """Whether the values ``Fetch_and_op`` fetched from one counter, one per rank, are 0 to size - 1, each once."""
    return sorted(tickets) == list(range(size))


def swap_ok(seen: list[int], final: int) -> bool:
    """Whether one ``Compare_and_swap`` of -1 for its own rank won, by rank: exactly one rank saw -1, the cell
    holds that rank, and every other rank saw that rank."""
    winners = [origin for origin, value in enumerate(seen) if value == -1]
    return winners == [final] and all(value == final for origin, value in enumerate(seen) if origin != final)


def progress(epochs: list[float], compute_s: float) -> str:
    """How the origins' passive-target epochs on a target computing outside MPI for ``compute_s`` went: done while
    it computed (asynchronous), or held until it called MPI again."""
    if not epochs:
        return "n/a"
    return "when the target calls MPI" if min(epochs) >= 0.9 * compute_s else "asynchronous"


def busy(seconds: float) -> int:
    """Compute for ``seconds`` without calling MPI, as a rank does between two MPI calls."""
    ends, loops = time.perf_counter() + seconds, 0
    while time.perf_counter() < ends:
        loops += sum(range(1000)) % 7
    return loops


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


Check = Callable[[str, bool, object], None]


def reset(win, comm, memory, values: dict[int, int]) -> None:
    """Set cells of this rank's own window memory (in a passive-target epoch on itself), then wait for every rank."""
    from mpi4py import MPI

    rank = comm.Get_rank()
    win.Lock(rank, MPI.LOCK_EXCLUSIVE)
    for cell, value in values.items():
        memory[cell] = value
    win.Unlock(rank)
    comm.Barrier()


def read(win, comm, memory, cells: list[int]) -> list[int]:
    """Cells of this rank's own window memory, read in a passive-target epoch on itself."""
    from mpi4py import MPI

    rank = comm.Get_rank()
    win.Lock(rank, MPI.LOCK_SHARED)
    values = [int(memory[cell]) for cell in cells]
    win.Unlock(rank)
    return values


def every_rank_in_turn(win, comm, check: Check) -> None:
    """mpi4py's testGetAccumulate: every rank locks every rank in turn, exclusively, while the others do the same,
    so a target answers while it is itself an origin elsewhere and never waits in a Barrier."""
    import numpy as np
    from mpi4py import MPI

    rank, size = comm.Get_rank(), comm.Get_size()
    for target in range(size):
        fetched, got = np.full(1, -1, dtype="i8"), np.full(1, -1, dtype="i8")
        win.Lock(target, MPI.LOCK_EXCLUSIVE)
        win.Put(np.ones(1, dtype="i8"), target, target=rank)
        win.Flush(target)
        win.Get_accumulate(np.array([rank + 2], dtype="i8"), fetched, target, target=rank, op=MPI.SUM)
        win.Flush(target)
        win.Get(got, target, target=rank)
        win.Unlock(target)
        check(STEPS[6], (int(fetched[0]), int(got[0])) == (1, rank + 3), f"target {target}: {fetched}, {got}")


def atomics(win, comm, memory, check: Check) -> None:
    """mpi4py's testFetchAndOp and testCompareAndSwap: every rank takes a ticket from every rank's counter and tries
    to swap its own rank into every rank's cell, under shared locks, all at once."""
    import numpy as np
    from mpi4py import MPI

    rank, size = comm.Get_rank(), comm.Get_size()
    cells = size + COUNTER, size + SWAP
    reset(win, comm, memory, {cells[0]: 0, cells[1]: -1})
    tickets, seen = [], []
    for target in range(size):
        ticket, old = np.full(1, -1, dtype="i8"), np.full(1, -2, dtype="i8")
        win.Lock(target, MPI.LOCK_SHARED)
        win.Fetch_and_op(np.ones(1, dtype="i8"), ticket, target, cells[0], op=MPI.SUM)
        win.Compare_and_swap(np.array([rank], dtype="i8"), np.array([-1], dtype="i8"), old, target, cells[1])
        win.Unlock(target)
        tickets.append(int(ticket[0]))
        seen.append(int(old[0]))
    by_origin_tickets, by_origin_seen = comm.allgather(tickets), comm.allgather(seen)
    counter, final = read(win, comm, memory, list(cells))
    mine = [by_origin[rank] for by_origin in by_origin_tickets]
    check(STEPS[7], counter == size and tickets_ok(mine, size), f"counter {counter}, tickets {mine}")
    seen_here = [by_origin[rank] for by_origin in by_origin_seen]
    check(STEPS[7], swap_ok(seen_here, final), f"cell {final}, seen {seen_here}")


def request_based(win, comm, memory, mark: int, check: Check) -> None:
    """mpi4py's test_rma_nb: request-based operations to every rank in one Lock_all epoch, each request waited
    for, Flush before reading back what was put."""
    import numpy as np
    from mpi4py import MPI

    rank, size = comm.Get_rank(), comm.Get_size()
    cells = size + TOTAL, size + PARTIAL
    reset(win, comm, memory, {cells[0]: 0, cells[1]: 0})
    value = mark + 300 + rank
    partials = []
    win.Lock_all()
    for target in range(size):
        got, partial = np.full(1, -1, dtype="i8"), np.full(1, -1, dtype="i8")
        win.Rput(np.array([value], dtype="i8"), target, target=rank).Wait()
        win.Flush(target)
        win.Rget(got, target, target=rank).Wait()
        check(STEPS[8], int(got[0]) == value, f"target {target}: {got}")
        win.Raccumulate(np.array([rank + 1], dtype="i8"), target, target=cells[0], op=MPI.SUM).Wait()
        add = np.array([rank + 1], dtype="i8")
        win.Rget_accumulate(add, partial, target, target=cells[1], op=MPI.SUM).Wait()
        partials.append(int(partial[0]))
    win.Unlock_all()
    comm.Barrier()
    total, partial_total = read(win, comm, memory, list(cells))
    whole = expected_sum(size)
    check(STEPS[8], total == partial_total == whole and all(0 <= p < whole for p in partials),
          f"sums {total}, {partial_total}, fetched {partials}")


def busy_target(win, comm, memory, check: Check) -> list[float]:
    """Every rank adds to rank 0's window while rank 0 computes without calling MPI (its call comes later, as in
    mpi4py's tests, where a target is busy elsewhere). The seconds each other rank's epoch took, for every rank."""
    import numpy as np
    from mpi4py import MPI

    rank, size = comm.Get_rank(), comm.Get_size()
    cell = size + BUSY
    reset(win, comm, memory, {cell: 0})
    started = time.perf_counter()
    if rank == 0:
        busy(COMPUTE_S)
    win.Lock(0, MPI.LOCK_EXCLUSIVE)
    win.Accumulate(np.array([rank + 1], dtype="i8"), 0, target=cell, op=MPI.SUM)
    win.Unlock(0)
    epoch = time.perf_counter() - started
    comm.Barrier()
    if rank == 0:
        (total,) = read(win, comm, memory, [cell])
        check(STEPS[9], total == expected_sum(size), f"sum {total}")
    return comm.allgather(epoch)[1:]


def run_steps(comm, rounds: int, report: Callable[[str], None]) -> dict:
    """Run every step (the window steps `rounds` times); raise AssertionError naming the step whose data came back
    wrong. What was learnt on the way: the number of nodes, how a busy target progressed."""
    import numpy as np
    from mpi4py import MPI

    rank, size = comm.Get_rank(), comm.Get_size()
    left, right = neighbours(rank, size)
    one = np.zeros(1, dtype="i8")

    def check(step: str, ok: bool, detail: object) -> None:
        if not ok:
            raise AssertionError(f"rank {rank}: {step}: wrong data {detail}")

    epochs: list[float] = []
    win = MPI.Win.Allocate(8 * (size + EXTRA_CELLS), 8, comm=comm)
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

        every_rank_in_turn(win, comm, check)
        report(STEPS[6])
        atomics(win, comm, memory, check)
        report(STEPS[7])
        request_based(win, comm, memory, mark, check)
        report(STEPS[8])
        epochs.append(busy_target(win, comm, memory, check))
        report(STEPS[9])
    win.Free()

    exposed = np.zeros(size, dtype="i8")
    created = MPI.Win.Create(exposed, 8, comm=comm)
    created.Fence()
    created.Put(np.array([rank + 7], dtype="i8"), right, target=rank)
    created.Fence()
    check(STEPS[10], exposed[left] == left + 7, exposed)
    created.Free()
    report(STEPS[10])

    node = comm.Split_type(MPI.COMM_TYPE_SHARED)
    shared = MPI.Win.Allocate_shared(8 * node.Get_size() if node.Get_rank() == 0 else 0, 8, comm=node)
    buffer, _unit = shared.Shared_query(0)
    cells = np.frombuffer(buffer, dtype="i8")
    shared.Fence()
    cells[node.Get_rank()] = rank
    shared.Fence()
    check(STEPS[11], sorted(cells.tolist()) == sorted(node.allgather(rank)), cells)
    shared.Free()
    node.Free()
    report(STEPS[11])

    nodes = len(set(comm.allgather(MPI.Get_processor_name())))
    try:
        MPI.Win.Allocate_shared(8, 8, comm=comm).Free()
        refused = None
    except MPI.Exception as error:
        refused = error.Get_error_string()
    # Erroneous by the standard across nodes; within one node it is the way to share memory.
    check(STEPS[12], (refused is not None) == (nodes > 1), refused or "granted across nodes")
    report(STEPS[12])
    return {"nodes": nodes, "passive_target_progress": progress(epochs[-1] if epochs else [], COMPUTE_S)}


def main(argv: list[str] | None = None) -> None:
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
        learnt = run_steps(comm, args.rounds, report)
    except MPI.Exception as error:
        step = STEPS[len(passed)] if len(passed) < len(STEPS) else "?"
        print(f"rank {rank} on {MPI.Get_processor_name()}: {step} failed: {explain(error, thread_level)}",
              file=sys.stderr, flush=True)
        raise
    faulthandler.cancel_dump_traceback_later()
    hosts = comm.gather(MPI.Get_processor_name())
    if rank == 0:
        print(format_result({"job": "rma", "ranks": comm.Get_size(), "hosts": hosts, **learnt,
                             "thread_level": thread_level, "steps": passed}))


if __name__ == "__main__":
    main()
