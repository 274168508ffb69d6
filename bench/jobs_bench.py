#!/usr/bin/env python3
"""Benchmark: the pingpong and hpl jobs against their limits on the virtual cluster.

Usage:
    make bench                      (boots and provisions the virtual cluster first; runs pi_bench.py too)
    bench/jobs_bench.py [--inventory .vcluster/picluster/inventory.yml] [--repeats 3] [--hpl-n 4000]

Measures, through run_job.yml as a user runs it:
- ping-pong between the first two nodes through MPI (pingpong.py) against a plain TCP socket ping-pong
  between the same two nodes (bench/tcp_pingpong.py, the limit of that network): round trip of 8 bytes and
  bandwidth of 4 MiB messages, medians of --repeats interleaved runs;
- HPL's efficiency against StarDGEMM x ranks with one rank per host core on one node, and HPL's Gflops with the
  same 4 ranks on 1, 2 and 4 nodes (what the network costs).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from pi_bench import PROJECT, run_job  # bench/ is this script's directory, first on the import path

TCP_PINGPONG = PROJECT / "bench/tcp_pingpong.py"
MIB4 = str(4 << 20)


def nodes(inventory: Path) -> list[str]:
    listed = subprocess.run(["ansible-inventory", "-i", str(inventory), "--list"], capture_output=True, text=True,
                            check=True).stdout
    return json.loads(listed)["cluster"]["hosts"]


def ping_pong(inventory: Path, results: Path, pair: list[str], repeats: int) -> dict[str, tuple[float, float]]:
    where = ["-e", f"nodes={','.join(pair)}", "-e", "np=2", "-e", "map_by=node"]
    runs: dict[str, list[tuple[float, float]]] = {"MPI (pingpong.py)": [], "TCP socket": []}
    for attempt in range(repeats):
        print(f"[bench] ping-pong {pair[0]} -> {pair[1]}, run {attempt + 1}/{repeats} ...", file=sys.stderr, flush=True)
        mpi = run_job(inventory, results, "-e", "job=pingpong", *where)
        runs["MPI (pingpong.py)"].append((mpi["latency_us"][0][1], mpi["bandwidth_mbs"][MIB4][0][1]))
        tcp = run_job(inventory, results, "-e", f"job_script={TCP_PINGPONG}", *where)
        runs["TCP socket"].append((tcp["latency_us"], tcp["bandwidth_mbs"][MIB4]))
    return {label: (statistics.median(r[0] for r in found), statistics.median(r[1] for r in found))
            for label, found in runs.items()}


def hpl(inventory: Path, results: Path, n: int, ranks: int, on: list[str]) -> dict:
    print(f"[bench] HPL N={n}, {ranks} ranks on {', '.join(on)} ...", file=sys.stderr, flush=True)
    return run_job(inventory, results, "-e", "job=hpl", "-e", f"hpl_n={n}", "-e", "hpl_nb=128", "-e", f"np={ranks}",
                   "-e", f"nodes={','.join(on)}", "-e", "map_by=node")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--inventory", type=Path, default=PROJECT / ".vcluster/picluster/inventory.yml")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hpl-n", type=int, default=4000)
    args = parser.parse_args()
    cluster = nodes(args.inventory)
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp)
        pairs = ping_pong(args.inventory, results, cluster[:2], args.repeats)
        (mpi_latency, mpi_bandwidth), (tcp_latency, tcp_bandwidth) = pairs.values()
        print(f"\nping-pong {cluster[0]} -> {cluster[1]}, medians of {args.repeats} runs")
        print(f"{'':<18} {'round trip 8 B (us)':>20} {'bandwidth 4 MiB (MB/s)':>23}")
        for label, (latency, bandwidth) in pairs.items():
            print(f"{label:<18} {latency:>20.1f} {bandwidth:>23.0f}")
        print(f"{'MPI / TCP':<18} {mpi_latency / tcp_latency:>19.2f}x {mpi_bandwidth / tcp_bandwidth:>22.0%}")

        cores = os.cpu_count() or 1
        single = hpl(args.inventory, results, args.hpl_n, cores, cluster[:1])
        print(f"\nHPL N={args.hpl_n}, NB=128, one rank per host core ({cores}) on {cluster[0]}: "
              f"{single['gflops']:.2f} Gflops, {single['efficiency']:.0%} of StarDGEMM x ranks "
              f"({single['star_dgemm_gflops']:.2f} Gflops per rank)")
        print(f"\nHPL N={args.hpl_n}, NB=128, 4 ranks")
        print(f"{'nodes':>5} {'Gflops':>8} {'efficiency':>11} {'HPL time s':>11}")
        for count in (1, 2, 4):
            result = hpl(args.inventory, results, args.hpl_n, 4, cluster[:count])
            print(f"{count:>5} {result['gflops']:>8.2f} {result['efficiency']:>11.0%} {result['time_s']:>11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
