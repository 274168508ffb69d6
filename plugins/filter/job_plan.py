"""Filter picluster.mpi.job_plan: where a job's ranks run and how it is launched, worked out once before the job."""
from __future__ import annotations

DOCUMENTATION = r"""
name: job_plan
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The nodes, ranks, hostfile and launch command of a job run by run_job.yml
description:
  - Works out from the cluster view (filter P(picluster.mpi.cluster_view#filter)) what the mpi_job role runs - the
    nodes in machinefile order (head first), their slots, the ranks and where they go, the hostfile, the program
    each rank runs, the C(mpirun) and C(sbatch) command lines, and the pattern of the job's processes that a
    stopped job may leave behind.
  - Ranks are placed as mpirun places them over the hostfile, the same placement the HPL plan uses
    (filter P(picluster.mpi.hpl_plan#filter)).
options:
  _input:
    description: The cluster view.
    type: dict
    required: true
  name:
    description: The shipped job's name (C(hpl) is hpcc's HPL, a program, not a script); empty for a script of one's own.
    type: str
    required: true
  file:
    description: The file name of the job's script (ignored for HPL).
    type: str
    required: true
  home:
    description: The MPI user's home directory, which holds C(machinefile) (and C(mpi_jobs/) for a job run there).
    type: str
    required: true
  workdir:
    description:
      - Where the job's script and files go - C(home), the C(mpi_jobs/) directory of the MPI user's home on every
        node; C(shared), the one of O(shared_path), written once and seen by every node. Empty, the job's own
        choice (C(shared) for C(mpiio), C(home) for every other job).
    type: str
    default: ""
  shared_path:
    description: The shared directory (C(shared_storage_path)).
    type: str
    default: ""
  label:
    description: The job's name in Slurm and in the result.
    type: str
    required: true
  timeout:
    description: The job's time limit in seconds (Slurm's C(--time)).
    type: int
    required: true
  nodes:
    description: The nodes asked for; empty, every live node.
    type: list
    elements: str
    default: []
  np:
    description: The ranks asked for, or C(all) for every slot (every node with O(map_by=node)).
    type: str
    default: all
  map_by:
    description: C(slot) or C(node); empty, the job's own choice (C(node) for C(pingpong)).
    type: str
    default: ""
  args:
    description: The script's arguments, as one string split at whitespace.
    type: str
    default: ""
"""

EXAMPLES = r"""
plan: >-
  {{ __cluster_view | picluster.mpi.job_plan(name='pi', file='pi.py', home='/home/mpi', label='pi', timeout=600,
     np='16') }}
"""

RETURN = r"""
_value:
  description:
    - C(shared) (whether the job runs in the shared directory), C(jobs) (its C(mpi_jobs/) directory), C(script)
      (where its script is, on every node),
      C(hosts) (the job's nodes, head first), C(slots) (theirs, summed), C(map_by), C(ranks) (0 where O(np) is not a
      number), C(ranks_per_node), C(machinefile) (C(~/machinefile), or C(~/machinefile.job) when the job runs on fewer
      nodes than it names), C(hostfile) (the lines of C(~/machinefile.job), empty when the job uses C(~/machinefile)),
      C(workdir), C(program) (what each rank runs; C(pingpong) with C(--max-seconds) within the time limit unless
      O(args) has it), C(mpirun) and C(sbatch) (their argv, which give every rank one
      BLAS and OpenMP thread), C(alone) (for HPL, per node, the C(workdir) and C(mpirun) of HPL on that node alone,
      on its slots), C(leftovers) (an extended
      regular expression for C(pkill --full) matching the job's ranks, launchers and Open MPI daemons).
  type: dict
"""

import re
import shlex

from ansible_collections.picluster.mpi.plugins.module_utils.node_system import MPI_PROCESSES
from ansible_collections.picluster.mpi.plugins.plugin_utils.cluster_order import hostfile_lines, place

# A job's processes show with the program's path first, or its name: `/usr/bin/hpcc`, `mpirun -np 4 ...`.
COMMAND = r"(^|/)({names})( |$)"
# What every rank's environment holds: one rank per slot (a core), so a BLAS (OpenBLAS, or one built with OpenMP) must
# not start a thread per core inside each of them.
RANK_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
# pingpong stops measuring this long before the job's time limit, plus a second a rank, but not before half of it: time
# for its ranks to start and for the report, so that it ends saying what it measured instead of being killed.
PINGPONG_MARGIN_S = 30


def _ranks(np, map_by, hosts, slots):
    if np == "all":
        return len(hosts) if map_by == "node" else slots
    return int(np) if re.fullmatch(r"[0-9]+", str(np)) else 0


def _environment_options():
    return [word for name, value in RANK_ENVIRONMENT.items() for word in ("-x", f"{name}={value}")]


def _program(name, script, args, timeout, ranks):
    """What each rank runs; pingpong, unless told otherwise, with --max-seconds within the job's time limit."""
    if name == "hpl":
        return ["hpcc"]
    words = args.split()
    if name == "pingpong" and not any(word.split("=")[0] == "--max-seconds" for word in words):
        words += ["--max-seconds", str(max(1, timeout // 2, timeout - PINGPONG_MARGIN_S - ranks))]
    return ["python3", "-m", "mpi4py", script, *words]


def _time_limit(seconds):
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _sbatch(view, plan, label, timeout, jobs, nodes_asked):
    hosts, ranks = plan["hosts"], plan["ranks"]
    by_node = plan["map_by"] == "node"
    argv = ["sbatch", "--wait", "--parsable", f"--job-name={label}", f"--ntasks={ranks}",
            f"--time={_time_limit(timeout)}", f"--chdir={plan['workdir']}", f"--output={jobs}/slurm-%j.out",
            "--export=" + ",".join(["ALL", *(f"{name}={value}" for name, value in RANK_ENVIRONMENT.items())])]
    # Slurm may not have noticed yet that a node is down, and would wait for it.
    if view["dead"]:
        argv.append("--exclude=" + ",".join(view["dead"]))
    if nodes_asked:
        argv.append("--nodelist=" + ",".join(hosts))
    # Every node asked for; or, one node after another, as few ranks on each node as the nodes allow.
    if nodes_asked or by_node:
        argv.append(f"--nodes={len(hosts) if nodes_asked else min(ranks, len(hosts))}")
    if by_node:
        argv.append(f"--ntasks-per-node={-(-ranks // len(hosts)) if hosts else 0}")
    return [*argv, "--wrap", shlex.join(["srun"] + plan["program"])]


def job_plan(view, name, file, home, label, timeout, nodes=None, np="all", map_by="", args="", workdir="",
             shared_path=""):
    nodes_asked = list(nodes or [])
    hpl = name == "hpl"
    shared = (workdir or ("shared" if name == "mpiio" else "home")) == "shared"
    jobs = f"{shared_path if shared else home}/mpi_jobs"
    script = f"{jobs}/{file}"
    hosts = [node for node in view["order"] if node in (nodes_asked or view["order"])]
    slots = sum(int(view["nodes"][node]["slots"]) for node in hosts)
    map_by = map_by or ("node" if name == "pingpong" else "slot")
    own_machinefile = bool(view["dead"] or nodes_asked)
    plan = {
        "shared": shared,
        "jobs": jobs,
        "script": script,
        "hosts": hosts,
        "slots": slots,
        "map_by": map_by,
        "ranks": _ranks(np, map_by, hosts, slots),
        "machinefile": f"{home}/machinefile.job" if own_machinefile else f"{home}/machinefile",
        "hostfile": hostfile_lines(hosts, view["nodes"]) if own_machinefile else [],
        # hpcc reads its input from, and writes its output to, the working directory.
        "workdir": f"{jobs}/hpl" if hpl else jobs if shared else home,
    }
    plan["program"] = _program(name, script, args, int(timeout), plan["ranks"])
    plan["ranks_per_node"] = place(hosts, {node: view["nodes"][node]["slots"] for node in hosts}, plan["ranks"],
                                   map_by)
    plan["mpirun"] = (["mpirun", "-np", str(plan["ranks"]), "-machinefile", plan["machinefile"]]
                      + _environment_options()
                      + (["--map-by", "node"] if map_by == "node" else [])
                      + (["--display-map"] if hpl else []) + plan["program"])
    plan["sbatch"] = _sbatch(view, plan, label, int(timeout), jobs, nodes_asked)
    # HPL on every node alone (hpl_mode=per_node): each node runs its own mpirun on its own slots, in a directory of
    # its own (the job's directory may be shared).
    plan["alone"] = {node: {"workdir": f"{plan['workdir']}/{node}",
                            "mpirun": ["mpirun", "-np", str(view["nodes"][node]["slots"]), "--host",
                                       f"localhost:{view['nodes'][node]['slots']}", *_environment_options(), "hpcc"]}
                     for node in hosts} if hpl else {}
    # What a stopped job can leave on a node: its ranks, and the launchers and Open MPI daemons the MPI user runs.
    ranks = COMMAND.format(names="hpcc") if hpl else re.escape(script)
    plan["leftovers"] = f"{ranks}|" + COMMAND.format(names="|".join(sorted(MPI_PROCESSES)))
    return plan


class FilterModule:
    def filters(self):
        return {"job_plan": job_plan}
