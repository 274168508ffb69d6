"""The blog's pi job, kept as a baseline: master/worker Leibniz series with a pure-Python worker loop.

Usage:
    mpirun -np 16 -machinefile ~/machinefile python3 -m mpi4py pi_baseline.py --slices 50

Same algorithm, defaults and RESULT line as files/mpi_jobs/pi.py, so bench/pi_bench.py can time both the
same way. Unlike pi.py it needs at least two ranks, as the original did.
"""
import argparse
import json
import math
import time

TAG_WORK, TAG_STOP, TAG_RESULT = 1, 2, 3


def slice_sum(index, slice_size):
    """The worker loop as the blog wrote it: integer power for the sign."""
    total = 0.0
    for k in range(index * slice_size, (index + 1) * slice_size):
        total += (-1) ** k / (2 * k + 1)
    return total


def slice_sum_tuned(index, slice_size):
    """The best a plain Python loop does: a float sign that flips instead of a power per term."""
    total, sign = 0.0, -1.0 if index * slice_size % 2 else 1.0
    for k in range(index * slice_size, (index + 1) * slice_size):
        total += sign / (2 * k + 1)
        sign = -sign
    return total


def main():
    from mpi4py import MPI

    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--slices", type=int, default=50)
    parser.add_argument("--slice-size", type=int, default=1_000_000)
    parser.add_argument("--tuned", action="store_true", help="use the tuned pure-Python loop")
    args = parser.parse_args()
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    if size < 2:
        raise SystemExit("pi_baseline.py needs at least 2 ranks")
    started = time.perf_counter()
    if rank == 0:
        status = MPI.Status()
        total, sent, received = 0.0, 0, 0
        for worker in range(1, size):
            if sent < args.slices:
                comm.send(sent, dest=worker, tag=TAG_WORK)
                sent += 1
            else:
                comm.send(None, dest=worker, tag=TAG_STOP)
        while received < sent:
            total += comm.recv(source=MPI.ANY_SOURCE, tag=TAG_RESULT, status=status)
            received += 1
            worker = status.Get_source()
            if sent < args.slices:
                comm.send(sent, dest=worker, tag=TAG_WORK)
                sent += 1
            else:
                comm.send(None, dest=worker, tag=TAG_STOP)
        pi = 4.0 * total
        elapsed = time.perf_counter() - started
        terms = args.slices * args.slice_size
        print(f"pi = {pi:.15f} (error {pi - math.pi:.3e}) in {elapsed:.2f} s")
        print("RESULT " + json.dumps({"job": "pi_baseline", "pi": pi, "error": pi - math.pi, "ranks": size,
                                      "slices": args.slices, "slice_size": args.slice_size, "terms": terms,
                                      "elapsed_s": elapsed, "terms_per_s": terms / elapsed}))
    else:
        status = MPI.Status()
        while True:
            index = comm.recv(source=0, tag=MPI.ANY_TAG, status=status)
            if status.Get_tag() == TAG_STOP:
                break
            comm.send((slice_sum_tuned if args.tuned else slice_sum)(index, args.slice_size), dest=0, tag=TAG_RESULT)


if __name__ == "__main__":
    main()
