#!/usr/bin/env python3
"""Benchmark provisioning and the cluster-wide playbooks on virtual clusters of several sizes.

Usage:
    bench/provision_bench.py [--nodes 4 16] [--pairs 5] [--mitogen] [--plot docs/provision-time.png]
    bench/provision_bench.py --nodes 4 16 32 64 --scale --pairs 1 --slots 1 [--pingpong-args '--rounds 8']
    bench/provision_bench.py --report results/provision-bench-TIMESTAMP.json

For each size it boots a fresh virtual cluster (tools/vcluster) and measures, in the same run:

- the first converge of site.yml;
- the module calls per node of an idempotent re-run (counted by bench/callback_plugins/module_calls.py in a first,
  untimed re-run): a count, not a time, and the same on every machine;
- --pairs alternating pairs of an idempotent re-run and of a play that calls a module doing nothing
  (ansible.builtin.ping) as many times per node: Ansible's own floor for the re-run. The median of the pairs'
  ratios says what the roles cost beyond calling their modules;
- beside every wall time, the CPU seconds of the controller (ansible-playbook and its forks) and of the nodes'
  containers (their cgroups), which barely move with other load on the machine;
- with --scale, check.yml and the pingpong job (one rank per node, its own time limit; --pingpong-args '--rounds 8'
  measures a sample of rounds), and for each step up in size, the seconds each added node cost: a step that runs
  from one host over every pair of nodes shows as seconds per node that grow with the size; a run that fails keeps
  the end of its output in the results. For check.yml, from the controller's side (bench/callback_plugins): its
  module calls per node, and its CPU split between Ansible's main process and its forks, with the main process's
  CPU in the steps over every pair of nodes, where it waits;
- with --mitogen, at the smallest size, a second fresh cluster converged with Mitogen's strategy
  (mitogen_linear), then re-runs with and without it alternating, and whether every run succeeded and the
  re-runs changed nothing.

It prints the goals and whether each is met, saves the numbers under results/ and draws time against node count as
a PNG. A benchmark, not a test: the times depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "tests/support"))
from playbook_output import changed_hosts, failure_lines, plain_output_env  # noqa: E402

ANSIBLE_PLAYBOOK = PROJECT / ".venv/bin/ansible-playbook"
# The goals of the project's issue #31 and #32.
MODULE_CALLS_GOAL = 12
FLOOR_RATIO_GOAL = 1.3
GROWTH_GOAL = 4.0
# Seconds per added node may grow this much from the first step up to the last before the growth counts as more
# than linear.
LINEAR_SLACK = 1.5
# Lines of a failed run's output kept in the results: check.yml's problems and the failed tasks come last.
TAIL_LINES = 80
# Lines kept of the failed and unreachable task results of a failed run: every node's, at 64 nodes, with its reason.
FAILURE_LINES = 400
# check.yml's steps over every pair of nodes, by their task names in roles/health: every node's logins to every
# other, and one rank on every node talking to every other. Their wall time follows the nodes' work, which on one
# machine grows with N x N.
ALL_PAIRS_TASKS = ("Check SSH to every peer", "Run one-sided communication")
# check.yml's tasks kept with their wall time and the main process's CPU in them: the ones it waits longest on.
LONGEST_TASKS = 4


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def vcluster(name: str, *argv: str) -> None:
    subprocess.run([str(PROJECT / "tools/vcluster"), "--name", name, *argv], check=True, stdout=subprocess.DEVNULL)


def container_ids(name: str) -> list[str]:
    found = subprocess.run(["docker", "ps", "--quiet", "--no-trunc", "--filter", f"name=^{name}-rpi-"],
                           capture_output=True, text=True, check=True).stdout
    return found.split()


def container_cpu_s(ids: list[str]) -> float:
    """CPU seconds the containers used so far, from their cgroups (v1 cpuacct, or v2 cpu.stat)."""
    total = 0.0
    for container in ids:
        for path, scale in [(f"/sys/fs/cgroup/cpuacct/docker/{container}/cpuacct.usage", 1e-9),
                            (f"/sys/fs/cgroup/system.slice/docker-{container}.scope/cpu.stat", 1e-6),
                            (f"/sys/fs/cgroup/docker/{container}/cpu.stat", 1e-6)]:
            if Path(path).exists():
                text = Path(path).read_text()
                value = text.split()[1] if text.startswith("usage_usec") else text.split()[0]
                total += int(value) * scale
                break
    return total


def controller_cpu_s() -> float:
    """CPU seconds of this process's waited-for children so far: ansible-playbook and its forks."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Run:
    """One timed playbook run: wall seconds, controller and nodes' CPU seconds, and its output."""

    def __init__(self, cluster: str, inventory: Path, playbook: str | Path, *extra: str, check: bool = True,
                 **env_extra: str) -> None:
        ids = container_ids(cluster)
        env = plain_output_env(**env_extra)
        before = (time.monotonic(), controller_cpu_s(), container_cpu_s(ids))
        result = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(playbook), *extra], cwd=PROJECT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        self.wall_s = time.monotonic() - before[0]
        self.controller_s = controller_cpu_s() - before[1]
        self.nodes_s = container_cpu_s(ids) - before[2]
        self.returncode, self.output = result.returncode, result.stdout
        if check and result.returncode != 0:
            sys.exit(f"{playbook} failed on {inventory}:\n{result.stdout[-4000:]}")

    def figures(self) -> dict:
        """The times, and for a run that failed the tasks that failed, with Ansible's reasons, and the end of its
        output, which says where."""
        failed = {"failures": failure_lines(self.output, FAILURE_LINES),
                  "output_tail": self.output.splitlines()[-TAIL_LINES:]} if self.returncode else {}
        return {"wall_s": round(self.wall_s, 2), "controller_cpu_s": round(self.controller_s, 2),
                "nodes_cpu_s": round(self.nodes_s, 2), **failed}


def forks(nodes: int) -> list[str]:
    """A fork per node past ansible.cfg's 16, as the README advises for more than 16 Pis."""
    return ["--forks", str(max(16, nodes))]


# check.yml logs in from every node to every other, at about 0.36 CPU seconds a login here, and on a virtual cluster
# every node's logins share this machine's cores. Past 16 nodes, the role's 4 logins at once per node (256 at once at
# 64 nodes: load above 500 on 2 cores) made the controller's own logins miss Ansible's timeout. There the bench makes
# one login at a time per node, and gives the logins, the one-sided check (64 ranks polling on 2 cores took more
# than its 60 s) and Ansible's connections the time that queueing takes; the pingpong job's Ansible connections too
# (after 64 ranks had polled for 400 s, 10 nodes were UNREACHABLE for Ansible once the job had ended).
LOADED_PAST = 16
LOADED_ENV = {"ANSIBLE_TIMEOUT": "60"}


def check_settings(nodes: int) -> tuple[list[str], dict[str, str]]:
    """check.yml's extra arguments and environment for a virtual cluster of this many nodes."""
    if nodes <= LOADED_PAST:
        return [], {}
    return ["-e", "health_ssh_width=1", "-e", "health_ssh_timeout=120", "-e", "health_one_sided_timeout=600"], LOADED_ENV


def report_lines(output: str) -> list[str]:
    """check.yml's report: each check's line and the lines under it that name what failed."""
    lines = output.splitlines()
    start = next((index for index, line in enumerate(lines) if " reachable " in line), None)
    if start is None:
        return []
    end = next((index for index, line in enumerate(lines[start:], start) if " verdict " in line), len(lines) - 1)
    return [line.rstrip() for line in lines[start:end + 1]]


def rerun(cluster: str, inventory: Path, nodes: int, **env_extra: str) -> Run:
    """An idempotent re-run of site.yml; exits when it changed anything."""
    run = Run(cluster, inventory, "site.yml", *forks(nodes), **env_extra)
    changed = changed_hosts(run.output)
    if changed:
        sys.exit(f"the re-run of site.yml on {nodes} nodes changed {changed}: it is not idempotent")
    return run


def callbacks_env(**outputs: Path) -> dict[str, str]:
    """The environment that enables the bench's callbacks (bench/callback_plugins), each writing to its file:
    module_calls=PATH, controller_cpu=PATH."""
    return {"ANSIBLE_CALLBACK_PLUGINS": str(PROJECT / "bench/callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": ",".join(outputs),
            **{f"BENCH_{name.upper()}": str(path) for name, path in outputs.items()}}


def most_calls(counts: Path) -> int:
    """The module calls of the node that got the most, from the module_calls callback's file."""
    return max(json.loads(counts.read_text()).values())


def module_calls_per_node(cluster: str, inventory: Path, nodes: int, workdir: Path) -> int:
    """How many modules an idempotent re-run calls on each node (the most any node gets)."""
    counts = workdir / "module-calls.json"
    rerun(cluster, inventory, nodes, **callbacks_env(module_calls=counts))
    return most_calls(counts)


def floor_playbook(calls: int, workdir: Path) -> Path:
    """A play with `calls` tasks that each call a module doing nothing, with site.yml's become."""
    tasks = "".join(f"    - name: Call a module that does nothing ({number} of {calls})\n"
                    f"      ansible.builtin.ping:\n" for number in range(1, calls + 1))
    path = workdir / "module_floor.yml"
    path.write_text("---\n- name: Call a module as often per node as an idempotent re-run of site.yml\n"
                    "  hosts: \"{{ mpi_cluster_group | default('cluster') }}\"\n"
                    "  become: true\n  gather_facts: false\n  tasks:\n" + tasks)
    return path


def mitogen_env() -> dict[str, str]:
    """Ansible's settings for Mitogen's strategy, from the mitogen package installed beside Ansible."""
    import ansible_mitogen  # pylint: disable=import-outside-toplevel

    strategy = Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(strategy), "ANSIBLE_STRATEGY": "mitogen_linear"}


def medians(runs: list[Run]) -> dict:
    """The median wall time and CPU seconds of alternating runs of one kind, with every run's wall time."""
    figures = [run.figures() for run in runs]
    return {**{key: round(statistics.median(one[key] for one in figures), 2)
               for key in ("wall_s", "controller_cpu_s", "nodes_cpu_s")},
            "runs_s": [one["wall_s"] for one in figures]}


def boot(name: str, nodes: int, slots: int) -> Path:
    vcluster(name, "down")
    vcluster(name, "up", "--nodes", str(nodes), "--slots", str(slots))
    return PROJECT / ".vcluster" / name / "inventory.yml"


def measure_check(cluster: str, inventory: Path, nodes: int) -> dict:
    """check.yml on a converged cluster: its times, whether it passed and its report, and from the controller's side
    (bench/callback_plugins) the module calls per node, the host tasks, and its CPU split between Ansible's main
    process and the forks, with the main process's CPU in check.yml's longest tasks."""
    settings, env = check_settings(nodes)
    with tempfile.TemporaryDirectory(prefix="provision-bench-") as workdir:
        calls, split = Path(workdir) / "module-calls.json", Path(workdir) / "controller-cpu.json"
        check = Run(cluster, inventory, "check.yml", *forks(nodes), *settings, check=False, **env,
                    **callbacks_env(module_calls=calls, controller_cpu=split))
        calls_per_node = most_calls(calls) if calls.exists() else None
        controller = json.loads(split.read_text()) if split.exists() else {}
    found = {**check.figures(), "healthy": check.returncode == 0,
             "settings": " ".join([*settings, *(f"{key}={value}" for key, value in env.items())]),
             "lines": report_lines(check.output)}
    if calls_per_node is not None:
        found["module_calls_per_node"] = calls_per_node
    if controller:
        found.update({"main_cpu_s": controller["main_cpu_s"],
                      "forks_cpu_s": round(check.controller_s - controller["main_cpu_s"], 2),
                      "host_tasks": controller["host_tasks"],
                      "longest_tasks": sorted(controller["tasks"], key=lambda task: -task[1])[:LONGEST_TASKS]})
    return found


def measure(nodes: int, args: argparse.Namespace) -> dict:
    name = f"bench-{nodes}"
    log(f"{nodes} nodes: booting a fresh cluster {name}")
    inventory = boot(name, nodes, args.slots)
    row: dict = {"nodes": nodes}
    try:
        log(f"{nodes} nodes: first converge of site.yml (installs packages on every node: minutes)")
        row["converge"] = Run(name, inventory, "site.yml", *forks(nodes)).figures()
        with tempfile.TemporaryDirectory(prefix="provision-bench-") as workdir:
            calls = module_calls_per_node(name, inventory, nodes, Path(workdir))
            floor_play = floor_playbook(calls, Path(workdir))
            log(f"{nodes} nodes: a re-run calls {calls} modules per node")
            reruns, floors = [], []
            for attempt in range(1, args.pairs + 1):
                reruns.append(rerun(name, inventory, nodes))
                floors.append(Run(name, inventory, floor_play, *forks(nodes)))
                log(f"{nodes} nodes: pair {attempt}/{args.pairs}: re-run {reruns[-1].wall_s:.2f} s, {calls} ping "
                    f"calls {floors[-1].wall_s:.2f} s")
        row.update({
            "module_calls_per_node": calls,
            "rerun": medians(reruns),
            "floor": medians(floors),
            "rerun_over_floor": round(statistics.median(a.wall_s / b.wall_s for a, b in zip(reruns, floors)), 2),
        })
        if args.scale:
            log(f"{nodes} nodes: check.yml")
            row["check"] = measure_check(name, inventory, nodes)
            log(f"{nodes} nodes: the pingpong job on every node")
            pingpong = Run(name, inventory, "run_job.yml", *forks(nodes), "-e", "job=pingpong", "-e",
                           f"mpi_job_results_dir={PROJECT / 'results'}",
                           *(["-e", f"job_args={args.pingpong_args}"] if args.pingpong_args else []), check=False,
                           **(LOADED_ENV if nodes > LOADED_PAST else {}))
            row["pingpong"] = {**pingpong.figures(), "rc": pingpong.returncode,
                               "plan": [line.strip(' "') for line in pingpong.output.splitlines()
                                        if "plan: " in line or "first round took" in line or "stopped after" in line]}
    finally:
        vcluster(name, "down")
    return row


def measure_mitogen(nodes: int, args: argparse.Namespace) -> dict:
    """A fresh cluster converged with Mitogen, then re-runs with and without it, alternating."""
    name = f"bench-mitogen-{nodes}"
    try:
        env = mitogen_env()
    except ImportError:
        return {"nodes": nodes, "error": "mitogen is not installed: .venv/bin/pip install mitogen"}
    log(f"{nodes} nodes, Mitogen: booting a fresh cluster {name}")
    inventory = boot(name, nodes, args.slots)
    try:
        converge = Run(name, inventory, "site.yml", *forks(nodes), check=False, **env)
        found: dict = {"nodes": nodes, "converge": {**converge.figures(), "rc": converge.returncode}}
        if converge.returncode != 0:
            found["error"] = first_error(converge.output)
            found["output"] = converge.output[-3000:]
            log(f"{nodes} nodes: the converge with Mitogen failed ({found['error']}): converging without it, then "
                "re-runs with and without it")
            Run(name, inventory, "site.yml", *forks(nodes))
        plain, mitogen = [], []
        for attempt in range(1, args.pairs + 1):
            plain.append(rerun(name, inventory, nodes))
            mitogen.append(rerun(name, inventory, nodes, **env))
            log(f"{nodes} nodes: pair {attempt}/{args.pairs}: re-run {plain[-1].wall_s:.2f} s, with Mitogen "
                f"{mitogen[-1].wall_s:.2f} s")
        return {**found, "rerun": medians(plain), "rerun_mitogen": medians(mitogen)}
    finally:
        vcluster(name, "down")


def first_error(output: str) -> str:
    """The first line of a failed run that says why: Ansible's [ERROR] line, or a module's msg."""
    for line in output.splitlines():
        if "[ERROR]" in line or line.strip().startswith("msg:"):
            return line.strip()[:300]
    return "no error line in the output"


def wall_s(row: dict, key: str) -> float:
    """A step's wall time."""
    return row[key]["wall_s"]


def node_cpu_s(row: dict, key: str) -> float:
    """A step's CPU seconds per node: what each node did itself, and so, where every node has its own CPU (as on
    Pis), what sets the step's wall time. On one machine every node's work shares its cores instead."""
    return row[key]["nodes_cpu_s"] / row["nodes"]


def controller_s(row: dict, key: str) -> float:
    """A step's CPU seconds on the controller: ansible-playbook and its forks, whatever the nodes run on."""
    return row[key]["controller_cpu_s"]


def forks_s(row: dict, key: str) -> float | None:
    """A step's CPU seconds in Ansible's forks (and their ssh clients): one fork per task and node."""
    return row[key].get("forks_cpu_s")


def all_pairs_tasks(row: dict, key: str) -> list[list] | None:
    """check.yml's steps over every pair of nodes (ALL_PAIRS_TASKS) as the bench noted them: [name, wall seconds,
    the main process's CPU seconds] each (None: not noted)."""
    tasks = row[key].get("longest_tasks")
    if tasks is None:
        return None
    return [task for task in tasks if task[0].split(" : ")[-1].startswith(ALL_PAIRS_TASKS)]


def waiting_s(row: dict, key: str) -> float | None:
    """The main process's CPU seconds in check.yml's steps over every pair of nodes: there it starts one fork per
    node (or one in all), then waits on them for as long as the nodes work."""
    tasks = all_pairs_tasks(row, key)
    return None if tasks is None else sum(cpu for _name, _wall, cpu in tasks)


def main_outside_s(row: dict, key: str) -> float | None:
    """The main process's CPU seconds outside check.yml's steps over every pair: reading every task's variables for
    every node, starting the forks and taking their results."""
    waited = waiting_s(row, key)
    return None if waited is None else row[key]["main_cpu_s"] - waited


def measured(rows: list[dict], key: str, value=wall_s) -> list[dict]:
    """The rows where the step ran and the figure was measured (earlier runs did not split the controller's CPU)."""
    return [row for row in rows if key in row and value(row, key) is not None]


def slopes(rows: list[dict], key: str, value=wall_s) -> list[tuple[int, int, float]]:
    """What each added node cost, from one size to the next: (smaller size, larger size, seconds per node)."""
    found = measured(rows, key, value)
    return [(small["nodes"], large["nodes"], (value(large, key) - value(small, key)) / (large["nodes"] - small["nodes"]))
            for small, large in zip(found, found[1:])]


def per_added_node(rows: list[dict], key: str, value=wall_s) -> list[str]:
    """Seconds each added node cost, from one size to the next."""
    return [f"{small}->{large}: {slope:.2f} s" for small, large, slope in slopes(rows, key, value)]


def linear(rows: list[dict], key: str, value=wall_s) -> bool | None:
    """Whether seconds per added node stayed within LINEAR_SLACK of the first step's (None: too few sizes)."""
    found = [step[2] for step in slopes(rows, key, value)]
    if len(found) < 2:
        return None
    return max(found[1:]) <= LINEAR_SLACK * max(found[0], 0.01)


def met(ok: bool | None) -> str:
    return "not measured" if ok is None else "met" if ok else "NOT MET"


def report(rows: list[dict], mitogen: dict | None) -> list[str]:
    def cell(figures: dict) -> str:
        return (f"{figures['wall_s']:.1f} s ({figures['controller_cpu_s']:.0f} + "
                f"{figures['nodes_cpu_s']:.0f} CPU s)")

    lines = ["wall time (CPU seconds of the controller + of the nodes' containers)", "",
             "| nodes | first converge | idempotent re-run | module calls per node | the same calls alone | "
             "re-run / calls alone | check.yml | pingpong |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['nodes']} | {cell(row['converge'])} | {cell(row['rerun'])} | "
                     f"{row['module_calls_per_node']} | {cell(row['floor'])} | {row['rerun_over_floor']:.2f}x | "
                     f"{cell(row['check']) if 'check' in row else '-'} | "
                     f"{cell(row['pingpong']) if 'pingpong' in row else '-'} |")
    small = rows[0]
    lines += ["", "goals:",
              f"- module calls per node of a re-run: {max(row['module_calls_per_node'] for row in rows)}, at most "
              f"{MODULE_CALLS_GOAL}: {met(all(row['module_calls_per_node'] <= MODULE_CALLS_GOAL for row in rows))}"]
    for row in rows:
        lines.append(f"- re-run / the same module calls alone at {row['nodes']} nodes, median of "
                     f"{len(row['rerun']['runs_s'])} pairs: {row['rerun_over_floor']:.2f}x, at most "
                     f"{FLOOR_RATIO_GOAL}x: {met(row['rerun_over_floor'] <= FLOOR_RATIO_GOAL)}")
    if len(rows) > 1:
        for first, second in zip(rows, rows[1:]):
            if second["nodes"] == 4 * first["nodes"]:
                growth = second["rerun"]["wall_s"] / first["rerun"]["wall_s"]
                lines.append(f"- re-run at {second['nodes']} nodes / at {first['nodes']}: {growth:.2f}x, at most "
                             f"{GROWTH_GOAL:.0f}x: {met(growth <= GROWTH_GOAL)}")
        for key, what in [("rerun", "re-run"), ("pingpong", "pingpong")]:
            steps = per_added_node(rows, key)
            if steps:
                lines.append(f"- {what}, seconds per added node: {', '.join(steps)}; linear (the later steps within "
                             f"{LINEAR_SLACK}x the first's): {met(linear(rows, key))}")
        lines += check_growth(rows)
    for row in rows:
        if "check" in row:
            lines.append(f"- check.yml on a healthy cluster of {row['nodes']} nodes passes: {met(row['check']['healthy'])}")
    if mitogen:
        if "converge" not in mitogen:
            lines.append(f"- Mitogen: {mitogen['error']}")
        else:
            converge = (f"converge {mitogen['converge']['wall_s']:.1f} s against {small['converge']['wall_s']:.1f} s "
                        "without" if "error" not in mitogen else f"converge FAILED: {mitogen['error']}")
            lines.append(f"- Mitogen at {mitogen['nodes']} nodes: {converge}; re-run "
                         f"{mitogen['rerun_mitogen']['wall_s']:.2f} s against {mitogen['rerun']['wall_s']:.2f} s "
                         f"without (controller CPU {mitogen['rerun_mitogen']['controller_cpu_s']:.1f} s against "
                         f"{mitogen['rerun']['controller_cpu_s']:.1f} s)")
    return lines


def at_sizes(rows: list[dict], value) -> str:
    """check.yml's figure at each size: "1.0, 2.5 s at 4, 16 nodes"."""
    figures = ", ".join(f"{value(row, 'check'):.1f}" for row in rows)
    return f"{figures} s at {', '.join(str(row['nodes']) for row in rows)} nodes"


def check_growth(rows: list[dict]) -> list[str]:
    """Whether check.yml grows linearly where it matters. Every node logs in to every other: N x N logins. On Pis
    each node makes its own N logins with its own CPU, so the wall time follows a node's CPU, which must grow
    linearly. The controller must have no step over every pair run from one host: its module calls per node stay the
    same at every size, and its work grows linearly: the forks' CPU, and the main process's outside the steps over
    every pair. In those steps the main process waits on the forks, at a cost that follows their wall time, and on
    one machine all N x N logins share its cores: that wall time and that wait are printed, not judged."""
    if not slopes(rows, "check"):
        return []
    sizes = [row for row in rows if "check" in row]
    lines = [f"- check.yml, wall time per added node on this machine (all N x N logins share its cores; not a goal): "
             f"{', '.join(per_added_node(rows, 'check'))}"]
    for what, value in [("the nodes' CPU per node", node_cpu_s), ("the controller's forks' CPU", forks_s),
                        ("the main process's CPU outside the steps over every pair", main_outside_s)]:
        found = measured(sizes, "check", value)
        if not found:
            lines.append(f"- check.yml, {what}: not measured")
            continue
        lines.append(f"- check.yml, {what}: {at_sizes(found, value)}; per added node: "
                     f"{', '.join(per_added_node(found, 'check', value))}; linear (the later steps within "
                     f"{LINEAR_SLACK}x the first's): {met(linear(found, 'check', value))}")
    calls = [row["check"]["module_calls_per_node"] for row in sizes if "module_calls_per_node" in row["check"]]
    lines.append("- check.yml, module calls per node: " + (
        f"{', '.join(map(str, calls))}; the same at every size (no step over every pair run from one host): "
        f"{met(len(set(calls)) == 1 if len(calls) > 1 else None)}" if calls else "not measured"))
    waits = []
    for row in measured(sizes, "check", waiting_s):
        cpu, wall = waiting_s(row, "check"), sum(task[1] for task in all_pairs_tasks(row, "check"))
        waits.append(f"{cpu:.1f} s in {wall:.0f} s at {row['nodes']} nodes ({cpu / max(wall, 0.01):.3f} s a second)")
    if waits:
        lines.append("- check.yml, the main process's CPU waiting in the steps over every pair (follows their wall "
                     f"time; not a goal): {', '.join(waits)}")
    lines.append(f"- check.yml, the controller's CPU in all: {at_sizes(sizes, controller_s)}; per added node: "
                 f"{', '.join(per_added_node(rows, 'check', controller_s))}")
    return lines


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    nodes = [row["nodes"] for row in rows]
    figure, axes = plt.subplots(figsize=(8, 3.6), dpi=100)
    for key, label, style in [("converge", "first converge", "o-"), ("rerun", "idempotent re-run", "s-"),
                              ("floor", "its module calls alone (ping)", "v:"), ("check", "check.yml", "^--"),
                              ("pingpong", "pingpong job", "d-.")]:
        if all(key in row for row in rows):
            axes.plot(nodes, [row[key]["wall_s"] for row in rows], style, label=label)
    axes.set_xlabel("virtual nodes")
    axes.set_ylabel("wall time (s)")
    axes.set_yscale("log")
    axes.set_xticks(nodes)
    axes.set_title("site.yml, check.yml and pingpong on virtual nodes sharing 2 cores")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    # "tight" keeps the title and the legend beside the axes inside the picture.
    figure.savefig(path, bbox_inches="tight", metadata={"Software": None})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[4, 16], help="cluster sizes (default: 4 16)")
    parser.add_argument("--pairs", type=int, default=5, help="alternating re-run and floor pairs per size (default: 5)")
    parser.add_argument("--slots", type=int, default=4, help="slots per virtual node (default: 4)")
    parser.add_argument("--scale", action="store_true", help="also time check.yml and the pingpong job")
    parser.add_argument("--pingpong-args", default="",
                        help="job_args of the pingpong job with --scale, e.g. '--rounds 8' (default: every round)")
    parser.add_argument("--mitogen", action="store_true", help="also converge and re-run with Mitogen's strategy")
    parser.add_argument("--plot", type=Path, default=PROJECT / "docs/provision-time.png", help="where to write the PNG")
    parser.add_argument("--report", type=Path, metavar="JSON",
                        help="measure nothing: print the goals of an earlier run from its numbers under results/")
    args = parser.parse_args(argv)
    if args.report:
        saved = json.loads(args.report.read_text())
        print("\n".join(report(saved["rows"], saved["mitogen"])))
        return 0
    log(f"sizes {sorted(args.nodes)}, {args.pairs} pairs each{', with check.yml and pingpong' if args.scale else ''}")
    out = PROJECT / "results" / f"provision-bench-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.parent.mkdir(exist_ok=True)
    rows: list[dict] = []
    mitogen = None

    def save() -> None:
        out.write_text(json.dumps({"rows": rows, "mitogen": mitogen}, indent=2) + "\n")

    # Saved after every size: a run of hours that fails at its largest size keeps what the smaller ones measured.
    for nodes in sorted(args.nodes):
        rows.append(measure(nodes, args))
        save()
    if args.mitogen:
        mitogen = measure_mitogen(min(args.nodes), args)
        save()
    print("\n".join(report(rows, mitogen)))
    plot(rows, args.plot)
    log(f"numbers in {out.relative_to(PROJECT)}, plot in {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
