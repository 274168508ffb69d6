"""What Slurm's accounting says about jobs: sacct's parsable lines read into records, and who used how much.

Imported as ansible_collections.picluster.mpi.plugins.plugin_utils.slurm_usage (filters sacct_record and
slurm_usage; usage.yml and run_job.yml)."""
from __future__ import annotations

import re

from ansible_collections.picluster.mpi.plugins.module_utils.slurm_accounting import parse

# sacct --noheader --parsable2 --format=<these>: the job's line, then one per step (JOBID.batch, JOBID.0, ...).
SACCT_FIELDS = ("JobID", "User", "Account", "State", "ElapsedRaw", "TotalCPU", "CPUTimeRAW", "MaxRSS", "AllocCPUS",
                "NNodes", "NodeList", "ExitCode", "Submit", "Start", "End")
# A job in one of these states has ended for good: its record no longer changes.
FINAL_STATES = ("BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
                "TIMEOUT")
UNITS = {"K": 1, "M": 1024, "G": 1024 ** 2, "T": 1024 ** 3}


def duration_s(text):
    """sacct's [D-][HH:]MM:SS[.mmm] as seconds (TotalCPU, Elapsed)."""
    match = re.fullmatch(r"(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", str(text or "").strip())
    if not match:
        return None
    days, hours, minutes, seconds = match.groups()
    return round(int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds), 3)


def kib(text):
    """A size as sacct prints it (1234K, 5.50M) in KiB, or None."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", str(text or "").strip())
    return round(float(match.group(1)) * UNITS[match.group(2) or "K"]) if match else None


def _int(text):
    return int(text) if str(text or "").isdigit() else None


def records(stdout):
    """One record per job (not per step): its user, account, state, elapsed and CPU time, the CPU time it held
    (AllocCPUS x elapsed), its CPUs and nodes, and the largest resident memory of any of its steps."""
    jobs = {}
    for line in parse(stdout, SACCT_FIELDS):
        job_id, _dot, step = line["JobID"].partition(".")
        job = jobs.setdefault(job_id, {"max_rss_kib": None})
        if not step:
            job.update({
                "job_id": job_id, "user": line["User"], "account": line["Account"],
                # "CANCELLED by 3001": the state is the first word.
                "state": line["State"].split()[0] if line["State"] else "", "elapsed_s": _int(line["ElapsedRaw"]),
                "cpu_time_s": duration_s(line["TotalCPU"]), "allocated_cpu_s": _int(line["CPUTimeRAW"]),
                "cpus": _int(line["AllocCPUS"]), "nodes": line["NodeList"], "exit_code": line["ExitCode"],
                "submit": line["Submit"], "start": line["Start"], "end": line["End"]})
        rss = kib(line["MaxRSS"])
        if rss is not None and (job["max_rss_kib"] is None or rss > job["max_rss_kib"]):
            job["max_rss_kib"] = rss
    return [job for job in jobs.values() if "job_id" in job]


def usage(stdout):
    """Per user and per account: jobs, their states, CPU hours held (allocated) and used (TotalCPU)."""
    summary = {"users": {}, "accounts": {}}
    for job in records(stdout):
        for kind, key in (("users", job["user"]), ("accounts", job["account"])):
            entry = summary[kind].setdefault(key, {"jobs": 0, "cpu_hours": 0.0, "used_cpu_hours": 0.0, "states": {}})
            entry["jobs"] += 1
            entry["cpu_hours"] = round(entry["cpu_hours"] + (job["allocated_cpu_s"] or 0) / 3600, 4)
            entry["used_cpu_hours"] = round(entry["used_cpu_hours"] + (job["cpu_time_s"] or 0) / 3600, 4)
            entry["states"][job["state"]] = entry["states"].get(job["state"], 0) + 1
    return summary


def table(report):
    """usage.yml's summary: the period, then one line per person and per account, heaviest first."""
    lines = [f"cluster {report.get('cluster', '')}, {report.get('start', '')} to {report.get('end', '')}"]
    for kind, label in (("users", "person"), ("accounts", "account")):
        entries = report.get(kind) or {}
        lines.append(f"{label:<12} {'jobs':>5} {'CPU h held':>11} {'CPU h used':>11}  ended")
        for name, entry in sorted(entries.items(), key=lambda item: (-item[1]["cpu_hours"], item[0])):
            states = ", ".join(f"{count} {state.lower()}" for state, count in sorted(entry["states"].items()))
            lines.append(f"{name:<12} {entry['jobs']:>5} {entry['cpu_hours']:>11.3f} {entry['used_cpu_hours']:>11.3f}"
                         f"  {states}")
        if not entries:
            lines.append("(no job in the period)")
    return lines
