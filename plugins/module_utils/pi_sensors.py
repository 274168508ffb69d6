"""A Raspberry Pi's own sensors, read with `vcgencmd`: the throttle flags, the SoC temperature, the ARM clock and
its maximum, and on boards with a power management IC that reports them (Pi 5, CM5) the power of its rails.

One reader for the whole collection: the node_health module imports it (check.yml), and the monitoring role copies
this file to every node, where a systemd timer runs it as the collector that turns the readings into metrics for
node_exporter's textfile collector:

    python3 pi_sensors.py --output /var/lib/prometheus/node-exporter/picluster_pi.prom

It needs nothing but Python's standard library (and slurm_states.py, which the role copies beside it). Off a Pi (no
vcgencmd) it writes only that vcgencmd is missing: node_exporter's own thermal_zone collector reports the temperatures
the kernel offers, and nothing is made up.

With Slurm, on the head node `--slurm-states` adds every node's state in Slurm to the metrics; and on every node Slurm
itself runs it as its HealthCheckProgram (`--slurm-health NODE`): a node throttled now is drained, with what throttles
it as the reason, and resumed once it is not. A node someone else drained is left as it is.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    from ansible_collections.picluster.mpi.plugins.module_utils.slurm_states import (
        SINFO_NODES,
        is_drained,
        is_up,
        node_states,
    )
except ImportError:  # on a node, run as a program: slurm_states.py is beside this file
    from slurm_states import SINFO_NODES, is_drained, is_up, node_states  # type: ignore[no-redef]

# The bits of `vcgencmd get_throttled` (Raspberry Pi documentation): the low ones hold now, the same bits 16 higher
# say it has happened since boot.
THROTTLE_FLAGS = [(0, "under-voltage"), (1, "frequency capped"), (2, "throttled"), (3, "soft temperature limit")]
SINCE_BOOT_SHIFT = 16
# Where vcgencmd is: on PATH, or in /opt/vc/bin on older Raspberry Pi OS releases.
SEARCH_PATH = "/usr/bin:/bin:/usr/local/bin:/opt/vc/bin"
# What the collector asks vcgencmd, by the name its reading goes under.
COMMANDS = {
    "throttled": ["get_throttled"],
    "temperature": ["measure_temp"],
    "clock": ["measure_clock", "arm"],
    "clock_max": ["get_config", "arm_freq"],
    "pmic": ["pmic_read_adc"],
}
PREFIX = "picluster_pi_"
SLURM_PREFIX = "picluster_slurm_"
# How the health check's drains begin: a drain whose reason begins otherwise is someone else's, and stays.
DRAIN_MARK = "picluster:"


def decode_throttled(value: int) -> dict:
    """The flags of a `get_throttled` value in words: those that hold now and those that happened since boot."""
    return {
        "now": [word for bit, word in THROTTLE_FLAGS if value >> bit & 1],
        "since_boot": [word for bit, word in THROTTLE_FLAGS if value >> (bit + SINCE_BOOT_SHIFT) & 1],
    }


def parse_throttled(text: str) -> int | None:
    """The value of `vcgencmd get_throttled` output (`throttled=0x50005`), None when it is not one."""
    found = re.search(r"throttled=(0x[0-9a-fA-F]+)", text)
    return int(found.group(1), 16) if found else None


def parse_temperature(text: str) -> float | None:
    """Degrees Celsius from `vcgencmd measure_temp` output (`temp=48.3'C`)."""
    found = re.search(r"temp=(-?[0-9.]+)", text)
    return float(found.group(1)) if found else None


def parse_clock(text: str) -> int | None:
    """Hertz from `vcgencmd measure_clock arm` output (`frequency(48)=1500398464`)."""
    found = re.search(r"frequency\(\d+\)=(\d+)", text)
    return int(found.group(1)) if found else None


def parse_clock_max(text: str) -> int | None:
    """Hertz from `vcgencmd get_config arm_freq` output (`arm_freq=1800`, in MHz)."""
    found = re.search(r"arm_freq=(\d+)", text)
    return int(found.group(1)) * 1_000_000 if found else None


def parse_pmic(text: str) -> dict:
    """Each rail's current and voltage from `vcgencmd pmic_read_adc` (`VDD_CORE_A current(7)=0.75A`, `VDD_CORE_V
    volt(15)=0.87V`). A rail is named by its label without the _A or _V: the numbers in brackets are ADC channels,
    which differ between a rail's current and its voltage."""
    rails: dict = {}
    for label, kind, value in re.findall(r"(\w+)_[AV] (current|volt)\(\d+\)=([0-9.]+)[AV]", text):
        rails.setdefault(label, {})["amps" if kind == "current" else "volts"] = float(value)
    return rails


def pmic_power(rails: dict) -> float | None:
    """The watts of every rail that reports both its current and its voltage: the power the PMIC delivers on the
    board. It leaves out what the board passes straight from its 5 V input (USB devices, the fan, HATs). None when no
    rail reports both."""
    watts = [rail["amps"] * rail["volts"] for rail in rails.values() if "amps" in rail and "volts" in rail]
    return sum(watts) if watts else None


def samples(outputs: dict) -> list:
    """The metrics of vcgencmd's outputs (`outputs[name]` is the text of COMMANDS[name], or None when it failed or
    is not there): (name, labels, value, help) each; only what the board reported."""
    if outputs is None:
        return [("vcgencmd_available", {}, 0, "Whether the node has vcgencmd (a Raspberry Pi).")]
    found = [("vcgencmd_available", {}, 1, "Whether the node has vcgencmd (a Raspberry Pi).")]
    value = parse_throttled(outputs.get("throttled") or "")
    if value is not None:
        flags = decode_throttled(value)
        for when in ("now", "since_boot"):
            found += [("throttled", {"flag": word, "when": when}, int(word in flags[when]),
                       "vcgencmd get_throttled: 1 where the flag holds now, or has held since boot.")
                      for _bit, word in THROTTLE_FLAGS]
    readings = [
        ("soc_temperature_celsius", parse_temperature(outputs.get("temperature") or ""),
         "The SoC's temperature (vcgencmd measure_temp)."),
        ("arm_clock_hertz", parse_clock(outputs.get("clock") or ""),
         "The ARM cores' clock now (vcgencmd measure_clock arm)."),
        ("arm_clock_max_hertz", parse_clock_max(outputs.get("clock_max") or ""),
         "The ARM cores' highest clock (vcgencmd get_config arm_freq)."),
    ]
    rails = parse_pmic(outputs.get("pmic") or "")
    readings += [
        ("pmic_power_watts", pmic_power(rails),
         "The power the PMIC delivers on the board, summed over its rails (vcgencmd pmic_read_adc; Pi 5 and CM5)."),
        ("input_volts", rails.get("EXT5V", {}).get("volts"), "The board's 5 V input (vcgencmd pmic_read_adc EXT5V_V)."),
    ]
    return found + [(name, {}, reading, text) for name, reading, text in readings if reading is not None]


def slurm_samples(sinfo: str | None) -> list:
    """The metrics of Slurm's node states (sinfo's SINFO_NODES output, None when sinfo did not answer): whether
    slurmctld answered, and per node (label slurm_node: the series' own node label is the head node's, which asked)
    1 where Slurm runs jobs, 0 where not, with its state and reason."""
    answered = [("controller_answers", {}, int(sinfo is not None), "Whether slurmctld answered sinfo on the head node.")]
    return answered + [
        ("node_up", {"slurm_node": name, "state": state, "reason": reason}, int(is_up(state)),
         "1 where Slurm runs jobs on the node (sinfo), 0 where it does not; its state and reason as labels.")
        for name, (state, reason) in sorted(node_states(sinfo).items())]


def health_action(throttled: int | None, state: str, reason: str) -> tuple | None:
    """What Slurm's health check does to a node whose `get_throttled` value is throttled (None: unknown) and whose
    Slurm state and reason are these: ("drain", reason) for a node throttled now, ("resume", the reason it clears)
    for one it drained that is not throttled any more, None to leave it as it is."""
    if throttled is None:
        return None
    now = decode_throttled(throttled)["now"]
    ours = reason.startswith(DRAIN_MARK)
    if now:
        wanted = f"{DRAIN_MARK} throttled now ({', '.join(sorted(now))})"
        if is_drained(state) and (reason == wanted or not ours):
            return None
        return ("drain", wanted)
    if is_drained(state) and ours:
        return ("resume", reason)
    return None


def _labels(labels: dict) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in sorted(labels.items())) + "}"


def _escape(value) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(found: list, prefix: str = PREFIX) -> str:
    """The Prometheus text format of samples() (or slurm_samples(), with SLURM_PREFIX), each metric's HELP and TYPE
    once."""
    lines, described = [], set()
    for name, labels, value, text in found:
        if name not in described:
            described.add(name)
            lines += [f"# HELP {prefix}{name} {text}", f"# TYPE {prefix}{name} gauge"]
        lines.append(f"{prefix}{name}{_labels(labels)} {value:g}" if isinstance(value, float)
                     else f"{prefix}{name}{_labels(labels)} {value}")
    return "\n".join(lines) + "\n"


def read_outputs(vcgencmd: str | None, timeout: float = 10) -> dict | None:
    """vcgencmd's output for every reading, None for one that failed; None for all when there is no vcgencmd."""
    if not vcgencmd:
        return None
    return {name: run([vcgencmd, *argv], timeout) for name, argv in COMMANDS.items()}


def run(argv: list, timeout: float = 10) -> str | None:
    """A command's output, None when it failed, timed out or is not there."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def slurm_health(node: str, vcgencmd: str | None) -> str:
    """Slurm's health check of this node: drain or resume it as health_action() says; what it did, in words."""
    throttled = parse_throttled(run([vcgencmd, *COMMANDS["throttled"]]) or "") if vcgencmd else None
    state, reason = node_states(run([*SINFO_NODES, "--nodes", node])).get(node, ("", ""))
    action = health_action(throttled, state, reason) if state else None
    if action is None:
        return f"{node}: left as it is ({state or 'not known to Slurm'})"
    verb, why = action
    update = ["scontrol", "update", f"NodeName={node}", f"State={verb.upper()}"]
    done = run(update + ([f"Reason={why}"] if verb == "drain" else []))
    return f"{node}: {verb} ({why})" + ("" if done is not None else ": scontrol failed")


def write_atomically(path: str, text: str) -> None:
    """Replace path at once: node_exporter never reads a half-written file."""
    directory = os.path.dirname(path) or "."
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".picluster_pi.", suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        stream.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--output", help="the .prom file to write, in node_exporter's textfile directory")
    mode.add_argument("--slurm-health", metavar="NODE",
                      help="run as Slurm's HealthCheckProgram on the node of this Slurm name: drain it while it is "
                           "throttled, resume it after")
    parser.add_argument("--slurm-states", action="store_true",
                        help="with --output, on the head node: add every node's state in Slurm")
    parser.add_argument("--vcgencmd", default=None, help="vcgencmd's path (default: found on " + SEARCH_PATH + ")")
    args = parser.parse_args(argv)
    vcgencmd = args.vcgencmd or shutil.which("vcgencmd", path=SEARCH_PATH)
    if args.slurm_health:
        # Always 0: slurmd does not register until its health check has once exited 0.
        # slurmd logs what its health check printed only at debug levels: stdout is for a person running it.
        sys.stdout.write(slurm_health(args.slurm_health, vcgencmd) + "\n")
        return 0
    text = render(samples(read_outputs(vcgencmd)))
    if args.slurm_states:
        text += render(slurm_samples(run(SINFO_NODES)), SLURM_PREFIX)
    write_atomically(args.output, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
