"""Slurm's accounting of jobs read from sacct (plugin_utils/slurm_usage, filters sacct_record and slurm_usage)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible_collections.picluster.mpi.plugins.filter.sacct_record import sacct_record
from ansible_collections.picluster.mpi.plugins.filter.slurm_usage import slurm_usage
from ansible_collections.picluster.mpi.plugins.plugin_utils.slurm_usage import SACCT_FIELDS, duration_s, kib, table

ROOT = Path(__file__).resolve().parents[4]
SACCT = yaml.safe_load((ROOT / "roles/_cluster/vars/main.yml").read_text())["__cluster_sacct"]
RECORDED = Path(__file__).parent / "sacct"


def test_the_playbooks_ask_sacct_for_the_fields_the_parser_reads():
    assert SACCT[-1] == "--format=" + ",".join(SACCT_FIELDS), SACCT


@pytest.mark.parametrize(("text", "seconds"), [("00:01.234", 1.234), ("01:02:03", 3723), ("2-00:00:01", 172801),
                                               ("12:34", 754), ("", None), ("Unknown", None)])
def test_sacct_durations_are_read_in_seconds(text, seconds):
    assert duration_s(text) == seconds


@pytest.mark.parametrize(("text", "size"), [("1234K", 1234), ("5.50M", 5632), ("1G", 1048576), ("0", 0), ("", None)])
def test_sacct_sizes_are_read_in_kib(text, size):
    assert kib(text) == size


# sacct --allusers on the virtual cluster (Debian 12, Slurm 22.05): alice's job on two nodes, her two one-task jobs
# (the second held back by her MaxJobs=1), bob's failed job.
BOOKWORM = (RECORDED / "bookworm-22.05.txt").read_text()


def test_a_jobs_record_is_its_own_line_not_its_steps():
    record = sacct_record("\n".join(BOOKWORM.splitlines()[:3]))
    assert record == {"job_id": "1", "user": "alice", "account": "cluster", "state": "COMPLETED", "elapsed_s": 1,
                      "cpu_time_s": 0.16, "allocated_cpu_s": 8, "cpus": 8, "nodes": "rpi-[0-1]", "exit_code": "0:0",
                      "submit": "2026-12-05T05:29:13", "start": "2026-12-05T05:29:13", "end": "2026-12-05T05:29:14",
                      "max_rss_kib": None}


def test_a_job_still_running_has_no_record_yet():
    running = BOOKWORM.splitlines()[0].replace("|COMPLETED|", "|RUNNING|")
    assert sacct_record(running) is None


def test_a_failed_job_is_final():
    assert sacct_record("\n".join(BOOKWORM.splitlines()[7:]))["state"] == "FAILED"


def test_the_largest_memory_of_any_step_is_the_jobs():
    lines = BOOKWORM.splitlines()[:3]
    lines[1] = lines[1].replace("|00:00.015|4||", "|00:00.015|4|2048K|")
    lines[2] = lines[2].replace("|00:00.145|8||", "|00:00.145|8|51.5M|")
    assert sacct_record("\n".join(lines))["max_rss_kib"] == 52736


def test_usage_counts_jobs_not_steps_per_person():
    usage = slurm_usage(BOOKWORM)
    assert {name: entry["jobs"] for name, entry in usage["users"].items()} == {"alice": 3, "bob": 1}


def test_usage_sums_the_cpu_time_held_per_person():
    # alice held 8 CPUs for 1 s, then 1 CPU for 20 s and for 1 s: 29 CPU seconds.
    assert slurm_usage(BOOKWORM)["users"]["alice"]["cpu_hours"] == round(29 / 3600, 4)


def test_usage_says_how_jobs_ended():
    assert slurm_usage(BOOKWORM)["users"]["bob"]["states"] == {"FAILED": 1}


def test_usage_per_account_adds_everyone_in_it():
    assert slurm_usage(BOOKWORM)["accounts"]["cluster"]["jobs"] == 4


def test_the_table_puts_the_heaviest_person_first():
    report = {**slurm_usage(BOOKWORM), "cluster": "cluster", "start": "now-30days", "end": "now"}
    lines = table(report)
    assert lines[0] == "cluster cluster, now-30days to now" and lines[2].split()[:2] == ["alice", "3"], lines
