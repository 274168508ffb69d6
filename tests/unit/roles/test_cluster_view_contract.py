"""The contract of the cluster view (docs/cluster-view.md): every key a role or a filter reads exists in a real view,
made by the filter cluster_view from what node_info really reports on this machine, and every key is documented."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.filter.cluster_view import cluster_view
from ansible_collections.picluster.mpi.plugins.filter.health_report import health_report
from ansible_collections.picluster.mpi.plugins.filter.hpl_plan import hpl_plan
from ansible_collections.picluster.mpi.plugins.filter.job_plan import job_plan
from ansible_collections.picluster.mpi.plugins.filter.openmpi_settings import openmpi_settings
from ansible_collections.picluster.mpi.plugins.filter.slurm_nodes import slurm_nodes
from ansible_collections.picluster.mpi.plugins.filter.slurm_tracking import slurm_tracking

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs/cluster-view.md"
MEMBERS = ["rpi-0", "rpi-1"]
# A node's entry read through a name of its own: `{% set node = __cluster_view.nodes[name] %}`, or a role's variable.
NODE_ALIAS = re.compile(r"(?:set\s+(\w+)\s*=|^(\w+):)\s*[\"']?(?:\{\{)?\s*__cluster_view\.nodes\[[^]]+\]"
                        r"\s*(?:\}\})?[\"']?\s*(?:%\})?$", re.MULTILINE)
TOP_KEY = re.compile(r"__cluster_view\.(\w+)")
NODE_KEY = re.compile(r"__cluster_view\.nodes\[[^]]+\]\.(\w+)")
# `__cluster_view.nodes | dict2items | rejectattr('value.KEY' ...)` and `map('extract', __cluster_view.nodes, 'KEY')`.
ITEM_KEY = re.compile(r"__cluster_view\.nodes \| dict2items \| \w+\('value\.(\w+)")


def wiring() -> dict[Path, str]:
    """Every file in which roles and playbooks read the view: tasks, vars, templates."""
    files = [*ROOT.glob("roles/*/*/*.yml"), *ROOT.glob("roles/*/templates/*.j2"), *ROOT.glob("playbooks/*.yml")]
    return {path: path.read_text() for path in files}


def keys_read() -> tuple[set[str], set[str]]:
    top, node = set(), set()
    for text in wiring().values():
        top.update(TOP_KEY.findall(text))
        node.update(NODE_KEY.findall(text))
        node.update(ITEM_KEY.findall(text))
        for match in NODE_ALIAS.finditer(text):
            alias = match.group(1) or match.group(2)
            node.update(re.findall(rf"\b{alias}\.(\w+)", text))
    return top, node


@pytest.fixture(scope="module")
def real_view(run_module) -> dict:
    """The view of two members that both report what node_info reports here, as the play hands them to the filter."""
    info = run_module("node_info", "user=root")
    hostvars = {name: {"inventory_hostname": name, "__cluster_node_info": info}
                for name in MEMBERS}
    return cluster_view(MEMBERS, hostvars, "cluster", MEMBERS[0], {"name": "root", "uid": 0, "gid": 0}, MEMBERS)


def test_the_wiring_reads_the_view_at_all():
    top, node = keys_read()
    assert {"live", "nodes", "write_targets"} <= top and {"hosts_template", "python_apt"} <= node, (top, node)


def test_every_key_the_roles_read_exists_in_a_real_view(real_view):
    top, _node = keys_read()
    assert top - set(real_view) == set(), f"roles read keys the view lacks: {sorted(top - set(real_view))}"


def test_every_node_key_the_roles_read_exists_in_a_real_view(real_view):
    _top, node = keys_read()
    missing = node - set(real_view["nodes"][MEMBERS[0]])
    assert missing == set(), f"roles read node keys the view lacks: {sorted(missing)}"


# Each filter that takes the view, with the arguments its role passes.
READERS = {
    "openmpi_settings": openmpi_settings,
    "job_plan": lambda view: job_plan(view, name="pi", file="pi.py", home="/home/mpi", label="pi", timeout=60),
    "hpl_plan": lambda view: hpl_plan(view, 2, "slot", 0, 96, 0, 0.5),
    "slurm_nodes": lambda view: slurm_nodes(view, 256),
    "slurm_tracking": lambda view: slurm_tracking(view, "auto", "auto"),
    "health_report": lambda view: health_report(view, {}, {"rc": 0, "stdout": ""}),
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_filter_that_reads_the_view_takes_a_real_one(real_view, reader):
    assert READERS[reader](real_view) is not None


def documented() -> set[str]:
    return set(re.findall(r"^\| `(\w+)` \|", DOC.read_text(), re.MULTILINE))


def test_every_key_of_a_real_view_is_documented(real_view):
    keys = set(real_view) | set(real_view["nodes"][MEMBERS[0]])
    assert keys - documented() == set(), f"{DOC.name} lacks: {sorted(keys - documented())}"


def test_the_documentation_names_no_key_the_view_lacks(real_view):
    keys = set(real_view) | set(real_view["nodes"][MEMBERS[0]])
    assert documented() - keys == set(), f"{DOC.name} names keys the view lacks: {sorted(documented() - keys)}"


def test_the_roles_reach_the_view_only_through_its_documented_name():
    # Other roles read _cluster's view, never its private probe result.
    found = subprocess.run(["git", "grep", "-l", "__cluster_node_info", "--", "roles"], cwd=ROOT, capture_output=True,
                           text=True, check=False).stdout.split()
    assert all(path.startswith("roles/_cluster/") for path in found), found
