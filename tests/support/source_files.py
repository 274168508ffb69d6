"""Loading the job scripts (files/mpi_jobs) by path: they ship as files run by mpirun, not as an importable package;
plugins are imported as Ansible imports them (ansible_collections.picluster.mpi.plugins...)."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def load_source(path: Path | str) -> ModuleType:
    """The module in the Python file at ``path``, executed once, without registering it in sys.modules."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
