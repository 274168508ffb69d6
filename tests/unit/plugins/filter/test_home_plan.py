"""Where the roster's people have their homes (filter home_plan, plugin_utils/shared_storage.homes)."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.filter.home_plan import home_plan


def test_on_nfs_the_homes_are_one_per_person_under_the_shared_directory():
    assert home_plan("nfs", "/cluster", "/srv/cluster", "/home")["base"] == "/cluster/home"


def test_on_nfs_they_are_made_in_the_head_nodes_export():
    assert home_plan("nfs", "/cluster", "/srv/cluster", "/home")["made_in"] == "/srv/cluster/home"


@pytest.mark.parametrize("backend", ["none", "sshfs"])
def test_otherwise_each_node_has_them_under_the_home_base(backend):
    expected = {"shared": False, "base": "/home", "made_in": "/home"}
    assert home_plan(backend, "/cluster", "/srv/cluster", "/home") == expected


def test_they_are_shared_only_on_nfs():
    assert [home_plan(backend, "/cluster", "/srv/cluster", "/home")["shared"] for backend in ("none", "sshfs", "nfs")] \
        == [False, False, True]
