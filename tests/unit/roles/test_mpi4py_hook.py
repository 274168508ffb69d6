"""The machinefile role's mpi4py hook, rendered by Ansible's template module: Python runs its line at start-up, and a
thread level already in the environment wins."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HOOK = ROOT / "roles/machinefile/templates/picluster_mpi4py.pth.j2"
READ = "import os; print(os.environ.get('MPI4PY_RC_THREAD_LEVEL', 'unset'))"


@pytest.fixture(scope="module")
def site_dir(run_module, tmp_path_factory):
    directory = tmp_path_factory.mktemp("site")
    run_module("ansible.builtin.template", f"src={HOOK} dest={directory}/picluster_mpi4py.pth",
               "-e", "machinefile_mpi4py_thread_level=serialized")
    return directory


def level_at_start(site_dir: Path, **env: str) -> str:
    """The thread level a Python program sees at start when the site directory holds the hook."""
    program = f"import site; site.addsitedir({str(site_dir)!r}); {READ}"
    environ = {key: value for key, value in os.environ.items() if key != "MPI4PY_RC_THREAD_LEVEL"} | env
    return subprocess.run([sys.executable, "-c", program], env=environ, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_python_sets_the_clusters_thread_level_at_start(site_dir):
    assert level_at_start(site_dir) == "serialized"


def test_a_thread_level_from_the_environment_wins(site_dir):
    assert level_at_start(site_dir, MPI4PY_RC_THREAD_LEVEL="multiple") == "multiple"
