"""Running the collection's modules for real, as `ansible` runs them, with the checkout as picluster.mpi."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playbook_output import plain_output_env

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = Path(sys.executable).parent / "ansible"
# The interpreter the modules run with, as on a node: the system's, not this virtualenv's.
SYSTEM_PYTHON = Path("/usr/bin/python3")


def ansible_env(**extra: str) -> dict[str, str]:
    """An environment in which Ansible finds the checkout as picluster.mpi and prints plain output."""
    return plain_output_env(ANSIBLE_COLLECTIONS_PATH=str(ROOT / "collections"), **extra)


@pytest.fixture(scope="session")
def run_module(tmp_path_factory):
    """Run picluster.mpi.<module> (or a module by its full name) on localhost with `ansible -m`; its result as JSON."""
    if not SYSTEM_PYTHON.exists():
        pytest.skip(f"the modules run with {SYSTEM_PYTHON}, which this machine lacks")
    workdir = tmp_path_factory.mktemp("adhoc")  # away from the checkout's ansible.cfg

    def run(module: str, args: str, *options: str) -> dict:
        name = module if "." in module else f"picluster.mpi.{module}"
        argv = [str(ANSIBLE), "localhost", "-c", "local", "-i", "localhost,", "-m", name,
                "-a", args, "-e", f"ansible_python_interpreter={SYSTEM_PYTHON}", *options]
        env = ansible_env(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal", ANSIBLE_CALLBACK_RESULT_FORMAT="json",
                          ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
        result = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, check=False)
        status, _separator, payload = result.stdout.partition(" => ")
        assert result.returncode == 0 and status in ("localhost | SUCCESS", "localhost | CHANGED"), (
            result.stdout + result.stderr)
        return json.loads(payload)

    return run
