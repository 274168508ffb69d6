"""The cluster view every role reads (plugins/filter/cluster_view.py), from inputs of the shape a play hands it."""
from __future__ import annotations

import copy

import pytest
from ansible_collections.picluster.mpi.plugins.filter import cluster_view

NODES = ("rpi-0", "rpi-1", "rpi-2")
ADDRESSES = {"rpi-0": "192.0.2.10", "rpi-1": "192.0.2.11", "rpi-2": "192.0.2.12", "rpi_3": "192.0.2.13",
             "rpi-3.lan": "192.0.2.13", "-rpi": "192.0.2.13"}
USER = {"name": "mpi", "uid": 2000, "gid": 2000}
VERSIONS = {"openmpi": "4.1.4", "mpi4py": "3.1.4", "numpy": "1.24.2", "python": "3.11.2", "slurm": "22.05.8",
            "architecture": "aarch64"}
TOPOLOGY = {"sockets": 1, "cores_per_socket": 4, "threads_per_core": 1}


def ipv4(address: str, device: str = "eth0", prefix: int = 24) -> dict:
    return {"device": device, "address": address, "prefix": prefix}


def node_info(name: str, cpus: int = 4, address: str | None = None) -> dict:
    """What picluster.mpi.node_info returns on a Raspberry Pi, as registered."""
    address = address or ADDRESSES[name]
    return {"changed": False, "versions": dict(VERSIONS), "cpus": cpus, "python_apt": True,
            "public_keys": {"ed25519": f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAImpi mpi@{name}"},
            "default_ipv4": address, "ipv4": [ipv4(address)], "hostname": name,
            "os": {"family": "Debian", "distribution": "Debian", "release": "bookworm"},
            "host_keys": [["ssh-ed25519", f"AAAAC3NzaC1lZDI1NTE5AAAAI{name}"]],
            "topology": dict(TOPOLOGY), "memory_mb": 3796}


def play_host(name: str, **settings) -> dict:
    """hostvars of a host of the play: its inventory settings and its node_info result."""
    return {"inventory_hostname": name, **settings, "__cluster_node_info": node_info(name)}


def info(hostvars: dict, name: str) -> dict:
    return hostvars[name]["__cluster_node_info"]


def outside_info(name: str) -> dict:
    """One loop result of the delegated node_info on a live member outside the play."""
    return {"item": name, "ansible_loop_var": "item", **node_info(name)}


def unreachable(name: str) -> dict:
    return {"item": name, "unreachable": True, "changed": False, "ansible_loop_var": "item",
            "msg": f"Failed to connect to the host via ssh: ssh: connect to host {ADDRESSES[name]} port 22: No route to host"}


def cluster(members=NODES) -> dict:
    """hostvars of a healthy cluster whose members are all in the play."""
    return {name: play_host(name) for name in members}


def view(hostvars=None, members=NODES, head="rpi-0", user=None, play_hosts=None, **kwargs) -> dict:
    hostvars = cluster(members) if hostvars is None else hostvars
    user = USER if user is None else user
    play_hosts = list(members) if play_hosts is None else play_hosts
    return cluster_view.cluster_view(list(members), hostvars, "cluster", head, user, play_hosts, **kwargs)


def problems_with(result: dict, text: str) -> list[str]:
    return [problem for problem in result["problems"] if text in problem]


# --- a healthy cluster ---------------------------------------------------------------------------------------------


def test_a_healthy_cluster_has_no_problems():
    assert view()["problems"] == []


def test_a_healthy_cluster_has_no_mismatches():
    assert view()["mismatches"] == []


def test_a_healthy_cluster_has_every_member_live():
    result = view()
    assert (result["live"], result["dead"], result["outside"]) == (list(NODES), [], []), result


@pytest.mark.parametrize(("head", "play_hosts", "order"), [
    ("rpi-2", None, ["rpi-2", "rpi-0", "rpi-1"]),
    ("rpi-0", ["rpi-1", "rpi-2"], ["rpi-1", "rpi-2"]),  # the head node does not answer
], ids=["head-first", "dead-head-left-out"])
def test_the_order_every_writer_follows_is_the_live_nodes_head_first(head, play_hosts, order):
    assert view(head=head, play_hosts=play_hosts)["order"] == order


def test_the_hostfile_lines_follow_that_order_with_each_nodes_slots():
    assert view(head="rpi-2")["hostfile"] == ["rpi-2 slots=4", "rpi-0 slots=4", "rpi-1 slots=4"]


def test_a_node_has_the_address_device_and_network_it_reports():
    node = view()["nodes"]["rpi-1"]
    assert (node["address"], node["device"], node["network"]) == ("192.0.2.11", "eth0", "192.0.2.0/24"), node


def test_a_node_carries_its_release_keys_and_mpi_stack():
    node = view()["nodes"]["rpi-2"]
    assert {key: node[key] for key in ("release", "host_keys", "public_keys", "versions", "python_apt")} == {
        "release": "Debian bookworm",
        "host_keys": [["ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIrpi-2"]],
        "public_keys": {"ed25519": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAImpi mpi@rpi-2"},
        "versions": VERSIONS,
        "python_apt": True,
    }, node


@pytest.mark.parametrize("without_block, superseded", [
    ([], []),
    (["/home/mpi/machinefile"], []),
    ([], ["/home/mpi/.openmpi/mca-params.conf"]),
    (["/home/mpi/machinefile"], ["/home/mpi/.openmpi/mca-params.conf", "/home/mpi/.prte/mca-params.conf"]),
])
def test_a_node_keeps_aside_its_files_without_their_block_and_the_superseded_ones(without_block, superseded):
    hostvars = cluster()
    info(hostvars, "rpi-1").update(files_without_block=without_block, superseded_files=superseded)
    assert view(hostvars)["nodes"]["rpi-1"]["keep_aside"] == without_block + superseded


def test_a_node_info_without_block_files_leaves_none_to_keep_aside():
    assert all(node["keep_aside"] == [] for node in view()["nodes"].values())


def test_the_view_names_its_group_head_and_members():
    result = view(head="rpi-1")
    assert (result["group"], result["head"], result["members"]) == ("cluster", "rpi-1", list(NODES)), result


# --- live, dead and outside members ------------------------------------------------------------------------------------


def limited_run() -> dict:
    """`--limit rpi-0`: rpi-1 answers the delegated node_info, rpi-2 does not."""
    hostvars = {"rpi-0": play_host("rpi-0"), "rpi-1": {"inventory_hostname": "rpi-1"},
                "rpi-2": {"inventory_hostname": "rpi-2"}}
    return view(hostvars, play_hosts=["rpi-0"], outside_info=[outside_info("rpi-1"), unreachable("rpi-2")])


@pytest.mark.parametrize(("key", "expected"), [
    ("live", ["rpi-0", "rpi-1"]),
    ("dead", ["rpi-2"]),
    ("outside", ["rpi-1"]),
])
def test_members_outside_the_play_are_live_when_they_answer(key, expected):
    result = limited_run()
    assert result[key] == expected, f"{key}: {result[key]}"


def test_a_dead_member_has_no_node_entry():
    assert sorted(limited_run()["nodes"]) == ["rpi-0", "rpi-1"]


@pytest.mark.parametrize("result", [
    {"item": "rpi-1", "failed": True, "msg": "Timeout when waiting for 192.0.2.11:22"},
    {"item": "rpi-1", "skipped": True},
    {"item": "rpi-1", "unreachable": True},
    {"item": "rpi-1", "changed": False, "failed_when_result": False, "module_stderr": "/bin/sh: python3: not found",
     "msg": "MODULE FAILURE", "rc": 127},
], ids=["failed", "skipped", "unreachable", "failed-module-ignored"])
def test_an_outside_member_whose_node_info_did_not_come_is_dead(result):
    hostvars = {"rpi-0": play_host("rpi-0"), "rpi-1": {}, "rpi-2": play_host("rpi-2")}
    assert view(hostvars, play_hosts=["rpi-0", "rpi-2"], outside_info=[result])["dead"] == ["rpi-1"]


def test_a_member_outside_the_play_is_read_from_its_loop_result():
    node = limited_run()["nodes"]["rpi-1"]
    assert (node["address"], node["network"], node["hostname"]) == ("192.0.2.11", "192.0.2.0/24", "rpi-1"), node


def test_a_member_outside_the_play_takes_cpus_and_versions_from_its_loop_result():
    node = limited_run()["nodes"]["rpi-1"]
    assert (node["cpus"], node["versions"]) == (4, VERSIONS), node


def test_a_member_outside_the_play_is_not_mistaken_for_a_problem():
    assert limited_run()["problems"] == []


@pytest.mark.parametrize(("play_hosts", "outside", "expected"), [
    (["rpi-0", "rpi-1", "rpi-2"], [], {"rpi-0": ["rpi-0"], "rpi-1": ["rpi-1"], "rpi-2": ["rpi-2"]}),
    (["rpi-0", "rpi-1"], ["rpi-2"], {"rpi-0": ["rpi-0", "rpi-2"], "rpi-1": ["rpi-1"]}),
    (["rpi-1", "rpi-2"], ["rpi-0"], {"rpi-1": ["rpi-1", "rpi-0"], "rpi-2": ["rpi-2"]}),
    (["rpi-2"], ["rpi-0", "rpi-1"], {"rpi-2": ["rpi-2", "rpi-0", "rpi-1"]}),
], ids=["all", "limit-0-1", "limit-1-2", "limit-2"])
def test_the_first_play_host_writes_for_the_live_members_outside_the_play(play_hosts, outside, expected):
    hostvars = {name: play_host(name) if name in play_hosts else {} for name in NODES}
    result = view(hostvars, play_hosts=play_hosts, outside_info=[outside_info(name) for name in outside])
    assert result["write_targets"] == expected


def test_a_dead_member_outside_the_play_is_no_write_target():
    assert limited_run()["write_targets"] == {"rpi-0": ["rpi-0", "rpi-1"]}


# --- slots -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("settings", "slots"), [
    ({}, 4),
    ({"machinefile_slots": 2}, 2),
    ({"machinefile_slots": "6"}, "6"),
    ({"machinefile_slots": None}, 4),
], ids=["cpus", "int", "string", "null"])
def test_slots_default_to_the_cpus_and_machinefile_slots_wins(settings, slots):
    hostvars = cluster()
    hostvars["rpi-1"].update(settings)
    assert view(hostvars)["nodes"]["rpi-1"]["slots"] == slots


def test_a_node_carries_its_cpu_topology_and_memory():
    node = view()["nodes"]["rpi-1"]
    assert (node["topology"], node["memory_mb"]) == (TOPOLOGY, 3796), node


def test_cpus_are_the_node_infos():
    hostvars = cluster()
    hostvars["rpi-1"]["__cluster_node_info"]["cpus"] = 8
    node = view(hostvars)["nodes"]["rpi-1"]
    assert (node["cpus"], node["slots"]) == (8, 8), node


@pytest.mark.parametrize("slots", [0, "0", "many", -1, "2.5", "", True])
def test_bad_slots_are_reported_with_the_node(slots):
    hostvars = cluster()
    hostvars["rpi-2"]["machinefile_slots"] = slots
    assert problems_with(view(hostvars), f"it is rpi-2={slots}."), view(hostvars)["problems"]


@pytest.mark.parametrize("slots", [1, "8", 64])
def test_good_slots_are_no_problem(slots):
    hostvars = cluster()
    hostvars["rpi-2"]["machinefile_slots"] = slots
    assert view(hostvars)["problems"] == []


def test_every_node_with_bad_slots_is_listed():
    hostvars = cluster()
    hostvars["rpi-0"]["machinefile_slots"] = 0
    hostvars["rpi-2"]["machinefile_slots"] = "many"
    assert problems_with(view(hostvars), "it is rpi-0=0, rpi-2=many."), view(hostvars)["problems"]


@pytest.mark.parametrize(("slots", "cpus", "oversubscribed"), [
    (8, 4, True),
    ("8", 4, True),
    (4, 4, False),
    (2, 4, False),
    (None, 4, False),
    ("many", 4, False),
])
def test_a_node_with_more_slots_than_cpus_is_oversubscribed(slots, cpus, oversubscribed):
    hostvars = cluster()
    hostvars["rpi-1"]["machinefile_slots"] = slots
    hostvars["rpi-1"]["__cluster_node_info"]["cpus"] = cpus
    assert view(hostvars)["nodes"]["rpi-1"]["oversubscribed"] is oversubscribed


# --- addresses and names -------------------------------------------------------------------------------------------------


def test_a_shared_address_is_named_with_its_nodes():
    hostvars = cluster()
    hostvars["rpi-1"]["__cluster_node_info"] = node_info("rpi-1", address="192.0.2.10")  # a cloned card, static address
    assert problems_with(view(hostvars), "rpi-0, rpi-1 share '192.0.2.10'"), view(hostvars)["problems"]


def test_an_mpi_address_shared_with_another_node_is_named():
    hostvars = cluster()
    hostvars["rpi-2"]["mpi_address"] = "192.0.2.10"
    assert problems_with(view(hostvars), "rpi-0, rpi-2 share '192.0.2.10'"), view(hostvars)["problems"]


@pytest.mark.parametrize(("aliases", "shared"), [
    ({"rpi-1": ["rpi-0"]}, "rpi-0, rpi-1 share 'rpi-0'"),
    ({"rpi-1": ["head"], "rpi-2": ["head"]}, "rpi-1, rpi-2 share 'head'"),
    ({"rpi-2": ["192.0.2.11"]}, "rpi-1, rpi-2 share '192.0.2.11'"),
], ids=["alias-is-a-name", "same-alias", "alias-is-an-address"])
def test_a_shared_name_is_named_with_its_nodes(aliases, shared):
    hostvars = cluster()
    for name, node_aliases in aliases.items():
        hostvars[name]["mpi_aliases"] = node_aliases
    assert problems_with(view(hostvars), shared), view(hostvars)["problems"]


def test_an_alias_repeating_the_nodes_own_name_is_no_problem():
    hostvars = cluster()
    hostvars["rpi-1"]["mpi_aliases"] = ["rpi-1", "node1", "node1"]
    result = view(hostvars)
    assert (result["problems"], result["nodes"]["rpi-1"]["names"]) == ([], ["rpi-1", "node1"]), result


def test_addresses_map_every_name_and_alias_of_the_live_nodes():
    hostvars = cluster()
    hostvars["rpi-1"]["mpi_aliases"] = ["node1", "node1.cluster.example"]
    hostvars["rpi-2"] = {"mpi_aliases": ["node2"]}
    result = view(hostvars, play_hosts=["rpi-0", "rpi-1"], outside_info=[unreachable("rpi-2")])
    assert result["addresses"] == {"rpi-0": "192.0.2.10", "rpi-1": "192.0.2.11", "node1": "192.0.2.11",
                                   "node1.cluster.example": "192.0.2.11"}


@pytest.mark.parametrize(("mpi_address", "message"), [
    ("192.0.2.99", "rpi-1 has no IPv4 address '192.0.2.99' (it has 192.0.2.11)"),
    ("198.51.100.11", "rpi-1 has no IPv4 address '198.51.100.11' (it has 192.0.2.11)"),
])
def test_an_mpi_address_the_node_does_not_have_is_reported(mpi_address, message):
    hostvars = cluster()
    hostvars["rpi-1"]["mpi_address"] = mpi_address
    assert problems_with(view(hostvars), message), view(hostvars)["problems"]


def test_a_node_without_a_default_route_is_told_to_set_mpi_address():
    hostvars = cluster()
    info(hostvars, "rpi-2")["default_ipv4"] = ""  # a switch without a gateway
    assert problems_with(view(hostvars), "rpi-2 has no IPv4 address '' (it has 192.0.2.12); set mpi_address"), \
        view(hostvars)["problems"]


def test_nodes_without_an_address_are_not_said_to_share_one():
    hostvars = cluster()
    for name in ("rpi-1", "rpi-2"):
        info(hostvars, name)["default_ipv4"] = ""
    assert problems_with(view(hostvars), "share ''") == [], view(hostvars)["problems"]


def test_mpi_address_chooses_among_the_nodes_addresses():
    hostvars = cluster()
    info(hostvars, "rpi-1")["ipv4"] += [ipv4("192.0.2.51"), ipv4("198.51.100.11")]
    hostvars["rpi-1"]["mpi_address"] = "198.51.100.11"
    node = view(hostvars)["nodes"]["rpi-1"]
    assert (node["address"], node["device"], node["network"]) == ("198.51.100.11", "eth0", "198.51.100.0/24"), node


def test_a_secondary_address_is_found_without_a_problem():
    hostvars = cluster()
    info(hostvars, "rpi-1")["ipv4"].append(ipv4("192.0.2.51"))
    hostvars["rpi-1"]["mpi_address"] = "192.0.2.51"
    assert view(hostvars)["problems"] == []


@pytest.mark.parametrize("device", ["wlan0", "eth0.100", "br-lan"])
def test_an_address_on_another_interface_gives_that_device(device):
    hostvars = cluster()
    info(hostvars, "rpi-1")["ipv4"].append(ipv4("198.51.100.11", device))
    hostvars["rpi-1"]["mpi_address"] = "198.51.100.11"
    node = view(hostvars)["nodes"]["rpi-1"]
    assert (node["device"], node["network"]) == (device, "198.51.100.0/24"), node


# --- the head node and the MPI user ----------------------------------------------------------------------------------------


def test_a_head_outside_the_group_is_reported():
    assert problems_with(view(head="rpi-9"), "must contain the head node 'rpi-9'"), view(head="rpi-9")["problems"]


@pytest.mark.parametrize("user", [
    {"name": "root", "uid": 0, "gid": 0},
    {"name": "root", "uid": 2000, "gid": 2000},
    {"name": "mpi", "uid": 999, "gid": 2000},
    {"name": "mpi", "uid": 2000, "gid": 100},
    {"name": "MPI", "uid": 2000, "gid": 2000},
    {"name": "1mpi", "uid": 2000, "gid": 2000},
    {"name": "mpi user", "uid": 2000, "gid": 2000},
    {"name": "", "uid": 2000, "gid": 2000},
    {"name": "m" * 33, "uid": 2000, "gid": 2000},
], ids=["root", "named-root", "system-uid", "system-gid", "upper-case", "digit-first", "space", "empty", "too-long"])
def test_an_mpi_user_that_is_no_ordinary_account_is_reported(user):
    assert problems_with(view(user=user), f"mpi_user '{user['name']}' (uid {user['uid']}"), view(user=user)["problems"]


@pytest.mark.parametrize("user", [
    {"name": "mpi", "uid": 1000, "gid": 1000},
    {"name": "_mpi", "uid": 2000, "gid": 2000},
    {"name": "mpi-user2", "uid": "2000", "gid": "2000"},
])
def test_an_ordinary_mpi_user_is_no_problem(user):
    assert view(user=user)["problems"] == []


# --- hostnames ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("set_hostname", "hostname"), [
    (True, "rpi-1"),
    ("true", "rpi-1"),
    ("True", "rpi-1"),
    ("yes", "rpi-1"),
    (False, "raspberrypi"),
    ("false", "raspberrypi"),
    ("no", "raspberrypi"),
    (None, "raspberrypi"),
])
def test_the_hostname_is_the_inventory_name_where_hostsfile_set_hostname_is_on(set_hostname, hostname):
    hostvars = cluster()
    info(hostvars, "rpi-1")["hostname"] = "raspberrypi"
    hostvars["rpi-1"]["hostsfile_set_hostname"] = set_hostname
    assert view(hostvars)["nodes"]["rpi-1"]["hostname"] == hostname


@pytest.mark.parametrize(("set_hostname", "expected"), [("true", True), ("off", False), (1, True), (0, False)])
def test_set_hostname_is_a_bool_in_the_view(set_hostname, expected):
    hostvars = cluster()
    hostvars["rpi-1"]["hostsfile_set_hostname"] = set_hostname
    assert view(hostvars)["nodes"]["rpi-1"]["set_hostname"] is expected


def freshly_flashed() -> dict:
    """rpi-0 and rpi-1 still carry Raspberry Pi OS's default hostname."""
    hostvars = cluster()
    for name in ("rpi-0", "rpi-1"):
        info(hostvars, name)["hostname"] = "raspberrypi"
    return hostvars


def test_nodes_with_the_same_hostname_are_reported():
    result = view(freshly_flashed())
    assert problems_with(result, "(rpi-0=raspberrypi, rpi-1=raspberrypi, rpi-2=rpi-2)"), result["problems"]


def test_the_same_hostname_is_no_problem_where_hostsfile_set_hostname_renames_the_nodes():
    hostvars = freshly_flashed()
    for name in ("rpi-0", "rpi-1"):
        hostvars[name]["hostsfile_set_hostname"] = "true"
    assert view(hostvars)["problems"] == []


@pytest.mark.parametrize("name", ["rpi_3", "rpi-3.lan", "-rpi"])
def test_an_inventory_name_that_cannot_be_a_hostname_is_reported_where_it_would_be_set(name):
    members = (*NODES, name)
    hostvars = cluster(members)
    hostvars[name]["hostsfile_set_hostname"] = True
    result = view(hostvars, members=members)
    assert problems_with(result, f"hostsfile_set_hostname is on, but {name} cannot be a hostname"), result["problems"]


@pytest.mark.parametrize("name", ["rpi_3", "rpi-3.lan"])
def test_an_inventory_name_that_cannot_be_a_hostname_is_fine_where_it_is_not_set(name):
    members = (*NODES, name)
    hostvars = cluster(members)
    info(hostvars, name)["hostname"] = "rpi-3"
    assert view(hostvars, members=members)["problems"] == []


# --- operating systems and MPI stacks -------------------------------------------------------------------------------------


def test_a_node_outside_the_debian_family_is_reported():
    hostvars = cluster()
    info(hostvars, "rpi-2")["os"] = {"family": "Rocky", "distribution": "Rocky", "release": "Blue Onyx"}
    assert problems_with(view(hostvars), "rpi-2 runs Rocky Blue Onyx: picluster.mpi supports Debian"), \
        view(hostvars)["problems"]


@pytest.mark.parametrize(("distribution", "release"), [("Ubuntu", "noble"), ("Debian", "trixie")])
def test_debian_family_releases_are_no_problem(distribution, release):
    hostvars = cluster()
    for name in NODES:
        info(hostvars, name)["os"].update(distribution=distribution, release=release)
    assert view(hostvars)["problems"] == []


def test_mixed_releases_are_a_mismatch_listing_every_node():
    hostvars = cluster()
    info(hostvars, "rpi-2")["os"]["release"] = "trixie"
    assert view(hostvars)["mismatches"] == [
        "the OS releases differ: rpi-0=Debian bookworm, rpi-1=Debian bookworm, rpi-2=Debian trixie"]


@pytest.mark.parametrize(("key", "version"), [
    ("openmpi", "4.1.2"), ("mpi4py", "3.1.6"), ("python", "3.12.1"), ("slurm", "23.02.6"),
])
def test_a_different_mpi_stack_is_a_mismatch_naming_the_node(key, version):
    hostvars = cluster()
    hostvars["rpi-1"]["__cluster_node_info"]["versions"][key] = version
    mismatches = view(hostvars)["mismatches"]
    assert len(mismatches) == 1 and f"rpi-1={version}" in mismatches[0], mismatches


@pytest.mark.parametrize("key", ["openmpi", "mpi4py", "slurm"])
def test_a_node_without_the_mpi_stack_installed_is_no_mismatch(key):
    hostvars = cluster()
    hostvars["rpi-2"]["__cluster_node_info"]["versions"][key] = None
    assert view(hostvars)["mismatches"] == []


def test_the_mismatches_leave_the_problems_alone():
    hostvars = cluster()
    hostvars["rpi-1"]["__cluster_node_info"]["versions"]["openmpi"] = "4.1.2"
    assert view(hostvars)["problems"] == []


@pytest.mark.parametrize(("head", "openmpi", "major"), [
    ("rpi-1", {"rpi-1": "5.0.7"}, 5),
    ("rpi-0", {"rpi-1": "5.0.7"}, 4),
    ("rpi-0", {"rpi-0": None, "rpi-1": "5.0.7"}, 5),
    ("rpi-0", dict.fromkeys(NODES), None),
], ids=["head-5", "head-4", "head-without-openmpi", "none-installed"])
def test_openmpi_major_is_the_head_nodes(head, openmpi, major):
    hostvars = cluster()
    for name, version in openmpi.items():
        hostvars[name]["__cluster_node_info"]["versions"]["openmpi"] = version
    assert view(hostvars, head=head)["openmpi_major"] == major


def test_a_node_without_node_info_is_read_as_knowing_nothing():
    hostvars = cluster()
    del hostvars["rpi-2"]["__cluster_node_info"]
    node = view(hostvars)["nodes"]["rpi-2"]
    assert (node["cpus"], node["slots"], node["versions"], node["python_apt"]) == (None, None, {}, False), node


def test_the_inputs_are_left_as_they_were():
    hostvars = cluster()
    hostvars["rpi-1"]["mpi_aliases"] = ["node1"]
    before = copy.deepcopy(hostvars)
    view(hostvars)
    assert hostvars == before


# --- the scheduler -----------------------------------------------------------------------------------------------------


def with_controller_package(installed=None, candidate=None) -> dict:
    hostvars = cluster()
    info(hostvars, "rpi-0")["packages"] = {"slurmctld": {"installed": installed, "candidate": candidate}}
    info(hostvars, "rpi-0")["apt_lists"] = True
    return hostvars


@pytest.mark.parametrize(("installed", "candidate"), [
    (None, "22.05.8-4+deb12u3"),
    ("22.05.8-4+deb12u3", None),
], ids=["offered", "installed-but-no-longer-offered"])
def test_a_head_node_that_has_or_can_install_slurmctld_is_no_problem(installed, candidate):
    result = view(with_controller_package(installed, candidate), scheduler="slurm")
    assert problems_with(result, "slurmctld") == [], result["problems"]


def test_a_head_node_without_slurmctld_on_offer_is_told_to_enable_the_archive():
    assert problems_with(view(with_controller_package(), scheduler="slurm"), "offers no slurmctld package")


def test_every_package_the_head_node_lacks_is_named():
    hostvars = with_controller_package(candidate="22.05.8-4+deb12u3")
    info(hostvars, "rpi-0")["packages"].update({"slurmdbd": {"installed": None, "candidate": None},
                                                "mariadb-server": {"installed": None, "candidate": None}})
    assert problems_with(view(hostvars, scheduler="slurm"), "offers no mariadb-server, slurmdbd package")


def test_a_fresh_head_node_without_package_lists_is_not_judged_yet():
    hostvars = with_controller_package()
    info(hostvars, "rpi-0")["apt_lists"] = False
    assert problems_with(view(hostvars, scheduler="slurm"), "slurmctld") == []


def test_without_slurm_the_controller_package_does_not_matter():
    assert problems_with(view(with_controller_package(), scheduler="none"), "slurmctld") == []


def test_a_node_carries_its_control_groups():
    hostvars = cluster()
    info(hostvars, "rpi-1")["cgroup"] = {"version": 2, "container": ""}
    assert view(hostvars)["nodes"]["rpi-1"]["cgroup"] == {"version": 2, "container": ""}


def test_a_setting_under_its_old_name_is_reported_with_the_new_one():
    hostvars = cluster()
    for name in ("rpi-1", "rpi-2"):
        hostvars[name]["ssh_mesh_key_type"] = "rsa"
    assert problems_with(view(hostvars), "ssh_mesh_key_type") == [
        "ssh_mesh_key_type (set for rpi-1, rpi-2) is called mpi_user_key_type since picluster.mpi 0.2.0: "
        "rename it in the inventory."]


def test_settings_under_their_new_names_are_no_problem():
    hostvars = cluster()
    hostvars["rpi-1"]["mpi_user_key_type"] = "rsa"
    assert view(hostvars)["problems"] == []


@pytest.mark.parametrize("boot_ids,sharing", [
    ({"rpi-0": "a", "rpi-1": "b", "rpi-2": "c"}, []),
    ({"rpi-0": "a", "rpi-1": "a", "rpi-2": "a"}, ["rpi-0", "rpi-1", "rpi-2"]),
    ({"rpi-0": "a", "rpi-1": "b", "rpi-2": "a"}, ["rpi-0", "rpi-2"]),
    ({"rpi-0": "", "rpi-1": "", "rpi-2": "c"}, []),
])
def test_nodes_on_one_kernel_are_named_as_sharing_it(boot_ids, sharing):
    hostvars = cluster()
    for name, boot_id in boot_ids.items():
        info(hostvars, name)["boot_id"] = boot_id
    assert sorted(view(hostvars)["sharing_a_kernel"]) == sharing


# --- cloud-init ----------------------------------------------------------------------------------------------------


def cloud_init(manage_etc_hosts="template", enabled=True, template="/etc/cloud/templates/hosts.debian.tmpl") -> dict:
    """What node_info reads on a node that cloud-init customises, as Raspberry Pi Imager sets it up."""
    return {"enabled": enabled, "manage_etc_hosts": manage_etc_hosts, "preserve_hostname": False, "hostname": "pi1",
            "hosts_template": template, "hosts_template_block": None}


@pytest.mark.parametrize(("found", "template"), [
    (cloud_init(), "/etc/cloud/templates/hosts.debian.tmpl"),
    (cloud_init(manage_etc_hosts="localhost"), ""),
    (cloud_init(manage_etc_hosts=""), ""),
    (cloud_init(template=""), ""),
    (cloud_init(enabled=False), ""),
    (None, ""),
])
def test_the_hosts_template_is_named_only_where_cloud_init_renders_etc_hosts_from_it(found, template):
    hostvars = cluster()
    info(hostvars, "rpi-1")["cloud_init"] = found
    assert view(hostvars)["nodes"]["rpi-1"]["hosts_template"] == template


def test_a_disabled_cloud_init_is_no_cloud_init():
    hostvars = cluster()
    info(hostvars, "rpi-1")["cloud_init"] = cloud_init(enabled=False)
    assert view(hostvars)["nodes"]["rpi-1"]["cloud_init"] is None


# --- the roster ------------------------------------------------------------------------------------------------------

ALICE = {"name": "alice", "uid": 3001}


def test_the_roster_is_in_the_view_with_its_defaults():
    assert view(roster={"users": [ALICE]})["users"][0]["slurm_account"] == "cluster"


def test_a_roster_uid_held_on_a_node_is_a_problem_of_the_view():
    hostvars = cluster()
    info(hostvars, "rpi-2")["accounts"] = {"pi": {"uid": 3001, "locked": False}}
    assert problems_with(view(hostvars, roster={"users": [ALICE]}), "uid 3001 of alice is held on rpi-2 by pi")


def test_a_node_carries_the_accounts_of_the_roster_only():
    hostvars = cluster()
    info(hostvars, "rpi-1")["accounts"] = {"pi": {"uid": 1000}, "alice": {"uid": 3001, "locked": True}}
    assert view(hostvars, roster={"users": [ALICE]})["nodes"]["rpi-1"]["accounts"] == {
        "alice": {"uid": 3001, "locked": True}}


# --- monitoring -------------------------------------------------------------------------------------------------------

MONITORING = {"enabled": True, "prometheus_port": 9090, "node_exporter_port": 9100, "retention_time": "30d",
              "retention_size": "2GB", "unit": "/etc/systemd/system/picluster-pi-sensors.timer"}


def test_monitoring_settings_that_cannot_work_are_problems_of_the_view():
    found = view(monitoring={**MONITORING, "prometheus_port": 6817})["problems"]
    assert found == ["monitoring_prometheus_port is 6817, which slurmctld already listens on: choose another port."]


def test_the_nodes_holding_the_sensor_collector_are_where_monitoring_is_in_place():
    hostvars = cluster()
    info(hostvars, "rpi-2")["paths"] = {MONITORING["unit"]: {"exists": True, "directory": False, "mount": None}}
    assert view(hostvars, monitoring={**MONITORING, "enabled": False})["monitoring_in_place"] == ["rpi-2"]
