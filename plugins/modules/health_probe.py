#!/usr/bin/python
"""Module picluster.mpi.health_probe: check SSH, name resolution and the machinefile from one node."""
from __future__ import annotations

DOCUMENTATION = r"""
module: health_probe
author: picluster.mpi maintainers (@picluster)
version_added: 0.2.0
short_description: Check SSH to every peer, name resolution and the machinefile from one cluster node
description:
  - From this node, logs in as the MPI user to every peer by SSH, without prompts and with strict host-key
    checking, resolves every cluster name, and reads the MPI user's machinefile.
  - Each login reads the peer's clock, so the differences between the nodes' clocks are measured to within the
    time of one login.
  - Changes nothing; runs as root (it switches to the MPI user with C(runuser)).
options:
  user:
    description: The MPI user.
    type: str
    required: true
  machinefile:
    description: Path of the MPI user's machinefile.
    type: path
    required: true
  peers:
    description: The nodes to log in to, as SSH destinations.
    type: list
    elements: str
    default: []
  names:
    description: Cluster names and the address each must resolve to.
    type: dict
    default: {}
  timeout:
    description: Seconds one SSH login may take.
    type: int
    default: 20
  node:
    description:
      - This node's name among O(peers). Every node starts with the peers that follow it, so that when every node
        checks at once each peer receives at most O(width) logins at a time, well under OpenSSH's C(MaxStartups).
    type: str
    default: ""
  width:
    description:
      - The logins this node makes at once. A login that sshd drops before authentication (C(Connection closed by),
        C(Connection reset by)) is tried once more and listed in RV(retried).
    type: int
    default: 4
extends_documentation_fragment:
  - picluster.mpi.read_only
"""

EXAMPLES = r"""
- name: Check SSH, names and the machinefile from this node
  picluster.mpi.health_probe:
    user: mpi
    machinefile: /home/mpi/machinefile
    peers: [rpi-0, rpi-1]
    names: {rpi-0: 192.0.2.10, rpi-1: 192.0.2.11}
"""

RETURN = r"""
ssh:
  description: Per peer, C(ok) or the reason the login failed.
  returned: always
  type: dict
  sample: {rpi-0: ok, rpi-1: "Host key verification failed."}
retried:
  description: Per peer whose first login a busy sshd dropped, what ssh said then; RV(ssh) has the last try's outcome.
  returned: always
  type: dict
  sample: {rpi-7: "Connection closed by 192.0.2.17 port 22"}
resolves:
  description: Per name, the address wanted and the address it resolves to (null when it does not resolve).
  returned: always
  type: dict
  sample: {rpi-1: {want: 192.0.2.11, got: 192.0.2.11}}
machinefile:
  description: The machinefile's lines as C([node, slots]) pairs, null when it does not exist.
  returned: always
  type: list
  elements: list
  sample: [[rpi-0, "4"], [rpi-1, "4"]]
clock_offsets:
  description:
    - Per peer this node logged in to, how far the peer's clock is ahead of this node's (seconds, negative when
      behind) and the uncertainty of that figure, half the time the login took, since the peer reads its clock
      somewhere between the start and the end of the login.
  returned: always
  type: dict
  sample: {rpi-0: {offset: 0.0, uncertainty: 0.002}, rpi-1: {offset: -0.31, uncertainty: 0.09}}
"""

import socket
import time
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.picluster.mpi.plugins.module_utils.all_pairs import login_steps, with_retries


def ssh_result(module, user, peer, timeout):
    """The login's outcome (`ok` or why it failed), and the peer's clock offset measured through it."""
    argv = ["runuser", "-u", user, "--", "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
            "-o", f"ConnectTimeout={min(timeout, 10)}", peer, "date +%s.%N"]
    # timeout(1) bounds a login that connects and then stalls, which ConnectTimeout does not cover.
    started = time.time()
    rc, out, err = module.run_command(["timeout", str(timeout), *argv])
    ended = time.time()
    if rc == 0:
        return "ok", clock_offset(out, started, ended)
    if rc == 124:
        return "timed out", None
    return (err.strip().splitlines() or [f"exit {rc}"])[-1], None


def clock_offset(date_output, started, ended):
    """How far a peer's `date +%s.%N` is ahead of the middle of the login that read it, with half its length."""
    try:
        peer_clock = float(date_output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    middle = (started + ended) / 2
    return {"offset": round(peer_clock - middle, 3), "uncertainty": round((ended - started) / 2, 3)}


def resolve(name):
    try:
        return socket.gethostbyname(name)
    except OSError:
        return None


def parse_machinefile(text):
    """The `node slots=N` lines of an Open MPI hostfile as [node, N] pairs; N is '' when a line has no slots."""
    entries = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        slots = next((word.split("=", 1)[1] for word in words[1:] if word.startswith("slots=")), "")
        entries.append([words[0], slots])
    return entries


def read_machinefile(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return parse_machinefile(handle.read())
    except OSError:
        return None


def main():
    module = AnsibleModule(
        argument_spec={
            "user": {"type": "str", "required": True},
            "machinefile": {"type": "path", "required": True},
            "peers": {"type": "list", "elements": "str", "default": []},
            "names": {"type": "dict", "default": {}},
            "timeout": {"type": "int", "default": 20},
            "node": {"type": "str", "default": ""},
            "width": {"type": "int", "default": 4},
        },
        supports_check_mode=True,
    )
    params = module.params
    results, retried = {}, {}

    def login(peer):
        # sshd drops logins past MaxStartups before they authenticate: more tries, after a while, tell a busy sshd
        # from a real refusal.
        outcome, first_drop = with_retries(lambda: ssh_result(module, params["user"], peer, params["timeout"]))
        if first_drop:
            retried[peer] = first_drop
        return outcome

    with ThreadPoolExecutor(max_workers=params["width"]) as pool:
        for step in login_steps(params["peers"], params["node"], params["width"]):
            results.update(zip(step, pool.map(login, step)))
    module.exit_json(
        changed=False,
        ssh={peer: outcome for peer, (outcome, _offset) in results.items()},
        retried=retried,
        clock_offsets={peer: offset for peer, (_outcome, offset) in results.items() if offset is not None},
        resolves={name: {"want": address, "got": resolve(name)} for name, address in params["names"].items()},
        machinefile=read_machinefile(params["machinefile"]),
    )


if __name__ == "__main__":
    main()
