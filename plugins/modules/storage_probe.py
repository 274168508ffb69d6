#!/usr/bin/python
"""Module picluster.mpi.storage_probe: check from one node that the shared directory is one directory for all."""
from __future__ import annotations

DOCUMENTATION = r"""
module: storage_probe
author: picluster.mpi maintainers (@picluster)
version_added: 0.2.0
short_description: Write a file in the shared directory from this node, or read every node's file there
description:
  - check.yml's test of the shared storage, in two rounds over every live node. With O(write), this node writes,
    as the MPI user, the file C(.picluster-check/NODE) in the shared directory, holding its name and the token of
    this check. Then, on every node, each node's file is read as the MPI user and must hold that node's name and the
    token, be owned by the MPI user and have mode 0644 - what one node wrote, every other node reads.
  - Reports what is mounted at the shared directory, as C(/proc/self/mounts) has it.
  - Runs as root and switches to the MPI user with C(runuser), so what it checks is what that user can do. The
    files it writes are the only change, and a check run replaces them.
options:
  user:
    description: The MPI user.
    type: str
    required: true
  path:
    description: The shared directory.
    type: path
    required: true
  node:
    description: This node's name.
    type: str
    required: true
  token:
    description: The token of this check, the same on every node.
    type: str
    required: true
  write:
    description: Write this node's file; false, read every peer's.
    type: bool
    default: false
  peers:
    description: The nodes whose files to read.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    description: Not supported; the check writes a file.
    support: none
  diff_mode:
    description: Returns no diff.
    support: none
"""

EXAMPLES = r"""
- name: Write this node's file in the shared directory
  picluster.mpi.storage_probe:
    user: mpi
    path: /cluster
    node: rpi-1
    token: 20261205T101500.123456
    write: true
"""

RETURN = r"""
mount:
  description: What is mounted at the shared directory (C(fstype), C(source)), or null.
  returned: always
  type: dict
  sample: {fstype: fuse.sshfs, source: "mpi@rpi-0:/srv/cluster"}
written:
  description: With O(write), C(ok) or why the file could not be written.
  returned: always
  type: str
read:
  description: Per peer, C(ok) or what was wrong with its file.
  returned: always
  type: dict
  sample: {rpi-0: ok, rpi-2: "missing (No such file or directory)"}
"""

import os
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.picluster.mpi.plugins.module_utils.node_system import mounts

CHECK_DIR = ".picluster-check"
MODE = 0o644


def content(node, token):
    return f"{node} {token}\n"


def judge(peer, token, text, owner, mode, user):
    """What is wrong with a peer's file as this node sees it ("ok" when nothing is)."""
    if text != content(peer, token):
        return f"holds {text.strip()[:60]!r}, not what {peer} wrote in this check"
    if owner != user:
        return f"owned by {owner}, not {user}"
    if mode != MODE:
        return f"mode {mode:04o}, not {MODE:04o}"
    return "ok"


def as_user(module, user, argv, data=None):
    return module.run_command(["runuser", "-u", user, "--", *argv], data=data, binary_data=True)


def owner_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def write(module, user, directory, node, token):
    path = os.path.join(directory, node)
    rc, _out, err = as_user(module, user, ["mkdir", "-p", directory])
    if rc == 0:
        rc, _out, err = as_user(module, user, ["sh", "-c", 'umask 022 && cat > "$1"', "sh", path],
                                data=content(node, token))
    if rc == 0:
        rc, _out, err = as_user(module, user, ["chmod", f"{MODE:o}", path])
    return "ok" if rc == 0 else (err.strip() or f"exit status {rc}")


def read(module, user, directory, peers, token):
    found = {}
    for peer in peers:
        path = os.path.join(directory, peer)
        rc, out, err = as_user(module, user, ["cat", path])
        if rc != 0:
            found[peer] = f"missing ({err.strip().rpartition(': ')[2] or rc})"
            continue
        info = os.stat(path)
        found[peer] = judge(peer, token, out, owner_name(info.st_uid), stat.S_IMODE(info.st_mode), user)
    return found


def main():
    module = AnsibleModule(
        argument_spec={
            "user": {"type": "str", "required": True},
            "path": {"type": "path", "required": True},
            "node": {"type": "str", "required": True},
            # A time stamp that tells this check's files from an earlier one's, not a secret.
            "token": {"type": "str", "required": True, "no_log": False},
            "write": {"type": "bool", "default": False},
            "peers": {"type": "list", "elements": "str", "default": []},
        },
        supports_check_mode=False,
    )
    params = module.params
    directory = os.path.join(params["path"], CHECK_DIR)
    result = {"changed": False, "mount": mounts().get(params["path"]), "written": "", "read": {}}
    if params["write"]:
        result["written"] = write(module, params["user"], directory, params["node"], params["token"])
    else:
        result["read"] = read(module, params["user"], directory, params["peers"], params["token"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
