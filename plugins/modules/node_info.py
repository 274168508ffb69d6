#!/usr/bin/python
"""Module picluster.mpi.node_info: what the other nodes of the cluster need to know about this node."""
from __future__ import annotations

DOCUMENTATION = r"""
module: node_info
author: picluster.mpi maintainers (@picluster)
version_added: 0.2.0
short_description: Read what the other cluster nodes need to know about this node
description:
  - Reads the versions of the MPI stack (Open MPI, mpi4py, NumPy, Python), the CPU architecture, the online CPUs,
    whether python3-apt is installed and the public keys of the MPI user's key pairs.
  - Only reads; programs that are not installed and keys that do not exist come back as null or empty.
  - The ansible_facts of the node (addresses, hostname, OS release, SSH host keys) complete it in the cluster view
    (filter P(picluster.mpi.cluster_view#filter)).
options:
  user:
    description: The MPI user whose C(~/.ssh/id_*.pub) public keys are read. Empty, no key is read.
    type: str
    default: ""
attributes:
  check_mode:
    description: Can run in check mode and return the same results, since it only reads.
    support: full
  diff_mode:
    description: Returns no diff; it changes nothing.
    support: none
"""

EXAMPLES = r"""
- name: Read the node's MPI stack, CPUs and the MPI user's public keys
  picluster.mpi.node_info:
    user: mpi
  register: node
"""

RETURN = r"""
versions:
  description: Versions of C(openmpi), C(mpi4py), C(numpy) and C(python), null when not installed, and C(architecture).
  returned: always
  type: dict
  sample: {openmpi: 4.1.4, mpi4py: 3.1.4, numpy: 1.24.2, python: 3.11.2, architecture: aarch64}
cpus:
  description: CPUs this node's processes may run on.
  returned: always
  type: int
  sample: 4
python_apt:
  description: Whether python3-apt, which the apt module needs to compare packages, is installed.
  returned: always
  type: bool
  sample: true
public_keys:
  description: The MPI user's public keys by key type (C(ed25519), C(ecdsa), C(rsa)).
  returned: always
  type: dict
  sample: {ed25519: ssh-ed25519 AAAAC3Nza... mpi@rpi-0}
"""

import importlib.util
import os
import platform
import pwd
import re

from ansible.module_utils.basic import AnsibleModule

KEY_TYPES = ("ed25519", "ecdsa", "rsa")


def distribution_version(name):
    # Package metadata, not an import: importing NumPy takes a good part of a second on a Pi.
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:
        return None
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def openmpi_version(module):
    ompi_info = module.get_bin_path("ompi_info")
    if not ompi_info:
        return None
    rc, out, _err = module.run_command([ompi_info, "--version"])
    match = re.search(r"Open MPI v(\S+)", out) if rc == 0 else None
    return match.group(1) if match else None


def online_cpus():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def public_keys(user):
    if not user:
        return {}
    try:
        home = pwd.getpwnam(user).pw_dir
    except KeyError:
        return {}
    keys = {}
    for key_type in KEY_TYPES:
        try:
            with open(os.path.join(home, ".ssh", f"id_{key_type}.pub"), encoding="utf-8") as handle:
                keys[key_type] = handle.read().strip()
        except OSError:
            continue
    return keys


def main():
    module = AnsibleModule(argument_spec={"user": {"type": "str", "default": ""}}, supports_check_mode=True)
    module.exit_json(
        changed=False,
        versions={
            "openmpi": openmpi_version(module),
            "mpi4py": distribution_version("mpi4py"),
            "numpy": distribution_version("numpy"),
            "python": platform.python_version(),
            "architecture": platform.machine(),
        },
        cpus=online_cpus(),
        python_apt=importlib.util.find_spec("apt") is not None,
        public_keys=public_keys(module.params["user"]),
    )


if __name__ == "__main__":
    main()
