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


# --- links -------------------------------------------------------------------------------------------------------------

# `ip -o -4 address show` on a Pi with its cluster address on eth0 and Wi-Fi up too.
IP_ADDRESSES = """1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: eth0    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever preferred_lft forever
3: wlan0    inet 192.0.2.7/24 brd 192.0.2.255 scope global dynamic noprefixroute wlan0\\       valid_lft 86000sec
"""


def test_the_addresses_are_read_with_their_interface():
    assert pingpong.parse_ip_addresses(IP_ADDRESSES) == {"127.0.0.1": "lo", "10.0.0.11": "eth0", "192.0.2.7": "wlan0"}


LINE_RATES = [(1000, 1500, 117.7), (100, 1500, 11.8), (1000, 9000, 123.8), (2500, 1500, 294.2)]


@pytest.mark.parametrize(("speed", "mtu", "rate"), LINE_RATES)
def test_the_line_rate_is_the_tcp_payload_the_link_carries(speed, mtu, rate):
    assert round(pingpong.line_rate_mbs(speed, mtu), 1) == rate


@pytest.mark.parametrize(("speed", "expected"), [("1000\n", 1000), ("-1", None), (None, None), ("unknown", None)],
                         ids=["gigabit", "link-down", "wifi-no-file", "garbage"])
def test_a_speed_the_kernel_does_not_know_gives_no_line_rate(speed, expected):
    found = pingpong.link("eth0", speed, "1500")
    assert (found["speed_mbit"], found["line_rate_mbs"] is None) == (expected, expected is None), found


def test_each_pair_is_measured_against_the_slower_of_its_two_links():
    links = [pingpong.link("eth0", "1000", "1500"), pingpong.link("eth0", "100", "1500"),
             pingpong.link(None, None, None)]
    fractions = pingpong.of_line_rate([[None, 11.0, 100.0], [11.0, None, 11.0], [100.0, 11.0, None]], links)
    assert fractions == [[None, round(11.0 / 11.8, 3), None], [round(11.0 / 11.8, 3), None, None], [None, None, None]]


def test_a_node_that_negotiated_less_than_the_others_is_named():
    links = [pingpong.link("eth0", "1000", "1500"), pingpong.link("eth0", "100", "1500"),
             pingpong.link("eth0", "1000", "1500"), pingpong.link("wlan0", None, "1500")]
    assert pingpong.link_notes(links, HOSTS) == [
        "rpi-1: eth0 negotiated 100 Mbit/s, the fastest node 1000 Mbit/s: check its cable (Gigabit needs all eight "
        "wires) and its switch port"]


def test_links_of_one_speed_need_no_note():
    assert pingpong.link_notes([pingpong.link("eth0", "1000", "1500")] * 4, HOSTS) == []
