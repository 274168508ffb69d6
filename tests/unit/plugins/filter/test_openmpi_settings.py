"""The Open MPI settings the machinefile role writes, decided by the filter openmpi_settings: a decision table over
Open MPI 4 and 5, nodes with more slots than CPUs, nodes on one kernel and the owner's own parameters, and the files
as a real 4-node Pi cluster and the virtual one get them."""
from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from ansible_collections.picluster.mpi.plugins.filter.openmpi_settings import openmpi_settings as settings

ROOT = Path(__file__).resolve().parents[4]
TEMPLATE = (ROOT / "roles/machinefile/templates/mca-params.conf.j2").read_text()


def view(major: int = 4, oversubscribed: bool = False, sharing: bool = False, devices=("eth0",)) -> dict:
    names = [f"rpi-{i}" for i in range(4)]
    nodes = {name: {"network": "192.0.2.0/24", "device": devices[i % len(devices)],
                    "oversubscribed": oversubscribed and i == 1} for i, name in enumerate(names)}
    return {"live": names, "nodes": nodes, "openmpi_major": major, "sharing_a_kernel": names if sharing else []}


def render(params: dict) -> str:
    """The parameter file's block as the role's template renders it (Ansible renders with trim_blocks)."""
    return jinja2.Environment(trim_blocks=True).from_string(TEMPLATE).render(params=params)


# ---- the files of the two clusters the collection is made for ------------------------------------------------------

def test_a_real_pi_cluster_on_open_mpi_4_keeps_binding_and_selects_the_one_sided_components_for_tcp():
    """Four Pi 4s, Raspberry Pi OS 12: 4 slots on 4 cores each, a kernel each."""
    result = settings(view(4), [], {}, {}, "serialized")
    assert render(result["library"]) == (
        "btl = self,vader,tcp\n"
        "btl_tcp_if_include = 192.0.2.0/24\n"
        "oob_tcp_if_include = 192.0.2.0/24\n"
        "osc = sm,pt2pt\n"
        "plm_rsh_args = -o BatchMode=yes\n"
        "pml = ob1\n")
    assert (result["prte_params"], result["unbound"], result["mpi4py_defaults"]) == (None, False, True)


def test_a_real_pi_cluster_on_open_mpi_5_gives_prrte_the_interfaces_and_binds():
    """Four Pi 5s, Raspberry Pi OS 13."""
    result = settings(view(5), [], {}, {}, "serialized")
    assert render(result["library"]) == "btl = self,sm,tcp\nbtl_tcp_if_include = 192.0.2.0/24\npml = ob1\n"
    assert render(result["prte_params"]) == "oob_tcp_if_include = eth0\nplm_ssh_args = -o BatchMode=yes\n"
    assert (result["unbound"], result["mpi4py_defaults"]) == (False, False)


def test_the_virtual_cluster_leaves_ranks_unbound_and_yields_when_idle():
    """Four containers on one 2-core host, 4 slots each: one kernel, more slots than CPUs."""
    result = settings(view(4, oversubscribed=True, sharing=True), [], {}, {}, "serialized")
    assert render(result["library"]) == (
        "btl = self,vader,tcp\n"
        "btl_tcp_if_include = 192.0.2.0/24\n"
        "hwloc_base_binding_policy = none\n"
        "mpi_yield_when_idle = 1\n"
        "oob_tcp_if_include = 192.0.2.0/24\n"
        "osc = sm,pt2pt\n"
        "plm_rsh_args = -o BatchMode=yes\n"
        "pml = ob1\n")


# ---- the decision table --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("major", "oversubscribed", "sharing", "unbound"), [
    (4, False, False, False),
    (4, True, False, False),   # Open MPI 4 binds to the whole socket where slots outnumber CPUs, and starts
    (4, False, True, True),    # one kernel: every node would bind its first rank to core 0
    (5, True, False, True),    # Open MPI 5 refuses to start bound where slots outnumber CPUs
    (5, False, True, True),
    (5, False, False, False),
])
def test_ranks_are_unbound_only_where_binding_goes_wrong(major, oversubscribed, sharing, unbound):
    result = settings(view(major, oversubscribed, sharing), [], {}, {}, "serialized")
    params = result["prte_params"] if major >= 5 else result["library"]
    key = "hwloc_default_binding_policy" if major >= 5 else "hwloc_base_binding_policy"
    assert (result["unbound"], params.get(key)) == (unbound, "none" if unbound else None)


def test_prrte_gets_every_cluster_interface_sorted_once():
    result = settings(view(5, devices=("eth1", "eth0")), [], {}, {}, "serialized")
    assert result["prte_params"]["oob_tcp_if_include"] == "eth0,eth1"


def test_given_networks_replace_the_nodes_own():
    result = settings(view(4), ["10.0.0.0/8", "192.0.2.0/24"], {}, {}, "serialized")
    assert result["library"]["btl_tcp_if_include"] == result["library"]["oob_tcp_if_include"] == "10.0.0.0/8,192.0.2.0/24"


def test_the_owners_parameters_win_over_the_collections():
    result = settings(view(5), [], {"btl_tcp_if_include": "eth0", "pml": "ucx"}, {"plm_ssh_args": "-p 2222"}, "")
    assert (result["library"]["btl_tcp_if_include"], result["library"]["pml"]) == ("eth0", "ucx")
    assert result["prte_params"]["plm_ssh_args"] == "-p 2222"


@pytest.mark.parametrize(("major", "level", "lowered"), [(4, "serialized", True), (4, "", False), (5, "serialized", False)])
def test_mpi4pys_thread_level_is_lowered_on_open_mpi_4_only_when_asked(major, level, lowered):
    assert settings(view(major), [], {}, {}, level)["mpi4py_defaults"] is lowered


def test_a_cluster_whose_open_mpi_is_not_read_yet_is_taken_for_open_mpi_4():
    assert settings(view(None), [], {}, {}, "serialized")["openmpi_major"] == 4
