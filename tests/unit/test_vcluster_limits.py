"""tools/vcluster raises the host's kernel limits that many node containers need, and says so: inotify (every node's
systemd) and the ARP table (every node talking to every other)."""
from __future__ import annotations

from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOADER = SourceFileLoader("vcluster", str(ROOT / "tools/vcluster"))
vcluster = module_from_spec(spec_from_loader("vcluster", LOADER))
LOADER.exec_module(vcluster)


def limits(tmp_path: Path, instances: int, watches: int) -> Path:
    (tmp_path / "max_user_instances").write_text(f"{instances}\n")
    (tmp_path / "max_user_watches").write_text(f"{watches}\n")
    return tmp_path


@pytest.mark.parametrize("nodes", [32, 64])
def test_the_kernels_default_of_128_instances_is_raised_for_more_than_28_nodes(tmp_path, nodes):
    # 128 instances ran out at about 28 nodes: 32 and 64 need more than the default.
    root = limits(tmp_path, 128, 8192)
    raised = vcluster.raise_inotify(nodes, root)
    assert int((root / "max_user_instances").read_text()) >= 128 * nodes // 28 + 1, raised
    assert any("fs.inotify.max_user_instances from 128" in line for line in raised), raised


def test_limits_already_high_enough_are_left_as_they_are(tmp_path):
    root = limits(tmp_path, 100000, 10000000)
    assert vcluster.raise_inotify(64, root) == []
    assert (root / "max_user_instances").read_text() == "100000\n"


def test_a_limit_it_cannot_raise_says_what_to_run(tmp_path, monkeypatch):
    root = limits(tmp_path, 128, 10000000)

    def refused(_path, _text):
        # What writing /proc/sys/fs/inotify/* gives a user without root.
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "write_text", refused)
    [line] = vcluster.raise_inotify(64, root)
    assert line.endswith(f"run 'sysctl -w fs.inotify.max_user_instances={vcluster.inotify_needs(64)['max_user_instances']}'"
                         " as root"), line


@pytest.mark.parametrize("nodes", [4, 8, 16])
def test_the_kernels_defaults_hold_the_clusters_of_the_tests_without_root(tmp_path, nodes):
    # The kernel's 128 instances held 28 nodes: a user without root boots the test clusters as before.
    assert vcluster.raise_inotify(nodes, limits(tmp_path, 128, 8192 * 18)) == []


# The kernel's defaults for the ARP table.
SOFT, HARD = 512, 1024


def arp_limits(tmp_path: Path, soft: int = SOFT, hard: int = HARD) -> Path:
    (tmp_path / "gc_thresh2").write_text(f"{soft}\n")
    (tmp_path / "gc_thresh3").write_text(f"{hard}\n")
    return tmp_path


@pytest.mark.parametrize("nodes", [32, 64])
def test_the_hard_limit_is_raised_above_every_pair_of_nodes(tmp_path, nodes):
    # 32 nodes that had all talked to each other overflowed the kernel's 1024 entries.
    root = arp_limits(tmp_path)
    raised = vcluster.raise_neighbours(nodes, root)
    assert int((root / "gc_thresh3").read_text()) >= 2 * nodes * nodes, raised
    assert int((root / "gc_thresh2").read_text()) >= nodes * nodes, raised
    assert any("net.ipv4.neigh.default.gc_thresh3 from 1024" in line for line in raised), raised


@pytest.mark.parametrize("nodes", [4, 8, 16])
def test_the_arp_tables_defaults_hold_the_clusters_of_the_tests_without_root(tmp_path, nodes):
    assert vcluster.raise_neighbours(nodes, arp_limits(tmp_path)) == []


def test_arp_limits_already_high_enough_are_left_as_they_are(tmp_path):
    root = arp_limits(tmp_path, 80000, 100000)
    assert vcluster.raise_neighbours(64, root) == []
    assert (root / "gc_thresh3").read_text() == "100000\n"


def test_an_arp_limit_it_cannot_raise_says_what_to_run(tmp_path, monkeypatch):
    root = arp_limits(tmp_path, 100000, HARD)

    def refused(_path, _text):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "write_text", refused)
    [line] = vcluster.raise_neighbours(64, root)
    needed = vcluster.neighbour_needs(64)["gc_thresh3"]
    assert "No route to host" in line, line
    assert line.endswith(f"run 'sysctl -w net.ipv4.neigh.default.gc_thresh3={needed}' as root"), line
