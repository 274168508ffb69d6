"""site.yml keeps a time sync service on every node (NTP servers and the governor: molecule/heal)."""
from __future__ import annotations

import pytest
from clustertest import EVERY_RELEASE, NODES, node


@EVERY_RELEASE
@pytest.mark.parametrize("name", NODES)
def test_every_node_has_a_time_sync_service_installed(name):
    assert node(name).package("systemd-timesyncd").is_installed, f"{name} has no systemd-timesyncd"
