"""The sacctmgr commands that bring Slurm's accounting database in step with the roster (module_utils)."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.module_utils.slurm_accounting import (
    ACCOUNT_FORMAT,
    ASSOC_FORMAT,
    parse,
    plan,
)

SACCTMGR = ["sacctmgr", "--immediate"]
ACCOUNTS = [{"name": "cluster", "description": "Everyone"}]
# sacctmgr --noheader --parsable2 show association where cluster=cluster format=user,account,maxjobs,grptres,fairshare
# on a cluster with the MPI user and alice (MaxJobs 2), as Slurm 22.05 printed it on the virtual cluster.
ASSOCIATIONS = """|root|||1
root|root|||1
|cluster|||1
alice|cluster|2||1
mpi|cluster|||1
"""
EXISTING_ACCOUNTS = "cluster|everyone\nroot|default root account\n"


def person(name="alice", **fields):
    return {"name": name, "slurm_account": "cluster", "state": "present", "max_jobs": None, "max_cpus": None,
            "fairshare": None, **fields}


def commands(users, associations=ASSOCIATIONS, clusters=("cluster",), accounts=None):
    return plan("cluster", list(clusters), ACCOUNTS if accounts is None else accounts,
                parse(EXISTING_ACCOUNTS, ACCOUNT_FORMAT), users, parse(associations, ASSOC_FORMAT))


def test_sacctmgr_records_are_read_by_field():
    assert parse(ASSOCIATIONS, ASSOC_FORMAT)[3] == {"user": "alice", "account": "cluster", "maxjobs": "2",
                                                    "grptres": "", "fairshare": "1"}


def test_a_database_in_step_needs_no_command():
    assert commands([person(max_jobs=2), person("mpi")]) == []


def test_a_new_cluster_is_registered_first():
    found = commands([person(max_jobs=2)], clusters=())
    assert found[0] == [*SACCTMGR, "add", "cluster", "cluster"], found


def test_a_new_account_is_added_under_the_cluster():
    found = commands([], accounts=[*ACCOUNTS, {"name": "Physics", "description": "The physics lab"}])
    assert found == [[*SACCTMGR, "add", "account", "physics", "Description=The physics lab", "Cluster=cluster"]]


def test_a_new_person_gets_an_association_with_their_limits_and_default_account():
    found = commands([person("bob", max_jobs=1, max_cpus=8, fairshare=10)])
    assert found == [[*SACCTMGR, "add", "user", "bob", "Account=cluster", "Cluster=cluster", "DefaultAccount=cluster",
                      "MaxJobs=1", "GrpTRES=cpu=8", "Fairshare=10"]]


@pytest.mark.parametrize(("fields", "words"), [
    ({"max_jobs": 3}, ["MaxJobs=3"]),
    ({"max_jobs": None}, ["MaxJobs=-1"]),
    ({"max_jobs": 2, "max_cpus": 4}, ["GrpTRES=cpu=4"]),
    ({"max_jobs": 2, "fairshare": 5}, ["Fairshare=5"]),
], ids=["raised", "cleared", "cpus-added", "fairshare-set"])
def test_changed_limits_are_set_and_only_they(fields, words):
    found = commands([person(**fields)])
    assert found == [[*SACCTMGR, "modify", "user", "where", "name=alice", "account=cluster", "cluster=cluster", "set",
                      *words]]


def test_a_cpu_limit_among_other_tres_is_read():
    held = ASSOCIATIONS.replace("alice|cluster|2||1", "alice|cluster|2|cpu=8,mem=1G|1")
    assert commands([person(max_jobs=2, max_cpus=8)], associations=held) == []


def test_a_person_moved_to_another_account_gets_it_as_default_before_the_old_one_goes():
    found = commands([person(slurm_account="physics", max_jobs=2)],
                     accounts=[*ACCOUNTS, {"name": "physics", "description": "Lab"}])
    assert found[-3:] == [
        [*SACCTMGR, "add", "user", "alice", "Account=physics", "Cluster=cluster", "DefaultAccount=physics", "MaxJobs=2"],
        [*SACCTMGR, "modify", "user", "where", "name=alice", "set", "DefaultAccount=physics"],
        [*SACCTMGR, "remove", "user", "where", "name=alice", "account=cluster", "cluster=cluster"]], found


def test_a_person_set_to_absent_loses_every_association():
    assert commands([person(state="absent")]) == [[*SACCTMGR, "remove", "user", "where", "name=alice",
                                                   "cluster=cluster"]]


def test_an_absent_person_without_associations_needs_nothing():
    assert commands([person("carol", state="absent")]) == []


def test_people_the_roster_does_not_name_are_left_alone():
    assert commands([]) == []
