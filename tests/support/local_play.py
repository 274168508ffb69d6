"""Running a play on two hosts, `first` and `second`, over the local connection: real ansible-playbook runs for the
unit tests of the output readers and the benchmark's callbacks.

Import-safe anywhere: nothing runs when this module is imported.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playbook_output import plain_output_env

ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


def run_on_two_local_hosts(workdir: Path, play: str, inventory_vars: str = "",
                           **env: str) -> subprocess.CompletedProcess:
    """ansible-playbook of `play` in `workdir`, with this Python on both hosts, `inventory_vars` (ini lines) for
    all, and `env` on top of a plain-output environment; stdout and stderr together."""
    (workdir / "play.yml").write_text(play)
    (workdir / "inventory.ini").write_text(
        "first ansible_connection=local\nsecond ansible_connection=local\n"
        f"[all:vars]\nansible_python_interpreter={sys.executable}\n{inventory_vars}")
    return subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", "inventory.ini", "play.yml"], cwd=workdir,
                          env=plain_output_env(**env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
