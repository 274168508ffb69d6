"""Compute pi from the Leibniz series with a master/worker MPI job.

pi = 4 * sum_{k>=0} (-1)^k / (2k + 1).  The first ``slices * slice_size``
terms are cut into slices; rank 0 hands the slices out one at a time to
whichever worker is free and adds up the partial sums the workers send back.
Run alone (one rank), rank 0 computes every slice itself.

Usage::

    mpirun -np 16 -machinefile ~/machinefile python3 -m mpi4py pi.py --slices 50

Only rank 0 prints: a human-readable summary, then one machine-readable line
``RESULT {...}`` (compact JSON with the keys job, pi, error, ranks, slices,
slice_size, terms, elapsed_s, terms_per_s, hosts and slices_per_rank).

The truncated series falls short of pi by about (-1)^N / N for N terms
(2e-8 for the default 50,000,000 terms), so the printed error is the
truncation error, not a rounding problem.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import numpy as np

# 32768 float64 values are 256 KiB per array; the three work arrays below stay
# inside the 1 MiB L2 cache of a Raspberry Pi 4.
CHUNK = 32768
# Above 2**52 the float64 denominators 2k + 1 are no longer exact.
MAX_TERMS = 2**52

TAG_WORK = 1
TAG_STOP = 2
TAG_RESULT = 3


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
    width = min(chunk, stop - start)
    if width == 0:
        return 0.0
    twice_offsets = 2.0 * np.arange(width, dtype=np.float64)
    # Signs relative to the chunk's first term; an odd first term flips the chunk sum.
    signs = np.ones(width, dtype=np.float64)
    signs[1::2] = -1.0
    work = np.empty(width, dtype=np.float64)
    chunk_sums = []
    for first in range(start, stop, chunk):
        n = min(chunk, stop - first)
        terms = work[:n]
        np.add(twice_offsets[:n], 2.0 * first + 1.0, out=terms)
        np.divide(signs[:n], terms, out=terms)
        total = float(terms.sum())
        chunk_sums.append(-total if first % 2 else total)
    return math.fsum(chunk_sums)


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


def run_master(comm: Any, slices: int, slice_size: int, chunk: int) -> tuple[list[float], list[int]]:
    """Hand out the slices and collect the partial sums; return them and the slices done per rank."""
    from mpi4py import MPI

    size = comm.Get_size()
    partials = [0.0] * slices
    done = [0] * size
    if size == 1:
        for index in range(slices):
            partials[index] = partial_sum(*slice_bounds(index, slice_size), chunk=chunk)
            done[0] += 1
        return partials, done

    next_index = 0
    busy = 0
    for worker in range(1, size):
        if next_index < slices:
            comm.send(next_index, dest=worker, tag=TAG_WORK)
            next_index += 1
            busy += 1
        else:
            comm.send(None, dest=worker, tag=TAG_STOP)
    status = MPI.Status()
    while busy:
        index, value = comm.recv(source=MPI.ANY_SOURCE, tag=TAG_RESULT, status=status)
        worker = status.Get_source()
        partials[index] = value
        done[worker] += 1
        if next_index < slices:
            comm.send(next_index, dest=worker, tag=TAG_WORK)
            next_index += 1
        else:
            comm.send(None, dest=worker, tag=TAG_STOP)
            busy -= 1
    return partials, done


def run_worker(comm: Any, slice_size: int, chunk: int) -> None:
    """Compute the slices rank 0 sends until it says stop."""
    from mpi4py import MPI

    status = MPI.Status()
    while True:
        index = comm.recv(source=0, tag=MPI.ANY_TAG, status=status)
        if status.Get_tag() == TAG_STOP:
            return
        value = partial_sum(*slice_bounds(index, slice_size), chunk=chunk)
        comm.send((index, value), dest=0, tag=TAG_RESULT)


def main(argv: list[str] | None = None) -> None:
    # Imported here rather than at the top so the pure functions load without mpi4py (unit tests).
    from mpi4py import MPI

    args = parse_args(argv)
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    size = comm.Get_size()

    # Start the clock only once every rank is up, so that start-up is not timed.
    comm.Barrier()
    started = MPI.Wtime()
    if rank == 0:
        partials, done = run_master(comm, args.slices, args.slice_size, args.chunk)
    else:
        run_worker(comm, args.slice_size, args.chunk)
    elapsed = MPI.Wtime() - started
    hosts = comm.gather(MPI.Get_processor_name(), root=0)
    if rank != 0:
        return

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
    }), flush=True)


if __name__ == "__main__":
    main()
