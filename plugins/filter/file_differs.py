"""Filter picluster.mpi.file_differs: whether a path differs from what a role would make of it."""
from __future__ import annotations

DOCUMENTATION = r"""
name: file_differs
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: Whether a path differs from what a role would make of it
description:
  - Compares one path's entry of the node state that the shared role C(picluster.mpi.mpi) reads (type, owner, group,
    mode and SHA-1) with the attributes a role would give it, so the role calls a module only where they differ.
  - True when the path does not exist, or when any attribute given differs. Attributes left out are not compared,
    so a file whose content another module manages (a block in it) is checked for its owner, group and mode alone.
options:
  _input:
    description: The path's state, C(__mpi_state.files[path]); null when the path does not exist.
    type: dict
    required: true
  type:
    description: C(file) or C(directory).
    type: str
  owner:
    description: Owner name.
    type: str
  group:
    description: Group name.
    type: str
  mode:
    description: Permissions as four octal digits, such as C(0644).
    type: str
  sha1:
    description: SHA-1 of the content; files only.
    type: str
"""

EXAMPLES = r"""
when: >-
  __mpi_state.files['/home/mpi/machinefile'] | picluster.mpi.file_differs(type='file', owner='mpi', group='mpi',
  mode='0644', sha1=lookup('ansible.builtin.template', 'machinefile.j2') | hash('sha1'))
"""

RETURN = r"""
_value:
  description: True when the path is missing or differs in an attribute given.
  type: bool
"""

ATTRIBUTES = ("type", "owner", "group", "mode", "sha1")


def file_differs(state, **wanted):
    """True when the path is missing or any attribute given in `wanted` differs from its state."""
    unknown = sorted(set(wanted) - set(ATTRIBUTES))
    if unknown:
        raise ValueError(f"file_differs compares {', '.join(ATTRIBUTES)}; not {', '.join(unknown)}")
    if state is None:
        return True
    return any(value is not None and state.get(name) != value for name, value in wanted.items())


class FilterModule:
    def filters(self):
        return {"file_differs": file_differs}
