"""Back to `mpi_scheduler: none`: site.yml leaves Slurm alone and changes nothing, and mpirun jobs still run."""
from __future__ import annotations

import json
import math

from clustertest import NODES, SLOTS, playbook
from playbook_output import changed_hosts


def test_site_without_slurm_changes_nothing():
    result = playbook("site.yml", "-e", "mpi_scheduler=none")
    assert result.returncode == 0 and not changed_hosts(result.stdout), result.stdout[-3000:]


def test_mpirun_jobs_run_without_the_scheduler(tmp_path):
    result = playbook("run_job.yml", "-e", "mpi_scheduler=none", "-e", "job=pi", "-e", f"np={SLOTS * len(NODES)}",
                      "-e", f"mpi_job_results_dir={tmp_path}")
    saved = [json.loads(path.read_text()) for path in tmp_path.glob("pi-*.json")]
    assert result.returncode == 0 and len(saved) == 1 and abs(saved[0]["pi"] - math.pi) < 2.1e-8, result.stdout[-3000:]
    assert sorted(saved[0]["hosts"]) == sorted(NODES), saved
