"""How the scale bench (bench/provision_bench.py) judges whether check.yml grows linearly: on the nodes' CPU per node
and the controller's CPU, not on the wall time of N x N logins sharing one machine's cores."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("provision_bench", ROOT / "bench/provision_bench.py")
bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench)

SIZES = (4, 16, 32, 64)


def rows(nodes_cpu_per_node, controller_cpu, wall=None) -> list[dict]:
    """Bench rows with only check.yml measured: its figures at each of SIZES."""
    wall = wall or [10.0 * nodes for nodes in SIZES]
    return [{"nodes": nodes, "check": {"wall_s": wall_s, "nodes_cpu_s": per_node * nodes, "controller_cpu_s": controller}}
            for nodes, per_node, controller, wall_s in zip(SIZES, nodes_cpu_per_node, controller_cpu, wall)]


def split_rows(forks, main, waiting, calls=(5, 5, 5, 5)) -> list[dict]:
    """Bench rows whose check.yml split the controller's CPU: the forks', the main process's, and the main process's
    in the probe (all its CPU waiting there, over a wall time of 10 s per node)."""
    found = rows([2.0] * len(SIZES), [fork + own for fork, own in zip(forks, main)])
    for row, fork, own, waited, count in zip(found, forks, main, waiting, calls):
        probe = f"picluster.mpi.health : {bench.ALL_PAIRS_TASKS[0]} from this node"
        row["check"].update({"forks_cpu_s": fork, "main_cpu_s": own, "module_calls_per_node": count,
                             "longest_tasks": [[probe, 10.0 * row["nodes"], waited], ["Read this node", 1.0, 0.1]]})
    return found


def judged(lines: list[str], what: str) -> str:
    found = [line for line in lines if what in line]
    assert len(found) == 1, lines
    return found[0]


# The scale bench of 2026-12-06 (3c22593): every node's N logins, and Ansible polling its forks every 1 ms.
MEASURED = rows([2.4, 5.63, 9.46, 16.28], [3.39, 9.71, 22.64, 59.56], wall=[8.14, 57.46, 171.25, 581.02])


def test_the_nodes_cpu_per_node_of_the_measured_run_grew_linearly():
    assert judged(bench.check_growth(MEASURED), "nodes' CPU per node").endswith(": met")


def test_the_controllers_cpu_in_all_is_printed_and_not_judged():
    line = judged(bench.check_growth(MEASURED), "controller's CPU in all")
    assert "per added node" in line and not line.endswith(("met", "MET")), line


def test_the_wall_time_on_one_machine_is_printed_and_not_judged():
    line = judged(bench.check_growth(MEASURED), "wall time")
    assert "not a goal" in line and not line.endswith(("met", "MET")), line


def test_nodes_cpu_per_node_that_grows_with_the_square_of_the_nodes_is_not_linear():
    assert judged(bench.check_growth(rows([1, 4, 16, 64], [4, 16, 32, 64])), "nodes' CPU per node").endswith(": NOT MET")


def test_a_run_without_check_yml_judges_nothing():
    assert not bench.check_growth([{"nodes": nodes} for nodes in SIZES])


def test_the_wait_in_the_steps_over_every_pair_is_printed_and_not_judged():
    # The forks and the main process's own work grow linearly; its wait in the probe grows with the wall time.
    lines = bench.check_growth(split_rows([2, 6, 11, 21], [1.1, 2.8, 5.8, 22.0], [0.1, 0.6, 2.0, 15.0]))
    assert judged(lines, "forks' CPU").endswith(": met")
    assert judged(lines, "CPU outside the steps over every pair").endswith(": met")
    assert "not a goal" in judged(lines, "CPU waiting in the steps over every pair")


@pytest.mark.parametrize(("what", "forks", "main"), [
    ("forks' CPU", [1, 16, 64, 256], [1, 2, 3, 5]),
    ("CPU outside the steps over every pair", [2, 6, 11, 21], [1, 16, 64, 256]),
])
def test_controller_work_that_grows_with_the_square_of_the_nodes_is_not_linear(what, forks, main):
    assert judged(bench.check_growth(split_rows(forks, main, [0, 0, 0, 0])), what).endswith(": NOT MET")


def test_module_calls_per_node_that_grow_with_the_size_are_a_step_over_every_pair():
    lines = bench.check_growth(split_rows([2, 6, 11, 21], [1, 2, 3, 5], [0, 0, 0, 0], calls=(5, 5, 6, 8)))
    assert judged(lines, "module calls per node").endswith(": NOT MET")


def test_a_run_that_did_not_split_the_controllers_cpu_says_so():
    lines = bench.check_growth(MEASURED)
    assert judged(lines, "forks' CPU").endswith("not measured")
    assert judged(lines, "module calls per node").endswith("not measured")


def test_the_steps_over_every_pair_are_check_ymls_task_names():
    tasks = "".join(path.read_text() for path in (ROOT / "roles/health/tasks").glob("*.yml"))
    for name in bench.ALL_PAIRS_TASKS:
        assert f"- name: {name}" in tasks, f"no task of roles/health starts with {name!r}: rename it in the bench"


# The scale bench of 2026-12-06, evening (2f606ad): the controller's CPU split, and the main process's in the probe
# and the one-sided check, where it waits on the forks.
MEASURED_SPLIT = split_rows([2.2, 5.84, 9.36, 18.47], [1.04, 2.94, 6.04, 20.55],
                            [0.076, 0.792, 2.782, 14.131])


@pytest.mark.parametrize("what", ["forks' CPU", "CPU outside the steps over every pair", "module calls per node"])
def test_the_controllers_work_in_the_measured_split_run_grew_linearly(what):
    assert judged(bench.check_growth(MEASURED_SPLIT), what).endswith(": met")


@pytest.mark.parametrize("callback", ["module_calls", "controller_cpu"])
def test_each_callback_is_enabled_with_the_file_it_writes(callback, tmp_path):
    env = bench.callbacks_env(**{callback: tmp_path / "out.json"})
    source = (ROOT / "bench/callback_plugins" / f"{callback}.py").read_text()
    variable = next(name for name in env if name.startswith("BENCH_"))
    assert env["ANSIBLE_CALLBACKS_ENABLED"] == callback, env
    assert f'os.environ["{variable}"]' in source, f"{callback}.py does not write to the file named by {variable}"
