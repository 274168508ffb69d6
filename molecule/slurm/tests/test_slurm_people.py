"""A class on the Slurm cluster: two people in the roster, each submitting jobs as themselves with their own
association in Slurm's accounting, alice held to one job at a time. sacct says whose each job was, usage.yml sums
them, check.yml finds accounting and people in order; someone outside the roster runs nothing. With pam_slurm_adopt,
people log in to a worker only while a job of theirs runs there. A person set to absent can submit no more, and with
pam_slurm_adopt turned off people log in to the workers again."""
from __future__ import annotations

import json
import re
import time

import pytest
from clustertest import HEAD, MPI_USER, NODES, node, playbook
from people import PEOPLE, login, make_keys, roster_file
from playbook_output import changed_hosts

LIMITED = {"alice": {"max_jobs": 1}}
# The roles that read the roster: cluster_users (accounts, keys, host-based SSH), machinefile (the files for everyone)
# and slurm (associations, pam_slurm_adopt). Every run is theirs (--tags): the suite is CPU-bound, and the other roles
# would only find their work done. The trixie scenario's roster story runs the whole site.yml.
ROSTER_ROLES = ("--tags", "cluster_users,machinefile,slurm")
ADOPT = "slurm_pam_adopt=true"
WORKER = NODES[1]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return make_keys(tmp_path_factory.mktemp("laptops"))


@pytest.fixture(scope="module")
def converged(keys, tmp_path_factory):
    roster = roster_file(keys, tmp_path_factory.mktemp("roster") / "roster.json", **LIMITED)
    return (playbook("site.yml", *ROSTER_ROLES, "-e", roster, "-e", ADOPT),
            playbook("site.yml", *ROSTER_ROLES, "-e", roster, "-e", ADOPT), roster)


def test_site_registers_the_roster_in_slurms_accounting(converged):
    first, _second, _roster = converged
    assert first.returncode == 0, first.stdout[-3000:]


def test_a_second_run_changes_nothing(converged):
    _first, second, _roster = converged
    assert second.returncode == 0 and changed_hosts(second.stdout) == {}, second.stdout[-3000:]


def associations() -> dict[str, list[str]]:
    text = node(HEAD).check_output("sacctmgr --noheader --parsable2 show association format=user,account,maxjobs")
    return {fields[0]: fields[1:] for fields in (line.split("|") for line in text.splitlines()) if fields[0]}


def test_each_person_has_an_association_with_their_limits(converged):
    found = associations()
    assert (found.get("alice"), found.get("bob")) == (["cluster", "1"], ["cluster", ""]), found


@pytest.fixture(scope="module")
def submitted(converged, keys):
    """Each person's job through sbatch, from their own login on the head node; its id and sacct's record."""
    jobs = {}
    for person in PEOPLE:
        result = login(keys, person, "sbatch --parsable --wait --ntasks=4 --wrap 'srun hostname'")
        assert result.returncode == 0, result.stderr
        jobs[person] = result.stdout.strip().split(";")[0]
    time.sleep(2)  # the controller reports a job's end to slurmdbd a moment later
    records = {}
    for person, job_id in jobs.items():
        line = node(HEAD).check_output(f"sacct --noheader --parsable2 -X --jobs {job_id} --format=User,Account,State")
        records[person] = line.strip().split("|")
    return records


@pytest.mark.parametrize("person", PEOPLE)
def test_sacct_shows_each_job_under_its_person_and_account(submitted, person):
    assert submitted[person] == [person, "cluster", "COMPLETED"], submitted


def test_a_person_over_max_jobs_waits_with_slurms_reason(converged, keys):
    result = login(keys, "alice", "sbatch --parsable --wrap 'sleep 60'; sbatch --parsable --wrap 'sleep 1'; sleep 3; "
                                  "squeue --me --noheader --format='%i %T %r'; scancel --me")
    states = [line.split()[1:] for line in result.stdout.splitlines()[2:]]
    assert ["PENDING", "AssocMaxJobsLimit"] in states and ["RUNNING", "None"] in states, result.stdout + result.stderr


def test_someone_outside_the_roster_runs_no_job(converged):
    node(HEAD).check_output("useradd --uid 3010 --user-group --create-home dave")
    try:
        result = node(HEAD).run("sudo -u dave -i sbatch --wrap true")
    finally:
        node(HEAD).check_output("userdel --remove dave")
    assert result.rc != 0 and "Invalid account" in result.stderr, result.stderr


@pytest.fixture(scope="module")
def usage(submitted, tmp_path_factory):
    results = tmp_path_factory.mktemp("usage")
    run = playbook("usage.yml", "-e", f"usage_results_dir={results}")
    saved = sorted(results.glob("usage-*.json"))
    return run, json.loads(saved[0].read_text()) if saved else {}


def test_usage_reports_each_persons_jobs(usage):
    run, report = usage
    assert run.returncode == 0 and all(report["users"][person]["jobs"] >= 1 for person in PEOPLE), run.stdout[-3000:]


def test_usage_prints_a_line_per_person(usage):
    run, _report = usage
    assert all(re.search(rf"{person} +\d+ ", run.stdout) for person in PEOPLE), run.stdout[-3000:]


def test_check_finds_the_people_and_accounting_in_order(converged):
    check = playbook("check.yml", "-e", converged[2])
    assert check.returncode == 0 and re.search(r"(^|\\n)people +OK ", check.stdout) and re.search(
        r"(^|\\n)accounting +OK ", check.stdout), check.stdout[-3000:]


# ---- pam_slurm_adopt: the workers only for people with a job there ---------------------------------------------------

def test_a_person_without_a_job_on_a_worker_cannot_log_in_there(converged, keys):
    result = login(keys, "alice", f"ssh {WORKER} hostname; echo exit=$?")
    assert "exit=255" in result.stdout and "pam_slurm_adopt" in result.stderr, result.stdout + result.stderr


@pytest.fixture(scope="module")
def adopted(converged, keys):
    """bob's login to the worker while his job runs there: the session's output, and the job's id."""
    result = login(keys, "bob", f"job=$(sbatch --parsable --nodelist={WORKER} --wrap 'sleep 120'); echo job=$job; "
                                "until squeue --noheader --states=R --jobs $job | grep -q .; do sleep 1; done; "
                                f"ssh {WORKER} hostname; echo exit=$?; scancel $job")
    return result, re.search(r"job=(\d+)", result.stdout).group(1)


def test_with_a_job_there_they_log_in(adopted):
    result, _job = adopted
    assert f"{WORKER}\nexit=0" in result.stdout, result.stdout + result.stderr


def test_their_login_joins_the_job(adopted):
    _result, job = adopted
    journal = node(WORKER).check_output("journalctl --no-pager --identifier pam_slurm_adopt --since -10min")
    assert f"adopted into job {job}" in journal, journal


def test_the_mpi_user_logs_in_to_the_workers_without_a_job(converged):
    result = node(HEAD).run(f"sudo -u {MPI_USER} ssh {WORKER} hostname; echo exit=$?")
    assert f"{WORKER}\nexit=0" in result.stdout, result.stdout + result.stderr


# ---- a person leaves, pam_slurm_adopt is turned off ------------------------------------------------------------------

@pytest.fixture(scope="module")
def bob_left(keys, tmp_path_factory, submitted, usage):
    roster = roster_file(keys, tmp_path_factory.mktemp("left") / "roster.json", bob={"state": "absent"}, **LIMITED)
    return playbook("site.yml", *ROSTER_ROLES, "-e", roster)  # slurm_pam_adopt is back to its default, false


def test_site_removes_the_association_of_a_person_set_to_absent(bob_left):
    assert bob_left.returncode == 0 and "bob" not in associations(), bob_left.stdout[-3000:]


def test_they_can_no_longer_submit(bob_left):
    result = node(HEAD).run("sudo -u bob sbatch --wrap true")
    assert result.rc != 0 and "Invalid account" in result.stderr, result.stderr


def test_their_past_jobs_stay_in_the_accounting(bob_left):
    assert "bob" in node(HEAD).check_output("sacct --allusers --noheader --parsable2 -X --format=User --starttime "
                                            "now-1days").split()


@pytest.mark.parametrize("name", NODES)
def test_they_are_locked_on_every_node(bob_left, name):
    assert node(name).check_output("getent shadow bob").split(":")[7] == "1"


def test_without_pam_slurm_adopt_people_log_in_to_the_workers_again(bob_left, keys):
    result = login(keys, "alice", f"ssh {WORKER} hostname; echo exit=$?")
    assert f"{WORKER}\nexit=0" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("name", NODES[1:])
def test_sshd_has_its_own_pam_stack_back(bob_left, name):
    stack = node(name).file("/etc/pam.d/sshd").content_string
    assert "pam_slurm_adopt" not in stack and "@include common-session\n" in stack, stack
