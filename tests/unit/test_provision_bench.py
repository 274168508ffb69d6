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


def judged(lines: list[str], what: str) -> str:
    found = [line for line in lines if what in line]
    assert len(found) == 1, lines
    return found[0]


# The scale bench of 2026-12-06 (3c22593): every node's N logins, and Ansible polling its forks every 1 ms.
MEASURED = rows([2.4, 5.63, 9.46, 16.28], [3.39, 9.71, 22.64, 59.56], wall=[8.14, 57.46, 171.25, 581.02])


def test_the_nodes_cpu_per_node_of_the_measured_run_grew_linearly():
    assert judged(bench.check_growth(MEASURED), "nodes' CPU per node").endswith(": met")


def test_the_controllers_cpu_of_the_measured_run_did_not():
    assert judged(bench.check_growth(MEASURED), "controller's CPU").endswith(": NOT MET")


def test_the_wall_time_on_one_machine_is_printed_and_not_judged():
    line = judged(bench.check_growth(MEASURED), "wall time")
    assert "not a goal" in line and not line.endswith(("met", "MET")), line


@pytest.mark.parametrize(("what", "nodes_cpu", "controller_cpu"), [
    ("nodes' CPU per node", [1, 4, 16, 64], [4, 16, 32, 64]),
    ("controller's CPU", [2, 5, 9, 17], [1, 16, 64, 256]),
])
def test_a_cost_that_grows_with_the_square_of_the_nodes_is_not_linear(what, nodes_cpu, controller_cpu):
    assert judged(bench.check_growth(rows(nodes_cpu, controller_cpu)), what).endswith(": NOT MET")


def test_a_run_without_check_yml_judges_nothing():
    assert not bench.check_growth([{"nodes": nodes} for nodes in SIZES])
