"""Write one file from every rank with MPI-IO, read it back, and check every byte.

Each rank writes a block of its own (a pattern that depends on the rank) at its own offset of one file with the
collective ``Write_at_all``, the file is synced and closed, and each rank then reads with ``Read_at_all`` its own
block and the block of the rank at the other end (rank ``size - 1 - rank``, on another node whether ranks fill
nodes in turn or one node after another), and compares them with what that rank wrote. A file every node sees
is what this needs: first, rank 0 writes a token file in the directory, and every rank must read it back.

Usage::

    mpirun -np 16 -machinefile ~/machinefile python3 -m mpi4py mpiio.py --dir /cluster/mpi_jobs --mib 4

``run_job.yml -e job=mpiio`` runs it in the shared directory (``shared_storage_path``). Only rank 0 prints:
where the file is, the write and read bandwidth, and whether every byte was right, then one line ``RESULT
{...}`` (compact JSON with the keys job, ranks, nodes, path, bytes_per_rank, file_bytes, write_s, read_s,
write_mb_s, read_mb_s, verified, wrong_blocks). A directory that is not shared, or a wrong byte, ends the job
with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from typing import Any

MIB = 1 << 20


def block_pattern(rank: int, nbytes: int):
    """The bytes rank ``rank`` writes: a repeating pattern that differs from rank to rank (NumPy uint8 array)."""
    import numpy as np

    return ((np.arange(nbytes, dtype=np.uint64) * 31 + rank * 7919) % 251).astype(np.uint8)


def partner(rank: int, size: int) -> int:
    """The rank whose block ``rank`` also reads back: the one at the other end of the rank order."""
    return size - 1 - rank


def mb_per_s(nbytes: int, seconds: float) -> float:
    return round(nbytes / MIB / seconds, 1) if seconds > 0 else 0.0


def unshared_message(directory: str, missing: list[str]) -> str:
    return (f"ERROR: {directory} is not shared: ranks on {', '.join(sorted(set(missing)))} cannot read the file rank 0 "
            "wrote there. MPI-IO needs one directory every node sees: set shared_storage_backend (sshfs or nfs) in "
            "the inventory, run site.yml, and run the job with run_job.yml -e job=mpiio (it runs in "
            "shared_storage_path).")


def format_result(result: dict[str, Any]) -> str:
    return "RESULT " + json.dumps(result, separators=(",", ":"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=".", help="the directory of the file (default: the current one)")
    parser.add_argument("--mib", type=float, default=4.0, help="MiB each rank writes (default: 4)")
    parser.add_argument("--keep", action="store_true", help="keep the file (default: remove it at the end)")
    args = parser.parse_args(argv)
    if args.mib <= 0:
        parser.error(f"--mib must be above 0, got {args.mib}")
    return args


def shared(comm, directory: str) -> str:
    """Why the directory is not one every rank sees (empty when it is): rank 0 writes a token file there, and every
    rank must read it back."""
    from mpi4py import MPI

    path = os.path.join(directory, f".mpiio-{os.getpid()}-{secrets.token_hex(4)}")
    token, error = None, ""
    if comm.Get_rank() == 0:
        token = secrets.token_hex(16)
        try:
            with open(path, "w", encoding="ascii") as handle:
                handle.write(token)
        except OSError as failure:
            error = f"ERROR: rank 0 cannot write in {directory}: {failure.strerror}."
    path, token, error = comm.bcast((path, token, error), root=0)
    if error:
        return error
    try:
        with open(path, encoding="ascii") as handle:
            seen = handle.read() == token
    except OSError:
        seen = False
    missing = comm.gather(None if seen else MPI.Get_processor_name(), root=0)
    comm.Barrier()
    if comm.Get_rank() == 0:
        os.unlink(path)
    hosts = [host for host in missing or [] if host]
    return unshared_message(directory, hosts) if hosts else ""


def main(argv: list[str] | None = None) -> None:
    # Imported here rather than at the top so the pure functions load without mpi4py (unit tests).
    import numpy as np
    from mpi4py import MPI

    args = parse_args(argv)
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    directory = os.path.abspath(args.dir)
    problem = comm.bcast(shared(comm, directory), root=0)
    if problem:
        if rank == 0:
            print(problem, flush=True)
        sys.exit(1)

    nbytes = int(args.mib * MIB)
    path = os.path.join(directory, "mpiio.dat")
    mine = block_pattern(rank, nbytes)

    comm.Barrier()
    started = time.perf_counter()
    handle = MPI.File.Open(comm, path, MPI.MODE_CREATE | MPI.MODE_WRONLY)
    handle.Set_size(0)
    handle.Write_at_all(rank * nbytes, mine)
    handle.Sync()
    handle.Close()
    comm.Barrier()
    write_s = time.perf_counter() - started

    other = partner(rank, size)
    own_back, other_back = np.empty(nbytes, dtype=np.uint8), np.empty(nbytes, dtype=np.uint8)
    started = time.perf_counter()
    handle = MPI.File.Open(comm, path, MPI.MODE_RDONLY)
    handle.Read_at_all(rank * nbytes, own_back)
    handle.Read_at_all(other * nbytes, other_back)
    file_bytes = handle.Get_size()
    handle.Close()
    comm.Barrier()
    read_s = time.perf_counter() - started

    wrong = ([rank] if not np.array_equal(own_back, mine) else []) + (
        [other] if not np.array_equal(other_back, block_pattern(other, nbytes)) else [])
    wrong_blocks = sorted({block for found in comm.gather(wrong, root=0) or [] for block in found})
    hosts = comm.gather(MPI.Get_processor_name(), root=0)
    if rank == 0 and not args.keep:
        os.unlink(path)
    if rank != 0:
        sys.exit(0 if comm.bcast(None, root=0) else 1)

    verified = not wrong_blocks and file_bytes == size * nbytes
    nodes = sorted(set(hosts))
    print(f"{path}: {size} rank(s) on {len(nodes)} node(s) ({', '.join(nodes)}), {nbytes / MIB:g} MiB each, "
          f"{file_bytes / MIB:g} MiB in all")
    print(f"write (Write_at_all, Sync) {write_s:.2f} s, {mb_per_s(size * nbytes, write_s)} MiB/s; "
          f"read (Read_at_all, twice) {read_s:.2f} s, {mb_per_s(2 * size * nbytes, read_s)} MiB/s")
    print("every byte read back is the byte written" if verified else
          f"WRONG: blocks {wrong_blocks} differ from what their ranks wrote (file size {file_bytes})")
    print(format_result({
        "job": "mpiio", "ranks": size, "nodes": nodes, "path": path, "bytes_per_rank": nbytes,
        "file_bytes": file_bytes, "write_s": round(write_s, 3), "read_s": round(read_s, 3),
        "write_mb_s": mb_per_s(size * nbytes, write_s), "read_mb_s": mb_per_s(2 * size * nbytes, read_s),
        "verified": verified, "wrong_blocks": wrong_blocks,
    }), flush=True)
    comm.bcast(verified, root=0)
    sys.exit(0 if verified else 1)


if __name__ == "__main__":
    main()
