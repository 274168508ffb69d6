"""A class on the cluster: two people in the roster (cluster_users), each with their own key pair made here, as on
their laptops. Each logs in to the head node with their own key and not with the other's, has the same uid on every
node, runs mpirun across the four nodes as themselves (host-based SSH between the nodes, no key pair of their own),
and cannot read the other's home. Bad rosters are refused before any change. One set to absent can no longer log
in; a re-flashed node gets every account back with site.yml --limit.

On the trixie cluster (Open MPI 5, whose run-time reads its own system-wide file), after its reboot story; marked
every_release, as that scenario runs only such tests. The people stay: the default scenario's tests that follow run
without a roster, where the role does nothing."""
from __future__ import annotations

import re

import pytest
from clustertest import EVERY_RELEASE, HEAD, MPI_USER, NODES, SLOTS, node, playbook, vcluster
from people import PEOPLE, login, make_keys, roster_file
from playbook_output import changed_hosts

pytestmark = EVERY_RELEASE

WORKER = NODES[1]
REFLASHED = NODES[2]
MACHINEFILE = "/etc/picluster/machinefile"
# Every rank's host, gathered on rank 0, and the size: what a student's first program prints.
WHERE = ("from mpi4py import MPI; import socket; c = MPI.COMM_WORLD; hosts = c.gather(socket.gethostname()); "
         "c.rank or print(c.size, ' '.join(sorted(set(hosts))))")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return make_keys(tmp_path_factory.mktemp("laptops"))


@pytest.fixture(scope="module")
def converged(keys, tmp_path_factory):
    roster = roster_file(keys, tmp_path_factory.mktemp("roster") / "roster.json")
    return playbook("site.yml", "-e", roster), playbook("site.yml", "-e", roster)


def test_site_sets_up_the_roster(converged):
    first, _second = converged
    assert first.returncode == 0, first.stdout[-3000:]


def test_a_second_run_changes_nothing(converged):
    _first, second = converged
    assert second.returncode == 0 and changed_hosts(second.stdout) == {}, second.stdout[-3000:]


@pytest.mark.parametrize("name", NODES)
@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_has_the_same_uid_and_gid_on_every_node(converged, person, name):
    entry = node(name).check_output(f"getent passwd {person}").split(":")
    assert entry[2:4] == [str(PEOPLE[person])] * 2, entry


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_logs_in_to_the_head_node_with_their_own_key(converged, keys, person):
    result = login(keys, person, "id -un")
    assert result.returncode == 0 and result.stdout.strip() == person, result.stderr


def test_the_other_persons_key_is_refused(converged, keys):
    result = login(keys, "alice", "true", key="bob")
    assert result.returncode == 255 and "Permission denied" in result.stderr, result


def test_login_keys_open_the_head_node_only(converged, keys):
    result = login(keys, "alice", "true", host=WORKER)
    assert result.returncode == 255 and "Permission denied" in result.stderr, result


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_runs_mpirun_across_every_node(converged, keys, person):
    result = login(keys, person, f"timeout 120 mpirun -machinefile {MACHINEFILE} -np {SLOTS * len(NODES)} "
                                 f"python3 -c \"{WHERE}\"")
    assert result.returncode == 0 and result.stdout.split() == [str(SLOTS * len(NODES)), *sorted(NODES)], (
        result.stdout + result.stderr)


def test_ssh_between_nodes_needs_no_key_pair_of_ones_own(converged, keys):
    result = login(keys, "bob", f"ls ~/.ssh/id_* 2>/dev/null; ssh -o BatchMode=yes {NODES[-1]} hostname")
    assert result.returncode == 0 and result.stdout.split() == [NODES[-1]], result.stdout + result.stderr


@pytest.mark.parametrize("name", NODES)
def test_a_home_is_private_to_its_owner(converged, name):
    assert node(name).file("/home/bob").mode == 0o700 and node(name).file("/home/bob").user == "bob"


def test_one_person_cannot_read_the_others_home(converged, keys):
    result = login(keys, "alice", "ls /home/bob")
    assert result.returncode != 0 and "Permission denied" in result.stderr, result


def test_root_is_never_let_in_by_host(converged):
    # ssh's exit status is printed, not returned: testinfra takes a 255 for its own connection failing.
    result = node(HEAD).run(f"ssh -o BatchMode=yes -o PubkeyAuthentication=no {NODES[-1]} true 2>&1; echo exit=$?")
    assert "Permission denied" in result.stdout and result.stdout.split()[-1] == "exit=255", result.stdout


# ---- bad rosters, refused before any change -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def held_uid(converged):
    """An account made by hand on a worker, as a Pi's own first user is."""
    node(WORKER).check_output("useradd --uid 3010 --user-group dave")
    yield 3010
    node(WORKER).check_output("userdel dave")


@pytest.mark.parametrize(("changes", "says"), [
    ({"bob": {"uid": 3001}}, "have one uid, 3001"),
    ({"bob": {"uid": 999}}, "uid 999 must be a number from 1000"),
    ({"extra": [{"name": MPI_USER, "uid": 3003}]}, f"'{MPI_USER}' is the name of root, nobody or the MPI user"),
    ({"bob": {"ssh_keys": ["ssh-ed25519 bm90IGEga2V5 bob@laptop"]}}, "ssh_keys[0] has a key part that is not"),
    ({"bob": {"slurm_account": "physics"}}, "slurm_account 'physics' does not exist"),
    ({"extra": [{"name": "erin", "uid": 3010}]}, f"uid 3010 of erin is held on {WORKER} by dave"),
], ids=["one-uid-twice", "system-uid", "the-mpi-user", "not-a-key", "no-such-account", "uid-held-on-a-node"])
def test_a_roster_that_cannot_work_is_refused_before_any_change(keys, tmp_path, held_uid, changes, says):
    result = playbook("site.yml", "-e", roster_file(keys, tmp_path / "roster.json", **changes))
    assert result.returncode != 0 and says in result.stdout and changed_hosts(result.stdout) == {}, (
        result.stdout[-3000:])


def test_a_private_key_in_the_roster_is_refused_without_being_printed(keys, tmp_path, held_uid):
    private = (keys / "bob").read_text()
    result = playbook("site.yml", "-e", roster_file(keys, tmp_path / "roster.json", bob={"ssh_keys": [private]}))
    assert result.returncode != 0 and "is not one line" in result.stdout and changed_hosts(result.stdout) == {}
    assert private.splitlines()[1] not in result.stdout, "the private key was printed"


# ---- a person leaves ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bob_left(keys, tmp_path_factory):
    roster = roster_file(keys, tmp_path_factory.mktemp("left") / "roster.json", bob={"state": "absent"})
    return playbook("site.yml", "-e", roster), roster


def test_site_locks_a_person_set_to_absent(bob_left):
    result, _roster = bob_left
    assert result.returncode == 0 and set(changed_hosts(result.stdout)) == set(NODES), result.stdout[-3000:]


def test_they_can_no_longer_log_in(bob_left, keys):
    result = login(keys, "bob", "true")
    assert result.returncode == 255, result


def test_they_can_no_longer_start_anything_even_from_a_node(bob_left):
    """PAM's account check refuses the expired account also where no key is involved (su, host-based SSH)."""
    result = node(HEAD).run("su bob -c true 2>&1; echo exit=$?")
    assert "expired" in result.stdout and result.stdout.split()[-1] != "exit=0", result.stdout


@pytest.mark.parametrize("name", NODES)
def test_their_account_is_locked_and_expired_on_every_node(bob_left, name):
    shadow = node(name).check_output("getent shadow bob").split(":")
    assert shadow[1].startswith("!") and shadow[7] == "1", shadow


def test_their_home_stays(bob_left):
    assert node(HEAD).file("/home/bob").is_directory


def test_the_others_still_log_in_and_run(bob_left, keys):
    result = login(keys, "alice", f"ssh -o BatchMode=yes {NODES[-1]} id -un")
    assert result.returncode == 0 and result.stdout.strip() == "alice", result.stderr


# ---- a re-flashed node ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reflashed(bob_left):
    """A worker re-flashed (fresh disk, new host keys, no accounts), then site.yml --limit on it."""
    _result, roster = bob_left
    vcluster("replace", REFLASHED)
    return playbook("site.yml", "--limit", REFLASHED, "-e", roster)


def test_site_limited_to_the_reflashed_node_succeeds(reflashed):
    assert reflashed.returncode == 0, reflashed.stdout[-3000:]


@pytest.mark.parametrize("person", PEOPLE)
def test_the_reflashed_node_has_every_account_back_with_its_uid(reflashed, person):
    assert re.match(rf"{person}:x:{PEOPLE[person]}:{PEOPLE[person]}:",
                    node(REFLASHED).check_output(f"getent passwd {person}"))


def test_mpirun_reaches_the_reflashed_node_as_a_person(reflashed, keys):
    result = login(keys, "alice", f"timeout 120 mpirun -machinefile {MACHINEFILE} -np {SLOTS * len(NODES)} "
                                  f"python3 -c \"{WHERE}\"")
    assert result.returncode == 0 and REFLASHED in result.stdout.split(), result.stdout + result.stderr


# ---- homes on NFS ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nfs_homes(reflashed, keys, tmp_path_factory):
    """The roster's part of site.yml with the nfs backend, then without it again. The kernel here has no NFS, so the
    shared_storage role is left out (--tags) and nothing is mounted: what the role makes of each account's home and of
    the head node's export is what a real Pi cluster gets."""
    node(HEAD).check_output("mkdir -p /srv/cluster")
    roster = roster_file(keys, tmp_path_factory.mktemp("nfs") / "roster.json", bob={"state": "absent"})
    run = playbook("site.yml", "--tags", "cluster_users", "-e", roster, "-e", "shared_storage_backend=nfs")
    homes = {name: node(name).check_output("getent passwd alice").split(":")[5] for name in NODES}
    made = node(HEAD).file("/srv/cluster/home/alice")
    made = (made.user, oct(made.mode)) if made.is_directory else None
    back = playbook("site.yml", "--tags", "cluster_users", "-e", roster)
    return run, homes, made, back


def test_site_takes_the_nfs_homes(nfs_homes):
    run, _homes, _made, _back = nfs_homes
    assert run.returncode == 0, run.stdout[-3000:]


@pytest.mark.parametrize("name", NODES)
def test_on_nfs_a_persons_home_is_under_the_shared_directory_on_every_node(nfs_homes, name):
    _run, homes, _made, _back = nfs_homes
    assert homes[name] == "/cluster/home/alice", homes


def test_the_head_node_makes_it_private_in_its_export(nfs_homes):
    _run, _homes, made, _back = nfs_homes
    assert made == ("alice", "0o700"), made


def test_without_nfs_the_homes_are_back_on_each_node(nfs_homes):
    _run, _homes, _made, back = nfs_homes
    assert back.returncode == 0 and all(node(name).check_output("getent passwd alice").split(":")[5] == "/home/alice"
                                        for name in NODES), back.stdout[-3000:]
