"""The verdict and summary of check.yml, from a cluster view and probe results of the shape the nodes return."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.filter import health_report as health

NODES = ("rpi-0", "rpi-1", "rpi-2")
ADDRESSES = {"rpi-0": "192.0.2.10", "rpi-1": "192.0.2.11", "rpi-2": "192.0.2.12"}
VERSIONS = {"openmpi": "4.1.4", "mpi4py": "3.1.4", "python": "3.11.2", "numpy": "1.24.2", "architecture": "aarch64"}


def cluster_view(live=NODES, head="rpi-0") -> dict:
    """The parts of picluster.mpi.cluster_view that health_report reads; every live node has 4 slots."""
    return {"group": "cluster", "head": head, "members": list(NODES), "live": list(live),
            "nodes": {node: {"versions": dict(VERSIONS), "slots": 4} for node in live}}


def probes(live=NODES, head="rpi-0") -> dict:
    """What picluster.mpi.health_probe returns on each live node of a healthy cluster."""
    machinefile = [[node, "4"] for node in [head] + [n for n in live if n != head]]
    return {
        node: {
            "changed": False,
            "ssh": dict.fromkeys(live, "ok"),
            "resolves": {peer: {"want": ADDRESSES[peer], "got": ADDRESSES[peer]} for peer in live},
            "machinefile": [list(entry) for entry in machinefile],
            "clock_offsets": {peer: {"offset": round(0.1 * (index - live.index(node)), 3), "uncertainty": 0.05}
                              for index, peer in enumerate(live)},
        }
        for node in live
    }


def many_nodes(count: int) -> tuple[list, dict, dict]:
    """Names past rpi-9 (so that sorting them as text would reorder them), a view, and healthy SSH and machinefiles."""
    names = [f"rpi-{index}" for index in range(count)]
    view = {"group": "cluster", "head": "rpi-0", "members": names, "live": names,
            "nodes": {node: {"versions": dict(VERSIONS), "slots": 4} for node in names}}
    found = {node: {"ssh": dict.fromkeys(names, "ok"), "resolves": {}, "clock_offsets": {},
                    "machinefile": [[peer, "4"] for peer in names]} for node in names}
    return names, view, found


def test_a_login_dropped_once_by_a_busy_sshd_is_said_and_not_counted():
    found = probes()
    found["rpi-1"]["retried"] = {"rpi-2": "Connection reset by 192.0.2.12 port 22"}
    report = health.health_report(cluster_view(), found, mpirun())
    assert report["ok"] and "  1 login(s) dropped by a busy sshd (MaxStartups) worked at a later try: rpi-1 -> rpi-2" in (
        report["lines"]), report["lines"]


def test_many_logins_that_worked_at_a_later_try_are_counted_and_the_first_few_named():
    names, view, found = many_nodes(8)
    for peer in names[1:]:
        found["rpi-0"].setdefault("retried", {})[peer] = "Connection closed by 192.0.2.1 port 22"
    report = health.health_report(view, found, mpirun(live=names))
    assert ("  7 login(s) dropped by a busy sshd (MaxStartups) worked at a later try: rpi-0 -> rpi-1, rpi-0 -> rpi-2, "
            "rpi-0 -> rpi-3, rpi-0 -> rpi-4, rpi-0 -> rpi-5 and 2 more") in report["lines"], report["lines"]


def test_a_login_dropped_at_every_try_fails_and_says_what_to_change():
    found = probes()
    found["rpi-1"]["retried"] = {"rpi-2": "Connection reset by 192.0.2.12 port 22"}
    found["rpi-1"]["ssh"]["rpi-2"] = "Connection reset by 192.0.2.12 port 22"
    report = health.health_report(cluster_view(), found, mpirun())
    hint = [text for text in report["lines"] if "at each of" in text]
    assert not report["ok"] and hint and "lower health_ssh_width" in hint[0], report["lines"]


def test_the_mpirun_line_names_the_ranks_hosts_in_the_clusters_order():
    names, view, found = many_nodes(12)
    report = health.health_report(view, found, mpirun(live=sorted(names)))
    # As text, rpi-10 and rpi-11 would come third and fourth.
    assert line(report, "mpirun").endswith("one per live node: rpi-0, rpi-1, rpi-2, rpi-3, rpi-4 and 7 more"), (
        report["lines"])


# At 64 nodes, every one of these lines named all 64 nodes.
@pytest.mark.parametrize(("check", "says"), [
    ("versions", "(aarch64: all 12 nodes)"),
    ("machinefile", "rpi-0, rpi-1, rpi-2, rpi-3, rpi-4 and 7 more, head first, with their slots, on 12/12 nodes"),
    ("time sync", "containers (all 12 nodes): their clocks are the host's"),
])
def test_on_many_nodes_a_line_that_informs_counts_them(check, says):
    names, view, found = many_nodes(12)
    in_containers = dict.fromkeys(names, node_health(service=None, synchronized=None, container="docker"))
    report = health.health_report(view, found, mpirun(live=names), None, in_containers)
    assert line(report, check).endswith(says), report["lines"]


def mpirun(live=NODES, rc=0) -> dict:
    return {"rc": rc, "stdout": "\n".join(live)}


def test_a_healthy_cluster_is_ok():
    report = health.health_report(cluster_view(), probes(), mpirun())
    assert (report["ok"], report["problems"]) == (True, []), report


def test_a_healthy_cluster_passes_every_check():
    lines = health.health_report(cluster_view(), probes(), mpirun())["lines"]
    assert all(" OK " in line for line in lines[1:]), lines


def test_the_summary_starts_with_the_group_size_and_head():
    lines = health.health_report(cluster_view(), probes(), mpirun())["lines"]
    assert lines[0] == "cluster 'cluster': 3 nodes, head rpi-0", lines


def test_a_healthy_cluster_with_another_head_lists_it_first_in_the_machinefile():
    report = health.health_report(cluster_view(head="rpi-1"), probes(head="rpi-1"), mpirun())
    assert report["ok"], report["problems"]


def test_a_dead_node_is_named():
    live = NODES[:2]
    report = health.health_report(cluster_view(live), probes(live), mpirun(live))
    assert not report["ok"] and "rpi-2 does not answer" in report["problems"], report["problems"]


def test_a_dead_node_fails_the_reachable_line():
    live = NODES[:2]
    lines = health.health_report(cluster_view(live), probes(live), mpirun(live))["lines"]
    assert any(line.startswith("reachable") and "FAIL" in line and "no answer from rpi-2" in line for line in lines), lines


def test_a_dead_head_is_named_and_mpirun_reported_as_not_run():
    live = NODES[1:]
    report = health.health_report(cluster_view(live), probes(live, head="rpi-1"), {"rc": None, "stdout": ""})
    assert "rpi-0 does not answer" in report["problems"] and any(
        "not run: the head node rpi-0 does not answer" in problem for problem in report["problems"]), report["problems"]


def test_a_version_mismatch_shows_a_table_with_every_node():
    view = cluster_view()
    view["nodes"]["rpi-1"]["versions"]["openmpi"] = "4.1.2"
    lines = health.health_report(view, probes(), mpirun())["lines"]
    table = [line for line in lines if line.lstrip().startswith("rpi-")]
    assert len(table) == 3 and "4.1.2" in table[1], lines


def test_a_version_mismatch_is_a_problem():
    view = cluster_view()
    view["nodes"]["rpi-1"]["versions"]["openmpi"] = "4.1.2"
    problems = health.health_report(view, probes(), mpirun())["problems"]
    assert any(p.startswith("Open MPI differs") for p in problems), problems


def test_a_mismatch_along_the_architectures_says_so():
    view = cluster_view()
    view["nodes"]["rpi-2"]["versions"].update(openmpi="4.1.5", architecture="x86_64")
    problems = health.health_report(view, probes(), mpirun())["problems"]
    assert "Open MPI differs between architectures (aarch64: 4.1.4, x86_64: 4.1.5)" in problems[0], problems


def test_mixed_architectures_with_the_same_versions_are_fine():
    view = cluster_view()
    view["nodes"]["rpi-2"]["versions"]["architecture"] = "x86_64"
    report = health.health_report(view, probes(), mpirun())
    assert report["ok"] and "(aarch64: rpi-0, rpi-1; x86_64: rpi-2)" in report["lines"][2], report["lines"]


def test_a_failing_ssh_pair_is_named_with_its_error():
    checks = probes()
    checks["rpi-1"]["ssh"]["rpi-2"] = "Host key verification failed."
    problems = health.health_report(cluster_view(), checks, mpirun())["problems"]
    assert "no SSH rpi-1 -> rpi-2: Host key verification failed." in problems, problems


def test_a_missing_ssh_pair_fails_the_mesh():
    checks = probes()
    del checks["rpi-1"]["ssh"]["rpi-2"]
    lines = health.health_report(cluster_view(), checks, mpirun())["lines"]
    assert any(line.startswith("ssh mesh") and "FAIL" in line and "8/9" in line for line in lines), lines


def test_a_name_resolving_to_loopback_is_named():
    checks = probes()
    checks["rpi-0"]["resolves"]["rpi-0"]["got"] = "127.0.1.1"
    problems = health.health_report(cluster_view(), checks, mpirun())["problems"]
    assert "rpi-0 resolves rpi-0 to 127.0.1.1, not 192.0.2.10" in problems, problems


def test_a_name_that_does_not_resolve_is_named():
    checks = probes()
    checks["rpi-2"]["resolves"]["rpi-1"]["got"] = None
    problems = health.health_report(cluster_view(), checks, mpirun())["problems"]
    assert "rpi-2 resolves rpi-1 to None, not 192.0.2.11" in problems, problems


@pytest.mark.parametrize(("machinefile", "problem"), [
    (None, "rpi-1 has no machinefile"),
    ([], "rpi-1's machinefile lists nothing"),
    ([["rpi-1", "4"], ["rpi-0", "4"], ["rpi-2", "4"]], "rpi-1's machinefile lists rpi-1 slots=4, rpi-0 slots=4, rpi-2 slots=4"),
    ([["rpi-0", "4"], ["rpi-1", "0"], ["rpi-2", "4"]], "rpi-1's machinefile lists rpi-0 slots=4, rpi-1 slots=0, rpi-2 slots=4"),
    ([["rpi-0", "4"], ["rpi-1", ""], ["rpi-2", "4"]], "rpi-1's machinefile lists rpi-0 slots=4, rpi-1 slots=, rpi-2 slots=4"),
    ([["rpi-0", "4"], ["rpi-1", "4"]], "rpi-1's machinefile lists rpi-0 slots=4, rpi-1 slots=4"),
], ids=["missing", "empty", "head-not-first", "bad-slot-count", "no-slots", "node-missing"])
def test_a_machinefile_that_differs_from_the_inventory_is_named(machinefile, problem):
    checks = probes()
    checks["rpi-1"]["machinefile"] = machinefile
    problems = health.health_report(cluster_view(), checks, mpirun())["problems"]
    assert problem in problems, problems


def test_a_machinefile_whose_slots_differ_from_the_view_names_the_node():
    checks = probes()
    checks["rpi-2"]["machinefile"] = [["rpi-0", "4"], ["rpi-1", "4"], ["rpi-2", "8"]]
    problems = health.health_report(cluster_view(), checks, mpirun())["problems"]
    assert problems == ["rpi-2's machinefile lists rpi-0 slots=4, rpi-1 slots=4, rpi-2 slots=8"], problems


def test_machinefiles_older_than_the_views_slots_are_named_on_every_node():
    view = cluster_view()
    view["nodes"]["rpi-2"]["slots"] = 2  # machinefile_slots: 2 set in the inventory, not yet written
    problems = health.health_report(view, probes(), mpirun())["problems"]
    assert [p.split("'")[0] for p in problems] == list(NODES), problems


def test_a_wrong_machinefile_shows_what_the_inventory_has():
    view = cluster_view()
    view["nodes"]["rpi-2"]["slots"] = 2
    lines = health.health_report(view, probes(), mpirun())["lines"]
    assert any(line.strip().startswith("rpi-2's machinefile lists") and
               line.endswith("; the inventory has rpi-0 slots=4, rpi-1 slots=4, rpi-2 slots=2") for line in lines), lines


def test_a_failed_mpirun_fails_the_check():
    report = health.health_report(cluster_view(), probes(), mpirun(rc=1))
    assert not report["ok"] and report["problems"][-1].startswith("mpirun across the live nodes: exit 1"), report


def test_an_mpirun_with_a_rank_missing_fails_the_check():
    report = health.health_report(cluster_view(), probes(), mpirun(live=NODES[:2]))
    assert report["problems"] == ["mpirun across the live nodes: exit 0, 2 of 3 ranks answered"], report


def test_an_mpirun_that_did_not_run_says_the_head_does_not_answer():
    report = health.health_report(cluster_view(), probes(), {"rc": None, "stdout": ""})
    assert report["problems"] == ["mpirun across the live nodes: not run: the head node rpi-0 does not answer"], report


def test_the_verdict_counts_the_problems():
    checks = probes()
    checks["rpi-1"]["ssh"]["rpi-2"] = "Connection timed out"
    checks["rpi-0"]["resolves"]["rpi-0"]["got"] = "127.0.1.1"
    lines = health.health_report(cluster_view(), checks, mpirun())["lines"]
    assert lines[-1] == f"{'verdict':<12} FAIL  2 problem(s)", lines


# --- Slurm -------------------------------------------------------------------------------------------------------------


def slurm(states=None, munge=None, rc=0, stderr="") -> dict:
    """What check.yml reads where Slurm runs: sinfo on the head node and unmunge's exit status on every node."""
    states = dict.fromkeys(NODES, ("idle", "none")) if states is None else states
    return {"sinfo": {"rc": rc, "stdout": "\n".join(f"{n}|{s}|{r}" for n, (s, r) in states.items()), "stderr": stderr},
            "munge": dict.fromkeys(NODES, 0) if munge is None else munge}


def slurm_report(view=None, probe=None, **kwargs) -> dict:
    return health.health_report(view or cluster_view(), probe or probes(), mpirun(), slurm(**kwargs))


def line(report: dict, check: str) -> str:
    [found] = [text for text in report["lines"] if text.startswith(f"{check} ")]
    return found


def test_a_healthy_slurm_cluster_is_ok_with_two_more_checks():
    report = slurm_report()
    assert report["ok"] and [line(report, check)[:17] for check in ("slurm", "munge")] == [
        "slurm        OK  ", "munge        OK  "], report["lines"]


def test_without_slurm_there_is_no_slurm_line():
    report = health.health_report(cluster_view(), probes(), mpirun())
    assert not [text for text in report["lines"] if text.startswith(("slurm ", "munge "))]


@pytest.mark.parametrize(("state", "reason", "shown"), [
    ("down*", "Not responding", "rpi-2 is down* (Not responding)"),
    ("drain", "Kill task failed", "rpi-2 is drain (Kill task failed)"),
    ("idle*", "none", "rpi-2 is idle*"),
    ("unk*", "none", "rpi-2 is unk*"),
])
def test_a_node_slurm_cannot_use_is_named_with_its_state_and_reason(state, reason, shown):
    states = {"rpi-0": ("idle", "none"), "rpi-1": ("alloc", "none"), "rpi-2": (state, reason)}
    report = slurm_report(states=states)
    assert not report["ok"] and f"Slurm: {shown}" in report["problems"], report["problems"]


@pytest.mark.parametrize("state", ["idle", "alloc", "mix", "comp"])
def test_nodes_that_run_or_wait_for_jobs_are_up(state):
    assert slurm_report(states=dict.fromkeys(NODES, (state, "none")))["ok"]


def test_a_member_missing_from_slurm_is_named():
    report = slurm_report(states={"rpi-0": ("idle", "none"), "rpi-1": ("idle", "none")})
    assert "Slurm: rpi-2 is not in Slurm's nodes (run site.yml)" in report["problems"], report["problems"]


def test_a_controller_that_does_not_answer_fails_the_slurm_line():
    report = slurm_report(states={}, rc=1, stderr="slurm_load_node error: Unable to contact slurm controller\n")
    assert line(report, "slurm").startswith("slurm        FAIL") and "Unable to contact slurm controller" in line(
        report, "slurm"), report["lines"]


def test_a_node_that_cannot_decode_the_heads_credential_is_named():
    report = slurm_report(munge={"rpi-0": 0, "rpi-1": 0, "rpi-2": 2})
    assert "munge: rpi-2 cannot decode the head node's credentials" in report["problems"], report["problems"]


# ---- clocks ------------------------------------------------------------------------------------------------------


def skewed(node: str, seconds: float, uncertainty: float = 0.05) -> dict:
    """Probes in which `node`'s clock is `seconds` ahead of the head node's."""
    probe = probes()
    probe["rpi-0"]["clock_offsets"][node] = {"offset": seconds, "uncertainty": uncertainty}
    return probe


def test_clocks_close_together_show_the_largest_difference_measured_from_the_head():
    report = health.health_report(cluster_view(), probes(), mpirun())
    assert line(report, "clocks") == (
        "clocks       OK    largest difference 0.2 s (rpi-2 ahead of rpi-0), measured from rpi-0 within 0.1 s")


@pytest.mark.parametrize(("seconds", "status", "ok", "warned"), [
    (0.9, "OK", True, False),
    (1.5, "WARN", True, True),
    (-1.5, "WARN", True, True),
    (59.0, "WARN", True, True),
    (61.0, "FAIL", False, False),
    (-3600.0, "FAIL", False, False),
], ids=["under-1s", "over-1s", "behind-over-1s", "under-60s", "over-60s", "an-hour-behind"])
def test_clocks_warn_over_a_second_and_fail_over_a_minute(seconds, status, ok, warned):
    report = health.health_report(cluster_view(), skewed("rpi-1", seconds), mpirun())
    assert (line(report, "clocks")[13:17].strip(), report["ok"], bool(report["warnings"])) == (status, ok, warned), (
        report["lines"])


def test_clocks_far_apart_name_the_nodes_and_the_fix():
    report = health.health_report(cluster_view(), skewed("rpi-1", 301), mpirun())
    assert "clocks differ by 301 s (rpi-1 ahead of rpi-0): set up time sync (site.yml)" in report["problems"], (
        report["problems"])


def test_with_slurm_far_apart_clocks_mention_munge():
    report = slurm_report(probe=skewed("rpi-1", 301))
    assert "munge rejects credentials past 300 s" in line(report, "clocks"), report["lines"]


def test_a_difference_within_the_measurement_uncertainty_does_not_warn():
    report = health.health_report(cluster_view(), skewed("rpi-1", 1.3, uncertainty=0.4), mpirun())
    assert line(report, "clocks").startswith("clocks       OK") and not report["warnings"], report["lines"]


def test_a_dead_head_measures_the_clocks_from_the_next_live_node():
    live = NODES[1:]
    report = health.health_report(cluster_view(live), probes(live, head="rpi-1"), {"rc": None, "stdout": ""})
    assert "measured from rpi-1" in line(report, "clocks"), report["lines"]


def test_a_node_the_head_cannot_log_in_to_has_no_clock_reading():
    probe = probes()
    del probe["rpi-0"]["clock_offsets"]["rpi-2"]
    assert "not measured: rpi-2 (no SSH from rpi-0)" in line(health.health_report(cluster_view(), probe, mpirun()),
                                                             "clocks")


# ---- time sync and the Pi's health ---------------------------------------------------------------------------------


def node_health(pi=None, cpu=None, service="systemd-timesyncd", synchronized=True, container="") -> dict:
    """What picluster.mpi.node_health returns on a node."""
    return {"pi": pi, "cpu": cpu, "jobs": [],
            "time_sync": {"service": service, "synchronized": synchronized, "container": container}}


def pi(throttled: str, now=(), since_boot=(), temperature=52.1) -> dict:
    return {"throttled": throttled, "now": list(now), "since_boot": list(since_boot), "temperature_c": temperature,
            "error": None}


PI_CPU = {"mhz": 1500, "max_mhz": 1800, "governor": "ondemand", "governors": ["ondemand"], "writable": True}


def health_of(states: dict) -> dict:
    return health.health_report(cluster_view(), probes(), mpirun(), None, states)


def test_in_containers_time_sync_and_the_pi_lines_say_so_without_failing():
    report = health_of(dict.fromkeys(NODES, node_health(service=None, synchronized=None, container="docker")))
    assert (report["ok"], report["warnings"], line(report, "time sync")[13:17], line(report, "pi health")[13:17]) == (
        True, [], "n/a ", "n/a "), report["lines"]


def test_off_a_pi_the_head_line_says_so_once_for_every_node():
    report = health_of(dict.fromkeys(NODES, node_health()))
    pi_lines = [text for text in report["lines"] if "not a Raspberry Pi (no vcgencmd)" in text]
    assert pi_lines == [line(report, "pi health")] and pi_lines[0].endswith(f"on any of the {len(NODES)} nodes"), (
        report["lines"])


def test_off_a_pi_a_node_with_a_cpu_clock_keeps_its_line():
    report = health_of(dict.fromkeys(NODES, node_health(cpu=PI_CPU)))
    assert [text for text in report["lines"] if text.startswith("  ") and "MHz" in text] == [
        f"  {node:<12} not a Raspberry Pi (no vcgencmd), CPU 1500/1800 MHz ondemand" for node in NODES], report["lines"]


def test_healthy_pis_pass_with_their_temperature_and_cpu_clock():
    report = health_of(dict.fromkeys(NODES, node_health(pi("0x0"), PI_CPU)))
    assert report["ok"] and f"  {'rpi-1':<12} not throttled (0x0), 52.1 C, CPU 1500/1800 MHz ondemand" in report[
        "lines"], report["lines"]


def test_a_pi_throttled_now_fails_with_the_fix_for_under_voltage():
    states = dict.fromkeys(NODES, node_health(pi("0x0"), PI_CPU))
    states["rpi-2"] = node_health(pi("0x50005", ["under-voltage", "throttled"], ["under-voltage", "throttled"]), PI_CPU)
    report = health_of(states)
    assert not report["ok"] and any(problem.startswith("rpi-2 is throttled now (under-voltage, throttled): the power "
                                                       "supply") for problem in report["problems"]), report["problems"]


def test_a_pi_too_hot_now_is_told_to_cool_down():
    states = dict.fromkeys(NODES, node_health(pi("0x0")))
    states["rpi-1"] = node_health(pi("0x80008", ["soft temperature limit"], ["soft temperature limit"], 82.0))
    report = health_of(states)
    assert "rpi-1 is throttled now (soft temperature limit): the board runs too hot: give it a heatsink or a fan" in (
        report["problems"]), report["problems"]


def test_a_pi_throttled_since_boot_warns_without_failing():
    states = dict.fromkeys(NODES, node_health(pi("0x0")))
    states["rpi-2"] = node_health(pi("0xe0000", since_boot=["frequency capped", "throttled", "soft temperature limit"]))
    report = health_of(states)
    assert (report["ok"], line(report, "pi health")) == (
        True, "pi health    WARN  throttled since boot: rpi-2"), report["lines"]


def test_a_failing_vcgencmd_warns():
    states = dict.fromkeys(NODES, node_health(pi("0x0")))
    states["rpi-0"] = node_health({"throttled": None, "now": [], "since_boot": [], "temperature_c": None,
                                   "error": "VCHI initialization failed"})
    report = health_of(states)
    assert report["ok"] and "rpi-0: vcgencmd get_throttled failed (VCHI initialization failed)" in report["warnings"]


def test_a_node_without_time_sync_warns():
    states = dict.fromkeys(NODES, node_health())
    states["rpi-1"] = node_health(service=None, synchronized=None)
    report = health_of(states)
    assert (report["ok"], report["warnings"]) == (
        True, ["rpi-1 runs no time sync service (site.yml starts systemd-timesyncd)"]), report["lines"]


def test_a_node_not_synchronized_yet_warns():
    states = dict.fromkeys(NODES, node_health())
    states["rpi-2"] = node_health(service="chrony", synchronized=False)
    report = health_of(states)
    assert line(report, "time sync") == ("time sync    WARN  chrony, systemd-timesyncd active on 3/3 nodes; not "
                                         "synchronized yet: rpi-2"), report["lines"]


def test_warnings_are_counted_in_the_verdict():
    states = dict.fromkeys(NODES, node_health())
    states["rpi-1"] = node_health(service=None, synchronized=None)
    assert line(health_of(states), "verdict").startswith("verdict      OK    healthy, 1 warning(s): rpi-1 runs no")


# ---- one-sided communication ---------------------------------------------------------------------------------------

RMA_STEPS = ["Win.Allocate + Fence: Put", "Win.Allocate + Fence: Get", "Win.Allocate + Fence: Accumulate"]


def one_sided_of(one_sided: dict) -> dict:
    return health.health_report(cluster_view(), probes(), mpirun(), None, None, one_sided)


def test_one_sided_communication_that_passes_every_step_is_ok():
    report = one_sided_of({"rc": 0, "stdout": "\n".join(f"ok  {s}" for s in RMA_STEPS) + "\nRESULT {}", "stderr": "",
                           "limit": 60})
    assert report["ok"] and line(report, "one-sided").startswith("one-sided    OK    3 steps"), report["lines"]
    assert "serves" not in line(report, "one-sided"), report["lines"]


def test_one_sided_communication_says_when_a_busy_target_holds_the_others():
    result = 'RESULT {"passive_target_progress": "when the target calls MPI"}'
    report = one_sided_of({"rc": 0, "stdout": f"ok  {RMA_STEPS[0]}\n{result}", "stderr": "", "limit": 60})
    assert report["ok"] and line(report, "one-sided").endswith(
        "a rank serves its window only while it calls MPI"), report["lines"]


def test_one_sided_communication_that_fails_names_the_step_and_the_fix():
    stderr = ("rank 1 on rpi-1: Win.Allocate + Fence: Put failed: MPI_ERR_WIN: invalid window. Open MPI 4 runs ...\n"
              "Traceback (most recent call last):\n")
    report = one_sided_of({"rc": 1, "stdout": "", "stderr": stderr, "limit": 60})
    assert "one-sided communication (MPI.Win) across the nodes: Win.Allocate + Fence: Put failed: MPI_ERR_WIN: " \
           "invalid window. Open MPI 4 runs ..." in report["problems"], report["problems"]


def test_one_sided_communication_that_hangs_fails_naming_the_last_step_passed():
    report = one_sided_of({"rc": 1, "stdout": f"ok  {RMA_STEPS[0]}\n", "limit": 60,
                           "stderr": "Timeout (0:01:00)!\nThread 0x00007f (most recent call first):\n"})
    assert line(report, "one-sided") == f"one-sided    FAIL  hung, stopped after 60 s after: {RMA_STEPS[0]}", (
        report["lines"])


def test_one_sided_communication_without_a_head_node_is_not_run():
    report = one_sided_of({"rc": None, "stdout": "", "stderr": "", "limit": 60})
    assert "not run: the head node rpi-0 does not answer" in line(report, "one-sided"), report["lines"]


# ---- reboot: what cloud-init does to the names at boot ----------------------------------------------------------------

BLOCK = "192.0.2.10\trpi-0\n192.0.2.11\trpi-1\n192.0.2.12\trpi-2"
TEMPLATE = "/etc/cloud/templates/hosts.debian.tmpl"


def imager_node(hostname="rpi-1", template_block=BLOCK, preserve=True, manage="template", applied="pi2") -> dict:
    """A node of the view that Raspberry Pi Imager's cloud-init customises, after site.yml unless told otherwise."""
    return {"hostname": hostname, "hosts_block": BLOCK, "hosts_template": TEMPLATE if manage == "template" else "",
            "cloud_init": {"enabled": True, "manage_etc_hosts": manage, "preserve_hostname": preserve,
                           "hostname": applied, "hosts_template": TEMPLATE, "hosts_template_block": template_block}}


def reboot_report(**node) -> dict:
    view = cluster_view()
    view["nodes"]["rpi-1"].update(imager_node(**node))
    return health.health_report(view, probes(), mpirun())


def test_without_cloud_init_nothing_rewrites_the_names_at_boot():
    report = health.health_report(cluster_view(), probes(), mpirun())
    assert line(report, "reboot") == "reboot       OK    no node runs cloud-init: nothing rewrites the names at boot"


def test_cloud_init_in_step_with_the_cluster_is_safe_across_a_reboot():
    report = reboot_report()
    assert report["ok"] and line(report, "reboot").startswith("reboot       OK    cloud-init on 1/3 nodes keeps"), (
        report["lines"])


def test_the_node_line_says_what_cloud_init_does_at_boot():
    assert f"  rpi-1        cloud-init renders /etc/hosts from {TEMPLATE} at boot, with the cluster's names; leaves " \
           "the hostname alone (preserve_hostname)" in reboot_report()["lines"]


@pytest.mark.parametrize(("node", "reason"), [
    ({"template_block": None}, "the template lacks the cluster's names"),
    ({"template_block": "192.0.2.10\trpi-0"}, "the template lacks the cluster's names"),
    ({"preserve": False}, "cloud-init names it pi2 at boot (its user-data's hostname), not rpi-1"),
])
def test_a_node_a_reboot_would_break_is_a_problem_that_says_why(node, reason):
    report = reboot_report(**node)
    [problem] = report["problems"]
    assert problem.startswith("a reboot of rpi-1 undoes the cluster's settings") and reason in problem, problem
    assert line(report, "reboot").startswith("reboot       FAIL  a reboot undoes the cluster's names on rpi-1")


@pytest.mark.parametrize("node", [
    {"preserve": False, "applied": "rpi-1"},
    {"preserve": False, "applied": ""},
    {"manage": "localhost", "template_block": None},
    {"manage": "", "template_block": None},
])
def test_cloud_init_that_leaves_the_cluster_names_alone_is_no_problem(node):
    report = reboot_report(**node)
    assert report["ok"], report["problems"]


# ---- Open MPI 5's launcher hanging at exit, after the job ran -----------------------------------------------------------


def test_an_mpirun_stopped_after_every_rank_answered_warns_without_failing():
    report = health.health_report(cluster_view(), probes(), mpirun(rc=124))
    expected = "mpirun       WARN  3 ranks, one per live node, answered; then mpirun did not exit"
    assert report["ok"] and line(report, "mpirun").startswith(expected), report["lines"]
    assert report["warnings"][0].startswith("mpirun: 3 ranks"), report["warnings"]


def test_an_mpirun_stopped_before_every_rank_answered_fails():
    report = health.health_report(cluster_view(), probes(), mpirun(live=NODES[:2], rc=124))
    assert report["problems"] == ["mpirun across the live nodes: exit 124, 2 of 3 ranks answered"], report


def one_sided_run(rc: int, result: bool) -> dict:
    stdout = "ok  Win.Allocate + Fence: Put\n" + ('RESULT {"job":"rma"}\n' if result else "")
    return {"rc": rc, "stdout": stdout, "stderr": "", "limit": 60}


def test_a_one_sided_job_stopped_after_its_result_warns_without_failing():
    report = health.health_report(cluster_view(), probes(), mpirun(), one_sided=one_sided_run(124, result=True))
    assert report["ok"] and line(report, "one-sided").startswith("one-sided    WARN  1 steps"), report["lines"]


def test_a_one_sided_job_stopped_before_its_result_is_a_hang():
    report = health.health_report(cluster_view(), probes(), mpirun(), one_sided=one_sided_run(124, result=False))
    assert not report["ok"] and "hung, stopped after 60 s after: Win.Allocate + Fence: Put" in report["problems"][0]


# --- shared storage ----------------------------------------------------------------------------------------------------

MOUNT = {"fstype": "fuse.sshfs", "source": "mpi@rpi-0:/srv/cluster"}


def storage(written=None, read=None, mounted=NODES) -> dict:
    """storage_probe's two rounds on every node: each wrote its file, each read every node's."""
    written = {n: {"mount": MOUNT if n in mounted else None, "written": "ok"} for n in NODES} | (written or {})
    read = {n: {"mount": MOUNT if n in mounted else None, "read": dict.fromkeys(NODES, "ok")} for n in NODES} | (
        read or {})
    return {"backend": "sshfs", "path": "/cluster", "user": "mpi", "written": written, "read": read}


def storage_report(**kwargs) -> dict:
    return health.health_report(cluster_view(), probes(), mpirun(), storage=storage(**kwargs))


def test_a_shared_directory_every_node_reads_is_ok():
    report = storage_report()
    assert report["ok"] and line(report, "storage") == (
        "storage      OK    /cluster (fuse.sshfs from mpi@rpi-0:/srv/cluster) on 3/3 nodes: a file written on each node "
        "is read on every other, owned by mpi, mode 0644"), report["lines"]


def test_a_node_without_the_mount_fails_the_check_naming_it():
    report = storage_report(mounted=("rpi-0", "rpi-1"))
    assert not report["ok"] and any(p.startswith("shared storage: rpi-2 has nothing mounted at /cluster")
                                    for p in report["problems"]), report["problems"]


def test_a_file_one_node_cannot_read_names_both_nodes():
    seen = dict.fromkeys(NODES, "ok") | {"rpi-2": "missing (No such file or directory)"}
    report = storage_report(read={"rpi-1": {"mount": MOUNT, "read": seen}})
    assert "shared storage: rpi-1 reads rpi-2's file missing (No such file or directory)" in report["problems"], report


def test_a_node_that_cannot_write_is_named_with_why():
    report = storage_report(written={"rpi-0": {"mount": MOUNT, "written": "Permission denied"}})
    assert "shared storage: rpi-0 cannot write there as mpi: Permission denied" in report["problems"], report


def test_no_storage_line_without_shared_storage():
    assert not any(text.startswith("storage ") for text in health.health_report(cluster_view(), probes(), mpirun())[
        "lines"])
