#!/usr/bin/python
"""Module picluster.mpi.job_chart: a picture of a benchmark job's result, next to its JSON."""
from __future__ import annotations

DOCUMENTATION = r"""
module: job_chart
author: picluster.mpi maintainers (@picluster)
version_added: 0.2.0
short_description: Draw a benchmark job's result as a PNG, where matplotlib is installed
description:
  - For a C(pingpong) result, a heat map of the bandwidth between every ordered pair of nodes (largest message),
    with the values written in the cells; for an C(hpl) result, a bar chart of HPL's Gflops against the DGEMM rate
    of the same ranks, with the efficiency (for HPL run on every node alone, one bar per node, the slow ones in red,
    and their median); for usage.yml's report (C(job) C(usage)), the CPU hours each person held
    and used.
  - Meant to run on the controller (delegated to C(localhost), with the controller's Python), where the result was
    saved. matplotlib is optional - without it, or for a job that has no chart, nothing is written and the module
    says why. The collection itself does not need matplotlib.
options:
  result:
    description: The job's result, as saved in its JSON file.
    type: dict
    required: true
  dest:
    description: The PNG file to write.
    type: path
    required: true
attributes:
  check_mode:
    description: Says whether it would draw the chart, and draws nothing.
    support: full
  diff_mode:
    description: Returns no diff; a picture has no useful text diff.
    support: none
"""

EXAMPLES = r"""
- name: Draw the ping-pong result next to its JSON
  picluster.mpi.job_chart:
    result: "{{ lookup('ansible.builtin.file', 'results/pingpong-20261124T183000Z.json') | from_json }}"
    dest: results/pingpong-20261124T183000Z.png
  delegate_to: localhost
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
"""

RETURN = r"""
written:
  description: Whether the chart was written (or, in check mode, would be).
  returned: always
  type: bool
  sample: true
reason:
  description: Why no chart was written, empty when one was.
  returned: always
  type: str
  sample: matplotlib is not installed on the controller
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

CHARTED = ("pingpong", "hpl", "usage")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display on a controller
    import matplotlib.pyplot as plt

    return plt


def pingpong_chart(plt, result):
    hosts = result["hosts"]
    size = str(max(int(size) for size in result["bandwidth_mbs"]))
    values = [[float("nan") if value is None else value for value in row] for row in result["bandwidth_mbs"][size]]
    figure, axes = plt.subplots(figsize=(1.2 * len(hosts) + 2.5, 1.0 * len(hosts) + 1.8))
    image = axes.imshow(values, cmap="viridis")
    axes.set_xticks(range(len(hosts)), labels=hosts, rotation=45, ha="right")
    axes.set_yticks(range(len(hosts)), labels=hosts)
    axes.set_xlabel("echoed by")
    axes.set_ylabel("sent by")
    for i, row in enumerate(result["bandwidth_mbs"][size]):
        for j, value in enumerate(row):
            if value is not None and len(hosts) <= 16:
                axes.text(j, i, f"{value:.0f}", ha="center", va="center", color="white", fontsize=8)
    figure.colorbar(image, ax=axes, label="MB/s")
    axes.set_title(f"Ping-pong bandwidth, {int(size) >> 20} MiB messages")
    return figure


def hpl_alone_chart(plt, result):
    """Every node's Gflops when it ran HPL alone, the slow ones in red, the median as a line."""
    nodes = list(result["gflops_per_node"])
    slow = set(result.get("slow") or [])
    figure, axes = plt.subplots(figsize=(max(4.0, 0.7 * len(nodes) + 2), 4))
    bars = axes.bar(nodes, [result["gflops_per_node"][node] for node in nodes],
                    color=["tab:red" if node in slow else "tab:blue" for node in nodes])
    axes.bar_label(bars, fmt="%.2f", fontsize=8)
    axes.axhline(result["median_gflops"], color="tab:gray", linestyle="--", label="median")
    axes.set_ylabel("Gflops")
    axes.legend(fontsize=8)
    axes.set_title(f"HPL on every node alone, N={result['n']}: {len(slow)} slow node{'' if len(slow) == 1 else 's'}",
                   fontsize=10)
    return figure


def hpl_chart(plt, result):
    if result.get("mode") == "per_node":
        return hpl_alone_chart(plt, result)
    peak = (result.get("star_dgemm_gflops") or 0) * (result.get("ranks") or 0)
    figure, axes = plt.subplots(figsize=(5, 4))
    bars = axes.bar(["HPL", "DGEMM x ranks"], [result["gflops"], peak], color=["tab:blue", "tab:gray"])
    axes.bar_label(bars, fmt="%.2f")
    axes.set_ylabel("Gflops")
    efficiency = f", {result['efficiency'] * 100:.0f}% efficiency" if result.get("efficiency") is not None else ""
    axes.set_title(f"HPL N={result['n']} on {result['ranks']} ranks, {len(result.get('nodes') or [])} nodes"
                   f"{efficiency}", fontsize=10)
    return figure


def _jobs(user, count):
    return f"{user}\n{count} job{'' if count == 1 else 's'}"


def usage_chart(plt, result):
    """CPU hours per person, held and used, for usage.yml's period."""
    users = sorted(result["users"], key=lambda name: -result["users"][name]["cpu_hours"])
    figure, axes = plt.subplots(figsize=(max(4.0, 0.9 * len(users) + 2), 4))
    positions = range(len(users))
    held = axes.bar([p - 0.2 for p in positions], [result["users"][u]["cpu_hours"] for u in users], 0.4,
                    label="held (CPUs x elapsed)", color="tab:blue")
    used = axes.bar([p + 0.2 for p in positions], [result["users"][u]["used_cpu_hours"] for u in users], 0.4,
                    label="used (CPU time)", color="tab:orange")
    axes.bar_label(held, fmt="%.2f", fontsize=8)
    axes.bar_label(used, fmt="%.2f", fontsize=8)
    axes.set_xticks(list(positions), labels=[_jobs(u, result["users"][u]["jobs"]) for u in users])
    axes.set_ylabel("CPU hours")
    axes.legend(fontsize=8)
    axes.set_title(f"Cluster {result.get('cluster', '')}: {result.get('start', '')} to {result.get('end', '')}",
                   fontsize=10)
    return figure


def why_not(result):
    """Why this result gets no chart, or an empty string."""
    job = result.get("job")
    if job not in CHARTED:
        return f"the {job} job has no chart (only {', '.join(CHARTED)})"
    if job == "pingpong" and len(result.get("hosts") or []) < 2:
        return "a ping-pong of fewer than two ranks has no pairs to draw"
    if job == "hpl" and result.get("gflops") is None:
        return "the HPL run gave no Gflops to draw"
    if job == "usage" and not result.get("users"):
        return "no job ran in the period"
    return ""


def main():
    module = AnsibleModule(
        argument_spec={"result": {"type": "dict", "required": True}, "dest": {"type": "path", "required": True}},
        supports_check_mode=True,
    )
    result, dest = module.params["result"], module.params["dest"]
    reason = why_not(result)
    if not reason:
        try:
            plt = _pyplot()
        except ImportError:
            reason = "matplotlib is not installed on the controller (pip install matplotlib for charts)"
    if reason:
        module.exit_json(changed=False, written=False, reason=reason)
    if module.check_mode:
        module.exit_json(changed=True, written=True, reason="")
    figure = {"pingpong": pingpong_chart, "hpl": hpl_chart, "usage": usage_chart}[result["job"]](plt, result)
    figure.tight_layout()
    handle, temporary = tempfile.mkstemp(suffix=".png", dir=os.path.dirname(dest) or ".")
    os.close(handle)
    try:
        figure.savefig(temporary, dpi=100)
        plt.close(figure)
        os.chmod(temporary, 0o644)
        os.replace(temporary, dest)
    except OSError as error:
        os.unlink(temporary)
        module.fail_json(msg=f"cannot write {dest}: {error}")
    module.exit_json(changed=True, written=True, reason="")


if __name__ == "__main__":
    main()
