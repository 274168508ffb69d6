"""The roster's people in the cluster stories: key pairs made on the controller (as on their laptops), the roster as
an extra-vars file, and SSH logins from the controller with a person's own key."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from clustertest import ADDRESSES, HEAD

PEOPLE = {"alice": 3001, "bob": 3002}


def make_keys(directory: Path) -> Path:
    """Each person's key pair in `directory` (their private key never reaches a node)."""
    for name in PEOPLE:
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@laptop", "-f",
                        str(directory / name)], check=True)
    return directory


def roster_file(keys: Path, path: Path, **changes) -> str:
    """The roster as an extra-vars file (`-e @FILE`): every person, with `changes` per name (None drops them), and
    `extra` entries after them."""
    people = []
    for name, uid in PEOPLE.items():
        person = {"name": name, "uid": uid, "ssh_keys": [(keys / f"{name}.pub").read_text().strip()]}
        if changes.get(name, {}) is not None:
            people.append({**person, **changes.get(name, {})})
    path.write_text(json.dumps({"cluster_users": people + changes.get("extra", [])}))
    return f"@{path}"


def login(keys: Path, name: str, command: str, key: str | None = None, host: str = HEAD,
          timeout: int = 180) -> subprocess.CompletedProcess:
    """ssh from the controller as `name` with `key`'s private key (their own by default), as from a laptop."""
    argv = ["ssh", "-i", str(keys / (key or name)), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=10", f"{name}@{ADDRESSES[host]}", command]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
