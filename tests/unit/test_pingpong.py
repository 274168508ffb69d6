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


@pytest.mark.parametrize(("total", "wanted", "chosen"), [(63, None, list(range(63))), (63, 63, list(range(63))),
                                                         (63, 99, list(range(63))), (63, 4, [0, 15, 31, 47]),
                                                         (3, 1, [0]), (5, 2, [0, 2])])
def test_rounds_asked_for_are_spread_over_the_tournament(total, wanted, chosen):
    assert pingpong.spread(total, wanted) == chosen


@pytest.mark.parametrize("size", [4, 5, 32, 64])
@pytest.mark.parametrize("wanted", [1, 2, 4])
def test_every_node_meets_a_partner_in_every_sampled_round_of_an_even_cluster(size, wanted):
    rounds = pingpong.pair_rounds(size)
    for index in pingpong.spread(len(rounds), wanted):
        playing = {rank for pair in rounds[index] for rank in pair}
        assert len(playing) >= size - size % 2, (index, rounds[index])


@pytest.mark.parametrize(("elapsed", "longest", "limit", "expected"), [
    (10.0, 2.0, None, True), (10.0, 2.0, 12.0, True), (10.5, 2.0, 12.0, False), (0.2, 0.2, 0.1, False)])
def test_a_round_starts_only_if_it_ends_within_the_limit(elapsed, longest, limit, expected):
    assert pingpong.keep_going(elapsed, longest, limit) is expected


def test_the_plan_says_rounds_pairs_round_trips_and_the_limit():
    args = pingpong.parse_args(["--rounds", "2", "--max-seconds", "90"])
    rounds = pingpong.pair_rounds(4)
    text = pingpong.describe_plan(4, rounds, pingpong.spread(3, 2), args)
    assert text == ("plan: 2 of 3 rounds on 4 ranks, 4 pairs, each measured both ways with 100 round trips of 8 bytes "
                    "and 10 of each of 1 MiB, 4 MiB; no round starts that would end past 90 s")


def test_the_pace_warns_when_every_round_would_not_fit():
    assert pingpong.describe_pace(2.0, 63, 100.0) == (
        "the first round took 2.00 s: 63 rounds take about 126 s, more than --max-seconds 100: the rounds past it "
        "will not be measured")


def test_every_pair_measured_needs_no_coverage_line():
    rounds = pingpong.pair_rounds(4)
    assert pingpong.describe_coverage(4, rounds, [0, 1, 2], 3, 5.0, None) is None


def test_a_job_stopped_by_its_limit_says_how_far_it_got():
    rounds = pingpong.pair_rounds(4)
    assert pingpong.describe_coverage(4, rounds, [0, 1, 2], 1, 50.0, 60.0) == (
        "stopped after 1 of 3 rounds at 50 s (--max-seconds 60): 2 of 6 pairs measured; give the job more time "
        "(job_timeout) or fewer round trips")


def test_a_sample_of_rounds_says_it_is_one():
    rounds = pingpong.pair_rounds(8)
    text = pingpong.describe_coverage(8, rounds, pingpong.spread(7, 2), 2, 3.0, None)
    assert text.startswith("measured 2 of 7 rounds (--rounds 2): 8 of 28 pairs, every node against up to 2 others"), text


def test_a_pair_not_measured_is_empty_in_the_matrix():
    assert pingpong.matrix(3, {(0, 1): 5.0, (1, 0): 6.0}) == [[None, 5.0, None], [6.0, None, None], [None, None, None]]


def test_a_pair_not_measured_is_never_slow():
    bandwidth = [[None, 100.0, None], [100.0, None, None], [None, None, None]]
    assert pingpong.slow_pairs(bandwidth, HOSTS[:3]) == []


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--max-seconds", "0"], ["--max-seconds", "-5"]])
def test_rounds_and_limits_below_one_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        pingpong.parse_args(argv)
    assert "must be" in capsys.readouterr().err
