"""The roster (cluster_users): defaults filled in, and every entry that cannot work refused saying what to fix."""
from __future__ import annotations

import subprocess

import pytest
from ansible_collections.picluster.mpi.plugins.plugin_utils import roster

MPI = {"name": "mpi", "uid": 2000}


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Real public keys, one per type ssh-keygen makes here."""
    made = {}
    for key_type in ("ed25519", "rsa", "ecdsa"):
        path = tmp_path_factory.mktemp(key_type) / "id"
        subprocess.run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", f"{key_type}@laptop", "-f", str(path)],
                       check=True)
        made[key_type] = path.with_suffix(".pub").read_text().strip()
    return made


def person(name="alice", uid=3001, **fields):
    return {"name": name, "uid": uid, **fields}


def problems(users, accounts=(), node_accounts=None, node_groups=None):
    return roster.problems(users, MPI, "cluster", accounts, node_accounts, node_groups)


def test_an_empty_roster_has_no_problems():
    assert problems([]) == [] and problems(None) == []


def test_a_person_with_real_keys_of_every_type_is_taken(keys):
    assert problems([person(ssh_keys=list(keys.values()))]) == []


def test_defaults_are_filled_in():
    assert roster.normalize([person()], "cluster") == [{
        "name": "alice", "uid": 3001, "ssh_keys": [], "groups": [], "slurm_account": "cluster", "max_jobs": None,
        "max_cpus": None, "fairshare": None, "state": "present"}]


@pytest.mark.parametrize(("entry", "says"), [
    (person(name="Alice"), "name 'Alice' is not a login name"),
    (person(name="root"), "'root' is the name of root, nobody or the MPI user"),
    (person(name="mpi"), "'mpi' is the name of root, nobody or the MPI user"),
    (person(uid=999), "uid 999 must be a number from 1000 to 60000"),
    (person(uid="3001"), "uid '3001' must be a number"),
    (person(uid=2000), "uid 2000 is the MPI user's"),
    (person(state="gone"), "state 'gone' must be present or absent"),
    (person(max_jobs=0), "max_jobs 0 must be a whole number of at least 1"),
    (person(fairshare="high"), "fairshare 'high' must be a whole number"),
    (person(slurm_account="physics"), "slurm_account 'physics' does not exist; add it to cluster_accounts"),
    (person(max_job=2), "unknown field 'max_job'; the fields are name, uid"),
    (person(ssh_keys="ssh-ed25519 AAAA"), "ssh_keys must be a list"),
    ("alice", "cluster_users[0] must be a mapping"),
], ids=lambda value: str(value)[:40])
def test_an_entry_that_cannot_work_is_refused_naming_it(entry, says):
    found = problems([entry])
    assert len(found) == 1 and says in found[0] and found[0].startswith("cluster_users[0]"), found


@pytest.mark.parametrize(("key", "says"), [
    ("not a key", "has type 'not'"),
    ("ssh-ed25519", "is not one line 'TYPE KEY [COMMENT]'"),
    ("ssh-ed25519 AAAA%%%% me@laptop", "has a key part that is not an SSH key's base64"),
    ("-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA", "has type '-----BEGIN"),
    ("ssh-ed25519 bm90IGEga2V5 me@laptop", "has a key part that is not an SSH key's base64"),
])
def test_what_is_not_an_ssh_public_key_is_refused(key, says):
    found = problems([person(ssh_keys=[key])])
    assert len(found) == 1 and f"ssh_keys[0] {says}" in found[0], found


def test_a_key_whose_type_and_content_disagree_is_refused(keys):
    mislabelled = keys["rsa"].replace("ssh-rsa", "ssh-ed25519", 1)
    assert problems([person(ssh_keys=[mislabelled])]) == [
        "cluster_users[0] (alice): ssh_keys[0] says 'ssh-ed25519' but holds a 'ssh-rsa' key."]


def test_a_private_key_pasted_whole_is_refused(tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "id")], check=True)
    found = problems([person(ssh_keys=[(tmp_path / "id").read_text()])])
    assert len(found) == 1 and "not one line" in found[0], found


def test_two_people_with_one_name_or_one_uid_are_refused():
    found = problems([person(), person(uid=3002), person(name="bob", uid=3001)])
    assert found == ["cluster_users[0] (alice) and cluster_users[1] (alice) have one name, 'alice': every person "
                     "needs their own.",
                     "cluster_users[0] (alice) and cluster_users[2] (bob) have one uid, 3001: every person needs their "
                     "own."]


def test_an_account_of_cluster_accounts_may_be_chosen():
    assert problems([person(slurm_account="physics")], accounts=[{"name": "physics", "description": "Lab"}]) == []


def test_a_malformed_cluster_accounts_entry_is_refused():
    assert problems([], accounts=["physics"]) == [
        "cluster_accounts[0] must be a mapping with a name (and a description), not 'physics'."]


def test_a_uid_held_by_another_account_on_a_node_is_refused():
    found = problems([person()], node_accounts={"rpi-2": {"pi": {"uid": 3001}}})
    assert found == ["uid 3001 of alice is held on rpi-2 by pi: choose another uid."]


def test_a_name_held_under_another_uid_on_a_node_is_refused_saying_which():
    found = problems([person()], node_accounts={"rpi-1": {"alice": {"uid": 1001}}})
    assert found == ["alice has uid 1001 on rpi-1, not 3001: give alice uid 1001 in cluster_users, or remove the "
                     "account alice from rpi-1 first."]


def test_an_account_made_by_the_roster_before_is_no_clash():
    assert problems([person()], node_accounts={"rpi-1": {"alice": {"uid": 3001}}},
                    node_groups={"rpi-1": {"alice": 3001}}) == []


def test_a_gid_held_by_another_group_on_a_node_is_refused():
    found = problems([person()], node_groups={"rpi-3": {"gpio": 3001}})
    assert found == ["gid 3001 of alice's own group is held on rpi-3 by the group gpio: choose another uid."]


def test_a_group_missing_on_a_node_is_refused():
    found = problems([person(groups=["video", "gpio"])], node_groups={"rpi-0": {"video": 44}})
    assert found == ["alice's groups gpio do not exist on rpi-0: create them there (the roster adds people to "
                     "existing groups only) or take them out."]
