"""Documentation fragment picluster.mpi.read_only: the attributes of a module that only reads."""
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode and return the same results, since it only reads.
    support: full
  diff_mode:
    description: Returns no diff; it changes nothing.
    support: none
"""
