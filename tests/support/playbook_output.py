"""Reading ansible-playbook's output, for every suite and benchmark that runs playbooks.

Import-safe anywhere: no environment is read and nothing runs when this module is imported.
"""
from __future__ import annotations

import os
import re

_RECAP_LINE = re.compile(r"^(\S+)\s+:\s+(ok=.*)$", re.MULTILINE)
_COUNTER = re.compile(r"(\w+)=(\d+)")


def plain_output_env(**extra: str) -> dict[str, str]:
    """This process's environment with colour turned off, so the output can be parsed; `extra` on top."""
    return {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", **extra}


def recap(output: str) -> dict[str, dict[str, int]]:
    """The counters of a playbook's recap, per host: {"rpi-0": {"ok": 41, "changed": 0, "failed": 0, ...}}."""
    return {
        host: {key: int(value) for key, value in _COUNTER.findall(counters)}
        for host, counters in _RECAP_LINE.findall(output)
    }


def changed_hosts(output: str) -> dict[str, int]:
    """The hosts whose recap counts a change, with their count: empty when the run changed nothing."""
    return {host: counters["changed"] for host, counters in recap(output).items() if counters.get("changed")}


def failed_task(output: str, host: str) -> str | None:
    """The header line of the task or handler at which `host` failed, or None when it did not fail."""
    task = None
    for line in output.splitlines():
        if line.startswith(("TASK [", "RUNNING HANDLER [")):
            task = line
        elif line.startswith(f"fatal: [{host}]"):
            return task
    return None


def failure_lines(output: str, limit: int) -> list[str]:
    """Each task result Ansible reported as failed or unreachable, with the indented lines of its reason under it, at
    most `limit` lines: a run's last lines hold only the recap and the report, which do not say why a node failed."""
    kept: list[str] = []
    under = False
    for line in output.splitlines():
        if line.startswith(("fatal: [", "failed: [")) or "UNREACHABLE!" in line:
            kept.append(line.rstrip())
            under = True
        elif under and line.startswith(" ") and line.strip():
            kept.append(line.rstrip())
        else:
            under = False
        if len(kept) >= limit:
            break
    return kept
