"""The filter per_node: one result per node, whether the node ran the task or was reached by delegation."""
from __future__ import annotations

from ansible_collections.picluster.mpi.plugins.filter.per_node import per_node

HOSTVARS = {
    "rpi-0": {"__probe": {"rc": 0, "pi": {"throttled": "0x0"}}},
    "rpi-1": {"__probe": {"rc": 1}},
    "rpi-2": {},
}
# A loop delegated to the nodes outside the play, as Ansible registers it: one result per item.
DELEGATED = [{"item": "rpi-3", "rc": 0, "pi": None}, {"item": "rpi-4", "rc": 2, "pi": {"throttled": "0x50005"}}]


def test_the_hosts_of_the_play_and_the_delegated_nodes_in_one_dict():
    merged = per_node(HOSTVARS, "__probe", ["rpi-0", "rpi-1"], DELEGATED)
    assert merged == {"rpi-0": HOSTVARS["rpi-0"]["__probe"], "rpi-1": {"rc": 1}, "rpi-3": DELEGATED[0],
                      "rpi-4": DELEGATED[1]}


def test_one_key_of_each_result():
    assert per_node(HOSTVARS, "__probe", ["rpi-0", "rpi-1"], DELEGATED, attribute="rc") == {
        "rpi-0": 0, "rpi-1": 1, "rpi-3": 0, "rpi-4": 2}


def test_a_result_without_the_key_gives_the_default():
    assert per_node(HOSTVARS, "__probe", ["rpi-0", "rpi-1"], attribute="pi") == {
        "rpi-0": {"throttled": "0x0"}, "rpi-1": None}


def test_a_host_that_registered_nothing_gives_the_default():
    assert per_node(HOSTVARS, "__probe", ["rpi-2"], default={}) == {"rpi-2": {}}


def test_without_delegated_results_only_the_hosts_of_the_play():
    assert list(per_node(HOSTVARS, "__probe", ["rpi-1"], None)) == ["rpi-1"]
