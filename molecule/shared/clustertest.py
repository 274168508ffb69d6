"""Helpers shared by the molecule scenarios' testinfra suites: the cluster under test and ways to reach it."""
from __future__ import annotations

import atexit
import base64
import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import testinfra
import yaml
from playbook_output import plain_output_env
from source_files import load_source

PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[2]))
INVENTORY = Path(os.environ["VCLUSTER_INVENTORY"])
MPI_USER = "mpi"
MPI_HOME = f"/home/{MPI_USER}"

CLUSTER = yaml.safe_load(INVENTORY.read_text())["cluster"]
NODES: list[str] = list(CLUSTER["hosts"])
ADDRESSES: dict[str, str] = {name: spec["ansible_host"] for name, spec in CLUSTER["hosts"].items()}
HEAD = NODES[0]
SLOTS = int(CLUSTER["vars"]["machinefile_slots"])
PAIRS = [(src, dst) for src in NODES for dst in NODES]
# Tests whose behaviour differs by OS release (Open MPI 5 and its run-time PRRTE, the release's packages): the trixie
# scenario runs only these (`pytest -m every_release`). Every other test of the collection's own logic runs once, on
# the base cluster.
EVERY_RELEASE = pytest.mark.every_release


def job_module(job: str):
    """A shipped job of files/mpi_jobs, loaded for its constants (the jobs import mpi4py only in main())."""
    return load_source(PROJECT / "files/mpi_jobs" / f"{job}.py")


# One SSH connection per node for every command the tests run there. The inventory asks for ControlMaster but names no
# ControlPath, which Ansible adds itself and testinfra does not: each command then paid a whole SSH handshake, 0.28 s
# against 0.02 s over an open connection, several hundred times per scenario.
CONTROL_DIR = tempfile.mkdtemp(prefix="picluster-tests-ssh-")
atexit.register(shutil.rmtree, CONTROL_DIR, ignore_errors=True)


@functools.cache
def node(name: str):
    """The testinfra host for a node, reached over SSH as the inventory says (user, key, known hosts), as root."""
    settings = CLUSTER["vars"]
    # A node stopped or re-flashed under an open connection must not leave the next command waiting on it: the
    # tests' keepalives come first, as ssh takes an option's first value, before the inventory's slower ones.
    options = (f"-o ServerAliveInterval=5 -o ServerAliveCountMax=3 {settings['ansible_ssh_common_args']} "
               f"-o ControlPath={CONTROL_DIR}/%C")
    return testinfra.get_host(f"ssh://{settings['ansible_user']}@{ADDRESSES[name]}",
                              ssh_identity_file=settings["ansible_ssh_private_key_file"], ssh_extra_args=options,
                              sudo=True)


def as_mpi_user(command: str) -> str:
    """A shell command line that runs `command` as the MPI user in a login shell on the node."""
    return f"sudo -u {MPI_USER} -i -- sh -c '" + command.replace("'", "'\"'\"'") + "'"


def open_mpi_param(host, framework: str, component: str, name: str) -> tuple[str, str]:
    """An Open MPI parameter as the MPI user's Open MPI sees it: its value, and the file it came from ('' where it
    came from anywhere else), from `ompi_info --parsable`."""
    prefix = f"mca:{framework}:{component}:param:{name}:"
    lines = host.check_output(as_mpi_user(f"ompi_info --parsable --level 9 --param {framework} {component}"))
    ours = [line[len(prefix):] for line in lines.splitlines() if line.startswith(prefix)]
    found = {key: value for key, _colon, value in (line.partition(":") for line in ours)}
    source = re.fullmatch(r"file \((.+):\d+\)", found.get("source", ""))
    return found.get("value", ""), source.group(1) if source else ""


def write_as_mpi_user(host, path: str, content: str) -> None:
    """Write a file owned by the MPI user, as a user of the cluster would copy a script."""
    encoded = base64.b64encode(content.encode()).decode()
    host.check_output(as_mpi_user(f"echo {encoded} | base64 -d > {path}"))


def helloworld():
    """mpi4py's hello world on every slot of the cluster: the head node's mpirun with the collection's settings."""
    return node(HEAD).run(as_mpi_user(
        f"timeout 120 mpirun -np {SLOTS * len(NODES)} -machinefile ~/machinefile python3 -m mpi4py.bench helloworld"))


def greetings(stdout: str) -> list[tuple[int, str]]:
    """The rank and host of every rank that greeted in mpi4py's hello world, in the order they printed."""
    return [(int(rank), host) for rank, host in re.findall(r"process\s+(\d+) of \d+ on (\S+)\.", stdout)]


def ssh_works(src: str, dst: str) -> bool:
    """Whether the MPI user on `src` reaches `dst` by SSH, without prompts, with strict host-key checking."""
    # ssh's exit status is printed, not returned: testinfra takes a 255 for its own connection failing.
    command = as_mpi_user(f"ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10 {dst} hostname"
                          "; echo exit=$?")
    lines = node(src).check_output(command).splitlines()
    return lines[-1:] == ["exit=0"] and lines[:-1] == [dst]


def playbook(name: str, *extra: str, inventory: Path = INVENTORY, timeout: int = 900,
             env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run one of the collection's playbooks from the controller, as a user does; output and errors together."""
    # JSON results keep messages on one line, unwrapped and unescaped, for the assertions.
    env = plain_output_env(ANSIBLE_CALLBACK_RESULT_FORMAT="json", **(env_extra or {}))
    argv = ["ansible-playbook", "-i", str(inventory), name, *extra]
    return subprocess.run(argv, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout, check=False)


def inventory_without(gone: str, directory: Path) -> Path:
    """A copy of the cluster's inventory in `directory` without the host `gone`, as after removing a Pi."""
    inventory = yaml.safe_load(INVENTORY.read_text())
    del inventory["cluster"]["hosts"][gone]
    smaller = directory / "inventory.yml"
    smaller.write_text(yaml.safe_dump(inventory))
    return smaller


def vcluster(*argv: str) -> None:
    env = {**os.environ, "VCLUSTER_NAME": INVENTORY.parent.name}
    subprocess.run([str(PROJECT / "tools/vcluster"), *argv], env=env, check=True, capture_output=True, text=True)
