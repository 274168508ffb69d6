"""Compute pi from the Leibniz series with a master/worker MPI job.

pi = 4 * sum_{k>=0} (-1)^k / (2k + 1).  The first ``slices * slice_size``
terms are cut into slices; rank 0 hands the slices out one at a time to
whichever worker is free and adds up the partial sums the workers send back.
Run alone (one rank), rank 0 computes every slice itself.

Usage::

    mpirun -np 16 -machinefile ~/machinefile python3 -m mpi4py pi.py --slices 50

Only rank 0 prints: a human-readable summary, then one machine-readable line
``RESULT {...}`` (compact JSON with the keys job, pi, error, ranks, slices,
slice_size, terms, elapsed_s, terms_per_s, hosts, slices_per_rank, ready_s and
import_s).

A worker imports NumPy before it reports ready, so that no worker is handed
slices while the others are still importing: ``ready_s`` is, per rank, when
its report reached rank 0 (seconds after rank 0 began to wait for them), and
``import_s`` how long the rank took to import NumPy (0 for rank 0, which only
hands out work unless it runs alone).

The truncated series falls short of pi by about (-1)^N / N for N terms
(2e-8 for the default 50,000,000 terms), so the printed error is the
truncation error, not a rounding problem.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

# 32768 float64 values are 256 KiB per array; the work arrays of partial_sum stay
# inside the 1 MiB L2 cache of a Raspberry Pi 4.
CHUNK = 32768
# Above 2**52 the float64 denominators 2k + 1 are no longer exact.
MAX_TERMS = 2**52

TAG_WORK = 1
TAG_TO_MASTER = 2
# Slices a worker holds at once: one to compute, one queued behind it.
IN_FLIGHT = 2


def slice_bounds(index: int, slice_size: int) -> tuple[int, int]:
    """Return the half-open term range ``[start, stop)`` of slice ``index``."""
    if index < 0:
        raise ValueError(f"slice index must be >= 0, got {index}")
    if slice_size < 1:
        raise ValueError(f"slice size must be >= 1, got {slice_size}")
    start = index * slice_size
    return start, start + slice_size


def partial_sum(start: int, stop: int, chunk: int = CHUNK) -> float:
    """Return sum_{k=start}^{stop-1} (-1)^k / (2k + 1), vectorized with NumPy.

    The terms are computed chunk by chunk so the arrays stay in cache; each
    chunk is summed pairwise by NumPy and the chunk sums are added exactly
    with math.fsum, which keeps the rounding error near 1e-16.
    """
    if start < 0 or stop < start:
        raise ValueError(f"need 0 <= start <= stop, got start={start}, stop={stop}")
    if stop > MAX_TERMS:
        raise ValueError(f"stop must be <= 2**52, got {stop}")
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    if stop == start:
        return 0.0
    # Imported here: rank 0 only hands out work and need not pay for NumPy's import. Workers have imported it
    # before they report ready (load_numpy), so this costs them nothing.
    import numpy as np

    # Terms are summed in pairs, 1/(2k+1) - 1/(2k+3) = 2/((2k+1)(2k+3)) for even k: half the divisions,
    # which dominate the cost. A range that starts or ends on an odd index has a lone term at that end.
    head = (-1.0 / (2 * start + 1)) if start % 2 else 0.0
    first_pair = start + start % 2
    pairs = (stop - first_pair) // 2
    last = first_pair + 2 * pairs
    tail = (1.0 / (2 * last + 1)) if last < stop else 0.0
    width = min(chunk, pairs)
    four_offsets = 4.0 * np.arange(width, dtype=np.float64)
    low = np.empty(width, dtype=np.float64)
    high = np.empty(width, dtype=np.float64)
    chunk_sums = [head, tail]
    for first in range(0, pairs, chunk):
        n = min(chunk, pairs - first)
        lo, hi = low[:n], high[:n]
        np.add(four_offsets[:n], 2.0 * (first_pair + 2 * first) + 1.0, out=lo)
        np.add(lo, 2.0, out=hi)
        np.multiply(lo, hi, out=lo)
        np.divide(2.0, lo, out=lo)
        chunk_sums.append(float(lo.sum()))
    return math.fsum(chunk_sums)


def wait(request: Any, poll_s: float = 0.0002) -> Any:
    """Complete an MPI request, sleeping between checks instead of spinning.

    A blocking MPI call busy-polls a core; on a Pi (four cores, four ranks) or an oversubscribed node that
    core is taken from a rank that computes. Idle ranks here only hand out work or wait for the start.
    """
    import time

    while True:
        done, value = request.test()
        if done:
            return value
        time.sleep(poll_s)


def load_numpy() -> float:
    """Import NumPy, what partial_sum needs, and return the seconds the import took (near 0 once imported)."""
    import time

    started = time.perf_counter()
    import numpy  # noqa: F401  (imported for its side effect: loaded once, before the rank reports ready)

    return time.perf_counter() - started


def partial_sum_reference(start: int, stop: int) -> float:
    """Plain-Python version of partial_sum, slow, for checking it."""
    return math.fsum((-1) ** k / (2 * k + 1) for k in range(start, stop))


def unique_in_order(items: list[str]) -> list[str]:
    """Drop repeated items, keeping the first occurrence's position."""
    return list(dict.fromkeys(items))


def format_result(result: dict[str, Any]) -> str:
    """Return the machine-readable ``RESULT {...}`` line for a result dict."""
    return "RESULT " + json.dumps(result, separators=(",", ":"))


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=positive_int, default=50,
                        help="number of slices handed out to the workers (default: %(default)s)")
    parser.add_argument("--slice-size", type=positive_int, default=1_000_000,
                        help="series terms per slice (default: %(default)s)")
    parser.add_argument("--chunk", type=positive_int, default=CHUNK,
                        help="terms per vectorized NumPy step (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.slices * args.slice_size > MAX_TERMS:
        parser.error("slices * slice-size must be <= 2**52")
    return args


def run_master(comm: Any, slices: int, slice_size: int, chunk: int) -> dict[str, Any]:
    """Hand out the slices and add up the partial sums, on rank 0.

    A worker gets its first slices as soon as it reports in, and holds up to IN_FLIGHT at a time: when it
    returns one, the next goes to it at once, so no worker stands idle while rank 0 waits for a core to
    answer it (a slice is under a millisecond of work). Returns the partial sums, the slices done and the
    host of each rank, and the seconds from the first slice handed out to the last sum received.
    """
    from mpi4py import MPI

    size = comm.Get_size()
    partials = [0.0] * slices
    done = [0] * size
    hosts = [MPI.Get_processor_name()] * size
    ready = [0.0] * size
    imports = [0.0] * size
    if size == 1:
        imports[0] = load_numpy()
        started = MPI.Wtime()
        for index in range(slices):
            partials[index] = partial_sum(*slice_bounds(index, slice_size), chunk=chunk)
            done[0] += 1
        return {"partials": partials, "done": done, "hosts": hosts, "elapsed": MPI.Wtime() - started,
                "ready": ready, "imports": imports}

    next_index = 0
    held = [0] * size
    outstanding = 0
    waiting_for = size - 1
    started = None
    waiting_since = MPI.Wtime()

    def feed(worker: int) -> None:
        nonlocal next_index, outstanding
        if next_index < slices:
            comm.send(next_index, dest=worker, tag=TAG_WORK)
            next_index += 1
            held[worker] += 1
            outstanding += 1
        elif not held[worker]:
            comm.send(None, dest=worker, tag=TAG_WORK)

    while waiting_for or outstanding:
        message = wait(comm.irecv(source=MPI.ANY_SOURCE, tag=TAG_TO_MASTER))
        if message[0] == "ready":
            worker, host, imported_in = message[1:]
            hosts[worker] = host
            imports[worker] = imported_in
            ready[worker] = MPI.Wtime() - waiting_since
            waiting_for -= 1
            started = MPI.Wtime() if started is None else started
            feed(worker)
            # Queue more behind it only while enough are left for the workers yet to report in.
            while held[worker] and held[worker] < IN_FLIGHT and slices - next_index > waiting_for:
                feed(worker)
        else:
            worker, index, value = message[1:]
            partials[index] = value
            done[worker] += 1
            held[worker] -= 1
            outstanding -= 1
            feed(worker)
    return {"partials": partials, "done": done, "hosts": hosts, "elapsed": MPI.Wtime() - started,
            "ready": ready, "imports": imports}


def run_worker(comm: Any, slice_size: int, chunk: int) -> None:
    """Import NumPy, report in to rank 0, then compute the slices it sends until it sends None."""
    from mpi4py import MPI

    rank = comm.Get_rank()
    imported_in = load_numpy()
    comm.send(("ready", rank, MPI.Get_processor_name(), imported_in), dest=0, tag=TAG_TO_MASTER)
    while True:
        index = wait(comm.irecv(source=0, tag=TAG_WORK))
        if index is None:
            return
        value = partial_sum(*slice_bounds(index, slice_size), chunk=chunk)
        comm.send(("result", rank, index, value), dest=0, tag=TAG_TO_MASTER)


def main(argv: list[str] | None = None) -> None:
    # Imported here rather than at the top so the pure functions load without mpi4py (unit tests).
    from mpi4py import MPI

    args = parse_args(argv)
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    size = comm.Get_size()

    if rank != 0:
        run_worker(comm, args.slice_size, args.chunk)
        return
    outcome = run_master(comm, args.slices, args.slice_size, args.chunk)
    partials, done, hosts, elapsed = outcome["partials"], outcome["done"], outcome["hosts"], outcome["elapsed"]

    terms = args.slices * args.slice_size
    pi = 4.0 * math.fsum(partials)
    error = pi - math.pi
    terms_per_s = terms / elapsed if elapsed > 0 else None
    nodes = unique_in_order(hosts)
    # For N terms 4 * sum - pi is about -(-1)^N / N: the truncation error to expect.
    expected = -((-1) ** terms) / terms
    print(f"pi = {pi:.15f}  (error {error:+.3e}; stopping after {terms:,} terms costs {expected:+.3e})")
    print(f"{terms:,} terms in {args.slices} slices of {args.slice_size:,}, "
          f"{size} rank(s) on {len(nodes)} host(s): {', '.join(nodes)}")
    rate = f"{terms_per_s:,.0f} terms/s" if terms_per_s else "rate n/a"
    print(f"{elapsed:.3f} s, {rate}; slices per rank: {done}")
    print(f"ready after (s): {[round(seconds, 3) for seconds in outcome['ready']]}")
    print(format_result({
        "job": "pi",
        "pi": pi,
        "error": error,
        "ranks": size,
        "slices": args.slices,
        "slice_size": args.slice_size,
        "terms": terms,
        "elapsed_s": elapsed,
        "terms_per_s": terms_per_s,
        "hosts": nodes,
        "slices_per_rank": done,
        "ready_s": outcome["ready"],
        "import_s": outcome["imports"],
    }), flush=True)


if __name__ == "__main__":
    main()
