"""Filter picluster.mpi.openmpi_settings: every Open MPI setting the machinefile role writes, from the cluster view."""
from __future__ import annotations

DOCUMENTATION = r"""
name: openmpi_settings
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The Open MPI settings of the cluster, from the cluster view
description:
  - Decides the MCA parameters of C(/etc/openmpi/openmpi-mca-params.conf) and, on Open MPI 5, of PRRTE's
    C(/etc/openmpi/prte-mca-params.conf), from the live nodes of the cluster view (filter
    P(picluster.mpi.cluster_view#filter)) and their Open MPI major version, the cluster networks and interfaces, nodes
    with more slots than CPUs, nodes that share one kernel (containers on one host), then the owner's own parameters
    over all of it.
  - Also says whether mpi4py's default thread level is lowered on the nodes (Open MPI 4 with a level set).
positional: networks, mca_params, prte_params, mpi4py_thread_level
options:
  _input:
    description: The cluster view.
    type: dict
    required: true
  networks:
    description: The cluster networks (C(machinefile_networks)); empty, the networks of the live nodes.
    type: list
    elements: str
    default: []
  mca_params:
    description: The owner's Open MPI parameters (C(machinefile_mca_params)), over the collection's.
    type: dict
    default: {}
  prte_params:
    description: The owner's PRRTE parameters on Open MPI 5 (C(machinefile_prte_params)), over the collection's.
    type: dict
    default: {}
  mpi4py_thread_level:
    description: The thread level mpi4py asks for by default on Open MPI 4 (C(machinefile_mpi4py_thread_level)).
    type: str
    default: serialized
"""

EXAMPLES = r"""
settings: >-
  {{ __cluster_view | picluster.mpi.openmpi_settings(machinefile_networks, machinefile_mca_params,
     machinefile_prte_params, machinefile_mpi4py_thread_level) }}
"""

RETURN = r"""
_value:
  description:
    - C(openmpi_major), C(prte) (Open MPI 5, whose run-time PRRTE reads settings of its own), C(library) (the
      parameters of C(/etc/openmpi/openmpi-mca-params.conf)), C(prte_params) (those of
      C(/etc/openmpi/prte-mca-params.conf), null on
      Open MPI 4), C(unbound) (whether ranks are left unbound) and C(mpi4py_defaults) (whether mpi4py's default
      thread level is lowered on the nodes).
  type: dict
"""


def _unique(values):
    return list(dict.fromkeys(values))


def openmpi_settings(view, networks=None, mca_params=None, prte_params=None, mpi4py_thread_level="serialized"):
    nodes = [view["nodes"][name] for name in view["live"]]
    major = int(view.get("openmpi_major") or 4)
    # Open MPI 5 hands starting and wiring up the job to PRRTE, which reads its run-time parameters from
    # prte-mca-params.conf (and calls the SSH one plm_ssh_args); it ignores them in openmpi-mca-params.conf.
    prte = major >= 5
    networks = list(networks or []) or _unique(node["network"] for node in nodes)
    oversubscribed = any(node.get("oversubscribed") for node in nodes)
    # PRRTE (3.0 in Debian trixie) matches no interface when given a subnet on hosts that also have IPv6 addresses
    # (openpmix/openpmix#4031): it gets the names of the cluster interfaces instead. mpirun hands the head node's
    # value to every node, so it lists the cluster interface of every live node.
    runtime = ({"oob_tcp_if_include": ",".join(sorted(_unique(node["device"] for node in nodes))),
                "plm_ssh_args": "-o BatchMode=yes"} if prte else
               {"oob_tcp_if_include": ",".join(networks), "plm_rsh_args": "-o BatchMode=yes"})
    # Binding each rank to a core goes wrong in two cases, and binding is off there. Open MPI 5 refuses to start on a
    # node with fewer CPUs than slots (Open MPI 4 binds to the whole socket there and starts). Nodes on one kernel
    # (containers on one host) share its CPUs, and each binds its first rank to the same core 0: a ping-pong between
    # two virtual nodes took 48 us with both ranks on one core, 28 us unbound.
    unbound = (prte and oversubscribed) or bool(view.get("sharing_a_kernel"))
    binding = {("hwloc_default_binding_policy" if prte else "hwloc_base_binding_policy"): "none"} if unbound else {}
    # A rank waiting for a message polls the network without pause. Open MPI yields the CPU instead when it knows it
    # runs more ranks than CPUs, but a machinefile that gives a node more slots than CPUs hides that from it: the
    # polling ranks then hold the CPUs that the ranks with work to do need (a round trip of 8 ms instead of 60 us
    # between two virtual nodes sharing two cores).
    idle = {"mpi_yield_when_idle": 1} if oversubscribed else {}
    # One-sided communication (MPI.Win) across nodes: Open MPI 4's rdma component needs a network with RDMA, and ucx
    # breaks the TCP link on Accumulate, so over TCP only pt2pt serves (sm within a node). pt2pt refuses
    # MPI_THREAD_MULTIPLE, mpi4py's default: every Python start on the nodes then reads a lower default (a .pth
    # module), since setting it through Open MPI for every rank (mca_base_env_list) would break `mpirun -x` and miss
    # srun.
    one_sided = {} if prte else {"osc": "sm,pt2pt"}
    library = {"btl": f"self,{'sm' if prte else 'vader'},tcp", "pml": "ob1", "btl_tcp_if_include": ",".join(networks)}
    if not prte:
        library.update(runtime)
        library.update(binding)
    library.update(one_sided)
    library.update(idle)
    library.update(mca_params or {})
    return {
        "openmpi_major": major,
        "prte": prte,
        "library": library,
        "prte_params": {**runtime, **binding, **(prte_params or {})} if prte else None,
        "unbound": unbound,
        "mpi4py_defaults": not prte and bool(mpi4py_thread_level),
    }


class FilterModule:
    def filters(self):
        return {"openmpi_settings": openmpi_settings}
