"""The order in which every node reaches every node, so that no node receives more than a few at once.

When every node of a cluster logs in to its peers in the same order at the same moment, each peer receives a login
from every node at once: at 32 nodes that is more than OpenSSH's MaxStartups (10:30:100) lets through, and sshd
drops logins that nothing is wrong with. Rotated steps spread them: in step s, node i reaches the `width` peers that
follow it at distance s * width to s * width + width - 1 (its own name included, at distance 0), so in every step
each node is reached by exactly `width` nodes, and every ordered pair meets exactly once.
"""
from __future__ import annotations

import random
import time


def login_steps(nodes, me, width):
    """The steps of node `me`: lists of at most `width` peers to reach at once, one step after another."""
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    nodes = list(nodes)
    if not nodes:
        return []
    start = nodes.index(me) if me in nodes else 0
    ordered = [nodes[(start + distance) % len(nodes)] for distance in range(len(nodes))]
    return [ordered[first:first + width] for first in range(0, len(ordered), width)]


# What sshd's MaxStartups (or a full listen queue) does to a login it drops before authentication, as ssh says it.
DROPPED = ("Connection closed by", "Connection reset by", "kex_exchange_identification")


def dropped(message):
    """Whether a failed login was dropped by a busy sshd rather than refused: worth one more try."""
    return any(sign in (message or "") for sign in DROPPED)


# How many tries a login gets in all where a busy sshd drops it, each after a longer random wait. At 64 virtual nodes
# sharing two cores (2026-12-06, one login at a time per node), 28 of 4096 logins were dropped at the first try, and
# 2 of those at the second as well: the cluster was healthy.
DROPPED_TRIES = 3


def _pause(number):
    time.sleep(random.uniform(1.0, 3.0) * number)


def with_retries(attempt, tries=DROPPED_TRIES, pause=_pause):
    """Run `attempt` (which returns the login's outcome, its message first) again while a busy sshd drops the login,
    at most `tries` times in all, with `pause(n)` before try n + 1. The last outcome, and what ssh said at the first
    drop (None where the first try was not dropped)."""
    outcome, first_drop = attempt(), None
    for number in range(1, tries):
        if not dropped(outcome[0]):
            break
        first_drop = first_drop or outcome[0]
        pause(number)
        outcome = attempt()
    return outcome, first_drop
