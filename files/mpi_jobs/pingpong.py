"""Measure latency and bandwidth between every pair of nodes, to find a bad cable or switch port.

Run one rank per node (run_job.yml does: -e job=pingpong).  Every ordered pair
of ranks plays ping-pong: the first sends a message, the second sends it back.
The round trip of an 8-byte message is the pair's latency; a message of 1 MiB
or more, sent one way in half a round trip, gives its bandwidth.  The pairs are
played in rounds in which every rank has one partner (a round-robin
tournament), so a cluster of n nodes takes n - 1 rounds, not n * (n - 1) turns.

Usage::

    mpirun -np 4 --map-by node -machinefile ~/machinefile python3 -m mpi4py pingpong.py
    ... pingpong.py --sizes 1048576,4194304 --latency-iterations 200 --bandwidth-iterations 20
    ... pingpong.py --rounds 4 --max-seconds 300

Rank 0 prints its plan first (rounds x pairs x round trips), then, after the
first round, how long every round will take at that pace.  ``--rounds K``
measures K of the rounds, spread over the tournament, so that every node meets
K partners: on 64 nodes, 4 rounds find a bad cable in about a sixteenth of the time.
``--max-seconds S`` stops measuring before a round that would end past S
seconds (run_job.yml passes the job's time limit less a margin), so the job
ends in the time it printed and says which rounds it did not reach, instead of
being killed with nothing measured.

Every rank also reads its own node's link where the kernel reports it: the
interface that holds the address the node's name resolves to, its negotiated
speed and MTU (``/sys/class/net/IFACE/speed`` and ``mtu``), hence its line rate,
the TCP payload the link can carry (117.7 MB/s on Gigabit Ethernet with MTU
1500). A pair's bandwidth is stated against the lower line rate of its two
nodes, and a node whose link negotiated less than the others is named.

Only rank 0 prints: the latency matrix (microseconds, round trip), the
bandwidth matrix of the largest message (MB/s, 10**6 bytes per second), the
nodes' links, the pairs slower than half the median bandwidth with what to
check, and one machine-readable line ``RESULT {...}`` (compact JSON with the
keys job, ranks, hosts, sizes, latency_us, bandwidth_mbs (one matrix per size),
medians, slow_pairs, links, of_line_rate (the largest message's matrix as a
fraction of each pair's line rate), link_notes and rounds (total, selected,
measured, seconds, stopped_early); a matrix is indexed [sender][echoer], null on
the diagonal and for a pair that was not measured).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from typing import Any

LATENCY_BYTES = 8
MIB = 1 << 20
WARMUP = 5
# What an Ethernet frame costs beyond the IP packet (header 14, FCS 4, preamble 8, inter-frame gap 12 bytes), and
# what an IPv4 TCP segment with timestamps costs inside it (IP 20, TCP 20, timestamps 12 bytes).
ETHERNET_OVERHEAD = 38
TCP_IP_HEADERS = 52


def pair_rounds(size: int) -> list[list[tuple[int, int]]]:
    """Return rounds of disjoint rank pairs in which every unordered pair of ``size`` ranks meets exactly once.

    The circle method: rank 0 stays put, the others rotate; an odd size gets a bye each round.
    """
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    players: list[int | None] = list(range(size)) + ([None] if size % 2 else [])
    count = len(players)
    rounds = []
    for _round in range(count - 1):
        pairs = []
        for i in range(count // 2):
            first, second = players[i], players[count - 1 - i]
            if first is not None and second is not None:
                pairs.append((min(first, second), max(first, second)))
        rounds.append(sorted(pairs))
        players = [players[0], players[-1], *players[1:-1]]
    return [pairs for pairs in rounds if pairs]


def spread(total: int, wanted: int | None) -> list[int]:
    """Return the indices of ``wanted`` of ``total`` rounds, spread evenly from the first; every round for None."""
    if wanted is None or wanted >= total:
        return list(range(total))
    if wanted < 1:
        raise ValueError(f"need at least one round, got {wanted}")
    return [index * total // wanted for index in range(wanted)]


def keep_going(elapsed_s: float, longest_round_s: float, max_seconds: float | None) -> bool:
    """Whether another round, as long as the longest so far, still ends within ``max_seconds`` of the start."""
    return max_seconds is None or elapsed_s + longest_round_s <= max_seconds


def describe_plan(ranks: int, rounds: list[list[tuple[int, int]]], selected: list[int],
                  args: argparse.Namespace) -> str:
    """Return the plan rank 0 prints before measuring: rounds x pairs x round trips, and the time limit."""
    pairs = sum(len(rounds[index]) for index in selected)
    sizes = ", ".join(f"{size // MIB} MiB" for size in args.sizes)
    text = (f"plan: {len(selected)} of {len(rounds)} rounds on {ranks} ranks, {pairs} pairs, each measured both "
            f"ways with {args.latency_iterations} round trips of {LATENCY_BYTES} bytes and "
            f"{args.bandwidth_iterations} of each of {sizes}")
    if args.max_seconds is not None:
        text += f"; no round starts that would end past {args.max_seconds:g} s"
    return text


def seconds_text(seconds: float) -> str:
    return f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}"


def describe_pace(first_round_s: float, rounds: int, max_seconds: float | None) -> str:
    """Return what the first round's time says of the whole job's."""
    total = first_round_s * rounds
    text = f"the first round took {first_round_s:.2f} s: {rounds} rounds take about {seconds_text(total)} s"
    if max_seconds is not None and total > max_seconds:
        text += f", more than --max-seconds {max_seconds:g}: the rounds past it will not be measured"
    return text


def describe_coverage(ranks: int, rounds: list[list[tuple[int, int]]], selected: list[int], measured: int,
                      seconds: float, max_seconds: float | None) -> str | None:
    """Return what was not measured and why, or None when every pair was."""
    total_pairs = ranks * (ranks - 1) // 2
    done = sum(len(rounds[index]) for index in selected[:measured])
    if done == total_pairs:
        return None
    if measured < len(selected):
        return (f"stopped after {measured} of {len(selected)} rounds at {seconds_text(seconds)} s (--max-seconds "
                f"{max_seconds:g}): {done} of {total_pairs} pairs measured; give the job more time "
                "(job_timeout) or fewer round trips")
    return (f"measured {measured} of {len(rounds)} rounds (--rounds {measured}): {done} of {total_pairs} pairs, "
            f"every node against up to {measured} others; leave out --rounds to measure every pair")


def bandwidth_mbs(size_bytes: int, round_trip_s: float) -> float:
    """Return the one-way bandwidth in MB/s of a message of ``size_bytes`` whose round trip took ``round_trip_s``."""
    if round_trip_s <= 0:
        raise ValueError(f"a round trip takes time, got {round_trip_s} s")
    return size_bytes / (round_trip_s / 2) / 1e6


def matrix(size: int, measured: dict[tuple[int, int], float], digits: int = 1) -> list[list[float | None]]:
    """Return a ``size`` x ``size`` matrix of the measured (sender, echoer) values, None on the diagonal."""
    return [[None if i == j or (i, j) not in measured else round(measured[(i, j)], digits) for j in range(size)]
            for i in range(size)]


def off_diagonal(values: list[list[float | None]]) -> list[float]:
    return [value for row in values for value in row if value is not None]


def slow_pairs(bandwidth: list[list[float | None]], hosts: list[str], fraction: float = 0.5) -> list[str]:
    """Name the pairs of nodes whose bandwidth, either way, is below ``fraction`` of the median, and what to check.

    When every slow pair shares one node, that node's cable or port is the likely cause, and a last line says so.
    """
    values = off_diagonal(bandwidth)
    if not values:
        return []
    median = statistics.median(values)
    slow = []
    for i in range(len(hosts)):
        for j in range(i + 1, len(hosts)):
            if bandwidth[i][j] is None or bandwidth[j][i] is None:
                continue
            worst = min(bandwidth[i][j], bandwidth[j][i])
            if worst < fraction * median:
                slow.append((i, j, worst))
    lines = [f"{hosts[i]} <-> {hosts[j]}: {worst:.0f} MB/s, median {median:.0f}: check the cable or the switch port"
             for i, j, worst in slow]
    shared = set.intersection(*({i, j} for i, j, _worst in slow)) if len(slow) > 1 else set()
    if len(shared) == 1:
        lines.append(f"every slow pair includes {hosts[shared.pop()]}: check its cable and switch port first")
    return lines


def line_rate_mbs(speed_mbit: int, mtu: int = 1500) -> float:
    """Return the TCP payload in MB/s that a link of ``speed_mbit`` Mbit/s carries at most with frames of ``mtu``."""
    if speed_mbit < 1 or mtu <= TCP_IP_HEADERS:
        raise ValueError(f"need a speed of at least 1 Mbit/s and an MTU above {TCP_IP_HEADERS}, got {speed_mbit}, {mtu}")
    return speed_mbit / 8 * (mtu - TCP_IP_HEADERS) / (mtu + ETHERNET_OVERHEAD)


def parse_ip_addresses(text: str) -> dict[str, str]:
    """Return {IPv4 address: interface} from the output of ``ip -o -4 address show``."""
    found = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) > 3 and words[2] == "inet":
            found[words[3].split("/")[0]] = words[1].rstrip(":")
    return found


def link(interface: str | None, speed: str | None, mtu: str | None) -> dict[str, Any]:
    """Return a node's link from what the kernel reports: its interface, speed (Mbit/s), MTU and line rate (MB/s).

    A speed the kernel does not know (-1, or no file, as for Wi-Fi) gives no line rate.
    """
    speed_mbit = int(speed) if speed and speed.strip().lstrip("-").isdigit() and int(speed) > 0 else None
    frame = int(mtu) if mtu and mtu.strip().isdigit() else 1500
    return {"interface": interface, "speed_mbit": speed_mbit, "mtu": frame if interface else None,
            "line_rate_mbs": round(line_rate_mbs(speed_mbit, frame), 1) if speed_mbit else None}


def own_link(hostname: str) -> dict[str, Any]:
    """Read this node's link: the interface of the address its name resolves to, with its speed and MTU."""
    import socket
    import subprocess

    def read(path: str) -> str | None:
        try:
            with open(path, encoding="ascii") as handle:
                return handle.read().strip()
        except OSError:
            return None

    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(hostname, None, socket.AF_INET)}
        shown = subprocess.run(["ip", "-o", "-4", "address", "show"], capture_output=True, text=True, timeout=10,
                               check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return link(None, None, None)
    interfaces = parse_ip_addresses(shown)
    interface = next((interfaces[address] for address in sorted(addresses) if address in interfaces
                      and interfaces[address] != "lo"), None)
    if interface is None:
        return link(None, None, None)
    return link(interface, read(f"/sys/class/net/{interface}/speed"), read(f"/sys/class/net/{interface}/mtu"))


def of_line_rate(bandwidth: list[list[float | None]], links: list[dict[str, Any]]) -> list[list[float | None]]:
    """Return each pair's bandwidth as a fraction of the lower line rate of its two nodes (null where unknown)."""
    def rate(i: int, j: int) -> float | None:
        rates = [links[i]["line_rate_mbs"], links[j]["line_rate_mbs"]]
        return min(rates) if None not in rates else None

    return [[None if value is None or rate(i, j) is None else round(value / rate(i, j), 3)
             for j, value in enumerate(row)] for i, row in enumerate(bandwidth)]


def link_notes(links: list[dict[str, Any]], hosts: list[str]) -> list[str]:
    """Name every node whose link negotiated a lower speed than the fastest node's, with what to check."""
    speeds = {host: found["speed_mbit"] for host, found in zip(hosts, links) if found["speed_mbit"]}
    if not speeds:
        return []
    fastest = max(speeds.values())
    return [f"{host}: {links[hosts.index(host)]['interface']} negotiated {speed} Mbit/s, the fastest node "
            f"{fastest} Mbit/s: check its cable (Gigabit needs all eight wires) and its switch port"
            for host, speed in speeds.items() if speed < fastest]


def format_links(hosts: list[str], links: list[dict[str, Any]]) -> str:
    """Return one line per node: its interface, negotiated speed, MTU and line rate, or that the kernel has none."""
    lines = ["links (line rate: the TCP payload the link carries at most)"]
    for host, found in zip(hosts, links):
        if found["line_rate_mbs"] is None:
            lines.append(f"  {host}: {found['interface'] or 'no interface found'}, no speed reported")
        else:
            lines.append(f"  {host}: {found['interface']} {found['speed_mbit']} Mbit/s, MTU {found['mtu']}, "
                         f"line rate {found['line_rate_mbs']:.1f} MB/s")
    return "\n".join(lines)


def format_matrix(title: str, hosts: list[str], values: list[list[float | None]], fmt: str) -> str:
    """Return a small table: a title line, a header of hosts, one row per host."""
    width = max(8, *(len(host) + 1 for host in hosts))
    lines = [title, " " * width + "".join(f"{host:>{width}}" for host in hosts)]
    for host, row in zip(hosts, values):
        cells = "".join(f"{'-':>{width}}" if value is None else f"{format(value, fmt):>{width}}" for value in row)
        lines.append(f"{host:<{width}}" + cells)
    return "\n".join(lines)


def format_result(result: dict[str, Any]) -> str:
    """Return the machine-readable ``RESULT {...}`` line for a result dict."""
    return "RESULT " + json.dumps(result, separators=(",", ":"))


def positive_sizes(text: str) -> list[int]:
    sizes = [int(part) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < MIB:
        raise argparse.ArgumentTypeError(f"sizes are bytes of at least {MIB} (1 MiB), comma-separated, got {text!r}")
    return sizes


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def positive_seconds(text: str) -> float:
    value = float(text)
    if value <= 0 or math.isnan(value):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=positive_sizes, default=[MIB, 4 * MIB],
                        help="bandwidth message sizes in bytes, comma-separated (default: 1 MiB and 4 MiB)")
    parser.add_argument("--latency-iterations", type=positive_int, default=100,
                        help="8-byte round trips per ordered pair (default: 100)")
    parser.add_argument("--bandwidth-iterations", type=positive_int, default=10,
                        help="round trips per ordered pair and size (default: 10)")
    parser.add_argument("--rounds", type=positive_int, default=None,
                        help="measure this many rounds of the tournament, spread over it, so that every node meets "
                             "this many partners (default: every round, every pair)")
    parser.add_argument("--max-seconds", type=positive_seconds, default=None,
                        help="start no round that would end past this many seconds; the first round always runs "
                             "(default: no limit)")
    return parser.parse_args(argv)


def round_trips(comm, peer: int, buffer: bytearray, iterations: int, lead: bool) -> float:
    """Play ``iterations`` round trips with ``peer`` (``lead`` sends first); the median round trip in seconds."""
    from mpi4py import MPI

    message = [buffer, MPI.BYTE]
    times = []
    for turn in range(WARMUP + iterations):
        if lead:
            start = MPI.Wtime()
            comm.Send(message, dest=peer)
            comm.Recv(message, source=peer)
            if turn >= WARMUP:
                times.append(MPI.Wtime() - start)
        else:
            comm.Recv(message, source=peer)
            comm.Send(message, dest=peer)
    return statistics.median(times) if lead else 0.0


def measure(comm, args: argparse.Namespace,
            rounds: list[list[tuple[int, int]]], selected: list[int]) -> tuple[dict[tuple[int, int], dict[int, float]],
                                                                               int, float]:
    """Play the selected rounds until --max-seconds; return this rank's round trips in seconds as the sender, per
    echoer and message size (8 bytes and ``args.sizes``), with the rounds measured and the seconds they took."""
    from mpi4py import MPI

    rank = comm.Get_rank()
    buffers = {size: bytearray(size) for size in [LATENCY_BYTES, *args.sizes]}
    mine: dict[tuple[int, int], dict[int, float]] = {}
    start = MPI.Wtime()
    longest = 0.0
    measured = 0
    for index in selected:
        began = MPI.Wtime()
        partner = next((b if a == rank else a for a, b in rounds[index] if rank in (a, b)), None)
        for sender in sorted({rank, partner}) if partner is not None else []:
            lead = sender == rank
            results = {}
            for size, buffer in buffers.items():
                iterations = args.latency_iterations if size == LATENCY_BYTES else args.bandwidth_iterations
                results[size] = round_trips(comm, partner, buffer, iterations, lead)
            if lead:
                mine[(rank, partner)] = results
        # Rounds do not overlap: a pair of the next round starts when every pair of this one is done.
        comm.Barrier()
        measured += 1
        longest = max(longest, MPI.Wtime() - began)
        if measured == 1 and rank == 0:
            print(describe_pace(longest, len(selected), args.max_seconds), flush=True)
        # Rank 0's clock decides for every rank, so that all stop after the same round.
        if not comm.bcast(keep_going(MPI.Wtime() - start, longest, args.max_seconds) if rank == 0 else None, root=0):
            break
    return mine, measured, MPI.Wtime() - start


def main(argv: list[str] | None = None) -> None:
    from mpi4py import MPI

    args = parse_args(argv)
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    hosts = comm.gather(MPI.Get_processor_name(), root=0)
    links = comm.gather(own_link(MPI.Get_processor_name()), root=0)
    rounds = pair_rounds(size)
    selected = spread(len(rounds), args.rounds)
    if rank == 0:
        print(describe_plan(size, rounds, selected, args), flush=True)
    mine, done, seconds = measure(comm, args, rounds, selected)
    measured = comm.gather(mine, root=0)
    if rank != 0:
        return

    every = {pair: results for part in measured for pair, results in part.items()}
    coverage = describe_coverage(size, rounds, selected, done, seconds, args.max_seconds)
    latency = matrix(size, {pair: results[LATENCY_BYTES] * 1e6 for pair, results in every.items()})
    bandwidth = {str(message): matrix(size, {pair: bandwidth_mbs(message, results[message])
                                             for pair, results in every.items()}, digits=0)
                 for message in args.sizes}
    largest = str(max(args.sizes))
    slow = slow_pairs(bandwidth[largest], hosts)
    fractions = of_line_rate(bandwidth[largest], links)
    notes = link_notes(links, hosts)
    if len(set(hosts)) < len(hosts):
        print("note: some nodes run more than one rank; their pairs measure the node's memory, not the network")
    print(format_matrix(f"latency, round trip of {LATENCY_BYTES} bytes (microseconds)", hosts, latency, ".0f"))
    print(format_matrix(f"bandwidth, {int(largest) // MIB} MiB messages (MB/s)", hosts, bandwidth[largest], ".0f"))
    print(format_links(hosts, links))
    known = off_diagonal(fractions)
    if known:
        print(f"pairs reach {min(known):.0%} to {max(known):.0%} of their line rate with {int(largest) // MIB} MiB "
              "messages")
    which = "every measured pair" if coverage else "every pair"
    print("\n".join(slow) if slow else f"no slow pair: {which} is within half the median bandwidth of {largest} bytes")
    if notes:
        print("\n".join(notes))
    if coverage:
        print(coverage)
    print(format_result({
        "job": "pingpong",
        "ranks": size,
        "hosts": hosts,
        "sizes": args.sizes,
        "latency_us": latency,
        "bandwidth_mbs": bandwidth,
        "median_latency_us": round(statistics.median(off_diagonal(latency)), 1) if every else None,
        "median_bandwidth_mbs": round(statistics.median(off_diagonal(bandwidth[largest]))) if every else None,
        "slow_pairs": slow,
        "links": links,
        "of_line_rate": fractions,
        "link_notes": notes,
        "rounds": {"total": len(rounds), "selected": len(selected), "measured": done, "seconds": round(seconds, 2),
                   "stopped_early": done < len(selected)},
    }), flush=True)


if __name__ == "__main__":
    main()
