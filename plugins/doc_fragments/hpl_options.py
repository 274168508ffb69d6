"""Documentation fragment picluster.mpi.hpl_options: HPL's settings, as the HPL plan filters take them."""
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  nb:
    description: The block size NB.
    type: int
    required: true
  p:
    description: The grid's rows P; 0 chooses the most square grid.
    type: int
    required: true
  memory_fraction:
    description: The share of a node's memory the derived N's matrix may take.
    type: float
    required: true
"""
