"""The order in which every node logs in to every node (check.yml's SSH mesh): each pair once, a few at a time."""
from __future__ import annotations

import itertools
from collections import Counter

import pytest
from ansible_collections.picluster.mpi.plugins.module_utils.all_pairs import DROPPED_TRIES, dropped, login_steps, with_retries

SIZES = [1, 4, 31, 32, 64]


def nodes(count: int) -> list[str]:
    return [f"rpi-{i}" for i in range(count)]


@pytest.mark.parametrize("count", SIZES)
@pytest.mark.parametrize("width", [1, 4, 8])
def test_every_ordered_pair_meets_exactly_once(count, width):
    cluster = nodes(count)
    met = Counter((me, peer) for me in cluster for step in login_steps(cluster, me, width) for peer in step)
    assert set(met) == set(itertools.product(cluster, cluster)) and set(met.values()) == {1}


@pytest.mark.parametrize("count", SIZES)
@pytest.mark.parametrize("width", [1, 4, 8])
def test_no_node_is_reached_by_more_than_the_width_in_any_step(count, width):
    cluster = nodes(count)
    steps = {me: login_steps(cluster, me, width) for me in cluster}
    for index in range(max(len(own) for own in steps.values())):
        reached = Counter(peer for own in steps.values() if index < len(own) for peer in own[index])
        assert max(reached.values()) <= width, (index, reached.most_common(3))


@pytest.mark.parametrize("count", SIZES)
def test_a_node_reaches_no_more_than_the_width_at_once(count):
    assert max(len(step) for step in login_steps(nodes(count), "rpi-0", 4)) <= 4


def test_a_node_outside_the_peers_starts_at_the_first():
    assert login_steps(nodes(4), "elsewhere", 2) == [["rpi-0", "rpi-1"], ["rpi-2", "rpi-3"]]


def test_a_width_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        login_steps(nodes(4), "rpi-0", 0)


@pytest.mark.parametrize(("message", "busy"), [
    ("Connection closed by 192.0.2.17 port 22", True),
    ("kex_exchange_identification: read: Connection reset by peer", True),
    ("Connection reset by 192.0.2.17 port 22", True),
    ("ssh: connect to host rpi-7 port 22: Connection refused", False),
    ("mpi@rpi-7: Permission denied (publickey,hostbased).", False),
    ("Host key verification failed.", False),
    ("timed out", False),
])
def test_a_login_dropped_by_a_busy_sshd_is_told_from_a_refusal(message, busy):
    assert dropped(message) is busy


DROP = "Connection reset by 192.0.2.17 port 22"


def tries(*messages):
    """An attempt that answers with these messages in turn, and the pauses asked for between them."""
    answers, pauses = iter(messages), []
    return (lambda: (next(answers), None)), pauses


@pytest.mark.parametrize(("messages", "outcome", "first_drop", "paused"), [
    (["ok"], "ok", None, []),
    ([DROP, "ok"], "ok", DROP, [1]),
    ([DROP, DROP, "ok"], "ok", DROP, [1, 2]),
    ([DROP] * DROPPED_TRIES, DROP, DROP, list(range(1, DROPPED_TRIES))),
    # A refusal is the pair's fault: never tried again, and not a drop.
    (["Host key verification failed."], "Host key verification failed.", None, []),
    ([DROP, "Permission denied (publickey)."], "Permission denied (publickey).", DROP, [1]),
])
def test_a_dropped_login_is_tried_again_with_longer_pauses_and_a_refusal_is_not(messages, outcome, first_drop, paused):
    attempt, pauses = tries(*messages)
    result = with_retries(attempt, pause=pauses.append)
    assert (result[0][0], result[1], pauses) == (outcome, first_drop, paused)


def test_a_login_dropped_at_every_try_stops_after_the_last():
    calls = []
    with_retries(lambda: calls.append(1) or (DROP, None), pause=lambda _n: None)
    assert len(calls) == DROPPED_TRIES
