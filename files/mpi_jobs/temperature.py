"""Report the host name and CPU temperature seen by every rank.

Each rank reads its node's temperature from ``vcgencmd measure_temp`` (the
Raspberry Pi firmware tool) when it is installed and answers, otherwise from
the first readable ``/sys/class/thermal/thermal_zone*/temp`` (millidegrees
Celsius), otherwise reports "n/a".  A missing or broken sensor never stops the
job.  Rank 0 gathers the readings and prints one line per node, so the ranks
sharing a host are shown once.

Usage::

    mpirun -np 16 -machinefile ~/machinefile python3 -m mpi4py temperature.py

Only rank 0 prints: one line per node, then one machine-readable line
``RESULT {...}`` (compact JSON with the keys job, ranks, nodes mapping each
host to degrees Celsius or null, sources and ranks_per_node).
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import re
import shutil
import subprocess
from typing import Any, Optional

THERMAL_GLOB = "/sys/class/thermal/thermal_zone*/temp"
TIMEOUT_S = 5.0
# Readings outside this range come from unconnected or faulty sensors.
PLAUSIBLE_C = (-60.0, 200.0)

_VCGENCMD = re.compile(r"temp=\s*([-+]?\d+(?:\.\d+)?)\s*'?C")
_ZONE_NUMBER = re.compile(r"thermal_zone(\d+)")

# (degrees Celsius or None, where it came from or None)
Reading = tuple[Optional[float], Optional[str]]


def _plausible(celsius: float) -> float | None:
    low, high = PLAUSIBLE_C
    return celsius if math.isfinite(celsius) and low <= celsius <= high else None


def parse_vcgencmd(text: str) -> float | None:
    """Parse ``vcgencmd measure_temp`` output such as ``temp=47.2'C``; None if it is not that."""
    match = _VCGENCMD.search(text)
    return _plausible(float(match.group(1))) if match else None


def parse_millidegrees(text: str) -> float | None:
    """Parse a sysfs thermal reading such as ``47212`` (millidegrees); None if it is not that."""
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return _plausible(value / 1000.0)


def read_vcgencmd(command: str = "vcgencmd", timeout: float = TIMEOUT_S) -> float | None:
    """Ask the Pi firmware for the SoC temperature; None when the tool is missing or fails."""
    if shutil.which(command) is None:
        return None
    try:
        completed = subprocess.run([command, "measure_temp"], capture_output=True, text=True,
                                   timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    # Without access to /dev/vchiq vcgencmd fails but may still exit 0, so trust the parse only.
    return parse_vcgencmd(completed.stdout)


def _zone_number(path: str) -> int:
    match = _ZONE_NUMBER.search(path)
    return int(match.group(1)) if match else 1 << 30


def read_thermal_zones(pattern: str = THERMAL_GLOB) -> Reading:
    """Return the first plausible sysfs thermal zone reading, lowest zone number first."""
    # thermal_zone0 is the CPU on a Pi; numeric order keeps zone10 after zone2.
    for path in sorted(glob.glob(pattern), key=_zone_number):
        try:
            with open(path, encoding="ascii") as handle:
                celsius = parse_millidegrees(handle.read())
        except (OSError, ValueError):
            # Some drivers' zones fail to read (e.g. ENODATA while a device sleeps).
            continue
        if celsius is not None:
            return celsius, os.path.basename(os.path.dirname(path)) or path
    return None, None


def read_temperature(vcgencmd: str = "vcgencmd", pattern: str = THERMAL_GLOB) -> Reading:
    """Return this node's temperature and its source, trying vcgencmd, then sysfs."""
    celsius = read_vcgencmd(vcgencmd)
    if celsius is not None:
        return celsius, "vcgencmd"
    return read_thermal_zones(pattern)


def summarize_nodes(reports: list[tuple[int, str, float | None, str | None]]) -> dict[str, dict[str, Any]]:
    """Fold per-rank ``(rank, host, celsius, source)`` reports into one entry per host.

    Hosts keep the order of their lowest rank; a host's reading is the first
    one, in rank order, that is not None.
    """
    nodes: dict[str, dict[str, Any]] = {}
    for rank, host, celsius, source in sorted(reports, key=lambda report: report[0]):
        node = nodes.setdefault(host, {"celsius": None, "source": None, "ranks": []})
        node["ranks"].append(rank)
        if node["celsius"] is None and celsius is not None:
            node["celsius"] = celsius
            node["source"] = source
    return nodes


def format_celsius(celsius: float | None) -> str:
    return "n/a" if celsius is None else f"{celsius:.1f} C"


def format_result(result: dict[str, Any]) -> str:
    """Return the machine-readable ``RESULT {...}`` line for a result dict."""
    return "RESULT " + json.dumps(result, separators=(",", ":"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vcgencmd", default="vcgencmd",
                        help="vcgencmd command to try first (default: %(default)s)")
    parser.add_argument("--thermal-glob", default=THERMAL_GLOB,
                        help="sysfs files to try next (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    # Imported here rather than at the top so the pure functions load without mpi4py (unit tests).
    from mpi4py import MPI

    args = parse_args(argv)
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    size = comm.Get_size()

    try:
        celsius, source = read_temperature(args.vcgencmd, args.thermal_glob)
    except Exception:  # noqa: BLE001 - one odd sensor must not abort every rank of the job
        celsius, source = None, None
    reports = comm.gather((rank, MPI.Get_processor_name(), celsius, source), root=0)
    if rank != 0:
        return

    nodes = summarize_nodes(reports)
    for host, node in nodes.items():
        origin = f"{node['source']}; " if node["source"] else ""
        ranks = ("ranks " if len(node["ranks"]) > 1 else "rank ") + ", ".join(str(r) for r in node["ranks"])
        print(f"{host}: {format_celsius(node['celsius'])} ({origin}{ranks})")
    print(format_result({
        "job": "temperature",
        "ranks": size,
        "nodes": {host: node["celsius"] for host, node in nodes.items()},
        "sources": {host: node["source"] for host, node in nodes.items()},
        "ranks_per_node": {host: node["ranks"] for host, node in nodes.items()},
    }), flush=True)


if __name__ == "__main__":
    main()
