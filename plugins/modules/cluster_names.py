#!/usr/bin/python
"""Module picluster.mpi.cluster_names: a node's own name, and every node's name in its hosts file, in one call."""
from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_names
author: picluster.mpi maintainers (@picluster)
version_added: 0.2.0
short_description: Give a node its hostname and write the cluster's names into its hosts file, in one call
description:
  - Writes a marked block of lines into a hosts file, as P(ansible.builtin.blockinfile#module) does (same markers, same
    place, so a file it wrote before changes nothing), and removes the lines outside the block that match
    O(remove), such as Debian's C(127.0.1.1) line for the node's own name, which would make MPI offer loopback to
    its peers.
  - With O(hostname), it also writes that name into C(/etc/hostname) (its first line that is not a comment; comments
    stay), keeps that file C(0644) and owned by root, and sets the running hostname with C(hostname(1)) where it
    differs. This works on a Raspberry Pi and in a container alike, where C(hostnamectl) may not.
  - One module call for what takes three or four tasks otherwise, so an idempotent re-run of a cluster costs less.
  - Changes nothing where every part is already as asked.
options:
  path:
    description: The hosts file, or a template of it (cloud-init's C(/etc/cloud/templates/hosts.debian.tmpl)).
    type: path
    default: /etc/hosts
  block:
    description: The lines of the block, without its markers.
    type: str
    required: true
  marker:
    description: The marker lines' text, with C({mark}) where C(BEGIN) and C(END) go.
    type: str
    required: true
  insert_after:
    description:
      - Where a new block goes, a regular expression for the line it follows (the last line that matches; the end of
        the file if none does). Empty, the block goes first in the file, where the resolver finds it first.
      - A block already in the file stays where it is.
    type: str
    default: ""
  remove:
    description: A regular expression for lines to remove outside the block. Empty, none is removed.
    type: str
    default: '^127\.0\.1\.1\s'
  hostname:
    description: The node's hostname. Empty, neither C(/etc/hostname) nor the running hostname is touched.
    type: str
    default: ""
  hostname_file:
    description: The file that holds the hostname at boot.
    type: path
    default: /etc/hostname
  unsafe_writes:
    description:
      - Write in place when a file cannot be replaced by renaming, as with the files Docker bind-mounts
        (C(/etc/hosts), C(/etc/hostname)); see P(ansible.builtin.copy#module)'s option of the same name.
    type: bool
    default: false
attributes:
  check_mode:
    description: Reports what it would change, and changes nothing.
    support: full
  diff_mode:
    description: Shows the hosts file and the hostname file before and after.
    support: full
"""

EXAMPLES = r"""
- name: Give the node its name and map every node's names
  picluster.mpi.cluster_names:
    hostname: rpi-1
    block: |
      192.0.2.10 rpi-0
      192.0.2.11 rpi-1
    marker: "# {mark} picluster.mpi hostsfile: cluster nodes"
    unsafe_writes: true
"""

RETURN = r"""
changed_parts:
  description: What this run changed (or, in check mode, would change).
  returned: always
  type: list
  elements: str
  sample: [hosts block, running hostname]
"""

import os
import re
import socket
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.picluster.mpi.plugins.module_utils.marked_block import marker_lines


def marker_problem(marker):
    """What is wrong with the marker, or None."""
    return None if "{mark}" in marker else f"marker {marker!r} has no {{mark}}, where BEGIN and END go"


def block_lines(block, marker):
    """The block as it is written: its BEGIN marker, its lines, its END marker."""
    begin, end = marker_lines(marker)
    return [begin, *block.splitlines(), end]


def with_block(lines, block, marker, insert_after=""):
    """The lines with the block in place (where it was, else after the last line matching insert_after, else first),
    and the index range the block takes."""
    new = block_lines(block, marker)
    begin = [i for i, line in enumerate(lines) if line == new[0]]
    end = [i for i, line in enumerate(lines) if line == new[-1]]
    lines = list(lines)
    if begin and end:
        first, last = sorted((begin[-1], end[-1]))
        del lines[first:last + 1]
        at = first
    elif insert_after:
        matches = [i for i, line in enumerate(lines) if re.search(insert_after, line)]
        at = matches[-1] + 1 if matches else len(lines)
    else:
        at = 0
    return lines[:at] + new + lines[at:], range(at, at + len(new))


def hosts_text(text, block, marker, insert_after="", remove=""):
    """The hosts file's new text: the block in place, and no line outside it that matches remove."""
    lines, kept = with_block(text.splitlines(), block, marker, insert_after)
    pattern = re.compile(remove) if remove else None
    lines = [line for i, line in enumerate(lines) if i in kept or pattern is None or not pattern.search(line)]
    return "".join(line + "\n" for line in lines)


def hostname_text(text, name):
    """The hostname file's new text: its last line that is not a comment replaced by name, or name added."""
    lines = text.splitlines()
    names = [i for i, line in enumerate(lines) if re.match(r"[^#]", line)]
    if names:
        lines[names[-1]] = name
    else:
        lines.append(name)
    return "".join(line + "\n" for line in lines)


def read(path):
    """The file's text, or None where it does not exist. Bytes that are not UTF-8 come back as they were written."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def shown(text):
    """The text as a diff shows it: bytes that are not UTF-8 as replacement characters (results must be UTF-8)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def write(module, path, text):
    """Replace the file by renaming a new one onto it, or write in place where unsafe_writes allows it. The new file
    starts in the module's own temporary directory, as blockinfile's does, so nothing is left beside the file."""
    handle, temporary = tempfile.mkstemp(dir=module.tmpdir)
    with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape") as out:
        out.write(text)
    module.atomic_move(temporary, path, unsafe_writes=module.params["unsafe_writes"])


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": "/etc/hosts"},
            "block": {"type": "str", "required": True},
            "marker": {"type": "str", "required": True},
            "insert_after": {"type": "str", "default": ""},
            "remove": {"type": "str", "default": r"^127\.0\.1\.1\s"},
            "hostname": {"type": "str", "default": ""},
            "hostname_file": {"type": "path", "default": "/etc/hostname"},
            "unsafe_writes": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    params = module.params
    problem = marker_problem(params["marker"])
    if problem:
        module.fail_json(msg=problem)
    changed, diffs = [], []
    name = params["hostname"]
    if name:
        before = read(params["hostname_file"])
        after = hostname_text(before or "", name)
        if before != after:
            changed.append("hostname file")
            diffs.append({"before_header": params["hostname_file"], "before": shown(before or ""),
                          "after_header": params["hostname_file"], "after": shown(after)})
            if not module.check_mode:
                write(module, params["hostname_file"], after)
        if not module.check_mode or before is not None:
            path = params["hostname_file"]
            if any([module.set_mode_if_different(path, "0644", False), module.set_owner_if_different(path, "root", False),
                    module.set_group_if_different(path, "root", False)]):
                changed.append("hostname file mode and owner")
        if socket.gethostname() != name:
            changed.append("running hostname")
            if not module.check_mode:
                rc, out, err = module.run_command(["hostname", name])
                if rc != 0:
                    module.fail_json(msg=f"hostname {name} failed: {err.strip() or out.strip()}", changed_parts=changed)
    path = params["path"]
    before = read(path)
    if before is None:
        module.fail_json(msg=f"{path} does not exist", changed_parts=changed)
    with_only_the_block = hosts_text(before, params["block"], params["marker"], params["insert_after"])
    after = hosts_text(before, params["block"], params["marker"], params["insert_after"], params["remove"])
    changed += [part for part, differs in (("hosts block", with_only_the_block != before),
                                           ("removed lines", after != with_only_the_block)) if differs]
    if before != after:
        diffs.append({"before_header": path, "before": shown(before), "after_header": path, "after": shown(after)})
        if not module.check_mode:
            write(module, path, after)
    module.exit_json(changed=bool(changed), changed_parts=changed, diff=diffs)


if __name__ == "__main__":
    main()
