"""Filter picluster.mpi.munge_text_key: the head's munge key, when it is a cluster key this collection made."""
from __future__ import annotations

DOCUMENTATION = r"""
name: munge_text_key
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The cluster's munge key as text, from the head node's key file
description:
  - The slurm role gives every node the same munge key as base64 text, which Ansible can carry without a file on
    the controller. The key Debian's munge package makes on each node at install is binary.
  - Given the base64 content that M(ansible.builtin.slurp) read from the head's key file, returns the key text when
    it is such a text key (at least 1024 base64 characters), else an empty string (binary, short, or no file).
options:
  _input:
    description: The C(content) of M(ansible.builtin.slurp) on the key file, or null when there is none.
    type: str
    required: true
"""

EXAMPLES = r"""
key: "{{ slurped.content | default('') | picluster.mpi.munge_text_key }}"
"""

RETURN = r"""
_value:
  description: The key text, or an empty string.
  type: str
"""

import base64
import binascii
import re

# base64 text of 768 random bytes is 1024 characters.
TEXT_KEY = re.compile(r"^[A-Za-z0-9+/]{1024,}={0,2}$")


def munge_text_key(slurped):
    """The head's munge key as text when it is a cluster key this collection made, else an empty string.

    `slurped` is the base64 content that ansible.builtin.slurp returns; a missing file gives None.
    """
    try:
        raw = base64.b64decode(slurped or "", validate=True)
    except (binascii.Error, ValueError):
        return ""
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return ""
    return text if TEXT_KEY.match(text) else ""


class FilterModule:
    def filters(self):
        return {"munge_text_key": munge_text_key}
