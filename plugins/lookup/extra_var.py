"""Lookup picluster.mpi.extra_var: an extra variable exactly as given on the command line, spaces and all."""
from __future__ import annotations

DOCUMENTATION = r"""
name: extra_var
author: picluster.mpi maintainers (@picluster)
version_added: 0.2.0
short_description: An extra variable as written on the command line, spaces and all
description:
  - C(-e job_args="--slices 500") reaches ansible-playbook as the single argument C(job_args=--slices 500), which
    Ansible splits at the space, keeping C(--slices) as the value. This lookup returns the whole value, C(--slices 500),
    from the arguments of the command line.
  - The last C(-e NAME=VALUE) for the name wins, as with Ansible's own extra variables. Quotes around the whole value
    are removed. Extra variables given as JSON, YAML or a file are not read here; they arrive whole anyway.
  - Returns O(default) when the command line does not give the variable as C(NAME=VALUE).
options:
  _terms:
    description: The name of the extra variable.
    required: true
  default:
    description: What to return when the command line does not set the variable as C(NAME=VALUE).
    type: raw
    default: ""
"""

EXAMPLES = r"""
mpi_job_args: "{{ lookup('picluster.mpi.extra_var', 'job_args', default=job_args | default('')) }}"
"""

RETURN = r"""
_raw:
  description: The value as given on the command line, or O(default).
  type: list
  elements: raw
"""

from ansible import context
from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase


def value_from_command_line(name, arguments):
    """The value of the last `name=value` among the -e arguments, with quotes around it removed, or None."""
    found = None
    for argument in arguments or ():
        text = str(argument).strip()
        if text.startswith(("@", "{", "[")) or not text.startswith(f"{name}="):
            continue
        found = text[len(name) + 1:]
        if len(found) >= 2 and found[0] == found[-1] and found[0] in "'\"":
            found = found[1:-1]
    return found


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if len(terms) != 1:
            raise AnsibleError("extra_var takes one variable name")
        found = value_from_command_line(terms[0], context.CLIARGS.get("extra_vars", ()))
        return [self.get_option("default") if found is None else found]
