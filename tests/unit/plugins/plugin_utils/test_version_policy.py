"""One version policy for site.yml and check.yml. Before it, site.yml compared Open MPI, mpi4py and Slurm, check.yml
Open MPI, mpi4py, Python and NumPy: a NumPy difference failed check.yml and passed site.yml, a Python one the same."""
from __future__ import annotations

import copy

import pytest
from ansible_collections.picluster.mpi.plugins.filter import cluster_view
from ansible_collections.picluster.mpi.plugins.filter import health_report as health
from ansible_collections.picluster.mpi.plugins.plugin_utils.version_policy import comparable, differences, shown

BASE = {"openmpi": "4.1.4", "mpi4py": "3.1.4", "python": "3.11.2", "numpy": "1.24.2", "slurm": "22.05.8"}


def nodes_with(key: str | None = None, version: str | None = None) -> dict:
    versions = {name: dict(BASE) for name in ("rpi-0", "rpi-1", "rpi-2")}
    if key:
        versions["rpi-1"][key] = version
    return versions


@pytest.mark.parametrize(("key", "version", "differs"), [
    ("openmpi", "4.1.5", True),
    ("mpi4py", "3.1.6", True),
    ("python", "3.12.1", True),
    ("python", "3.11.4", False),  # a point release: the same pickles
    ("slurm", "23.02.6", True),
    ("numpy", "1.26.4", False),   # shown and warned about, not refused
    ("openmpi", None, False),     # not installed there yet: nothing to compare
])
def test_what_must_match(key, version, differs):
    assert bool(differences(nodes_with(key, version))) is differs


def test_python_is_compared_by_major_and_minor():
    assert (comparable("python", "3.11.2"), comparable("openmpi", "4.1.4")) == ("3.11", "4.1.4")


def test_only_the_components_some_node_has_are_shown():
    versions = {name: {k: v for k, v in BASE.items() if k != "slurm"} for name in ("rpi-0", "rpi-1")}
    assert [key for key, _label in shown(versions)] == ["openmpi", "mpi4py", "python", "numpy"]


def site_refuses(versions: dict) -> bool:
    """Whether site.yml's cluster view holds a version mismatch for these nodes."""
    return bool(cluster_view._mismatches({name: {"release": "Debian bookworm", "versions": v}
                                          for name, v in versions.items()}))


def check_fails(versions: dict) -> bool:
    """Whether check.yml's versions line reports a problem for these nodes."""
    nodes = {name: {"versions": copy.deepcopy(v)} for name, v in versions.items()}
    _lines, problems, _warnings = health._versions(nodes, list(nodes))
    return bool(problems)


@pytest.mark.parametrize(("key", "version"), [
    ("openmpi", "4.1.5"), ("mpi4py", "3.1.6"), ("python", "3.12.1"), ("python", "3.11.4"), ("slurm", "23.02.6"),
    ("numpy", "1.26.4"), (None, None),
])
def test_site_and_check_agree_on_every_difference(key, version):
    versions = nodes_with(key, version)
    assert site_refuses(versions) == check_fails(versions), (key, version)


def test_check_warns_about_a_numpy_difference_without_failing():
    nodes = {name: {"versions": v} for name, v in nodes_with("numpy", "1.26.4").items()}
    lines, problems, warnings = health._versions(nodes, list(nodes))
    assert (problems, warnings) == ([], ["NumPy differs"]) and lines[0].split()[1] == "WARN", (lines, warnings)
