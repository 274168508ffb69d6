"""The pure functions of files/mpi_jobs/pingpong.py: the round-robin schedule, bandwidth, matrices, slow pairs."""
from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import pytest
from source_files import load_source

JOB = Path(__file__).resolve().parents[2] / "files/mpi_jobs/pingpong.py"
pingpong = load_source(JOB)

HOSTS = ["rpi-0", "rpi-1", "rpi-2", "rpi-3"]


def full(size: int, value: float) -> list[list[float | None]]:
    return [[None if i == j else value for j in range(size)] for i in range(size)]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 16, 64])
def test_every_pair_meets_exactly_once(size):
    met = [pair for pairs in pingpong.pair_rounds(size) for pair in pairs]
    assert sorted(met) == list(itertools.combinations(range(size), 2))


@pytest.mark.parametrize("size", [2, 3, 4, 5, 16, 64])
def test_no_rank_plays_twice_in_a_round(size):
    for pairs in pingpong.pair_rounds(size):
        ranks = [rank for pair in pairs for rank in pair]
        assert len(ranks) == len(set(ranks)), pairs


@pytest.mark.parametrize(("size", "rounds"), [(1, 0), (2, 1), (4, 3), (5, 5), (64, 63)])
def test_n_nodes_take_n_minus_one_rounds_or_n_when_odd(size, rounds):
    assert len(pingpong.pair_rounds(size)) == rounds


def test_bandwidth_is_one_way_in_half_the_round_trip():
    assert pingpong.bandwidth_mbs(1_000_000, 0.02) == pytest.approx(100.0)


def test_a_round_trip_of_no_time_is_refused():
    with pytest.raises(ValueError, match="takes time"):
        pingpong.bandwidth_mbs(1_000_000, 0.0)


def test_the_matrix_is_indexed_by_sender_then_echoer_with_an_empty_diagonal():
    assert pingpong.matrix(2, {(0, 1): 10.04, (1, 0): 20.06}) == [[None, 10.0], [20.1, None]]


def test_a_healthy_cluster_has_no_slow_pair():
    assert pingpong.slow_pairs(full(4, 110.0), HOSTS) == []


def test_a_pair_below_half_the_median_is_named_with_what_to_check():
    bandwidth = full(4, 110.0)
    bandwidth[2][3] = 48.0
    assert pingpong.slow_pairs(bandwidth, HOSTS) == [
        "rpi-2 <-> rpi-3: 48 MB/s, median 110: check the cable or the switch port"]


def test_a_pair_just_above_half_the_median_is_not_slow():
    bandwidth = full(4, 110.0)
    bandwidth[1][0] = 56.0
    assert pingpong.slow_pairs(bandwidth, HOSTS) == []


def test_slow_pairs_that_share_a_node_point_at_that_node():
    bandwidth = full(4, 110.0)
    for other in (0, 1):
        bandwidth[3][other] = bandwidth[other][3] = 30.0
    assert pingpong.slow_pairs(bandwidth, HOSTS)[-1] == "every slow pair includes rpi-3: check its cable and switch port first"


def test_the_matrix_table_has_a_row_per_host_and_dashes_on_the_diagonal():
    table = pingpong.format_matrix("bandwidth", HOSTS[:2], [[None, 110.0], [108.0, None]], ".0f").splitlines()
    assert [row.split() for row in table[2:]] == [["rpi-0", "-", "110"], ["rpi-1", "108", "-"]]


@pytest.mark.parametrize("argv", [["--sizes", "1000"], ["--sizes", ""], ["--latency-iterations", "0"]])
def test_bad_arguments_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        pingpong.parse_args(argv)
    assert "error" in capsys.readouterr().err


def test_the_default_sizes_are_one_and_four_mib():
    assert pingpong.parse_args([]).sizes == [1 << 20, 4 << 20]


def test_sizes_are_read_as_bytes():
    assert pingpong.positive_sizes("1048576,2097152") == [1 << 20, 2 << 20]
    with pytest.raises(argparse.ArgumentTypeError):
        pingpong.positive_sizes("512")
