"""_cluster reads a node the same way wherever it reads it: first in the play, by delegation for nodes outside the
run, and again after a role changed the node (refresh). Before, refresh left out the head node's packages, and the
view said apt offered no slurmctld on a Slurm cluster's head node once it was refreshed."""
from __future__ import annotations

from pathlib import Path

import yaml

TASKS = Path(__file__).resolve().parents[3] / "roles/_cluster/tasks"


def tasks(name: str) -> list[dict]:
    return yaml.safe_load((TASKS / name).read_text())


def node_info_calls() -> dict[str, dict]:
    """Every node_info task of the role, by file and task name: its arguments."""
    return {f"{path.name}: {task['name']}": task["picluster.mpi.node_info"]
            for path in sorted(TASKS.glob("*.yml")) for task in tasks(path.name) or []
            if "picluster.mpi.node_info" in task}


def test_every_read_of_a_node_passes_the_same_arguments():
    calls = node_info_calls()
    assert len(calls) >= 2, calls
    names = {name: sorted(arguments) for name, arguments in calls.items()}
    assert len({tuple(keys) for keys in names.values()}) == 1, f"node_info called with different arguments: {names}"


def test_the_first_read_and_the_refresh_use_the_one_probe():
    imported = {name: [task.get("ansible.builtin.import_tasks") for task in tasks(name)] for name in
                ("read.yml", "refresh.yml")}
    assert all("probe.yml" in files for files in imported.values()), imported
