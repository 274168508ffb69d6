"""The HPL filters: the plan (N, NB, P x Q, memory) before the run, and the result read from hpcc's output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.filter import hpcc_result as hpcc
from ansible_collections.picluster.mpi.plugins.filter import hpl_plan as hpl
from ansible_collections.picluster.mpi.plugins.filter.hpl_outcome import hpl_outcome
from ansible_collections.picluster.mpi.plugins.filter.mpirun_map import mpirun_map

RECORDED = Path(__file__).resolve().parents[2] / "recorded/hpccoutf-bookworm-2-ranks.txt"


PI4_MB = 3796  # MemTotal of a 4 GB Pi 4


def cluster(nodes: int, slots: int = 4, memory_mb: int = PI4_MB, free_mb: int = 3400) -> dict:
    names = [f"rpi-{i}" for i in range(nodes)]
    return {"head": names[0], "live": names,
            "nodes": {n: {"slots": slots, "memory_mb": memory_mb, "memory_available_mb": free_mb} for n in names}}


def plan(view: dict, ranks: int, map_by: str = "slot", n: int = 0, nb: int = 192, p: int = 0,
         fraction: float = 0.6) -> dict:
    return hpl.hpl_plan(view, ranks, map_by, n, nb, p, fraction)


# --- the grid ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("ranks", "grid"), [(1, (1, 1)), (2, (1, 2)), (4, (2, 2)), (6, (2, 3)), (16, (4, 4)),
                                             (64, (8, 8)), (7, (1, 7)), (12, (3, 4))])
def test_the_grid_is_the_most_square_with_p_at_most_q(ranks, grid):
    result = plan(cluster(16), ranks)
    assert (result["p"], result["q"]) == grid


def test_a_given_p_sets_the_rows():
    result = plan(cluster(4), 16, p=2)
    assert (result["p"], result["q"], result["problems"]) == (2, 8, [])


def test_a_p_that_does_not_divide_the_ranks_is_refused():
    assert "do not form a grid of 3 rows" in " ".join(plan(cluster(4), 16, p=3)["problems"])


# --- placement ---------------------------------------------------------------------------------------------------------


def test_ranks_fill_each_nodes_slots_head_first():
    assert plan(cluster(4), 6)["ranks_per_node"] == {"rpi-0": 4, "rpi-1": 2}


def test_ranks_go_only_to_the_nodes_asked_for_in_their_order():
    assert hpl.hpl_plan(cluster(4), 4, "node", 0, 192, 0, 0.6, ["rpi-2", "rpi-3"])["ranks_per_node"] == {
        "rpi-2": 2, "rpi-3": 2}


def test_map_by_node_places_ranks_round_robin():
    assert plan(cluster(4), 6, map_by="node")["ranks_per_node"] == {"rpi-0": 2, "rpi-1": 2, "rpi-2": 1, "rpi-3": 1}


# --- N -----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("nodes", "ranks"), [(1, 1), (1, 2), (1, 4), (4, 16), (16, 64)])
def test_the_derived_n_is_a_multiple_of_nb_whose_matrix_takes_the_memory_fraction(nodes, ranks):
    result = plan(cluster(nodes), ranks)
    per_node = PI4_MB * 0.6 * min(1, ranks / (4 * nodes)) * (4 * nodes) / nodes  # every used node is full
    used = 8 * result["n"] ** 2 * hpl.OVERHEAD / (1 << 20) / len(result["nodes"])
    assert result["n"] % 192 == 0 and result["n"] > 0 and used <= per_node * 1.0001, result


def test_four_pi4_boards_get_an_n_near_the_one_people_run():
    # top500-benchmark's rule of thumb for 4 x 4 GB is about 0.9 * sqrt(0.75 * 4 * 4 GiB / 8) = 36000.
    assert 30_000 <= plan(cluster(4), 16)["n"] <= 40_000


def test_the_derived_n_shrinks_to_the_free_memory():
    result = plan(cluster(4, free_mb=1000), 16)
    assert result["n"] <= result["max_n"] and result["problems"] == [], result


def test_a_node_with_less_memory_sets_n_for_all():
    view = cluster(4)
    view["nodes"]["rpi-2"]["memory_mb"] = 1800
    assert plan(view, 16)["n"] < plan(cluster(4), 16)["n"]


def test_an_n_that_does_not_fit_the_free_memory_is_refused_with_the_largest_that_does():
    result = plan(cluster(4, free_mb=500), 16, n=40_000)
    [problem] = result["problems"]
    assert f"hpl_n of at most {result['max_n']}" in problem and "rpi-0 (4 ranks, 500 MiB free)" in problem


def test_a_given_n_that_fits_is_kept_as_given():
    result = plan(cluster(4), 4, n=1000, nb=64)
    assert (result["n"], result["nb"], result["problems"]) == (1000, 64, [])


@pytest.mark.parametrize("nb", [0, -8])
def test_a_block_size_below_one_is_refused(nb):
    assert "block size must be at least 1" in " ".join(plan(cluster(4), 16, nb=nb)["problems"])


@pytest.mark.parametrize("fraction", [0, 1, 1.5])
def test_a_memory_fraction_outside_zero_and_one_is_refused(fraction):
    assert "between 0 and 1" in " ".join(plan(cluster(4), 16, fraction=fraction)["problems"])


def test_too_little_free_memory_for_one_block_is_refused():
    assert "too little free memory" in " ".join(plan(cluster(1, free_mb=1), 4, nb=1024)["problems"])


def test_unknown_memory_asks_for_hpl_n():
    view = cluster(2)
    for node in view["nodes"].values():
        node["memory_mb"] = None
    assert "set hpl_n" in " ".join(plan(view, 8)["problems"])


# --- hpcc_result -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recorded() -> str:
    return RECORDED.read_text()


def test_the_recorded_run_reads_its_size_grid_and_ranks(recorded):
    result = hpcc.hpcc_result(recorded, ["rpi-0"])
    assert (result["n"], result["nb"], result["p"], result["q"], result["ranks"]) == (1200, 96, 1, 2, 2)


def test_the_recorded_run_reads_gflops_from_hpl_tflops(recorded):
    result = hpcc.hpcc_result(recorded, ["rpi-0", "rpi-1"])
    assert (result["gflops"], result["gflops_per_node"]) == (3.691, 1.845)


def test_the_recorded_run_passed_its_residual_check(recorded):
    result = hpcc.hpcc_result(recorded, ["rpi-0"])
    assert (result["passed"], result["residual"], result["threshold"]) == (True, 0.0037827, 16.0)


def test_the_efficiency_is_against_star_dgemm_times_ranks(recorded):
    result = hpcc.hpcc_result(recorded, ["rpi-0"])
    assert result["efficiency"] == round(3.69065 / (5.86516 * 2), 3)


def test_a_failed_residual_check_is_a_failed_run(recorded):
    failed = recorded.replace("0.0037827 ...... PASSED", "27.5 ...... FAILED")
    result = hpcc.hpcc_result(failed, ["rpi-0"])
    assert (result["passed"], result["residual"]) == (False, 27.5)


def test_output_cut_short_is_incomplete_and_not_passed(recorded):
    result = hpcc.hpcc_result(recorded.partition("Begin of HPL section.")[0], ["rpi-0"])
    assert (result["complete"], result["passed"], result["gflops"]) == (False, False, None)


# --- mpirun_map --------------------------------------------------------------------------------------------------------


# mpirun --display-map of Open MPI 4.1.4 on the virtual cluster (recorded; printed twice, as it was).
DISPLAY_MAP = """ Data for JOB [5914,1] offset 0 Total slots allocated 16

 ========================   JOB MAP   ========================

 Data for node: rpi-0\tNum slots: 4\tMax slots: 0\tNum procs: 2
 \tProcess OMPI jobid: [5914,1] App: 0 Process rank: 0 Bound: UNBOUND
 \tProcess OMPI jobid: [5914,1] App: 0 Process rank: 2 Bound: UNBOUND

 Data for node: rpi-1\tNum slots: 4\tMax slots: 0\tNum procs: 1
 \tProcess OMPI jobid: [5914,1] App: 0 Process rank: 1 Bound: N/A

 =============================================================
 Data for node: rpi-0\tNum slots: 4\tMax slots: 0\tNum procs: 2
""".splitlines()


def test_the_display_map_gives_the_ranks_per_node_in_its_order():
    assert list(mpirun_map(DISPLAY_MAP).items()) == [("rpi-0", 2), ("rpi-1", 1)]


def test_output_without_a_map_places_nothing():
    assert mpirun_map(["pi is about 3.14159", "RESULT {}"]) == {}


def test_a_dead_head_node_gets_no_ranks():
    """The head node does not answer: the plan places the ranks on the live nodes only (it placed 4 on the head)."""
    view = cluster(4)
    view["live"] = view["live"][1:]
    result = plan(view, 12)
    assert "rpi-0" not in result["ranks_per_node"] and sum(result["ranks_per_node"].values()) == 12, result


# --- hpl_outcome ---------------------------------------------------------------------------------------------------

OUTPUT_FILE = "/home/mpi/mpi_jobs/hpl/hpccoutf.txt"


def outcome(rc=0):
    return {"rc": rc, "lines": ["mpirun output"], "reason": f"mpirun exited with {rc}", "wall_s": 3.0}


def test_a_passed_run_shows_its_figures_in_one_line(recorded):
    result = hpl_outcome(outcome(), hpcc.hpcc_result(recorded, ["rpi-0"]), OUTPUT_FILE)
    assert result["lines"][1] == ("HPL 3.691 Gflops (3.691 per node), N=1200 NB=96 P x Q=1 x 2, 0.312726 s, residual "
                                  "0.0037827 passed; 31.5% of DGEMM (5.86516 Gflops per rank x 2 ranks)"), result
    assert result["rc"] == 0


def test_the_result_line_holds_the_result_as_json(recorded):
    result = hpcc.hpcc_result(recorded, ["rpi-0"])
    line = hpl_outcome(outcome(), result, OUTPUT_FILE)["lines"][-1]
    assert line.startswith("RESULT ") and json.loads(line[7:]) == result


def test_a_failed_residual_check_fails_a_job_mpirun_ran_to_the_end(recorded):
    failed = hpcc.hpcc_result(recorded.replace("0.0037827 ...... PASSED", "27.5 ...... FAILED"), ["rpi-0"])
    result = hpl_outcome(outcome(), failed, OUTPUT_FILE)
    assert result["rc"] == 1 and result["reason"].startswith("HPL failed its residual check: 27.5 is not below 16.0")


def test_no_result_fails_the_job_naming_the_file(recorded):
    result = hpl_outcome(outcome(), hpcc.hpcc_result("", ["rpi-0"]), OUTPUT_FILE)
    assert (result["rc"], result["reason"], result["lines"][1]) == (
        1, f"hpcc wrote no HPL result in {OUTPUT_FILE}", "HPL: no result")


def test_a_failed_mpirun_keeps_its_own_reason(recorded):
    result = hpl_outcome(outcome(rc=124), hpcc.hpcc_result("", ["rpi-0"]), OUTPUT_FILE)
    assert (result["rc"], result["reason"]) == (124, "mpirun exited with 124")
