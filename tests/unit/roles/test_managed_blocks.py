"""Every block the collection manages in a shared file has its marker in one place, _cluster's __cluster_markers."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
MARKERS = yaml.safe_load((ROOT / "roles/_cluster/vars/main.yml").read_text())["__cluster_markers"]
TASK_FILES = sorted(ROOT.glob("roles/*/tasks/*.yml"))


# The modules that write a marked block: Ansible's, and the collection's own for the names (with the hostname).
BLOCK_MODULES = ("ansible.builtin.blockinfile", "picluster.mpi.cluster_names")


def blockinfile_markers() -> list[tuple[str, str]]:
    """(task file, marker) of every task of the roles that writes a marked block."""
    found = []
    for path in TASK_FILES:
        for task in yaml.safe_load(path.read_text()) or []:
            for inner in [task, *task.get("block", []), *task.get("always", [])]:
                for module in BLOCK_MODULES:
                    args = inner.get(module)
                    if args is not None:
                        found.append((str(path.relative_to(ROOT)), str(args.get("marker", ""))))
    return found


def test_the_roles_manage_blocks_at_all():
    assert len(blockinfile_markers()) >= len(MARKERS), blockinfile_markers()


@pytest.mark.parametrize(("path", "marker"), blockinfile_markers(), ids=str)
def test_every_blockinfile_takes_its_marker_from_cluster_markers(path, marker):
    assert re.fullmatch(r"\{\{ __cluster_markers\.\w+ \}\}", marker), f"{path}: marker {marker!r} is written there"


@pytest.mark.parametrize(("name", "marker"), sorted(MARKERS.items()))
def test_every_marker_names_the_collection_and_its_role(name, marker):
    assert re.fullmatch(r"# \{mark\} picluster\.mpi \w+: .+", marker), f"{name}: {marker!r}"


def test_no_two_blocks_share_a_marker():
    assert len(set(MARKERS.values())) == len(MARKERS), MARKERS
