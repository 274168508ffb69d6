"""The one order of the nodes every writer follows, imported as Ansible imports it."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.plugin_utils.cluster_order import head_first


@pytest.mark.parametrize(("live", "head", "order"), [
    (["rpi-0", "rpi-1", "rpi-2"], "rpi-0", ["rpi-0", "rpi-1", "rpi-2"]),
    (["rpi-0", "rpi-1", "rpi-2"], "rpi-2", ["rpi-2", "rpi-0", "rpi-1"]),
    (["rpi-1", "rpi-2"], "rpi-0", ["rpi-1", "rpi-2"]),  # a dead head node is not put back
    ([], "rpi-0", []),
], ids=["head-first-already", "head-moved-first", "dead-head", "none-live"])
def test_head_first_puts_a_live_head_first_and_keeps_inventory_order(live, head, order):
    assert head_first(live, head) == order
