"""Shared facts about the virtual cluster under test, read from the inventory tools/vcluster wrote."""
from __future__ import annotations

import base64
import ipaddress
import os
from pathlib import Path

import pytest
import testinfra
import yaml

INVENTORY = Path(os.environ.get("VCLUSTER_INVENTORY", ".vcluster/molecule-default/inventory.yml"))


def _load_cluster() -> dict:
    if not INVENTORY.exists():
        pytest.exit(f"no inventory at {INVENTORY}: boot the cluster first (molecule create)", returncode=2)
    return yaml.safe_load(INVENTORY.read_text())["cluster"]


CLUSTER = _load_cluster()
NODES: list[str] = list(CLUSTER["hosts"])
ADDRESSES: dict[str, str] = {name: spec["ansible_host"] for name, spec in CLUSTER["hosts"].items()}
HEAD = NODES[0]
SLOTS = int(CLUSTER["vars"]["machinefile_slots"])
MPI_USER = "mpi"
MPI_HOME = f"/home/{MPI_USER}"
PAIRS = [(src, dst) for src in NODES for dst in NODES]


def node(name: str):
    """The testinfra host for a node, reached through Ansible with the cluster's own inventory, as root."""
    return testinfra.get_host(f"ansible://{name}", ansible_inventory=str(INVENTORY), sudo=True)


def as_mpi_user(command: str) -> str:
    """A shell command line that runs `command` as the MPI user in a login shell on the node."""
    return f"sudo -u {MPI_USER} -i -- sh -c {_quote(command)}"


def write_as_mpi_user(host, path: str, content: str) -> None:
    """Write a file owned by the MPI user, as a user of the cluster would copy a script."""
    encoded = base64.b64encode(content.encode()).decode()
    host.check_output(as_mpi_user(f"echo {encoded} | base64 -d > {path}"))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def cluster_network(host) -> str:
    """The CIDR of the network holding the node's cluster address, as the node itself reports it."""
    for line in host.check_output("ip -o -4 addr show").splitlines():
        cidr = line.split()[3]
        if cidr.split("/")[0] in ADDRESSES.values():
            return str(ipaddress.ip_interface(cidr).network)
    raise AssertionError("no interface holds a cluster address")
