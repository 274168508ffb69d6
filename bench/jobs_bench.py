#!/usr/bin/env python3
"""Benchmark: the pingpong and hpl jobs against the real limits, on the virtual cluster (or any cluster).

Usage:
    make bench                      (boots and provisions the virtual cluster first; runs pi_bench.py too)
    bench/jobs_bench.py [--inventory .vcluster/picluster/inventory.yml] [--repeats 3] [--hpl-n 16000]
                        [--scale-n 4000] [--skip-hpl]

Measures, in one run, through run_job.yml as a user runs it and with the C tools Debian ships for it:
- ping-pong between the first two nodes: MPI (pingpong.py: median round trip of 8 bytes, one-way bandwidth of
  1 and 4 MiB messages in half a round trip) against `sockperf ping-pong` (TCP, median round trip of its smallest
  message, 14 bytes), `qperf` (tcp_lat, tcp_bw with 1 and 4 MiB messages) and `iperf3` (one TCP stream) between
  the same two nodes, each installed by this bench on those two nodes only; the Python socket ping-pong
  (bench/tcp_pingpong.py) stays as an extra row. Medians of --repeats interleaved runs. Goals: MPI's round trip at
  most 1.3x sockperf's, MPI's 4 MiB bandwidth at least 90% of the best C tool's.
- HPL on one node, one rank per host core, at N of at least 16,000 (--hpl-n): its efficiency against StarDGEMM x
  ranks (goal: at least 85%); then 4 ranks on 1, 2 and 4 nodes at --scale-n (what the network costs).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from pi_bench import PROJECT, run_job  # bench/ is this script's directory, first on the import path

TCP_PINGPONG = PROJECT / "bench/tcp_pingpong.py"
MIB = 1 << 20
SIZES = (MIB, 4 * MIB)
TOOLS = "sockperf,qperf,iperf3"
SOCKPERF_PORT, QPERF_PORT, IPERF3_PORT = 11111, 19765, 5201
SOCKPERF_BYTES = 14  # sockperf's smallest message: its own header
GOALS = {"round trip": 1.3, "bandwidth": 0.9, "hpl": 0.85}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def nodes(inventory: Path) -> list[str]:
    listed = subprocess.run(["ansible-inventory", "-i", str(inventory), "--list"], capture_output=True, text=True,
                            check=True).stdout
    return json.loads(listed)["cluster"]["hosts"]


def on_node(inventory: Path, node: str, module: str, args: str) -> str:
    """Run one module on one node as root with Ansible, as the collection reaches nodes; its stdout."""
    env = {**os.environ, "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.minimal", "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
           "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0"}
    done = subprocess.run(["ansible", "-i", str(inventory), node, "-b", "-m", module, "-a", args], cwd=PROJECT,
                          env=env, capture_output=True, text=True, check=False)
    header, _newline, rest = done.stdout.partition("\n")
    # The minimal callback prints `node | CHANGED | rc=0 >>` and the output for a command, `node | OK => {...}` else.
    if " >>" in header:
        result = {"stdout": rest.rstrip("\n"), "stderr": done.stderr}
    else:
        try:
            result = json.loads(done.stdout.partition(" => ")[2])
        except ValueError:
            sys.exit(f"{module} on {node} gave no result:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    if done.returncode != 0:
        sys.exit(f"{module} {args} on {node} failed: {result.get('msg', '')} {result.get('stdout', '')[-1500:]} "
                 f"{result.get('stderr', '')[-1500:]}")
    return result.get("stdout", "")


# --- what the C tools print ----------------------------------------------------------------------------------------


def sockperf_median_rtt_us(output: str) -> float:
    """The median round trip in microseconds of `sockperf ping-pong --full-rtt`."""
    found = re.search(r"percentile 50\.000 =\s*([0-9.]+)", output)
    if not found:
        raise ValueError(f"no median in sockperf's output:\n{output[-1500:]}")
    return float(found.group(1))


def qperf_values(output: str) -> dict[str, float]:
    """qperf's tcp_lat (one way, us) and tcp_bw (MB/s) from its output, converted from the units it chose."""
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "sec": 1e6, "KB/sec": 1e-3, "MB/sec": 1.0, "GB/sec": 1e3}
    found = {}
    for test, value, unit in re.findall(r"(tcp_lat|tcp_bw):\s*\w+\s*=\s*([0-9.]+) (\S+)", output):
        found[test] = float(value) * scale[unit]
    return found


def iperf3_mbs(output: str) -> float:
    """The received bandwidth in MB/s of an iperf3 -J run."""
    return json.loads(output)["end"]["sum_received"]["bits_per_second"] / 8e6


# --- the network ---------------------------------------------------------------------------------------------------


def c_tools_once(inventory: Path, client: str, server: str, address: str) -> dict[str, float]:
    """One round of the C tools from client to server: sockperf, qperf and iperf3, each against a fresh server."""
    background = "setsid nohup timeout 120 {} >/dev/null 2>&1 </dev/null &"
    on_node(inventory, server, "ansible.builtin.shell",
            background.format(f"sockperf server --tcp -i {address} -p {SOCKPERF_PORT}") + "\n"
            + background.format(f"qperf -lp {QPERF_PORT}") + "\n"
            + f"iperf3 -s -1 -D -B {address} -p {IPERF3_PORT}\nsleep 1")
    sockperf = on_node(inventory, client, "ansible.builtin.command",
                       f"sockperf ping-pong --tcp -i {address} -p {SOCKPERF_PORT} -m {SOCKPERF_BYTES} -t 5 --full-rtt")
    measured = {"sockperf round trip": sockperf_median_rtt_us(sockperf)}
    latency = qperf_values(on_node(inventory, client, "ansible.builtin.command",
                                   f"qperf -lp {QPERF_PORT} {address} tcp_lat"))
    measured["qperf round trip"] = 2 * latency["tcp_lat"]
    for size in SIZES:
        bandwidth = qperf_values(on_node(inventory, client, "ansible.builtin.command",
                                         f"qperf -lp {QPERF_PORT} -m {size} {address} tcp_bw"))
        measured[f"qperf {size}"] = bandwidth["tcp_bw"]
    measured["iperf3"] = iperf3_mbs(on_node(inventory, client, "ansible.builtin.command",
                                            f"iperf3 -c {address} -p {IPERF3_PORT} -t 5 -J"))
    on_node(inventory, server, "ansible.builtin.command", "pkill --full '^timeout 120 (sockperf|qperf)'")
    return measured


def ping_pong(inventory: Path, results: Path, pair: list[str], repeats: int) -> dict[str, dict[str, float]]:
    """Medians of `repeats` interleaved runs of MPI, the C tools and the Python socket between the pair."""
    client, server = pair
    log(f"installing {TOOLS} on {client} and {server} ...")
    for node in pair:
        on_node(inventory, node, "ansible.builtin.apt", f"name={TOOLS} state=present install_recommends=false")
    address = on_node(inventory, client, "ansible.builtin.command", f"getent ahostsv4 {server}").split()[0]
    where = ["-e", f"nodes={','.join(pair)}", "-e", "np=2", "-e", "map_by=node"]
    runs: dict[str, list[float]] = {}
    for attempt in range(repeats):
        log(f"ping-pong {client} -> {server} ({address}), run {attempt + 1}/{repeats} ...")
        mpi = run_job(inventory, results, "-e", "job=pingpong", *where)
        found = {"MPI round trip": mpi["latency_us"][0][1],
                 **{f"MPI {size}": mpi["bandwidth_mbs"][str(size)][0][1] for size in SIZES},
                 "line rate": min((link or {}).get("line_rate_mbs") or 0 for link in mpi.get("links") or [{}])}
        found.update(c_tools_once(inventory, client, server, address))
        python = run_job(inventory, results, "-e", f"job_script={TCP_PINGPONG}", *where)
        found["Python round trip"] = python["latency_us"]
        found.update({f"Python {size}": python["bandwidth_mbs"][str(size)] for size in SIZES})
        for key, value in found.items():
            runs.setdefault(key, []).append(value)
    return {"medians": {key: statistics.median(values) for key, values in runs.items()}, "address": address}


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def report_network(pair: list[str], repeats: int, medians: dict[str, float]) -> None:
    print(f"\nping-pong {pair[0]} -> {pair[1]}, medians of {repeats} interleaved runs")
    print(f"{'':<26} {'round trip (us)':>16} {'1 MiB (MB/s)':>13} {'4 MiB (MB/s)':>13}")

    def row(label: str, trip: float | None, small: float | None, large: float | None) -> None:
        cells = [f"{value:>{width}.1f}" if value is not None else f"{'-':>{width}}"
                 for value, width in ((trip, 16), (small, 13), (large, 13))]
        print(f"{label:<26} {' '.join(cells)}")

    row("MPI (pingpong.py), 8 B", medians["MPI round trip"], medians[f"MPI {MIB}"], medians[f"MPI {4 * MIB}"])
    row(f"sockperf (TCP), {SOCKPERF_BYTES} B", medians["sockperf round trip"], None, None)
    row("qperf (TCP), 1 B", medians["qperf round trip"], medians[f"qperf {MIB}"], medians[f"qperf {4 * MIB}"])
    row("iperf3 (one TCP stream)", None, None, medians["iperf3"])
    row("Python socket, 8 B", medians["Python round trip"], medians[f"Python {MIB}"], medians[f"Python {4 * MIB}"])
    trip = medians["MPI round trip"] / medians["sockperf round trip"]
    best_tool, best = max((("qperf", medians[f"qperf {4 * MIB}"]), ("iperf3", medians["iperf3"])),
                          key=lambda pair: pair[1])
    share = medians[f"MPI {4 * MIB}"] / best
    print(f"MPI round trip {trip:.2f}x sockperf's (goal at most {GOALS['round trip']}x: "
          f"{verdict(trip <= GOALS['round trip'])}); MPI 4 MiB bandwidth {share:.0%} of {best_tool}'s "
          f"(goal at least {GOALS['bandwidth']:.0%}: {verdict(share >= GOALS['bandwidth'])})")
    if medians["line rate"]:
        print(f"line rate of the pair's links (what the kernel reports): {medians['line rate']:.1f} MB/s; MPI 4 MiB "
              f"reaches {medians[f'MPI {4 * MIB}'] / medians['line rate']:.0%} of it")


# --- HPL -----------------------------------------------------------------------------------------------------------


def hpl(inventory: Path, results: Path, n: int, ranks: int, on: list[str]) -> dict:
    log(f"HPL N={n}, {ranks} ranks on {', '.join(on)} ...")
    return run_job(inventory, results, "-e", "job=hpl", "-e", f"hpl_n={n}", "-e", "hpl_nb=192", "-e", f"np={ranks}",
                   "-e", f"nodes={','.join(on)}", "-e", "map_by=node", "-e", "job_timeout=7200")


def report_hpl(inventory: Path, results: Path, cluster: list[str], n: int, scale_n: int) -> None:
    cores = os.cpu_count() or 1
    single = hpl(inventory, results, n, cores, cluster[:1])
    print(f"\nHPL N={n}, NB=192, one rank per host core ({cores}) on {cluster[0]}: {single['gflops']:.2f} Gflops in "
          f"{single['time_s']:.1f} s, {single['efficiency']:.0%} of StarDGEMM x ranks "
          f"({single['star_dgemm_gflops']:.2f} Gflops per rank; goal at least {GOALS['hpl']:.0%}: "
          f"{verdict(single['efficiency'] >= GOALS['hpl'])})")
    print(f"\nHPL N={scale_n}, NB=192, 4 ranks")
    print(f"{'nodes':>5} {'Gflops':>8} {'efficiency':>11} {'HPL time s':>11}")
    for count in (1, 2, 4):
        result = hpl(inventory, results, scale_n, 4, cluster[:count])
        print(f"{count:>5} {result['gflops']:>8.2f} {result['efficiency']:>11.0%} {result['time_s']:>11.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--inventory", type=Path, default=PROJECT / ".vcluster/picluster/inventory.yml")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hpl-n", type=int, default=16000)
    parser.add_argument("--scale-n", type=int, default=4000)
    parser.add_argument("--skip-hpl", action="store_true", help="measure the network only")
    args = parser.parse_args()
    cluster = nodes(args.inventory)
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp)
        measured = ping_pong(args.inventory, results, cluster[:2], args.repeats)
        report_network(cluster[:2], args.repeats, measured["medians"])
        if not args.skip_hpl:
            report_hpl(args.inventory, results, cluster, args.hpl_n, args.scale_n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
