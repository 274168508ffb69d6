#!/usr/bin/python
"""Module picluster.mpi.blas_provider: make one BLAS and LAPACK implementation the one every program loads."""
from __future__ import annotations

DOCUMENTATION = r"""
module: blas_provider
author: picluster.mpi maintainers (@picluster)
version_added: 0.2.0
short_description: Select one implementation of BLAS and LAPACK for libblas.so.3 and liblapack.so.3
description:
  - Debian installs every BLAS and LAPACK implementation (reference, OpenBLAS serial, pthread or OpenMP, BLIS, ATLAS)
    as a candidate of the alternatives C(libblas.so.3-TRIPLET) and C(liblapack.so.3-TRIPLET), and in automatic mode
    the one of highest priority wins. OpenBLAS' pthread variant ranks above the serial one, so a node where it is
    installed, for whatever reason, runs a thread per core inside every MPI rank that loads BLAS.
  - This module sets every alternative of the libraries given, for each architecture the node has, to the candidate
    under the implementation's directory (for example C(/usr/lib/x86_64-linux-gnu/openblas-serial/)), in manual mode,
    so that installing another implementation later does not take its place.
  - Changes nothing where every alternative is already set so, manually.
options:
  provider:
    description: The directory of the implementation under the multiarch library directory, such as C(openblas-serial).
    type: str
    required: true
  libraries:
    description: The libraries whose alternatives are set.
    type: list
    elements: str
    default: [libblas.so.3, liblapack.so.3]
attributes:
  check_mode:
    description: Reports what it would set, and sets nothing.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
"""

EXAMPLES = r"""
- name: Select the serial OpenBLAS for every program
  picluster.mpi.blas_provider:
    provider: openblas-serial
"""

RETURN = r"""
selected:
  description: Every alternative set, with the candidate it now points to.
  returned: always
  type: dict
  sample: {libblas.so.3-x86_64-linux-gnu: /usr/lib/x86_64-linux-gnu/openblas-serial/libblas.so.3}
set:
  description: The alternatives this run set (or, in check mode, would set).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule


def parse_selections(text):
    """Return the names of the alternatives in C(update-alternatives --get-selections)' output."""
    return [line.split()[0] for line in text.splitlines() if line.strip()]


def alternatives_of(library, names):
    """The alternatives of a library: its own name, or one per architecture (libblas.so.3-x86_64-linux-gnu)."""
    return sorted(name for name in names if name == library or name.startswith(library + "-"))


def parse_query(text):
    """Return the status, the value and the candidates of C(update-alternatives --query NAME)' output."""
    fields = {"status": "", "value": "", "candidates": []}
    for line in text.splitlines():
        key, _separator, value = line.partition(": ")
        if key == "Status":
            fields["status"] = value.strip()
        elif key == "Value":
            fields["value"] = value.strip()
        elif key == "Alternative":
            fields["candidates"].append(value.strip())
    return fields


def choice(name, query, provider):
    """The candidate of the provider for alternative name, and whether it must be set; or an error message."""
    mine = [path for path in query["candidates"] if f"/{provider}/" in path]
    if not mine:
        offered = ", ".join(query["candidates"]) or "none"
        return None, False, (f"{name} has no candidate from {provider} (candidates: {offered}); install the package "
                             f"that provides it")
    path = mine[0]
    return path, query["status"] != "manual" or query["value"] != path, None


def main():
    module = AnsibleModule(
        argument_spec={
            "provider": {"type": "str", "required": True},
            "libraries": {"type": "list", "elements": "str", "default": ["libblas.so.3", "liblapack.so.3"]},
        },
        supports_check_mode=True,
    )
    provider = module.params["provider"]
    environ = {"LANG": "C", "LC_ALL": "C"}
    rc, out, err = module.run_command(["update-alternatives", "--get-selections"], environ_update=environ)
    if rc != 0:
        module.fail_json(msg=f"update-alternatives --get-selections failed: {err.strip() or out.strip()}")
    names = parse_selections(out)
    selected, to_set = {}, []
    for library in module.params["libraries"]:
        found = alternatives_of(library, names)
        if not found:
            module.fail_json(msg=f"no alternative provides {library}: install {provider}'s package first")
        for name in found:
            rc, out, err = module.run_command(["update-alternatives", "--query", name], environ_update=environ)
            if rc != 0:
                module.fail_json(msg=f"update-alternatives --query {name} failed: {err.strip() or out.strip()}")
            path, needed, error = choice(name, parse_query(out), provider)
            if error:
                module.fail_json(msg=error)
            selected[name] = path
            if needed:
                to_set.append(name)
    if not module.check_mode:
        for name in to_set:
            rc, out, err = module.run_command(["update-alternatives", "--set", name, selected[name]],
                                              environ_update=environ)
            if rc != 0:
                module.fail_json(msg=f"update-alternatives --set {name} failed: {err.strip() or out.strip()}")
    module.exit_json(changed=bool(to_set), selected=selected, set=to_set)


if __name__ == "__main__":
    main()
