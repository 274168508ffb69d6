"""HPL on every node alone (run_job.yml -e hpl_mode=per_node): one N for all, each node's result, the slow nodes."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.filter.hpl_outcome import hpl_outcome
from ansible_collections.picluster.mpi.plugins.filter.hpl_solo_plan import hpl_solo_plan
from ansible_collections.picluster.mpi.plugins.filter.hpl_solo_result import below_the_others, hpl_solo_result, slow_nodes
from ansible_collections.picluster.mpi.plugins.filter.solo_runs_outcome import solo_runs_outcome

RECORDED = Path(__file__).resolve().parents[2] / "recorded/hpccoutf-bookworm-2-ranks.txt"
NODES = ["rpi-0", "rpi-1", "rpi-2"]


def view(memory_mb: dict[str, int], slots: int = 4) -> dict:
    return {"head": "rpi-0", "live": list(memory_mb),
            "nodes": {node: {"slots": slots, "memory_mb": mb, "memory_available_mb": mb - 400}
                      for node, mb in memory_mb.items()}}


# --- the plan ----------------------------------------------------------------------------------------------------------


def test_every_node_runs_alone_on_its_own_slots():
    plan = hpl_solo_plan(view(dict.fromkeys(NODES, 3796)), NODES, 0, 192, 0, 0.6)
    assert {node: own["ranks_per_node"] for node, own in plan["nodes"].items()} == {n: {n: 4} for n in NODES}
    assert {(own["p"], own["q"]) for own in plan["nodes"].values()} == {(2, 2)}


def test_every_node_gets_the_n_of_the_node_with_the_least_memory_so_that_their_gflops_compare():
    plan = hpl_solo_plan(view({"rpi-0": 7800, "rpi-1": 3796, "rpi-2": 7800}), NODES, 0, 192, 0, 0.6)
    alone_on_the_small_one = hpl_solo_plan(view({"rpi-1": 3796}), ["rpi-1"], 0, 192, 0, 0.6)["n"]
    assert plan["n"] == alone_on_the_small_one and plan["n"] % 192 == 0
    assert {own["n"] for own in plan["nodes"].values()} == {plan["n"]}


def test_an_n_that_one_node_cannot_hold_is_refused_naming_that_node():
    plan = hpl_solo_plan(view({"rpi-0": 7800, "rpi-1": 1000, "rpi-2": 7800}), NODES, 20000, 192, 0, 0.6)
    assert len(plan["problems"]) == 1 and plan["problems"][0].startswith("rpi-1: N=20000 needs about"), plan


def test_no_node_to_run_on_is_refused():
    assert hpl_solo_plan(view({"rpi-0": 3796}), [], 0, 192, 0, 0.6)["problems"] == ["No node to run HPL on."]


# --- the slow nodes ----------------------------------------------------------------------------------------------------


def slow(gflops: dict) -> list[str]:
    return slow_nodes(gflops, below_the_others(gflops))


def test_nodes_within_ten_percent_of_the_others_are_not_named():
    assert slow({"rpi-0": 10.0, "rpi-1": 9.2, "rpi-2": 10.4, "rpi-3": 9.6}) == []


def test_a_node_more_than_ten_percent_below_the_median_of_the_others_is_named_with_what_to_check():
    assert slow({"rpi-0": 10.0, "rpi-1": 7.0, "rpi-2": 10.4, "rpi-3": 9.6}) == [
        "rpi-1: 7.00 Gflops, 30% below the median of the others (10.00): check its throttling (vcgencmd "
        "get_throttled), cooling and power supply"]


def test_one_node_alone_has_nothing_to_be_compared_with():
    assert slow({"rpi-0": 1.0}) == []


# --- the result --------------------------------------------------------------------------------------------------------


def slurped(text: str) -> dict:
    return {"content": base64.b64encode(text.encode()).decode(), "source": "hpccoutf.txt"}


@pytest.fixture(name="plans")
def fixture_plans():
    return hpl_solo_plan(view(dict.fromkeys(NODES, 3796), slots=2), NODES, 1200, 96, 0, 0.6)["nodes"]


def test_every_nodes_output_is_read_as_its_own_result(plans):
    result = hpl_solo_result({node: slurped(RECORDED.read_text()) for node in NODES}, plans)
    assert set(result["gflops_per_node"]) == set(NODES) and (result["complete"], result["passed"]) == (True, True)
    assert result["nodes"]["rpi-1"]["ranks_per_node"] == {"rpi-1": 2}
    assert result["gflops"] == pytest.approx(3 * result["median_gflops"], abs=0.01)
    assert (result["slow"], result["slow_nodes"]) == ([], [])


def test_the_slow_nodes_are_named_in_a_list_beside_their_lines(plans):
    text = RECORDED.read_text()
    # The recorded run at half its speed, as a throttled board gives it.
    halved = text.replace("HPL_Tflops=0.00369065", "HPL_Tflops=0.00184532").replace("3.691e+00", "1.845e+00")
    result = hpl_solo_result({node: slurped(halved if node == "rpi-1" else text) for node in NODES}, plans)
    assert result["slow"] == ["rpi-1"] and result["slow_nodes"][0].startswith("rpi-1: "), result["gflops_per_node"]


def test_a_node_without_output_fails_the_run_naming_it(plans):
    result = hpl_solo_result({"rpi-0": slurped(RECORDED.read_text()), "rpi-1": None,
                              "rpi-2": slurped(RECORDED.read_text())}, plans)
    verdict = (result["complete"], result["passed"], result["problems"])
    assert verdict == (False, False, ["rpi-1: hpcc wrote no HPL result"]), verdict


def test_the_outcome_shows_a_line_per_node_and_fails_on_a_node_without_result(plans):
    result = hpl_solo_result({"rpi-0": slurped(RECORDED.read_text()), "rpi-1": {"skipped": True},
                              "rpi-2": slurped(RECORDED.read_text())}, plans)
    outcome = hpl_outcome({"rc": 0, "lines": []}, result, "/home/mpi/mpi_jobs/hpl/NODE/hpccoutf.txt")
    assert outcome["rc"] == 1 and outcome["reason"].startswith("rpi-1: hpcc wrote no HPL result"), outcome
    assert [line.split(":")[0].strip() for line in outcome["lines"][1:4]] == NODES


# --- the runs ----------------------------------------------------------------------------------------------------------


def run(rc: int, delta: str, *lines: str) -> dict:
    return {"rc": rc, "delta": delta, "stdout_lines": list(lines), "stderr_lines": []}


def test_the_runs_outcome_is_the_worst_exit_the_longest_time_and_every_line_marked_with_its_node():
    outcome = solo_runs_outcome({"rpi-0": run(0, "0:00:12.500000", "done"), "rpi-1": run(0, "0:01:02.250000")})
    summary = (outcome["rc"], outcome["wall_s"], outcome["lines"], outcome["timed_out"])
    assert summary == (0, 62.25, ["rpi-0: done"], False), summary


def test_a_node_stopped_at_the_time_limit_is_named():
    outcome = solo_runs_outcome({"rpi-0": run(0, "0:00:12.5"), "rpi-1": run(124, "0:10:00.0")})
    assert (outcome["rc"], outcome["timed_out"]) == (124, True)
    assert outcome["reason"].startswith("rpi-1 exited with 124"), outcome


def test_a_node_that_did_not_run_fails_the_outcome():
    outcome = solo_runs_outcome({"rpi-0": run(0, "0:00:12.5"), "rpi-1": None})
    assert (outcome["rc"], outcome["reason"]) == (1, "rpi-1 did not run it")
