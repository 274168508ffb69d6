"""Filter picluster.mpi.health_report: turn the probes of check.yml into a verdict and a readable summary."""
from __future__ import annotations

DOCUMENTATION = r"""
name: health_report
author: picluster.mpi maintainers
version_added: 0.1.0
short_description: Summarize the health probes of the cluster nodes
description:
  - Takes what C(check.yml) read on every live node and returns whether the cluster is healthy, the problems found
    and a summary, one line per check, with a table of versions when they differ.
positional: probes, mpirun, slurm
options:
  _input:
    description:
      - The cluster view (filter P(picluster.mpi.cluster_view#filter)), for the members, the live nodes, their
        MPI stack versions and their slots.
    type: dict
    required: true
  probes:
    description: Per live node, the result of M(picluster.mpi.health_probe) (SSH, names and machinefile).
    type: dict
    required: true
  mpirun:
    description: The tiny mpirun on the head node, C(rc) (null when it did not run) and C(stdout).
    type: dict
    required: true
  slurm:
    description:
      - Where the cluster runs Slurm, C(sinfo) (C(rc), C(stdout), C(stderr) of C(sinfo --Node --format '%N|%t|%E')
        on the head node) and C(munge) (per live node, the exit status of C(unmunge) on a credential made on the
        head node). It adds the lines C(slurm), C(munge) and C(clocks) (from the probes' C(clock)).
      - Null without Slurm.
    type: dict
    required: false
"""

EXAMPLES = r"""
report: "{{ __cluster_view | picluster.mpi.health_report(probes, {'rc': 0, 'stdout': 'rpi-0'}) }}"
"""

RETURN = r"""
_value:
  description: C(ok) (bool), C(problems) (list of str) and C(lines) (list of str, the summary).
  type: dict
"""

COMPONENTS = [("openmpi", "Open MPI"), ("mpi4py", "mpi4py"), ("python", "Python"), ("numpy", "NumPy")]
# Node states in which Slurm runs jobs on a node. Any flag after the state (down*, idle~, ...) is trouble: "*" means
# slurmctld cannot reach the node's slurmd.
SLURM_UP = ("idle", "alloc", "mix", "comp")
# munge rejects a credential made on a clock this far off (its default time-to-live).
MUNGE_TTL_S = 300


def _line(check: str, ok: bool, detail: str) -> str:
    return f"{check:<12} {'OK' if ok else 'FAIL':<4}  {detail}"


def _versions(nodes: dict, live: list) -> tuple[list, list]:
    lines, problems = [], []
    arches = {node: nodes[node].get("versions", {}).get("architecture") or "?" for node in live}
    differing = [label for key, label in COMPONENTS
                 if len({str(nodes[node].get("versions", {}).get(key)) for node in live}) > 1]
    if not differing:
        first = nodes[live[0]].get("versions", {}) if live else {}
        summary = ", ".join(f"{label} {first.get(key)}" for key, label in COMPONENTS)
        on = "; ".join(f"{arch}: {', '.join(n for n in live if arches[n] == arch)}" for arch in sorted(set(arches.values())))
        return [_line("versions", True, f"{summary} ({on})")], []
    lines.append(_line("versions", False, f"{', '.join(differing)} differ between nodes:"))
    header = f"  {'node':<12} {'arch':<8} " + " ".join(f"{label:<9}" for _key, label in COMPONENTS)
    lines.append(header)
    for node in live:
        found = nodes[node].get("versions", {})
        lines.append(f"  {node:<12} {arches[node]:<8} " + " ".join(f"{found.get(key)!s:<9}" for key, _label in COMPONENTS))
    for key, label in COMPONENTS:
        if label not in differing:
            continue
        by_arch = {}
        for node in live:
            by_arch.setdefault(arches[node], set()).add(str(nodes[node].get("versions", {}).get(key)))
        split_by_arch = len(by_arch) > 1 and all(len(values) == 1 for values in by_arch.values())
        where = (" between architectures (" + ", ".join(f"{a}: {v.pop()}" for a, v in sorted(by_arch.items())) + ")"
                 if split_by_arch else "")
        problems.append(f"{label} differs{where}; mixed versions fail or hang in mpirun")
    return lines, problems


def _slurm(view: dict, live: list, probes: dict, slurm: dict) -> tuple[list, list]:
    lines, problems = [], []
    sinfo = slurm.get("sinfo") or {}
    states = {}
    for line in str(sinfo.get("stdout") or "").splitlines():
        name, _sep, rest = line.partition("|")
        state, _sep, reason = rest.partition("|")
        states[name.strip()] = (state.strip(), reason.strip())
    if sinfo.get("rc") != 0:
        detail = f"sinfo failed on {view['head']}: {str(sinfo.get('stderr') or '').strip() or 'no answer'}"
        lines.append(_line("slurm", False, detail))
        problems.append(f"the Slurm controller: {detail}")
    else:
        down = []
        for node in view["members"]:
            state, reason = states.get(node, ("", ""))
            if not state:
                down.append(f"{node} is not in Slurm's nodes (run site.yml)")
            elif state not in SLURM_UP:
                down.append(f"{node} is {state}" + (f" ({reason})" if reason and reason != "none" else ""))
        up = len(view["members"]) - len(down)
        lines.append(_line("slurm", not down, f"{up}/{len(view['members'])} nodes up in sinfo"
                           + ("" if down else ": " + ", ".join(f"{n} {states[n][0]}" for n in view["members"]))))
        lines += [f"  {failure}" for failure in down]
        problems += [f"Slurm: {failure}" for failure in down]
    munge = slurm.get("munge") or {}
    refused = [node for node in live if munge.get(node) != 0]
    lines.append(_line("munge", not refused, f"a credential made on {view['head']} decodes on "
                       f"{len(live) - len(refused)}/{len(live)} nodes"
                       + (f"; not on {', '.join(refused)} (a different munge key, or munged stopped)" if refused else "")))
    problems += [f"munge: {node} cannot decode the head node's credentials" for node in refused]
    clocks = {node: probes[node]["clock"] for node in live if isinstance((probes.get(node) or {}).get("clock"), (int, float))}
    if clocks:
        spread = max(clocks.values()) - min(clocks.values())
        fast, slow = max(clocks, key=clocks.get), min(clocks, key=clocks.get)
        ok = spread < MUNGE_TTL_S
        lines.append(_line("clocks", ok, f"largest difference {spread:.1f} s ({fast} ahead of {slow})"
                           + ("" if ok else f"; munge rejects credentials over {MUNGE_TTL_S} s: set up time sync")))
        if not ok:
            problems.append(f"clocks differ by {spread:.0f} s ({fast} ahead of {slow})")
    return lines, problems


def health_report(view: dict, probes: dict, mpirun: dict, slurm: dict | None = None) -> dict:
    members, live = list(view["members"]), [n for n in view["members"] if n in view["live"]]
    nodes = {n: {"versions": view["nodes"][n].get("versions") or {}, "probe": probes.get(n) or {}} for n in live}
    cluster = {"group": view["group"], "head": view["head"], "mpirun": mpirun}
    dead = [n for n in members if n not in live]
    problems: list[str] = []
    lines = [f"cluster '{cluster['group']}': {len(members)} nodes, head {cluster['head']}"]

    missing = f"; no answer from {', '.join(dead)}" if dead else ""
    lines.append(_line("reachable", not dead, f"{len(live)}/{len(members)}{missing}"))
    problems += [f"{node} does not answer" for node in dead]

    version_lines, version_problems = _versions(nodes, live)
    lines += version_lines
    problems += version_problems

    ssh_failures = [f"{src} -> {dst}: {result}" for src in live
                    for dst, result in sorted(nodes[src].get("probe", {}).get("ssh", {}).items()) if result != "ok"]
    pairs = sum(len(nodes[src].get("probe", {}).get("ssh", {})) for src in live)
    lines.append(_line("ssh mesh", not ssh_failures and pairs == len(live) ** 2,
                       f"{pairs - len(ssh_failures)}/{len(live) ** 2} ordered pairs as the MPI user, host keys checked"))
    lines += [f"  {failure}" for failure in ssh_failures]
    problems += [f"no SSH {failure}" for failure in ssh_failures]

    name_failures = [f"{node} resolves {name} to {result['got']}, not {result['want']}" for node in live
                     for name, result in sorted(nodes[node].get("probe", {}).get("resolves", {}).items())
                     if result["got"] != result["want"]]
    lookups = sum(len(nodes[node].get("probe", {}).get("resolves", {})) for node in live)
    lines.append(_line("names", not name_failures, f"{lookups - len(name_failures)}/{lookups} lookups give the cluster address"))
    lines += [f"  {failure}" for failure in name_failures]
    problems += name_failures

    order = [n for n in live if n == cluster["head"]] + [n for n in live if n != cluster["head"]]
    expected = [[n, str(view["nodes"][n]["slots"])] for n in order]
    machinefile_failures = []
    for node in live:
        listed = nodes[node]["probe"].get("machinefile")
        if listed is None:
            machinefile_failures.append(f"{node} has no machinefile")
        elif [list(entry) for entry in listed] != expected:
            machinefile_failures.append(f"{node}'s machinefile lists "
                                        f"{', '.join(f'{e[0]} slots={e[1]}' for e in listed) or 'nothing'}")
    wanted = ", ".join(f"{name} slots={slots}" for name, slots in expected)
    lines.append(_line("machinefile", not machinefile_failures, f"{', '.join(order)}, head first, with their slots, on "
                       f"{len(live) - len(machinefile_failures)}/{len(live)} nodes"))
    lines += [f"  {failure}; the inventory has {wanted}" for failure in machinefile_failures]
    problems += machinefile_failures

    mpirun = cluster.get("mpirun") or {}
    ranks = [line for line in str(mpirun.get("stdout") or "").splitlines() if line.strip()]
    mpirun_ok = mpirun.get("rc") == 0 and len(ranks) == len(live)
    if mpirun.get("rc") is None:
        detail = f"not run: the head node {cluster['head']} does not answer"
    elif mpirun_ok:
        detail = f"{len(ranks)} ranks, one per live node: {', '.join(sorted(ranks))}"
    else:
        detail = f"exit {mpirun.get('rc')}, {len(ranks)} of {len(live)} ranks answered"
    lines.append(_line("mpirun", mpirun_ok, detail))
    if not mpirun_ok:
        problems.append(f"mpirun across the live nodes: {detail}")

    if slurm:
        slurm_lines, slurm_problems = _slurm(view, live, {n: nodes[n]["probe"] for n in live}, slurm)
        lines += slurm_lines
        problems += slurm_problems

    lines.append(f"{'verdict':<12} {'OK' if not problems else 'FAIL':<4}  "
                 + ("healthy" if not problems else f"{len(problems)} problem(s)"))
    return {"ok": not problems, "problems": problems, "lines": lines}


class FilterModule:
    def filters(self):
        return {"health_report": health_report}
