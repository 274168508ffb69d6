"""A Raspberry Pi's own sensors, read with `vcgencmd`: the throttle flags, the SoC temperature, the ARM clock and
its maximum, and on boards with a power management IC that reports them (Pi 5, CM5) the power of its rails.

One reader for the whole collection: the node_health module imports it (check.yml), and the monitoring role copies
this file to every node, where a systemd timer runs it as the collector that turns the readings into metrics for
node_exporter's textfile collector:

    python3 pi_sensors.py --output /var/lib/prometheus/node-exporter/picluster_pi.prom

It needs nothing but Python's standard library. Off a Pi (no vcgencmd) it writes only that vcgencmd is missing:
node_exporter's own thermal_zone collector reports the temperatures the kernel offers, and nothing is made up.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile

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


def _labels(labels: dict) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{value}"' for key, value in sorted(labels.items())) + "}"


def render(found: list) -> str:
    """The Prometheus text format of samples(), each metric's HELP and TYPE once."""
    lines, described = [], set()
    for name, labels, value, text in found:
        if name not in described:
            described.add(name)
            lines += [f"# HELP {PREFIX}{name} {text}", f"# TYPE {PREFIX}{name} gauge"]
        lines.append(f"{PREFIX}{name}{_labels(labels)} {value:g}" if isinstance(value, float)
                     else f"{PREFIX}{name}{_labels(labels)} {value}")
    return "\n".join(lines) + "\n"


def read_outputs(vcgencmd: str | None, timeout: float = 10) -> dict | None:
    """vcgencmd's output for every reading, None for one that failed; None for all when there is no vcgencmd."""
    if not vcgencmd:
        return None
    outputs = {}
    for name, argv in COMMANDS.items():
        try:
            done = subprocess.run([vcgencmd, *argv], capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            outputs[name] = None
            continue
        outputs[name] = done.stdout if done.returncode == 0 else None
    return outputs


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
    parser.add_argument("--output", required=True,
                        help="the .prom file to write, in node_exporter's textfile directory")
    parser.add_argument("--vcgencmd", default=None, help="vcgencmd's path (default: found on " + SEARCH_PATH + ")")
    args = parser.parse_args(argv)
    vcgencmd = args.vcgencmd or shutil.which("vcgencmd", path=SEARCH_PATH)
    write_atomically(args.output, render(samples(read_outputs(vcgencmd))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
