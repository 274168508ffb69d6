"""Filter picluster.mpi.health_report: turn the probes of check.yml into a verdict and a readable summary."""
from __future__ import annotations

from ansible_collections.picluster.mpi.plugins.module_utils.all_pairs import DROPPED_TRIES
from ansible_collections.picluster.mpi.plugins.module_utils.slurm_accounting import parse
from ansible_collections.picluster.mpi.plugins.module_utils.slurm_states import is_up, node_states
from ansible_collections.picluster.mpi.plugins.plugin_utils.cluster_order import head_first
from ansible_collections.picluster.mpi.plugins.plugin_utils.job_result import last_result_text
from ansible_collections.picluster.mpi.plugins.plugin_utils.job_result import parse as parse_result
from ansible_collections.picluster.mpi.plugins.plugin_utils.version_policy import MUST_MATCH, differences, shown

DOCUMENTATION = r"""
name: health_report
author: picluster.mpi maintainers
version_added: 0.1.0
short_description: Summarize the health probes of the cluster nodes
description:
  - Takes what C(check.yml) read on every live node and returns whether the cluster is healthy, the problems found
    and a summary, one line per check, with a table of versions when they differ.
positional: probes, mpirun, slurm, health, one_sided
options:
  _input:
    description:
      - The cluster view (filter P(picluster.mpi.cluster_view#filter)), for the members, the live nodes, their
        MPI stack versions, their slots, what cloud-init does to their names at boot (the line C(reboot)), and the
        roster with each node's accounts of it (the line C(people), where the roster names anyone).
    type: dict
    required: true
  probes:
    description:
      - Per live node, the result of M(picluster.mpi.health_probe) (SSH, names, the machinefile and the clock
        offsets of its peers). The clocks line reads the head node's offsets.
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
        head node), and with accounting C(accounting) (C(rc), C(stdout), C(stderr) of C(sacctmgr --noheader
        --parsable2 show cluster format=cluster,controlhost) on the head node, and C(cluster), its name). It adds the
        lines C(slurm), C(munge) and C(accounting).
      - Null without Slurm.
    type: dict
    required: false
  health:
    description:
      - Per live node, the result of M(picluster.mpi.node_health) (throttling, temperature, CPU clock, time sync),
        for the lines C(pi health) and C(time sync). Null leaves them out.
    type: dict
    required: false
  one_sided:
    description:
      - The one-sided communication check on the head node (the job C(rma.py) with one rank per live node),
        C(rc) (null when it did not run; 124 when it hung), C(stdout), C(stderr) and C(limit) (its time limit in
        seconds), for the line C(one-sided). Null leaves it out.
    type: dict
    required: false
  storage:
    description:
      - The shared storage check (M(picluster.mpi.storage_probe) in two rounds), C(backend), C(path), C(user), and per
        live node C(written) and C(read) (the module's results), for the line C(shared storage). Null leaves it out.
    type: dict
    required: false
  monitoring:
    description:
      - Where monitoring is on, the head node's requests to Prometheus' API, C(targets) and C(alerts) (the loop results
        of M(ansible.builtin.uri), each with C(item), C(status) and C(json)), for the line C(monitoring) - every
        member of the cluster an up target, and no alert firing (a critical one is a problem, a warning a warning).
        An empty list (the head node does not answer) says Prometheus could not be asked. Null leaves it out.
    type: list
    elements: dict
    required: false
"""

EXAMPLES = r"""
report: "{{ __cluster_view | picluster.mpi.health_report(probes, {'rc': 0, 'stdout': 'rpi-0'}) }}"
"""

RETURN = r"""
_value:
  description:
    - C(ok) (bool, false when there is a problem), C(problems) and C(warnings) (lists of str; a warning does not
      fail the verdict) and C(lines) (list of str, the summary).
  type: dict
"""

# munge rejects a credential made on a clock this far off (its default time-to-live).
MUNGE_TTL_S = 300
# Clocks this far apart make logs hard to follow; this far, they break credentials and make(1).
CLOCK_WARN_S = 1.0
CLOCK_FAIL_S = 60.0
# timeout(1)'s exit status when it stopped the command.
TIMED_OUT = 124
# Nodes or pairs named on a line that only informs (an OK line, logins that worked at a later try): at 64 nodes a
# line named all 64 nodes, and 37 pairs. A line that fails names every node or pair it is about.
NAMED_AT_MOST = 5
# Open MPI 5's launcher (PRRTE) now and then does not exit after every rank has ended; the job itself ran.
LAUNCHER_HANG = ("then mpirun did not exit and was stopped: Open MPI 5's launcher hangs at exit now and then "
                 "(open-mpi/ompi#12064), which does not harm the job")


def _line(check: str, ok: bool | str, detail: str) -> str:
    """One line of the summary; `ok` is True, False or a status of its own (WARN, n/a)."""
    status = ok if isinstance(ok, str) else ("OK" if ok else "FAIL")
    return f"{check:<12} {status:<4}  {detail}"


def _first_few(names: list) -> str:
    """The first NAMED_AT_MOST names, and how many more: for a line that informs, where a count says enough."""
    more = f" and {len(names) - NAMED_AT_MOST} more" if len(names) > NAMED_AT_MOST else ""
    return ", ".join(names[:NAMED_AT_MOST]) + more


def _which(nodes: list, live: list) -> str:
    """Nodes a line that informs is about: "all N nodes" where they are every live node and too many to name."""
    return f"all {len(live)} nodes" if len(nodes) > NAMED_AT_MOST and nodes == live else _first_few(nodes)


def _versions(nodes: dict, live: list) -> tuple[list, list, list]:
    """The versions line: every component of the version policy some node has, one table row per node when they
    differ; a difference the policy forbids is a problem, any other a warning."""
    lines, problems, warnings = [], [], []
    versions = {node: nodes[node].get("versions", {}) for node in live}
    arches = {node: versions[node].get("architecture") or "?" for node in live}
    components = shown(versions)
    differing = differences(versions, components)
    if not differing:
        first = versions[live[0]] if live else {}
        summary = ", ".join(f"{label} {first.get(key)}" for key, label in components)
        on = "; ".join(f"{arch}: {_which([n for n in live if arches[n] == arch], live)}"
                       for arch in sorted(set(arches.values())))
        return [_line("versions", True, f"{summary} ({on})")], [], []
    must = [label for key, label, _installed in differing if (key, label) in MUST_MATCH]
    status = False if must else "WARN"
    lines.append(_line("versions", status, f"{', '.join(label for _k, label, _i in differing)} differ between nodes:"))
    lines.append(f"  {'node':<12} {'arch':<8} " + " ".join(f"{label:<9}" for _key, label in components))
    for node in live:
        lines.append(f"  {node:<12} {arches[node]:<8} " +
                     " ".join(f"{versions[node].get(key)!s:<9}" for key, _label in components))
    for _key, label, installed in differing:
        by_arch = {}
        for node, version in installed.items():
            by_arch.setdefault(arches[node], set()).add(str(version))
        split_by_arch = len(by_arch) > 1 and all(len(values) == 1 for values in by_arch.values())
        where = (" between architectures (" + ", ".join(f"{a}: {v.pop()}" for a, v in sorted(by_arch.items())) + ")"
                 if split_by_arch else "")
        if label in must:
            problems.append(f"{label} differs{where}; mixed versions fail or hang in mpirun")
        else:
            warnings.append(f"{label} differs{where}")
    return lines, problems, warnings


def _slurm(view: dict, live: list, slurm: dict) -> tuple[list, list]:
    lines, problems = [], []
    sinfo = slurm.get("sinfo") or {}
    states = node_states(sinfo.get("stdout"))
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
            elif not is_up(state):
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
    return lines, problems


def _accounting(view: dict, accounting: dict) -> tuple[list, list]:
    """slurmdbd answers on the head node and holds the cluster, with the controller registered (its ControlHost)."""
    clusters = {record["cluster"]: record["controlhost"]
                for record in parse(accounting.get("stdout"), ("cluster", "controlhost"))}
    name = str(accounting.get("cluster") or "").lower()
    if accounting.get("rc") != 0:
        detail = (f"sacctmgr on {view['head']} cannot reach slurmdbd: "
                  f"{str(accounting.get('stderr') or '').strip() or 'no answer'} (systemctl status slurmdbd mariadb)")
    elif name not in clusters:
        detail = f"the cluster {name} is not in the accounting database (run site.yml)"
    elif not clusters[name]:
        detail = (f"the cluster {name} is in the database, but slurmctld has not registered with slurmdbd "
                  "(systemctl restart slurmctld; /var/log/slurm/slurmctld.log)")
    else:
        return [_line("accounting", True, f"slurmdbd answers; the cluster {name} is registered by its controller "
                                          f"at {clusters[name]}")], []
    return [_line("accounting", False, detail)], [f"Slurm accounting: {detail}"]


def _roster(view: dict, live: list) -> tuple[list, list]:
    """Every present person of the roster has their account on every live node with their uid, unlocked; every absent
    one is locked (or has none)."""
    failures = []
    for node in live:
        accounts = view["nodes"][node].get("accounts") or {}
        for user in view.get("users") or []:
            account = accounts.get(user["name"])
            if user["state"] == "present" and account is None:
                failures.append(f"{user['name']} has no account on {node} (run site.yml)")
            elif user["state"] == "present" and account.get("uid") != user["uid"]:
                failures.append(f"{user['name']} has uid {account.get('uid')} on {node}, not {user['uid']}")
            elif user["state"] == "present" and account.get("locked"):
                failures.append(f"{user['name']} is locked on {node} (run site.yml)")
            elif user["state"] == "absent" and account is not None and not account.get("locked"):
                failures.append(f"{user['name']} is set to absent but can still log in to {node} (run site.yml)")
    present = [user["name"] for user in view.get("users") or [] if user["state"] == "present"]
    absent = len(view.get("users") or []) - len(present)
    detail = (f"{len(present)} present with their uid on {len(live)}/{len(live)} nodes"
              + (f", {absent} absent and locked" if absent else "")) if not failures else (
        f"{len(failures)} problem(s) with the roster's accounts")
    return [_line("people", not failures, detail)] + [f"  {failure}" for failure in failures], [
        f"people: {failure}" for failure in failures]


def _clocks(view: dict, live: list, probes: dict, slurm: bool) -> tuple[list, list, list]:
    """The largest clock difference, measured from one node (the head when it answers) to every other."""
    reference = next((n for n in head_first(live, view["head"]) if (probes.get(n) or {}).get("clock_offsets")),
                     None)
    if reference is None:
        return [_line("clocks", "n/a", "not measured: no node logged in to its peers")], [], []
    measured = {peer: found for peer, found in probes[reference]["clock_offsets"].items() if peer in live}
    measured.setdefault(reference, {"offset": 0.0, "uncertainty": 0.0})
    fast = max(measured, key=lambda n: measured[n]["offset"])
    slow = min(measured, key=lambda n: measured[n]["offset"])
    spread = measured[fast]["offset"] - measured[slow]["offset"]
    # Judge only what the measurement is sure of: each offset may be off by its login's uncertainty.
    sure = spread - measured[fast]["uncertainty"] - measured[slow]["uncertainty"]
    within = max(found["uncertainty"] for found in measured.values())
    detail = f"largest difference {spread:.1f} s ({fast} ahead of {slow}), measured from {reference} within {within:.1f} s"
    unmeasured = [n for n in live if n not in measured]
    if unmeasured:
        detail += f"; not measured: {', '.join(unmeasured)} (no SSH from {reference})"
    lines, problems, warnings = [], [], []
    if sure > CLOCK_FAIL_S:
        fix = f"; munge rejects credentials past {MUNGE_TTL_S} s" if slurm else ""
        lines.append(_line("clocks", False, detail + fix))
        problems.append(f"clocks differ by {spread:.0f} s ({fast} ahead of {slow}): set up time sync (site.yml)")
    elif sure > CLOCK_WARN_S:
        lines.append(_line("clocks", "WARN", detail))
        warnings.append(f"clocks differ by {spread:.1f} s ({fast} ahead of {slow})")
    else:
        lines.append(_line("clocks", True, detail))
    return lines, problems, warnings


def _time_sync(live: list, health: dict) -> tuple[list, list]:
    states = {n: (health.get(n) or {}).get("time_sync") or {} for n in live}
    own = [n for n in live if not states[n].get("container")]
    if not own:
        return [_line("time sync", "n/a", f"containers ({_which(live, live)}): their clocks are the host's")], []
    missing = [n for n in own if not states[n].get("service")]
    unsynced = [n for n in own if states[n].get("service") and states[n].get("synchronized") is False]
    services = sorted({states[n]["service"] for n in own if states[n].get("service")})
    detail = (f"{', '.join(services) or 'no service'} active on {len(own) - len(missing)}/{len(own)} nodes"
              + (f"; none on {', '.join(missing)}" if missing else "")
              + (f"; not synchronized yet: {', '.join(unsynced)}" if unsynced else ""))
    warnings = [f"{n} runs no time sync service (site.yml starts systemd-timesyncd)" for n in missing]
    warnings += [f"{n} has not synchronized its clock yet (can it reach its NTP servers?)" for n in unsynced]
    return [_line("time sync", "WARN" if warnings else True, detail)], warnings


def _throttle_advice(words: list) -> str:
    if "under-voltage" in words:
        return "the power supply or its cable is too weak for the board (a Pi 4 needs 5 V 3 A, a Pi 5 5 V 5 A)"
    return "the board runs too hot: give it a heatsink or a fan"


NOT_A_PI = "not a Raspberry Pi (no vcgencmd)"


def _pi_node(node: str, state: dict) -> str:
    pi, cpu = state.get("pi"), state.get("cpu")
    if pi is None:
        words = NOT_A_PI
    elif pi.get("throttled") is None:
        words = f"vcgencmd failed: {pi.get('error')}"
    elif not pi["now"] and not pi["since_boot"]:
        words = f"not throttled ({pi['throttled']})"
    else:
        words = "; ".join(part for part in (
            f"now {', '.join(pi['now'])}" if pi["now"] else "",
            f"since boot {', '.join(pi['since_boot'])}" if pi["since_boot"] else "") if part)
        words += f" ({pi['throttled']})"
    if pi and pi.get("temperature_c") is not None:
        words += f", {pi['temperature_c']:.1f} C"
    if cpu and cpu.get("max_mhz"):
        words += f", CPU {cpu.get('mhz')}/{cpu['max_mhz']} MHz" + (f" {cpu['governor']}" if cpu.get("governor") else "")
    return f"  {node:<12} {words}"


def _pi_health(live: list, health: dict) -> tuple[list, list, list]:
    """Throttling, temperature and CPU clock per node: a throttled board drags every MPI job to its speed."""
    states = {n: health.get(n) or {} for n in live}
    pis = [n for n in live if states[n].get("pi") is not None]
    now = [n for n in pis if states[n]["pi"].get("now")]
    since = [n for n in pis if states[n]["pi"].get("since_boot") and n not in now]
    failed = [n for n in pis if states[n]["pi"].get("throttled") is None]
    problems = [f"{n} is throttled now ({', '.join(states[n]['pi']['now'])}): "
                f"{_throttle_advice(states[n]['pi']['now'])}" for n in now]
    warnings = [f"{n} was throttled since boot ({', '.join(states[n]['pi']['since_boot'])}): "
                f"{_throttle_advice(states[n]['pi']['since_boot'])}" for n in since]
    warnings += [f"{n}: vcgencmd get_throttled failed ({states[n]['pi'].get('error')})" for n in failed]
    if not pis:
        head = _line("pi health", "n/a", f"{NOT_A_PI} on any of the {len(live)} nodes")
    elif now:
        head = _line("pi health", False, f"throttled now: {', '.join(now)}"
                     + (f"; throttled since boot: {', '.join(since)}" if since else ""))
    elif since or failed:
        head = _line("pi health", "WARN", "; ".join(part for part in (
            f"throttled since boot: {', '.join(since)}" if since else "",
            f"vcgencmd failed: {', '.join(failed)}" if failed else "") if part))
    else:
        head = _line("pi health", True, f"{len(pis)}/{len(live)} Raspberry Pis, none throttled since boot")
    lines = [_pi_node(n, states[n]) for n in live]
    if not pis:
        # The head line says it for every node: a node's own line stays where it adds its CPU clock (64 lines that
        # each say "not a Raspberry Pi" hide the report's other lines).
        lines = [text for text in lines if not text.endswith(NOT_A_PI)]
    return [head, *lines], problems, warnings


def _cloud_init_node(node: dict) -> tuple[str, list]:
    """What cloud-init does to a node's names at boot, and what of the cluster's a reboot would undo."""
    cloud_init, template = node["cloud_init"], node.get("hosts_template")
    words, risks = [], []
    if template and node.get("hosts_block") is not None and cloud_init.get("hosts_template_block") == node["hosts_block"]:
        words.append(f"renders /etc/hosts from {template} at boot, with the cluster's names")
    elif template:
        words.append(f"renders /etc/hosts from {template} at boot, without the cluster's names")
        risks.append(f"cloud-init renders /etc/hosts from {template} at every boot (manage_etc_hosts), and the "
                     "template lacks the cluster's names")
    elif cloud_init.get("manage_etc_hosts") == "localhost":
        words.append("adds a 127.0.1.1 line for its hostname at boot, below the cluster's names")
    else:
        words.append("leaves /etc/hosts alone")
    wanted, applied = node.get("hostname"), cloud_init.get("hostname")
    if cloud_init.get("preserve_hostname"):
        words.append("leaves the hostname alone (preserve_hostname)")
    elif not applied or applied == wanted:
        words.append(f"names the node {wanted}, as the cluster does")
    else:
        words.append(f"names the node {applied} at boot")
        risks.append(f"cloud-init names it {applied} at boot (its user-data's hostname), not {wanted}, as "
                     "preserve_hostname is off")
    return "cloud-init " + "; ".join(words), risks


def _reboot(view: dict, live: list) -> tuple[list, list]:
    """Whether the names the cluster relies on survive a reboot: cloud-init may rewrite them at every boot."""
    managed = [n for n in live if view["nodes"][n].get("cloud_init")]
    if not managed:
        return [_line("reboot", True, "no node runs cloud-init: nothing rewrites the names at boot")], []
    details = {n: _cloud_init_node(view["nodes"][n]) for n in managed}
    at_risk = [n for n in managed if details[n][1]]
    detail = (f"cloud-init on {len(managed)}/{len(live)} nodes keeps the cluster's names and hostnames across a reboot"
              if not at_risk else f"a reboot undoes the cluster's names on {', '.join(at_risk)}")
    lines = [_line("reboot", not at_risk, detail)] + [f"  {n:<12} {details[n][0]}" for n in managed]
    problems = [f"a reboot of {n} undoes the cluster's settings: {'; '.join(details[n][1])}. Run site.yml, which "
                "keeps cloud-init in step" for n in at_risk]
    return lines, problems


def _rma_result(stdout: list) -> dict | None:
    """The rma job's RESULT line: None when it printed none, {} when it is not a JSON object."""
    text = last_result_text(stdout)
    if text is None:
        return None
    parsed = parse_result(text)
    return parsed if parsed is not None else {}


def _storage(live: list, storage: dict) -> tuple[list, list]:
    """The shared directory: mounted on every live node, and each node's file read right on every other."""
    path, written, read = storage.get("path"), storage.get("written") or {}, storage.get("read") or {}
    failures = []
    for node in live:
        mount = (written.get(node) or {}).get("mount") or (read.get(node) or {}).get("mount")
        if not mount:
            failures.append(f"{node} has nothing mounted at {path} (run site.yml; journalctl -u picluster-shared-storage"
                            " on the node says why a mount failed)")
            continue
        wrote = (written.get(node) or {}).get("written") or "not run"
        if wrote != "ok":
            failures.append(f"{node} cannot write there as {storage.get('user')}: {wrote}")
        seen = (read.get(node) or {}).get("read") or {}
        wrong = [f"{peer}'s file {seen.get(peer, 'not read')}" for peer in live if seen.get(peer) != "ok"]
        if wrong:
            failures.append(f"{node} reads {'; '.join(wrong)}")
    mounts = sorted({f"{m['fstype']} from {m['source']}" for m in
                     ((written.get(n) or {}).get("mount") for n in live) if m})
    detail = (f"{path} ({', '.join(mounts) or storage.get('backend')}) on {len(live)}/{len(live)} nodes: a file "
              f"written on each node is read on every other, owned by {storage.get('user')}, mode 0644")
    if failures:
        detail = f"{path} ({storage.get('backend')}): {len(failures)} problem(s)"
    return [_line("storage", not failures, detail)] + [f"  {failure}" for failure in failures], [
        f"shared storage: {failure}" for failure in failures]


def _one_sided(view: dict, live: list, one_sided: dict) -> tuple[list, list, list]:
    """The rma job on one rank per node: which steps passed, and where it failed or hung."""
    rc = one_sided.get("rc")
    stdout = str(one_sided.get("stdout") or "").splitlines()
    passed = [line[4:] for line in stdout if line.startswith("ok  ")]
    failed = [line.split(": ", 1)[1] for line in str(one_sided.get("stderr") or "").splitlines()
              if line.startswith("rank ") and " failed: " in line]
    done = f"{len(passed)} steps, the patterns of mpi4py's one-sided tests, across {len(live)} nodes"
    result = _rma_result(stdout)
    if (result or {}).get("passive_target_progress") == "when the target calls MPI":
        done += "; a rank serves its window only while it calls MPI"
    if rc is None:
        return [_line("one-sided", False, f"not run: the head node {view['head']} does not answer")], [], []
    if rc == 0:
        return [_line("one-sided", True, done)], [], []
    # The job prints its RESULT line once every step passed on every rank.
    if rc == TIMED_OUT and not failed and result is not None:
        detail = f"{done}; {LAUNCHER_HANG}"
        return [_line("one-sided", "WARN", detail)], [], [f"one-sided: {detail}"]
    after = f" after: {passed[-1]}" if passed else ""
    if failed:
        detail = failed[0]
    elif rc == 124 or "Timeout" in str(one_sided.get("stderr") or ""):
        detail = f"hung, stopped after {one_sided.get('limit')} s{after or ' before the first step'}"
    else:
        detail = f"exit {rc}{after}"
    return [_line("one-sided", False, detail)], [f"one-sided communication (MPI.Win) across the nodes: {detail}"], []


def _monitoring(view: dict, results: list) -> tuple[list, list, list]:
    """Prometheus' view of the cluster: every member an up target, and the alerts firing, by node."""
    answers = {result.get("item"): result for result in results}
    failed = [name for name in ("targets", "alerts") if (answers.get(name) or {}).get("status") != 200]
    if failed:
        why = str((answers.get(failed[0]) or {}).get("msg") or "the head node does not answer").strip()
        detail = f"Prometheus does not answer on {view['head']}: {why} (systemctl status prometheus)"
        return [_line("monitoring", False, detail)], [detail], []
    targets = answers["targets"]["json"]["data"]["activeTargets"]
    health = {target["labels"].get("node"): target["health"] for target in targets
              if target["labels"].get("job") == "picluster"}
    down = [name for name in view["members"] if health.get(name) != "up"]
    firing = [alert for alert in answers["alerts"]["json"]["data"]["alerts"] if alert.get("state") == "firing"]
    named = [" ".join([alert["labels"].get("alertname", "?"), "on", alert["labels"].get("node", "the cluster")]
                      + ([f"({alert['labels']['flag']})"] if alert["labels"].get("flag") else [])) for alert in firing]
    critical = [text for alert, text in zip(firing, named) if alert["labels"].get("severity") == "critical"]
    others = [text for alert, text in zip(firing, named) if alert["labels"].get("severity") != "critical"]
    detail = (f"{len(view['members']) - len(down)}/{len(view['members'])} nodes up in Prometheus"
              + (f" (not up: {', '.join(down)})" if down else "")
              + (f"; firing: {', '.join(named)}" if named else "; no alert firing"))
    problems = [f"Prometheus sees {name} down" for name in down] + [f"alert {text}" for text in critical]
    return [_line("monitoring", "WARN" if others and not problems else not problems, detail)], problems, [
        f"alert {text}" for text in others]


def health_report(view: dict, probes: dict, mpirun: dict, slurm: dict | None = None, health: dict | None = None,
                  one_sided: dict | None = None, storage: dict | None = None, monitoring: list | None = None) -> dict:
    members, live = list(view["members"]), [n for n in view["members"] if n in view["live"]]
    nodes = {n: {"versions": view["nodes"][n].get("versions") or {}, "probe": probes.get(n) or {}} for n in live}
    cluster = {"group": view["group"], "head": view["head"], "mpirun": mpirun}
    dead = [n for n in members if n not in live]
    problems: list[str] = []
    lines = [f"cluster '{cluster['group']}': {len(members)} nodes, head {cluster['head']}"]

    missing = f"; no answer from {', '.join(dead)}" if dead else ""
    lines.append(_line("reachable", not dead, f"{len(live)}/{len(members)}{missing}"))
    problems += [f"{node} does not answer" for node in dead]

    version_lines, version_problems, version_warnings = _versions(nodes, live)
    lines += version_lines
    problems += version_problems

    ssh_failures = [f"{src} -> {dst}: {result}" for src in live
                    for dst, result in sorted(nodes[src].get("probe", {}).get("ssh", {}).items()) if result != "ok"]
    pairs = sum(len(nodes[src].get("probe", {}).get("ssh", {})) for src in live)
    lines.append(_line("ssh mesh", not ssh_failures and pairs == len(live) ** 2,
                       f"{pairs - len(ssh_failures)}/{len(live) ** 2} ordered pairs as the MPI user, host keys checked"))
    lines += [f"  {failure}" for failure in ssh_failures]
    problems += [f"no SSH {failure}" for failure in ssh_failures]
    # A login a busy sshd dropped (MaxStartups) and that worked at a later try is no fault of the pair: said, not
    # counted against it. One dropped at every try is counted, with what to do about it.
    retried = {f"{src} -> {dst}": nodes[src].get("probe", {}).get("ssh", {}).get(dst) == "ok" for src in live
               for dst in sorted(nodes[src].get("probe", {}).get("retried", {}) or {})}
    worked = [pair for pair, ok in retried.items() if ok]
    if worked:
        lines.append(f"  {len(worked)} login(s) dropped by a busy sshd (MaxStartups) worked at a later try: "
                     f"{_first_few(worked)}")
    if len(worked) < len(retried):
        lines.append(f"  {len(retried) - len(worked)} login(s) dropped by a busy sshd at each of {DROPPED_TRIES} tries: "
                     "lower health_ssh_width, or raise MaxStartups in the peers' sshd_config")

    name_failures = [f"{node} resolves {name} to {result['got']}, not {result['want']}" for node in live
                     for name, result in sorted(nodes[node].get("probe", {}).get("resolves", {}).items())
                     if result["got"] != result["want"]]
    lookups = sum(len(nodes[node].get("probe", {}).get("resolves", {})) for node in live)
    lines.append(_line("names", not name_failures, f"{lookups - len(name_failures)}/{lookups} lookups give the cluster address"))
    lines += [f"  {failure}" for failure in name_failures]
    problems += name_failures

    reboot_lines, reboot_problems = _reboot(view, live)
    lines += reboot_lines
    problems += reboot_problems

    order = head_first(live, cluster["head"])
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
    lines.append(_line("machinefile", not machinefile_failures, f"{_first_few(order)}, head first, with their slots, on "
                       f"{len(live) - len(machinefile_failures)}/{len(live)} nodes"))
    lines += [f"  {failure}; the inventory has {wanted}" for failure in machinefile_failures]
    problems += machinefile_failures

    mpirun = cluster.get("mpirun") or {}
    ranks = [line for line in str(mpirun.get("stdout") or "").splitlines() if line.strip()]
    every_rank = len(ranks) == len(live)
    launcher_warnings = []
    if mpirun.get("rc") is None:
        status, detail = False, f"not run: the head node {cluster['head']} does not answer"
    elif mpirun.get("rc") == 0 and every_rank:
        # In the cluster's order, as the other lines name nodes (as text, rpi-10 came before rpi-2).
        shown = sorted(ranks, key=lambda name: (live.index(name) if name in live else len(live), name))
        status, detail = True, f"{len(ranks)} ranks, one per live node: {_first_few(shown)}"
    elif mpirun.get("rc") == TIMED_OUT and every_rank:
        status, detail = "WARN", f"{len(ranks)} ranks, one per live node, answered; {LAUNCHER_HANG}"
        launcher_warnings.append(f"mpirun: {detail}")
    else:
        status, detail = False, f"exit {mpirun.get('rc')}, {len(ranks)} of {len(live)} ranks answered"
    lines.append(_line("mpirun", status, detail))
    if status is False:
        problems.append(f"mpirun across the live nodes: {detail}")

    if one_sided is not None:
        one_sided_lines, one_sided_problems, one_sided_warnings = _one_sided(view, live, one_sided)
        lines += one_sided_lines
        problems += one_sided_problems
        launcher_warnings += one_sided_warnings

    if storage:
        storage_lines, storage_problems = _storage(live, storage)
        lines += storage_lines
        problems += storage_problems

    if view.get("users"):
        roster_lines, roster_problems = _roster(view, live)
        lines += roster_lines
        problems += roster_problems

    if slurm:
        slurm_lines, slurm_problems = _slurm(view, live, slurm)
        lines += slurm_lines
        problems += slurm_problems
        if slurm.get("accounting"):
            accounting_lines, accounting_problems = _accounting(view, slurm["accounting"])
            lines += accounting_lines
            problems += accounting_problems

    clock_lines, clock_problems, warnings = _clocks(view, live, {n: nodes[n]["probe"] for n in live}, bool(slurm))
    lines += clock_lines
    problems += clock_problems
    warnings = version_warnings + launcher_warnings + warnings

    if health is not None:
        time_lines, time_warnings = _time_sync(live, health)
        pi_lines, pi_problems, pi_warnings = _pi_health(live, health)
        lines += time_lines + pi_lines
        problems += pi_problems
        warnings += time_warnings + pi_warnings

    if monitoring is not None:
        monitoring_lines, monitoring_problems, monitoring_warnings = _monitoring(view, monitoring)
        lines += monitoring_lines
        problems += monitoring_problems
        warnings += monitoring_warnings

    verdict = f"{len(problems)} problem(s)" if problems else "healthy"
    if warnings:
        verdict += f", {len(warnings)} warning(s): " + "; ".join(warnings)
    lines.append(f"{'verdict':<12} {'OK' if not problems else 'FAIL':<4}  {verdict}")
    return {"ok": not problems, "problems": problems, "warnings": warnings, "lines": lines}


class FilterModule:
    def filters(self):
        return {"health_report": health_report}
