"""Ping-pong over a plain TCP socket between two ranks: the limit of the network under MPI, for make bench.

MPI only tells rank 0 where rank 1 listens and keeps the two in step; every byte measured goes through one TCP
connection (TCP_NODELAY, as MPI's TCP transport sets), the same way as pingpong.py: the median round trip of an
8-byte message, and one-way bandwidth of a message in half its median round trip.

Usage::

    mpirun -np 2 --map-by node -machinefile ~/machinefile python3 -m mpi4py tcp_pingpong.py [--sizes 1048576,4194304]

Rank 0 prints ``RESULT {...}`` (compact JSON: job, hosts, latency_us, bandwidth_mbs by size).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics

WARMUP = 5


def receive_exactly(connection: socket.socket, buffer: memoryview) -> None:
    got = 0
    while got < len(buffer):
        count = connection.recv_into(buffer[got:])
        if count == 0:
            raise ConnectionError("the peer closed the connection")
        got += count


def round_trips(connection: socket.socket, size: int, iterations: int, lead: bool) -> float:
    """The median round trip in seconds of ``iterations`` messages of ``size`` bytes (0.0 on the echoing side)."""
    import time

    buffer = memoryview(bytearray(size))
    times = []
    for turn in range(WARMUP + iterations):
        if lead:
            start = time.perf_counter()
            connection.sendall(buffer)
            receive_exactly(connection, buffer)
            if turn >= WARMUP:
                times.append(time.perf_counter() - start)
        else:
            receive_exactly(connection, buffer)
            connection.sendall(buffer)
    return statistics.median(times) if lead else 0.0


def main(argv: list[str] | None = None) -> None:
    from mpi4py import MPI

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1048576,4194304")
    parser.add_argument("--latency-iterations", type=int, default=100)
    parser.add_argument("--bandwidth-iterations", type=int, default=10)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    comm = MPI.COMM_WORLD
    if comm.Get_size() != 2:
        raise SystemExit("tcp_pingpong.py runs on exactly two ranks")
    rank = comm.Get_rank()
    hosts = comm.allgather(MPI.Get_processor_name())
    if rank == 1:
        listener = socket.create_server(("", 0))
        comm.send((hosts[1], listener.getsockname()[1]), dest=0)
        connection, _peer = listener.accept()
    else:
        connection = socket.create_connection(comm.recv(source=1))
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    latency = round_trips(connection, 8, args.latency_iterations, rank == 0)
    bandwidth = {size: round_trips(connection, size, args.bandwidth_iterations, rank == 0) for size in sizes}
    connection.close()
    if rank == 0:
        print("RESULT " + json.dumps({
            "job": "tcp_pingpong",
            "hosts": hosts,
            "latency_us": round(latency * 1e6, 1),
            "bandwidth_mbs": {str(size): round(size / (trip / 2) / 1e6) for size, trip in bandwidth.items()},
        }, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
