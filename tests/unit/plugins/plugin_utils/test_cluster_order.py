"""The one order of the nodes every writer follows, imported as Ansible imports it."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.plugin_utils.cluster_order import head_first, hostfile_lines, place


@pytest.mark.parametrize(("live", "head", "order"), [
    (["rpi-0", "rpi-1", "rpi-2"], "rpi-0", ["rpi-0", "rpi-1", "rpi-2"]),
    (["rpi-0", "rpi-1", "rpi-2"], "rpi-2", ["rpi-2", "rpi-0", "rpi-1"]),
    (["rpi-1", "rpi-2"], "rpi-0", ["rpi-1", "rpi-2"]),  # a dead head node is not put back
    ([], "rpi-0", []),
], ids=["head-first-already", "head-moved-first", "dead-head", "none-live"])
def test_head_first_puts_a_live_head_first_and_keeps_inventory_order(live, head, order):
    assert head_first(live, head) == order


def test_hostfile_lines_give_each_node_its_slots_in_the_order_given():
    nodes = {"rpi-0": {"slots": 4}, "rpi-1": {"slots": "2"}}
    assert hostfile_lines(["rpi-1", "rpi-0"], nodes) == ["rpi-1 slots=2", "rpi-0 slots=4"]


@pytest.mark.parametrize(("ranks", "map_by", "placed"), [
    (6, "slot", {"rpi-0": 4, "rpi-1": 2}),
    (6, "node", {"rpi-0": 2, "rpi-1": 2, "rpi-2": 2}),
    (7, "node", {"rpi-0": 3, "rpi-1": 2, "rpi-2": 2}),
    (14, "slot", {"rpi-0": 5, "rpi-1": 5, "rpi-2": 4}),  # more than the slots: spread, for mpirun to refuse
    (0, "slot", {}),
], ids=["fill-slots", "round-robin", "round-robin-uneven", "oversubscribed", "none"])
def test_place_puts_ranks_where_mpirun_puts_them(ranks, map_by, placed):
    order = ["rpi-0", "rpi-1", "rpi-2"]
    assert place(order, dict.fromkeys(order, "4"), ranks, map_by) == placed
